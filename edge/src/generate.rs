//! Written answers from a text generator — any OpenAI-compatible Chat
//! Completions API, or Workers AI through the `AI` binding — grounded in the
//! passages the engine retrieved, streamed as they are written, and replaced
//! by the built-in reply whenever the generator fails, stalls, declines or
//! sends nonsense. Everything about the formats lives in
//! `frontdesk_shared::llm`; this module does the IO and the timing.
//!
//! Configuration (wrangler vars; the key as a secret):
//! `AI_PROVIDER` = `builtin` (default) | `openai` | `workers-ai`;
//! `AI_MODEL`; `AI_BASE_URL` and `AI_API_KEY` for `openai`;
//! `AI_TTFT_MS` (default 3000): longest wait for the first word;
//! `AI_STALL_MS` (default 10000): longest silence once words flow.

use std::time::Duration;

use frontdesk_api::wire::{Decision, Reply};
use frontdesk_shared::config::limits;
use frontdesk_shared::llm::guard::{self, GuardedStream, OutputGuard};
use frontdesk_shared::llm::redact::redact;
use frontdesk_shared::llm::{
    self, AnswerAccumulator, AnswerOutcome, Finished, GroundedPrompt, Message, Passage, Provider,
    SseDecoder,
};
use frontdesk_shared::retrieval::{Lang, Turn};
use frontdesk_shared::text::phrases::{say, Line};
use futures_util::future::{select, Either};
use futures_util::StreamExt;
use worker::{AbortController, AbortSignal, ByteStream, Delay, Env};

use crate::platform::random_bytes;
use crate::settings::{Settings, Target};
use crate::vars::{bearer, http_error, post_json};

/// A configured text generator.
pub(crate) struct Generator {
    target: Target,
    model: String,
    ttft: Duration,
    stall: Duration,
}

impl Generator {
    /// The generator the worker is configured with, or `None` for the
    /// built-in engine alone (a half-configured provider is reported by
    /// [`Settings`] and left off: visitors still get the built-in answers).
    pub(crate) fn from_env(env: &Env) -> Option<Generator> {
        let g = Settings::of(env).generator.clone()?;
        Some(Generator {
            target: g.target,
            model: g.model,
            ttft: g.ttft,
            stall: g.stall,
        })
    }

    /// The reply to `turn`: written by the model from the turn's passages,
    /// with `on_text` called for each piece of text as it may be shown; or,
    /// if the model cannot be used, the built-in reply. Never fails. Also
    /// the tokens the model call used (for the daily limits): what the
    /// provider reported, else an estimate from the prompt and the answer.
    pub(crate) async fn reply(
        &self,
        env: &Env,
        turn: &Turn,
        on_text: &mut dyn FnMut(String),
    ) -> (Reply, u64) {
        let mut usage = None;
        let mut answer_chars = 0;
        let mut prompt_chars = 0;
        let reply = self
            .write(
                env,
                turn,
                on_text,
                &mut usage,
                &mut answer_chars,
                &mut prompt_chars,
            )
            .await;
        let tokens = usage.unwrap_or_else(|| limits::estimate_tokens(prompt_chars, answer_chars));
        (reply, tokens)
    }

    async fn write(
        &self,
        env: &Env,
        turn: &Turn,
        on_text: &mut dyn FnMut(String),
        usage: &mut Option<u64>,
        answer_chars: &mut usize,
        prompt_chars: &mut usize,
    ) -> Reply {
        let lang = Lang::from_tag(&turn.reply.lang);
        let passages: Vec<Passage> = turn
            .evidence
            .iter()
            .map(|e| Passage {
                title: &e.source.title,
                url: &e.source.url,
                text: &e.text,
            })
            .collect();
        // The visitor's personal data stays here; the model gets placeholders.
        let question = redact(&turn.question, Settings::of(env).pii);
        let mut prompt =
            llm::grounded_prompt(&question, &turn.reply.lang, lang.english_name(), &passages);
        // Every answer is checked before the visitor sees any of it.
        let canary = match random_bytes::<8>() {
            Ok(bytes) => guard::canary(bytes),
            Err(e) => {
                worker::console_error!("no randomness for the canary: {e:?}; built-in reply");
                return turn.reply.clone();
            }
        };
        guard::with_canary(&mut prompt, &canary);
        *prompt_chars = prompt.messages.iter().map(|m| m.content.len()).sum();
        let grounding: Vec<&str> = passages.iter().map(|p| p.text).collect();
        let output_guard = OutputGuard::new(
            &guard::prompt_instructions(&prompt),
            &canary,
            &Settings::of(env).sensitive,
            &grounding,
        );
        let mut guarded = GuardedStream::new(output_guard);
        let result = {
            let mut checked = |text: String| {
                *answer_chars += text.len();
                let safe = guarded.push(&text);
                if !safe.is_empty() {
                    on_text(safe);
                }
            };
            self.stream(env, &prompt, &mut checked, usage).await
        };
        let finished = match result {
            Ok(finished) => finished,
            Err(why) => {
                worker::console_warn!("generator: {why}; built-in reply instead");
                return turn.reply.clone();
            }
        };
        match finished.outcome {
            AnswerOutcome::Answer { text, cited } => {
                guarded.push(&finished.rest);
                match guarded.finish() {
                    Ok(rest) if !rest.is_empty() => on_text(rest),
                    Ok(_) => {}
                    Err(leak) => {
                        worker::console_warn!(
                            "generator: answer withheld, it contained {leak}; suggestions instead"
                        );
                        return declined(turn, lang);
                    }
                }
                let mut sources: Vec<_> = cited
                    .iter()
                    .filter_map(|&i| turn.evidence.get(i))
                    .map(|e| e.source.clone())
                    .collect();
                if sources.is_empty() {
                    // Uncited, but written from these passages only: link
                    // the one the engine ranked first.
                    sources.push(turn.evidence[0].source.clone());
                }
                Reply {
                    decision: Decision::Answer,
                    text,
                    sources,
                    reason: None,
                    lang: turn.reply.lang.clone(),
                    confirm: None,
                }
            }
            AnswerOutcome::NoAnswer => declined(turn, lang),
            AnswerOutcome::Garbage(why) => {
                worker::console_warn!("generator: unusable answer ({why}); built-in reply instead");
                turn.reply.clone()
            }
        }
    }

    /// The model's whole reply to `messages` (not streamed), within
    /// `budget`; the request is aborted when the budget runs out. For short
    /// texts nobody watches being written, such as the ticket summary.
    pub(crate) async fn complete(
        &self,
        env: &Env,
        messages: &[Message],
        max_tokens: u32,
        budget: Duration,
    ) -> Result<String, String> {
        let controller = AbortController::default();
        let call = Box::pin(self.complete_now(env, messages, max_tokens, controller.signal()));
        match select(call, Delay::from(budget)).await {
            Either::Left((result, _)) => result,
            Either::Right(_) => {
                controller.abort();
                Err(format!("no reply within {} ms", budget.as_millis()))
            }
        }
    }

    async fn complete_now(
        &self,
        env: &Env,
        messages: &[Message],
        max_tokens: u32,
        signal: AbortSignal,
    ) -> Result<String, String> {
        match &self.target {
            Target::OpenAi { url, key } => {
                let provider = Provider::OpenAiCompatible;
                let request = provider.whole_request(&self.model, messages, max_tokens);
                let body = serde_json::to_string(&request).map_err(|e| e.to_string())?;
                let auth: Vec<_> = key.as_deref().map(bearer).into_iter().collect();
                let mut response = post_json(url, body, &auth, Some(&signal)).await?;
                let status = response.status_code();
                let content_type = response
                    .headers()
                    .get("Content-Type")
                    .ok()
                    .flatten()
                    .unwrap_or_default();
                let body = response.text().await.map_err(|e| e.to_string())?;
                if !(200..300).contains(&status) {
                    return Err(http_error(status, &body));
                }
                provider
                    .completion_text(&body, llm::is_event_stream(&content_type))
                    .map_err(|e| e.to_string())
            }
            Target::WorkersAi => {
                let provider = Provider::WorkersAi;
                let ai = env.ai("AI").map_err(|e| format!("no AI binding: {e}"))?;
                let output: serde_json::Value = ai
                    .run(
                        &self.model,
                        provider.whole_request(&self.model, messages, max_tokens),
                    )
                    .await
                    .map_err(|e| format!("Workers AI: {e}"))?;
                provider
                    .completion_text(&output.to_string(), false)
                    .map_err(|e| e.to_string())
            }
        }
    }

    /// The model's answer to a tool-calling request (`llm::tools_request`)
    /// within the first-word budget (the visitor is waiting for the turn):
    /// the body, whether it came as a stream anyway, and the tokens used
    /// (as reported, else estimated). The request is aborted when the
    /// budget runs out.
    pub(crate) async fn choose(
        &self,
        env: &Env,
        messages: &[Message],
        tools: &[llm::Tool],
    ) -> Result<(String, bool, u64), String> {
        let controller = AbortController::default();
        let call = Box::pin(self.choose_now(env, messages, tools, controller.signal()));
        let (body, event_stream) = match select(call, Delay::from(self.ttft)).await {
            Either::Left((result, _)) => result?,
            Either::Right(_) => {
                controller.abort();
                return Err(format!(
                    "no tool choice within {} ms",
                    self.ttft.as_millis()
                ));
            }
        };
        let asked: usize = messages.iter().map(|m| m.content.len()).sum::<usize>()
            + tools
                .iter()
                .map(|t| t.description.len() + t.parameters.to_string().len())
                .sum::<usize>();
        let tokens =
            llm::usage_tokens(&body).unwrap_or_else(|| limits::estimate_tokens(asked, body.len()));
        Ok((body, event_stream, tokens))
    }

    async fn choose_now(
        &self,
        env: &Env,
        messages: &[Message],
        tools: &[llm::Tool],
        signal: AbortSignal,
    ) -> Result<(String, bool), String> {
        match &self.target {
            Target::OpenAi { url, key } => {
                let request =
                    llm::tools_request(Provider::OpenAiCompatible, &self.model, messages, tools);
                let auth: Vec<_> = key.as_deref().map(bearer).into_iter().collect();
                let mut response =
                    post_json(url, request.to_string(), &auth, Some(&signal)).await?;
                let status = response.status_code();
                let content_type = response
                    .headers()
                    .get("Content-Type")
                    .ok()
                    .flatten()
                    .unwrap_or_default();
                let body = response.text().await.map_err(|e| e.to_string())?;
                if !(200..300).contains(&status) {
                    return Err(http_error(status, &body));
                }
                Ok((body, llm::is_event_stream(&content_type)))
            }
            Target::WorkersAi => {
                let request = llm::tools_request(Provider::WorkersAi, &self.model, messages, tools);
                let ai = env.ai("AI").map_err(|e| format!("no AI binding: {e}"))?;
                Ok((
                    run_json(ai.as_ref(), &self.model, &request.to_string()).await?,
                    false,
                ))
            }
        }
    }

    /// Runs the model: first text within the TTFT budget, then no silence
    /// longer than the stall budget. The request is aborted on either.
    async fn stream(
        &self,
        env: &Env,
        prompt: &GroundedPrompt,
        on_text: &mut dyn FnMut(String),
        usage: &mut Option<u64>,
    ) -> Result<Finished, String> {
        let controller = AbortController::default();
        let signal = controller.signal();
        let first = Box::pin(async move {
            let mut upstream = self.open(env, prompt, signal).await?;
            let text = upstream.next_text().await?;
            Ok::<_, String>((upstream, text))
        });
        let first = match select(first, Delay::from(self.ttft)).await {
            Either::Left((result, _)) => Some(result),
            Either::Right(_) => None,
        };
        let Some(first) = first else {
            controller.abort();
            return Err(format!("no text within {} ms", self.ttft.as_millis()));
        };
        let (mut upstream, text) = first?;
        let Some(text) = text else {
            *usage = upstream.usage;
            return Ok(upstream.finish());
        };
        on_text(text);
        loop {
            let step = match select(Box::pin(upstream.next_text()), Delay::from(self.stall)).await {
                Either::Left((result, _)) => Some(result),
                Either::Right(_) => None,
            };
            *usage = upstream.usage;
            match step {
                Some(Ok(Some(text))) => on_text(text),
                Some(Ok(None)) => return Ok(upstream.finish()),
                Some(Err(e)) => return Err(e),
                None => {
                    controller.abort();
                    return Err(format!("silent for {} ms", self.stall.as_millis()));
                }
            }
        }
    }

    async fn open(
        &self,
        env: &Env,
        prompt: &GroundedPrompt,
        signal: AbortSignal,
    ) -> Result<Upstream, String> {
        let acc = AnswerAccumulator::new(prompt.sources);
        match &self.target {
            Target::OpenAi { url, key } => {
                let provider = Provider::OpenAiCompatible;
                let body = serde_json::to_string(&provider.request(&self.model, &prompt.messages))
                    .map_err(|e| e.to_string())?;
                let mut headers = vec![("accept", "text/event-stream".to_owned())];
                headers.extend(key.as_deref().map(bearer));
                let mut response = post_json(url, body, &headers, Some(&signal)).await?;
                let status = response.status_code();
                if !(200..300).contains(&status) {
                    let body = response.text().await.unwrap_or_default();
                    return Err(http_error(status, &body));
                }
                let content_type = response
                    .headers()
                    .get("Content-Type")
                    .ok()
                    .flatten()
                    .unwrap_or_default();
                if !llm::is_event_stream(&content_type) {
                    // A server that ignored `stream: true`: one JSON answer.
                    let body = response.text().await.map_err(|e| e.to_string())?;
                    let text = provider.parse_body(&body).map_err(|e| e.to_string())?;
                    let mut upstream = Upstream::whole(provider, acc, &text);
                    upstream.usage = llm::usage_tokens(&body);
                    return Ok(upstream);
                }
                let body = response.stream().map_err(|e| e.to_string())?;
                Ok(Upstream::streaming(provider, acc, body))
            }
            Target::WorkersAi => {
                let provider = Provider::WorkersAi;
                let ai = env.ai("AI").map_err(|e| format!("no AI binding: {e}"))?;
                let body = ai
                    .run_bytes(&self.model, provider.request(&self.model, &prompt.messages))
                    .await
                    .map_err(|e| format!("Workers AI: {e}"))?;
                Ok(Upstream::streaming(provider, acc, body))
            }
        }
    }
}

/// The model says the passages do not answer: an answer the engine was sure
/// of becomes a suggestion of its article; suggestions stay suggestions.
fn declined(turn: &Turn, lang: Lang) -> Reply {
    let mut reply = turn.reply.clone();
    if reply.decision == Decision::Answer {
        reply.decision = Decision::Suggest;
        reply.text = say(lang, Line::Suggest).to_owned();
    }
    reply
}

/// A model's response being read.
struct Upstream {
    provider: Provider,
    body: Option<ByteStream>,
    decoder: SseDecoder,
    acc: AnswerAccumulator,
    /// Text released but not yet handed out.
    pending: String,
    ended: bool,
    /// The tokens the provider reported, if it did.
    usage: Option<u64>,
}

impl Upstream {
    fn streaming(provider: Provider, acc: AnswerAccumulator, body: ByteStream) -> Upstream {
        Upstream {
            provider,
            body: Some(body),
            decoder: SseDecoder::new(),
            acc,
            pending: String::new(),
            ended: false,
            usage: None,
        }
    }

    fn whole(provider: Provider, mut acc: AnswerAccumulator, text: &str) -> Upstream {
        let pending = acc.push(text);
        Upstream {
            provider,
            body: None,
            decoder: SseDecoder::new(),
            acc,
            pending,
            ended: true,
            usage: None,
        }
    }

    /// The next text that may be shown, or `None` when the model is done.
    async fn next_text(&mut self) -> Result<Option<String>, String> {
        loop {
            if !self.pending.is_empty() {
                return Ok(Some(std::mem::take(&mut self.pending)));
            }
            if self.ended {
                return Ok(None);
            }
            let Some(body) = self.body.as_mut() else {
                self.ended = true;
                continue;
            };
            let events = match body.next().await {
                Some(Ok(bytes)) => self.decoder.push(&bytes),
                Some(Err(e)) => return Err(format!("stream broke: {e}")),
                None => {
                    self.ended = true;
                    self.decoder.finish()
                }
            };
            for event in events {
                self.usage = llm::usage_tokens(&event.data).or(self.usage);
                let delta = self
                    .provider
                    .parse_event(&event.data)
                    .map_err(|e| e.to_string())?;
                let shown = self.acc.push(&delta.text);
                self.pending.push_str(&shown);
                if delta.done {
                    self.ended = true;
                    break;
                }
            }
        }
    }

    fn finish(self) -> Finished {
        self.acc.finish()
    }
}

/// `env.AI.run(model, input)` with `input` given as JSON text, parsed into
/// plain JS objects (serde's route would turn its maps, such as a tool's
/// `properties`, into JS `Map`s, which the binding does not read); the
/// output as JSON text.
async fn run_json(ai: &wasm_bindgen::JsValue, model: &str, input: &str) -> Result<String, String> {
    use wasm_bindgen::JsCast;
    let why = |e: wasm_bindgen::JsValue| format!("Workers AI: {e:?}");
    let input = js_sys::JSON::parse(input).map_err(why)?;
    let run: js_sys::Function = js_sys::Reflect::get(ai, &"run".into())
        .map_err(why)?
        .dyn_into()
        .map_err(why)?;
    let promise: js_sys::Promise = run
        .call2(ai, &model.into(), &input)
        .map_err(why)?
        .dyn_into()
        .map_err(why)?;
    let output = wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map_err(why)?;
    js_sys::JSON::stringify(&output)
        .map(String::from)
        .map_err(why)
}

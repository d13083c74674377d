//! The providers' wire formats: OpenAI-compatible Chat Completions and
//! Workers AI request bodies, their stream events and whole bodies.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::prompt::starts_with_ignore_ascii_case;
use super::{truncate_chars, AiError, Message, SseDecoder, MAX_TOKENS, TEMPERATURE};

/// Which wire format a provider speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    /// `POST {base_url}/chat/completions` (OpenAI, and the many servers that
    /// copy its API).
    OpenAiCompatible,
    /// `env.AI.run(model, input)`.
    WorkersAi,
}

/// A chat request body. A struct rather than a `serde_json::Value` because
/// the worker hands Workers AI input to `serde_wasm_bindgen`, which turns JSON
/// maps into JS `Map`s that the binding does not read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CompletionRequest<'a> {
    /// Absent for Workers AI, where the model is `run`'s first argument.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<&'a str>,
    /// The conversation for the model, system message first.
    pub messages: &'a [Message],
    /// Ask for server-sent events (true for answers, false for the
    /// ticket summary).
    pub stream: bool,
    /// Sampling temperature, [`TEMPERATURE`] (low: restate, do not invent).
    pub temperature: f64,
    /// Most tokens the model may write.
    pub max_tokens: u32,
}

impl Provider {
    /// The streamed request for `messages` with the module's sampling
    /// settings. `model` is ignored for Workers AI.
    pub fn request<'a>(self, model: &'a str, messages: &'a [Message]) -> CompletionRequest<'a> {
        CompletionRequest {
            model: match self {
                Provider::OpenAiCompatible => Some(model),
                Provider::WorkersAi => None,
            },
            messages,
            stream: true,
            temperature: TEMPERATURE,
            max_tokens: MAX_TOKENS,
        }
    }

    /// Maps the data of one server-sent event to a text delta.
    ///
    /// OpenAI-compatible: `[DONE]`, or a chunk whose `choices[0].delta.content`
    /// is the text (absent or null in role-only chunks) and whose
    /// `finish_reason` ends the answer. Workers AI: `[DONE]`, or
    /// `{"response": "token"}`; its OpenAI-shaped chunks (some catalog models
    /// emit them) are read too. Chunks carrying only `usage` are empty deltas.
    pub fn parse_event(self, data: &str) -> Result<Delta, AiError> {
        let data = data.trim();
        if data == "[DONE]" {
            return Ok(Delta {
                text: String::new(),
                done: true,
            });
        }
        if data.is_empty() {
            return Ok(Delta::default());
        }
        let payload = parse_payload(data)?;
        if let (Provider::WorkersAi, Some(text)) = (self, &payload.response) {
            return Ok(Delta {
                text: text.clone(),
                done: false,
            });
        }
        match payload.choices {
            Some(choices) => Ok(choices
                .into_iter()
                .next()
                .map(|choice| Delta {
                    done: choice.finished(),
                    text: choice
                        .delta
                        .or(choice.message)
                        .and_then(|c| c.content)
                        .unwrap_or_default(),
                })
                .unwrap_or_default()),
            None if payload.usage.is_some() => Ok(Delta::default()),
            None => Err(AiError::Garbage(format!(
                "no {} in {}",
                self.content_field(),
                excerpt(data)
            ))),
        }
    }

    /// The answer text of a whole, non-streamed response body: for a
    /// provider that ignored `stream: true` (its `Content-Type` is JSON, not
    /// `text/event-stream`; see [`is_event_stream`]). OpenAI-compatible:
    /// `choices[0].message.content`; Workers AI: `response`. Null content is
    /// an empty answer, which the
    /// [`AnswerAccumulator`](super::AnswerAccumulator) rejects.
    pub fn parse_body(self, body: &str) -> Result<String, AiError> {
        let payload = parse_payload(body.trim())?;
        if let (Provider::WorkersAi, Some(text)) = (self, payload.response) {
            return Ok(text);
        }
        match payload.choices {
            Some(choices) => match choices.into_iter().next() {
                Some(choice) => Ok(choice
                    .message
                    .or(choice.delta)
                    .and_then(|c| c.content)
                    .unwrap_or_default()),
                None => Err(AiError::Garbage("empty choices".to_owned())),
            },
            None => Err(AiError::Garbage(format!(
                "no {} in {}",
                self.content_field(),
                excerpt(body)
            ))),
        }
    }

    /// A request answered whole (`stream: false`), for short texts the
    /// worker waits for, such as the ticket summary; `max_tokens` bounds it.
    pub fn whole_request<'a>(
        self,
        model: &'a str,
        messages: &'a [Message],
        max_tokens: u32,
    ) -> CompletionRequest<'a> {
        CompletionRequest {
            stream: false,
            max_tokens,
            ..self.request(model, messages)
        }
    }

    /// The text of a response to a [`whole_request`](Self::whole_request):
    /// one JSON body, or, from a server that streams anyway
    /// (`event_stream`, see [`is_event_stream`]), the events' deltas
    /// joined.
    pub fn completion_text(self, body: &str, event_stream: bool) -> Result<String, AiError> {
        if !event_stream {
            return self.parse_body(body);
        }
        let mut decoder = SseDecoder::new();
        let mut events = decoder.push(body.as_bytes());
        events.extend(decoder.finish());
        let mut text = String::new();
        for event in events {
            let delta = self.parse_event(&event.data)?;
            text.push_str(&delta.text);
            if delta.done {
                break;
            }
        }
        Ok(text)
    }

    fn content_field(self) -> &'static str {
        match self {
            Provider::OpenAiCompatible => "choices",
            Provider::WorkersAi => "response or choices",
        }
    }
}

/// Joins an OpenAI-compatible base URL (`http://127.0.0.1:9999/v1`, with or
/// without a trailing slash, possibly with a query such as Azure's
/// `?api-version=…`) and `chat/completions`. A URL that already ends in
/// `/chat/completions` is kept as it is.
pub fn chat_completions_url(base_url: &str) -> String {
    const PATH: &str = "chat/completions";
    let base = base_url.trim();
    let (path, query) = match base.find(['?', '#']) {
        Some(i) => base.split_at(i),
        None => (base, ""),
    };
    let path = path.trim_end_matches('/');
    if path.ends_with(&format!("/{PATH}")) {
        format!("{path}{query}")
    } else {
        format!("{path}/{PATH}{query}")
    }
}

/// Whether a response's `Content-Type` announces a stream of server-sent
/// events (else the body is one JSON document for [`Provider::parse_body`]).
pub fn is_event_stream(content_type: &str) -> bool {
    starts_with_ignore_ascii_case(content_type.trim_start(), "text/event-stream")
}

/// The tokens a provider says a call used, from a streamed event's data or
/// a whole body: `usage.total_tokens`, else `prompt_tokens +
/// completion_tokens` (OpenAI-compatible and Workers AI both report it so,
/// when they do). `None` when the JSON carries no usage.
pub fn usage_tokens(data: &str) -> Option<u64> {
    #[derive(Deserialize)]
    struct Usage {
        total_tokens: Option<u64>,
        prompt_tokens: Option<u64>,
        completion_tokens: Option<u64>,
    }
    #[derive(Deserialize)]
    struct WithUsage {
        usage: Option<Usage>,
    }
    let usage = serde_json::from_str::<WithUsage>(data.trim()).ok()?.usage?;
    usage
        .total_tokens
        .or(match (usage.prompt_tokens, usage.completion_tokens) {
            (None, None) => None,
            (p, c) => Some(p.unwrap_or(0) + c.unwrap_or(0)),
        })
}

/// One step of a streamed answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delta {
    /// Text to append; often empty (role-only or usage chunks).
    pub text: String,
    /// The provider says the answer is complete. It may still send
    /// more events (usage, `[DONE]`), which can be ignored.
    pub done: bool,
}

/// Every response shape either provider sends, loosely: unknown fields are
/// ignored, present fields must have the right type.
#[derive(Deserialize)]
struct Payload {
    #[serde(default)]
    choices: Option<Vec<Choice>>,
    #[serde(default)]
    response: Option<String>,
    #[serde(default)]
    error: Option<serde_json::Value>,
    #[serde(default)]
    errors: Option<Vec<serde_json::Value>>,
    /// `"error"` in some servers' (older vLLM) error bodies.
    #[serde(default)]
    object: Option<String>,
    #[serde(default)]
    message: Option<serde_json::Value>,
    #[serde(default)]
    usage: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct Choice {
    #[serde(default)]
    delta: Option<Content>,
    #[serde(default)]
    message: Option<Content>,
    #[serde(default)]
    finish_reason: Option<String>,
}

impl Choice {
    fn finished(&self) -> bool {
        self.finish_reason.as_deref().is_some_and(|r| !r.is_empty())
    }
}

#[derive(Deserialize)]
struct Content {
    #[serde(default)]
    content: Option<String>,
}

/// Parses `json` and turns an in-band error report into [`AiError::Provider`].
fn parse_payload(json: &str) -> Result<Payload, AiError> {
    let payload: Payload = serde_json::from_str(json)
        .map_err(|e| AiError::Garbage(format!("{e} in {}", excerpt(json))))?;
    if let Some(error) = &payload.error {
        return Err(AiError::Provider(error_message(error)));
    }
    if let Some(first) = payload.errors.as_ref().and_then(|e| e.first()) {
        return Err(AiError::Provider(error_message(first)));
    }
    if payload.object.as_deref() == Some("error") {
        let message = payload
            .message
            .as_ref()
            .map_or_else(|| "unspecified error".to_owned(), error_message);
        return Err(AiError::Provider(message));
    }
    Ok(payload)
}

pub(super) fn error_message(error: &serde_json::Value) -> String {
    let message = match error {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Object(o) => match o.get("message") {
            Some(serde_json::Value::String(s)) => s.clone(),
            _ => error.to_string(),
        },
        other => other.to_string(),
    };
    excerpt(&message).into_owned()
}

/// Bounded for logs: provider output is not ours to store whole.
pub(super) fn excerpt(s: &str) -> Cow<'_, str> {
    truncate_chars(s, 200)
}

#[cfg(test)]
mod tests;

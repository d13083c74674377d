//! [`Ports`] on the worker's bindings: D1, R2, the `Limiter` Durable
//! Objects, the live content (read once per request), the embedding model,
//! the configured sinks, their queue and their HTTP calls, Web Crypto and
//! the runtime's clock.

use std::cell::RefCell;

use frontdesk_api::wire::{LiveEvent, Role};
use frontdesk_shared::actions::call;
use frontdesk_shared::actions::choose;
use frontdesk_shared::config::limits::Kind;
use frontdesk_shared::llm::redact::redact;
use frontdesk_shared::llm::Tool;
use frontdesk_shared::retrieval::{Context, Thresholds, Turn};
use frontdesk_shared::tickets::reference::{format_reference, REFERENCE_BYTES};
use frontdesk_shared::tickets::Ticket;
use futures_util::future::{select, Either};
use std::time::Duration;
use worker::{AbortController, Delay, Env};

use super::Ports;
use crate::actions::ApiAnswer;
use crate::blobs::R2;
use crate::db::D1;
use crate::deliver::{self, Sink};
use crate::email;
use crate::embed::Embedder;
use crate::generate::Generator;
use crate::limits::{self, Who};
use crate::live::{self, Live};
use crate::platform::{now_ms, random_bytes, random_uuid};
use crate::settings::{EmailSettings, Settings, SinkSettings};
use crate::vars::{http_error, post_json};
use crate::AppError;

/// The worker's side of [`Ports`]: D1, R2, the `Limiter` objects, the
/// live content (read once per request) and the embedding model.
pub(crate) struct Bindings<'a> {
    env: &'a Env,
    /// The request's or queue batch's (the scheduled run has none: it asks
    /// no embedding model).
    ctx: Option<&'a worker::Context>,
    db: D1,
    blobs: R2<'a>,
    th: Thresholds,
    embedder: Option<Embedder>,
    live: RefCell<Option<Live>>,
}

impl<'a> Bindings<'a> {
    pub(crate) fn new(env: &'a Env, ctx: &'a worker::Context) -> Result<Self, AppError> {
        Self::with(env, Some(ctx))
    }

    /// For the scheduled run, which has no [`worker::Context`].
    pub(crate) fn scheduled(env: &'a Env) -> Result<Self, AppError> {
        Self::with(env, None)
    }

    fn with(env: &'a Env, ctx: Option<&'a worker::Context>) -> Result<Self, AppError> {
        Ok(Bindings {
            env,
            ctx,
            db: D1::of(env)?,
            blobs: R2(env),
            th: Thresholds {
                hybrid: Settings::of(env).hybrid,
                ..Thresholds::default()
            },
            embedder: Embedder::from_env(env),
            live: RefCell::new(None),
        })
    }

    /// The live content, read once per request.
    async fn live(&self) -> Live {
        if let Some(live) = self.live.borrow().clone() {
            return live;
        }
        let live = live::current(self).await;
        *self.live.borrow_mut() = Some(live.clone());
        live
    }
}

impl<'a> Ports for Bindings<'a> {
    type Db = D1;

    fn db(&self) -> &D1 {
        &self.db
    }

    type Blobs = R2<'a>;

    fn blobs(&self) -> &R2<'a> {
        &self.blobs
    }

    fn now(&self) -> i64 {
        now_ms()
    }

    fn new_id(&self) -> Result<String, AppError> {
        random_uuid()
    }

    fn new_reference(&self) -> Result<String, AppError> {
        Ok(format_reference(random_bytes::<REFERENCE_BYTES>()?))
    }

    async fn admit(&self, who: &Who, kind: Kind, model: bool) -> Result<bool, AppError> {
        limits::admit(self.env, who, kind, model).await
    }

    async fn always_human(&self, text: &str, topics: Option<&[String]>) -> Option<String> {
        let live = self.live().await;
        live.index.always_human_for(text, topics).map(str::to_owned)
    }

    fn route(&self, ticket: &mut Ticket) -> Vec<Sink> {
        deliver::route(self.env, ticket)
    }

    async fn admit_all(&self, who: &Who, costs: &[(Kind, u64)]) -> Result<(), AppError> {
        limits::admit_all(self.env, who, costs, false).await?;
        Ok(())
    }

    async fn refund(&self, who: &Who, kind: Kind, cost: u64) {
        limits::refund(self.env, who, kind, cost).await;
    }

    async fn rests_on_retrieval(
        &self,
        message: &str,
        ctx: &Context<'_>,
        topics: Option<&[String]>,
    ) -> bool {
        let live = self.live().await;
        live.index.rests_on_retrieval(message, ctx, topics)
    }

    async fn turn(&self, message: &str, ctx: &Context<'_>, topics: Option<&[String]>) -> Turn {
        let live = self.live().await;
        live.turn(self.env, message, ctx, &self.th, topics).await
    }

    async fn similarities(&self, message: &str) -> Option<Vec<f32>> {
        let embedder = self.embedder.as_ref()?;
        let ctx = self.ctx?;
        let live = self.live().await;
        embedder
            .similarities(self.env, ctx, &self.db, &live, message)
            .await
    }

    fn sinks(&self) -> SinkSettings {
        Settings::of(self.env).sinks.clone()
    }

    async fn enqueue(&self, reference: &str, sinks: &[Sink]) {
        deliver::enqueue(self.env, reference, sinks).await;
    }

    fn drop_content(&self) {
        *self.live.borrow_mut() = None;
        live::forget();
    }

    async fn reload_content(&self, version: i64) {
        *self.live.borrow_mut() = None;
        match live::load(self).await {
            Ok(live) => live::install(live),
            // Stored: the next request reads it.
            Err(e) => worker::console_error!("content version {version} stored, not loaded: {e:?}"),
        }
    }

    async fn post(
        &self,
        url: &str,
        body: String,
        headers: &[(&str, String)],
        timeout_ms: u64,
    ) -> Result<(), String> {
        let controller = AbortController::default();
        let signal = controller.signal();
        let call = Box::pin(post_json(url, body, headers, Some(&signal)));
        let timeout = Delay::from(Duration::from_millis(timeout_ms));
        let mut response = match select(call, timeout).await {
            Either::Left((response, _)) => response?,
            Either::Right(_) => {
                controller.abort();
                return Err(format!("no answer within {timeout_ms} ms"));
            }
        };
        let status = response.status_code();
        if (200..300).contains(&status) {
            Ok(())
        } else {
            let text = response.text().await.unwrap_or_default();
            Err(http_error(status, &text))
        }
    }

    async fn get(
        &self,
        url: &str,
        headers: &[(&str, String)],
        timeout_ms: u64,
    ) -> Result<String, String> {
        let controller = AbortController::default();
        let signal = controller.signal();
        let call = Box::pin(crate::vars::get_text(url, headers, &signal));
        let timeout = Delay::from(Duration::from_millis(timeout_ms));
        let answer = match select(call, timeout).await {
            Either::Left((answer, _)) => answer,
            Either::Right(_) => {
                controller.abort();
                Err(format!("no answer within {timeout_ms} ms"))
            }
        };
        answer
    }

    async fn call_api(&self, request: &call::Request, timeout_ms: u64) -> ApiAnswer {
        let controller = AbortController::default();
        let signal = controller.signal();
        let send = Box::pin(send_api(request, &signal));
        let timeout = Delay::from(Duration::from_millis(timeout_ms));
        let answer = match select(send, timeout).await {
            Either::Left((Ok(answer), _)) => answer,
            Either::Left((Err(e), _)) => {
                self.log(&format!("action request to {} failed: {e}", request.url));
                ApiAnswer::NoAnswer
            }
            Either::Right(_) => {
                controller.abort();
                self.log(&format!(
                    "action request to {}: no answer within {timeout_ms} ms",
                    request.url
                ));
                ApiAnswer::NoAnswer
            }
        };
        answer
    }

    async fn choose(
        &self,
        who: &Who,
        message: &str,
        tools: &[Tool],
    ) -> Result<(String, bool), String> {
        let generator = Generator::from_env(self.env).ok_or("no model is configured")?;
        // The visitor's personal data stays here, as with answers.
        let messages = choose::prompt(&redact(message, Settings::of(self.env).pii));
        let (body, event_stream, tokens) = generator.choose(self.env, &messages, tools).await?;
        limits::charge_tokens(self.env, who, tokens).await;
        Ok((body, event_stream))
    }

    async fn broadcast(&self, id: &str, event: &LiveEvent, side: Option<Role>) {
        if let Err(e) = crate::room::broadcast(self.env, id, event, side).await {
            self.log(&format!("live: {e}; clients catch up by reading"));
        }
    }

    fn email(&self) -> Option<EmailSettings> {
        Settings::of(self.env).email.clone()
    }

    async fn enqueue_email(&self, job: &email::Job, delay_secs: u32) {
        crate::deliver::enqueue_email(self.env, job, delay_secs).await;
    }

    fn new_token(&self) -> Result<String, AppError> {
        Ok(frontdesk_shared::email::reply_token(random_bytes::<16>()?))
    }

    fn secret(&self, name: &str) -> Option<String> {
        crate::settings::binding(self.env, name)
    }

    async fn sleep(&self, ms: i64) {
        worker::Delay::from(std::time::Duration::from_millis(ms.max(0) as u64)).await;
    }

    fn log(&self, message: &str) {
        worker::console_log!("{message}");
    }
}

/// One action request: its method, headers and body, redirects not
/// followed (a 3xx is the answer), and at most
/// [`call::MAX_ANSWER_BYTES`] of the answer read.
async fn send_api(
    request: &call::Request,
    signal: &worker::AbortSignal,
) -> Result<ApiAnswer, String> {
    use frontdesk_shared::config::actions::Method as M;
    use worker::{Fetch, Headers, Method, Request, RequestInit, RequestRedirect};
    let headers = Headers::new();
    for (k, v) in &request.headers {
        headers.set(k, v).map_err(|e| e.to_string())?;
    }
    let mut init = RequestInit::new();
    init.with_method(match request.method {
        M::Get => Method::Get,
        M::Post => Method::Post,
        M::Put => Method::Put,
        M::Patch => Method::Patch,
        M::Delete => Method::Delete,
    })
    .with_headers(headers)
    .with_redirect(RequestRedirect::Manual);
    if let Some(body) = &request.body {
        init.with_body(Some(body.clone().into()));
    }
    let req = Request::new_with_init(&request.url, &init).map_err(|e| e.to_string())?;
    let mut response = Fetch::Request(req)
        .send_with_signal(signal)
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status_code();
    let content_type = response.headers().get("content-type").ok().flatten();
    let declared = response
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|n| n.parse::<usize>().ok());
    let body = if declared.is_some_and(|n| n > call::MAX_ANSWER_BYTES) {
        None
    } else {
        capped(&mut response, call::MAX_ANSWER_BYTES).await
    };
    Ok(ApiAnswer::Http(status, content_type, body))
}

/// The body of `response` if it is at most `max` bytes; read chunk by
/// chunk and dropped as soon as it grows past `max` (a chunked answer
/// declares no length), so an endless answer costs no more than `max`.
async fn capped(response: &mut worker::Response, max: usize) -> Option<Vec<u8>> {
    use futures_util::StreamExt;
    let mut stream = response.stream().ok()?;
    let mut body = Vec::new();
    while let Some(chunk) = stream.next().await {
        body.extend_from_slice(&chunk.ok()?);
        if body.len() > max {
            return None;
        }
    }
    Some(body)
}

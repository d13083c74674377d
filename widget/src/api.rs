//! Calls to the worker's API, through the loader's helpers (boot.js), which
//! do the fetching and the JSON; see `js.rs` for why.

use std::cell::RefCell;
use std::rc::Rc;

use frontdesk_api::wire::{
    ChatRequest, ChatResponse, HandoffRequest, HandoffResponse, STREAM_DELTA, STREAM_DONE,
    STREAM_QUEUED, STREAM_START,
};
use js_sys::{Function, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::i18n::Strings;
use crate::js;
use crate::model::{Config, Delivery, Entry};

/// Why a call failed, in words a visitor can act on.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum CallError {
    /// The worker refused the request; its message is for the visitor.
    Api { status: u16, message: String },
    /// The network or the worker failed; trying again may work.
    Unavailable,
}

impl CallError {
    /// The worker's message, or ours (in the visitor's language) when it
    /// could not be reached.
    pub(crate) fn message(&self, strings: &Strings) -> String {
        match self {
            CallError::Api { status: 429, .. } => strings.rate_limited.clone(),
            CallError::Api { message, .. } => message.clone(),
            CallError::Unavailable => strings.unavailable.clone(),
        }
    }
}

/// The loader's helper object (`window.__frontdesk`, see boot.js) and one
/// of its functions.
fn helper(name: &str) -> Result<(JsValue, Function), CallError> {
    let helper = web_sys::window()
        .and_then(|w| Reflect::get(&w, &"__frontdesk".into()).ok())
        .ok_or(CallError::Unavailable)?;
    let f = Reflect::get(&helper, &name.into())
        .ok()
        .and_then(|f| f.dyn_into().ok())
        .ok_or(CallError::Unavailable)?;
    Ok((helper, f))
}

/// A fresh random key (a UUID from the browser's `crypto`), e.g. for a
/// handoff's idempotency key; empty if the browser has none.
pub(crate) fn new_key() -> String {
    helper("uuid")
        .ok()
        .and_then(|(this, f)| f.call0(&this).ok())
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

/// The error a non-2xx answer carries (`{"error": {"code", "message"}}`),
/// if it is the visitor's to fix.
fn api_error(status: f64, body: &JsValue) -> CallError {
    match js::string(&js::get(body, "error"), "message") {
        Some(message) if (400.0..500.0).contains(&status) => CallError::Api {
            status: status as u16,
            message,
        },
        _ => CallError::Unavailable,
    }
}

/// One request through the loader's `call` helper (`body` is sent as
/// JSON when defined); a 2xx answer's parsed JSON.
async fn call(
    config: &Config,
    method: &str,
    path: &str,
    body: JsValue,
) -> Result<JsValue, CallError> {
    let (this, call) = helper("call")?;
    let promise = call
        .call3(&this, &method.into(), &config.url(path).into(), &body)
        .map_err(|_| CallError::Unavailable)?;
    let result = JsFuture::from(js_sys::Promise::from(promise))
        .await
        .map_err(|_| CallError::Unavailable)?;
    let status = Reflect::get(&result, &0.into())
        .ok()
        .and_then(|s| s.as_f64())
        .unwrap_or(0.0);
    let body = Reflect::get(&result, &1.into()).unwrap_or(JsValue::NULL);
    if (200.0..300.0).contains(&status) {
        return Ok(body);
    }
    Err(api_error(status, &body))
}

/// What a streamed chat turn has delivered so far.
#[derive(Default)]
struct Streamed {
    done: Option<ChatResponse>,
    error: JsValue,
}

/// Sends one chat turn and streams the answer: `on_start` gets the
/// conversation id once the worker has stored the message (`Err`: the
/// message waits in the outbox, as `Queued` or `Limited`), `on_delta` each piece of text as the
/// model writes it; the result is the final reply, which replaces the
/// streamed text. Uses the loader's `stream` helper (boot.js), which keeps
/// the message in its outbox, sending it again, until the worker takes it.
pub(crate) async fn chat(
    config: &Config,
    req: &ChatRequest,
    mut on_start: impl FnMut(Result<String, Delivery>) + 'static,
    mut on_delta: impl FnMut(String) + 'static,
) -> Result<ChatResponse, CallError> {
    let (helper, stream) = helper("stream")?;
    let body = js::object(&[
        ("conversation_id", js::opt(req.conversation_id.as_deref())),
        ("message", req.message.as_str().into()),
        ("page_url", js::opt(req.page_url.as_deref())),
        ("locale", js::opt(req.locale.as_deref())),
        ("idempotency_key", js::opt(req.idempotency_key.as_deref())),
    ]);
    let got = Rc::new(RefCell::new(Streamed::default()));
    let sink = got.clone();
    let on_event =
        Closure::<dyn FnMut(String, JsValue)>::new(move |name: String, data: JsValue| {
            match name.as_str() {
                STREAM_START => {
                    if let Some(id) = js::string(&data, "conversation_id") {
                        on_start(Ok(id));
                    }
                }
                // With a 429's Retry-After (a string): waiting it out.
                STREAM_QUEUED if data.is_string() => on_start(Err(Delivery::Limited)),
                STREAM_QUEUED => on_start(Err(Delivery::Queued)),
                STREAM_DELTA => {
                    if let Some(text) = js::string(&data, "text") {
                        on_delta(text);
                    }
                }
                STREAM_DONE => {
                    sink.borrow_mut().done = chat_response(&data);
                }
                _ => sink.borrow_mut().error = data,
            }
        });
    let promise = stream
        .call3(
            &helper,
            &config.url("api/v1/chat").into(),
            &body,
            on_event.as_ref(),
        )
        .map_err(|_| CallError::Unavailable)?;
    let status = JsFuture::from(js_sys::Promise::from(promise))
        .await
        .map_err(|_| CallError::Unavailable)?
        .as_f64()
        .unwrap_or(0.0);
    drop(on_event);
    let got = got.take();
    match got.done {
        Some(done) => Ok(done),
        None => Err(api_error(status, &got.error)),
    }
}

fn chat_response(v: &JsValue) -> Option<ChatResponse> {
    Some(ChatResponse {
        conversation_id: js::string(v, "conversation_id")?,
        message_id: js::number(v, "message_id") as i64,
        reply: js::reply(&js::get(v, "reply"))?,
    })
}

pub(crate) async fn handoff(
    config: &Config,
    req: &HandoffRequest,
) -> Result<HandoffResponse, CallError> {
    let body = js::object(&[
        ("conversation_id", js::opt(req.conversation_id.as_deref())),
        ("email", req.email.as_str().into()),
        ("note", js::opt(req.note.as_deref())),
        ("page_url", js::opt(req.page_url.as_deref())),
        ("idempotency_key", js::opt(req.idempotency_key.as_deref())),
    ]);
    let v = call(config, "POST", "api/v1/handoff", body).await?;
    js::handoff(&v).ok_or(CallError::Unavailable)
}

/// Reads the stored conversation back after a reload: `on(id, entry)` gets
/// each line in time order (from the loader's `restore` helper, which
/// merges messages and tickets; agent replies come with their message id,
/// other lines with 0). Resolves with the HTTP status (0: unreachable).
pub(crate) async fn restore(
    config: &Config,
    id: &str,
    mut on: impl FnMut(f64, Entry) + 'static,
) -> f64 {
    let Ok((this, restore)) = helper("restore") else {
        return 0.0;
    };
    let on = Closure::<dyn FnMut(String, f64, JsValue)>::new(
        move |kind: String, id: f64, v: JsValue| {
            let entry = match kind.as_str() {
                "visitor" => v.as_string().map(|text| Entry::Visitor {
                    text,
                    delivery: Delivery::Sent,
                }),
                "agent" => v.as_string().map(|text| Entry::Agent { text, new: false }),
                "bot" => js::reply(&v).map(|r| {
                    let rating = js::string(&v, "rating").map(|r| r == "up");
                    Entry::Bot(r, id as i64, rating)
                }),
                "ticket" => js::handoff(&v).map(Entry::Ticket),
                _ => None,
            };
            if let Some(entry) = entry {
                on(id, entry);
            }
        },
    );
    let url = config.url(&format!("api/v1/conversations/{id}"));
    let Ok(promise) = restore.call2(&this, &url.into(), on.as_ref()) else {
        return 0.0;
    };
    JsFuture::from(js_sys::Promise::from(promise))
        .await
        .ok()
        .and_then(|s| s.as_f64())
        .unwrap_or(0.0)
}

/// Deletes the visitor's conversation on the worker. `Ok` also when it
/// was already gone.
pub(crate) async fn delete(config: &Config, id: &str) -> Result<(), CallError> {
    let path = format!("api/v1/conversations/{id}");
    match call(config, "DELETE", &path, JsValue::UNDEFINED).await {
        Err(CallError::Api { status: 404, .. }) => Ok(()),
        other => other.map(drop),
    }
}

/// Waits for agent replies after message `after` (long polling in the
/// loader's `watch` helper, which backs off on errors and pauses while the
/// page is hidden): `on(id, text)` gets each reply, `on(-1, "")` tells the
/// conversation is gone. Returns the function that stops watching.
pub(crate) fn watch(
    config: &Config,
    id: &str,
    after: i64,
    on: impl FnMut(f64, String) + 'static,
) -> Option<Function> {
    let (this, watch) = helper("watch").ok()?;
    let on = Closure::<dyn FnMut(f64, String)>::new(on);
    let url = config.url(&format!("api/v1/conversations/{id}/replies"));
    let stop = watch
        .call3(&this, &url.into(), &(after as f64).into(), on.as_ref())
        .ok()?;
    // Lives as long as the watch; the widget lives as long as the page.
    on.forget();
    stop.dyn_into().ok()
}

/// Keeps what the widget needs after a reload in `localStorage`: the
/// conversation, the newest agent reply seen, whether it has a ticket (no
/// conversation: forget it all).
pub(crate) fn save(conversation: Option<&str>, seen: i64, ticket: bool) {
    if let Ok((this, save)) = helper("save") {
        let _ = save.call3(
            &this,
            &conversation.map_or(JsValue::NULL, Into::into),
            &(seen as f64).into(),
            &ticket.into(),
        );
    }
}

/// Messages left in the outbox by an earlier page (text, idempotency key),
/// oldest first (boot.js joins them with NULs: cheaper than an array here).
pub(crate) fn pending() -> Vec<(String, String)> {
    let joined = helper("pending")
        .ok()
        .and_then(|(this, f)| f.call0(&this).ok())
        .and_then(|v| v.as_string())
        .unwrap_or_default();
    let mut parts = joined.split('\0');
    let mut out = Vec::new();
    while let (Some(text), Some(key)) = (parts.next(), parts.next()) {
        out.push((text.to_owned(), key.to_owned()));
    }
    out
}

/// Shows `n` unread replies on the launcher (0 hides the badge).
pub(crate) fn badge(n: usize) {
    if let Ok((this, badge)) = helper("badge") {
        let _ = badge.call1(&this, &(n as f64).into());
    }
}

/// Tells the page's listeners (`Frontdesk('on', name, fn)`).
pub(crate) fn emit(name: &str, detail: JsValue) {
    if let Ok((this, emit)) = helper("emit") {
        let _ = emit.call2(&this, &name.into(), &detail);
    }
}

/// The email the page gave with `Frontdesk('identify', {email})`, if any.
pub(crate) fn identified_email() -> Option<String> {
    let (this, user) = helper("user").ok()?;
    let user = user.call0(&this).ok()?;
    js::string(&user, "email").filter(|e| !e.trim().is_empty())
}

/// Draws the thumbs up/down of bot message `message` into `el` (the
/// loader's `thumbs` helper, which also sends the rating and shows the
/// thanks); `labels`: helpful, not helpful, thanks.
pub(crate) fn thumbs(
    el: &web_sys::Element,
    config: &Config,
    conversation: &str,
    message: i64,
    rating: Option<bool>,
    labels: &[String; 3],
) {
    if let Ok((this, thumbs)) = helper("thumbs") {
        let args = js_sys::Array::of5(
            el,
            &config.url("api/v1/feedback").into(),
            &conversation.into(),
            &(message as f64).into(),
            &rating.map_or(JsValue::UNDEFINED, JsValue::from_bool),
        );
        args.push(
            &labels
                .iter()
                .map(|l| JsValue::from_str(l))
                .collect::<js_sys::Array>(),
        );
        let _ = thumbs.apply(&this, &args);
    }
}

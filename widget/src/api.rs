//! Calls to the worker's API, through the loader's helpers (`bridge.rs`,
//! boot.js), which do the fetching and the JSON; see `js.rs` for why.

use std::cell::RefCell;
use std::rc::Rc;

use frontdesk_api::wire::{
    ChatRequest, ChatResponse, HandoffRequest, HandoffResponse, STREAM_DELTA, STREAM_DONE,
    STREAM_START,
};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::i18n::Strings;
use crate::model::{Config, Delivery, Entry};
use crate::{bridge, js, outbox, retry};

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

/// A fresh random key (a UUID from the browser's `crypto`), e.g. for a
/// handoff's idempotency key.
pub(crate) fn new_key() -> String {
    bridge::uuid()
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
    let result = JsFuture::from(bridge::call(method, &config.url(path), &body))
        .await
        .map_err(|_| CallError::Unavailable)?;
    let status = js::get(&result, "0").as_f64().unwrap_or(0.0);
    let body = js::get(&result, "1");
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

/// One attempt at a chat turn: its HTTP status (0: no answer, or one cut
/// off before its final event), its `Retry-After` in seconds (0: none), and
/// the reply or why there is none. Whether to send it again is the
/// outbox's call (`outbox::Outbox::after`).
pub(crate) struct Attempt {
    pub(crate) status: u16,
    pub(crate) retry_after: u32,
    pub(crate) reply: Result<ChatResponse, CallError>,
}

/// Sends one chat turn and streams the answer: `on_start` gets the
/// conversation id once the worker has stored the message, `on_delta` each
/// piece of text as the model writes it; the final reply replaces the
/// streamed text.
pub(crate) async fn chat(
    config: &Config,
    req: &ChatRequest,
    mut on_start: impl FnMut(String) + 'static,
    mut on_delta: impl FnMut(String) + 'static,
) -> Attempt {
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
                        on_start(id);
                    }
                }
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
    let promise = bridge::turn(
        &config.url("api/v1/chat"),
        &body,
        on_event.as_ref().unchecked_ref(),
    );
    let result = JsFuture::from(promise).await.unwrap_or(JsValue::NULL);
    drop(on_event);
    let status = js::get(&result, "0").as_f64().unwrap_or(0.0);
    let got = got.take();
    Attempt {
        status: status as u16,
        retry_after: js::get(&result, "1").as_f64().unwrap_or(0.0) as u32,
        reply: match got.done {
            Some(done) => Ok(done),
            None => Err(api_error(status, &got.error)),
        },
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

/// Draws a confirm card's buttons into `el` (the loader's `card` helper)
/// and, once the visitor presses one, what the worker answered: what the
/// action did, as a chat turn's answer.
pub(crate) async fn card(
    el: &web_sys::Element,
    config: &Config,
    conversation: &str,
    token: &str,
    labels: &[String; 2],
) -> Result<ChatResponse, CallError> {
    let promise = bridge::card(
        el,
        &config.url("api/v1/actions/confirm"),
        conversation,
        token,
        labels.iter().map(|l| JsValue::from_str(l)).collect(),
    );
    let result = JsFuture::from(promise).await.unwrap_or(JsValue::NULL);
    let status = js::get(&result, "0").as_f64().unwrap_or(0.0);
    let body = js::get(&result, "1");
    if !(200.0..300.0).contains(&status) {
        return Err(api_error(status, &body));
    }
    chat_response(&body).ok_or(CallError::Unavailable)
}

/// Waits `ms`, or until the browser is back online.
pub(crate) async fn nap(ms: u32) {
    let _ = JsFuture::from(bridge::nap(ms)).await;
}

/// Reads the stored conversation back after a reload: `on(id, entry)` gets
/// each line in time order (from the loader's `restore` helper, which
/// merges messages and tickets; agent replies come with their message id,
/// other lines with 0). Too many reads (429): asks again once its
/// `Retry-After` has passed. Resolves with the HTTP status (0: unreachable).
pub(crate) async fn restore(
    config: &Config,
    id: &str,
    mut on: impl FnMut(f64, Entry) + 'static,
) -> f64 {
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
    loop {
        let got = JsFuture::from(bridge::restore(&url, on.as_ref().unchecked_ref()))
            .await
            .unwrap_or(JsValue::NULL);
        let status = js::get(&got, "0").as_f64().unwrap_or(0.0);
        if status != 429.0 {
            return status;
        }
        nap(retry::limited(js::number(&got, "1") as u32)).await;
    }
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

/// Asks once for agent replies after message `after` of conversation `id`,
/// waiting up to 20 s for one ([`stop_polling`] ends it early); `on(id,
/// text)` gets each reply it brings. Returns the HTTP status (0: none) and
/// the `Retry-After` in seconds (0: none).
pub(crate) async fn poll(
    config: &Config,
    id: &str,
    after: i64,
    mut on: impl FnMut(i64, String),
) -> (u16, u32) {
    let url = config.url(&format!("api/v1/conversations/{id}/replies"));
    let got = JsFuture::from(bridge::poll(&url, after as f64))
        .await
        .unwrap_or(JsValue::NULL);
    if let Ok(replies) = js::get(&got, "2").dyn_into::<js_sys::Array>() {
        for m in replies.iter() {
            if let Some(text) = js::string(&m, "text") {
                on(js::number(&m, "id") as i64, text);
            }
        }
    }
    (js::number(&got, "0") as u16, js::number(&got, "1") as u32)
}

/// Ends the long poll under way, if any.
pub(crate) fn stop_polling() {
    bridge::unpoll();
}

/// Waits until the page is shown (at once unless it is hidden).
pub(crate) async fn shown() {
    let _ = JsFuture::from(bridge::shown()).await;
}

/// Keeps what the widget needs after a reload in `localStorage`: the
/// conversation, the newest agent reply seen, whether it has a ticket, and
/// the outbox (`Outbox::stored`); no conversation and an empty outbox:
/// forget it all.
pub(crate) fn save(conversation: Option<String>, seen: i64, ticket: bool, outbox: &str) {
    bridge::save(conversation, seen as f64, ticket, outbox);
}

/// Messages left in the outbox by an earlier page (text, idempotency key),
/// oldest first.
pub(crate) fn pending() -> Vec<(String, String)> {
    outbox::parse_stored(&bridge::pending())
}

/// Shows `n` unread replies on the launcher (0 hides the badge).
pub(crate) fn badge(n: usize) {
    bridge::badge(n as u32);
}

/// Tells the page's listeners (`Frontdesk('on', name, fn)`).
pub(crate) fn emit(name: &str, detail: JsValue) {
    bridge::emit(name, &detail);
}

/// The email the page gave with `Frontdesk('identify', {email})`, if any.
pub(crate) fn identified_email() -> Option<String> {
    js::string(&bridge::user(), "email").filter(|e| !e.trim().is_empty())
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
    bridge::thumbs(
        el,
        &config.url("api/v1/feedback"),
        conversation,
        message as f64,
        rating.map_or(JsValue::UNDEFINED, JsValue::from_bool),
        labels.iter().map(|l| JsValue::from_str(l)).collect(),
    );
}

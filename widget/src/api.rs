//! Calls to the worker's API.

use frontdesk_shared::error::{ApiError, ErrorBody, ErrorCode};
use std::cell::RefCell;
use std::rc::Rc;

use frontdesk_shared::wire::{
    ChatRequest, ChatResponse, HandoffRequest, HandoffResponse, StreamDelta, StreamStart,
    STREAM_DELTA, STREAM_DONE, STREAM_START,
};
use js_sys::{Function, Reflect};
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::model::Config;

/// Why a call failed, in words a visitor can act on.
#[derive(Debug, Clone, PartialEq)]
pub enum CallError {
    /// The worker refused the request; its message is for the visitor.
    Api(ApiError),
    /// The network or the worker failed; trying again may work.
    Unavailable,
}

impl CallError {
    pub fn message(&self) -> String {
        match self {
            CallError::Api(e) => e.message.clone(),
            CallError::Unavailable => {
                "We couldn't reach support. Check your connection and try again.".into()
            }
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
pub fn new_key() -> String {
    helper("uuid")
        .ok()
        .and_then(|(this, f)| f.call0(&this).ok())
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

/// The error a non-2xx answer carries, if it is the visitor's to fix.
fn api_error(status: f64, body: Option<&str>) -> CallError {
    match body.and_then(|b| serde_json::from_str::<ErrorBody>(b).ok()) {
        Some(body) if status < 500.0 => CallError::Api(body.error),
        _ => CallError::Unavailable,
    }
}

/// One request through the loader's `call` helper: `body` (JSON) is sent
/// when given; a 2xx answer is decoded as `T`.
async fn call<T: DeserializeOwned>(
    config: &Config,
    method: &str,
    path: &str,
    body: Option<String>,
) -> Result<T, CallError> {
    let text = call_text(config.url(path), method, body).await?;
    serde_json::from_str(&text).map_err(|_| CallError::Unavailable)
}

/// The untyped part of [`call`], kept out of line: every call site shares
/// this one future instead of inlining a copy (kilobytes of wasm each).
#[inline(never)]
async fn call_text(url: String, method: &str, body: Option<String>) -> Result<String, CallError> {
    let (this, call) = helper("call")?;
    let promise = call
        .call3(
            &this,
            &method.into(),
            &url.into(),
            &body.map_or(JsValue::UNDEFINED, Into::into),
        )
        .map_err(|_| CallError::Unavailable)?;
    let result = JsFuture::from(js_sys::Promise::from(promise))
        .await
        .map_err(|_| CallError::Unavailable)?;
    let status = Reflect::get(&result, &0.into())
        .ok()
        .and_then(|s| s.as_f64())
        .unwrap_or(0.0);
    let text = Reflect::get(&result, &1.into())
        .ok()
        .and_then(|t| t.as_string())
        .unwrap_or_default();
    if (200.0..300.0).contains(&status) {
        return Ok(text);
    }
    Err(api_error(status, Some(&text)))
}

/// What a streamed chat turn has delivered so far.
#[derive(Default)]
struct Streamed {
    done: Option<ChatResponse>,
    error: Option<String>,
}

/// Sends one chat turn and streams the answer: `on_start` gets the
/// conversation id once the worker has stored the message, `on_delta` each
/// piece of text as the model writes it; the result is the final reply,
/// which replaces the streamed text. Uses the loader's `stream` helper
/// (boot.js) to read the event stream.
pub async fn chat(
    config: &Config,
    req: &ChatRequest,
    mut on_start: impl FnMut(String) + 'static,
    mut on_delta: impl FnMut(String) + 'static,
) -> Result<ChatResponse, CallError> {
    let (helper, stream) = helper("stream")?;
    let body = serde_json::to_string(req).map_err(|_| CallError::Unavailable)?;
    let got = Rc::new(RefCell::new(Streamed::default()));
    let sink = got.clone();
    let on_event = Closure::<dyn FnMut(String, String)>::new(move |name: String, data: String| {
        match name.as_str() {
            STREAM_START => {
                if let Ok(s) = serde_json::from_str::<StreamStart>(&data) {
                    on_start(s.conversation_id);
                }
            }
            STREAM_DELTA => {
                if let Ok(d) = serde_json::from_str::<StreamDelta>(&data) {
                    on_delta(d.text);
                }
            }
            STREAM_DONE => sink.borrow_mut().done = serde_json::from_str(&data).ok(),
            _ => sink.borrow_mut().error = Some(data),
        }
    });
    let promise = stream
        .call3(
            &helper,
            &config.url("api/v1/chat").into(),
            &body.into(),
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
    if let Some(done) = got.done {
        return Ok(done);
    }
    match got
        .error
        .and_then(|e| serde_json::from_str::<ErrorBody>(&e).ok())
    {
        Some(body) if status < 500.0 => Err(CallError::Api(body.error)),
        _ => Err(CallError::Unavailable),
    }
}

fn json<B: Serialize>(body: &B) -> Result<Option<String>, CallError> {
    serde_json::to_string(body)
        .map(Some)
        .map_err(|_| CallError::Unavailable)
}

pub async fn handoff(config: &Config, req: &HandoffRequest) -> Result<HandoffResponse, CallError> {
    call(config, "POST", "api/v1/handoff", json(req)?).await
}

/// Reads the stored conversation back after a reload: `on(kind, id, text)`
/// gets each line in time order (see `Transcript::restore_line`). The JSON
/// is taken apart by the loader's `restore` helper (boot.js): decoding it
/// here would cost the wasm kilobytes of serde code for types it has no
/// other use for. Resolves with the HTTP status (0: unreachable).
pub async fn restore(
    config: &Config,
    id: &str,
    on: impl FnMut(String, f64, String) + 'static,
) -> f64 {
    let Ok((this, restore)) = helper("restore") else {
        return 0.0;
    };
    let on = Closure::<dyn FnMut(String, f64, String)>::new(on);
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
pub async fn delete(config: &Config, id: &str) -> Result<(), CallError> {
    let path = config.url(&format!("api/v1/conversations/{id}"));
    match call_text(path, "DELETE", None).await {
        Err(CallError::Api(e)) if e.code == ErrorCode::ConversationNotFound => Ok(()),
        other => other.map(drop),
    }
}

/// Waits for agent replies after message `after` (long polling in the
/// loader's `watch` helper, which backs off on errors and pauses while the
/// page is hidden): `on(id, text)` gets each reply, `on(-1, "")` tells the
/// conversation is gone. Returns the function that stops watching.
pub fn watch(
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
pub fn save(conversation: Option<&str>, seen: i64, ticket: bool) {
    if let Ok((this, save)) = helper("save") {
        let _ = save.call3(
            &this,
            &conversation.map_or(JsValue::NULL, Into::into),
            &(seen as f64).into(),
            &ticket.into(),
        );
    }
}

/// Shows `n` unread replies on the launcher (0 hides the badge).
pub fn badge(n: usize) {
    if let Ok((this, badge)) = helper("badge") {
        let _ = badge.call1(&this, &(n as f64).into());
    }
}

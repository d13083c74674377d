//! Calls to the worker's API.

use frontdesk_shared::error::{ApiError, ErrorBody};
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

async fn post<B: Serialize, T: DeserializeOwned>(
    config: &Config,
    path: &str,
    body: &B,
) -> Result<T, CallError> {
    let (this, post) = helper("post")?;
    let body = serde_json::to_string(body).map_err(|_| CallError::Unavailable)?;
    let promise = post
        .call2(&this, &config.url(path).into(), &body.into())
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
        return serde_json::from_str(&text).map_err(|_| CallError::Unavailable);
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

pub async fn handoff(config: &Config, req: &HandoffRequest) -> Result<HandoffResponse, CallError> {
    post(config, "api/v1/handoff", req).await
}

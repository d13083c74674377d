//! The loader's helpers (`window.__frontdesk`, defined by loader.js and
//! boot.js), typed: every call the widget makes into JavaScript besides its
//! own DOM. They do the I/O only (fetch, JSON, server-sent events, timers,
//! `localStorage`, the page's listeners); what to send, when to send again
//! and what to show is decided in Rust.

use js_sys::{Array, Function, Promise};
use wasm_bindgen::prelude::*;
use web_sys::Element;

#[wasm_bindgen]
extern "C" {
    /// A random key (32 hex digits).
    #[wasm_bindgen(js_namespace = __frontdesk)]
    pub(crate) fn uuid() -> String;

    /// One API call (`body` sent as JSON unless undefined); resolves with
    /// `[status, parsed body or null]`.
    #[wasm_bindgen(js_namespace = __frontdesk)]
    pub(crate) fn call(method: &str, url: &str, body: &JsValue) -> Promise;

    /// One chat turn, asking for server-sent events: `on(name, data)` gets
    /// each event as it arrives (an error answer as `error`, a plain JSON
    /// answer as one `done`). Resolves with `[status, Retry-After seconds]`;
    /// status 0 when the network failed or the stream was cut off before
    /// its final event.
    #[wasm_bindgen(js_namespace = __frontdesk)]
    pub(crate) fn turn(url: &str, body: &JsValue, on: &Function) -> Promise;

    /// Resolves after `ms`, or as soon as the browser is back online.
    #[wasm_bindgen(js_namespace = __frontdesk)]
    pub(crate) fn nap(ms: u32) -> Promise;

    /// Reads a stored conversation back: `on(kind, id, value)` per line, in
    /// time order. Resolves with `[status, Retry-After seconds]` (status 0:
    /// unreachable).
    #[wasm_bindgen(js_namespace = __frontdesk)]
    pub(crate) fn restore(url: &str, on: &Function) -> Promise;

    /// One long poll for agent replies after message `after` (GET `url`,
    /// 20 s). Resolves with `[status, Retry-After seconds, replies]` (status
    /// 0: unreachable, unreadable or stopped; replies `[{id, text}]` when
    /// 2xx).
    #[wasm_bindgen(js_namespace = __frontdesk)]
    pub(crate) fn poll(url: &str, after: f64) -> Promise;

    /// Stops the long poll under way, if any.
    #[wasm_bindgen(js_namespace = __frontdesk)]
    pub(crate) fn unpoll();

    /// Resolves once the page is shown (at once unless it is hidden).
    #[wasm_bindgen(js_namespace = __frontdesk)]
    pub(crate) fn shown() -> Promise;

    /// Keeps the widget's state for the next page (`localStorage`; no
    /// conversation and an empty outbox: removes it).
    #[wasm_bindgen(js_namespace = __frontdesk)]
    pub(crate) fn save(conversation: Option<String>, seen: f64, ticket: bool, outbox: &str);

    /// The outbox an earlier page stored (`outbox::parse_stored`'s form).
    #[wasm_bindgen(js_namespace = __frontdesk)]
    pub(crate) fn pending() -> String;

    /// Shows `n` unread replies on the launcher (0 hides the badge).
    #[wasm_bindgen(js_namespace = __frontdesk)]
    pub(crate) fn badge(n: u32);

    /// Tells the page's listeners (`Frontdesk('on', name, fn)`).
    #[wasm_bindgen(js_namespace = __frontdesk)]
    pub(crate) fn emit(name: &str, detail: &JsValue);

    /// What the page gave with `Frontdesk('identify', …)`, or null.
    #[wasm_bindgen(js_namespace = __frontdesk)]
    pub(crate) fn user() -> JsValue;

    /// Draws a bot message's thumbs into `el` and sends the rating (POST
    /// `url`); `labels`: helpful, not helpful, thanks.
    #[wasm_bindgen(js_namespace = __frontdesk)]
    pub(crate) fn thumbs(
        el: &Element,
        url: &str,
        conversation: &str,
        message: f64,
        rating: JsValue,
        labels: Array,
    );

    /// Draws a confirm card's buttons into `el` (`labels`: confirm,
    /// cancel); once one is pressed (both disable), POSTs `url` with the
    /// conversation, `token` and the choice. Resolves with `[status, body]`.
    #[wasm_bindgen(js_namespace = __frontdesk)]
    pub(crate) fn card(
        el: &Element,
        url: &str,
        conversation: &str,
        token: &str,
        labels: Array,
    ) -> Promise;
}

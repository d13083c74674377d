//! Reading and building plain JS objects. The loader's helpers (boot.js)
//! parse and stringify JSON; the wasm only picks fields out of the parsed
//! objects. serde_json in the wasm would cost the visitor's download more
//! than ten kilobytes (gzip) for the same work.

use frontdesk_api::wire::{Confirm, Decision, EscalationReason, HandoffResponse, Reply, Source};

use crate::i18n::Strings;
use crate::model::Config;
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

/// `v[key]`, or `undefined`.
pub(crate) fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

/// `v[key]` if it is a string.
pub(crate) fn string(v: &JsValue, key: &str) -> Option<String> {
    get(v, key).as_string()
}

/// `v[key]` if it is a number, else 0.
pub(crate) fn number(v: &JsValue, key: &str) -> f64 {
    get(v, key).as_f64().unwrap_or(0.0)
}

/// `v[key] === true`.
pub(crate) fn flag(v: &JsValue, key: &str) -> bool {
    get(v, key).as_bool().unwrap_or(false)
}

/// A string, or `undefined` (left out of the JSON) for `None`.
pub(crate) fn opt(s: Option<&str>) -> JsValue {
    s.map_or(JsValue::UNDEFINED, JsValue::from_str)
}

/// A plain object with these fields (undefined ones are left out by
/// `JSON.stringify`).
pub(crate) fn object(fields: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in fields {
        let _ = Reflect::set(&o, &(*k).into(), v);
    }
    o.into()
}

/// A bot reply (`frontdesk_api::wire::Reply`) from its parsed JSON.
pub(crate) fn reply(v: &JsValue) -> Option<Reply> {
    let sources = get(v, "sources")
        .dyn_into::<Array>()
        .map(|a| {
            a.iter()
                .filter_map(|s| {
                    Some(Source {
                        title: string(&s, "title")?,
                        url: string(&s, "url")?,
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    // A change waiting for the Confirm button, if any.
    let c = get(v, "confirm");
    let confirm = (|| {
        Some(Confirm {
            title: string(&c, "title")?,
            text: string(&c, "text")?,
            token: string(&c, "token")?,
        })
    })();
    Some(Reply {
        decision: Decision::parse(&string(v, "decision")?)?,
        text: string(v, "text")?,
        sources,
        reason: string(v, "reason").and_then(|r| EscalationReason::parse(&r)),
        lang: string(v, "lang").unwrap_or_default(),
        confirm,
    })
}

/// A handoff's answer (`frontdesk_api::wire::HandoffResponse`).
pub(crate) fn handoff(v: &JsValue) -> Option<HandoffResponse> {
    Some(HandoffResponse {
        reference: string(v, "reference")?,
        conversation_id: string(v, "conversation_id")?,
        email: string(v, "email")?,
    })
}

/// The widget's configuration, as boot.js passes it to `mount`.
pub(crate) fn config(v: &JsValue) -> Config {
    Config {
        api: string(v, "api").unwrap_or_default(),
        title: string(v, "title").unwrap_or_default(),
        greeting: string(v, "greeting").unwrap_or_default(),
        lang: string(v, "lang").unwrap_or_else(|| "en".into()),
        open: flag(v, "open"),
        page_url: string(v, "page_url"),
        locale: string(v, "locale"),
        conversation: string(v, "conversation"),
        seen: number(v, "seen"),
        ticket: flag(v, "ticket"),
    }
}

/// The UI strings: English, overridden by each string of `v` (a parsed
/// `widget/i18n/<lang>.json`); unknown keys are ignored.
pub(crate) fn strings(v: &JsValue) -> Strings {
    let mut strings = Strings::default();
    if let Some(o) = v.dyn_ref::<Object>() {
        for key in Object::keys(o).iter() {
            if let Some(k) = key.as_string() {
                if let Some(text) = get(v, &k).as_string() {
                    strings.set(&k, text);
                }
            }
        }
    }
    strings
}

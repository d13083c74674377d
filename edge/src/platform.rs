//! The few things the worker takes from its runtime: time and randomness.

use js_sys::{Function, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};

use crate::AppError;

/// Milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

fn crypto_call(method: &str, args: &[JsValue]) -> Result<JsValue, AppError> {
    let fail = |e: JsValue| AppError::Internal(format!("crypto.{method}: {e:?}"));
    let crypto = Reflect::get(&js_sys::global(), &"crypto".into()).map_err(fail)?;
    let f: Function = Reflect::get(&crypto, &method.into())
        .map_err(fail)?
        .dyn_into()
        .map_err(fail)?;
    f.apply(&crypto, &args.iter().collect()).map_err(fail)
}

/// A random v4 UUID from Web Crypto.
pub(crate) fn random_uuid() -> Result<String, AppError> {
    crypto_call("randomUUID", &[])?
        .as_string()
        .ok_or_else(|| AppError::Internal("randomUUID returned no string".into()))
}

/// `N` random bytes from Web Crypto.
pub(crate) fn random_bytes<const N: usize>() -> Result<[u8; N], AppError> {
    let buf = Uint8Array::new_with_length(N as u32);
    crypto_call("getRandomValues", &[buf.clone().into()])?;
    let mut out = [0u8; N];
    buf.copy_to(&mut out);
    Ok(out)
}

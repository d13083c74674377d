//! HTTP plumbing: bounded JSON bodies, JSON responses, CORS.

use frontdesk_shared::error::{ApiError, ErrorCode};
use frontdesk_shared::validate::MAX_BODY_BYTES;
use serde::de::DeserializeOwned;
use serde::Serialize;
use worker::{Request, Response};

use crate::{site, AppError};

/// Reads a JSON body of at most [`MAX_BODY_BYTES`], strictly typed.
pub async fn read_json<T: DeserializeOwned>(req: &mut Request) -> Result<T, AppError> {
    read_json_limited(req, MAX_BODY_BYTES).await
}

/// Reads a JSON body of at most `max` bytes, strictly typed.
pub async fn read_json_limited<T: DeserializeOwned>(
    req: &mut Request,
    max: usize,
) -> Result<T, AppError> {
    let content_type = req.headers().get("Content-Type")?.unwrap_or_default();
    if !content_type
        .to_ascii_lowercase()
        .starts_with("application/json")
    {
        return Err(AppError::code(
            ErrorCode::UnsupportedMediaType,
            "Send the body as JSON with Content-Type: application/json.",
        ));
    }
    let too_large = || {
        let limit = if max >= 1 << 20 {
            format!("{} MiB", max >> 20)
        } else {
            format!("{} KiB", max >> 10)
        };
        AppError::from(ApiError::new(
            ErrorCode::PayloadTooLarge,
            format!("The request body is larger than {limit}."),
        ))
    };
    let declared = req.headers().get("Content-Length")?;
    if declared
        .and_then(|l| l.parse::<usize>().ok())
        .is_some_and(|l| l > max)
    {
        return Err(too_large());
    }
    let bytes = req.bytes().await?;
    if bytes.len() > max {
        return Err(too_large());
    }
    serde_json::from_slice(&bytes).map_err(|e| {
        ApiError::new(
            ErrorCode::InvalidJson,
            format!("The body is not valid: {e}."),
        )
        .into()
    })
}

/// A JSON response with the given status.
pub fn json<T: Serialize>(value: &T, status: u16) -> Result<Response, AppError> {
    let mut r = Response::from_json(value)?.with_status(status);
    r.headers_mut().set("Cache-Control", "no-store")?;
    Ok(r)
}

/// Answers a CORS preflight for the visitor API: only for an origin some
/// site allows (or the worker's own); any other gets a 403 without CORS
/// headers, so the browser never sends the request. A preflight carries no
/// header values, so the site is checked on the request itself.
pub fn preflight(req: &Request) -> Result<Response, AppError> {
    if cors_origin(req).is_none() {
        return Err(cross_origin_refused());
    }
    let mut r = Response::empty()?.with_status(204);
    let h = r.headers_mut();
    h.set("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS")?;
    h.set(
        "Access-Control-Allow-Headers",
        &format!("Content-Type, {}", site::HEADER),
    )?;
    h.set("Access-Control-Max-Age", "86400")?;
    Ok(r)
}

/// The 403 for a cross-origin call from an origin no site allows.
pub fn cross_origin_refused() -> AppError {
    AppError::code(
        ErrorCode::OriginNotAllowed,
        "This page's origin may not call this API.",
    )
}

/// The request's `Origin`, if a browser page there may read the answer
/// (see [`site::cors_allowed`]).
pub fn cors_origin(req: &Request) -> Option<String> {
    let origin = req.headers().get("Origin").ok().flatten()?;
    let own = req.url().ok()?.origin().ascii_serialization();
    site::cors_allowed(&origin, &own).then_some(origin)
}

/// Lets the widget call the API from the host page's origin. Echoes the one
/// allowed requesting origin (a list of several is rejected by browsers);
/// `Vary: Origin` always, so a cache never hands one origin's answer to
/// another.
pub fn cors(r: &mut Response, origin: Option<&str>) -> worker::Result<()> {
    let h = r.headers_mut();
    h.append("Vary", "Origin")?;
    if let Some(origin) = origin {
        h.set("Access-Control-Allow-Origin", origin)?;
        // The widget waits as long as a 429 says.
        h.set("Access-Control-Expose-Headers", "Retry-After")?;
    }
    Ok(())
}

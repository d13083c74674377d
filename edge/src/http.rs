//! HTTP plumbing: bounded JSON bodies, JSON responses, CORS.

use frontdesk_shared::error::{ApiError, ErrorCode};
use frontdesk_shared::validate::MAX_BODY_BYTES;
use serde::de::DeserializeOwned;
use serde::Serialize;
use worker::{Request, Response};

use crate::AppError;

/// Reads a JSON body of at most [`MAX_BODY_BYTES`], strictly typed.
pub async fn read_json<T: DeserializeOwned>(req: &mut Request) -> Result<T, AppError> {
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
        AppError::code(
            ErrorCode::PayloadTooLarge,
            "The request body is larger than 16 KiB.",
        )
    };
    let declared = req.headers().get("Content-Length")?;
    if declared
        .and_then(|l| l.parse::<usize>().ok())
        .is_some_and(|l| l > MAX_BODY_BYTES)
    {
        return Err(too_large());
    }
    let bytes = req.bytes().await?;
    if bytes.len() > MAX_BODY_BYTES {
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

/// Answers a CORS preflight for the API.
pub fn preflight() -> Result<Response, AppError> {
    let mut r = Response::empty()?.with_status(204);
    let h = r.headers_mut();
    h.set("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS")?;
    h.set("Access-Control-Allow-Headers", "Content-Type")?;
    h.set("Access-Control-Max-Age", "86400")?;
    Ok(r)
}

/// Lets the widget call the API from the host page's origin. Echoes the one
/// requesting origin (a list of several is rejected by browsers).
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

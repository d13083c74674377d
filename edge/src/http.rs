//! HTTP plumbing: bounded JSON bodies, JSON responses, CORS.

use frontdesk_api::error::{ApiError, ErrorCode};
use frontdesk_api::validate::MAX_BODY_BYTES;
use futures_util::{Stream, StreamExt};
use serde::de::DeserializeOwned;
use serde::Serialize;
use worker::{Request, Response};

use crate::{site, AppError};

/// Reads a JSON body of at most [`MAX_BODY_BYTES`], strictly typed.
pub(crate) async fn read_json<T: DeserializeOwned>(req: &mut Request) -> Result<T, AppError> {
    read_json_limited(req, MAX_BODY_BYTES).await
}

/// Reads a JSON body of at most `max` bytes, strictly typed.
pub(crate) async fn read_json_limited<T: DeserializeOwned>(
    req: &mut Request,
    max: usize,
) -> Result<T, AppError> {
    let bytes = read_json_bytes(req, max).await?;
    serde_json::from_slice(&bytes).map_err(|e| {
        ApiError::new(
            ErrorCode::InvalidJson,
            format!("The body is not valid: {e}."),
        )
        .into()
    })
}

/// An upload's `?name=` (what the browser called the file), at most 255
/// characters; "" without one (`attachments::file_name` makes a name).
pub(crate) fn file_name_query(url: &worker::Url) -> String {
    url.query_pairs()
        .find(|(k, _)| k == "name")
        .map(|(_, v)| v.chars().take(255).collect())
        .unwrap_or_default()
}

/// A body of any type, at most `max` bytes (`None` past it: a declared
/// length refused at once, a streamed one as soon as it passes).
pub(crate) async fn read_bytes(req: &mut Request, max: usize) -> Result<Option<Vec<u8>>, AppError> {
    let declared = req.headers().get("Content-Length")?;
    if declared
        .and_then(|l| l.parse::<usize>().ok())
        .is_some_and(|l| l > max)
    {
        return Ok(None);
    }
    Ok(read_bounded(req.stream()?, max).await?)
}

/// The bytes of a JSON body (`Content-Type: application/json`) of at most
/// `max` bytes, unparsed (a signature is checked over them first).
pub(crate) async fn read_json_bytes(req: &mut Request, max: usize) -> Result<Vec<u8>, AppError> {
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
    // Read as it comes, and no further than the limit: a chunked body has
    // no Content-Length to refuse it by, and may never end.
    read_bounded(req.stream()?, max)
        .await?
        .ok_or_else(too_large)
}

/// Collects `body` up to `max` bytes; `None` as soon as it has more, without
/// reading the rest.
async fn read_bounded<S, E>(mut body: S, max: usize) -> Result<Option<Vec<u8>>, E>
where
    S: Stream<Item = Result<Vec<u8>, E>> + Unpin,
{
    let mut bytes = Vec::new();
    while let Some(chunk) = body.next().await {
        let chunk = chunk?;
        if bytes.len() + chunk.len() > max {
            return Ok(None);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(Some(bytes))
}

/// A JSON response with the given status.
pub(crate) fn json<T: Serialize>(value: &T, status: u16) -> Result<Response, AppError> {
    let mut r = Response::from_json(value)?.with_status(status);
    r.headers_mut().set("Cache-Control", "no-store")?;
    Ok(r)
}

/// Answers a CORS preflight for the visitor API: only for an origin some
/// site allows (or the worker's own); any other gets a 403 without CORS
/// headers, so the browser never sends the request. A preflight carries no
/// header values, so the site is checked on the request itself.
pub(crate) fn preflight(req: &Request) -> Result<Response, AppError> {
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
pub(crate) fn cross_origin_refused() -> AppError {
    AppError::code(
        ErrorCode::OriginNotAllowed,
        "This page's origin may not call this API.",
    )
}

/// The request's `Origin`, if a browser page there may read the answer
/// (see [`site::cors_allowed`]).
pub(crate) fn cors_origin(req: &Request) -> Option<String> {
    let origin = req.headers().get("Origin").ok().flatten()?;
    let own = req.url().ok()?.origin().ascii_serialization();
    site::cors_allowed(&origin, &own).then_some(origin)
}

/// Lets the widget call the API from the host page's origin. Echoes the one
/// allowed requesting origin (a list of several is rejected by browsers);
/// `Vary: Origin` always, so a cache never hands one origin's answer to
/// another.
pub(crate) fn cors(r: &mut Response, origin: Option<&str>) -> worker::Result<()> {
    let h = r.headers_mut();
    h.append("Vary", "Origin")?;
    if let Some(origin) = origin {
        h.set("Access-Control-Allow-Origin", origin)?;
        // The widget waits as long as a 429 says.
        h.set("Access-Control-Expose-Headers", "Retry-After")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::read_bounded;
    use futures_util::stream;
    use std::cell::Cell;
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    /// Runs a future whose streams are all ready at once.
    fn now<T>(f: impl Future<Output = T>) -> T {
        match pin!(f).poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(v) => v,
            Poll::Pending => panic!("not ready"),
        }
    }

    #[test]
    fn an_endless_body_is_refused_after_the_limit_without_reading_on() {
        // A chunked body that never ends: 1 KiB chunks, counted as read.
        let read = Cell::new(0usize);
        let endless = stream::repeat_with(|| {
            read.set(read.get() + 1);
            Ok::<_, ()>(vec![b'x'; 1024])
        });
        assert_eq!(now(read_bounded(endless, 16 * 1024)), Ok(None));
        assert_eq!(read.get(), 17, "stops at the first chunk past the limit");
    }

    #[test]
    fn a_body_at_the_limit_is_read_whole() {
        let chunks = stream::iter(vec![Ok::<_, ()>(vec![1; 10]), Ok(vec![2; 6])]);
        assert_eq!(now(read_bounded(chunks, 16)).unwrap().unwrap().len(), 16);
        let over = stream::iter(vec![Ok::<_, ()>(vec![1; 10]), Ok(vec![2; 7])]);
        assert_eq!(now(read_bounded(over, 16)), Ok(None));
        let failed = stream::iter(vec![Ok(vec![1; 3]), Err("reset")]);
        assert_eq!(now(read_bounded(failed, 16)), Err("reset"));
    }
}

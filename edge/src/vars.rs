//! The one HTTP call shape the AI clients and the ticket sinks use, and the
//! bearer-token check of the agent and admin APIs. (Settings: `settings.rs`.)

use worker::{AbortSignal, Fetch, Headers, Method, Request, RequestInit, Response};

/// An `Authorization: Bearer` header for [`post_json`].
pub(crate) fn bearer(key: &str) -> (&'static str, String) {
    ("authorization", format!("Bearer {key}"))
}

/// `POST url` with a JSON body and these extra headers (the AI clients and
/// the ticket sinks all call out this way).
/// The error a provider's or sink's non-2xx answer becomes (for the log and
/// the delivery record): the status and the first 200 characters of its body.
pub(crate) fn http_error(status: u16, body: &str) -> String {
    let excerpt: String = body.chars().take(200).collect();
    format!("HTTP {status}: {excerpt}")
}

pub(crate) async fn post_json(
    url: &str,
    body: String,
    headers: &[(&str, String)],
    signal: Option<&AbortSignal>,
) -> Result<Response, String> {
    let h = Headers::new();
    h.set("content-type", "application/json")
        .map_err(|e| e.to_string())?;
    for (k, v) in headers {
        h.set(k, v).map_err(|e| e.to_string())?;
    }
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(h)
        .with_body(Some(body.into()));
    let request = Request::new_with_init(url, &init).map_err(|e| e.to_string())?;
    let fetch = Fetch::Request(request);
    match signal {
        Some(signal) => fetch.send_with_signal(signal).await,
        None => fetch.send().await,
    }
    .map_err(|e| format!("request failed: {e}"))
}

/// The most of a GET answer [`get_text`] reads.
const MAX_GET_BYTES: usize = 1 << 20;

/// `GET url` with `headers`: a 2xx answer's body (at most
/// [`MAX_GET_BYTES`], else an error), or `HTTP <status>: <excerpt>`.
pub(crate) async fn get_text(
    url: &str,
    headers: &[(&str, String)],
    signal: &AbortSignal,
) -> Result<String, String> {
    let h = Headers::new();
    for (k, v) in headers {
        h.set(k, v).map_err(|e| e.to_string())?;
    }
    let mut init = RequestInit::new();
    init.with_method(Method::Get).with_headers(h);
    let request = Request::new_with_init(url, &init).map_err(|e| e.to_string())?;
    let mut response = Fetch::Request(request)
        .send_with_signal(signal)
        .await
        .map_err(|e| format!("request failed: {e}"))?;
    let status = response.status_code();
    let text = response.text().await.map_err(|e| e.to_string())?;
    if !(200..300).contains(&status) {
        return Err(http_error(status, &text));
    }
    if text.len() > MAX_GET_BYTES {
        return Err(format!("answer over {MAX_GET_BYTES} bytes"));
    }
    Ok(text)
}

/// The subprotocol an agent's browser asks for when it opens a live
/// connection: a browser's WebSocket cannot send `Authorization`, so the
/// token goes as the second protocol (`new WebSocket(url, [AGENT_PROTOCOL,
/// token])`); the answer names only this one.
pub(crate) const AGENT_PROTOCOL: &str = "frontdesk-agent";

/// The token in a `Sec-WebSocket-Protocol` header of exactly
/// `frontdesk-agent, <token>`.
pub(crate) fn protocol_token(header: &Option<String>) -> Option<String> {
    let mut parts = header.as_deref()?.split(',').map(str::trim);
    match (parts.next(), parts.next(), parts.next()) {
        (Some(AGENT_PROTOCOL), Some(token), None) if !token.is_empty() => Some(token.to_owned()),
        _ => None,
    }
}

/// Checks `Authorization: Bearer <token>` (or, for a browser's WebSocket,
/// [`protocol_token`]) against the configured `token`, in constant time.
/// Without a configured secret every request is refused.
pub(crate) fn check_bearer(
    req: &worker::Request,
    token: Option<&str>,
    message: &'static str,
) -> Result<(), crate::AppError> {
    let denied = || crate::AppError::code(frontdesk_api::error::ErrorCode::Unauthorized, message);
    let Some(token) = token else {
        return Err(denied());
    };
    let given = req
        .headers()
        .get("Authorization")?
        .and_then(|h| h.strip_prefix("Bearer ").map(str::to_owned))
        .or(protocol_token(
            &req.headers().get("Sec-WebSocket-Protocol")?,
        ))
        .ok_or_else(denied)?;
    let (a, b) = (given.as_bytes(), token.as_bytes());
    let same = a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0;
    if same {
        Ok(())
    } else {
        Err(denied())
    }
}

#[cfg(test)]
mod tests {
    use super::protocol_token;

    #[test]
    fn an_agents_token_comes_only_as_the_second_of_exactly_two_protocols() {
        let t = |h: &str| protocol_token(&Some(h.to_owned()));
        assert_eq!(t("frontdesk-agent, s3cret"), Some("s3cret".into()));
        assert_eq!(t("frontdesk-agent,s3cret"), Some("s3cret".into()));
        for bad in [
            "",
            "frontdesk-agent",
            "frontdesk-agent, ",
            "s3cret",
            "chat, s3cret",
            "frontdesk-agent, a, b",
        ] {
            assert_eq!(t(bad), None, "{bad:?}");
        }
        assert_eq!(protocol_token(&None), None);
    }
}

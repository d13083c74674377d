//! The request to a site's API for one attempt, and what its answer means
//! for the visitor. Pure: the worker sends the request and passes the
//! answer back.
//!
//! Every request goes to the site's one `api.origin`, to the declared path
//! with each parameter's value percent-encoded as a whole segment (a value
//! can never add a segment, a query or a host), and is signed in the
//! Standard Webhooks form over an envelope that says what is asked and for
//! whom: `{"attempt","action","method","path","user","params"}`. For `GET`
//! the envelope travels base64url-encoded in the `frontdesk-request`
//! header; otherwise it is the JSON body. Writes carry an
//! `idempotency-key` (the attempt id): a retry never repeats a write.

use std::collections::BTreeMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{json, Value};

use crate::config::actions::{template, Action, Api, Effect, Method};
use crate::tickets::webhook;

/// The largest answer the worker reads from a site's API, in bytes.
pub const MAX_ANSWER_BYTES: usize = 64 * 1024;

/// One HTTP request to a site's API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The method.
    pub method: Method,
    /// `origin` + path (+ query for `GET`).
    pub url: String,
    /// The path and query alone, as in the envelope.
    pub path: String,
    /// Headers, in order.
    pub headers: Vec<(String, String)>,
    /// The body (the envelope), except for `GET`.
    pub body: Option<String>,
}

/// Why a request was not made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotSent {
    /// A parameter has no value (the flow asks for every one first).
    Missing(String),
    /// A value cannot stand as a path segment (`.` or `..`).
    BadSegment(String),
    /// The signing secret is not a `whsec_…` value.
    BadSecret,
}

/// The request for `action` with `values`, for the verified `user` (none
/// for an action that needs no identity: `null`), as attempt `attempt`,
/// signed with `secret` (`whsec_…`) at `now` (Unix seconds).
pub fn request(
    api: &Api,
    action: &Action,
    values: &BTreeMap<String, Value>,
    user: Option<&str>,
    attempt: &str,
    secret: &str,
    now: i64,
) -> Result<Request, NotSent> {
    let text = |name: &str| -> Result<String, NotSent> {
        let v = values
            .get(name)
            .ok_or_else(|| NotSent::Missing(name.to_owned()))?;
        Ok(v.as_str().map_or_else(|| v.to_string(), str::to_owned))
    };
    let mut path = String::new();
    for seg in action.path.split('/').skip(1) {
        path.push('/');
        match seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(name) => {
                let v = text(name)?;
                if v.is_empty() || v.chars().all(|c| c == '.') {
                    return Err(NotSent::BadSegment(name.to_owned()));
                }
                path.push_str(&encode(&v));
            }
            None => path.push_str(seg),
        }
    }
    let in_path = action.path_params();
    if action.method == Method::Get {
        let query: Vec<String> = action
            .param
            .iter()
            .filter(|p| !in_path.contains(&p.name.as_str()))
            .map(|p| Ok(format!("{}={}", p.name, encode(&text(&p.name)?))))
            .collect::<Result<_, NotSent>>()?;
        if !query.is_empty() {
            path = format!("{path}?{}", query.join("&"));
        }
    }
    let mut params = serde_json::Map::new();
    for p in &action.param {
        let v = values
            .get(&p.name)
            .ok_or_else(|| NotSent::Missing(p.name.clone()))?;
        params.insert(p.name.clone(), v.clone());
    }
    let envelope = json!({
        "attempt": attempt,
        "action": action.name,
        "method": action.method.as_str(),
        "path": path,
        "user": user,
        "params": params,
    })
    .to_string();
    let (signed, body) = match action.method {
        Method::Get => (URL_SAFE_NO_PAD.encode(&envelope), None),
        _ => (envelope.clone(), Some(envelope)),
    };
    let signature = webhook::sign(secret, attempt, now, &signed).map_err(|_| NotSent::BadSecret)?;
    let mut headers = vec![
        ("webhook-id".to_owned(), attempt.to_owned()),
        ("webhook-timestamp".to_owned(), now.to_string()),
        ("webhook-signature".to_owned(), signature),
        ("accept".to_owned(), "application/json".to_owned()),
    ];
    match body {
        None => headers.push(("frontdesk-request".to_owned(), signed)),
        Some(_) => {
            headers.push(("content-type".to_owned(), "application/json".to_owned()));
            headers.push(("idempotency-key".to_owned(), attempt.to_owned()));
        }
    }
    Ok(Request {
        method: action.method,
        url: format!("{}{path}", api.origin),
        path,
        headers,
        body,
    })
}

/// Every byte but letters, digits and `-._~` percent-encoded.
fn encode(v: &str) -> String {
    let mut out = String::new();
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// How an attempt ended, as recorded and counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// The API answered and the reply shows it.
    Succeeded,
    /// The API said there is no such thing (404) and the site has words
    /// for that.
    NotFound,
    /// Nothing was looked up or changed, and the visitor is offered a
    /// person.
    Failed,
    /// A write whose outcome is unknown (timeout, 5xx, garbage): a person
    /// checks.
    Unknown,
}

impl Status {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Succeeded => "succeeded",
            Status::NotFound => "not_found",
            Status::Failed => "failed",
            Status::Unknown => "unknown",
        }
    }
}

/// What the API answered, as the worker received it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer<'a> {
    /// A status, its content type and body (at most [`MAX_ANSWER_BYTES`]:
    /// the worker stops reading after that and passes `None`).
    Http(u16, Option<&'a str>, Option<&'a [u8]>),
    /// No answer in time, or the connection failed.
    NoAnswer,
}

/// The reply for an attempt's answer: the status, and the site's words for
/// it when it has them (else the caller says its own, in the visitor's
/// language).
pub fn outcome(
    action: &Action,
    values: &BTreeMap<String, Value>,
    lang: &str,
    answer: Answer,
) -> (Status, Option<String>) {
    let write = action.effect == Effect::Changes;
    let failed = if write {
        Status::Unknown
    } else {
        Status::Failed
    };
    let param = |name: &str| {
        values
            .get(name)
            .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
    };
    let (code, kind, body) = match answer {
        Answer::NoAnswer => return (failed, None),
        Answer::Http(code, kind, body) => (code, kind, body),
    };
    match code {
        200..=299 => {
            let json_type = kind.is_some_and(|k| {
                k.split(';')
                    .next()
                    .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/json"))
            });
            let json: Option<Value> = body
                .filter(|_| json_type)
                .and_then(|b| serde_json::from_slice(b).ok())
                .filter(Value::is_object);
            let Some(json) = json else {
                // A write that answered 2xx with garbage may have happened.
                return (failed, None);
            };
            let view = &action.result;
            match template::render(view.text.pick(lang), &json, &param) {
                Some(text) => (Status::Succeeded, Some(text)),
                None => match &view.fallback {
                    Some(f) => (
                        Status::Succeeded,
                        template::render(f.pick(lang), &Value::Null, &param),
                    ),
                    None => (failed, None),
                },
            }
        }
        404 => match &action.result.not_found {
            Some(w) => (
                Status::NotFound,
                template::render(w.pick(lang), &Value::Null, &param),
            ),
            None => (Status::Failed, None),
        },
        // The API refused: nothing was done.
        400..=499 => (Status::Failed, None),
        _ => (failed, None),
    }
}

/// Whether a read may be asked once more after `answer` (never a write).
pub fn retry(action: &Action, answer: Answer) -> bool {
    action.effect == Effect::Reads
        && match answer {
            Answer::NoAnswer => true,
            Answer::Http(code, _, _) => matches!(code, 429 | 502..=504),
        }
}

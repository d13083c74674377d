//! Worker configuration from wrangler vars and secrets, and the one HTTP call
//! shape the AI clients and the ticket sinks use.

use std::time::Duration;

use frontdesk_shared::llm::redact::PiiKinds;
use frontdesk_shared::retrieval::HybridThresholds;
use worker::{AbortSignal, Env, Fetch, Headers, Method, Request, RequestInit, Response};

/// A setting: the secret of that name, else the var; trimmed, `None` when
/// unset or empty.
pub(crate) fn setting(env: &Env, name: &str) -> Option<String> {
    env.secret(name)
        .map(|s| s.to_string())
        .or_else(|_| env.var(name).map(|v| v.to_string()))
        .ok()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// A duration setting in milliseconds; `default_ms` when unset or not a
/// positive number.
pub(crate) fn millis(env: &Env, name: &str, default_ms: u64) -> Duration {
    let ms = setting(env, name)
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|&ms| ms > 0)
        .unwrap_or(default_ms);
    Duration::from_millis(ms)
}

/// Which personal data is redacted from text sent to an external model:
/// `REDACT_PII` = comma list of `email`, `phone`, `card`, `iban`; `all`
/// (the default, also when unset) or `off`. A bad value is logged as an
/// error and redacts everything: a typo never sends data out.
pub(crate) fn pii_kinds(env: &Env) -> PiiKinds {
    let value = setting(env, "REDACT_PII");
    PiiKinds::parse(value.as_deref()).unwrap_or_else(|e| {
        worker::console_error!("{e}; redacting every kind until it is fixed");
        PiiKinds::ALL
    })
}

/// The hybrid decision's thresholds: `AI_HYBRID_THRESHOLDS`, `key=value`
/// pairs as `frontdesk-calibrate` prints them (see
/// [`HybridThresholds::parse`]); unset keys keep the defaults. A bad value
/// is logged as an error and the defaults apply: a typo never loosens the
/// bar to answer.
pub(crate) fn hybrid_thresholds(env: &Env) -> HybridThresholds {
    let Some(value) = setting(env, "AI_HYBRID_THRESHOLDS") else {
        return HybridThresholds::default();
    };
    HybridThresholds::parse(&value).unwrap_or_else(|e| {
        worker::console_error!("AI_HYBRID_THRESHOLDS: {e}; using the defaults until it is fixed");
        HybridThresholds::default()
    })
}

/// Settings whose values must never reach a visitor: the secrets, and the
/// configuration that says where things go. The output guard withholds a
/// generated answer that contains any of them.
const SENSITIVE: &[&str] = &[
    "AGENT_TOKEN",
    "ADMIN_TOKEN",
    "AI_API_KEY",
    "WEBHOOK_SECRET",
    "SLACK_WEBHOOK_URL",
    "ZENDESK_API_TOKEN",
    "GITHUB_TOKEN",
    "WEBHOOK_URL",
    "ZENDESK_URL",
    "ZENDESK_EMAIL",
    "GITHUB_API_URL",
    "AI_BASE_URL",
];

/// The configured values of [`SENSITIVE`] settings, with their names.
pub(crate) fn sensitive_values(env: &Env) -> Vec<(String, String)> {
    SENSITIVE
        .iter()
        .filter_map(|&name| setting(env, name).map(|v| (name.to_owned(), v)))
        .collect()
}

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

/// Checks `Authorization: Bearer <token>` against the secret `name`, in
/// constant time. Without a configured secret every request is refused.
pub(crate) fn check_bearer(
    req: &worker::Request,
    env: &Env,
    name: &str,
    message: &'static str,
) -> Result<(), crate::AppError> {
    let denied = || crate::AppError::code(frontdesk_api::error::ErrorCode::Unauthorized, message);
    let Some(token) = setting(env, name) else {
        return Err(denied());
    };
    let given = req
        .headers()
        .get("Authorization")?
        .and_then(|h| h.strip_prefix("Bearer ").map(str::to_owned))
        .ok_or_else(denied)?;
    let (a, b) = (given.as_bytes(), token.as_bytes());
    let same = a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0;
    if same {
        Ok(())
    } else {
        Err(denied())
    }
}

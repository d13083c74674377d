//! `--upload`: the bundle to a running deployment's admin endpoint.

use std::time::Duration;

use frontdesk_shared::import::Bundle;

/// `PUT <base>/api/v1/admin/content` with the bundle as JSON and the admin
/// token as a bearer token. Returns the URL, status and response text of a
/// 2xx answer; any other answer is an error carrying them.
pub fn put_bundle(
    base: &str,
    token: &str,
    bundle: &Bundle,
) -> Result<(String, u16, String), String> {
    let url = format!("{}/api/v1/admin/content", base.trim_end_matches('/'));
    let body = serde_json::to_string(bundle).map_err(|e| e.to_string())?;
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into();
    let mut resp = agent
        .put(&url)
        .header("Authorization", &format!("Bearer {token}"))
        .header("Content-Type", "application/json")
        .send(body.as_bytes())
        .map_err(|e| format!("{url}: {e}"))?;
    let status = resp.status().as_u16();
    let text = resp.body_mut().read_to_string().unwrap_or_default();
    if (200..300).contains(&status) {
        Ok((url, status, text))
    } else {
        Err(format!("{url} answered {status}: {text}"))
    }
}

//! Signing per the Standard Webhooks specification
//! (<https://www.standardwebhooks.com/>), so a receiver can verify a
//! Frontdesk delivery with that project's published libraries: headers
//! `webhook-id`, `webhook-timestamp` (Unix seconds) and `webhook-signature`
//! (`v1,` + base64 HMAC-SHA256 of `{id}.{timestamp}.{body}`, keyed with the
//! base64 secret after `whsec_`).

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Prefix of Standard Webhooks secrets.
pub const SECRET_PREFIX: &str = "whsec_";
/// How far a timestamp may be from now, in seconds, for [`verify`].
pub const TOLERANCE_SECS: i64 = 5 * 60;

/// Why a secret or a signature was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookError {
    /// Not `whsec_` followed by base64 of at least 16 bytes.
    BadSecret,
    /// The timestamp is too far from now.
    Stale,
    /// No `v1` signature in the header matches.
    NoMatch,
}

impl std::fmt::Display for WebhookError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            WebhookError::BadSecret => {
                "the secret must be whsec_ followed by base64 (at least 16 bytes)"
            }
            WebhookError::Stale => "the timestamp is outside the tolerance",
            WebhookError::NoMatch => "no signature matches",
        })
    }
}

/// The key bytes of a `whsec_…` secret.
pub fn key(secret: &str) -> Result<Vec<u8>, WebhookError> {
    let b64 = secret
        .strip_prefix(SECRET_PREFIX)
        .ok_or(WebhookError::BadSecret)?;
    let key = STANDARD.decode(b64).map_err(|_| WebhookError::BadSecret)?;
    if key.len() < 16 {
        return Err(WebhookError::BadSecret);
    }
    Ok(key)
}

fn mac(key: &[u8], id: &str, timestamp: i64, body: &str) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    mac
}

/// The `webhook-signature` header value for one delivery.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &str) -> Result<String, WebhookError> {
    let tag = mac(&key(secret)?, id, timestamp, body)
        .finalize()
        .into_bytes();
    Ok(format!("v1,{}", STANDARD.encode(tag)))
}

/// Checks a delivery as a receiver would: a `v1` signature among the
/// space-separated ones in `header` matches (constant-time), and the
/// timestamp is within [`TOLERANCE_SECS`] of `now` (Unix seconds).
pub fn verify(
    secret: &str,
    id: &str,
    timestamp: i64,
    body: &str,
    header: &str,
    now: i64,
) -> Result<(), WebhookError> {
    let key = key(secret)?;
    if (now - timestamp).abs() > TOLERANCE_SECS {
        return Err(WebhookError::Stale);
    }
    let matches = header
        .split(' ')
        .filter_map(|s| s.strip_prefix("v1,"))
        .filter_map(|b64| STANDARD.decode(b64).ok())
        .any(|sig| mac(&key, id, timestamp, body).verify_slice(&sig).is_ok());
    if matches {
        Ok(())
    } else {
        Err(WebhookError::NoMatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The example from the Standard Webhooks specification.
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TS: i64 = 1614265330;
    const BODY: &str = r#"{"test": 2432232314}"#;
    const SIG: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    #[test]
    fn matches_the_specification_example() {
        assert_eq!(sign(SECRET, ID, TS, BODY).unwrap(), SIG);
        assert_eq!(verify(SECRET, ID, TS, BODY, SIG, TS + 10), Ok(()));
        let several = format!("v1,bm90IGl0 {SIG}");
        assert_eq!(verify(SECRET, ID, TS, BODY, &several, TS), Ok(()));
    }

    #[test]
    fn refuses_tampering_staleness_and_bad_secrets() {
        let changed = BODY.replace('2', "3");
        assert_eq!(
            verify(SECRET, ID, TS, &changed, SIG, TS),
            Err(WebhookError::NoMatch)
        );
        assert_eq!(
            verify(SECRET, "msg_other", TS, BODY, SIG, TS),
            Err(WebhookError::NoMatch)
        );
        assert_eq!(
            verify(SECRET, ID, TS, BODY, SIG, TS + TOLERANCE_SECS + 1),
            Err(WebhookError::Stale)
        );
        for bad in [
            "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "whsec_!!!",
            "whsec_c2hvcnQ=",
        ] {
            assert_eq!(
                sign(bad, ID, TS, BODY),
                Err(WebhookError::BadSecret),
                "{bad}"
            );
        }
    }
}

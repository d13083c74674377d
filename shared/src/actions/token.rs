//! The confirmation a visitor's Confirm button sends back: the worker signs
//! what was shown (attempt, conversation, site, action, the parameters'
//! digest, the verified user and an expiry) and only a token it signed, for
//! exactly that, runs a write. No text can make one: the key is a worker
//! secret, and the token only ever travels to the widget in a reply's
//! confirm card and back in the confirm request.
//!
//! Form: `fdc1.<base64url(claim JSON)>.<base64url(HMAC-SHA256)>`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// How long a confirm card can be pressed, in seconds.
pub const CONFIRM_SECS: i64 = 5 * 60;
/// The shortest key the worker accepts (`ACTION_CONFIRM_SECRET`), in bytes.
pub const MIN_KEY_BYTES: usize = 32;
const PREFIX: &str = "fdc1.";

/// What a token vouches for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claim {
    /// The attempt's id.
    pub attempt: String,
    /// The conversation it belongs to.
    pub conversation: String,
    /// The site's key.
    pub site: String,
    /// The action's name.
    pub action: String,
    /// [`digest`] of the parameter values shown.
    pub params: String,
    /// The verified user id the action runs for.
    pub user: String,
    /// Unix seconds after which it no longer confirms.
    pub expires: i64,
}

/// Why a token does not confirm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Not a token of this form, or the key is too short.
    Malformed,
    /// Not signed by this worker's key, or altered.
    Forged,
    /// Past its expiry.
    Expired,
}

/// The digest of parameter values, as a token binds them: SHA-256 of their
/// JSON (keys sorted), hex.
pub fn digest(values: &BTreeMap<String, Value>) -> String {
    let json = serde_json::to_string(values).unwrap_or_default();
    Sha256::digest(json.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn tag(key: &[u8], payload: &str) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(PREFIX.as_bytes());
    mac.update(payload.as_bytes());
    mac
}

/// Signs `claim` with `key` (at least [`MIN_KEY_BYTES`]).
pub fn seal(key: &[u8], claim: &Claim) -> Result<String, Refused> {
    if key.len() < MIN_KEY_BYTES {
        return Err(Refused::Malformed);
    }
    let payload =
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(claim).map_err(|_| Refused::Malformed)?);
    let sig = URL_SAFE_NO_PAD.encode(tag(key, &payload).finalize().into_bytes());
    Ok(format!("{PREFIX}{payload}.{sig}"))
}

/// The claim of a token this key signed that has not expired at `now`
/// (Unix seconds). The tag is checked (in constant time) before anything in
/// the claim is read.
pub fn open(key: &[u8], token: &str, now: i64) -> Result<Claim, Refused> {
    if key.len() < MIN_KEY_BYTES || token.len() > 4096 {
        return Err(Refused::Malformed);
    }
    let rest = token.strip_prefix(PREFIX).ok_or(Refused::Malformed)?;
    let (payload, sig) = rest.split_once('.').ok_or(Refused::Malformed)?;
    let sig = URL_SAFE_NO_PAD
        .decode(sig)
        .map_err(|_| Refused::Malformed)?;
    tag(key, payload)
        .verify_slice(&sig)
        .map_err(|_| Refused::Forged)?;
    let json = URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|_| Refused::Malformed)?;
    let claim: Claim = serde_json::from_slice(&json).map_err(|_| Refused::Malformed)?;
    if now > claim.expires {
        return Err(Refused::Expired);
    }
    Ok(claim)
}

//! Visitor identity vouched for by the site's backend
//! (`Frontdesk('identify', …)`), checked against the site's
//! `IDENTITY_SECRET`, in one of two forms:
//!
//! - an HS256 JWT (RFC 7519): header `alg` exactly `HS256`, a signature
//!   that matches (constant-time), `exp` required and not past (with
//!   [`LEEWAY_SECS`] for clock skew), `nbf` respected when present, no
//!   `crit`, no member name twice in the header or the claims, at most
//!   [`MAX_TOKEN_BYTES`]; `kid`/`jku`/`jwk`/`x5u` choose no key (there is
//!   one); claims `sub` (the user id), optionally `email` and `name`;
//! - a user hash, as Intercom and Crisp do it, but domain-separated: the
//!   hex HMAC-SHA256, keyed with the same secret, of
//!   [`USER_HASH_PREFIX`] followed by the user id, or, without one, of
//!   [`EMAIL_HASH_PREFIX`] followed by the email.
//!
//! The key is the secret's UTF-8 bytes, as `jose` takes it
//! (`new TextEncoder().encode(secret)`) and as Node's
//! `crypto.createHmac('sha256', secret)` does. Pure: the caller passes the
//! secret and the time.
//!
//! # One key, three kinds of message
//!
//! The JWT signature and the user hashes are HMACs under the same key, so
//! each must be computed over messages the others can never produce, or a
//! value the site hands out for one purpose is valid for another. Without
//! the prefixes, a site that hashes a user id the visitor chose (say
//! `eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOi…`, a token's signing input) hands out
//! that token's signature (issue 15, finding 3). Now:
//!
//! - a JWT signing input is only base64url characters (`A–Z a–z 0–9 - _`)
//!   and one `.`, and begins `eyJ` (a JSON object's `{"`);
//! - a user-id hash's input begins `frontdesk:user_hash:v1:`, an email
//!   hash's `frontdesk:email_hash:v1:`: both begin with `f` and contain
//!   `:`, which no signing input does, and they differ from each other at
//!   their eleventh character (`u` / `e`), so neither prefix is a prefix of
//!   the other and no user id makes one input equal to the other.
//!
//! The three sets of inputs are disjoint whatever the user id or email, so
//! a user hash is never a token signature, a token signature never a user
//! hash, and a hash over a user id never vouches for an email. HS256
//! tokens stay exactly standard (the raw secret is the key; what `jose`
//! mints verifies unchanged), which is why the separation is in the
//! hashes' input rather than in a key derived for the tokens. The user
//! hashes keep the raw key too, so a site computes one with a single HMAC
//! call in any language (a derived per-purpose key would separate just as
//! well but need two steps in every site's backend, for no gain).

use hmac::{Hmac, Mac};
use serde_json::{Map, Value};
use sha2::Sha256;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

use crate::tickets::Requester;
use frontdesk_api::error::{ApiError, ErrorCode};
use frontdesk_api::validate;
use frontdesk_api::wire::Identity;

/// Longest token accepted, in bytes.
pub const MAX_TOKEN_BYTES: usize = 4096;
/// Clock skew tolerated for `exp` and `nbf`, in seconds.
pub const LEEWAY_SECS: i64 = 60;
/// Longest user id (`sub` or `user_id`), in characters.
pub const MAX_USER_ID_CHARS: usize = 256;
/// Longest name, in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// What a user hash's HMAC input starts with, before the user id (see the
/// module's documentation for why).
pub const USER_HASH_PREFIX: &str = "frontdesk:user_hash:v1:";
/// What the HMAC input of a user hash over an email (the form without a
/// user id) starts with, before the email.
pub const EMAIL_HASH_PREFIX: &str = "frontdesk:email_hash:v1:";

/// What a valid identity vouches for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The site's user id: the token's `sub`, or the hashed `user_id`.
    pub id: Option<String>,
    /// An email the site signed: the token's `email` claim, or the email a
    /// user hash was computed over.
    pub email: Option<String>,
    /// From the token's `name` claim, or as passed beside a user hash
    /// (informational: not covered by the hash).
    pub name: Option<String>,
}

/// Why an identity was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdentityError {
    /// Forged, malformed, not valid yet or mismatched; the reason is for
    /// the site's developer (it names no secret).
    Invalid(&'static str),
    /// Past its `exp` (plus the leeway).
    Expired,
    /// No secret to check it with.
    NotConfigured,
}

impl From<IdentityError> for ApiError {
    fn from(e: IdentityError) -> ApiError {
        let (code, message) = match e {
            IdentityError::Invalid(why) => (
                ErrorCode::IdentityInvalid,
                format!("The identity could not be verified: {why}."),
            ),
            IdentityError::Expired => (
                ErrorCode::IdentityExpired,
                "The identity token has expired; get a fresh one from the site.".to_owned(),
            ),
            IdentityError::NotConfigured => (
                ErrorCode::IdentityNotConfigured,
                "This site does not verify identities (no IDENTITY_SECRET is set), so none can be accepted.".to_owned(),
            ),
        };
        ApiError::field(code, "identity", message)
    }
}

use IdentityError::Invalid;

type HmacSha256 = Hmac<Sha256>;

fn mac(secret: &[u8]) -> HmacSha256 {
    HmacSha256::new_from_slice(secret).expect("HMAC takes any key length")
}

/// Checks `identity` with `secret` (None: not configured) at `now` (Unix
/// seconds).
pub fn verify(
    identity: &Identity,
    secret: Option<&str>,
    now: i64,
) -> Result<Verified, IdentityError> {
    let secret = secret
        .filter(|s| !s.is_empty())
        .ok_or(IdentityError::NotConfigured)?
        .as_bytes();
    match identity {
        Identity {
            token: Some(token),
            user_id: None,
            user_hash: None,
            email: None,
            name: None,
        } => verify_token(token, secret, now),
        Identity {
            token: None,
            user_hash: Some(hash),
            user_id,
            email,
            name,
        } => verify_hash(
            user_id.as_deref(),
            email.as_deref(),
            name.as_deref(),
            hash,
            secret,
        ),
        Identity { token: Some(_), .. } => Err(Invalid(
            "send either {token} alone or {user_id, user_hash}, not both",
        )),
        Identity { .. } => Err(Invalid("send {token}, or {user_id, user_hash}")),
    }
}

/// Verifies an HS256 JWT and returns its claims.
pub fn verify_token(token: &str, secret: &[u8], now: i64) -> Result<Verified, IdentityError> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(Invalid("the token is longer than 4096 bytes"));
    }
    let mut parts = token.split('.');
    let (Some(head), Some(body), Some(sig), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Invalid("a token is three base64url parts joined by dots"));
    };
    let header = object(head, "the token's header is not base64url JSON")?;
    if header.get("alg").and_then(Value::as_str) != Some("HS256") {
        return Err(Invalid("the token's alg must be HS256"));
    }
    if header.contains_key("crit") {
        return Err(Invalid("the token has critical header extensions"));
    }
    if let Some(typ) = header.get("typ") {
        if !typ.as_str().is_some_and(|t| t.eq_ignore_ascii_case("JWT")) {
            return Err(Invalid("the token's typ must be JWT"));
        }
    }
    let sig = URL_SAFE_NO_PAD
        .decode(sig)
        .map_err(|_| Invalid("the token's signature is not base64url"))?;
    let mut m = mac(secret);
    m.update(head.as_bytes());
    m.update(b".");
    m.update(body.as_bytes());
    // Constant-time comparison.
    m.verify_slice(&sig)
        .map_err(|_| Invalid("the token's signature does not match"))?;
    let claims = object(body, "the token's claims are not base64url JSON")?;
    let exp = match claims.get("exp") {
        None => return Err(Invalid("the token has no exp")),
        Some(v) => numeric_date(v).ok_or(Invalid("exp must be a number of seconds"))?,
    };
    if (now - LEEWAY_SECS) as f64 >= exp {
        return Err(IdentityError::Expired);
    }
    if let Some(nbf) = claims.get("nbf") {
        let nbf = numeric_date(nbf).ok_or(Invalid("nbf must be a number of seconds"))?;
        if ((now + LEEWAY_SECS) as f64) < nbf {
            return Err(Invalid("the token is not valid yet (nbf)"));
        }
    }
    let sub = match claims.get("sub") {
        Some(Value::String(s)) => user_id(s)?,
        _ => return Err(Invalid("the token has no sub (the user id)")),
    };
    let email = match claims.get("email") {
        None | Some(Value::Null) => None,
        Some(Value::String(e)) => Some(
            validate::email(e).map_err(|_| Invalid("the token's email is not an email address"))?,
        ),
        Some(_) => return Err(Invalid("the token's email is not an email address")),
    };
    let name = match claims.get("name") {
        None | Some(Value::Null) => None,
        Some(Value::String(n)) => name(n)?,
        Some(_) => return Err(Invalid("the token's name is not text")),
    };
    Ok(Verified {
        id: Some(sub),
        email,
        name,
    })
}

/// Checks a user hash: the hex HMAC-SHA256 of [`USER_HASH_PREFIX`] +
/// `user_id`, or of [`EMAIL_HASH_PREFIX`] + `email` when there is no user
/// id. A hash of the bare id or email (before issue 15) is refused.
pub fn verify_hash(
    user_id: Option<&str>,
    email: Option<&str>,
    name: Option<&str>,
    hash: &str,
    secret: &[u8],
) -> Result<Verified, IdentityError> {
    let given = hex(hash).ok_or(Invalid("user_hash must be 64 hex digits"))?;
    let (id, hashed_email, m) = match (user_id, email) {
        (Some(id), _) => {
            let id = self::user_id(id)?;
            let m = hash_mac(secret, USER_HASH_PREFIX, &id);
            (Some(id), None, m)
        }
        (None, Some(e)) => {
            let e = validate::email(e).map_err(|_| Invalid("email is not an email address"))?;
            let m = hash_mac(secret, EMAIL_HASH_PREFIX, &e);
            (None, Some(e), m)
        }
        (None, None) => return Err(Invalid("a user_hash needs the user_id (or email) it signs")),
    };
    // Constant-time comparison.
    m.verify_slice(&given)
        .map_err(|_| Invalid("user_hash does not match the user"))?;
    Ok(Verified {
        id,
        email: hashed_email,
        name: name.map(self::name).transpose()?.flatten(),
    })
}

/// The lowercase hex user hash of `user_id` (what the site's backend
/// computes; for tests and examples).
pub fn user_hash(secret: &[u8], user_id: &str) -> String {
    to_hex(hash_mac(secret, USER_HASH_PREFIX, user_id))
}

/// The lowercase hex user hash of `email`, for an identity without a user
/// id (what the site's backend computes; for tests and examples).
pub fn email_hash(secret: &[u8], email: &str) -> String {
    to_hex(hash_mac(secret, EMAIL_HASH_PREFIX, email))
}

/// The HMAC over `prefix` + `subject`: never a JWT signing input, and the
/// two prefixes never stand for each other (module documentation).
fn hash_mac(secret: &[u8], prefix: &str, subject: &str) -> HmacSha256 {
    let mut m = mac(secret);
    m.update(prefix.as_bytes());
    m.update(subject.as_bytes());
    m
}

fn to_hex(m: HmacSha256) -> String {
    m.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The ticket's requester: the verified email when the identity vouches
/// for one (it wins over a typed one), else the typed email, unverified.
pub fn requester(typed_email: &str, verified: Option<Verified>) -> Result<Requester, ApiError> {
    let typed = || validate::email(typed_email);
    Ok(match verified {
        None => Requester::unverified(&typed()?),
        Some(Verified {
            id,
            email: Some(email),
            name,
        }) => Requester {
            email,
            verified: true,
            id,
            name,
        },
        Some(Verified { id, name, .. }) => Requester {
            email: typed()?,
            verified: false,
            id,
            name,
        },
    })
}

/// A base64url JSON object: the token's header or claims. A member name
/// given twice is refused (RFC 7519 §4 allows refusing or last-wins; JSON
/// parsers differ, so a token that could be read two ways is read none).
fn object(part: &str, why: &'static str) -> Result<Map<String, Value>, IdentityError> {
    let bytes = URL_SAFE_NO_PAD.decode(part).map_err(|_| Invalid(why))?;
    match serde_json::from_slice::<Members>(&bytes) {
        Ok(Members(map)) => Ok(map),
        Err(_) if matches!(serde_json::from_slice(&bytes), Ok(Value::Object(_))) => Err(Invalid(
            "the token's header or claims have a duplicate member name",
        )),
        Err(_) => Err(Invalid(why)),
    }
}

/// A JSON object whose top-level member names are unique.
struct Members(Map<String, Value>);

impl<'de> serde::Deserialize<'de> for Members {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Unique;
        impl<'de> serde::de::Visitor<'de> for Unique {
            type Value = Members;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut a: A,
            ) -> Result<Members, A::Error> {
                let mut map = Map::new();
                while let Some(name) = a.next_key::<String>()? {
                    if map.contains_key(&name) {
                        return Err(serde::de::Error::custom("duplicate member name"));
                    }
                    let value = a.next_value::<Value>()?;
                    map.insert(name, value);
                }
                Ok(Members(map))
            }
        }
        d.deserialize_map(Unique)
    }
}

fn numeric_date(v: &Value) -> Option<f64> {
    v.as_f64().filter(|f| f.is_finite())
}

fn user_id(raw: &str) -> Result<String, IdentityError> {
    let id = raw;
    if id.trim().is_empty()
        || id.chars().count() > MAX_USER_ID_CHARS
        || id.chars().any(char::is_control)
    {
        return Err(Invalid(
            "the user id must be 1–256 characters without control characters",
        ));
    }
    Ok(id.to_owned())
}

fn name(raw: &str) -> Result<Option<String>, IdentityError> {
    let n = raw.trim();
    if n.chars().count() > MAX_NAME_CHARS || n.chars().any(char::is_control) {
        return Err(Invalid(
            "the name must be at most 200 characters without control characters",
        ));
    }
    Ok(Some(n.to_owned()).filter(|n| !n.is_empty()))
}

fn hex(s: &str) -> Option<[u8; 32]> {
    let s = s.as_bytes();
    if s.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, pair) in s.chunks(2).enumerate() {
        let d = |c: u8| (c as char).to_digit(16);
        out[i] = (d(pair[0])? * 16 + d(pair[1])?) as u8;
    }
    Some(out)
}

#[cfg(test)]
mod tests;

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
mod tests {
    use super::*;

    const SECRET: &[u8] = b"unit-test-secret-0123456789abcdef";
    const NOW: i64 = 1_800_000_000;

    fn b64(s: &str) -> String {
        URL_SAFE_NO_PAD.encode(s)
    }

    fn sign(header: &str, claims: &str, secret: &[u8]) -> String {
        let signing = format!("{}.{}", b64(header), b64(claims));
        let mut m = mac(secret);
        m.update(signing.as_bytes());
        format!(
            "{signing}.{}",
            URL_SAFE_NO_PAD.encode(m.finalize().into_bytes())
        )
    }

    fn token(claims: &str) -> String {
        sign(r#"{"alg":"HS256","typ":"JWT"}"#, claims, SECRET)
    }

    fn why(r: Result<Verified, IdentityError>) -> IdentityError {
        r.expect_err("expected a refusal")
    }

    #[test]
    fn a_valid_token_gives_its_claims() {
        let t = token(r#"{"sub":"u-42","email":"kim@example.com","name":"Kim","exp":1800000600}"#);
        assert_eq!(
            verify_token(&t, SECRET, NOW).unwrap(),
            Verified {
                id: Some("u-42".into()),
                email: Some("kim@example.com".into()),
                name: Some("Kim".into()),
            }
        );
    }

    #[test]
    fn expiry_and_not_before_with_leeway() {
        let t = token(r#"{"sub":"u","exp":1800000000}"#);
        assert!(verify_token(&t, SECRET, NOW).is_ok(), "within the leeway");
        assert!(verify_token(&t, SECRET, NOW + LEEWAY_SECS - 1).is_ok());
        assert_eq!(
            why(verify_token(&t, SECRET, NOW + LEEWAY_SECS)),
            IdentityError::Expired
        );
        let later = token(r#"{"sub":"u","exp":1900000000,"nbf":1800000100}"#);
        assert!(matches!(why(verify_token(&later, SECRET, NOW)), Invalid(_)));
        assert!(verify_token(&later, SECRET, NOW + 100 - LEEWAY_SECS).is_ok());
        for claims in [
            r#"{"sub":"u"}"#,
            r#"{"sub":"u","exp":"1900000000"}"#,
            r#"{"sub":"u","exp":null}"#,
        ] {
            assert!(
                matches!(why(verify_token(&token(claims), SECRET, NOW)), Invalid(_)),
                "{claims}"
            );
        }
    }

    #[test]
    fn forged_tokens_are_refused() {
        let good = token(r#"{"sub":"u","exp":1900000000}"#);
        let invalid = |t: &str| matches!(verify_token(t, SECRET, NOW), Err(Invalid(_)));
        // Wrong key.
        assert!(invalid(&sign(
            r#"{"alg":"HS256"}"#,
            r#"{"sub":"u","exp":1900000000}"#,
            b"another-secret"
        )));
        // alg none, with and without a signature; other algs.
        assert!(invalid(&format!(
            "{}.{}.",
            b64(r#"{"alg":"none"}"#),
            b64(r#"{"sub":"u","exp":1900000000}"#)
        )));
        assert!(invalid(&sign(
            r#"{"alg":"none"}"#,
            r#"{"sub":"u","exp":1900000000}"#,
            SECRET
        )));
        for alg in ["HS384", "HS512", "RS256", "hs256", ""] {
            let h = format!(r#"{{"alg":"{alg}"}}"#);
            assert!(
                invalid(&sign(&h, r#"{"sub":"u","exp":1900000000}"#, SECRET)),
                "{alg}"
            );
        }
        assert!(invalid(&sign(
            r#"{"typ":"JWT"}"#,
            r#"{"sub":"u","exp":1900000000}"#,
            SECRET
        )));
        assert!(invalid(&sign(
            r#"{"alg":"HS256","crit":["b64"]}"#,
            r#"{"sub":"u","exp":1900000000}"#,
            SECRET
        )));
        // Tampered claims keep the old signature.
        let (head, rest) = good.split_once('.').unwrap();
        let sig = rest.split_once('.').unwrap().1;
        assert!(invalid(&format!(
            "{head}.{}.{sig}",
            b64(r#"{"sub":"admin","exp":1900000000}"#)
        )));
        // Flipped signature bit, truncated, padded, bad base64, bad JSON, shapes.
        let mut flipped = good.clone().into_bytes();
        let last = flipped.len() - 2;
        flipped[last] = if flipped[last] == b'A' { b'B' } else { b'A' };
        assert!(invalid(std::str::from_utf8(&flipped).unwrap()));
        assert!(invalid(&good[..good.len() - 3]));
        assert!(invalid(&format!("{good}=")));
        assert!(invalid(&format!("{good}.x")));
        assert!(invalid("a.b"));
        assert!(invalid(""));
        assert!(invalid(&sign(
            "not json",
            r#"{"sub":"u","exp":1900000000}"#,
            SECRET
        )));
        assert!(invalid(&sign(r#"{"alg":"HS256"}"#, "[1,2]", SECRET)));
        assert!(invalid(&format!(
            "{}.{}.{}",
            b64(r#"{"alg":"HS256"}"#),
            "@@@",
            "AAAA"
        )));
        // Bounded.
        let long = token(&format!(
            r#"{{"sub":"u","exp":1900000000,"pad":"{}"}}"#,
            "x".repeat(4000)
        ));
        assert!(invalid(&long));
        assert!(invalid(&token(&format!(
            r#"{{"sub":"{}","exp":1900000000}}"#,
            "u".repeat(257)
        ))));
        assert!(invalid(&token(r#"{"sub":"","exp":1900000000}"#)));
        assert!(invalid(&token(
            r#"{"sub":"u","exp":1900000000,"email":"not-an-email"}"#
        )));
    }

    /// RFC 7519 §4 / RFC 7515 §5.2: duplicate member names are refused
    /// rather than read last-wins, so no two JSON parsers (the site's, a
    /// proxy's, ours) can read one signed token two ways.
    #[test]
    fn duplicate_member_names_are_refused() {
        let invalid = |t: &str| verify_token(t, SECRET, NOW);
        for (header, claims) in [
            (
                r#"{"alg":"HS256"}"#,
                r#"{"sub":"u-1","sub":"admin","exp":1900000000}"#,
            ),
            (
                r#"{"alg":"HS256"}"#,
                r#"{"sub":"u-1","email":"kim@example.com","email":"ceo@example.com","exp":1900000000}"#,
            ),
            (
                r#"{"alg":"HS256"}"#,
                r#"{"sub":"u-1","exp":1,"exp":1900000000}"#,
            ),
            // The same name, escaped differently.
            (
                r#"{"alg":"HS256"}"#,
                r#"{"sub":"u-1","\u0073ub":"admin","exp":1900000000}"#,
            ),
            (
                r#"{"alg":"none","alg":"HS256"}"#,
                r#"{"sub":"u-1","exp":1900000000}"#,
            ),
            (
                r#"{"alg":"HS256","typ":"JWT","typ":"JWT"}"#,
                r#"{"sub":"u-1","exp":1900000000}"#,
            ),
        ] {
            assert!(
                matches!(invalid(&sign(header, claims, SECRET)), Err(Invalid(why)) if why.contains("duplicate")),
                "{header} {claims}: {:?}",
                invalid(&sign(header, claims, SECRET))
            );
        }
        // Repeated names inside a nested value are not the token's members.
        assert!(verify_token(
            &sign(
                r#"{"alg":"HS256"}"#,
                r#"{"sub":"u-1","exp":1900000000,"meta":{"a":1,"a":2}}"#,
                SECRET
            ),
            SECRET,
            NOW
        )
        .is_ok());
    }

    /// Key-selection headers name no other key: there is one secret, and
    /// `kid`, `jku`, `jwk`, `x5u`, `x5c` are never looked at or fetched.
    #[test]
    fn key_headers_choose_no_key() {
        let claims = r#"{"sub":"u","exp":1900000000}"#;
        for header in [
            r#"{"alg":"HS256","kid":"../../../dev/null"}"#,
            r#"{"alg":"HS256","jku":"https://attacker.example/jwks.json"}"#,
            r#"{"alg":"HS256","jwk":{"kty":"oct","k":"YXR0YWNrZXI"}}"#,
            r#"{"alg":"HS256","x5u":"https://attacker.example/cert.pem"}"#,
        ] {
            // Signed with the key the header points at: refused.
            assert!(
                matches!(
                    verify_token(&sign(header, claims, b"attacker"), SECRET, NOW),
                    Err(Invalid(_))
                ),
                "{header}"
            );
            assert!(
                matches!(
                    verify_token(&sign(header, claims, b""), SECRET, NOW),
                    Err(Invalid(_))
                ),
                "{header}"
            );
            // Signed with the secret: the header is ignored.
            assert!(verify_token(&sign(header, claims, SECRET), SECRET, NOW).is_ok());
        }
    }

    /// One token, one encoding: a signature with its unused trailing bits
    /// set decodes to the same bytes but is refused, as is padding.
    #[test]
    fn signatures_must_be_canonical_base64url() {
        let good = token(r#"{"sub":"u","exp":1900000000}"#);
        let (input, sig) = good.rsplit_once('.').unwrap();
        assert_eq!(
            sig.len(),
            43,
            "32 bytes: the last character carries 2 unused bits"
        );
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let last = sig.as_bytes()[42];
        let v = alphabet.iter().position(|&c| c == last).unwrap();
        for extra in 1..4 {
            let twin = format!("{}{}", &sig[..42], alphabet[v | extra] as char);
            if twin == sig {
                continue;
            }
            assert!(matches!(
                verify_token(&format!("{input}.{twin}"), SECRET, NOW),
                Err(Invalid(_))
            ));
        }
        assert!(matches!(
            verify_token(&format!("{input}.{sig}="), SECRET, NOW),
            Err(Invalid(_))
        ));
    }

    #[test]
    fn user_hashes() {
        let hash = user_hash(SECRET, "u-42");
        assert_eq!(hash.len(), 64);
        let v = verify_hash(
            Some("u-42"),
            Some("kim@example.com"),
            Some("Kim"),
            &hash,
            SECRET,
        )
        .unwrap();
        assert_eq!(v.id.as_deref(), Some("u-42"));
        assert_eq!(
            v.email, None,
            "the hash does not cover an email beside a user id"
        );
        assert_eq!(v.name.as_deref(), Some("Kim"));
        assert!(verify_hash(Some("u-42"), None, None, &hash.to_uppercase(), SECRET).is_ok());
        let by_email = email_hash(SECRET, "kim@example.com");
        let v = verify_hash(None, Some("kim@example.com"), None, &by_email, SECRET).unwrap();
        assert_eq!(v.email.as_deref(), Some("kim@example.com"));
        for (id, h) in [
            (Some("u-43"), hash.clone()),
            (Some("u-42"), user_hash(b"another-secret", "u-42")),
            (Some("u-42"), hash[..63].to_owned()),
            (Some("u-42"), format!("{}g", &hash[..63])),
            (None, hash.clone()),
        ] {
            assert!(
                matches!(verify_hash(id, None, None, &h, SECRET), Err(Invalid(_))),
                "{id:?} {h}"
            );
        }
    }

    /// Issue 15, finding 3: a site computes the user hash for a user id the
    /// attacker chose — the signing input of a token of the attacker's
    /// making. That hash, hex → bytes → base64url, must not be a valid HS256
    /// signature for it.
    #[test]
    fn a_user_hash_is_not_a_token_signature() {
        let header = b64(r#"{"alg":"HS256","typ":"JWT"}"#);
        let claims =
            b64(r#"{"sub":"victim-1","email":"ceo@example.com","name":"CEO","exp":4102444800}"#);
        // The attacker signs up with this as their user id: base64url and a
        // dot, a valid user id for the site (and for `verify_hash`).
        let chosen_id = format!("{header}.{claims}");
        assert!(chosen_id.starts_with("eyJ") && chosen_id.len() <= MAX_USER_ID_CHARS);
        let site_hash = user_hash(SECRET, &chosen_id);
        assert!(
            verify_hash(Some(&chosen_id), None, None, &site_hash, SECRET).is_ok(),
            "the site's hash is a valid user hash for the chosen id"
        );
        let sig = URL_SAFE_NO_PAD.encode(hex(&site_hash).unwrap());
        let forged = format!("{chosen_id}.{sig}");
        let identity = Identity {
            token: Some(forged.clone()),
            ..Identity::default()
        };
        let secret = std::str::from_utf8(SECRET).unwrap();
        assert_eq!(
            verify(&identity, Some(secret), NOW),
            Err(Invalid("the token's signature does not match")),
            "a user hash replayed as a JWT signature must be refused"
        );
        // And the other way round: a token's signature is no user hash for
        // its signing input as the user id.
        let good = token(r#"{"sub":"u-1","exp":1900000000}"#);
        let (input, sig) = good.rsplit_once('.').unwrap();
        let as_hex: String = URL_SAFE_NO_PAD
            .decode(sig)
            .unwrap()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert!(matches!(
            verify_hash(Some(input), None, None, &as_hex, SECRET),
            Err(Invalid(_))
        ));
    }

    /// The same confusion between the two user-hash forms: a site that
    /// hashes user ids the visitor picks (a username that looks like an
    /// email) must not thereby vouch for that email.
    #[test]
    fn a_user_id_hash_is_not_an_email_hash() {
        let as_id = user_hash(SECRET, "ceo@example.com");
        assert!(verify_hash(Some("ceo@example.com"), None, None, &as_id, SECRET).is_ok());
        assert!(matches!(
            verify_hash(None, Some("ceo@example.com"), None, &as_id, SECRET),
            Err(Invalid(_))
        ));
    }

    /// The hash of the bare user id or email, as before issue 15, is no
    /// longer a user hash: `identity_invalid`, like any other mismatch.
    #[test]
    fn an_old_style_user_hash_is_refused() {
        let old = |subject: &str| {
            let mut m = mac(SECRET);
            m.update(subject.as_bytes());
            to_hex(m)
        };
        let secret = std::str::from_utf8(SECRET).unwrap();
        for identity in [
            Identity {
                user_id: Some("u-42".into()),
                user_hash: Some(old("u-42")),
                ..Identity::default()
            },
            Identity {
                email: Some("kim@example.com".into()),
                user_hash: Some(old("kim@example.com")),
                ..Identity::default()
            },
        ] {
            let refused = verify(&identity, Some(secret), NOW);
            assert_eq!(
                refused,
                Err(Invalid("user_hash does not match the user")),
                "{identity:?}"
            );
            let e: ApiError = refused.unwrap_err().into();
            assert_eq!(
                (e.code, e.field.as_deref()),
                (ErrorCode::IdentityInvalid, Some("identity"))
            );
        }
        // The new ones, for the same subjects, are accepted.
        assert!(verify_hash(Some("u-42"), None, None, &user_hash(SECRET, "u-42"), SECRET).is_ok());
        // What a site computes by hand: HMAC(secret, prefix + id).
        let mut m = mac(SECRET);
        m.update(b"frontdesk:user_hash:v1:u-42");
        assert_eq!(to_hex(m), user_hash(SECRET, "u-42"));
        let mut m = mac(SECRET);
        m.update(b"frontdesk:email_hash:v1:kim@example.com");
        assert_eq!(to_hex(m), email_hash(SECRET, "kim@example.com"));
    }

    /// Tokens stay standard HS256 with the raw secret as the key: RFC 7515's
    /// example A.1 (its key is binary, so given as bytes) passes the
    /// signature and expiry checks and is refused only for having no `sub`.
    #[test]
    fn a_standard_hs256_token_still_verifies() {
        let key = URL_SAFE_NO_PAD
            .decode("AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow")
            .unwrap();
        let rfc = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.\
                   eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.\
                   dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
        assert_eq!(
            verify_token(rfc, &key, 1_300_819_000),
            Err(Invalid("the token has no sub (the user id)"))
        );
        assert_eq!(
            verify_token(rfc, b"another key", 1_300_819_000),
            Err(Invalid("the token's signature does not match"))
        );
        // And one signed here the standard way (HMAC over `head.body` with
        // the secret's bytes) goes through `verify` with the secret string.
        let t = token(r#"{"sub":"u-42","email":"kim@example.com","exp":1800000600}"#);
        let secret = std::str::from_utf8(SECRET).unwrap();
        let v = verify(
            &Identity {
                token: Some(t),
                ..Identity::default()
            },
            Some(secret),
            NOW,
        )
        .unwrap();
        assert_eq!(
            (v.id.as_deref(), v.email.as_deref()),
            (Some("u-42"), Some("kim@example.com"))
        );
    }

    /// The argument of the module's documentation, checked: neither prefix
    /// can start or occur in a JWT signing input, nor one in the other.
    #[test]
    fn the_hash_prefixes_are_outside_the_token_alphabet() {
        let token_char = |c: char| c.is_ascii_alphanumeric() || "-_.".contains(c);
        for p in [USER_HASH_PREFIX, EMAIL_HASH_PREFIX] {
            assert!(!p.starts_with("eyJ") && p.contains(':') && !token_char(':'));
            assert!(!p.chars().all(token_char));
        }
        assert!(!USER_HASH_PREFIX.starts_with(EMAIL_HASH_PREFIX));
        assert!(!EMAIL_HASH_PREFIX.starts_with(USER_HASH_PREFIX));
    }

    #[test]
    fn identities_need_a_secret_and_one_form() {
        let t = token(r#"{"sub":"u","exp":1900000000}"#);
        let with_token = Identity {
            token: Some(t),
            ..Identity::default()
        };
        let secret = std::str::from_utf8(SECRET).unwrap();
        assert!(verify(&with_token, Some(secret), NOW).is_ok());
        assert_eq!(
            verify(&with_token, None, NOW),
            Err(IdentityError::NotConfigured)
        );
        assert_eq!(
            verify(&with_token, Some(""), NOW),
            Err(IdentityError::NotConfigured)
        );
        let both = Identity {
            user_hash: Some(user_hash(SECRET, "u")),
            user_id: Some("u".into()),
            ..with_token.clone()
        };
        assert!(matches!(verify(&both, Some(secret), NOW), Err(Invalid(_))));
        assert!(matches!(
            verify(&Identity::default(), Some(secret), NOW),
            Err(Invalid(_))
        ));
        let e: ApiError = IdentityError::Expired.into();
        assert_eq!(
            (e.code, e.field.as_deref()),
            (ErrorCode::IdentityExpired, Some("identity"))
        );
    }

    #[test]
    fn a_verified_email_wins_over_a_typed_one() {
        let verified = Verified {
            id: Some("u-42".into()),
            email: Some("kim@example.com".into()),
            name: Some("Kim".into()),
        };
        let r = requester("mallory@example.com", Some(verified.clone())).unwrap();
        assert_eq!((r.email.as_str(), r.verified), ("kim@example.com", true));
        assert_eq!(
            requester("", Some(verified)).unwrap().email,
            "kim@example.com"
        );
        // An identity without an email: the typed one, not verified.
        let id_only = Verified {
            email: None,
            ..Verified {
                id: Some("u-42".into()),
                email: None,
                name: None,
            }
        };
        let r = requester("kim@example.com", Some(id_only.clone())).unwrap();
        assert_eq!((r.verified, r.id.as_deref()), (false, Some("u-42")));
        assert_eq!(
            requester("", Some(id_only)).unwrap_err().code,
            ErrorCode::InvalidEmail
        );
        let r = requester("kim@example.com", None).unwrap();
        assert_eq!((r.verified, r.id), (false, None));
    }
}

//! The identity test vectors (`tests/vectors/identity.json`): HS256 tokens
//! minted by the `jose` library and user hashes from Node's crypto
//! (`tests/vectors/identity.mjs`), each with the outcome Frontdesk must give.
//! User hashes are over `frontdesk:user_hash:v1:` + the user id or
//! `frontdesk:email_hash:v1:` + the email; hashes of the bare value, and the
//! replays of issue 15 (a user hash as a token's signature and back), are
//! refused. Prints every vector it tried and what happened.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use frontdesk_api::error::ApiError;
use frontdesk_api::wire::Identity;
use frontdesk_shared::identity::{email_hash, user_hash, verify, Verified};
use serde_json::Value;

const VECTORS: &str = include_str!("vectors/identity.json");

fn outcome(r: &Result<Verified, frontdesk_shared::identity::IdentityError>) -> String {
    match r {
        Ok(_) => "ok".into(),
        Err(e) => {
            let e: ApiError = e.clone().into();
            serde_json::to_value(e.code)
                .unwrap()
                .as_str()
                .unwrap()
                .to_owned()
        }
    }
}

fn check(name: &str, identity: Identity, v: &Value, secret: &str, now: i64) -> usize {
    let r = verify(&identity, Some(secret), now);
    let got = outcome(&r);
    let want = v["expect"].as_str().unwrap();
    println!("{name}: expected {want}, got {got}");
    assert_eq!(got, want, "{name}");
    if let (Ok(verified), Some(claims)) = (&r, v.get("claims")) {
        let s = |k: &str| claims.get(k).and_then(Value::as_str).map(str::to_owned);
        assert_eq!(verified.id, s("sub"), "{name}: id");
        assert_eq!(verified.email, s("email"), "{name}: email");
        assert_eq!(verified.name, s("name"), "{name}: name");
    }
    // The same identity is never accepted with another secret or without one.
    let other = outcome(&verify(
        &identity,
        Some("some-other-secret-0123456789"),
        now,
    ));
    assert_eq!(other, "identity_invalid", "{name} with another secret");
    let none = outcome(&verify(&identity, None, now));
    assert_eq!(none, "identity_not_configured", "{name} without a secret");
    1
}

#[test]
fn identity_vectors_from_jose_and_node_crypto() {
    let all: Value = serde_json::from_str(VECTORS).unwrap();
    let secret = all["secret"].as_str().unwrap();
    let now = all["now"].as_i64().unwrap();
    let mut n = 0;
    for v in all["tokens"].as_array().unwrap() {
        let identity = Identity {
            token: Some(v["token"].as_str().unwrap().into()),
            ..Identity::default()
        };
        n += check(v["name"].as_str().unwrap(), identity, v, secret, now);
    }
    for v in all["hashes"].as_array().unwrap() {
        let identity: Identity = serde_json::from_value(v["identity"].clone()).unwrap();
        n += check(v["name"].as_str().unwrap(), identity, v, secret, now);
    }
    assert!(n >= 20, "only {n} vectors");
    // Two valid tokens stop being valid an hour later.
    let first = &all["tokens"][0];
    let later = verify(
        &Identity {
            token: Some(first["token"].as_str().unwrap().into()),
            ..Identity::default()
        },
        Some(secret),
        now + 3600,
    );
    assert_eq!(outcome(&later), "identity_expired");
    println!("{n} vectors checked");
}

fn named<'a>(all: &'a Value, list: &str, name: &str) -> &'a Value {
    all[list]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == name)
        .unwrap_or_else(|| panic!("no vector {name:?}"))
}

/// Issue 15, finding 3, in Node's terms: the hash the site's backend
/// computes for a user id that is a token's signing input is accepted as
/// a user hash, and the very same bytes as that token's signature are not.
/// Node's hashes are also the ones `user_hash`/`email_hash` compute.
#[test]
fn a_user_hash_from_node_is_never_a_token_signature() {
    let all: Value = serde_json::from_str(VECTORS).unwrap();
    let secret = all["secret"].as_str().unwrap();
    let hash = &named(
        &all,
        "hashes",
        "valid: the signing input of a token as the user id",
    )["identity"];
    let chosen = hash["user_id"].as_str().unwrap();
    let hex = hash["user_hash"].as_str().unwrap();
    assert_eq!(hex, user_hash(secret.as_bytes(), chosen));
    let token = named(
        &all,
        "tokens",
        "a user hash of the signing input as its signature",
    )["token"]
        .as_str()
        .unwrap();
    let (input, sig) = token.rsplit_once('.').unwrap();
    assert_eq!(input, chosen);
    let sig: String = URL_SAFE_NO_PAD
        .decode(sig)
        .unwrap()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(sig, hex, "the token's signature is the site's user hash");
    let now = all["now"].as_i64().unwrap();
    let r = verify(
        &Identity {
            token: Some(token.into()),
            ..Identity::default()
        },
        Some(secret),
        now,
    );
    println!(
        "user hash replayed as the signature of {chosen}: {}",
        outcome(&r)
    );
    assert_eq!(outcome(&r), "identity_invalid");
    let by_email = &named(&all, "hashes", "valid: email, no user id")["identity"];
    assert_eq!(
        by_email["user_hash"].as_str().unwrap(),
        email_hash(secret.as_bytes(), "kim@example.com")
    );
}

//! The identity test vectors (`tests/vectors/identity.json`): HS256 tokens
//! minted by the `jose` library and user hashes from Node's crypto
//! (`tests/vectors/identity.mjs`), each with the outcome Frontdesk must give.
//! Prints every vector it tried and what happened.

use frontdesk_shared::error::ApiError;
use frontdesk_shared::identity::{verify, Verified};
use frontdesk_shared::wire::Identity;
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

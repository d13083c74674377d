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

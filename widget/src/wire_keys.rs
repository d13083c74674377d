//! The widget reads and writes the wire types by hand (`js.rs`, `api.rs`:
//! serde_json would cost the visitor's download too much). These tests keep
//! those hand-written keys and `frontdesk_api::wire` in step: a field
//! renamed, added or dropped on one side fails here, not in a browser.

use std::collections::BTreeSet;

use frontdesk_api::wire::{
    ChatRequest, Confirm, ConfirmRequest, Decision, EscalationReason, HandoffRequest,
    HandoffResponse, Reply, Source,
};

const JS: &str = include_str!("js.rs");
const API: &str = include_str!("api.rs");

/// The text from `start` to the end of its block (`\n}` or `]);`).
fn section<'a>(source: &'a str, start: &str, end: &str) -> &'a str {
    let from = source
        .find(start)
        .unwrap_or_else(|| panic!("{start} not found"));
    let rest = &source[from..];
    &rest[..rest
        .find(end)
        .unwrap_or_else(|| panic!("no end after {start}"))]
}

/// The string literals of `code` that look like field names.
fn keys(code: &str) -> BTreeSet<String> {
    code.split('"')
        .skip(1)
        .step_by(2)
        .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
        .map(str::to_owned)
        .collect()
}

/// The keys a value serializes to.
fn fields<T: serde::Serialize>(value: &T) -> BTreeSet<String> {
    match serde_json::to_value(value).unwrap() {
        serde_json::Value::Object(o) => o.keys().cloned().collect(),
        other => panic!("not an object: {other}"),
    }
}

fn set(keys: &[&str]) -> BTreeSet<String> {
    keys.iter().map(|&k| k.to_owned()).collect()
}

#[test]
fn a_reply_is_read_by_every_key_of_reply_and_source() {
    let reply = Reply {
        decision: Decision::Escalate,
        text: "t".into(),
        sources: vec![Source {
            title: "a".into(),
            url: "/b".into(),
        }],
        reason: Some(EscalationReason::NoMatch),
        lang: "en".into(),
        confirm: Some(Confirm {
            title: "a".into(),
            text: "b".into(),
            token: "c".into(),
        }),
    };
    let wire: BTreeSet<String> = fields(&reply)
        .into_iter()
        .chain(fields(&reply.sources[0]))
        .chain(fields(reply.confirm.as_ref().unwrap()))
        .collect();
    let read = keys(section(JS, "pub(crate) fn reply(", "\n}"));
    assert_eq!(read, wire);
}

#[test]
fn a_handoff_answer_is_read_by_every_key() {
    let answer = HandoffResponse {
        reference: "FD-1".into(),
        conversation_id: "c".into(),
        email: "e".into(),
    };
    let read = keys(section(JS, "pub(crate) fn handoff(", "\n}"));
    assert_eq!(read, fields(&answer));
}

/// The keys of the request body `api.rs` builds after `start`.
fn sent(start: &str) -> BTreeSet<String> {
    keys(section(section(API, start, "\n}"), "js::object(&[", "]);"))
}

#[test]
fn a_chat_turn_sends_every_field_of_chat_request_but_the_identity() {
    let request = ChatRequest {
        conversation_id: Some("c".into()),
        message: "m".into(),
        page_url: Some("p".into()),
        locale: Some("l".into()),
        idempotency_key: Some("k".into()),
        identity: None,
    };
    // The page's identity is added by boot.js, not the wasm.
    let mut wire = fields(&request);
    wire.insert("identity".into());
    let mut sent = sent("pub(crate) async fn chat(");
    sent.insert("identity".into());
    assert_eq!(sent, wire);
    // And the server takes what the widget sends (unknown keys refused).
    let body: serde_json::Map<String, serde_json::Value> = sent
        .iter()
        .filter(|k| *k != "identity")
        .map(|k| (k.clone(), "x".into()))
        .collect();
    serde_json::from_value::<ChatRequest>(body.into()).unwrap();
}

#[test]
fn a_handoff_sends_every_field_of_handoff_request_but_the_identity() {
    let request = HandoffRequest {
        conversation_id: Some("c".into()),
        email: "e".into(),
        note: Some("n".into()),
        page_url: Some("p".into()),
        idempotency_key: Some("k".into()),
        identity: None,
    };
    let mut wire = fields(&request);
    wire.insert("identity".into());
    let mut sent = sent("pub(crate) async fn handoff(");
    sent.insert("identity".into());
    assert_eq!(sent, wire);
    assert!(set(&["email", "note"]).is_subset(&sent));
}

#[test]
fn a_confirmation_sends_every_field_of_confirm_request_but_the_identity() {
    let request = ConfirmRequest {
        conversation_id: "c".into(),
        token: "t".into(),
        accept: true,
        identity: None,
    };
    let mut wire = fields(&request);
    wire.remove("identity");
    // answers.js's card helper sends it through boot.js's h.call, which
    // adds the page's identity as to chat turns: the change runs only for
    // the verified visitor it was shown to.
    const BOOT: &str = include_str!("../boot.js");
    const ANSWERS: &str = include_str!("../answers.js");
    let call = "h.call('POST', url, { ";
    let body =
        section(section(ANSWERS, "h.confirm = ", "\n  });"), call, " })").trim_start_matches(call);
    let sent: BTreeSet<String> = body.split(", ").map(str::to_owned).collect();
    assert_eq!(sent, wire);
    assert!(BOOT.contains("/(chat|handoff|confirm)$/"));
}

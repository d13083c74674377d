//! Request bodies as the worker reads them: raw bytes → serde_json → the
//! `TryFrom` validation in `shared::validate`. Nothing may panic; whatever
//! validates is within its documented bounds, validates again to itself (so
//! validation is idempotent), and every decoded value re-encodes and decodes
//! to the same value. Also the stored JSON documents the worker reads back
//! (tickets) and the responses clients decode.
#![no_main]

use frontdesk_api::validate::{
    agent_reply, conversation_id, idempotency_key, locale, ticket_reference, ChatInput,
    FeedbackInput, HandoffInput, MAX_EMAIL_CHARS, MAX_MESSAGE_CHARS, MAX_MESSAGE_ID,
    MAX_NOTE_CHARS, MAX_REPLY_CHARS, MAX_URL_CHARS,
};
use frontdesk_api::wire::{
    AgentReplyRequest, ChatRequest, ChatResponse, ConversationView, FeedbackRequest,
    HandoffRequest, Rating,
};
use frontdesk_shared::tickets::Ticket;
use libfuzzer_sys::fuzz_target;
use serde::de::DeserializeOwned;
use serde::Serialize;

fuzz_target!(|data: &[u8]| {
    if let Some(req) = decode::<ChatRequest>(data) {
        if let Ok(input) = ChatInput::try_from(req) {
            check_text(&input.message, MAX_MESSAGE_CHARS);
            assert!(!input.message.is_empty());
            check_opt_id(&input.conversation_id);
            check_opt_url(&input.page_url);
            if let Some(l) = &input.locale {
                assert!((2..=35).contains(&l.len()) && l.is_ascii());
            }
            if let Some(k) = &input.idempotency_key {
                assert!((8..=64).contains(&k.len()) && k.is_ascii());
            }
            let again = ChatInput::try_from(ChatRequest {
                conversation_id: input.conversation_id.clone(),
                message: input.message.clone(),
                page_url: input.page_url.clone(),
                locale: input.locale.clone(),
                idempotency_key: input.idempotency_key.clone(),
                identity: input.identity.clone(),
            });
            assert_eq!(again.as_ref(), Ok(&input), "validating twice changed it");
        }
    }
    if let Some(req) = decode::<HandoffRequest>(data) {
        if let Ok(input) = HandoffInput::try_from(req) {
            let e = &input.email;
            // No email only when an identity (checked later) must vouch for one.
            assert!(!e.is_empty() || input.identity.is_some());
            assert!(e.is_empty() || (e.len() <= MAX_EMAIL_CHARS && e.matches('@').count() == 1));
            assert!(!e.chars().any(|c| c.is_whitespace() || c.is_control()));
            if let Some(note) = &input.note {
                check_text(note, MAX_NOTE_CHARS);
                assert!(!note.is_empty());
            }
            check_opt_id(&input.conversation_id);
            check_opt_url(&input.page_url);
            if let Some(k) = &input.idempotency_key {
                assert!((8..=64).contains(&k.len()) && k.is_ascii());
            }
            let again = HandoffInput::try_from(HandoffRequest {
                conversation_id: input.conversation_id.clone(),
                email: input.email.clone(),
                note: input.note.clone(),
                page_url: input.page_url.clone(),
                idempotency_key: input.idempotency_key.clone(),
                identity: input.identity.clone(),
            });
            assert_eq!(again.as_ref(), Ok(&input), "validating twice changed it");
        }
    }
    if let Some(req) = decode::<FeedbackRequest>(data) {
        if let Ok(input) = FeedbackInput::try_from(req.clone()) {
            assert!((1..=MAX_MESSAGE_ID).contains(&input.message_id));
            assert_eq!(input.rating.as_str(), req.rating);
            assert_eq!(Rating::parse(input.rating.as_str()), Some(input.rating));
            assert_eq!(input.conversation_id, req.conversation_id);
            check_id(&input.conversation_id);
        }
    }
    if let Some(req) = decode::<AgentReplyRequest>(data) {
        if let Ok(text) = agent_reply(&req.text) {
            check_text(&text, MAX_REPLY_CHARS);
            assert!(!text.is_empty());
            assert_eq!(agent_reply(&text).as_ref(), Ok(&text));
        }
    }
    // What the worker and the widget read back.
    // A ticket's confidences are f32: one out of range decodes as infinity,
    // which JSON cannot hold, so tickets (which only the worker writes) are
    // only decoded.
    let _ = serde_json::from_slice::<Ticket>(data);
    decode::<ChatResponse>(data);
    decode::<ConversationView>(data);

    // The path and form fields checked one by one (references and ids come
    // from URLs, not JSON).
    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok(r) = ticket_reference(s) {
            assert!(r.len() == 11 && r.starts_with("FD-") && r.is_ascii());
        }
        if let Ok(id) = conversation_id(s) {
            check_id(&id);
        }
        if let Ok(l) = locale(s) {
            assert_eq!(l, s);
        }
        if let Ok(k) = idempotency_key(s) {
            assert_eq!(k, s);
        }
    }
});

/// Decodes `data` as `T`; a decoded value must survive a round trip.
fn decode<T>(data: &[u8]) -> Option<T>
where
    T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug,
{
    let value: T = serde_json::from_slice(data).ok()?;
    let json = serde_json::to_string(&value).expect("a decoded value encodes");
    let back: T = serde_json::from_str(&json).expect("an encoded value decodes");
    assert_eq!(back, value, "round trip through {json}");
    Some(value)
}

/// Validated free text: trimmed, bounded, LF line ends, no control
/// characters but newline and tab.
fn check_text(s: &str, max_chars: usize) {
    assert!(s.chars().count() <= max_chars);
    assert_eq!(s, s.trim());
    assert!(!s.contains('\r'));
    assert!(!s.chars().any(|c| c.is_control() && c != '\n' && c != '\t'));
}

fn check_id(id: &str) {
    assert_eq!(id.len(), 36);
    assert!(id
        .bytes()
        .all(|b| b == b'-' || b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
}

fn check_opt_id(id: &Option<String>) {
    if let Some(id) = id {
        check_id(id);
    }
}

fn check_opt_url(url: &Option<String>) {
    if let Some(u) = url {
        assert!(u.len() <= MAX_URL_CHARS);
        assert!(u.starts_with("https://") || u.starts_with("http://"));
        assert!(!u.chars().any(|c| c.is_whitespace() || c.is_control()));
    }
}

//! A handoff natively: SQLite with the real migrations and the bundled
//! help centre (`ports::world`).

use frontdesk_api::error::ErrorCode;
use frontdesk_api::validate::{ChatInput, HandoffInput};
use frontdesk_api::wire::{ChatRequest, HandoffRequest, Role};
use frontdesk_shared::config::limits::Kind;
use frontdesk_shared::tickets::{Requester, Ticket};

use super::{open, Opened};
use crate::chat::{self, Begun};
use crate::db::sqlite::block_on;
use crate::deliver::Sink;
use crate::ports::world::{conversation, site, World};
use crate::AppError;

const KEY: &str = "6e0c1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b";
const BASE: &str = "https://support.example";

fn request(conversation: Option<&str>, note: Option<&str>, key: Option<&str>) -> HandoffInput {
    HandoffInput::try_from(HandoffRequest {
        conversation_id: conversation.map(str::to_owned),
        email: "ada@example.com".into(),
        note: note.map(str::to_owned),
        page_url: Some("https://shop.example/checkout".into()),
        idempotency_key: key.map(str::to_owned),
        identity: None,
    })
    .unwrap()
}

fn requester() -> Requester {
    Requester::unverified("ada@example.com")
}

fn created(opened: Result<Opened, AppError>) -> (Ticket, Vec<Sink>) {
    match opened {
        Ok(Opened::Created { ticket, sinks }) => (*ticket, sinks),
        other => panic!("expected a new ticket, got {other:?}"),
    }
}

fn code(result: Result<Opened, AppError>) -> ErrorCode {
    match result {
        Err(AppError::Client(e)) => e.code,
        other => panic!("expected a client error, got {other:?}"),
    }
}

/// A conversation with one question and the bot's reply; its id.
async fn chatted(w: &World, question: &str) -> String {
    let input = ChatInput::try_from(ChatRequest {
        conversation_id: None,
        message: question.into(),
        page_url: None,
        locale: None,
        idempotency_key: None,
        identity: None,
    })
    .unwrap();
    match chat::begin(w, site("demo"), &input, None, false, None).await {
        Ok(Begun::Replied(r)) => r.conversation_id,
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_handoff_stores_its_ticket_with_the_transcript_and_its_deliveries_in_one_batch() {
    let w = World::new();
    block_on(async {
        let id = chatted(&w, "my notes do not sync between my phone and laptop").await;
        let input = request(Some(&id), Some("it started yesterday"), None);
        let (ticket, sinks) =
            created(open(&w, site("demo"), &input, requester(), None, BASE).await);
        assert_eq!(ticket.conversation_id, id);
        assert_eq!(ticket.requester.email, "ada@example.com");
        assert_eq!(
            ticket.transcript.iter().map(|e| e.role).collect::<Vec<_>>(),
            [Role::Visitor, Role::Bot]
        );
        assert_eq!(ticket.site.as_ref().unwrap().key, "demo");
        assert!(!sinks.is_empty());
        assert_eq!(w.count("SELECT COUNT(*) FROM tickets"), 1);
        assert_eq!(
            w.count("SELECT COUNT(*) FROM deliveries WHERE status = 'pending'"),
            sinks.len() as i64
        );
        let (who, kind) = w.admitted.borrow().last().cloned().unwrap();
        assert_eq!((who.visitor, kind), (Some(id), Kind::Tickets));
    });
}

#[test]
fn a_handoff_without_a_conversation_starts_one() {
    let w = World::new();
    block_on(async {
        let input = request(None, Some("please call me"), None);
        let (ticket, _) = created(open(&w, site("demo"), &input, requester(), None, BASE).await);
        assert_eq!(ticket.conversation_id, conversation(1));
        assert!(ticket.transcript.is_empty());
        assert_eq!(w.count("SELECT COUNT(*) FROM conversations"), 1);
        assert_eq!(w.admitted.borrow()[0].0.visitor, None);
    });
}

#[test]
fn the_same_handoff_again_answers_with_its_ticket_and_only_for_its_site_and_conversation() {
    let w = World::new();
    block_on(async {
        let id = chatted(&w, "how do i reset my password").await;
        let input = request(Some(&id), None, Some(KEY));
        let (ticket, _) = created(open(&w, site("demo"), &input, requester(), None, BASE).await);
        let admitted = w.admitted.borrow().len();
        match open(&w, site("demo"), &input, requester(), None, BASE).await {
            Ok(Opened::Before(r)) => {
                assert_eq!(r.reference, ticket.reference);
                assert_eq!(r.conversation_id, id);
            }
            other => panic!("{other:?}"),
        }
        let other = chatted(&w, "hello").await;
        let elsewhere = request(Some(&other), None, Some(KEY));
        assert_eq!(
            code(open(&w, site("demo"), &elsewhere, requester(), None, BASE).await),
            ErrorCode::IdempotencyKeyReused
        );
        assert_eq!(
            code(open(&w, site("shop"), &input, requester(), None, BASE).await),
            ErrorCode::IdempotencyKeyReused
        );
        assert_eq!(w.count("SELECT COUNT(*) FROM tickets"), 1);
        // The repeats were answered before the limits (and a chat turn).
        assert_eq!(w.admitted.borrow().len(), admitted + 1);
    });
}

#[test]
fn a_message_or_note_on_an_always_human_topic_sets_the_tickets_topic() {
    let w = World::new();
    block_on(async {
        let input = request(None, Some("my lawyer will be in touch"), None);
        let (ticket, _) = created(open(&w, site("demo"), &input, requester(), None, BASE).await);
        assert_eq!(ticket.triage.topic.value, "legal");
        let id = chatted(&w, "I was charged twice this month").await;
        let input = request(Some(&id), Some("please help"), None);
        let (ticket, _) = created(open(&w, site("demo"), &input, requester(), None, BASE).await);
        assert_eq!(ticket.triage.topic.value, "billing dispute");
    });
}

#[test]
fn a_ticket_over_the_limit_or_for_another_sites_conversation_stores_nothing() {
    let w = World::new();
    block_on(async {
        let id = chatted(&w, "how do i reset my password").await;
        let shop = request(Some(&id), None, Some(KEY));
        assert_eq!(
            code(open(&w, site("shop"), &shop, requester(), None, BASE).await),
            ErrorCode::ConversationNotFound
        );
        let limited = World {
            limit: 0,
            ..World::new()
        };
        let refused = open(
            &limited,
            site("demo"),
            &request(None, None, Some(KEY)),
            requester(),
            None,
            BASE,
        )
        .await;
        assert!(matches!(refused, Err(AppError::RateLimited { .. })));
        for world in [&w, &limited] {
            assert_eq!(world.count("SELECT COUNT(*) FROM tickets"), 0);
            assert_eq!(world.count("SELECT COUNT(*) FROM deliveries"), 0);
        }
        assert_eq!(limited.count("SELECT COUNT(*) FROM conversations"), 0);
    });
}

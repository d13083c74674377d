//! An agent's reply and close natively (`ports::world`), down to what the
//! visitor's waiting widget receives.

use frontdesk_api::error::ErrorCode;
use frontdesk_api::wire::{LiveEvent, Role};

use super::{close, reply};
use crate::db::sqlite::block_on;
use crate::limits::Who;
use crate::ports::world::{new_ticket, World};
use crate::replies;
use crate::room::INBOX;
use crate::AppError;

const BASE: &str = "https://support.example";

/// A ticket: its reference and conversation id.
async fn ticket(w: &World) -> (String, String) {
    let (ticket, _) = new_ticket(w).await;
    // A new ticket: agents' open inboxes are told (and only they).
    let told = w.broadcasts.borrow_mut().split_off(0);
    assert_eq!(
        told,
        [(INBOX.to_owned(), LiveEvent::Changed, Some(Role::Agent))]
    );
    (ticket.reference, ticket.conversation_id)
}

fn code<T: std::fmt::Debug>(result: Result<T, AppError>) -> ErrorCode {
    match result {
        Err(AppError::Client(e)) => e.code,
        other => panic!("expected a client error, got {other:?}"),
    }
}

#[test]
fn an_agents_reply_is_stored_in_the_tickets_conversation_and_reaches_the_waiting_visitor() {
    let w = World::new();
    block_on(async {
        let (reference, conversation) = ticket(&w).await;
        let id = reply(&w, &reference, "Hi Ada, I can help with that.", BASE)
            .await
            .unwrap();
        let who = Who {
            visitor: Some(conversation.clone()),
            ip: None,
            site: "demo".into(),
            established: true,
        };
        let got = replies::wait(&w, &conversation, true, &who, 0, 0)
            .await
            .unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(
            (got[0].id, got[0].role, got[0].text.as_str()),
            (id, Role::Agent, "Hi Ada, I can help with that.")
        );
        assert_eq!(
            w.count("SELECT COUNT(*) FROM messages WHERE role = 'agent'"),
            1
        );
        // And to its live connections, as stored: the same id, text and time.
        let sent = w.broadcasts.borrow();
        assert_eq!(sent.len(), 2);
        assert_eq!(
            sent[1],
            (INBOX.to_owned(), LiveEvent::Changed, Some(Role::Agent))
        );
        let (to, event, side) = &sent[0];
        assert_eq!((to, *side), (&conversation, None));
        assert_eq!(
            *event,
            LiveEvent::Message {
                message: got[0].clone()
            }
        );
    });
}

#[test]
fn a_reply_or_close_for_an_unknown_ticket_is_refused_and_changes_nothing() {
    let w = World::new();
    block_on(async {
        ticket(&w).await;
        let before = w.count("SELECT COUNT(*) FROM messages");
        assert_eq!(
            code(reply(&w, "FD-00000000", "hello", BASE).await),
            ErrorCode::TicketNotFound
        );
        assert_eq!(
            code(close(&w, "FD-00000000").await),
            ErrorCode::TicketNotFound
        );
        assert_eq!(w.count("SELECT COUNT(*) FROM messages"), before);
        assert!(w.broadcasts.borrow().is_empty());
        assert_eq!(
            w.count("SELECT COUNT(*) FROM tickets WHERE status = 'closed'"),
            0
        );
    });
}

#[test]
fn closing_a_ticket_closes_it_once_and_again_is_no_error() {
    let w = World::new();
    block_on(async {
        let (reference, _) = ticket(&w).await;
        let status = || w.count("SELECT COUNT(*) FROM tickets WHERE status = 'closed'");
        assert_eq!(status(), 0);
        close(&w, &reference).await.unwrap();
        assert_eq!(status(), 1);
        // The stored document says so too (the agent API shows it).
        let stored = crate::db::tickets::get(&w.db, &reference)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.document["status"], "closed");
        assert_eq!(stored.document["reference"], reference.as_str());
        close(&w, &reference).await.unwrap();
        assert_eq!(status(), 1);
    });
}

#[test]
fn joining_and_typing_reach_only_the_visitors_open_widget_and_store_nothing() {
    use super::presence;
    let w = World::new();
    block_on(async {
        let (reference, conversation) = ticket(&w).await;
        let before = w.count("SELECT COUNT(*) FROM messages");
        presence(&w, &reference, &LiveEvent::Joined).await.unwrap();
        let typing = LiveEvent::Typing { from: Role::Agent };
        presence(&w, &reference, &typing).await.unwrap();
        assert_eq!(
            *w.broadcasts.borrow(),
            [
                (conversation.clone(), LiveEvent::Joined, Some(Role::Visitor)),
                (conversation, typing.clone(), Some(Role::Visitor)),
            ]
        );
        assert_eq!(
            code(presence(&w, "FD-0000-0000", &typing).await),
            ErrorCode::TicketNotFound
        );
        assert_eq!(w.broadcasts.borrow().len(), 2);
        assert_eq!(w.count("SELECT COUNT(*) FROM messages"), before);
    });
}

#[test]
fn closing_a_ticket_tells_the_open_inboxes() {
    let w = World::new();
    block_on(async {
        let (reference, _) = ticket(&w).await;
        close(&w, &reference).await.unwrap();
        assert_eq!(
            *w.broadcasts.borrow(),
            [(INBOX.to_owned(), LiveEvent::Changed, Some(Role::Agent))]
        );
    });
}

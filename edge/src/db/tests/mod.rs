//! The store's SQL against real SQLite with every migration applied: what
//! each statement writes and reads, and that a batch is all or nothing;
//! one file per group of tables, the helpers here.

mod content_tables;
mod conversation_tables;
mod migration_tables;
mod ticket_tables;

use frontdesk_api::validate::FeedbackInput;
use frontdesk_api::wire::{Decision, EscalationReason, Rating, Reply, Role, Source};
use frontdesk_shared::tickets::{self, Requester, Ticket, TicketInput, TicketSite};

use super::conversations::{self, Selection};
use super::feedback::{self, Rated};
use super::messages::{self, VisitorMessage};
use super::sqlite::{block_on, Sqlite};
use super::{deliveries, insights, tickets as stored, Sql};

pub(super) const T0: i64 = 1_790_000_000_000;

pub(super) fn reply(decision: Decision, text: &str) -> Reply {
    Reply {
        decision,
        text: text.into(),
        sources: vec![Source {
            title: "Reset your password".into(),
            url: "/help/reset".into(),
        }],
        reason: (decision == Decision::Escalate).then_some(EscalationReason::NoMatch),
        lang: "en".into(),
        confirm: None,
    }
}

pub(super) fn visitor<'a>(
    conversation: &'a str,
    text: &'a str,
    key: Option<&'a str>,
) -> VisitorMessage<'a> {
    VisitorMessage {
        conversation,
        site: "shop",
        page_url: Some("https://shop.example/help"),
        text,
        key,
    }
}

pub(super) fn ticket(reference: &str, conversation: &str, at: i64) -> Ticket {
    tickets::build(TicketInput {
        reference,
        conversation_id: conversation,
        created_at: at,
        requester: Requester::unverified("ada@example.com"),
        note: Some("my invoice is wrong"),
        page_url: None,
        transcript: Vec::new(),
        always_human_topic: None,
        site: Some(TicketSite {
            key: "shop".into(),
            name: "Shop".into(),
        }),
        earlier: 0,
        actions: Vec::new(),
    })
}

pub(super) fn count(db: &Sqlite, table: &str) -> i64 {
    db.with(|c| {
        c.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
            .unwrap()
    })
}

//! Long polling natively (`ports::world`: the clock moves only when the
//! use case waits, and an agent's reply can be scheduled for a time).

use frontdesk_api::error::ErrorCode;
use frontdesk_api::wire::Role;
use frontdesk_shared::config::limits::{poll_looks, Kind};

use super::wait;
use crate::db::messages::{self, VisitorMessage};
use crate::db::sqlite::block_on;
use crate::limits::Who;
use crate::ports::world::{conversation, World, T0};
use crate::AppError;

fn who(id: &str) -> Who {
    Who {
        visitor: Some(id.to_owned()),
        ip: None,
        site: "demo".into(),
        established: false,
    }
}

/// A conversation with a visitor's message; its id.
async fn started(w: &World) -> String {
    let id = conversation(1);
    let m = VisitorMessage {
        conversation: &id,
        site: "demo",
        page_url: None,
        text: "a person please",
        key: None,
    };
    messages::save_visitor_message(&w.db, &m, T0, T0)
        .await
        .unwrap();
    id
}

#[test]
fn a_reply_already_there_comes_at_once_and_the_wait_is_given_back() {
    let w = World::new();
    block_on(async {
        let id = started(&w).await;
        let reply = messages::save_agent_reply(&w.db, &id, "Hi, Ada here", T0)
            .await
            .unwrap();
        let got = wait(&w, &id, true, &who(&id), 0, 25).await.unwrap();
        assert_eq!(got.iter().map(|m| m.id).collect::<Vec<_>>(), [reply]);
        assert_eq!(got[0].role, Role::Agent);
        assert_eq!(w.sleeps.get(), 0);
        assert_eq!(*w.refunds.borrow(), [(Kind::Polls, 25)]);
        let kinds: Vec<Kind> = w.admitted.borrow().iter().map(|(_, k)| *k).collect();
        assert_eq!(kinds, [Kind::Reads, Kind::Polls]);
        // Asked again after it: nothing new, and no wait asked, no wait.
        assert!(wait(&w, &id, true, &who(&id), reply, 0)
            .await
            .unwrap()
            .is_empty());
        assert_eq!(w.sleeps.get(), 0);
    });
}

#[test]
fn with_no_reply_the_poll_holds_its_wait_and_looks_no_more_than_it_should() {
    let w = World::new();
    block_on(async {
        let id = started(&w).await;
        let got = wait(&w, &id, true, &who(&id), 0, 25).await.unwrap();
        assert!(got.is_empty());
        assert_eq!(w.now.get() - T0, 25_000, "held the whole wait");
        // Looks = sleeps + 1; never more than the schedule allows.
        let looks = u64::from(w.sleeps.get()) + 1;
        assert!(looks <= poll_looks(25_000), "{looks} looks");
        assert_eq!(*w.refunds.borrow(), [(Kind::Polls, 0)]);
    });
}

#[test]
fn a_reply_that_lands_mid_wait_is_seen_within_two_seconds_and_the_rest_given_back() {
    let w = World::new();
    block_on(async {
        let id = started(&w).await;
        w.scheduled
            .borrow_mut()
            .push((T0 + 6_000, id.clone(), "Found it".into()));
        let got = wait(&w, &id, true, &who(&id), 0, 25).await.unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].text, "Found it");
        let held = w.now.get() - T0;
        assert!((6_000..=8_000).contains(&held), "seen after {held} ms");
        let (kind, back) = w.refunds.borrow()[0];
        assert_eq!(kind, Kind::Polls);
        assert_eq!(back, 25 - (held as u64).div_ceil(1000));
    });
}

#[test]
fn a_missing_conversation_is_limited_then_reported_and_a_refused_poll_waits_for_nothing() {
    let w = World::new();
    block_on(async {
        let missing = conversation(42);
        match wait(&w, &missing, false, &who(&missing), 0, 10).await {
            Err(AppError::Client(e)) => assert_eq!(e.code, ErrorCode::ConversationNotFound),
            other => panic!("{other:?}"),
        }
        assert_eq!(w.admitted.borrow().len(), 2);
        assert_eq!(w.sleeps.get(), 0);
        let limited = World {
            limit: 0,
            ..World::new()
        };
        let id = started(&limited).await;
        assert!(matches!(
            wait(&limited, &id, true, &who(&id), 0, 10).await,
            Err(AppError::RateLimited { .. })
        ));
        assert_eq!(limited.sleeps.get(), 0);
        assert!(limited.refunds.borrow().is_empty());
    });
}

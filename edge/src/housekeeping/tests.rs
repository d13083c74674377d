//! The scheduled run's chores natively (`ports::world`): the retention
//! purges by site, deliveries queued again, and the sweep of objects a
//! stopped content update left.

use frontdesk_api::validate::{ChatInput, HandoffInput};
use frontdesk_api::wire::{ChatRequest, HandoffRequest};
use frontdesk_shared::config::sites::Site;
use frontdesk_shared::retrieval::content::{ContentUpload, UploadMode, UploadedArticle};
use frontdesk_shared::tickets::Requester;

use super::{purge, requeue_stale, DAY_MS, STALE_PENDING_MS};
use crate::blobs::Blobs;
use crate::chat::{self, Begun};
use crate::db::sqlite::block_on;
use crate::deliver::Sink;
use crate::handoff::{self, Opened};
use crate::ports::world::{new_ticket, site, World, T0};
use crate::{live, publish};

/// The deployment's default retention (`RETENTION_DAYS`); the travel site
/// keeps its conversations 30 days (frontdesk.toml).
const DEFAULT_DAYS: i64 = 90;

/// A conversation of `site` with a question and the bot's reply, and, with
/// `ticket`, a handoff (a ticket and its deliveries); its id.
async fn conversation(w: &World, site: &Site, ticket: bool) -> String {
    let input = ChatInput::try_from(ChatRequest {
        conversation_id: None,
        message: "how do i export my notes".into(),
        page_url: None,
        locale: None,
        idempotency_key: None,
        identity: None,
    })
    .unwrap();
    let id = match chat::begin(w, site, &input, None, false, None).await {
        Ok(Begun::Replied(r)) => r.conversation_id,
        other => panic!("{other:?}"),
    };
    if ticket {
        let input = HandoffInput::try_from(HandoffRequest {
            conversation_id: Some(id.clone()),
            email: "ada@example.com".into(),
            note: None,
            page_url: None,
            idempotency_key: None,
            identity: None,
        })
        .unwrap();
        let requester = Requester::unverified("ada@example.com");
        let opened = handoff::open(w, site, &input, requester, None, "").await;
        assert!(matches!(opened, Ok(Opened::Created { .. })), "{opened:?}");
    }
    id
}

/// The ids of the stored conversations, in order.
fn conversations(w: &World) -> Vec<String> {
    w.db.with(|c| {
        c.prepare("SELECT id FROM conversations ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    })
}

/// Messages and tickets of no stored conversation, and deliveries of no
/// stored ticket.
fn orphaned(w: &World) -> i64 {
    w.count(
        "SELECT (SELECT COUNT(*) FROM messages WHERE conversation_id NOT IN \
         (SELECT id FROM conversations)) + (SELECT COUNT(*) FROM tickets WHERE conversation_id \
         NOT IN (SELECT id FROM conversations)) + (SELECT COUNT(*) FROM deliveries WHERE \
         ticket_reference NOT IN (SELECT reference FROM tickets))",
    )
}

#[test]
fn the_purge_deletes_what_is_past_each_sites_retention_with_what_hangs_off_it() {
    let w = World::new();
    let (demo, travel) = (site("demo"), site("travel"));
    assert_eq!(travel.retention_days, Some(30));
    block_on(async {
        let at = |days: i64| w.now.set(T0 + days * DAY_MS);
        // Day 0: a demo and a travel conversation, each with a ticket.
        let old_demo = conversation(&w, demo, true).await;
        let old_travel = conversation(&w, travel, true).await;
        // Day 1: a demo one (exactly 90 days old at the purge: kept).
        at(1);
        let edge = conversation(&w, demo, false).await;
        // Day 60: one of each.
        at(60);
        let recent_demo = conversation(&w, demo, true).await;
        let month_travel = conversation(&w, travel, false).await;
        // Day 80: a travel one.
        at(80);
        let new_travel = conversation(&w, travel, false).await;
        let all = conversations(&w);
        assert_eq!(all.len(), 6);
        assert_eq!(w.count("SELECT COUNT(*) FROM tickets"), 3);
        assert!(w.count("SELECT COUNT(*) FROM deliveries") > 0);

        at(91);
        let purged: Vec<(bool, Vec<String>, u64)> = purge(&w, DEFAULT_DAYS)
            .await
            .into_iter()
            .map(|(p, n)| (p.except, p.keys, n.unwrap()))
            .collect();
        // Travel's own 30 days: its day-0 and day-60 conversations. The
        // default 90 days for every other site: the demo one of day 0.
        assert_eq!(
            purged,
            [
                (false, vec!["travel".to_owned()], 2),
                (true, vec!["travel".to_owned()], 1)
            ]
        );
        let mut kept = vec![edge, recent_demo.clone(), new_travel];
        kept.sort();
        assert_eq!(conversations(&w), kept);
        for gone in [&old_demo, &old_travel, &month_travel] {
            assert!(all.contains(gone) && !conversations(&w).contains(gone));
        }
        // Their messages, tickets and deliveries went with them; the kept
        // ones keep theirs.
        assert_eq!(orphaned(&w), 0);
        assert_eq!(w.count("SELECT COUNT(*) FROM messages"), 6);
        assert_eq!(w.count("SELECT COUNT(*) FROM tickets"), 1);
        let recent_deliveries = w.db.with(|c| {
            c.query_row(
                "SELECT COUNT(*) FROM deliveries WHERE ticket_reference IN \
                 (SELECT reference FROM tickets WHERE conversation_id = ?1)",
                [&recent_demo],
                |r| r.get::<_, i64>(0),
            )
            .unwrap()
        });
        assert!(recent_deliveries > 0);
        assert_eq!(
            w.count("SELECT COUNT(*) FROM deliveries"),
            recent_deliveries
        );

        // Again: nothing more goes.
        let again: Vec<u64> = purge(&w, DEFAULT_DAYS)
            .await
            .into_iter()
            .map(|(_, n)| n.unwrap())
            .collect();
        assert_eq!(again, [0, 0]);
        assert_eq!(conversations(&w), kept);
    });
}

#[test]
fn pending_deliveries_untouched_for_ten_minutes_are_queued_again() {
    let w = World::new();
    block_on(async {
        let (ticket, sinks) = new_ticket(&w).await;
        assert_eq!(sinks, [Sink::Webhook, Sink::Slack]);
        // Freshly written: their queue messages may still come.
        w.now.set(T0 + STALE_PENDING_MS - 1);
        assert_eq!(requeue_stale(&w).await.unwrap(), 0);
        assert!(w.queued.borrow().is_empty());
        // Untouched for longer: queued again, once each.
        w.now.set(T0 + STALE_PENDING_MS + 1);
        assert_eq!(requeue_stale(&w).await.unwrap(), 2);
        let reference = ticket.reference.clone();
        assert_eq!(
            *w.queued.borrow(),
            [(reference.clone(), Sink::Webhook), (reference, Sink::Slack)]
        );
        // Delivered or dead ones are not.
        w.db.with(|c| {
            c.execute_batch(
                "UPDATE deliveries SET status = 'delivered' WHERE sink = 'webhook'; \
                 UPDATE deliveries SET status = 'dead' WHERE sink = 'slack'",
            )
            .unwrap();
        });
        w.queued.borrow_mut().clear();
        assert_eq!(requeue_stale(&w).await.unwrap(), 0);
        assert!(w.queued.borrow().is_empty());
    });
}

#[test]
fn the_sweep_deletes_only_objects_no_live_segment_names_once_an_hour_old() {
    let w = World::new();
    block_on(async {
        let upload = ContentUpload {
            articles: vec![UploadedArticle {
                slug: "pair-smart-pen".into(),
                source: "---\ntitle: Pair the pen\nurl: /help/pair-smart-pen\n---\nHold it.\n"
                    .into(),
            }],
            mode: UploadMode::Merge,
        };
        publish::put(&w, &upload).await.unwrap();
        let live = w.blobs.keys();
        assert_eq!(live.len(), 2);
        // A stopped update's objects, and a passage matrix (not an index's).
        for key in ["index/stopped/1", "index/stopped/1.text", "vectors/m/c"] {
            w.blobs.put(key, vec![1]).await.unwrap();
        }
        w.now.set(T0 + 30 * 60 * 1000);
        assert_eq!(live::sweep(&w).await.unwrap(), 0);
        assert_eq!(w.blobs.keys().len(), 5);
        w.now.set(T0 + 61 * 60 * 1000);
        assert_eq!(live::sweep(&w).await.unwrap(), 2);
        let mut left = live;
        left.push("vectors/m/c".into());
        assert_eq!(w.blobs.keys(), left);
    });
}

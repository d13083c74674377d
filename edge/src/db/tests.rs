//! The store's SQL against real SQLite with every migration applied: what
//! each statement writes and reads, and that a batch is all or nothing.

use frontdesk_api::validate::FeedbackInput;
use frontdesk_api::wire::{Decision, EscalationReason, Rating, Reply, Role, Source};
use frontdesk_shared::tickets::{self, Requester, Ticket, TicketInput, TicketSite};

use super::conversations::{self, Selection};
use super::feedback::{self, Rated};
use super::messages::{self, VisitorMessage};
use super::sqlite::{block_on, Sqlite};
use super::{deliveries, insights, tickets as stored, Sql};

const T0: i64 = 1_790_000_000_000;

fn reply(decision: Decision, text: &str) -> Reply {
    Reply {
        decision,
        text: text.into(),
        sources: vec![Source {
            title: "Reset your password".into(),
            url: "/help/reset".into(),
        }],
        reason: (decision == Decision::Escalate).then_some(EscalationReason::NoMatch),
        lang: "en".into(),
    }
}

fn visitor<'a>(conversation: &'a str, text: &'a str, key: Option<&'a str>) -> VisitorMessage<'a> {
    VisitorMessage {
        conversation,
        site: "shop",
        page_url: Some("https://shop.example/help"),
        text,
        key,
    }
}

fn ticket(reference: &str, conversation: &str, at: i64) -> Ticket {
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
    })
}

fn count(db: &Sqlite, table: &str) -> i64 {
    db.with(|c| {
        c.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
            .unwrap()
    })
}

#[test]
fn a_turn_is_stored_and_read_back_as_history_view_and_transcript() {
    let db = Sqlite::migrated();
    block_on(async {
        assert_eq!(conversations::history(&db, "c1", 8).await.unwrap(), None);
        let m = visitor("c1", "how do I reset my password", Some("k1"));
        let id = messages::save_turn(&db, &m, &reply(Decision::Suggest, "Maybe:"), T0)
            .await
            .unwrap();
        assert!(id > 0);
        let h = conversations::history(&db, "c1", 8).await.unwrap().unwrap();
        assert_eq!(h.site, "shop");
        assert_eq!(h.visitor, vec!["how do I reset my password"]);
        assert_eq!(h.unhelpful_streak, 1);
        assert_eq!(h.started, Some(T0));
        let owner = conversations::owner(&db, "c1").await.unwrap().unwrap();
        assert_eq!((owner.site.as_str(), owner.started), ("shop", T0));
        let origin = conversations::origin(&db, "c1").await.unwrap().unwrap();
        assert_eq!(
            origin.page_url.as_deref(),
            Some("https://shop.example/help")
        );

        let view = conversations::view(&db, "c1").await.unwrap().unwrap();
        assert_eq!(view.messages.len(), 2);
        assert_eq!(view.messages[1].id, id);
        assert_eq!(view.messages[1].decision, Some(Decision::Suggest));
        assert_eq!(view.messages[1].sources[0].url, "/help/reset");
        assert_eq!(view.messages[1].lang.as_deref(), Some("en"));
        assert!(conversations::view(&db, "nope").await.unwrap().is_none());

        let transcript = messages::transcript(&db, "c1").await.unwrap();
        assert_eq!(
            transcript.iter().map(|e| e.role).collect::<Vec<_>>(),
            [Role::Visitor, Role::Bot]
        );
        // A second turn: the page is kept when the next one names none.
        let m2 = VisitorMessage {
            page_url: None,
            ..visitor("c1", "thanks", None)
        };
        messages::save_turn(&db, &m2, &reply(Decision::Answer, "Here."), T0 + 1)
            .await
            .unwrap();
        let h = conversations::history(&db, "c1", 8).await.unwrap().unwrap();
        assert_eq!(h.unhelpful_streak, 0, "an answer ends the streak");
        let (recent, earlier) = messages::recent_transcript(&db, "c1", 3).await.unwrap();
        assert_eq!((recent.len(), earlier), (3, 1));
        assert_eq!(recent[2].text, "Here.");
        let origin = conversations::origin(&db, "c1").await.unwrap().unwrap();
        assert_eq!(
            origin.page_url.as_deref(),
            Some("https://shop.example/help")
        );
    });
}

#[test]
fn a_keyed_message_is_answered_once_and_held_while_answered() {
    let db = Sqlite::migrated();
    block_on(async {
        let m = visitor("c1", "hello?", Some("key-1"));
        messages::save_visitor_message(&db, &m, T0 + 30_000, T0)
            .await
            .unwrap();
        let replay = messages::replay(&db, "key-1").await.unwrap().unwrap();
        assert_eq!(
            (replay.conversation_id.as_str(), replay.site.as_str()),
            ("c1", "shop")
        );
        assert_eq!(replay.reply, None);
        // Held by the request that stored it: nobody else may claim it…
        assert!(!messages::claim(&db, "key-1", T0 + 60_000, T0 + 1)
            .await
            .unwrap());
        // …until the hold lapses; then exactly one claim wins.
        assert!(messages::claim(&db, "key-1", T0 + 90_000, T0 + 30_000)
            .await
            .unwrap());
        assert!(!messages::claim(&db, "key-1", T0 + 90_000, T0 + 30_001)
            .await
            .unwrap());
        let r = reply(Decision::Answer, "Hi!");
        let id = messages::save_bot_reply(&db, "c1", &r, Some("key-1"), T0 + 2)
            .await
            .unwrap();
        // A second reply to the same message is refused (unique reply_to)…
        assert!(
            messages::save_bot_reply(&db, "c1", &r, Some("key-1"), T0 + 3)
                .await
                .is_err()
        );
        // …and nothing can claim an answered message.
        assert!(!messages::claim(&db, "key-1", T0 + 200_000, T0 + 100_000)
            .await
            .unwrap());
        let replay = messages::replay(&db, "key-1").await.unwrap().unwrap();
        assert_eq!(replay.reply, Some((id, r)));
        assert!(messages::replay(&db, "other").await.unwrap().is_none());
        assert_eq!(count(&db, "messages"), 2);
    });
}

#[test]
fn agent_replies_are_read_after_an_id_in_pages() {
    let db = Sqlite::migrated();
    block_on(async {
        let m = visitor("c1", "a person please", None);
        messages::save_turn(&db, &m, &reply(Decision::Escalate, "Sure."), T0)
            .await
            .unwrap();
        let first = messages::save_agent_reply(&db, "c1", "Hi, Ada here", T0 + 5)
            .await
            .unwrap();
        let second = messages::save_agent_reply(&db, "c1", "Fixed it", T0 + 6)
            .await
            .unwrap();
        let all = messages::agent_replies(&db, "c1", 0).await.unwrap();
        assert_eq!(
            all.iter().map(|m| m.id).collect::<Vec<_>>(),
            [first, second]
        );
        assert!(all.iter().all(|m| m.role == Role::Agent));
        let after = messages::agent_replies(&db, "c1", first).await.unwrap();
        assert_eq!(after.len(), 1);
        assert_eq!(after[0].text, "Fixed it");
        let updated: i64 = db.with(|c| {
            c.query_row(
                "SELECT updated_at FROM conversations WHERE id = 'c1'",
                [],
                |r| r.get(0),
            )
            .unwrap()
        });
        assert_eq!(updated, T0 + 6);
    });
}

#[test]
fn a_ticket_is_stored_whole_with_its_deliveries_or_not_at_all() {
    let db = Sqlite::migrated();
    block_on(async {
        let t = ticket("FD-AAAA1111", "c1", T0);
        let also = vec![
            deliveries::insert("FD-AAAA1111", "webhook", T0),
            deliveries::insert("FD-AAAA1111", "slack", T0),
        ];
        stored::create(&db, &t, Some("hk-1"), also).await.unwrap();
        assert_eq!(count(&db, "deliveries"), 2);
        let keyed = stored::keyed(&db, "hk-1").await.unwrap().unwrap();
        assert_eq!(
            (keyed.reference.as_str(), keyed.site.as_str()),
            ("FD-AAAA1111", "shop")
        );
        // The same idempotency key again: the batch fails and writes
        // nothing, not even its conversation or deliveries.
        let again = ticket("FD-BBBB2222", "c2", T0 + 1);
        let also = vec![deliveries::insert("FD-BBBB2222", "webhook", T0 + 1)];
        assert!(stored::create(&db, &again, Some("hk-1"), also)
            .await
            .is_err());
        assert_eq!(count(&db, "tickets"), 1);
        assert_eq!(count(&db, "deliveries"), 2);
        assert!(conversations::owner(&db, "c2").await.unwrap().is_none());
        // A delivery row for a ticket that is not there is never written.
        db.run(deliveries::insert("FD-NONE0000", "webhook", T0))
            .await
            .unwrap();
        assert_eq!(count(&db, "deliveries"), 2);

        let got = stored::get(&db, "FD-AAAA1111").await.unwrap().unwrap();
        assert_eq!(got.status, "open");
        assert_eq!(got.document["reference"], "FD-AAAA1111");
        assert!(stored::get(&db, "FD-NONE0000").await.unwrap().is_none());
    });
}

#[test]
fn the_ticket_list_filters_and_shows_dead_deliveries() {
    let db = Sqlite::migrated();
    block_on(async {
        for (i, reference) in ["FD-AAAA1111", "FD-BBBB2222"].iter().enumerate() {
            let t = ticket(reference, &format!("c{i}"), T0 + i as i64);
            let also = vec![deliveries::insert(reference, "webhook", T0)];
            stored::create(&db, &t, None, also).await.unwrap();
        }
        // A conversation from before sites ('') belongs to the default site.
        db.with(|c| c.execute("UPDATE conversations SET site = '' WHERE id = 'c0'", []))
            .unwrap();
        deliveries::record(
            &db,
            "FD-BBBB2222",
            "webhook",
            "dead",
            5,
            Some("HTTP 500"),
            T0 + 9,
        )
        .await
        .unwrap();
        let all = stored::list(&db, &stored::Filter::default()).await.unwrap();
        assert_eq!(
            all.iter().map(|t| t.reference.as_str()).collect::<Vec<_>>(),
            ["FD-BBBB2222", "FD-AAAA1111"],
            "newest first"
        );
        assert_eq!(all[0].dead_deliveries, ["webhook"]);
        assert!(all[1].dead_deliveries.is_empty());
        let shop = |default| stored::Filter {
            site: Some("shop".into()),
            site_is_default: default,
            ..stored::Filter::default()
        };
        assert_eq!(stored::list(&db, &shop(false)).await.unwrap().len(), 1);
        assert_eq!(stored::list(&db, &shop(true)).await.unwrap().len(), 2);
        assert!(stored::close(&db, "FD-AAAA1111").await.unwrap());
        assert!(!stored::close(&db, "FD-NONE0000").await.unwrap());
        let open = stored::Filter {
            status: Some("open".into()),
            ..stored::Filter::default()
        };
        assert_eq!(stored::list(&db, &open).await.unwrap().len(), 1);
        let states = deliveries::of_ticket(&db, "FD-BBBB2222").await.unwrap();
        assert_eq!(states[0].status, "dead");
        assert_eq!(states[0].attempts, 5);
        assert_eq!(states[0].last_error.as_deref(), Some("HTTP 500"));
    });
}

#[test]
fn deliveries_are_attempted_recorded_and_found_stale() {
    let db = Sqlite::migrated();
    block_on(async {
        let t = ticket("FD-AAAA1111", "c1", T0);
        let also = vec![deliveries::insert("FD-AAAA1111", "webhook", T0)];
        stored::create(&db, &t, None, also).await.unwrap();
        let p = deliveries::get(&db, "FD-AAAA1111", "webhook")
            .await
            .unwrap()
            .unwrap();
        assert_eq!((p.status.as_str(), p.attempts), ("pending", 0.0));
        assert_eq!(p.webhook_id, "msg_FD-AAAA1111_webhook");
        assert!(p.document.unwrap().contains("FD-AAAA1111"));
        assert!(deliveries::get(&db, "FD-AAAA1111", "slack")
            .await
            .unwrap()
            .is_none());
        let stale = deliveries::stale(&db, T0 + 1).await.unwrap();
        assert_eq!(stale.len(), 1);
        deliveries::record(&db, "FD-AAAA1111", "webhook", "delivered", 1, None, T0 + 2)
            .await
            .unwrap();
        assert!(deliveries::stale(&db, T0 + 10).await.unwrap().is_empty());
    });
}

#[test]
fn a_model_summary_replaces_only_the_extractive_one() {
    let db = Sqlite::migrated();
    block_on(async {
        let t = ticket("FD-AAAA1111", "c1", T0);
        stored::create(&db, &t, None, Vec::new()).await.unwrap();
        let mut summary = t.summary.clone();
        summary.text = "Ada's invoice shows the wrong amount.".into();
        summary.method = "model".into();
        assert!(stored::set_model_summary(&db, "FD-AAAA1111", &summary)
            .await
            .unwrap());
        let got = stored::get(&db, "FD-AAAA1111").await.unwrap().unwrap();
        assert_eq!(got.document["summary"]["method"], "model");
        // Once replaced, never again; and no such ticket changes nothing.
        assert!(!stored::set_model_summary(&db, "FD-AAAA1111", &summary)
            .await
            .unwrap());
        assert!(!stored::set_model_summary(&db, "FD-NONE0000", &summary)
            .await
            .unwrap());
    });
}

#[test]
fn a_rating_is_for_a_bot_message_of_the_conversation_and_is_replaced() {
    let db = Sqlite::migrated();
    block_on(async {
        let m = visitor("c1", "refund?", None);
        let bot = messages::save_turn(&db, &m, &reply(Decision::Answer, "Yes."), T0)
            .await
            .unwrap();
        let agent = messages::save_agent_reply(&db, "c1", "hi", T0)
            .await
            .unwrap();
        let rate = |conversation: &str, message_id, rating| FeedbackInput {
            conversation_id: conversation.into(),
            message_id,
            rating,
        };
        let up = rate("c1", bot, Rating::Up);
        assert_eq!(
            feedback::rate(&db, &up, T0).await.unwrap(),
            Rated::Stored(Rating::Up)
        );
        let down = rate("c1", bot, Rating::Down);
        assert_eq!(
            feedback::rate(&db, &down, T0 + 1).await.unwrap(),
            Rated::Stored(Rating::Down)
        );
        assert_eq!(count(&db, "feedback"), 1);
        let on_agent = rate("c1", agent, Rating::Up);
        assert_eq!(
            feedback::rate(&db, &on_agent, T0).await.unwrap(),
            Rated::NoMessage
        );
        let elsewhere = rate("c2", bot, Rating::Up);
        assert_eq!(
            feedback::rate(&db, &elsewhere, T0).await.unwrap(),
            Rated::NoConversation
        );
        let view = conversations::view(&db, "c1").await.unwrap().unwrap();
        assert_eq!(view.messages[1].rating, Some(Rating::Down));
    });
}

#[test]
fn deleting_takes_a_conversation_with_everything_hanging_off_it() {
    let db = Sqlite::migrated();
    block_on(async {
        for (id, site, at) in [
            ("c1", "shop", T0),
            ("c2", "blog", T0),
            ("c3", "shop", T0 + 100),
        ] {
            let m = VisitorMessage {
                site,
                ..visitor(id, "hi", None)
            };
            let bot = messages::save_turn(&db, &m, &reply(Decision::Answer, "Hi."), at)
                .await
                .unwrap();
            let up = FeedbackInput {
                conversation_id: id.into(),
                message_id: bot,
                rating: Rating::Up,
            };
            feedback::rate(&db, &up, at).await.unwrap();
            let reference = format!("FD-{id}");
            let also = vec![deliveries::insert(&reference, "webhook", at)];
            stored::create(&db, &ticket(&reference, id, at), None, also)
                .await
                .unwrap();
        }
        assert_eq!(
            conversations::delete(&db, &Selection::One("c1"))
                .await
                .unwrap(),
            1
        );
        assert_eq!(
            conversations::delete(&db, &Selection::One("c1"))
                .await
                .unwrap(),
            0
        );
        // Two of each per conversation left, messages two each.
        for (table, left) in [
            ("conversations", 2),
            ("messages", 4),
            ("feedback", 2),
            ("tickets", 2),
            ("deliveries", 2),
        ] {
            assert_eq!(count(&db, table), left, "{table}");
        }
        // Inactive before T0 + 50: only c2 (blog), and only where asked.
        let shop = ["shop".to_owned()];
        let only_shop = Selection::Inactive {
            before: T0 + 50,
            sites: &shop,
            except: false,
        };
        assert_eq!(conversations::delete(&db, &only_shop).await.unwrap(), 0);
        let but_shop = Selection::Inactive {
            before: T0 + 50,
            sites: &shop,
            except: true,
        };
        assert_eq!(conversations::delete(&db, &but_shop).await.unwrap(), 1);
        let every = Selection::Inactive {
            before: T0 + 1_000,
            sites: &[],
            except: true,
        };
        assert_eq!(conversations::delete(&db, &every).await.unwrap(), 1);
        for table in [
            "conversations",
            "messages",
            "feedback",
            "tickets",
            "deliveries",
        ] {
            assert_eq!(count(&db, table), 0, "{table}");
        }
    });
}

#[test]
fn insights_read_a_periods_conversations_for_a_site() {
    let db = Sqlite::migrated();
    block_on(async {
        for (id, site, at) in [
            ("c1", "shop", T0),
            ("c2", "", T0 + 1),
            ("c3", "blog", T0 + 2),
        ] {
            let m = VisitorMessage {
                site,
                ..visitor(id, "where is my order", None)
            };
            messages::save_turn(&db, &m, &reply(Decision::Escalate, "A person?"), at)
                .await
                .unwrap();
        }
        stored::create(&db, &ticket("FD-AAAA1111", "c1", T0), None, Vec::new())
            .await
            .unwrap();
        let period = frontdesk_shared::insights::Period {
            from_ms: T0,
            to_ms: T0 + 2,
        };
        let (all, truncated) = insights::load(&db, &period, None).await.unwrap();
        assert!(!truncated);
        assert_eq!(
            all.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
            ["c2", "c1"],
            "newest first, inside the period"
        );
        assert_eq!(all[1].messages.len(), 2);
        assert_eq!(all[1].messages[1].reason, Some(EscalationReason::NoMatch));
        assert_eq!(all[1].tickets.len(), 1);
        // The default site also owns conversations from before sites ('').
        let (shop, _) = insights::load(&db, &period, Some(("shop", true)))
            .await
            .unwrap();
        assert_eq!(shop.len(), 2);
        let (shop, _) = insights::load(&db, &period, Some(("shop", false)))
            .await
            .unwrap();
        assert_eq!(shop.len(), 1);
    });
}

const RESET: &str = "---\ntitle: Reset\nurl: /help/reset\n---\nHow to reset.\n";

fn article(slug: &str, source: &str) -> frontdesk_shared::retrieval::kb::Article {
    frontdesk_shared::retrieval::kb::parse_article(slug, source).unwrap()
}

#[test]
fn a_content_version_lands_whole_and_only_for_the_last_writer() {
    use super::content::{self, Staged, Write};
    let db = Sqlite::migrated();
    block_on(async {
        assert_eq!(content::version(&db).await.unwrap(), 0);
        assert!(content::live_segments(&db).await.unwrap().is_none());
        let reset = article("reset", RESET);
        let src = RESET;
        let writes = [
            Write {
                slug: "reset",
                source: Some((src, &reset)),
                updated: T0,
                segment: 1,
            },
            Write {
                slug: "old-faq",
                source: None,
                updated: T0,
                segment: 0,
            },
        ];
        let staged = [Staged {
            segment: 1,
            bytes: 1234,
        }];
        let landed = content::commit(&db, "w1", 0, &staged, &[], &writes, &[], T0)
            .await
            .unwrap();
        assert_eq!(landed, Some(1));
        let (version, segments) = content::live_segments(&db).await.unwrap().unwrap();
        assert_eq!(version, 1);
        assert_eq!(
            (
                segments[0].segment,
                segments[0].writer.as_str(),
                segments[0].bytes
            ),
            (1, "w1", 1234)
        );
        let catalog = content::catalog(&db).await.unwrap();
        assert_eq!(catalog.version, 1);
        let slugs: Vec<(&str, i64)> = catalog
            .entries
            .iter()
            .map(|e| (e.slug.as_str(), e.deleted))
            .collect();
        assert_eq!(slugs, [("old-faq", 1), ("reset", 0)]);
        assert_eq!(
            content::override_source(&db, "reset").await.unwrap(),
            Some(Some(src.to_owned()))
        );
        assert_eq!(
            content::override_source(&db, "old-faq").await.unwrap(),
            Some(None)
        );
        assert_eq!(content::override_source(&db, "nope").await.unwrap(), None);
        let mut segments = content::article_segments(&db).await.unwrap();
        segments.sort_unstable();
        assert_eq!(segments, [0, 1]);
        let rows = content::segment_articles(&db, 1).await.unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].slug, "reset");

        // Two updates read version 1; the first to land wins, the other
        // changes nothing at all.
        let won = content::commit(&db, "w2", 1, &[], &[1], &[], &["reset"], T0 + 1)
            .await
            .unwrap();
        assert_eq!(won, Some(2));
        let lost = content::commit(&db, "w3", 1, &staged, &[], &writes, &[], T0 + 2)
            .await
            .unwrap();
        assert_eq!(lost, None);
        let catalog = content::catalog(&db).await.unwrap();
        assert_eq!(catalog.version, 2);
        assert!(catalog.segments.is_empty(), "w2 emptied segment 1");
        assert_eq!(
            catalog.entries.len(),
            1,
            "w2 removed reset; w3 wrote nothing"
        );
    });
}

#[test]
fn passage_vectors_are_read_in_chunks_by_model() {
    use super::vectors;
    let db = Sqlite::migrated();
    block_on(async {
        let rows: Vec<(String, String)> = (0..200)
            .map(|i| (format!("h{i:03}"), format!("v{i}")))
            .collect();
        vectors::put(&db, "m1", &rows).await.unwrap();
        vectors::put(&db, "m2", &rows[..1]).await.unwrap();
        let mut wanted: Vec<&str> = rows.iter().map(|(h, _)| h.as_str()).collect();
        wanted.push("h000"); // asked twice, read once
        wanted.push("missing");
        let got = vectors::get(&db, "m1", &wanted).await.unwrap();
        assert_eq!(got.len(), 200);
        assert!(got.iter().any(|r| r.hash == "h199" && r.vector == "v199"));
        assert_eq!(vectors::get(&db, "m2", &wanted).await.unwrap().len(), 1);
        // Replaced, not doubled.
        vectors::put(&db, "m1", &[("h000".into(), "new".into())])
            .await
            .unwrap();
        let again = vectors::get(&db, "m1", &["h000"]).await.unwrap();
        assert_eq!(
            again,
            [vectors::Row {
                hash: "h000".into(),
                vector: "new".into()
            }]
        );
    });
}

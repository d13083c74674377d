//! Conversations, messages, ratings, deletion and the insights read.

use super::*;

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
        db.with(|c| {
            c.execute_batch(
                "INSERT INTO action_attempts (id, conversation_id, site, action, progress, status, \
                 created_at, updated_at) VALUES \
                 ('act_1', 'c1', 'shop', 'order_status', '{\"action\":\"order_status\",\"values\":{}}', 'succeeded', 1, 1), \
                 ('act_2', 'c1', 'shop', 'cancel_order', '{\"action\":\"cancel_order\",\"values\":{}}', 'unknown', 2, 2)",
            )
            .unwrap();
        });
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
        let tried: Vec<(&str, &str)> = all[1]
            .actions
            .iter()
            .map(|a| (a.action.as_str(), a.status.as_str()))
            .collect();
        assert_eq!(
            tried,
            [("order_status", "succeeded"), ("cancel_order", "unknown")]
        );
        assert!(all[0].actions.is_empty());
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

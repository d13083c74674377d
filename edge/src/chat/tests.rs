//! The chat turn natively: SQLite with the real migrations, the bundled
//! help centre's index, a clock the test moves, and limits counted in
//! memory.

use frontdesk_api::error::ErrorCode;
use frontdesk_api::validate::ChatInput;
use frontdesk_api::wire::{ChatRequest, Decision, Reply};

use super::{begin, finish, Begun, Pending, Replied};
use crate::db::sqlite::block_on;
use crate::ports::world::{conversation, site, World};
use crate::ports::Ports;
use crate::AppError;

fn input(message: &str, conversation: Option<&str>, key: Option<&str>) -> ChatInput {
    ChatInput::try_from(ChatRequest {
        conversation_id: conversation.map(str::to_owned),
        message: message.into(),
        page_url: None,
        locale: None,
        idempotency_key: key.map(str::to_owned),
        identity: None,
    })
    .unwrap()
}

fn replied(begun: Result<Begun, AppError>) -> Replied {
    match begun {
        Ok(Begun::Replied(r)) => r,
        other => panic!("expected a reply, got {other:?}"),
    }
}

fn pending(begun: Result<Begun, AppError>) -> Pending {
    match begun {
        Ok(Begun::Generate(p)) => p,
        other => panic!("expected a model turn, got {other:?}"),
    }
}

fn code(result: Result<impl std::fmt::Debug, AppError>) -> ErrorCode {
    match result {
        Err(AppError::Client(e)) => e.code,
        other => panic!("expected a client error, got {other:?}"),
    }
}

const QUESTION: &str = "how do i reset my password";
const KEY: &str = "0f5a7a52-5a1e-4c57-9b7a-1d2c3e4f5a6b";

#[test]
fn a_question_is_answered_and_stored_with_its_reply_before_it_is_acknowledged() {
    let w = World::new();
    block_on(async {
        let r = replied(
            begin(
                &w,
                site("demo"),
                &input(QUESTION, None, None),
                None,
                false,
                None,
            )
            .await,
        );
        assert_eq!(r.conversation_id, conversation(1));
        assert_eq!(r.reply.decision, Decision::Answer);
        assert_eq!(r.reply.sources[0].url, "/help/reset-password");
        assert_eq!(w.count("SELECT COUNT(*) FROM messages"), 2);
        let id: i64 = w.db.with(|c| {
            c.query_row("SELECT id FROM messages WHERE role = 'bot'", [], |r| {
                r.get(0)
            })
            .unwrap()
        });
        assert_eq!(r.message_id, id);
        // A new conversation is counted by address and site only.
        assert_eq!(w.admitted.borrow()[0].0.visitor, None);
        // The next turn continues it, counted for the visitor too.
        let next = input("thanks!", Some(&r.conversation_id), None);
        let r2 = replied(begin(&w, site("demo"), &next, Some("ip".into()), false, None).await);
        assert_eq!(r2.conversation_id, r.conversation_id);
        assert_eq!(r2.reply.decision, Decision::SmallTalk);
        let second = &w.admitted.borrow()[1].0;
        assert_eq!(second.visitor, Some(conversation(1)));
        assert_eq!(second.ip.as_deref(), Some("ip"));
        assert_eq!(w.count("SELECT COUNT(*) FROM messages"), 4);
    });
}

#[test]
fn a_repeated_message_gets_its_stored_reply_once_and_still_counts() {
    let w = World::new();
    block_on(async {
        let first = input(QUESTION, None, Some(KEY));
        let a = replied(begin(&w, site("demo"), &first, None, false, None).await);
        let b = replied(begin(&w, site("demo"), &first, None, false, None).await);
        assert_eq!(a, b);
        assert_eq!(
            w.admitted.borrow().len(),
            2,
            "a repeat counts toward the limits"
        );
        assert_eq!(w.count("SELECT COUNT(*) FROM messages"), 2, "stored once");
    });
}

#[test]
fn another_sites_message_or_conversation_is_gone_and_nothing_is_stored() {
    let w = World::new();
    block_on(async {
        let r = replied(
            begin(
                &w,
                site("demo"),
                &input(QUESTION, None, Some(KEY)),
                None,
                false,
                None,
            )
            .await,
        );
        let same_key = input(QUESTION, None, Some(KEY));
        assert_eq!(
            code(begin(&w, site("shop"), &same_key, None, false, None).await),
            ErrorCode::ConversationNotFound
        );
        let same_conversation = input(QUESTION, Some(&r.conversation_id), None);
        assert_eq!(
            code(begin(&w, site("shop"), &same_conversation, None, false, None).await),
            ErrorCode::ConversationNotFound
        );
        assert_eq!(w.count("SELECT COUNT(*) FROM messages"), 2);
    });
}

#[test]
fn a_message_over_a_limit_is_refused_and_nothing_is_stored() {
    let w = World {
        limit: 0,
        ..World::new()
    };
    block_on(async {
        let refused = begin(
            &w,
            site("demo"),
            &input(QUESTION, None, Some(KEY)),
            None,
            false,
            None,
        )
        .await;
        assert!(matches!(
            refused,
            Err(AppError::RateLimited {
                retry_after_secs: 7
            })
        ));
        assert_eq!(w.count("SELECT COUNT(*) FROM messages"), 0);
        assert_eq!(w.count("SELECT COUNT(*) FROM conversations"), 0);
    });
}

#[test]
fn a_model_turn_stores_the_message_first_and_a_repeat_waits_for_its_reply() {
    let w = World::new();
    block_on(async {
        let msg = input(QUESTION, None, Some(KEY));
        let p = pending(begin(&w, site("demo"), &msg, None, true, None).await);
        assert_eq!(p.who.visitor, Some(conversation(1)));
        assert_eq!(
            w.count("SELECT COUNT(*) FROM messages WHERE role = 'visitor'"),
            1
        );
        assert_eq!(
            w.count("SELECT COUNT(*) FROM messages WHERE role = 'bot'"),
            0
        );
        // A repeat while the model writes: it waits ten seconds (the
        // test's clock), then 409 with Retry-After; no second message.
        let started = w.now();
        let waited = begin(&w, site("demo"), &msg, None, true, None).await;
        assert!(matches!(
            waited,
            Err(AppError::InProgress {
                retry_after_secs: 2
            })
        ));
        assert!(w.now() - started >= 9_000 && w.now() - started <= 10_000);
        let written = Reply {
            text: "Open Settings, then Reset [1].".into(),
            ..p.turn.reply.clone()
        };
        let done = finish(&w, site("demo"), p, written.clone()).await.unwrap();
        assert_eq!(done.reply, written);
        // Now a repeat gets the written reply, and nothing new is stored.
        let again = replied(begin(&w, site("demo"), &msg, None, true, None).await);
        assert_eq!(again, done);
        assert_eq!(w.count("SELECT COUNT(*) FROM messages"), 2);
    });
}

#[test]
fn a_lapsed_hold_is_taken_over_once_and_the_first_reply_stored_stands() {
    let w = World::new();
    block_on(async {
        let msg = input(QUESTION, None, Some(KEY));
        let first = pending(begin(&w, site("demo"), &msg, None, true, None).await);
        // The first request died (no reply for longer than the hold):
        // a repeat takes over the writing.
        w.now.set(w.now() + super::ANSWER_HOLD_MS + 1);
        let second = pending(begin(&w, site("demo"), &msg, None, true, None).await);
        assert_eq!(second.conversation_id, first.conversation_id);
        // …and a third, right after, waits instead of taking over too.
        assert!(matches!(
            begin(&w, site("demo"), &msg, None, true, None).await,
            Err(AppError::InProgress { .. })
        ));
        let by_second = Reply {
            text: "second".into(),
            ..second.turn.reply.clone()
        };
        let stored = finish(&w, site("demo"), second, by_second.clone())
            .await
            .unwrap();
        // The first one was alive after all: its reply loses to the stored one.
        let by_first = Reply {
            text: "first".into(),
            ..first.turn.reply.clone()
        };
        let answered = finish(&w, site("demo"), first, by_first).await.unwrap();
        assert_eq!(answered, stored);
        assert_eq!(answered.reply, by_second);
        assert_eq!(
            w.count("SELECT COUNT(*) FROM messages WHERE role = 'bot'"),
            1
        );
    });
}

#[test]
fn with_the_days_tokens_spent_the_engine_answers_and_says_so_in_the_log() {
    let w = World {
        tokens_left: false,
        ..World::new()
    };
    block_on(async {
        let r = replied(
            begin(
                &w,
                site("demo"),
                &input(QUESTION, None, None),
                None,
                true,
                None,
            )
            .await,
        );
        assert_eq!(r.reply.decision, Decision::Answer);
        assert_eq!(w.logs.borrow().len(), 1);
        assert_eq!(w.count("SELECT COUNT(*) FROM messages"), 2);
    });
}

#[test]
fn small_talk_and_requests_for_a_person_are_never_for_the_model() {
    let w = World::new();
    block_on(async {
        for message in ["hello", "I want to talk to a person"] {
            let r = replied(
                begin(
                    &w,
                    site("demo"),
                    &input(message, None, None),
                    None,
                    true,
                    None,
                )
                .await,
            );
            assert_ne!(r.reply.decision, Decision::Answer, "{message}");
        }
    });
}

/// Similarities per passage of the world's index as an embedding model
/// might give them: `slug`'s passages at `sim`, the others spread below.
fn near(w: &World, slug: &str, sim: f32) -> Vec<f32> {
    w.index
        .embedding_texts()
        .iter()
        .enumerate()
        .map(|(i, t)| {
            if t.slug == slug {
                sim
            } else {
                0.70 + 0.1 * ((i * 37 % 101) as f32 / 100.0)
            }
        })
        .collect()
}

#[test]
fn with_an_embedding_model_a_question_is_decided_once_with_its_view() {
    let mut w = World::new();
    w.similarities = Some(near(&w, "reset-password", 0.95));
    block_on(async {
        // Italian, which the help centre lacks: the words alone match
        // nothing; the model's view answers from the English article.
        let q = "Ho dimenticato la parola d'ordine";
        let r = replied(begin(&w, site("demo"), &input(q, None, None), None, false, None).await);
        assert_eq!(r.reply.decision, Decision::Answer, "{:?}", r.reply);
        assert_eq!(r.reply.sources[0].url, "/help/reset-password");
        assert_eq!((w.asked_similarities.get(), w.turns.get()), (1, 1));
        // Small talk or a request for a person rest on no search: the model
        // is not asked.
        for message in ["hi", "I want to talk to a human"] {
            begin(
                &w,
                site("demo"),
                &input(message, None, None),
                None,
                false,
                None,
            )
            .await
            .unwrap();
        }
        assert_eq!((w.asked_similarities.get(), w.turns.get()), (1, 3));
    });
}

#[test]
fn agents_watching_a_conversation_with_a_ticket_hear_of_each_turn_and_only_then() {
    use crate::ports::world::new_ticket;
    use frontdesk_api::wire::{LiveEvent, Role};
    let w = World::new();
    block_on(async {
        // No ticket: nobody to tell.
        let plain = replied(
            begin(
                &w,
                site("demo"),
                &input("hello", None, None),
                None,
                false,
                None,
            )
            .await,
        );
        let again = input("thanks", Some(&plain.conversation_id), None);
        replied(begin(&w, site("demo"), &again, None, false, None).await);
        assert!(w.broadcasts.borrow().is_empty());
        // With a ticket: each stored turn, after it is stored, built-in or
        // written by a model.
        let (ticket, _) = new_ticket(&w).await;
        w.broadcasts.borrow_mut().clear();
        let id = ticket.conversation_id;
        replied(
            begin(
                &w,
                site("demo"),
                &input("hello again", Some(&id), None),
                None,
                false,
                None,
            )
            .await,
        );
        let want = (id.clone(), LiveEvent::Changed, Some(Role::Agent));
        assert_eq!(*w.broadcasts.borrow(), std::slice::from_ref(&want));
        let p = pending(
            begin(
                &w,
                site("demo"),
                &input(QUESTION, Some(&id), None),
                None,
                true,
                None,
            )
            .await,
        );
        assert!(p.ticketed);
        assert_eq!(
            w.broadcasts.borrow().len(),
            1,
            "told before the reply is stored"
        );
        let reply = p.turn.reply.clone();
        finish(&w, site("demo"), p, reply).await.unwrap();
        assert_eq!(*w.broadcasts.borrow(), [want.clone(), want]);
    });
}

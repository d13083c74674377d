//! Rating natively (`ports::world`).

use frontdesk_api::error::ErrorCode;
use frontdesk_api::validate::{ChatInput, FeedbackInput};
use frontdesk_api::wire::{ChatRequest, Rating};
use frontdesk_shared::config::limits::Kind;

use super::rate;
use crate::chat::{self, Begun, Replied};
use crate::db::sqlite::block_on;
use crate::ports::world::{conversation, site, World};
use crate::AppError;

fn rating(conversation: &str, message_id: i64, rating: Rating) -> FeedbackInput {
    FeedbackInput {
        conversation_id: conversation.into(),
        message_id,
        rating,
    }
}

async fn answered(w: &World) -> Replied {
    let input = ChatInput::try_from(ChatRequest {
        conversation_id: None,
        message: "how do i reset my password".into(),
        page_url: None,
        locale: None,
        idempotency_key: None,
        identity: None,
    })
    .unwrap();
    match chat::begin(w, site("demo"), &input, None, false, None).await {
        Ok(Begun::Replied(r)) => r,
        other => panic!("{other:?}"),
    }
}

fn code<T: std::fmt::Debug>(result: Result<T, AppError>) -> ErrorCode {
    match result {
        Err(AppError::Client(e)) => e.code,
        other => panic!("expected a client error, got {other:?}"),
    }
}

#[test]
fn a_rating_is_stored_replaced_and_counted_for_the_visitor() {
    let w = World::new();
    block_on(async {
        let r = answered(&w).await;
        let up = rating(&r.conversation_id, r.message_id, Rating::Up);
        assert_eq!(rate(&w, site("demo"), &up, None).await.unwrap(), Rating::Up);
        let down = rating(&r.conversation_id, r.message_id, Rating::Down);
        assert_eq!(
            rate(&w, site("demo"), &down, None).await.unwrap(),
            Rating::Down
        );
        assert_eq!(w.count("SELECT COUNT(*) FROM feedback"), 1);
        let (who, kind) = w.admitted.borrow().last().cloned().unwrap();
        assert_eq!(
            (who.visitor, kind),
            (Some(r.conversation_id), Kind::Feedback)
        );
    });
}

#[test]
fn a_rating_of_no_bot_answer_or_another_sites_conversation_is_refused() {
    let w = World::new();
    block_on(async {
        let r = answered(&w).await;
        let visitor_message = rating(&r.conversation_id, r.message_id - 1, Rating::Up);
        assert_eq!(
            code(rate(&w, site("demo"), &visitor_message, None).await),
            ErrorCode::MessageNotFound
        );
        let elsewhere = rating(&r.conversation_id, r.message_id, Rating::Up);
        assert_eq!(
            code(rate(&w, site("shop"), &elsewhere, None).await),
            ErrorCode::ConversationNotFound
        );
        // A conversation that does not exist: counted against the address
        // and the site only.
        let missing = rating(&conversation(99), 1, Rating::Up);
        assert_eq!(
            code(rate(&w, site("demo"), &missing, Some("ip".into())).await),
            ErrorCode::ConversationNotFound
        );
        let (who, _) = w.admitted.borrow().last().cloned().unwrap();
        assert_eq!((who.visitor, who.ip.as_deref()), (None, Some("ip")));
        assert_eq!(w.count("SELECT COUNT(*) FROM feedback"), 0);
    });
}

#[test]
fn a_rating_over_the_limit_stores_nothing() {
    // One request allowed: the question; the rating is one too many.
    let w = World {
        limit: 1,
        ..World::new()
    };
    block_on(async {
        let r = answered(&w).await;
        let up = rating(&r.conversation_id, r.message_id, Rating::Up);
        assert!(matches!(
            rate(&w, site("demo"), &up, None).await,
            Err(AppError::RateLimited { .. })
        ));
        assert_eq!(w.count("SELECT COUNT(*) FROM feedback"), 0);
    });
}

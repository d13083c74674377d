//! `feedback`: the visitor's rating (up or down) of a bot message, one per
//! message, replaced when the visitor changes their mind.

use frontdesk_api::validate::FeedbackInput;
use frontdesk_api::wire::Rating;
use serde::Deserialize;

use super::conversations::{exists, found};
use super::messages::rating;
use super::{outcomes, stmt, Outcome, Sql};
use crate::AppError;

/// What became of a rating.
#[derive(Debug, PartialEq)]
pub(crate) enum Rated {
    /// Stored (new, or replacing the visitor's earlier rating): as read back.
    Stored(Rating),
    NoConversation,
    /// The conversation has no bot message with that id.
    NoMessage,
}

#[derive(Deserialize)]
struct RatingRow {
    rating: String,
}

/// Stores the visitor's rating of a bot message of their conversation,
/// replacing an earlier one, in one batch: the insert only happens when the
/// message is a bot message of that conversation, and the same batch reads
/// back what is stored and whether the conversation exists.
pub(crate) async fn rate(db: &impl Sql, f: &FeedbackInput, now: i64) -> Result<Rated, AppError> {
    let conversation = f.conversation_id.as_str();
    let results = db
        .batch(vec![
            exists(conversation),
            // The `WHERE` is also what lets SQLite read `ON CONFLICT` as an
            // upsert after a SELECT.
            stmt!(
                "INSERT INTO feedback (message_id, conversation_id, rating, created_at, updated_at) \
                 SELECT id, conversation_id, ?3, ?4, ?4 FROM messages \
                 WHERE id = ?2 AND conversation_id = ?1 AND role = 'bot' \
                 ON CONFLICT(message_id) DO UPDATE SET rating = excluded.rating, \
                 updated_at = excluded.updated_at",
                conversation,
                f.message_id,
                f.rating.as_str(),
                now
            ),
            stmt!(
                "SELECT rating FROM feedback WHERE message_id = ?2 AND conversation_id = ?1",
                conversation,
                f.message_id
            ),
        ])
        .await?;
    let [conversation, _, stored] = outcomes(results)?;
    if !found(&conversation)? {
        return Ok(Rated::NoConversation);
    }
    match stored.first::<RatingRow>()? {
        Some(row) => Ok(Rated::Stored(
            rating(Some(&row.rating))?.ok_or_else(|| AppError::Internal("no rating".into()))?,
        )),
        None => Ok(Rated::NoMessage),
    }
}

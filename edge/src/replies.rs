//! Waiting for agent replies (long polling) as a use case over [`Ports`]:
//! limited first (a read, and the `wait` in poll-seconds), then the store
//! looked at after 0.5 s and half as long again each time up to every 2 s
//! (`next_poll_ms`: at most 16 looks in 25 s) until a reply is there or
//! the time is up; the seconds a reply cut short are given back.

use frontdesk_api::error::{ApiError, ErrorCode};
use frontdesk_api::wire::ConversationMessage;
use frontdesk_shared::config::limits::{next_poll_ms, Kind};

use crate::db;
use crate::limits::Who;
use crate::ports::Ports;
use crate::AppError;

/// The agent messages of conversation `id` after message `after`, waiting
/// up to `wait` seconds for one. `exists`: whether the conversation does
/// (one that does not is limited like any, then reported missing).
pub(crate) async fn wait(
    ports: &impl Ports,
    id: &str,
    exists: bool,
    who: &Who,
    after: i64,
    wait: u64,
) -> Result<Vec<ConversationMessage>, AppError> {
    ports
        .admit_all(who, &[(Kind::Reads, 1), (Kind::Polls, wait)])
        .await?;
    if !exists {
        return Err(ApiError::field(
            ErrorCode::ConversationNotFound,
            "conversation_id",
            "This conversation does not exist (it may have been deleted). Start a new one.",
        )
        .into());
    }
    let start = ports.now();
    let deadline = start + (wait * 1000) as i64;
    let mut pause = 0;
    let messages = loop {
        let found = db::messages::agent_replies(ports.db(), id, after).await?;
        let left = deadline - ports.now();
        if !found.is_empty() || left <= 0 {
            break found;
        }
        pause = next_poll_ms(pause);
        ports.sleep((pause as i64).min(left)).await;
    };
    if let Some(last) = messages.last().filter(|_| wait > 0) {
        // Shown in the widget, which waits: not to be e-mailed. (The
        // loader's unread check on a new page asks without waiting: a
        // badge is not the reply.)
        if let Err(e) = db::emails::delivered(ports.db(), id, last.id, ports.now()).await {
            ports.log(&format!("marking replies delivered: {e:?}"));
        }
    }
    let held = (ports.now() - start).max(0) as u64;
    ports
        .refund(who, Kind::Polls, wait.saturating_sub(held.div_ceil(1000)))
        .await;
    Ok(messages)
}

#[cfg(test)]
mod tests;

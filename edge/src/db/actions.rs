//! `action_attempts`: each attempt the bot makes to look something up or
//! change something through a site's API ([`frontdesk_shared::actions`]).
//! A conversation has at most one open attempt (`open`, `confirming` or
//! `running`: a partial unique index); a confirmation runs one only by
//! moving it from `confirming` to `running` ([`run`]), so a second press
//! or a replayed token changes nothing.

use frontdesk_shared::actions::Progress;
use serde::Deserialize;

use super::conversations::touch;
use super::{stmt, Sql};
use crate::AppError;

/// One stored attempt.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Attempt {
    pub id: String,
    pub conversation: String,
    pub site: String,
    pub action: String,
    pub user: Option<String>,
    pub progress: Progress,
    pub status: String,
}

#[derive(Deserialize)]
struct Row {
    id: String,
    conversation_id: String,
    site: String,
    action: String,
    user_id: Option<String>,
    progress: String,
    status: String,
}

impl TryFrom<Row> for Attempt {
    type Error = AppError;
    fn try_from(r: Row) -> Result<Attempt, AppError> {
        Ok(Attempt {
            progress: serde_json::from_str(&r.progress)
                .map_err(|e| AppError::Internal(format!("attempt {}: {e}", r.id)))?,
            id: r.id,
            conversation: r.conversation_id,
            site: r.site,
            action: r.action,
            user: r.user_id,
            status: r.status,
        })
    }
}

const COLUMNS: &str = "id, conversation_id, site, action, user_id, progress, status";

/// The conversation's open attempt (asking for values or waiting for the
/// Confirm button), if any.
pub(crate) async fn open(db: &impl Sql, conversation: &str) -> Result<Option<Attempt>, AppError> {
    let row: Option<Row> = db
        .first(stmt!(
            format!(
                "SELECT {COLUMNS} FROM action_attempts WHERE conversation_id = ?1 \
                 AND status IN ('open', 'confirming')"
            ),
            conversation
        ))
        .await?;
    row.map(Attempt::try_from).transpose()
}

/// Attempt `id`.
pub(crate) async fn get(db: &impl Sql, id: &str) -> Result<Option<Attempt>, AppError> {
    let row: Option<Row> = db
        .first(stmt!(
            format!("SELECT {COLUMNS} FROM action_attempts WHERE id = ?1"),
            id
        ))
        .await?;
    row.map(Attempt::try_from).transpose()
}

fn json(progress: &Progress) -> Result<String, AppError> {
    serde_json::to_string(progress).map_err(|e| AppError::Internal(e.to_string()))
}

/// Stores attempt `a` as it now is (new, or its progress and status
/// changed), with its conversation (a first message starts one). A new
/// attempt ends any other open one of the conversation first (`dropped`).
pub(crate) async fn save(
    db: &impl Sql,
    a: &Attempt,
    page_url: Option<&str>,
    now: i64,
) -> Result<(), AppError> {
    db.batch(vec![
        touch(&a.conversation, &a.site, page_url, now),
        stmt!(
            "UPDATE action_attempts SET status = 'dropped', updated_at = ?3 \
             WHERE conversation_id = ?1 AND id <> ?2 AND status IN ('open', 'confirming')",
            &a.conversation,
            &a.id,
            now
        ),
        stmt!(
            "INSERT INTO action_attempts (id, conversation_id, site, action, user_id, progress, \
             status, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8) \
             ON CONFLICT(id) DO UPDATE SET progress = excluded.progress, \
             status = excluded.status, updated_at = excluded.updated_at",
            &a.id,
            &a.conversation,
            &a.site,
            &a.action,
            a.user.as_deref(),
            json(&a.progress)?,
            &a.status,
            now
        ),
    ])
    .await?;
    Ok(())
}

/// Ends the conversation's open attempt, if any, as `status`.
pub(crate) async fn close(
    db: &impl Sql,
    conversation: &str,
    status: &str,
    now: i64,
) -> Result<(), AppError> {
    db.run(stmt!(
        "UPDATE action_attempts SET status = ?2, updated_at = ?3 \
         WHERE conversation_id = ?1 AND status IN ('open', 'confirming')",
        conversation,
        status,
        now
    ))
    .await?;
    Ok(())
}

/// Moves attempt `id` from `confirming` to `status` (`running` to run it,
/// `cancelled`): `false` when it is not waiting for a confirmation (any
/// more). Of two presses at once, one gets `true`.
pub(crate) async fn take(
    db: &impl Sql,
    id: &str,
    status: &str,
    now: i64,
) -> Result<bool, AppError> {
    db.changed(stmt!(
        "UPDATE action_attempts SET status = ?2, updated_at = ?3 \
         WHERE id = ?1 AND status = 'confirming'",
        id,
        status,
        now
    ))
    .await
}

/// Records how attempt `id` ended.
pub(crate) async fn finish(
    db: &impl Sql,
    id: &str,
    status: &str,
    http_status: Option<u16>,
    latency_ms: Option<i64>,
    now: i64,
) -> Result<(), AppError> {
    db.run(stmt!(
        "UPDATE action_attempts SET status = ?2, http_status = ?3, latency_ms = ?4, \
         updated_at = ?5 WHERE id = ?1",
        id,
        status,
        http_status.map(i64::from),
        latency_ms,
        now
    ))
    .await?;
    Ok(())
}

/// The actions tried in a conversation, oldest first (at most 20: the
/// most recent), for its ticket.
pub(crate) async fn tried(
    db: &impl Sql,
    conversation: &str,
) -> Result<Vec<frontdesk_shared::tickets::ActionTried>, AppError> {
    #[derive(Deserialize)]
    struct Tried {
        action: String,
        progress: String,
        status: String,
        updated_at: i64,
    }
    let rows: Vec<Tried> = db
        .all(stmt!(
            "SELECT action, progress, status, updated_at FROM (SELECT * FROM action_attempts \
             WHERE conversation_id = ?1 ORDER BY created_at DESC, id DESC LIMIT 20) \
             ORDER BY created_at, id",
            conversation
        ))
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| frontdesk_shared::tickets::ActionTried {
            action: r.action,
            values: serde_json::from_str::<Progress>(&r.progress)
                .map(|p| p.values)
                .unwrap_or_default(),
            status: r.status,
            at: r.updated_at,
        })
        .collect())
}

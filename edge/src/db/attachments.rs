//! `attachments` (`migrations/0022_attachments.sql`): what a conversation's
//! files are; their bytes are in R2 (`attachments.rs`).

use frontdesk_api::wire::Role;
use serde::Deserialize;

use super::conversations::{mark_active, Selection};
use super::{stmt, Sql};
use crate::AppError;

/// One stored file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub(crate) struct Row {
    pub id: String,
    pub conversation_id: String,
    pub message_id: Option<i64>,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub created_at: i64,
}

#[derive(Deserialize)]
struct RawRow {
    id: String,
    conversation_id: String,
    message_id: Option<f64>,
    name: String,
    content_type: String,
    size: f64,
    created_at: f64,
}

impl From<RawRow> for Row {
    fn from(r: RawRow) -> Row {
        Row {
            id: r.id,
            conversation_id: r.conversation_id,
            message_id: r.message_id.map(|m| m as i64),
            name: r.name,
            content_type: r.content_type,
            size: r.size as i64,
            created_at: r.created_at as i64,
        }
    }
}

const COLUMNS: &str = "id, conversation_id, message_id, name, content_type, size, created_at";

/// How many files conversation `id` has.
pub(crate) async fn count(db: &impl Sql, id: &str) -> Result<usize, AppError> {
    #[derive(Deserialize)]
    struct N {
        n: f64,
    }
    Ok(db
        .first::<N>(stmt!(
            "SELECT COUNT(*) AS n FROM attachments WHERE conversation_id = ?1",
            id
        ))
        .await?
        .map_or(0, |r| r.n as usize))
}

/// A new file's row and the message of `role` (visitor or agent) that shows
/// it (`text`), in one batch; the message's id.
pub(crate) async fn insert(
    db: &impl Sql,
    row: &Row,
    role: Role,
    text: &str,
) -> Result<i64, AppError> {
    let results = db
        .batch(vec![
            stmt!(
                "INSERT INTO messages (conversation_id, role, body, created_at) \
                 VALUES (?1, ?4, ?2, ?3)",
                &row.conversation_id,
                text,
                row.created_at,
                role.as_str()
            ),
            stmt!(
                format!(
                    "INSERT INTO attachments ({COLUMNS}) VALUES (?1, ?2, \
                     (SELECT MAX(id) FROM messages WHERE conversation_id = ?2), ?3, ?4, ?5, ?6)"
                ),
                &row.id,
                &row.conversation_id,
                &row.name,
                &row.content_type,
                row.size,
                row.created_at
            ),
            mark_active(&row.conversation_id, row.created_at),
            stmt!(
                "SELECT message_id AS id FROM attachments WHERE id = ?1",
                &row.id
            ),
        ])
        .await?;
    #[derive(Deserialize)]
    struct Id {
        id: f64,
    }
    results
        .last()
        .map(super::Outcome::first::<Id>)
        .transpose()?
        .flatten()
        .map(|r| r.id as i64)
        .ok_or_else(|| AppError::Internal("attachment not found after insert".into()))
}

/// File `id`, if there is one.
pub(crate) async fn get(db: &impl Sql, id: &str) -> Result<Option<Row>, AppError> {
    Ok(db
        .first::<RawRow>(stmt!(
            format!("SELECT {COLUMNS} FROM attachments WHERE id = ?1"),
            id
        ))
        .await?
        .map(Row::from))
}

/// Conversation `id`'s files, oldest first.
pub(crate) async fn of(db: &impl Sql, id: &str) -> Result<Vec<Row>, AppError> {
    Ok(db
        .all::<RawRow>(stmt!(
            format!(
                "SELECT {COLUMNS} FROM attachments WHERE conversation_id = ?1 \
                 ORDER BY created_at, id"
            ),
            id
        ))
        .await?
        .into_iter()
        .map(Row::from)
        .collect())
}

/// The R2 keys of the files of the conversations `which` selects.
pub(crate) async fn keys(db: &impl Sql, which: &Selection<'_>) -> Result<Vec<String>, AppError> {
    #[derive(Deserialize)]
    struct Key {
        conversation_id: String,
        id: String,
    }
    let (ids, params) = which.query();
    let rows = db
        .all::<Key>(super::Stmt::new(
            format!("SELECT conversation_id, id FROM attachments WHERE conversation_id IN ({ids})"),
            params,
        ))
        .await?;
    Ok(rows
        .into_iter()
        .map(|k| key(&k.conversation_id, &k.id))
        .collect())
}

/// Where file `id` of conversation `conversation` is in R2.
pub(crate) fn key(conversation: &str, id: &str) -> String {
    format!("attachments/{conversation}/{id}")
}

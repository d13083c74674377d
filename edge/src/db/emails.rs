//! Replies by e-mail (`migrations/0021_email.sql`): a conversation's e-mail
//! thread (reply token, address, language, unsubscribed), the agent replies
//! still owed to a visitor, and the marks that say a reply was shown in the
//! widget or e-mailed.

use serde::Deserialize;

use super::{stmt, Sql};
use crate::AppError;

/// A conversation's e-mail thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Thread {
    pub conversation_id: String,
    pub token: String,
    /// The visitor's address, from their ticket.
    pub email: String,
    /// Their language's code (`de`), from their ticket.
    pub lang: String,
    pub unsubscribed: bool,
}

#[derive(Deserialize)]
struct ThreadRow {
    conversation_id: String,
    token: String,
    email: String,
    lang: String,
    unsubscribed_at: Option<f64>,
}

impl From<ThreadRow> for Thread {
    fn from(r: ThreadRow) -> Thread {
        Thread {
            conversation_id: r.conversation_id,
            token: r.token,
            email: r.email,
            lang: r.lang,
            unsubscribed: r.unsubscribed_at.is_some(),
        }
    }
}

const THREAD_COLUMNS: &str = "conversation_id, token, email, lang, unsubscribed_at";

/// The thread of conversation `id`, if it has one.
pub(crate) async fn thread(db: &impl Sql, id: &str) -> Result<Option<Thread>, AppError> {
    Ok(db
        .first::<ThreadRow>(stmt!(
            format!("SELECT {THREAD_COLUMNS} FROM email_threads WHERE conversation_id = ?1"),
            id
        ))
        .await?
        .map(Thread::from))
}

/// The thread whose reply token is `token`.
pub(crate) async fn by_token(db: &impl Sql, token: &str) -> Result<Option<Thread>, AppError> {
    Ok(db
        .first::<ThreadRow>(stmt!(
            format!("SELECT {THREAD_COLUMNS} FROM email_threads WHERE token = ?1"),
            token
        ))
        .await?
        .map(Thread::from))
}

/// The thread of conversation `id`: the one it has, else a new one with
/// `token` (two writers racing keep the first).
pub(crate) async fn open(
    db: &impl Sql,
    id: &str,
    token: &str,
    email: &str,
    lang: &str,
    now: i64,
) -> Result<Thread, AppError> {
    let results = db
        .batch(vec![
            stmt!(
                "INSERT INTO email_threads (conversation_id, token, email, lang, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (conversation_id) DO NOTHING",
                id,
                token,
                email,
                lang,
                now
            ),
            stmt!(
                format!("SELECT {THREAD_COLUMNS} FROM email_threads WHERE conversation_id = ?1"),
                id
            ),
        ])
        .await?;
    results
        .last()
        .map(super::Outcome::first::<ThreadRow>)
        .transpose()?
        .flatten()
        .map(Thread::from)
        .ok_or_else(|| AppError::Internal("e-mail thread not found after insert".into()))
}

/// Stops e-mails to the thread with `token`; false when there is none.
/// Unsubscribing twice keeps the first time.
pub(crate) async fn unsubscribe(db: &impl Sql, token: &str, now: i64) -> Result<bool, AppError> {
    let thread = by_token(db, token).await?;
    if thread.is_none() {
        return Ok(false);
    }
    db.run(stmt!(
        "UPDATE email_threads SET unsubscribed_at = ?2 \
         WHERE token = ?1 AND unsubscribed_at IS NULL",
        token,
        now
    ))
    .await?;
    Ok(true)
}

/// Who an e-mail about conversation `id` would go to: the address and
/// language on its newest ticket, the conversation's site and the page it
/// was on.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub(crate) struct Recipient {
    pub email: String,
    pub lang: Option<String>,
    pub site: String,
    pub page_url: Option<String>,
}

/// The [`Recipient`] of conversation `id`; `None` without a ticket.
pub(crate) async fn recipient(db: &impl Sql, id: &str) -> Result<Option<Recipient>, AppError> {
    db.first::<Recipient>(stmt!(
        "SELECT t.email AS email, t.language AS lang, c.site AS site, c.page_url AS page_url \
         FROM tickets t JOIN conversations c ON c.id = t.conversation_id \
         WHERE t.conversation_id = ?1 ORDER BY t.id DESC LIMIT 1",
        id
    ))
    .await
}

/// An agent reply the visitor has not had yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Owed {
    pub id: i64,
    pub text: String,
    /// An agent's file (`📎 name`): its id.
    pub attachment: Option<String>,
}

#[derive(Deserialize)]
struct OwedRow {
    id: f64,
    body: String,
    attachment: Option<String>,
}

/// The most agent replies one e-mail carries.
const MAX_OWED: usize = 20;

/// The agent replies of conversation `id` neither shown in the widget nor
/// e-mailed, oldest first.
pub(crate) async fn owed(db: &impl Sql, id: &str) -> Result<Vec<Owed>, AppError> {
    Ok(db
        .all::<OwedRow>(stmt!(
            "SELECT m.id AS id, m.body AS body, a.id AS attachment FROM messages m \
             LEFT JOIN attachments a ON a.conversation_id = m.conversation_id \
             AND a.message_id = m.id WHERE m.conversation_id = ?1 AND m.role = 'agent' \
             AND m.delivered_at IS NULL AND m.emailed_at IS NULL ORDER BY m.id LIMIT ?2",
            id,
            MAX_OWED
        ))
        .await?
        .into_iter()
        .map(|r| Owed {
            id: r.id as i64,
            text: r.body,
            attachment: r.attachment,
        })
        .collect())
}

/// Marks the agent replies of conversation `id` up to message `upto` as
/// shown in the widget (those marked already keep their time).
pub(crate) async fn delivered(
    db: &impl Sql,
    id: &str,
    upto: i64,
    now: i64,
) -> Result<(), AppError> {
    db.run(stmt!(
        "UPDATE messages SET delivered_at = ?3 WHERE conversation_id = ?1 AND role = 'agent' \
         AND id <= ?2 AND delivered_at IS NULL",
        id,
        upto,
        now
    ))
    .await?;
    Ok(())
}

/// Marks the agent replies of conversation `id` from `from` to `upto` as
/// e-mailed.
pub(crate) async fn emailed(
    db: &impl Sql,
    id: &str,
    from: i64,
    upto: i64,
    now: i64,
) -> Result<(), AppError> {
    db.run(stmt!(
        "UPDATE messages SET emailed_at = ?4 WHERE conversation_id = ?1 AND role = 'agent' \
         AND id BETWEEN ?2 AND ?3 AND emailed_at IS NULL",
        id,
        from,
        upto,
        now
    ))
    .await?;
    Ok(())
}

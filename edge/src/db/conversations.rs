//! `conversations`: one row per conversation (its site, page, when it
//! started and was last active), and reads across a conversation's rows.

use frontdesk_api::wire::{ConversationView, Decision, VisitorTicket};
use serde::Deserialize;

use super::messages::{view_message, ViewRow, VIEW_COLUMNS, VIEW_FROM};
use super::{outcomes, stmt, Outcome, Sql, Stmt, Value};
use crate::AppError;

#[derive(Deserialize)]
struct HistoryRow {
    site: String,
    started: f64,
    ticketed: f64,
    role: Option<String>,
    body: Option<String>,
    decision: Option<String>,
}

/// What the engine needs to know about a conversation before a turn.
#[derive(Debug, PartialEq)]
pub(crate) struct History {
    /// The key of the conversation's site (`""`: from before sites).
    pub site: String,
    /// The visitor's most recent messages, oldest first.
    pub visitor: Vec<String>,
    /// Bot turns in a row, newest back, that neither answered nor were small talk.
    pub unhelpful_streak: u32,
    /// When the conversation started (ms); `None` for a new one.
    pub started: Option<i64>,
    /// It has a ticket: agents may be watching it live.
    pub ticketed: bool,
}

/// Recent history of a conversation (its last `limit` visitor and bot
/// messages), or `None` if there is no such conversation. One query: it also
/// checks that the conversation exists.
pub(crate) async fn history(
    db: &impl Sql,
    id: &str,
    limit: u32,
) -> Result<Option<History>, AppError> {
    let rows = db
        .all::<HistoryRow>(stmt!(
            "SELECT c.site AS site, c.created_at AS started, m.role AS role, m.body AS body, \
             m.decision AS decision, \
             EXISTS (SELECT 1 FROM tickets t WHERE t.conversation_id = c.id) AS ticketed \
             FROM conversations c \
             LEFT JOIN messages m ON m.conversation_id = c.id AND m.role IN ('visitor', 'bot') \
             WHERE c.id = ?1 ORDER BY m.id DESC LIMIT ?2",
            id,
            limit
        ))
        .await?;
    if rows.is_empty() {
        return Ok(None);
    }
    Ok(Some(summarize(rows)))
}

/// [`History`] from rows newest first.
fn summarize(rows: Vec<HistoryRow>) -> History {
    let site = rows.first().map(|r| r.site.clone()).unwrap_or_default();
    let started = rows.first().map(|r| r.started as i64);
    let ticketed = rows.first().is_some_and(|r| r.ticketed != 0.0);
    let mut visitor = Vec::new();
    let mut unhelpful_streak = 0;
    let mut streak_open = true;
    for row in rows {
        match (row.role.as_deref(), row.body) {
            (Some("visitor"), Some(body)) => visitor.push(body),
            (Some("bot"), _) if streak_open => {
                match row.decision.as_deref().and_then(Decision::parse) {
                    Some(Decision::Suggest | Decision::Escalate) => unhelpful_streak += 1,
                    _ => streak_open = false,
                }
            }
            _ => {}
        }
    }
    visitor.reverse();
    History {
        site,
        visitor,
        unhelpful_streak,
        started,
        ticketed,
    }
}

/// Creates the conversation for `site`, or marks it active now (its site
/// never changes: callers have checked it with [`owner`]).
pub(crate) fn touch(id: &str, site: &str, page_url: Option<&str>, now: i64) -> Stmt {
    stmt!(
        "INSERT INTO conversations (id, created_at, updated_at, page_url, site) \
         VALUES (?1, ?2, ?2, ?3, ?4) \
         ON CONFLICT(id) DO UPDATE SET updated_at = excluded.updated_at, \
         page_url = COALESCE(excluded.page_url, conversations.page_url)",
        id,
        now,
        page_url,
        site
    )
}

/// Marks a conversation active now.
pub(crate) fn mark_active(id: &str, now: i64) -> Stmt {
    stmt!(
        "UPDATE conversations SET updated_at = ?2 WHERE id = ?1",
        id,
        now
    )
}

#[derive(Deserialize)]
struct OwnerRow {
    site: String,
    started: f64,
}

/// Whose a conversation is: its site and when it started.
#[derive(Debug, PartialEq)]
pub(crate) struct Owner {
    /// The key of its site (`""` for one from before sites).
    pub site: String,
    /// When it started (ms since the epoch).
    pub started: i64,
}

/// The site a conversation belongs to and when it started, or `None` if
/// there is no such conversation.
pub(crate) async fn owner(db: &impl Sql, id: &str) -> Result<Option<Owner>, AppError> {
    Ok(db
        .first::<OwnerRow>(stmt!(
            "SELECT site, created_at AS started FROM conversations WHERE id = ?1",
            id
        ))
        .await?
        .map(|r| Owner {
            site: r.site,
            started: r.started as i64,
        }))
}

/// Where a conversation was started: its site, page and time.
#[derive(Debug, Deserialize)]
pub(crate) struct Origin {
    pub site: String,
    pub page_url: Option<String>,
    pub created_at: f64,
}

/// The site, page and start of a conversation, or `None`.
pub(crate) async fn origin(db: &impl Sql, id: &str) -> Result<Option<Origin>, AppError> {
    db.first::<Origin>(stmt!(
        "SELECT site, page_url, created_at FROM conversations WHERE id = ?1",
        id
    ))
    .await
}

/// A statement that finds the conversation `id` (a row with its id).
pub(crate) fn exists(id: &str) -> Stmt {
    stmt!("SELECT id FROM conversations WHERE id = ?1", id)
}

#[derive(Deserialize)]
pub(crate) struct IdText {
    #[allow(dead_code)]
    id: String,
}

/// Whether [`exists`] found its conversation.
pub(crate) fn found(outcome: &impl Outcome) -> Result<bool, AppError> {
    Ok(!outcome.rows::<IdText>()?.is_empty())
}

#[derive(Deserialize)]
struct VisitorTicketRow {
    reference: String,
    email: String,
    status: String,
    created_at: f64,
}

/// Most messages a widget reads back at once (the newest).
const MAX_VIEW: u32 = 500;

/// A conversation as its visitor reads it back: its newest messages and
/// its tickets, in one round trip; `None` if there is no such conversation.
pub(crate) async fn view(db: &impl Sql, id: &str) -> Result<Option<ConversationView>, AppError> {
    let results = db
        .batch(vec![
            exists(id),
            stmt!(
                format!(
                    "SELECT {VIEW_COLUMNS} FROM {VIEW_FROM} WHERE m.conversation_id = ?1 \
                     ORDER BY m.id DESC LIMIT ?2"
                ),
                id,
                MAX_VIEW
            ),
            stmt!(
                "SELECT reference, email, status, created_at FROM tickets \
                 WHERE conversation_id = ?1 ORDER BY id",
                id
            ),
        ])
        .await?;
    let [conversation, messages, tickets] = outcomes(results)?;
    if !found(&conversation)? {
        return Ok(None);
    }
    let mut messages = messages
        .rows::<ViewRow>()?
        .into_iter()
        .map(view_message)
        .collect::<Result<Vec<_>, _>>()?;
    messages.reverse();
    let tickets = tickets
        .rows::<VisitorTicketRow>()?
        .into_iter()
        .map(|t| VisitorTicket {
            reference: t.reference,
            email: t.email,
            status: t.status,
            at: t.created_at as i64,
        })
        .collect();
    Ok(Some(ConversationView {
        conversation_id: id.to_owned(),
        messages,
        tickets,
    }))
}

/// Which conversations a deletion takes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Selection<'a> {
    /// One conversation.
    One(&'a str),
    /// Those last active before `before` (ms) whose site is in `sites` or,
    /// with `except`, not in them (`except` with no sites: every site).
    Inactive {
        before: i64,
        sites: &'a [String],
        except: bool,
    },
}

impl Selection<'_> {
    /// `SELECT id FROM conversations …` and its parameters.
    pub(crate) fn query(&self) -> (String, Vec<Value>) {
        match self {
            Selection::One(id) => (
                "SELECT id FROM conversations WHERE id = ?1".to_owned(),
                vec![Value::from(*id)],
            ),
            Selection::Inactive {
                before,
                sites,
                except,
            } => {
                let mut params = vec![Value::from(*before)];
                params.extend(sites.iter().map(Value::from));
                let mut sql = String::from("SELECT id FROM conversations WHERE updated_at < ?1");
                if !sites.is_empty() || !except {
                    let list: Vec<String> = (2..=params.len()).map(|i| format!("?{i}")).collect();
                    let not = if *except { "NOT " } else { "" };
                    sql.push_str(&format!(" AND site {not}IN ({})", list.join(", ")));
                }
                (sql, params)
            }
        }
    }
}

#[derive(Deserialize)]
struct Count {
    n: f64,
}

/// Deletes the selected conversations with their messages, ratings,
/// tickets, deliveries, e-mail threads and attachment rows (their R2
/// objects: `attachments::delete_files`, first), in one batch; returns how many conversations.
pub(crate) async fn delete(db: &impl Sql, which: &Selection<'_>) -> Result<u64, AppError> {
    let (ids, params) = which.query();
    let statement = |sql: String| Stmt::new(sql, params.clone());
    let results = db
        .batch(vec![
            statement(format!("SELECT COUNT(*) AS n FROM ({ids})")),
            statement(format!(
                "DELETE FROM deliveries WHERE ticket_reference IN \
                 (SELECT reference FROM tickets WHERE conversation_id IN ({ids}))"
            )),
            statement(format!(
                "DELETE FROM tickets WHERE conversation_id IN ({ids})"
            )),
            statement(format!(
                "DELETE FROM feedback WHERE conversation_id IN ({ids})"
            )),
            statement(format!(
                "DELETE FROM email_threads WHERE conversation_id IN ({ids})"
            )),
            statement(format!(
                "DELETE FROM attachments WHERE conversation_id IN ({ids})"
            )),
            statement(format!(
                "DELETE FROM messages WHERE conversation_id IN ({ids})"
            )),
            statement(format!("DELETE FROM conversations WHERE id IN ({ids})")),
        ])
        .await?;
    Ok(results
        .first()
        .map(Outcome::first::<Count>)
        .transpose()?
        .flatten()
        .map_or(0, |c| c.n as u64))
}

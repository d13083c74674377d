//! `tickets`: one row per handoff, carrying the ticket document (the
//! transcript is stored once, in it) and the columns the agents' list
//! filters on.

use frontdesk_api::wire::TicketListItem;
use frontdesk_shared::tickets::{Summary, Ticket, SUMMARY_EXTRACTIVE};
use serde::Deserialize;

use super::conversations::touch;
use super::{stmt, Sql, Stmt};
use crate::AppError;

/// Stores the ticket (and its conversation, if new) with `also` (its
/// deliveries) in one batch. Fails, writing nothing, if its idempotency key
/// was used before (see [`keyed`]).
pub(crate) async fn create(
    db: &impl Sql,
    ticket: &Ticket,
    idempotency_key: Option<&str>,
    also: Vec<Stmt>,
) -> Result<(), AppError> {
    let document = serde_json::to_string(ticket)?;
    let priority = serde_json::to_value(ticket.triage.priority.value)?;
    let insert = stmt!(
        "INSERT INTO tickets (reference, conversation_id, email, note, status, created_at, \
         idempotency_key, document, priority, topic, language, team) \
         VALUES (?1, ?2, ?3, ?4, 'open', ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        &ticket.reference,
        &ticket.conversation_id,
        &ticket.requester.email,
        ticket.note.as_deref(),
        ticket.created_at,
        idempotency_key,
        document,
        priority.as_str().unwrap_or("normal"),
        &ticket.triage.topic.value,
        &ticket.triage.language.value,
        ticket.routing.as_ref().and_then(|r| r.team.as_deref()),
    );
    let mut statements = vec![
        touch(
            &ticket.conversation_id,
            ticket.site.as_ref().map_or("", |s| s.key.as_str()),
            ticket.page_url.as_deref(),
            ticket.created_at,
        ),
        insert,
    ];
    statements.extend(also);
    db.batch(statements).await?;
    Ok(())
}

/// A ticket made earlier under a handoff's idempotency key.
#[derive(Debug, Deserialize, PartialEq)]
pub(crate) struct KeyedTicket {
    pub reference: String,
    pub email: String,
    pub conversation_id: String,
    /// Its conversation's site key (`""`: from before sites).
    pub site: String,
}

/// The ticket made under the idempotency key `key`, if any.
pub(crate) async fn keyed(db: &impl Sql, key: &str) -> Result<Option<KeyedTicket>, AppError> {
    db.first::<KeyedTicket>(stmt!(
        "SELECT t.reference AS reference, t.email AS email, \
         t.conversation_id AS conversation_id, c.site AS site \
         FROM tickets t JOIN conversations c ON c.id = t.conversation_id \
         WHERE t.idempotency_key = ?1",
        key
    ))
    .await
}

/// Replaces a ticket document's summary with `summary`, if it is still the
/// extractive one it was stored with; false if not (or no such ticket).
pub(crate) async fn set_model_summary(
    db: &impl Sql,
    reference: &str,
    summary: &Summary,
) -> Result<bool, AppError> {
    db.changed(stmt!(
        "UPDATE tickets SET document = json_set(document, '$.summary', json(?2)) \
         WHERE reference = ?1 AND json_extract(document, '$.summary.method') = ?3",
        reference,
        serde_json::to_string(summary)?,
        SUMMARY_EXTRACTIVE
    ))
    .await
}

/// Filters of the agent's ticket list.
#[derive(Debug)]
pub(crate) struct Filter {
    pub status: Option<String>,
    pub priority: Option<String>,
    pub topic: Option<String>,
    pub team: Option<String>,
    /// A site key; `site_is_default` when it is the default site's, whose
    /// conversations from before sites existed have no key ('').
    pub site: Option<String>,
    pub site_is_default: bool,
    pub limit: u32,
}

impl Default for Filter {
    fn default() -> Self {
        Filter {
            status: None,
            priority: None,
            topic: None,
            team: None,
            site: None,
            site_is_default: false,
            limit: 50,
        }
    }
}

#[derive(Deserialize)]
struct ListRow {
    reference: String,
    conversation_id: String,
    status: String,
    priority: Option<String>,
    topic: Option<String>,
    team: Option<String>,
    language: Option<String>,
    email: String,
    site: String,
    created_at: f64,
    summary: Option<String>,
    dead: Option<String>,
}

/// Tickets, newest first, with their dead-lettered sinks.
pub(crate) async fn list(db: &impl Sql, f: &Filter) -> Result<Vec<TicketListItem>, AppError> {
    let rows = db
        .all::<ListRow>(stmt!(
            "SELECT t.reference AS reference, t.conversation_id AS conversation_id, \
             t.status AS status, t.priority AS priority, t.topic AS topic, t.team AS team, \
             t.language AS language, t.email AS email, t.created_at AS created_at, \
             json_extract(t.document, '$.summary.text') AS summary, \
             coalesce(c.site, '') AS site, \
             (SELECT group_concat(d.sink) FROM deliveries d \
              WHERE d.ticket_reference = t.reference AND d.status = 'dead') AS dead \
             FROM tickets t LEFT JOIN conversations c ON c.id = t.conversation_id \
             WHERE (?1 IS NULL OR t.status = ?1) AND (?2 IS NULL OR t.priority = ?2) \
             AND (?3 IS NULL OR t.topic = ?3) AND (?5 IS NULL OR t.team = ?5) \
             AND (?6 IS NULL OR c.site = ?6 OR (?7 AND coalesce(c.site, '') = '')) \
             ORDER BY t.created_at DESC, t.id DESC LIMIT ?4",
            f.status.as_deref(),
            f.priority.as_deref(),
            f.topic.as_deref(),
            f.limit,
            f.team.as_deref(),
            f.site.as_deref(),
            f.site_is_default,
        ))
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| TicketListItem {
            reference: r.reference,
            conversation_id: r.conversation_id,
            status: r.status,
            priority: r.priority,
            topic: r.topic,
            team: r.team,
            language: r.language,
            email: r.email,
            site: r.site,
            created_at: r.created_at as i64,
            summary: r.summary,
            dead_deliveries: r
                .dead
                .map(|d| d.split(',').map(str::to_owned).collect())
                .unwrap_or_default(),
        })
        .collect())
}

/// A stored ticket, as agents read it.
#[derive(Debug)]
pub(crate) struct StoredTicket {
    pub conversation_id: String,
    pub status: String,
    pub document: serde_json::Value,
}

#[derive(Deserialize)]
struct TicketRow {
    conversation_id: String,
    status: String,
    document: Option<String>,
}

pub(crate) async fn get(db: &impl Sql, reference: &str) -> Result<Option<StoredTicket>, AppError> {
    let row = db
        .first::<TicketRow>(stmt!(
            "SELECT conversation_id, status, document FROM tickets WHERE reference = ?1",
            reference
        ))
        .await?;
    row.map(|r| {
        Ok(StoredTicket {
            conversation_id: r.conversation_id,
            status: r.status,
            document: match r.document {
                Some(d) => serde_json::from_str(&d)?,
                None => serde_json::Value::Null,
            },
        })
    })
    .transpose()
}

/// Closes a ticket, in its status and in its stored document (so whoever
/// reads the document sees it closed too); false if there is no such
/// ticket.
pub(crate) async fn close(db: &impl Sql, reference: &str) -> Result<bool, AppError> {
    db.changed(stmt!(
        "UPDATE tickets SET status = 'closed', \
         document = CASE WHEN document IS NULL THEN NULL \
                    ELSE json_set(document, '$.status', 'closed') END \
         WHERE reference = ?1",
        reference
    ))
    .await
}

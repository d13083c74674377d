//! `deliveries`: one row per ticket and sink (webhook, Slack, Zendesk,
//! GitHub), written in the ticket's batch, then updated by each attempt of
//! the queue consumer until delivered or dead.

use frontdesk_api::wire::DeliveryState;
use serde::Deserialize;

use super::{stmt, Sql, Stmt};
use crate::AppError;

/// The row for a new ticket's delivery to `sink`, written in the ticket's
/// batch: only inserted if the ticket row is `reference` (not when an
/// idempotency key returned an earlier ticket).
pub(crate) fn insert(reference: &str, sink: &str, now: i64) -> Stmt {
    stmt!(
        "INSERT OR IGNORE INTO deliveries \
         (ticket_reference, sink, webhook_id, status, attempts, created_at, updated_at) \
         SELECT ?1, ?2, ?3, 'pending', 0, ?4, ?4 \
         WHERE EXISTS (SELECT 1 FROM tickets WHERE reference = ?1)",
        reference,
        sink,
        format!("msg_{reference}_{sink}"),
        now
    )
}

/// A delivery about to be attempted, with its ticket's document.
#[derive(Debug, Deserialize)]
pub(crate) struct Pending {
    pub document: Option<String>,
    pub webhook_id: String,
    pub status: String,
    pub attempts: f64,
}

/// The delivery of ticket `reference` to `sink`, if there is one.
pub(crate) async fn get(
    db: &impl Sql,
    reference: &str,
    sink: &str,
) -> Result<Option<Pending>, AppError> {
    db.first::<Pending>(stmt!(
        "SELECT t.document AS document, d.webhook_id AS webhook_id, d.status AS status, \
         d.attempts AS attempts \
         FROM deliveries d JOIN tickets t ON t.reference = d.ticket_reference \
         WHERE d.ticket_reference = ?1 AND d.sink = ?2",
        reference,
        sink
    ))
    .await
}

/// Records an attempt: its status (`pending`, `delivered`, `dead`), the
/// attempts so far and the last error.
pub(crate) async fn record(
    db: &impl Sql,
    reference: &str,
    sink: &str,
    status: &str,
    attempts: i64,
    error: Option<&str>,
    now: i64,
) -> Result<(), AppError> {
    db.run(stmt!(
        "UPDATE deliveries SET status = ?1, attempts = ?2, last_error = ?3, updated_at = ?4 \
         WHERE ticket_reference = ?5 AND sink = ?6",
        status,
        attempts,
        error,
        now,
        reference,
        sink
    ))
    .await?;
    Ok(())
}

/// A pending delivery to queue again.
#[derive(Debug, Deserialize, PartialEq)]
pub(crate) struct Stale {
    pub ticket_reference: String,
    pub sink: String,
}

/// Up to 100 deliveries still pending and untouched since `before` (ms):
/// their queue message was lost.
pub(crate) async fn stale(db: &impl Sql, before: i64) -> Result<Vec<Stale>, AppError> {
    db.all::<Stale>(stmt!(
        "SELECT ticket_reference, sink FROM deliveries \
         WHERE status = 'pending' AND updated_at < ?1 LIMIT 100",
        before
    ))
    .await
}

#[derive(Deserialize)]
struct StateRow {
    sink: String,
    status: String,
    attempts: f64,
    last_error: Option<String>,
}

/// A ticket's deliveries, by sink.
pub(crate) async fn of_ticket(
    db: &impl Sql,
    reference: &str,
) -> Result<Vec<DeliveryState>, AppError> {
    let rows = db
        .all::<StateRow>(stmt!(
            "SELECT sink, status, attempts, last_error FROM deliveries \
             WHERE ticket_reference = ?1 ORDER BY sink",
            reference
        ))
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| DeliveryState {
            sink: r.sink,
            status: r.status,
            attempts: r.attempts as u32,
            last_error: r.last_error,
        })
        .collect())
}

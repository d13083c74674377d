//! D1 storage. Every write that acknowledges something to the visitor is one
//! batch (a transaction), so a turn or a ticket is stored whole or not at all.

use frontdesk_api::validate::FeedbackInput;
use frontdesk_api::wire::{
    ConversationMessage, ConversationView, Decision, DeliveryState, EscalationReason, Rating,
    Reply, Role, Source, TicketListItem, TranscriptEntry, VisitorTicket,
};
use frontdesk_shared::tickets::{Summary, Ticket, SUMMARY_EXTRACTIVE};
use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement};

use crate::AppError;

fn text(s: &str) -> JsValue {
    JsValue::from_str(s)
}

fn opt(s: Option<&str>) -> JsValue {
    s.map_or(JsValue::NULL, JsValue::from_str)
}

/// Whether a write changed any row.
fn changed(result: &worker::D1Result) -> Result<bool, AppError> {
    Ok(result
        .meta()?
        .and_then(|m| m.changes)
        .is_some_and(|n| n > 0))
}

fn int(n: i64) -> JsValue {
    JsValue::from_f64(n as f64)
}

#[derive(Deserialize)]
struct HistoryRow {
    site: String,
    started: f64,
    role: Option<String>,
    body: Option<String>,
    decision: Option<String>,
}

/// What the engine needs to know about a conversation before a turn.
pub(crate) struct History {
    /// The key of the conversation's site (`""`: from before sites).
    pub site: String,
    /// The visitor's most recent messages, oldest first.
    pub visitor: Vec<String>,
    /// Bot turns in a row, newest back, that neither answered nor were small talk.
    pub unhelpful_streak: u32,
    /// When the conversation started (ms); `None` for a new one.
    pub started: Option<i64>,
}

/// Recent history of a conversation (its last `limit` visitor and bot
/// messages), or `None` if there is no such conversation. One query: it also
/// checks that the conversation exists.
pub(crate) async fn history(
    db: &D1Database,
    id: &str,
    limit: u32,
) -> Result<Option<History>, AppError> {
    let rows = db
        .prepare(
            "SELECT c.site AS site, c.created_at AS started, m.role AS role, m.body AS body, \
             m.decision AS decision \
             FROM conversations c \
             LEFT JOIN messages m ON m.conversation_id = c.id AND m.role IN ('visitor', 'bot') \
             WHERE c.id = ?1 ORDER BY m.id DESC LIMIT ?2",
        )
        .bind(&[text(id), JsValue::from(limit)])?
        .all()
        .await?
        .results::<HistoryRow>()?;
    if rows.is_empty() {
        return Ok(None);
    }
    Ok(Some(summarize(rows)))
}

/// [`History`] from rows newest first.
fn summarize(rows: Vec<HistoryRow>) -> History {
    let site = rows.first().map(|r| r.site.clone()).unwrap_or_default();
    let started = rows.first().map(|r| r.started as i64);
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
    }
}

/// Creates the conversation for `site`, or marks it active now (its site
/// never changes: callers have checked it with [`conversation_owner`]).
fn touch_conversation(
    db: &D1Database,
    id: &str,
    site: &str,
    page_url: Option<&str>,
    now: i64,
) -> Result<D1PreparedStatement, AppError> {
    Ok(db
        .prepare(
            "INSERT INTO conversations (id, created_at, updated_at, page_url, site) \
             VALUES (?1, ?2, ?2, ?3, ?4) \
             ON CONFLICT(id) DO UPDATE SET updated_at = excluded.updated_at, \
             page_url = COALESCE(excluded.page_url, conversations.page_url)",
        )
        .bind(&[text(id), int(now), opt(page_url), text(site)])?)
}

#[derive(Deserialize)]
struct OwnerRow {
    site: String,
    started: f64,
}

/// Whose a conversation is: its site and when it started.
pub(crate) struct Owner {
    /// The key of its site (`""` for one from before sites).
    pub site: String,
    /// When it started (ms since the epoch).
    pub started: i64,
}

/// The site a conversation belongs to and when it started, or `None` if
/// there is no such conversation.
pub(crate) async fn conversation_owner(
    db: &D1Database,
    id: &str,
) -> Result<Option<Owner>, AppError> {
    Ok(db
        .prepare("SELECT site, created_at AS started FROM conversations WHERE id = ?1")
        .bind(&[text(id)])?
        .first::<OwnerRow>(None)
        .await?
        .map(|r| Owner {
            site: r.site,
            started: r.started as i64,
        }))
}

/// One message row to insert.
struct NewRow<'a> {
    conversation: &'a str,
    role: Role,
    body: &'a str,
    /// A bot reply's decision, sources, reason and language.
    reply: Option<&'a Reply>,
    /// A visitor message's idempotency key.
    key: Option<&'a str>,
    /// A bot reply's visitor message, by that message's key (`reply_to`).
    answers: Option<&'a str>,
    /// A keyed visitor message whose reply this request is about to write:
    /// until when it holds it (`answering_until`).
    hold_until: Option<i64>,
    now: i64,
}

fn insert_message(db: &D1Database, m: NewRow<'_>) -> Result<D1PreparedStatement, AppError> {
    let decision = m.reply.map(|r| r.decision.as_str());
    let reason = m
        .reply
        .and_then(|r| r.reason)
        .map(frontdesk_api::wire::EscalationReason::as_str);
    let lang = m.reply.map(|r| r.lang.as_str());
    let sources = m
        .reply
        .map(|r| serde_json::to_string(&r.sources))
        .transpose()?;
    // `reply_to` is NULL when `answers` is (the subquery finds nothing).
    Ok(db
        .prepare(
            "INSERT INTO messages (conversation_id, role, body, decision, reason, lang, sources, \
             idempotency_key, created_at, answering_until, reply_to) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, \
             (SELECT id FROM messages WHERE idempotency_key = ?11))",
        )
        .bind(&[
            text(m.conversation),
            text(m.role.as_str()),
            text(m.body),
            opt(decision),
            opt(reason),
            opt(lang),
            opt(sources.as_deref()),
            opt(m.key),
            int(m.now),
            m.hold_until.map_or(JsValue::NULL, int),
            opt(m.answers),
        ])?)
}

/// Reads back, in the batch that wrote it, the id of the newest message by
/// `role` in a conversation: the one just inserted (a batch is a transaction).
fn newest_message_id(
    db: &D1Database,
    conversation: &str,
    role: Role,
) -> Result<D1PreparedStatement, AppError> {
    Ok(db
        .prepare(
            "SELECT id FROM messages WHERE conversation_id = ?1 AND role = ?2 \
             ORDER BY id DESC LIMIT 1",
        )
        .bind(&[text(conversation), text(role.as_str())])?)
}

#[derive(Deserialize)]
struct IdRow {
    id: f64,
}

/// The id a batch's last statement ([`newest_message_id`]) read.
fn read_id(results: &[worker::D1Result], what: &str) -> Result<i64, AppError> {
    results
        .last()
        .map(worker::D1Result::results::<IdRow>)
        .transpose()?
        .and_then(|rows| rows.into_iter().next())
        .map(|r| r.id as i64)
        .ok_or_else(|| AppError::Internal(format!("{what} not found after insert")))
}

/// A visitor's message as it is stored: its conversation, the page it was
/// sent from, its text and the client's key for it.
pub(crate) struct VisitorMessage<'a> {
    pub conversation: &'a str,
    /// The key of the site a new conversation is created for.
    pub site: &'a str,
    pub page_url: Option<&'a str>,
    pub text: &'a str,
    pub key: Option<&'a str>,
}

/// Stores a visitor message and the bot's reply together; returns the
/// reply's message id.
pub(crate) async fn save_turn(
    db: &D1Database,
    message: &VisitorMessage<'_>,
    reply: &Reply,
    now: i64,
) -> Result<i64, AppError> {
    let conversation = message.conversation;
    let results = db
        .batch(vec![
            touch_conversation(db, conversation, message.site, message.page_url, now)?,
            insert_visitor(db, message, None, now)?,
            insert_bot(db, conversation, reply, message.key, now)?,
            newest_message_id(db, conversation, Role::Bot)?,
        ])
        .await?;
    read_id(&results, "bot reply")
}

/// Stores a visitor message on its own, before its reply is generated;
/// a keyed one is held for this request until `hold_until` (see [`claim`]).
pub(crate) async fn save_visitor_message(
    db: &D1Database,
    message: &VisitorMessage<'_>,
    hold_until: i64,
    now: i64,
) -> Result<(), AppError> {
    db.batch(vec![
        touch_conversation(
            db,
            message.conversation,
            message.site,
            message.page_url,
            now,
        )?,
        insert_visitor(db, message, Some(hold_until), now)?,
    ])
    .await?;
    Ok(())
}

fn insert_visitor(
    db: &D1Database,
    m: &VisitorMessage<'_>,
    hold_until: Option<i64>,
    now: i64,
) -> Result<D1PreparedStatement, AppError> {
    insert_message(
        db,
        NewRow {
            conversation: m.conversation,
            role: Role::Visitor,
            body: m.text,
            reply: None,
            key: m.key,
            answers: None,
            hold_until: hold_until.filter(|_| m.key.is_some()),
            now,
        },
    )
}

/// The bot's reply; `answers`: the key of the visitor message it answers,
/// so that message can never get a second one (unique `reply_to`).
fn insert_bot(
    db: &D1Database,
    conversation: &str,
    reply: &Reply,
    answers: Option<&str>,
    now: i64,
) -> Result<D1PreparedStatement, AppError> {
    insert_message(
        db,
        NewRow {
            conversation,
            role: Role::Bot,
            body: &reply.text,
            reply: Some(reply),
            key: None,
            answers,
            hold_until: None,
            now,
        },
    )
}

/// A visitor message stored earlier under the same idempotency key: its
/// conversation, and the bot's reply to it once there is one.
pub(crate) struct Replay {
    pub conversation_id: String,
    /// The conversation's site key (`""`: from before sites).
    pub site: String,
    pub reply: Option<(i64, Reply)>,
}

#[derive(Deserialize)]
struct KeyedRow {
    conversation_id: String,
    site: String,
}

/// The message stored under `key`, if any, with the bot's reply to it (the
/// bot message whose `reply_to` it is; for replies stored before that
/// column, the first bot message after it), in one round trip.
pub(crate) async fn replay(db: &D1Database, key: &str) -> Result<Option<Replay>, AppError> {
    let results = db
        .batch(vec![
            db.prepare(
                "SELECT k.conversation_id AS conversation_id, c.site AS site FROM messages k \
                 JOIN conversations c ON c.id = k.conversation_id WHERE k.idempotency_key = ?1",
            )
            .bind(&[text(key)])?,
            db.prepare(format!(
                "SELECT {VIEW_COLUMNS} FROM {VIEW_FROM}, messages k \
                 WHERE k.idempotency_key = ?1 AND m.conversation_id = k.conversation_id \
                 AND m.id > k.id AND m.role = 'bot' \
                 AND (m.reply_to = k.id OR m.reply_to IS NULL) ORDER BY m.id LIMIT 1"
            ))
            .bind(&[text(key)])?,
        ])
        .await?;
    let [keyed, reply] = results.as_slice() else {
        return Err(AppError::Internal("batch returned the wrong count".into()));
    };
    let Some(keyed) = keyed.results::<KeyedRow>()?.into_iter().next() else {
        return Ok(None);
    };
    let reply = match reply.results::<ViewRow>()?.into_iter().next() {
        Some(row) => {
            let m = view_message(row)?;
            let decision = m
                .decision
                .ok_or_else(|| AppError::Internal("stored bot message has no decision".into()))?;
            Some((
                m.id,
                Reply {
                    decision,
                    text: m.text,
                    sources: m.sources,
                    reason: m.reason,
                    lang: m.lang.unwrap_or_default(),
                },
            ))
        }
        None => None,
    };
    Ok(Some(Replay {
        conversation_id: keyed.conversation_id,
        site: keyed.site,
        reply,
    }))
}

/// Stores the bot's reply to a message stored by [`save_visitor_message`]
/// (the one with key `answers`, if it has one); returns its message id.
/// Fails if that message has a reply already.
pub(crate) async fn save_bot_reply(
    db: &D1Database,
    conversation: &str,
    reply: &Reply,
    answers: Option<&str>,
    now: i64,
) -> Result<i64, AppError> {
    let results = db
        .batch(vec![
            insert_bot(db, conversation, reply, answers, now)?,
            newest_message_id(db, conversation, Role::Bot)?,
        ])
        .await?;
    read_id(&results, "bot reply")
}

/// Takes over writing the reply to the keyed message `key`, which has
/// none: only if no other request holds it (its hold lapsed: the request
/// that was writing it died), and then holds it until `hold_until`.
/// Atomic: of repeats at once, one gets `true`.
pub(crate) async fn claim(
    db: &D1Database,
    key: &str,
    hold_until: i64,
    now: i64,
) -> Result<bool, AppError> {
    let result = db
        .prepare(
            "UPDATE messages SET answering_until = ?2 WHERE idempotency_key = ?1 \
             AND COALESCE(answering_until, 0) <= ?3 \
             AND NOT EXISTS (SELECT 1 FROM messages r WHERE r.reply_to = messages.id)",
        )
        .bind(&[text(key), int(hold_until), int(now)])?
        .run()
        .await?;
    changed(&result)
}

#[derive(Deserialize)]
struct MessageRow {
    role: String,
    body: String,
    decision: Option<String>,
    sources: Option<String>,
    created_at: f64,
    rating: Option<String>,
}

/// The conversation so far, oldest first, with the visitor's ratings of bot
/// answers.
pub(crate) async fn transcript(
    db: &D1Database,
    conversation: &str,
) -> Result<Vec<TranscriptEntry>, AppError> {
    let rows = db
        .prepare(
            "SELECT m.role AS role, m.body AS body, m.decision AS decision, m.sources AS sources, \
             m.created_at AS created_at, f.rating AS rating FROM messages m \
             LEFT JOIN feedback f ON f.message_id = m.id \
             WHERE m.conversation_id = ?1 ORDER BY m.id",
        )
        .bind(&[text(conversation)])?
        .all()
        .await?
        .results::<MessageRow>()?;
    rows.into_iter().map(entry).collect()
}

#[derive(Deserialize)]
struct CountRow {
    n: f64,
}

/// The conversation's most recent `limit` messages, oldest first, with the
/// visitor's ratings, and how many earlier ones there are: what a ticket
/// carries, read with a bound however long the conversation.
pub(crate) async fn recent_transcript(
    db: &D1Database,
    conversation: &str,
    limit: usize,
) -> Result<(Vec<TranscriptEntry>, u64), AppError> {
    let results = db
        .batch(vec![
            db.prepare(
                "SELECT m.role AS role, m.body AS body, m.decision AS decision, \
                 m.sources AS sources, m.created_at AS created_at, f.rating AS rating \
                 FROM messages m LEFT JOIN feedback f ON f.message_id = m.id \
                 WHERE m.conversation_id = ?1 ORDER BY m.id DESC LIMIT ?2",
            )
            .bind(&[text(conversation), JsValue::from_f64(limit as f64)])?,
            db.prepare("SELECT COUNT(*) AS n FROM messages WHERE conversation_id = ?1")
                .bind(&[text(conversation)])?,
        ])
        .await?;
    let [rows, count] = results.as_slice() else {
        return Err(AppError::Internal("batch returned the wrong count".into()));
    };
    let mut entries = rows
        .results::<MessageRow>()?
        .into_iter()
        .map(entry)
        .collect::<Result<Vec<_>, _>>()?;
    entries.reverse();
    let total = count
        .results::<CountRow>()?
        .first()
        .map_or(0, |r| r.n as u64);
    let earlier = total.saturating_sub(entries.len() as u64);
    Ok((entries, earlier))
}

fn entry(row: MessageRow) -> Result<TranscriptEntry, AppError> {
    let bad = |what: &str| AppError::Internal(format!("stored message has a bad {what}"));
    let role = Role::parse(&row.role).ok_or_else(|| bad("role"))?;
    let decision = match row.decision.as_deref() {
        Some(d) => Some(Decision::parse(d).ok_or_else(|| bad("decision"))?),
        None => None,
    };
    let sources: Vec<Source> = match row.sources {
        Some(s) => serde_json::from_str(&s)?,
        None => Vec::new(),
    };
    Ok(TranscriptEntry {
        role,
        text: row.body,
        at: row.created_at as i64,
        decision,
        sources,
        rating: rating(row.rating.as_deref())?,
    })
}

/// A ticket to store, with everything an agent needs to start.
pub(crate) struct NewTicket<'a> {
    pub ticket: &'a Ticket,
    pub idempotency_key: Option<&'a str>,
    /// Written in the same batch, after the ticket (its deliveries).
    pub also: Vec<D1PreparedStatement>,
}

/// Stores the ticket (and its conversation, if new) with its deliveries
/// in one batch. Fails, writing nothing, if its idempotency key was used
/// before (see [`keyed_ticket`]).
pub(crate) async fn create_ticket(db: &D1Database, t: NewTicket<'_>) -> Result<(), AppError> {
    let ticket = t.ticket;
    let document = serde_json::to_string(ticket)?;
    let priority = serde_json::to_value(ticket.triage.priority.value)?;
    // The transcript is stored once, in the document.
    let insert = db
        .prepare(
            "INSERT INTO tickets (reference, conversation_id, email, note, status, created_at, \
             idempotency_key, document, priority, topic, language, team) \
             VALUES (?1, ?2, ?3, ?4, 'open', ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )
        .bind(&[
            text(&ticket.reference),
            text(&ticket.conversation_id),
            text(&ticket.requester.email),
            opt(ticket.note.as_deref()),
            int(ticket.created_at),
            opt(t.idempotency_key),
            text(&document),
            text(priority.as_str().unwrap_or("normal")),
            text(&ticket.triage.topic.value),
            text(&ticket.triage.language.value),
            opt(ticket.routing.as_ref().and_then(|r| r.team.as_deref())),
        ])?;
    let mut statements = vec![
        touch_conversation(
            db,
            &ticket.conversation_id,
            ticket.site.as_ref().map_or("", |s| s.key.as_str()),
            ticket.page_url.as_deref(),
            ticket.created_at,
        )?,
        insert,
    ];
    statements.extend(t.also);
    db.batch(statements).await?;
    Ok(())
}

/// A ticket made earlier under a handoff's idempotency key.
#[derive(Deserialize)]
pub(crate) struct KeyedTicket {
    pub reference: String,
    pub email: String,
    pub conversation_id: String,
    /// Its conversation's site key (`""`: from before sites).
    pub site: String,
}

/// The ticket made under the idempotency key `key`, if any.
pub(crate) async fn keyed_ticket(
    db: &D1Database,
    key: &str,
) -> Result<Option<KeyedTicket>, AppError> {
    Ok(db
        .prepare(
            "SELECT t.reference AS reference, t.email AS email, \
             t.conversation_id AS conversation_id, c.site AS site \
             FROM tickets t JOIN conversations c ON c.id = t.conversation_id \
             WHERE t.idempotency_key = ?1",
        )
        .bind(&[text(key)])?
        .first::<KeyedTicket>(None)
        .await?)
}

/// Replaces a ticket document's summary with `summary`, if it is still the
/// extractive one it was stored with; false if not (or no such ticket).
pub(crate) async fn set_model_summary(
    db: &D1Database,
    reference: &str,
    summary: &Summary,
) -> Result<bool, AppError> {
    let result = db
        .prepare(
            "UPDATE tickets SET document = json_set(document, '$.summary', json(?2)) \
             WHERE reference = ?1 AND json_extract(document, '$.summary.method') = ?3",
        )
        .bind(&[
            text(reference),
            text(&serde_json::to_string(summary)?),
            text(SUMMARY_EXTRACTIVE),
        ])?
        .run()
        .await?;
    changed(&result)
}

/// Filters of the agent's ticket list.
pub(crate) struct TicketFilter {
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

impl Default for TicketFilter {
    fn default() -> Self {
        TicketFilter {
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
pub(crate) async fn list_tickets(
    db: &D1Database,
    f: &TicketFilter,
) -> Result<Vec<TicketListItem>, AppError> {
    let rows = db
        .prepare(
            "SELECT t.reference AS reference, t.conversation_id AS conversation_id, t.status AS status, \
             t.priority AS priority, t.topic AS topic, t.team AS team, t.language AS language, t.email AS email, \
             t.created_at AS created_at, json_extract(t.document, '$.summary.text') AS summary, \
             coalesce(c.site, '') AS site, \
             (SELECT group_concat(d.sink) FROM deliveries d \
              WHERE d.ticket_reference = t.reference AND d.status = 'dead') AS dead \
             FROM tickets t LEFT JOIN conversations c ON c.id = t.conversation_id \
             WHERE (?1 IS NULL OR t.status = ?1) AND (?2 IS NULL OR t.priority = ?2) \
             AND (?3 IS NULL OR t.topic = ?3) AND (?5 IS NULL OR t.team = ?5) \
             AND (?6 IS NULL OR c.site = ?6 OR (?7 AND coalesce(c.site, '') = '')) \
             ORDER BY t.created_at DESC, t.id DESC LIMIT ?4",
        )
        .bind(&[
            opt(f.status.as_deref()),
            opt(f.priority.as_deref()),
            opt(f.topic.as_deref()),
            JsValue::from(f.limit),
            opt(f.team.as_deref()),
            opt(f.site.as_deref()),
            JsValue::from(f.site_is_default),
        ])?
        .all()
        .await?
        .results::<ListRow>()?;
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

pub(crate) async fn ticket(
    db: &D1Database,
    reference: &str,
) -> Result<Option<StoredTicket>, AppError> {
    let row = db
        .prepare("SELECT conversation_id, status, document FROM tickets WHERE reference = ?1")
        .bind(&[text(reference)])?
        .first::<TicketRow>(None)
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

#[derive(Deserialize)]
struct DeliveryRow {
    sink: String,
    status: String,
    attempts: f64,
    last_error: Option<String>,
}

/// A ticket's deliveries, by sink.
pub(crate) async fn deliveries(
    db: &D1Database,
    reference: &str,
) -> Result<Vec<DeliveryState>, AppError> {
    let rows = db
        .prepare(
            "SELECT sink, status, attempts, last_error FROM deliveries \
             WHERE ticket_reference = ?1 ORDER BY sink",
        )
        .bind(&[text(reference)])?
        .all()
        .await?
        .results::<DeliveryRow>()?;
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

/// Stores an agent's message in a conversation; returns its id.
pub(crate) async fn save_agent_reply(
    db: &D1Database,
    conversation: &str,
    body: &str,
    now: i64,
) -> Result<i64, AppError> {
    let results = db
        .batch(vec![
            insert_message(
                db,
                NewRow {
                    conversation,
                    role: Role::Agent,
                    body,
                    reply: None,
                    key: None,
                    answers: None,
                    hold_until: None,
                    now,
                },
            )?,
            db.prepare("UPDATE conversations SET updated_at = ?2 WHERE id = ?1")
                .bind(&[text(conversation), int(now)])?,
            newest_message_id(db, conversation, Role::Agent)?,
        ])
        .await?;
    read_id(&results, "agent reply")
}

/// Closes a ticket; false if there is no such ticket.
pub(crate) async fn close_ticket(db: &D1Database, reference: &str) -> Result<bool, AppError> {
    let result = db
        .prepare("UPDATE tickets SET status = 'closed' WHERE reference = ?1")
        .bind(&[text(reference)])?
        .run()
        .await?;
    changed(&result)
}

#[derive(Deserialize)]
struct ViewRow {
    id: f64,
    role: String,
    body: String,
    decision: Option<String>,
    reason: Option<String>,
    lang: Option<String>,
    sources: Option<String>,
    created_at: f64,
    rating: Option<String>,
}

/// A message with the visitor's rating: `FROM {VIEW_FROM}`, columns
/// [`VIEW_COLUMNS`].
const VIEW_COLUMNS: &str = "m.id AS id, m.role AS role, m.body AS body, m.decision AS decision, \
     m.reason AS reason, m.lang AS lang, m.sources AS sources, m.created_at AS created_at, \
     f.rating AS rating";
const VIEW_FROM: &str = "messages m LEFT JOIN feedback f ON f.message_id = m.id";
/// Most messages a widget reads back at once (the newest).
const MAX_VIEW: u32 = 500;

fn view_message(row: ViewRow) -> Result<ConversationMessage, AppError> {
    let bad = |what: &str| AppError::Internal(format!("stored message has a bad {what}"));
    Ok(ConversationMessage {
        id: row.id as i64,
        role: Role::parse(&row.role).ok_or_else(|| bad("role"))?,
        text: row.body,
        at: row.created_at as i64,
        decision: match row.decision.as_deref() {
            Some(d) => Some(Decision::parse(d).ok_or_else(|| bad("decision"))?),
            None => None,
        },
        sources: match row.sources {
            Some(s) => serde_json::from_str(&s)?,
            None => Vec::new(),
        },
        reason: row.reason.as_deref().and_then(EscalationReason::parse),
        lang: row.lang,
        rating: rating(row.rating.as_deref())?,
    })
}

fn rating(stored: Option<&str>) -> Result<Option<Rating>, AppError> {
    stored
        .map(|r| {
            Rating::parse(r)
                .ok_or_else(|| AppError::Internal(format!("stored rating {r:?} is not up/down")))
        })
        .transpose()
}

#[derive(Deserialize)]
struct VisitorTicketRow {
    reference: String,
    email: String,
    status: String,
    created_at: f64,
}

/// A conversation as its visitor reads it back: its newest messages and
/// its tickets, in one round trip; `None` if there is no such conversation.
pub(crate) async fn conversation_view(
    db: &D1Database,
    id: &str,
) -> Result<Option<ConversationView>, AppError> {
    let results = db
        .batch(vec![
            db.prepare("SELECT id FROM conversations WHERE id = ?1")
                .bind(&[text(id)])?,
            db.prepare(format!(
                "SELECT {VIEW_COLUMNS} FROM {VIEW_FROM} WHERE m.conversation_id = ?1 \
                 ORDER BY m.id DESC LIMIT ?2"
            ))
            .bind(&[text(id), JsValue::from(MAX_VIEW)])?,
            db.prepare(
                "SELECT reference, email, status, created_at FROM tickets \
                 WHERE conversation_id = ?1 ORDER BY id",
            )
            .bind(&[text(id)])?,
        ])
        .await?;
    let [found, messages, tickets] = results.as_slice() else {
        return Err(AppError::Internal("batch returned the wrong count".into()));
    };
    if found.results::<IdText>()?.is_empty() {
        return Ok(None);
    }
    let mut messages = messages
        .results::<ViewRow>()?
        .into_iter()
        .map(view_message)
        .collect::<Result<Vec<_>, _>>()?;
    messages.reverse();
    let tickets = tickets
        .results::<VisitorTicketRow>()?
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

#[derive(Deserialize)]
struct IdText {
    #[allow(dead_code)]
    id: String,
}

/// Most agent messages one `replies` answer carries: the widget asks again
/// after the newest it got, so a longer backlog comes in pages.
const MAX_REPLIES: u32 = 50;

/// Agent messages in a conversation newer than message `after`, oldest
/// first, at most [`MAX_REPLIES`]: a range of migration 0012's index
/// (conversation, role, id), whatever else the conversation holds.
pub(crate) async fn agent_replies(
    db: &D1Database,
    id: &str,
    after: i64,
) -> Result<Vec<ConversationMessage>, AppError> {
    db.prepare(format!(
        "SELECT {VIEW_COLUMNS} FROM {VIEW_FROM} \
         WHERE m.conversation_id = ?1 AND m.role = 'agent' AND m.id > ?2 ORDER BY m.id LIMIT ?3"
    ))
    .bind(&[text(id), int(after), JsValue::from(MAX_REPLIES)])?
    .all()
    .await?
    .results::<ViewRow>()?
    .into_iter()
    .map(view_message)
    .collect()
}

#[derive(Deserialize)]
struct Count {
    n: f64,
}

/// Deletes the conversations `ids` selects (an SQL `SELECT id FROM
/// conversations …` using `binds`) with their messages, ratings, tickets and
/// deliveries, in one batch; returns how many conversations.
pub(crate) async fn delete_conversations(
    db: &D1Database,
    ids: &str,
    binds: &[JsValue],
) -> Result<u64, AppError> {
    let statement = |sql: String| db.prepare(sql).bind(binds);
    let results = db
        .batch(vec![
            statement(format!("SELECT COUNT(*) AS n FROM ({ids})"))?,
            statement(format!(
                "DELETE FROM deliveries WHERE ticket_reference IN \
                 (SELECT reference FROM tickets WHERE conversation_id IN ({ids}))"
            ))?,
            statement(format!(
                "DELETE FROM tickets WHERE conversation_id IN ({ids})"
            ))?,
            statement(format!(
                "DELETE FROM feedback WHERE conversation_id IN ({ids})"
            ))?,
            statement(format!(
                "DELETE FROM messages WHERE conversation_id IN ({ids})"
            ))?,
            statement(format!("DELETE FROM conversations WHERE id IN ({ids})"))?,
        ])
        .await?;
    let n = results
        .first()
        .map(worker::D1Result::results::<Count>)
        .transpose()?
        .and_then(|rows| rows.into_iter().next())
        .map_or(0, |c| c.n as u64);
    Ok(n)
}

/// What became of a rating.
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
pub(crate) async fn rate(db: &D1Database, f: &FeedbackInput, now: i64) -> Result<Rated, AppError> {
    let binds = [
        text(&f.conversation_id),
        int(f.message_id),
        text(f.rating.as_str()),
        int(now),
    ];
    let results = db
        .batch(vec![
            db.prepare("SELECT id FROM conversations WHERE id = ?1")
                .bind(&binds[..1])?,
            // The `WHERE` is also what lets SQLite read `ON CONFLICT` as an
            // upsert after a SELECT.
            db.prepare(
                "INSERT INTO feedback (message_id, conversation_id, rating, created_at, updated_at) \
                 SELECT id, conversation_id, ?3, ?4, ?4 FROM messages \
                 WHERE id = ?2 AND conversation_id = ?1 AND role = 'bot' \
                 ON CONFLICT(message_id) DO UPDATE SET rating = excluded.rating, \
                 updated_at = excluded.updated_at",
            )
            .bind(&binds)?,
            db.prepare("SELECT rating FROM feedback WHERE message_id = ?2 AND conversation_id = ?1")
                .bind(&binds[..2])?,
        ])
        .await?;
    let [found, _, stored] = results.as_slice() else {
        return Err(AppError::Internal("batch returned the wrong count".into()));
    };
    if found.results::<IdText>()?.is_empty() {
        return Ok(Rated::NoConversation);
    }
    match stored.results::<RatingRow>()?.into_iter().next() {
        Some(row) => Ok(Rated::Stored(
            rating(Some(&row.rating))?.ok_or_else(|| AppError::Internal("no rating".into()))?,
        )),
        None => Ok(Rated::NoMessage),
    }
}

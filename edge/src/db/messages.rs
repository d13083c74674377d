//! `messages`: the visitor's, the bot's and agents' messages of a
//! conversation; a keyed visitor message is answered once (`reply_to`),
//! and a request writing that answer holds it (`answering_until`).

use frontdesk_api::wire::{
    ConversationMessage, Decision, EscalationReason, Rating, Reply, Role, Source, TranscriptEntry,
};
use serde::Deserialize;

use super::conversations::{mark_active, touch};
use super::{outcomes, stmt, Outcome, Sql, Stmt};
use crate::AppError;

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

fn insert(m: NewRow<'_>) -> Result<Stmt, AppError> {
    let decision = m.reply.map(|r| r.decision.as_str());
    let reason = m.reply.and_then(|r| r.reason).map(EscalationReason::as_str);
    let lang = m.reply.map(|r| r.lang.as_str());
    let sources = m
        .reply
        .map(|r| serde_json::to_string(&r.sources))
        .transpose()?;
    // `reply_to` is NULL when `answers` is (the subquery finds nothing).
    Ok(stmt!(
        "INSERT INTO messages (conversation_id, role, body, decision, reason, lang, sources, \
         idempotency_key, created_at, answering_until, reply_to) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, \
         (SELECT id FROM messages WHERE idempotency_key = ?11))",
        m.conversation,
        m.role.as_str(),
        m.body,
        decision,
        reason,
        lang,
        sources,
        m.key,
        m.now,
        m.hold_until,
        m.answers,
    ))
}

/// Reads back, in the batch that wrote it, the id of the newest message by
/// `role` in a conversation: the one just inserted (a batch is a transaction).
fn newest_id(conversation: &str, role: Role) -> Stmt {
    stmt!(
        "SELECT id FROM messages WHERE conversation_id = ?1 AND role = ?2 \
         ORDER BY id DESC LIMIT 1",
        conversation,
        role.as_str()
    )
}

#[derive(Deserialize)]
struct IdRow {
    id: f64,
}

/// The id a batch's last statement ([`newest_id`]) read.
fn read_id(results: &[impl Outcome], what: &str) -> Result<i64, AppError> {
    results
        .last()
        .map(Outcome::first::<IdRow>)
        .transpose()?
        .flatten()
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
    db: &impl Sql,
    message: &VisitorMessage<'_>,
    reply: &Reply,
    now: i64,
) -> Result<i64, AppError> {
    let conversation = message.conversation;
    let results = db
        .batch(vec![
            touch(conversation, message.site, message.page_url, now),
            insert_visitor(message, None, now)?,
            insert_bot(conversation, reply, message.key, now)?,
            newest_id(conversation, Role::Bot),
        ])
        .await?;
    read_id(&results, "bot reply")
}

/// Stores a visitor message on its own, before its reply is generated;
/// a keyed one is held for this request until `hold_until` (see [`claim`]).
pub(crate) async fn save_visitor_message(
    db: &impl Sql,
    message: &VisitorMessage<'_>,
    hold_until: i64,
    now: i64,
) -> Result<(), AppError> {
    db.batch(vec![
        touch(message.conversation, message.site, message.page_url, now),
        insert_visitor(message, Some(hold_until), now)?,
    ])
    .await?;
    Ok(())
}

fn insert_visitor(
    m: &VisitorMessage<'_>,
    hold_until: Option<i64>,
    now: i64,
) -> Result<Stmt, AppError> {
    insert(NewRow {
        conversation: m.conversation,
        role: Role::Visitor,
        body: m.text,
        reply: None,
        key: m.key,
        answers: None,
        hold_until: hold_until.filter(|_| m.key.is_some()),
        now,
    })
}

/// The bot's reply; `answers`: the key of the visitor message it answers,
/// so that message can never get a second one (unique `reply_to`).
fn insert_bot(
    conversation: &str,
    reply: &Reply,
    answers: Option<&str>,
    now: i64,
) -> Result<Stmt, AppError> {
    insert(NewRow {
        conversation,
        role: Role::Bot,
        body: &reply.text,
        reply: Some(reply),
        key: None,
        answers,
        hold_until: None,
        now,
    })
}

/// A visitor message stored earlier under the same idempotency key: its
/// conversation, and the bot's reply to it once there is one.
#[derive(Debug, PartialEq)]
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
pub(crate) async fn replay(db: &impl Sql, key: &str) -> Result<Option<Replay>, AppError> {
    let results = db
        .batch(vec![
            stmt!(
                "SELECT k.conversation_id AS conversation_id, c.site AS site FROM messages k \
                 JOIN conversations c ON c.id = k.conversation_id WHERE k.idempotency_key = ?1",
                key
            ),
            stmt!(
                format!(
                    "SELECT {VIEW_COLUMNS} FROM {VIEW_FROM}, messages k \
                     WHERE k.idempotency_key = ?1 AND m.conversation_id = k.conversation_id \
                     AND m.id > k.id AND m.role = 'bot' \
                     AND (m.reply_to = k.id OR m.reply_to IS NULL) ORDER BY m.id LIMIT 1"
                ),
                key
            ),
        ])
        .await?;
    let [keyed, reply] = outcomes(results)?;
    let Some(keyed) = keyed.first::<KeyedRow>()? else {
        return Ok(None);
    };
    let reply = match reply.first::<ViewRow>()? {
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
                    confirm: None,
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
    db: &impl Sql,
    conversation: &str,
    reply: &Reply,
    answers: Option<&str>,
    now: i64,
) -> Result<i64, AppError> {
    let results = db
        .batch(vec![
            insert_bot(conversation, reply, answers, now)?,
            newest_id(conversation, Role::Bot),
        ])
        .await?;
    read_id(&results, "bot reply")
}

/// Takes over writing the reply to the keyed message `key`, which has
/// none: only if no other request holds it (its hold lapsed: the request
/// that was writing it died), and then holds it until `hold_until`.
/// Atomic: of repeats at once, one gets `true`.
pub(crate) async fn claim(
    db: &impl Sql,
    key: &str,
    hold_until: i64,
    now: i64,
) -> Result<bool, AppError> {
    db.changed(stmt!(
        "UPDATE messages SET answering_until = ?2 WHERE idempotency_key = ?1 \
         AND COALESCE(answering_until, 0) <= ?3 \
         AND NOT EXISTS (SELECT 1 FROM messages r WHERE r.reply_to = messages.id)",
        key,
        hold_until,
        now
    ))
    .await
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
    db: &impl Sql,
    conversation: &str,
) -> Result<Vec<TranscriptEntry>, AppError> {
    db.all::<MessageRow>(stmt!(
        "SELECT m.role AS role, m.body AS body, m.decision AS decision, m.sources AS sources, \
         m.created_at AS created_at, f.rating AS rating FROM messages m \
         LEFT JOIN feedback f ON f.message_id = m.id \
         WHERE m.conversation_id = ?1 ORDER BY m.id",
        conversation
    ))
    .await?
    .into_iter()
    .map(entry)
    .collect()
}

#[derive(Deserialize)]
struct CountRow {
    n: f64,
}

/// The conversation's most recent `limit` messages, oldest first, with the
/// visitor's ratings, and how many earlier ones there are: what a ticket
/// carries, read with a bound however long the conversation.
pub(crate) async fn recent_transcript(
    db: &impl Sql,
    conversation: &str,
    limit: usize,
) -> Result<(Vec<TranscriptEntry>, u64), AppError> {
    let results = db
        .batch(vec![
            stmt!(
                "SELECT m.role AS role, m.body AS body, m.decision AS decision, \
                 m.sources AS sources, m.created_at AS created_at, f.rating AS rating \
                 FROM messages m LEFT JOIN feedback f ON f.message_id = m.id \
                 WHERE m.conversation_id = ?1 ORDER BY m.id DESC LIMIT ?2",
                conversation,
                limit
            ),
            stmt!(
                "SELECT COUNT(*) AS n FROM messages WHERE conversation_id = ?1",
                conversation
            ),
        ])
        .await?;
    let [rows, count] = outcomes(results)?;
    let mut entries = rows
        .rows::<MessageRow>()?
        .into_iter()
        .map(entry)
        .collect::<Result<Vec<_>, _>>()?;
    entries.reverse();
    let total = count.first::<CountRow>()?.map_or(0, |r| r.n as u64);
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

/// Stores a visitor's answer that came by e-mail (no bot reply follows:
/// agents answer it) and reopens the conversation's tickets; its id, and
/// whether it is new — `key` (the inbound webhook's id) already stored
/// means a replay, which stores nothing.
pub(crate) async fn save_email_answer(
    db: &impl Sql,
    conversation: &str,
    body: &str,
    key: &str,
    now: i64,
) -> Result<(i64, bool), AppError> {
    if let Some(row) = db
        .first::<IdRow>(stmt!(
            "SELECT id FROM messages WHERE idempotency_key = ?1 AND conversation_id = ?2",
            key,
            conversation
        ))
        .await?
    {
        return Ok((row.id as i64, false));
    }
    let results = db
        .batch(vec![
            insert(NewRow {
                conversation,
                role: Role::Visitor,
                body,
                reply: None,
                key: Some(key),
                answers: None,
                hold_until: None,
                now,
            })?,
            mark_active(conversation, now),
            stmt!(
                "UPDATE tickets SET status = 'open', \
                 document = CASE WHEN document IS NULL THEN NULL \
                            ELSE json_set(document, '$.status', 'open') END \
                 WHERE conversation_id = ?1 AND status = 'closed'",
                conversation
            ),
            newest_id(conversation, Role::Visitor),
        ])
        .await?;
    Ok((read_id(&results, "e-mailed answer")?, true))
}

/// Stores an agent's message in a conversation; returns its id.
pub(crate) async fn save_agent_reply(
    db: &impl Sql,
    conversation: &str,
    body: &str,
    now: i64,
) -> Result<i64, AppError> {
    let results = db
        .batch(vec![
            insert(NewRow {
                conversation,
                role: Role::Agent,
                body,
                reply: None,
                key: None,
                answers: None,
                hold_until: None,
                now,
            })?,
            mark_active(conversation, now),
            newest_id(conversation, Role::Agent),
        ])
        .await?;
    read_id(&results, "agent reply")
}

#[derive(Deserialize)]
pub(crate) struct ViewRow {
    id: f64,
    role: String,
    body: String,
    decision: Option<String>,
    reason: Option<String>,
    lang: Option<String>,
    sources: Option<String>,
    created_at: f64,
    rating: Option<String>,
    attachment: Option<String>,
}

/// A message with the visitor's rating and the file it shows, if any:
/// `FROM {VIEW_FROM}`, columns [`VIEW_COLUMNS`]. (The file is found through
/// the attachments' index on conversation.)
pub(crate) const VIEW_COLUMNS: &str =
    "m.id AS id, m.role AS role, m.body AS body, m.decision AS decision, \
     m.reason AS reason, m.lang AS lang, m.sources AS sources, m.created_at AS created_at, \
     f.rating AS rating, a.id AS attachment";
pub(crate) const VIEW_FROM: &str = "messages m LEFT JOIN feedback f ON f.message_id = m.id \
     LEFT JOIN attachments a ON a.conversation_id = m.conversation_id AND a.message_id = m.id";

pub(crate) fn view_message(row: ViewRow) -> Result<ConversationMessage, AppError> {
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
        link: None,
        attachment: row.attachment,
    })
}

pub(crate) fn rating(stored: Option<&str>) -> Result<Option<Rating>, AppError> {
    stored
        .map(|r| {
            Rating::parse(r)
                .ok_or_else(|| AppError::Internal(format!("stored rating {r:?} is not up/down")))
        })
        .transpose()
}

/// Most agent messages one `replies` answer carries: the widget asks again
/// after the newest it got, so a longer backlog comes in pages.
const MAX_REPLIES: u32 = 50;

/// Agent messages in a conversation newer than message `after`, oldest
/// first, at most [`MAX_REPLIES`]: a range of migration 0012's index
/// (conversation, role, id), whatever else the conversation holds.
pub(crate) async fn agent_replies(
    db: &impl Sql,
    id: &str,
    after: i64,
) -> Result<Vec<ConversationMessage>, AppError> {
    db.all::<ViewRow>(stmt!(
        format!(
            "SELECT {VIEW_COLUMNS} FROM {VIEW_FROM} \
             WHERE m.conversation_id = ?1 AND m.role = 'agent' AND m.id > ?2 \
             ORDER BY m.id LIMIT ?3"
        ),
        id,
        after,
        MAX_REPLIES
    ))
    .await?
    .into_iter()
    .map(view_message)
    .collect()
}

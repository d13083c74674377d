//! Reads for the team's insights across `conversations`, `messages`,
//! `feedback` and `tickets`: a period's conversations, newest first, at
//! most [`MAX_CONVERSATIONS`] (index `conversations_by_created`, migration
//! 0011), with their messages (at most [`MAX_MESSAGES`] rows, bodies cut to
//! 500 characters), ratings and tickets, in one batch of two queries. Past
//! those bounds the report covers the newest conversations and says
//! `truncated`.

use std::collections::HashMap;

use frontdesk_api::wire::{Decision, EscalationReason, Rating, Role};
use frontdesk_shared::insights::{ActionAttempt, Conversation, Message, Period, Ticket};
use serde::Deserialize;

use super::{outcomes, Outcome, Sql, Stmt, Value};
use crate::AppError;

/// Most conversations one report or export reads (the newest).
pub(crate) const MAX_CONVERSATIONS: u32 = 5_000;
/// Most message rows one report or export reads.
pub(crate) const MAX_MESSAGES: u32 = 50_000;

#[derive(Deserialize)]
struct Row {
    conversation: String,
    site: String,
    started: f64,
    role: Option<String>,
    body: Option<String>,
    decision: Option<String>,
    reason: Option<String>,
    lang: Option<String>,
    sources: Option<String>,
    at: Option<f64>,
    rating: Option<String>,
}

#[derive(Deserialize)]
struct TicketRow {
    conversation: String,
    topic: Option<String>,
    priority: Option<String>,
}

/// The period's conversations (newest first) for `q.site` (`?3`, and `?4`
/// for the default site's pre-sites `""`), at most [`MAX_CONVERSATIONS`].
const CONVERSATIONS: &str = "WITH conv AS (SELECT id, site, created_at FROM conversations \
     WHERE created_at >= ?1 AND created_at < ?2 AND (?3 IS NULL OR site = ?3 OR site = ?4) \
     ORDER BY created_at DESC LIMIT ?5)";

/// The period's conversations with their messages and tickets, and
/// whether a bound cut them short.
pub(crate) async fn load(
    db: &impl Sql,
    period: &Period,
    site: Option<(&str, bool)>,
) -> Result<(Vec<Conversation>, bool), AppError> {
    let (site, legacy) = match site {
        Some((key, default)) => (Some(key), Some(if default { "" } else { key })),
        None => (None, None),
    };
    let params = vec![
        Value::from(period.from_ms),
        Value::from(period.to_ms),
        Value::from(site),
        Value::from(legacy),
        Value::from(MAX_CONVERSATIONS + 1),
        Value::from(MAX_MESSAGES + 1),
    ];
    let results = db
        .batch(vec![
            Stmt::new(
                format!(
                    "{CONVERSATIONS} SELECT conv.id AS conversation, conv.site AS site, \
                 conv.created_at AS started, m.role AS role, substr(m.body, 1, 500) AS body, \
                 m.decision AS decision, m.reason AS reason, m.lang AS lang, \
                 m.sources AS sources, m.created_at AS at, f.rating AS rating \
                 FROM conv LEFT JOIN messages m ON m.conversation_id = conv.id \
                 LEFT JOIN feedback f ON f.message_id = m.id \
                 ORDER BY conv.created_at DESC, conv.id, m.id LIMIT ?6"
                ),
                params.clone(),
            ),
            Stmt::new(
                format!(
                    "{CONVERSATIONS} SELECT t.conversation_id AS conversation, t.topic AS topic, \
                     t.priority AS priority FROM conv JOIN tickets t ON t.conversation_id = conv.id \
                     ORDER BY t.id"
                ),
                params[..5].to_vec(),
            ),
            Stmt::new(
                format!(
                    "{CONVERSATIONS} SELECT a.conversation_id AS conversation, a.action AS action, \
                     a.status AS status FROM conv JOIN action_attempts a \
                     ON a.conversation_id = conv.id ORDER BY a.created_at, a.id LIMIT ?6"
                ),
                params.clone(),
            ),
        ])
        .await?;
    let [rows, tickets, attempts] = outcomes(results)?;
    let rows = rows.rows::<Row>()?;
    let mut truncated = rows.len() > MAX_MESSAGES as usize;
    let mut conversations: Vec<Conversation> = Vec::new();
    for row in rows.into_iter().take(MAX_MESSAGES as usize) {
        if conversations
            .last()
            .is_none_or(|c| c.id != row.conversation)
        {
            conversations.push(Conversation {
                id: row.conversation.clone(),
                site: row.site.clone(),
                started: row.started as i64,
                messages: Vec::new(),
                tickets: Vec::new(),
                actions: Vec::new(),
            });
        }
        if let Some(m) = message(row)? {
            if let Some(c) = conversations.last_mut() {
                c.messages.push(m);
            }
        }
    }
    if conversations.len() > MAX_CONVERSATIONS as usize {
        conversations.truncate(MAX_CONVERSATIONS as usize);
        truncated = true;
    }
    let index: HashMap<String, usize> = conversations
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.clone(), i))
        .collect();
    for t in tickets.rows::<TicketRow>()? {
        if let Some(&i) = index.get(&t.conversation) {
            conversations[i].tickets.push(Ticket {
                topic: t.topic,
                priority: t.priority,
            });
        }
    }
    for a in attempts.rows::<AttemptRow>()? {
        if let Some(&i) = index.get(&a.conversation) {
            conversations[i].actions.push(ActionAttempt {
                action: a.action,
                status: a.status,
            });
        }
    }
    Ok((conversations, truncated))
}

#[derive(Deserialize)]
struct AttemptRow {
    conversation: String,
    action: String,
    status: String,
}

/// A row's message (`None` for a conversation without messages).
fn message(row: Row) -> Result<Option<Message>, AppError> {
    let (Some(role), Some(body), Some(at)) = (row.role, row.body, row.at) else {
        return Ok(None);
    };
    let bad = |what: &str| AppError::Internal(format!("stored message has a bad {what}"));
    Ok(Some(Message {
        role: Role::parse(&role).ok_or_else(|| bad("role"))?,
        body,
        decision: row.decision.as_deref().and_then(Decision::parse),
        reason: row.reason.as_deref().and_then(EscalationReason::parse),
        lang: row.lang,
        sources: match row.sources {
            Some(s) => serde_json::from_str(&s)?,
            None => Vec::new(),
        },
        rating: row.rating.as_deref().and_then(Rating::parse),
        at: at as i64,
    }))
}

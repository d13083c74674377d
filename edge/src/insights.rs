//! The admin insights API (`/api/v1/admin/insights`, `.../conversations/{id}`,
//! `.../export`): reads a period's conversations from D1 and hands them to
//! `frontdesk_shared::insights`, which does every computation. Read-only;
//! its SQL lives here rather than in `store.rs` because nothing else uses it.
//!
//! Scaling: one report reads the conversations started in the period
//! (index `conversations_by_created`, migration 0011), newest first, at
//! most [`MAX_CONVERSATIONS`], with their messages (at most
//! [`MAX_MESSAGES`] rows, bodies cut to 500 characters), ratings and
//! tickets, in one batch of two queries. Past those bounds the report
//! covers the newest conversations and says `truncated`.

use std::collections::HashMap;

use frontdesk_api::error::{ApiError, ErrorCode};
use frontdesk_api::validate::conversation_id;
use frontdesk_api::wire::{Decision, EscalationReason, Rating, Role};
use frontdesk_shared::insights::{
    self, Conversation, ExportFormat, ExportKind, Message, Period, Ticket,
};
use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::{D1Database, Env, Request, Response, Url};

use crate::http::json;
use crate::platform::now_ms;
use crate::{content, store, vars, AppError};

const DB: &str = "DB";
/// Most conversations one report or export reads (the newest).
pub(crate) const MAX_CONVERSATIONS: u32 = 5_000;
/// Most message rows one report or export reads.
pub(crate) const MAX_MESSAGES: u32 = 50_000;

/// A report's query: its period and site filter.
struct Query {
    period: Period,
    /// The `[[site]]` key asked for, and whether it is the default site
    /// (which also owns conversations stored from before sites, `""`).
    site: Option<(String, bool)>,
}

/// Reads `from`, `to` and `site` (other parameters are left to the caller).
fn query(url: &Url) -> Result<Query, AppError> {
    let (mut from, mut to, mut site) = (None, None, None);
    for (k, v) in url.query_pairs() {
        match k.as_ref() {
            "from" => from = Some(v.into_owned()),
            "to" => to = Some(v.into_owned()),
            "site" if !v.is_empty() => site = Some(v.into_owned()),
            _ => {}
        }
    }
    let period = insights::period(from.as_deref(), to.as_deref(), now_ms())?;
    let site = match site {
        None => None,
        Some(key) => {
            let known = content::sites()
                .iter()
                .find(|s| s.key == key)
                .ok_or_else(|| {
                    ApiError::field(
                        ErrorCode::UnknownSite,
                        "site",
                        "No [[site]] of frontdesk.toml has that key.",
                    )
                })?;
            Some((known.key.clone(), known.default))
        }
    };
    Ok(Query { period, site })
}

/// N of an assumed resolution: `INSIGHTS_QUIET_MS` (default 30 minutes).
fn quiet_ms(env: &Env) -> i64 {
    vars::millis(env, "INSIGHTS_QUIET_MS", insights::DEFAULT_QUIET_MS as u64).as_millis() as i64
}

/// `GET /api/v1/admin/insights?from=&to=&site=`
pub(crate) async fn report(req: &Request, env: &Env) -> Result<Response, AppError> {
    let q = query(&req.url()?)?;
    let (conversations, truncated) = load(&env.d1(DB)?, &q).await?;
    let mut report = insights::report(&conversations, now_ms(), quiet_ms(env));
    report.from = q.period.from_ms;
    report.to = q.period.to_ms;
    report.site = q.site.map(|(key, _)| key);
    report.truncated = truncated;
    // The site filter's choices ride along.
    let mut body = serde_json::to_value(&report)?;
    body["sites"] = content::sites()
        .iter()
        .map(|s| serde_json::json!({ "key": s.key, "name": s.name }))
        .collect();
    json(&body, 200)
}

/// `GET /api/v1/admin/export?format=csv|json&kind=conversations|questions|articles&from=&to=&site=`
pub(crate) async fn export(req: &Request, env: &Env) -> Result<Response, AppError> {
    let url = req.url()?;
    let (mut format, mut kind) = (None, None);
    for (k, v) in url.query_pairs() {
        match k.as_ref() {
            "format" => format = Some(ExportFormat::parse(&v)?),
            "kind" => kind = Some(ExportKind::parse(&v)?),
            _ => {}
        }
    }
    let format = format.unwrap_or(ExportFormat::Csv);
    let kind = kind.ok_or_else(|| {
        ApiError::field(
            ErrorCode::InvalidField,
            "kind",
            "kind must be conversations, questions or articles.",
        )
    })?;
    let q = query(&url)?;
    let (conversations, _) = load(&env.d1(DB)?, &q).await?;
    let table = insights::export(kind, &conversations, now_ms(), quiet_ms(env));
    let day = |ms: i64| insights::iso_time(ms)[..10].to_owned();
    let name = format!(
        "frontdesk-{}-{}-{}",
        kind.as_str(),
        day(q.period.from_ms),
        day(q.period.to_ms - 1)
    );
    let (mut response, name) = match format {
        ExportFormat::Csv => (
            Response::ok(insights::to_csv(&table))?,
            format!("{name}.csv"),
        ),
        ExportFormat::Json => (
            Response::from_json(&insights::to_json(&table))?,
            format!("{name}.json"),
        ),
    };
    let headers = response.headers_mut();
    if format == ExportFormat::Csv {
        headers.set("Content-Type", "text/csv; charset=utf-8; header=present")?;
    }
    headers.set(
        "Content-Disposition",
        &format!("attachment; filename=\"{name}\""),
    )?;
    headers.set("Cache-Control", "no-store")?;
    Ok(response)
}

/// `GET /api/v1/admin/conversations/{id}`: the whole conversation as the
/// team reads it: its site and page, each message with the bot's decision,
/// reason, language, sources and the visitor's rating, and its tickets.
pub(crate) async fn conversation(env: &Env, id: &str) -> Result<Response, AppError> {
    let id = conversation_id(id)?;
    let db = env.d1(DB)?;
    let meta = db
        .prepare("SELECT site, page_url, created_at FROM conversations WHERE id = ?1")
        .bind(&[JsValue::from_str(&id)])?
        .first::<MetaRow>(None)
        .await?;
    let (Some(meta), Some(view)) = (meta, store::conversation_view(&db, &id).await?) else {
        return Err(AppError::code(
            ErrorCode::ConversationNotFound,
            "No conversation with that id (it may have been deleted).",
        ));
    };
    json(
        &serde_json::json!({
            "conversation_id": id,
            "site": meta.site,
            "page_url": meta.page_url,
            "started": meta.created_at as i64,
            "messages": view.messages,
            "tickets": view.tickets,
        }),
        200,
    )
}

#[derive(Deserialize)]
struct MetaRow {
    site: String,
    page_url: Option<String>,
    created_at: f64,
}

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
async fn load(db: &D1Database, q: &Query) -> Result<(Vec<Conversation>, bool), AppError> {
    let (site, legacy) = match &q.site {
        Some((key, default)) => (
            JsValue::from_str(key),
            JsValue::from_str(if *default { "" } else { key }),
        ),
        None => (JsValue::NULL, JsValue::NULL),
    };
    let binds = [
        JsValue::from_f64(q.period.from_ms as f64),
        JsValue::from_f64(q.period.to_ms as f64),
        site,
        legacy,
        JsValue::from(MAX_CONVERSATIONS + 1),
        JsValue::from(MAX_MESSAGES + 1),
    ];
    let results = db
        .batch(vec![
            db.prepare(format!(
                "{CONVERSATIONS} SELECT conv.id AS conversation, conv.site AS site, \
                 conv.created_at AS started, m.role AS role, substr(m.body, 1, 500) AS body, \
                 m.decision AS decision, m.reason AS reason, m.lang AS lang, \
                 m.sources AS sources, m.created_at AS at, f.rating AS rating \
                 FROM conv LEFT JOIN messages m ON m.conversation_id = conv.id \
                 LEFT JOIN feedback f ON f.message_id = m.id \
                 ORDER BY conv.created_at DESC, conv.id, m.id LIMIT ?6"
            ))
            .bind(&binds)?,
            db.prepare(format!(
                "{CONVERSATIONS} SELECT t.conversation_id AS conversation, t.topic AS topic, \
                 t.priority AS priority FROM conv JOIN tickets t ON t.conversation_id = conv.id ORDER BY t.id"
            ))
            .bind(&binds[..5])?,
        ])
        .await?;
    let [rows, tickets] = results.as_slice() else {
        return Err(AppError::Internal("batch returned the wrong count".into()));
    };
    let rows = rows.results::<Row>()?;
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
    for t in tickets.results::<TicketRow>()? {
        if let Some(&i) = index.get(&t.conversation) {
            conversations[i].tickets.push(Ticket {
                topic: t.topic,
                priority: t.priority,
            });
        }
    }
    Ok((conversations, truncated))
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

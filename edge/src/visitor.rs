//! The visitor's own conversation, by its id (a random UUID the worker
//! minted, known only to the visitor's widget and the agents): read it back
//! after a reload, wait for agent replies, delete it.
//!
//! - `GET /api/v1/conversations/{id}`: messages (newest 500) and tickets.
//! - `GET /api/v1/conversations/{id}/replies?after=N&wait=S`: agent messages
//!   after message N; with `wait` (1–25 s) the request is held until one
//!   arrives or the time is up (long polling), checking D1 every
//!   [`POLL_EVERY_MS`], so a reply reaches an open widget within about that.
//! - `DELETE /api/v1/conversations/{id}`: the conversation, its messages,
//!   tickets and delivery records, gone.

use frontdesk_shared::error::{ApiError, ErrorCode};
use frontdesk_shared::validate::conversation_id;
use frontdesk_shared::wire::ConversationView;
use std::time::Duration;
use wasm_bindgen::JsValue;
use worker::{Delay, Env, Method, Request, Response, Url};

use crate::http::json;
use crate::platform::now_ms;
use crate::site::Caller;
use crate::store;
use crate::AppError;

const DB: &str = "DB";
/// How often a held `replies` request looks for a new agent message.
pub const POLL_EVERY_MS: u64 = 500;
/// Longest `wait` a client may ask for: under the 30 s many proxies allow.
const MAX_WAIT_SECS: u64 = 25;

/// Routes `/api/v1/conversations/...`, after checking that the caller may
/// act for the conversation's site ([`Caller::conversation`]).
pub async fn route(
    req: Request,
    env: &Env,
    path: &str,
    caller: &Caller,
) -> Result<Response, AppError> {
    let rest = path.trim_start_matches("/api/v1/conversations/");
    let parts: Vec<&str> = rest.split('/').collect();
    let (action, id) = match (req.method(), parts.as_slice()) {
        (Method::Get, [id]) => (Action::Show, id),
        (Method::Delete, [id]) => (Action::Delete, id),
        (Method::Get, [id, "replies"]) => (Action::Replies, id),
        (_, [_] | [_, "replies"]) => {
            return Err(AppError::code(
                ErrorCode::MethodNotAllowed,
                "This endpoint does not accept that method.",
            ))
        }
        _ => return Err(AppError::code(ErrorCode::NotFound, "No such endpoint.")),
    };
    let id = conversation_id(id)?;
    caller.conversation(&env.d1(DB)?, &id).await?;
    match action {
        Action::Show => show(env, id).await,
        Action::Delete => delete(env, id).await,
        Action::Replies => replies(&req, env, id).await,
    }
}

enum Action {
    Show,
    Delete,
    Replies,
}

fn gone() -> AppError {
    ApiError::field(
        ErrorCode::ConversationNotFound,
        "conversation_id",
        "This conversation does not exist (it may have been deleted). Start a new one.",
    )
    .into()
}

async fn show(env: &Env, id: String) -> Result<Response, AppError> {
    let view = store::conversation_view(&env.d1(DB)?, &id)
        .await?
        .ok_or_else(gone)?;
    json(&view, 200)
}

async fn delete(env: &Env, id: String) -> Result<Response, AppError> {
    let n = store::delete_conversations(
        &env.d1(DB)?,
        "SELECT id FROM conversations WHERE id = ?1",
        &[JsValue::from_str(&id)],
    )
    .await?;
    if n == 0 {
        return Err(gone());
    }
    json(
        &serde_json::json!({ "conversation_id": id, "deleted": true }),
        200,
    )
}

/// `after` and `wait` from the query string, checked.
fn poll_query(url: &Url) -> Result<(i64, u64), AppError> {
    let mut after = 0;
    let mut wait = 0;
    for (k, v) in url.query_pairs() {
        match k.as_ref() {
            "after" => {
                after = v.parse::<i64>().ok().filter(|&n| n >= 0).ok_or_else(|| {
                    bad("after", "after must be a message id (a whole number ≥ 0).")
                })?
            }
            "wait" => {
                wait = v
                    .parse::<u64>()
                    .ok()
                    .filter(|&s| s <= MAX_WAIT_SECS)
                    .ok_or_else(|| bad("wait", "wait must be 0–25 seconds."))?
            }
            _ => {}
        }
    }
    Ok((after, wait))
}

fn bad(field: &str, message: &str) -> AppError {
    ApiError::field(ErrorCode::InvalidField, field, message).into()
}

async fn replies(req: &Request, env: &Env, id: String) -> Result<Response, AppError> {
    let (after, wait) = poll_query(&req.url()?)?;
    let db = env.d1(DB)?;
    if !store::conversation_exists(&db, &id).await? {
        return Err(gone());
    }
    let deadline = now_ms() + (wait * 1000) as i64;
    let messages = loop {
        let found = store::agent_replies(&db, &id, after).await?;
        if !found.is_empty() || now_ms() + POLL_EVERY_MS as i64 > deadline {
            break found;
        }
        Delay::from(Duration::from_millis(POLL_EVERY_MS)).await;
    };
    json(
        &ConversationView {
            conversation_id: id,
            messages,
            tickets: Vec::new(),
        },
        200,
    )
}

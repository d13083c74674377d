//! The visitor's own conversation, by its id (a random UUID the worker
//! minted, known only to the visitor's widget and the agents): read it back
//! after a reload, wait for agent replies, delete it.
//!
//! - `GET /api/v1/conversations/{id}`: messages (newest 500) and tickets.
//! - `GET /api/v1/conversations/{id}/replies?after=N&wait=S`: agent messages
//!   after message N (at most 50; the client asks again after the newest);
//!   with `wait` (1–25 s) the request is held until one arrives or the time
//!   is up (long polling, `replies.rs`), so a reply reaches an open widget
//!   within about 2 s.
//! - `GET /api/v1/conversations/{id}/live?after=N` with `Upgrade: websocket`:
//!   the conversation live (`room.rs`): agent replies after message N at
//!   once, then each as it is stored, and typing both ways; the long poll
//!   stays for clients that cannot keep a WebSocket open.
//! - `DELETE /api/v1/conversations/{id}`: the conversation, its messages,
//!   tickets and delivery records, gone.
//!
//! Each is limited (`limits.rs`): a read per request, and a held poll its
//! `wait` in poll-seconds (what it did not hold is given back), per
//! conversation, address and site; a refused one is a 429 and does nothing.

use frontdesk_api::error::{ApiError, ErrorCode};
use frontdesk_api::validate::conversation_id;
use frontdesk_api::wire::{ConversationView, Role};
use frontdesk_shared::config::limits::Kind;
use worker::{Env, Request, Response, Url};

use crate::blobs::R2;
use crate::db::{self, D1};
use crate::http::json;
use crate::limits::{self, Who};
use crate::platform::now_ms;
use crate::ports::bindings::Bindings;
use crate::ports::Ports;
use crate::settings::Settings;
use crate::site::Caller;
use crate::AppError;
use crate::{attachments, replies, room};

/// Longest `wait` a client may ask for: under the 30 s many proxies allow.
const MAX_WAIT_SECS: u64 = 25;

/// One of a visitor's conversation endpoints (`routes.rs`), after checking
/// that the caller may act for the conversation's site
/// ([`Caller::conversation`]).
pub(crate) async fn route(
    req: Request,
    env: &Env,
    ctx: &worker::Context,
    action: Action,
    id: &str,
    caller: Caller,
) -> Result<Response, AppError> {
    let id = conversation_id(id)?;
    let (site, owner) = caller.conversation(&D1::of(env)?, &id).await?;
    // One that does not exist counts against the address and the site only
    // (no counter object per made-up id), and is then reported missing.
    let who = Who::new(&req, owner.as_ref().map(|_| id.as_str()), &site)
        .since(owner.as_ref().map(|o| o.started));
    match action {
        Action::Show => {
            limits::admit_all(env, &who, &[(Kind::Reads, 1)], false).await?;
            show(env, id, &origin(&req)?).await
        }
        Action::Delete => {
            limits::admit_all(env, &who, &[(Kind::Reads, 1)], false).await?;
            delete(env, id).await
        }
        Action::Replies => replies(&req, env, ctx, id, owner.is_some(), &who).await,
        Action::Attach => {
            // A file is a message, for the limits.
            limits::admit_all(env, &who, &[(Kind::Messages, 1)], false).await?;
            if owner.is_none() {
                return Err(gone());
            }
            attach(req, env, ctx, &id).await
        }
        Action::Live => {
            limits::admit_all(env, &who, &[(Kind::Reads, 1)], false).await?;
            if owner.is_none() {
                return Err(gone());
            }
            live(&req, env, &id).await
        }
    }
}

/// `live`: a WebSocket upgrade (else 426 `upgrade_required`) handed to the
/// conversation's room with the client's last id.
async fn live(req: &Request, env: &Env, id: &str) -> Result<Response, AppError> {
    let (after, _) = poll_query(&req.url()?)?;
    let upgrade = req.headers().get("Upgrade")?.unwrap_or_default();
    if !upgrade.eq_ignore_ascii_case("websocket") {
        return Err(AppError::code(
            ErrorCode::UpgradeRequired,
            "Open this as a WebSocket (Upgrade: websocket), or wait for replies with GET …/replies?wait=20.",
        ));
    }
    let base = origin(req)?;
    Ok(room::connect(env, id, Role::Visitor, after, &base).await?)
}

/// What is asked of a conversation.
pub(crate) enum Action {
    Show,
    Delete,
    Replies,
    Live,
    Attach,
}

fn gone() -> AppError {
    ApiError::field(
        ErrorCode::ConversationNotFound,
        "conversation_id",
        "This conversation does not exist (it may have been deleted). Start a new one.",
    )
    .into()
}

/// This worker's origin, for links to files (the widget is on another).
fn origin(req: &Request) -> Result<String, AppError> {
    Ok(req.url()?.origin().ascii_serialization())
}

async fn show(env: &Env, id: String, base: &str) -> Result<Response, AppError> {
    let db = D1::of(env)?;
    let mut view = db::conversations::view(&db, &id).await?.ok_or_else(gone)?;
    let secret = Settings::of(env).agent_token.clone();
    attachments::sign_links(secret.as_deref(), base, now_ms(), &mut view.messages);
    let last_reply = view.messages.iter().rev().find(|m| m.role == Role::Agent);
    if let Some(last) = last_reply {
        // Shown in the widget: not to be e-mailed.
        if let Err(e) = db::emails::delivered(&db, &id, last.id, now_ms()).await {
            worker::console_error!("marking replies delivered: {e:?}");
        }
    }
    json(&view, 200)
}

async fn delete(env: &Env, id: String) -> Result<Response, AppError> {
    let db = D1::of(env)?;
    let which = db::conversations::Selection::One(&id);
    // Its files first: should R2 fail, the conversation stays to try again.
    attachments::delete_files(&db, &R2(env), &which).await?;
    let n = db::conversations::delete(&db, &which).await?;
    if n == 0 {
        return Err(gone());
    }
    json(
        &serde_json::json!({ "conversation_id": id, "deleted": true }),
        200,
    )
}

/// `attachments?name=…`: the body is the file's bytes (any
/// `Content-Type`: what it is is read from them), at most
/// `attachments::MAX_BYTES`; [`attachments::upload`]. `201` with what was
/// stored.
async fn attach(
    mut req: Request,
    env: &Env,
    ctx: &worker::Context,
    id: &str,
) -> Result<Response, AppError> {
    let name = crate::http::file_name_query(&req.url()?);
    let bytes = crate::http::read_bytes(&mut req, frontdesk_shared::attachments::MAX_BYTES)
        .await?
        .ok_or_else(attachments::too_large)?;
    let stored = attachments::upload(&Bindings::new(env, ctx)?, id, &name, bytes).await?;
    json(&stored, 201)
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
                })?;
            }
            "wait" => {
                wait = v
                    .parse::<u64>()
                    .ok()
                    .filter(|&s| s <= MAX_WAIT_SECS)
                    .ok_or_else(|| bad("wait", "wait must be 0–25 seconds."))?;
            }
            _ => {}
        }
    }
    Ok((after, wait))
}

fn bad(field: &str, message: &str) -> AppError {
    ApiError::field(ErrorCode::InvalidField, field, message).into()
}

/// `replies`: the query checked, then [`replies::wait`].
async fn replies(
    req: &Request,
    env: &Env,
    ctx: &worker::Context,
    id: String,
    exists: bool,
    who: &Who,
) -> Result<Response, AppError> {
    let (after, wait) = poll_query(&req.url()?)?;
    let ports = Bindings::new(env, ctx)?;
    let mut messages = replies::wait(&ports, &id, exists, who, after, wait).await?;
    let secret = ports.secret("AGENT_TOKEN");
    attachments::sign_links(secret.as_deref(), &origin(req)?, ports.now(), &mut messages);
    json(
        &ConversationView {
            conversation_id: id,
            messages,
            tickets: Vec::new(),
        },
        200,
    )
}

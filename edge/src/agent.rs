//! The agent API: list and filter tickets, read one with its conversation
//! and deliveries, reply, close, and tell the visitor's open widget that an
//! agent has joined or is typing. Every endpoint needs
//! `Authorization: Bearer <AGENT_TOKEN>` (a wrangler secret); without a
//! configured token the API is closed.

use frontdesk_api::error::ErrorCode;
use frontdesk_api::validate::{agent_reply, ticket_reference};
use frontdesk_api::wire::{AgentReplyRequest, LiveEvent, Role};
use frontdesk_shared::tickets::routing::MAX_TEAM_CHARS;
use worker::{Env, Request, Response, Url};

use crate::content;
use crate::db::{self, D1};
use crate::http::{json, read_json};
use crate::ports::bindings::Bindings;
use crate::AppError;
use crate::{attachments, inbox, room};

/// Most tickets one list returns.
const MAX_LIST: u32 = 100;

/// `GET /api/v1/agent/tickets?status=&priority=&topic=&team=&site=&limit=`
pub(crate) async fn list(req: &Request, env: &Env) -> Result<Response, AppError> {
    let url: Url = req.url()?;
    let mut filter = db::tickets::Filter::default();
    for (k, v) in url.query_pairs() {
        let v = v.into_owned();
        match k.as_ref() {
            "status" if ["open", "closed"].contains(&v.as_str()) => filter.status = Some(v),
            "priority" if ["low", "normal", "high", "urgent"].contains(&v.as_str()) => {
                filter.priority = Some(v);
            }
            "topic" if !v.is_empty() && v.len() <= 100 => filter.topic = Some(v),
            "team" if !v.is_empty() && v.chars().count() <= MAX_TEAM_CHARS => filter.team = Some(v),
            "site" => match content::sites().iter().find(|s| s.key == v) {
                Some(site) => {
                    filter.site_is_default = site.default;
                    filter.site = Some(v);
                }
                None => {
                    return Err(bad_query(
                        "site",
                        "site must be the key of a configured site.",
                    ))
                }
            },
            "limit" => match v.parse::<u32>() {
                Ok(n) if (1..=MAX_LIST).contains(&n) => filter.limit = n,
                _ => return Err(bad_query("limit", "limit must be 1–100.")),
            },
            "status" => return Err(bad_query("status", "status must be open or closed.")),
            "priority" => {
                return Err(bad_query(
                    "priority",
                    "priority must be low, normal, high or urgent.",
                ))
            }
            "topic" => return Err(bad_query("topic", "topic must be 1–100 characters.")),
            "team" => return Err(bad_query("team", "team must be 1–40 characters.")),
            _ => {}
        }
    }
    let db = D1::of(env)?;
    let mut tickets = db::tickets::list(&db, &filter).await?;
    // Conversations from before sites existed belong to the default site.
    if let Some(default) = content::sites().iter().find(|s| s.default) {
        for t in tickets.iter_mut().filter(|t| t.site.is_empty()) {
            t.site.clone_from(&default.key);
        }
    }
    json(&tickets, 200)
}

fn bad_query(field: &str, message: &str) -> AppError {
    frontdesk_api::error::ApiError::field(ErrorCode::InvalidField, field, message).into()
}

/// `GET /api/v1/agent/tickets/{reference}`: the ticket document, the
/// conversation as it is now (agent replies included) and its deliveries.
pub(crate) async fn show(
    env: &Env,
    ctx: &worker::Context,
    reference: &str,
) -> Result<Response, AppError> {
    let reference = ticket_reference(reference)?;
    let db = D1::of(env)?;
    let ticket = db::tickets::get(&db, &reference)
        .await?
        .ok_or_else(not_found)?;
    let conversation = db::messages::transcript(&db, &ticket.conversation_id).await?;
    let deliveries = db::deliveries::of_ticket(&db, &reference).await?;
    // Paths (the inbox is on this origin), good for a quarter of an hour.
    let attachments = attachments::links(
        &Bindings::new(env, ctx)?,
        &ticket.conversation_id,
        "",
        frontdesk_shared::attachments::AGENT_LINK_SECS,
    )
    .await?;
    json(
        &serde_json::json!({
            "ticket": ticket.document,
            "status": ticket.status,
            "conversation": conversation,
            "deliveries": deliveries,
            "attachments": attachments,
        }),
        200,
    )
}

fn not_found() -> AppError {
    AppError::code(ErrorCode::TicketNotFound, "No ticket with that reference.")
}

/// `POST /api/v1/agent/tickets/{reference}/reply` `{"text"}`: an agent's
/// message in the visitor's conversation ([`inbox::reply`]).
pub(crate) async fn reply(
    mut req: Request,
    env: &Env,
    ctx: &worker::Context,
    reference: &str,
) -> Result<Response, AppError> {
    let reference = ticket_reference(reference)?;
    let body: AgentReplyRequest = read_json(&mut req).await?;
    let text = agent_reply(&body.text)?;
    let base = req.url()?.origin().ascii_serialization();
    let id = inbox::reply(&Bindings::new(env, ctx)?, &reference, &text, &base).await?;
    json(
        &serde_json::json!({ "message_id": id, "role": Role::Agent, "text": text }),
        201,
    )
}

/// `POST /api/v1/agent/tickets/{reference}/attachments?name=…`: the body
/// is the file's bytes (as a visitor's, see `visitor::attach`), sent to the
/// visitor as the agent's message ([`inbox::attach`]). `201` with what was
/// stored.
pub(crate) async fn attach(
    mut req: Request,
    env: &Env,
    ctx: &worker::Context,
    reference: &str,
) -> Result<Response, AppError> {
    let reference = ticket_reference(reference)?;
    let url = req.url()?;
    let name = crate::http::file_name_query(&url);
    let bytes = crate::http::read_bytes(&mut req, frontdesk_shared::attachments::MAX_BYTES)
        .await?
        .ok_or_else(attachments::too_large)?;
    let base = url.origin().ascii_serialization();
    let stored = inbox::attach(&Bindings::new(env, ctx)?, &reference, &name, bytes, &base).await?;
    json(&stored, 201)
}

/// `POST /api/v1/agent/tickets/{reference}/typing` and `…/join`: the
/// visitor's open widget shows that an agent is typing, or has joined
/// ([`inbox::presence`]); 204, nothing stored.
pub(crate) async fn presence(
    env: &Env,
    ctx: &worker::Context,
    reference: &str,
    event: LiveEvent,
) -> Result<Response, AppError> {
    let reference = ticket_reference(reference)?;
    inbox::presence(&Bindings::new(env, ctx)?, &reference, &event).await?;
    Ok(Response::empty()?.with_status(204))
}

/// `GET /api/v1/agent/tickets/{reference}/live`, a WebSocket (the token as
/// the `frontdesk-agent` subprotocol's second value, see
/// `vars::protocol_token`): the visitor's typing and `changed` when they
/// write, as they happen, for the inbox's open ticket.
pub(crate) async fn live(req: &Request, env: &Env, reference: &str) -> Result<Response, AppError> {
    let reference = ticket_reference(reference)?;
    let ticket = db::tickets::get(&D1::of(env)?, &reference)
        .await?
        .ok_or_else(not_found)?;
    let upgrade = req.headers().get("Upgrade")?.unwrap_or_default();
    if !upgrade.eq_ignore_ascii_case("websocket") {
        return Err(AppError::code(
            ErrorCode::UpgradeRequired,
            "Open this as a WebSocket (Upgrade: websocket).",
        ));
    }
    Ok(room::connect(env, &ticket.conversation_id, Role::Agent, 0, "").await?)
}

/// `GET /api/v1/agent/live`, a WebSocket (the token as for a ticket's):
/// `changed` whenever a ticket is opened, answered or closed, for the
/// inbox's list.
pub(crate) async fn inbox_live(req: &Request, env: &Env) -> Result<Response, AppError> {
    let upgrade = req.headers().get("Upgrade")?.unwrap_or_default();
    if !upgrade.eq_ignore_ascii_case("websocket") {
        return Err(AppError::code(
            ErrorCode::UpgradeRequired,
            "Open this as a WebSocket (Upgrade: websocket).",
        ));
    }
    Ok(room::connect(env, room::INBOX, Role::Agent, 0, "").await?)
}

/// `POST /api/v1/agent/tickets/{reference}/close` ([`inbox::close`])
pub(crate) async fn close(
    env: &Env,
    ctx: &worker::Context,
    reference: &str,
) -> Result<Response, AppError> {
    let reference = ticket_reference(reference)?;
    inbox::close(&Bindings::new(env, ctx)?, &reference).await?;
    json(
        &serde_json::json!({ "reference": reference, "status": "closed" }),
        200,
    )
}

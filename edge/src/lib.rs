//! The Frontdesk worker. Routes requests, validates them into the trusted
//! types of `frontdesk-shared`, calls the pure engine, and stores everything
//! in D1 before it answers. Static files (demo page, widget) are served by
//! Workers static assets before this code runs.

mod actions;
mod admin_content;
mod agent;
mod attachments;
mod blobs;
mod chat;
mod content;
mod db;
mod deliver;
mod email;
mod embed;
mod error;
mod feedback;
mod generate;
mod handlers;
mod handoff;
mod housekeeping;
mod http;
mod inbox;
mod insights;
mod limits;
mod live;
mod platform;
mod ports;
mod publish;
mod render;
mod replies;
mod room;
mod routes;
mod settings;
mod site;
mod summary;
mod vars;
mod visitor;

use frontdesk_api::error::ErrorCode;
use frontdesk_api::wire::{LiveEvent, Role};
use worker::{
    event, Context, Env, MessageBatch, Method, Request, Response, ScheduleContext, ScheduledEvent,
};

use routes::{Group, Miss};
use settings::Settings;

pub use error::AppError;
pub use limits::Limiter;
pub use room::Room;

#[event(start)]
fn start() {
    console_error_panic_hook::set_once();
}

#[event(fetch)]
async fn fetch(req: Request, env: Env, ctx: Context) -> worker::Result<Response> {
    let path = req.path();
    // Only the visitor API is cross-origin; the agent API is for the
    // worker's own inbox page.
    let cors = visitor_api(&path)
        .then(|| http::cors_origin(&req))
        .flatten();
    let result = route(req, &env, &ctx, &path).await;
    let mut response = result.unwrap_or_else(AppError::into_response);
    // A WebSocket's handshake answer (101) is the room's, and final.
    if path.starts_with("/api/") && response.status_code() != 101 {
        http::cors(&mut response, cors.as_deref())?;
    }
    Ok(response)
}

/// Ticket deliveries queued by the handoff endpoint, and e-mails queued
/// after agent replies.
#[event(queue)]
async fn queue(
    batch: MessageBatch<deliver::QueueJob>,
    env: Env,
    ctx: Context,
) -> worker::Result<()> {
    deliver::consume(batch, &env, &ctx).await
}

/// The cron trigger: requeue lost deliveries, purge old conversations.
#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    housekeeping::run(&env).await;
}

/// The endpoints a visitor's browser calls, from the host page's origin
/// (also when the path is unknown: its 404 still carries CORS headers).
fn visitor_api(path: &str) -> bool {
    path.starts_with("/api/") && Group::of_prefix(path).is_none_or(Group::cross_origin)
}

/// Runs a request through the route table ([`routes`]): the guard of its
/// group, then its handler.
async fn route(req: Request, env: &Env, ctx: &Context, path: &str) -> Result<Response, AppError> {
    use routes::Endpoint as E;
    let method = req.method();
    if method == Method::Options && path.starts_with("/api/") {
        return if visitor_api(path) {
            http::preflight(&req)
        } else {
            Err(http::cross_origin_refused())
        };
    }
    // The guards that run before the route is known (routes.rs says why).
    let mut caller = None;
    match Group::of_prefix(path) {
        Some(Group::Agent) => vars::check_bearer(
            &req,
            Settings::of(env).agent_token.as_deref(),
            "Sign in with the agent token.",
        )?,
        Some(Group::Admin) => vars::check_bearer(
            &req,
            Settings::of(env).admin_token.as_deref(),
            "Sign in with the admin token.",
        )?,
        Some(Group::Conversation) => caller = Some(site::Caller::new(&req)?),
        _ => {}
    }
    let routes::Matched {
        endpoint, params, ..
    } = routes::resolve(&method, path).map_err(|miss| match miss {
        Miss::NotFound => AppError::code(ErrorCode::NotFound, "No such endpoint."),
        Miss::MethodNotAllowed => AppError::code(
            ErrorCode::MethodNotAllowed,
            "This endpoint does not accept that method.",
        ),
    })?;
    let param = params.first().copied().unwrap_or_default();
    match endpoint {
        E::Health => handlers::health(),
        E::HelpPage => handlers::help_page(env, param).await,
        E::Chat => {
            let site = site::Caller::new(&req)?.site()?;
            handlers::chat(req, env, ctx, site).await
        }
        E::Handoff => {
            let site = site::Caller::new(&req)?.site()?;
            handlers::handoff(req, env, ctx, site).await
        }
        E::Feedback => {
            let site = site::Caller::new(&req)?.site()?;
            handlers::feedback(req, env, ctx, site).await
        }
        E::ActionConfirm => {
            let site = site::Caller::new(&req)?.site()?;
            handlers::action_confirm(req, env, ctx, site).await
        }
        E::ConversationShow
        | E::ConversationDelete
        | E::ConversationReplies
        | E::ConversationLive
        | E::ConversationAttach => {
            let action = match endpoint {
                E::ConversationShow => visitor::Action::Show,
                E::ConversationDelete => visitor::Action::Delete,
                E::ConversationLive => visitor::Action::Live,
                E::ConversationAttach => visitor::Action::Attach,
                _ => visitor::Action::Replies,
            };
            let caller = caller.expect("the conversation group's guard ran");
            visitor::route(req, env, ctx, action, param, caller).await
        }
        E::Attachment => handlers::attachment(&req, env, ctx, param).await,
        E::EmailInbound => handlers::email_inbound(req, env, ctx).await,
        E::EmailUnsubscribePage => handlers::email_unsubscribe(&req, env, ctx, false).await,
        E::EmailUnsubscribe => handlers::email_unsubscribe(&req, env, ctx, true).await,
        E::AgentTickets => agent::list(&req, env).await,
        E::AgentTicket => agent::show(env, ctx, param).await,
        E::AgentReply => agent::reply(req, env, ctx, param).await,
        E::AgentAttach => agent::attach(req, env, ctx, param).await,
        E::AgentClose => agent::close(env, ctx, param).await,
        E::AgentTyping => {
            let typing = LiveEvent::Typing { from: Role::Agent };
            agent::presence(env, ctx, param, typing).await
        }
        E::AgentJoin => agent::presence(env, ctx, param, LiveEvent::Joined).await,
        E::AgentLive => agent::live(&req, env, param).await,
        E::AgentInboxLive => agent::inbox_live(&req, env).await,
        E::AdminContent => admin_content::list(env, ctx).await,
        E::AdminContentIndex => admin_content::index(env, ctx).await,
        E::AdminContentPut => admin_content::put(req, env, ctx).await,
        E::AdminContentDelete => admin_content::delete(env, ctx, param).await,
        E::AdminInsights => insights::report(&req, env).await,
        E::AdminExport => insights::export(&req, env).await,
        E::AdminConversation => insights::conversation(env, param).await,
    }
}

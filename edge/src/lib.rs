//! The Frontdesk worker. Routes requests, validates them into the trusted
//! types of `frontdesk-shared`, calls the pure engine, and stores everything
//! in D1 before it answers. Static files (demo page, widget) are served by
//! Workers static assets before this code runs.

mod admin;
mod admin_content;
mod agent;
mod blobs;
mod chat;
mod content;
mod db;
mod deliver;
mod embed;
mod error;
mod feedback;
mod generate;
mod handlers;
mod handoff;
mod housekeeping;
mod http;
mod insights;
mod limits;
mod live;
mod platform;
mod ports;
mod render;
mod replies;
mod settings;
mod site;
mod summary;
mod vars;
mod visitor;

use worker::{
    event, Context, Env, MessageBatch, Method, Request, Response, ScheduleContext, ScheduledEvent,
};

pub use error::AppError;
pub use limits::Limiter;

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
    if path.starts_with("/api/") {
        http::cors(&mut response, cors.as_deref())?;
    }
    Ok(response)
}

/// Ticket deliveries queued by the handoff endpoint.
#[event(queue)]
async fn queue(batch: MessageBatch<deliver::Job>, env: Env, _ctx: Context) -> worker::Result<()> {
    deliver::consume(batch, &env).await
}

/// The cron trigger: requeue lost deliveries, purge old conversations.
#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    housekeeping::run(&env).await;
}

/// The endpoints a visitor's browser calls, from the host page's origin.
fn visitor_api(path: &str) -> bool {
    path.starts_with("/api/")
        && !path.starts_with("/api/v1/agent/")
        && !path.starts_with("/api/v1/admin/")
}

async fn route(req: Request, env: &Env, ctx: &Context, path: &str) -> Result<Response, AppError> {
    use frontdesk_api::error::ErrorCode::{MethodNotAllowed, NotFound};
    let method = req.method();
    match (method, path) {
        (Method::Get | Method::Head, "/healthz") => handlers::health(),
        (Method::Post, "/api/v1/chat") => {
            let site = site::Caller::new(&req)?.site()?;
            handlers::chat(req, env, ctx, site).await
        }
        (Method::Post, "/api/v1/handoff") => {
            let site = site::Caller::new(&req)?.site()?;
            handlers::handoff(req, env, ctx, site).await
        }
        (Method::Post, "/api/v1/feedback") => {
            let site = site::Caller::new(&req)?.site()?;
            handlers::feedback(req, env, ctx, site).await
        }
        (Method::Options, p) if visitor_api(p) => http::preflight(&req),
        (Method::Options, p) if p.starts_with("/api/") => Err(http::cross_origin_refused()),
        (_, p) if p.starts_with("/api/v1/agent/") => agent::route(req, env, p).await,
        (_, p) if p.starts_with("/api/v1/admin/") => admin::route(req, env, p).await,
        (_, p) if p.starts_with("/api/v1/conversations/") => {
            let caller = site::Caller::new(&req)?;
            visitor::route(req, env, ctx, p, &caller).await
        }
        (_, "/healthz" | "/api/v1/chat" | "/api/v1/handoff" | "/api/v1/feedback") => {
            Err(AppError::code(
                MethodNotAllowed,
                "This endpoint does not accept that method.",
            ))
        }
        (Method::Get | Method::Head, p) if p.starts_with("/help/") => {
            handlers::help_page(env, p.trim_start_matches("/help/")).await
        }
        _ => Err(AppError::code(NotFound, "No such endpoint.")),
    }
}

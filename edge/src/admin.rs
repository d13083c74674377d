//! The admin API, for the site owner's team: `/api/v1/admin/...`. Every
//! endpoint needs `Authorization: Bearer <ADMIN_TOKEN>` (a wrangler
//! secret, separate from the agents' `AGENT_TOKEN`); without a configured
//! token the API is closed.

use frontdesk_api::error::ErrorCode;
use worker::{Env, Method, Request, Response};

use crate::insights;
use crate::settings::Settings;
use crate::vars::check_bearer;
use crate::{admin_content, AppError};

/// Routes `/api/v1/admin/...`.
pub(crate) async fn route(req: Request, env: &Env, path: &str) -> Result<Response, AppError> {
    check_bearer(
        &req,
        Settings::of(env).admin_token.as_deref(),
        "Sign in with the admin token.",
    )?;
    let rest = path.trim_start_matches("/api/v1/admin/");
    let parts: Vec<&str> = rest.split('/').collect();
    match (req.method(), parts.as_slice()) {
        // Help content (admin_content.rs).
        (Method::Get, ["content"]) => admin_content::list(env).await,
        (Method::Get, ["content", "index"]) => admin_content::index(env).await,
        (Method::Put, ["content"]) => admin_content::put(req, env).await,
        (Method::Delete, ["content", slug]) => admin_content::delete(env, slug).await,
        // Insights (crate::insights).
        (Method::Get, ["insights"]) => insights::report(&req, env).await,
        (Method::Get, ["export"]) => insights::export(&req, env).await,
        (Method::Get, ["conversations", id]) => insights::conversation(env, id).await,
        (_, ["content" | "insights" | "export"] | ["content" | "conversations", _]) => {
            Err(AppError::code(
                ErrorCode::MethodNotAllowed,
                "This endpoint does not accept that method.",
            ))
        }
        _ => Err(AppError::code(ErrorCode::NotFound, "No such endpoint.")),
    }
}

//! The admin API, for the site owner's team: `/api/v1/admin/...`. Every
//! endpoint needs `Authorization: Bearer <ADMIN_TOKEN>` (a wrangler
//! secret, separate from the agents' `AGENT_TOKEN`); without a configured
//! token the API is closed.

use frontdesk_shared::error::ErrorCode;
use worker::{Env, Request, Response};

use crate::insights;
use crate::vars::check_bearer;
use crate::AppError;

/// Routes `/api/v1/admin/...`.
pub async fn route(req: Request, env: &Env, path: &str) -> Result<Response, AppError> {
    check_bearer(&req, env, "ADMIN_TOKEN", "Sign in with the admin token.")?;
    let rest = path.trim_start_matches("/api/v1/admin/");
    let parts: Vec<&str> = rest.split('/').collect();
    use worker::Method::Get;
    match (req.method(), parts.as_slice()) {
        // Insights (crate::insights).
        (Get, ["insights"]) => insights::report(&req, env).await,
        (Get, ["export"]) => insights::export(&req, env).await,
        (Get, ["conversations", id]) => insights::conversation(env, id).await,
        (_, ["insights" | "export"] | ["conversations", _]) => Err(AppError::code(
            ErrorCode::MethodNotAllowed,
            "This endpoint does not accept that method.",
        )),
        // End of insights.
        _ => Err(AppError::code(ErrorCode::NotFound, "No such endpoint.")),
    }
}

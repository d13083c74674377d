//! `/api/v1/admin/content`: the help content on a running deployment. Each
//! handler reads the request, runs its use case (`publish.rs`) over the
//! worker's bindings and answers its result as JSON (200).
//!
//! - `GET` lists the live articles (bundled or uploaded) and the version.
//! - `PUT` uploads articles (`frontdesk_shared::retrieval::content::ContentUpload`):
//!   everything is checked first (a bad article is a 400 naming it and the
//!   line, a body over 8 MiB or too many articles a 413, and nothing
//!   changes), then the index is rebuilt once and stored with a new version.
//! - `DELETE /<slug>` removes one live article (a bundled one is hidden)
//!   and rebuilds.
//! - `GET /index` tells how the index is stored: its live segments, and
//!   every stored object (segments, passage vector matrices).

use frontdesk_shared::retrieval::content::{ContentUpload, MAX_UPLOAD_BYTES};
use worker::{Context, Env, Request, Response};

use crate::http::{json, read_json_limited};
use crate::ports::bindings::Bindings;
use crate::{publish, AppError};

/// `GET /api/v1/admin/content`.
pub(crate) async fn list(env: &Env, ctx: &Context) -> Result<Response, AppError> {
    let ports = Bindings::new(env, ctx)?;
    json(&publish::list(&ports).await?, 200)
}

/// `GET /api/v1/admin/content/index`.
pub(crate) async fn index(env: &Env, ctx: &Context) -> Result<Response, AppError> {
    let ports = Bindings::new(env, ctx)?;
    json(&publish::index(&ports).await?, 200)
}

/// `PUT /api/v1/admin/content`: a body of at most [`MAX_UPLOAD_BYTES`].
pub(crate) async fn put(mut req: Request, env: &Env, ctx: &Context) -> Result<Response, AppError> {
    let upload: ContentUpload = read_json_limited(&mut req, MAX_UPLOAD_BYTES).await?;
    let ports = Bindings::new(env, ctx)?;
    json(&publish::put(&ports, &upload).await?, 200)
}

/// `DELETE /api/v1/admin/content/<slug>`.
pub(crate) async fn delete(env: &Env, ctx: &Context, slug: &str) -> Result<Response, AppError> {
    let ports = Bindings::new(env, ctx)?;
    json(&publish::delete(&ports, slug).await?, 200)
}

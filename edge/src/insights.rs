//! The admin insights API (`/api/v1/admin/insights`, `.../conversations/{id}`,
//! `.../export`): reads a period's conversations (`db::insights`, with its
//! bounds) and hands them to `frontdesk_shared::insights`, which does every
//! computation. Read-only.

use frontdesk_api::error::{ApiError, ErrorCode};
use frontdesk_api::validate::conversation_id;
use frontdesk_shared::insights::{self, ExportFormat, ExportKind, Period};
use worker::{Env, Request, Response, Url};

use crate::db::{self, D1};
use crate::http::json;
use crate::platform::now_ms;
use crate::settings::Settings;
use crate::{content, AppError};

/// A report's query: its period and site filter.
struct Query {
    period: Period,
    /// The `[[site]]` key asked for, and whether it is the default site
    /// (which also owns conversations stored from before sites, `""`).
    site: Option<(String, bool)>,
}

impl Query {
    fn site(&self) -> Option<(&str, bool)> {
        self.site
            .as_ref()
            .map(|(key, default)| (key.as_str(), *default))
    }
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
    Settings::of(env).insights_quiet_ms
}

/// `GET /api/v1/admin/insights?from=&to=&site=`
pub(crate) async fn report(req: &Request, env: &Env) -> Result<Response, AppError> {
    let q = query(&req.url()?)?;
    let (conversations, truncated) = db::insights::load(&D1::of(env)?, &q.period, q.site()).await?;
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
    let (conversations, _) = db::insights::load(&D1::of(env)?, &q.period, q.site()).await?;
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
    let db = D1::of(env)?;
    let meta = db::conversations::origin(&db, &id).await?;
    let (Some(meta), Some(view)) = (meta, db::conversations::view(&db, &id).await?) else {
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

//! The scheduled run (cron trigger, see `wrangler.toml`): queue deliveries
//! whose queue message was never sent (the handoff logged an enqueue
//! failure), purge conversations past the retention period, and delete
//! stored index segments a stopped content update left behind.
//!
//! Configuration: `RETENTION_DAYS` (default 90): conversations inactive for
//! longer are deleted with their messages, tickets and deliveries. A site
//! with its own `retention_days` (frontdesk.toml) has its conversations
//! purged after that many days instead, longer or shorter.

use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::{D1Database, Env};

use frontdesk_shared::config::per_site::{self, Purge};

use crate::deliver::{self, Sink};
use crate::platform::now_ms;
use crate::store;
use crate::vars::setting;
use crate::AppError;

const DEFAULT_RETENTION_DAYS: i64 = 90;
const DAY_MS: i64 = 24 * 60 * 60 * 1000;
/// A pending delivery untouched this long lost its queue message.
const STALE_PENDING_MS: i64 = 10 * 60 * 1000;

#[derive(Deserialize)]
struct PendingRow {
    ticket_reference: String,
    sink: String,
}

/// Runs the chores; each logs its own failure so one cannot stop the others.
pub(crate) async fn run(env: &Env) {
    let db = match env.d1("DB") {
        Ok(db) => db,
        Err(e) => {
            worker::console_error!("scheduled: no DB binding: {e}");
            return;
        }
    };
    if let Err(e) = requeue_stale(env, &db).await {
        worker::console_error!("scheduled: requeue failed: {e:?}");
    }
    match crate::live::sweep(env, &db).await {
        Ok(0) => {}
        Ok(n) => worker::console_log!("scheduled: deleted {n} index segments no version names"),
        Err(e) => worker::console_error!("scheduled: index sweep failed: {e:?}"),
    }
    let days = setting(env, "RETENTION_DAYS")
        .and_then(|v| v.parse::<i64>().ok())
        .filter(|&d| d > 0)
        .unwrap_or(DEFAULT_RETENTION_DAYS);
    for p in per_site::purges(crate::content::sites(), days) {
        let which = if p.except { "other sites'" } else { "sites" };
        match purge(&db, now_ms() - p.days * DAY_MS, &p).await {
            Ok(n) => worker::console_log!(
                "scheduled: purged {n} conversations older than {} days ({which} {:?})",
                p.days,
                p.keys
            ),
            Err(e) => worker::console_error!("scheduled: purge failed: {e:?}"),
        }
    }
}

async fn requeue_stale(env: &Env, db: &D1Database) -> Result<(), AppError> {
    let rows = db
        .prepare(
            "SELECT ticket_reference, sink FROM deliveries \
             WHERE status = 'pending' AND updated_at < ?1 LIMIT 100",
        )
        .bind(&[JsValue::from_f64((now_ms() - STALE_PENDING_MS) as f64)])?
        .all()
        .await?
        .results::<PendingRow>()?;
    for row in rows {
        let Some(sink) = Sink::parse(&row.sink) else {
            continue;
        };
        deliver::enqueue(env, &row.ticket_reference, &[sink]).await;
    }
    Ok(())
}

/// Deletes the conversations of `which` sites last active before `cutoff`
/// (ms), with everything hanging off them; returns how many.
pub(crate) async fn purge(db: &D1Database, cutoff: i64, which: &Purge) -> Result<u64, AppError> {
    let mut binds = vec![JsValue::from_f64(cutoff as f64)];
    binds.extend(which.keys.iter().map(|k| JsValue::from_str(k)));
    let mut sql = String::from("SELECT id FROM conversations WHERE updated_at < ?1");
    if !which.keys.is_empty() || !which.except {
        let list: Vec<String> = (2..=binds.len()).map(|i| format!("?{i}")).collect();
        let not = if which.except { "NOT " } else { "" };
        sql.push_str(&format!(" AND site {not}IN ({})", list.join(", ")));
    }
    store::delete_conversations(db, &sql, &binds).await
}

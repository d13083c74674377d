//! The scheduled run (cron trigger, see `wrangler.toml`): queue deliveries
//! whose queue message was never sent (the handoff logged an enqueue
//! failure), purge conversations past the retention period, and delete
//! stored index segments a stopped content update left behind.
//!
//! Configuration: `RETENTION_DAYS` (default 90): conversations inactive for
//! longer are deleted with their messages, tickets and deliveries. A site
//! with its own `retention_days` (frontdesk.toml) has its conversations
//! purged after that many days instead, longer or shorter.

use worker::Env;

use frontdesk_shared::config::per_site::{self, Purge};

use crate::db::conversations::Selection;
use crate::db::{self, D1};
use crate::deliver::{self, Sink};
use crate::platform::now_ms;
use crate::settings::Settings;
use crate::AppError;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;
/// A pending delivery untouched this long lost its queue message.
const STALE_PENDING_MS: i64 = 10 * 60 * 1000;

/// Runs the chores; each logs its own failure so one cannot stop the others.
pub(crate) async fn run(env: &Env) {
    let db = match D1::of(env) {
        Ok(db) => db,
        Err(e) => {
            worker::console_error!("scheduled: no DB binding: {e:?}");
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
    let days = Settings::of(env).retention_days;
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

async fn requeue_stale(env: &Env, db: &D1) -> Result<(), AppError> {
    let rows = db::deliveries::stale(db, now_ms() - STALE_PENDING_MS).await?;
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
pub(crate) async fn purge(db: &D1, cutoff: i64, which: &Purge) -> Result<u64, AppError> {
    let selection = Selection::Inactive {
        before: cutoff,
        sites: &which.keys,
        except: which.except,
    };
    db::conversations::delete(db, &selection).await
}

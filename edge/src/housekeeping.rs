//! The scheduled run (cron trigger, see `wrangler.toml`): queue deliveries
//! whose queue message was never sent (the handoff logged an enqueue
//! failure), purge conversations past the retention period, and delete
//! stored index segments a stopped content update left behind.
//!
//! Configuration: `RETENTION_DAYS` (default 90): conversations inactive for
//! longer are deleted with their messages, tickets and deliveries. A site
//! with its own `retention_days` (frontdesk.toml) has its conversations
//! purged after that many days instead, longer or shorter.
//!
//! Each chore is a use case over [`Ports`] ([`requeue_stale`], [`purge`],
//! `live::sweep`), run natively by `cargo test` (`housekeeping/tests.rs`);
//! [`run`] runs them on the worker's bindings and logs what they did.

use worker::Env;

use frontdesk_shared::config::per_site::{self, Purge};

use crate::attachments;
use crate::db;
use crate::db::conversations::Selection;
use crate::deliver::Sink;
use crate::ports::bindings::Bindings;
use crate::ports::Ports;
use crate::settings::Settings;
use crate::AppError;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;
/// A pending delivery untouched this long lost its queue message.
const STALE_PENDING_MS: i64 = 10 * 60 * 1000;

/// Runs the chores; each logs its own failure so one cannot stop the others.
pub(crate) async fn run(env: &Env) {
    let ports = match Bindings::scheduled(env) {
        Ok(ports) => ports,
        Err(e) => {
            worker::console_error!("scheduled: no DB binding: {e:?}");
            return;
        }
    };
    if let Err(e) = requeue_stale(&ports).await {
        worker::console_error!("scheduled: requeue failed: {e:?}");
    }
    match crate::live::sweep(&ports).await {
        Ok(0) => {}
        Ok(n) => worker::console_log!("scheduled: deleted {n} index segments no version names"),
        Err(e) => worker::console_error!("scheduled: index sweep failed: {e:?}"),
    }
    for (p, purged) in purge(&ports, Settings::of(env).retention_days).await {
        let which = if p.except { "other sites'" } else { "sites" };
        match purged {
            Ok(n) => worker::console_log!(
                "scheduled: purged {n} conversations older than {} days ({which} {:?})",
                p.days,
                p.keys
            ),
            Err(e) => worker::console_error!("scheduled: purge failed: {e:?}"),
        }
    }
}

/// Queues again the deliveries still pending and untouched for
/// [`STALE_PENDING_MS`] (their queue message was lost); returns how many.
pub(crate) async fn requeue_stale(ports: &impl Ports) -> Result<usize, AppError> {
    let rows = db::deliveries::stale(ports.db(), ports.now() - STALE_PENDING_MS).await?;
    let mut queued = 0;
    for row in rows {
        let Some(sink) = Sink::parse(&row.sink) else {
            continue;
        };
        ports.enqueue(&row.ticket_reference, &[sink]).await;
        queued += 1;
    }
    Ok(queued)
}

/// The retention purges (`per_site::purges`: each site with its own
/// `retention_days`, then every other conversation after `default_days`),
/// each deleting the conversations it covers last active more than its
/// days ago, with everything hanging off them. Returns each purge with how
/// many conversations it deleted, or its failure (which stops no other).
pub(crate) async fn purge(
    ports: &impl Ports,
    default_days: i64,
) -> Vec<(Purge, Result<u64, AppError>)> {
    let mut out = Vec::new();
    for p in per_site::purges(crate::content::sites(), default_days) {
        let selection = Selection::Inactive {
            before: ports.now() - p.days * DAY_MS,
            sites: &p.keys,
            except: p.except,
        };
        // Their files first: a failure keeps the rows for the next run.
        let purged = match attachments::delete_files(ports.db(), ports.blobs(), &selection).await {
            Ok(_) => db::conversations::delete(ports.db(), &selection).await,
            Err(e) => Err(e),
        };
        out.push((p, purged));
    }
    out
}

#[cfg(test)]
mod tests;

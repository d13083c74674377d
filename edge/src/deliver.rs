//! Ticket delivery to where the team works: a signed generic webhook
//! (Standard Webhooks), Slack, Zendesk and GitHub. A new ticket gets one
//! `deliveries` row per configured sink in the same D1 batch as the ticket;
//! each is then sent through the `DELIVERIES` queue, whose consumer (this
//! worker) makes the HTTP call, retries failures with exponential backoff,
//! and after [`MAX_ATTEMPTS`] keeps the delivery as a dead letter that
//! agents can see. The ticket itself never depends on a sink.
//!
//! Configuration (vars; tokens and secrets as wrangler secrets):
//! `WEBHOOK_URL` + `WEBHOOK_SECRET` (`whsec_…`); `SLACK_WEBHOOK_URL`;
//! `ZENDESK_URL` (`https://<subdomain>.zendesk.com`) + `ZENDESK_EMAIL` +
//! `ZENDESK_API_TOKEN`; `GITHUB_REPO` (`owner/name`) + `GITHUB_TOKEN`
//! (+ `GITHUB_API_URL`, default `https://api.github.com`);
//! `DELIVERY_BACKOFF_SECS` (default 10): the first retry's delay, doubled
//! after each failure; `DELIVERY_TIMEOUT_MS` (default 10000): how long a
//! sink may take to answer before the call counts as failed (a hanging sink
//! would otherwise hold the queue consumer until the platform stops it).

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use frontdesk_shared::config::per_site;
use frontdesk_shared::tickets::routing;
use frontdesk_shared::tickets::sinks;
use frontdesk_shared::tickets::webhook;
use frontdesk_shared::tickets::Ticket;
use serde::{Deserialize, Serialize};
use worker::{Env, MessageBatch, MessageBuilder, MessageExt, QueueRetryOptionsBuilder};

use crate::content;
use crate::db::{self, Stmt};
use crate::email;
use crate::ports::bindings::Bindings;
use crate::ports::Ports;
use crate::settings::{Settings, SinkSettings};
use crate::vars::bearer;
use crate::AppError;

/// Attempts before a delivery becomes a dead letter.
pub(crate) const MAX_ATTEMPTS: i64 = 5;
/// Longest error text kept for agents.
const MAX_ERROR_CHARS: usize = 300;

/// Where tickets go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Sink {
    Webhook,
    Slack,
    Zendesk,
    Github,
}

impl Sink {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Sink::Webhook => "webhook",
            Sink::Slack => "slack",
            Sink::Zendesk => "zendesk",
            Sink::Github => "github",
        }
    }

    /// The inverse of [`Sink::as_str`].
    pub(crate) fn parse(s: &str) -> Option<Sink> {
        [Sink::Webhook, Sink::Slack, Sink::Zendesk, Sink::Github]
            .into_iter()
            .find(|k| k.as_str() == s)
    }

    /// The sinks this deployment is configured for.
    pub(crate) fn configured(env: &Env) -> Vec<Sink> {
        Sink::configured_in(&Settings::of(env).sinks)
    }

    /// The sinks these settings configure.
    pub(crate) fn configured_in(sinks: &SinkSettings) -> Vec<Sink> {
        [
            (Sink::Webhook, sinks.webhook.is_some()),
            (Sink::Slack, sinks.slack.is_some()),
            (Sink::Zendesk, sinks.zendesk.is_some()),
            (Sink::Github, sinks.github.is_some()),
        ]
        .into_iter()
        .filter_map(|(s, on)| on.then_some(s))
        .collect()
    }
}

/// Routes a new ticket by its topic (`[[route]]` in `frontdesk.toml`):
/// records the team and sinks in its document and returns the sinks to
/// deliver it to — the route's that are configured (else every configured
/// one), narrowed to the ticket site's own `sinks`.
pub(crate) fn route(env: &Env, ticket: &mut Ticket) -> Vec<Sink> {
    let configured: Vec<&str> = Sink::configured(env)
        .into_iter()
        .map(Sink::as_str)
        .collect();
    route_to(&configured, ticket)
}

/// [`route`] with these sinks configured.
pub(crate) fn route_to(configured: &[&str], ticket: &mut Ticket) -> Vec<Sink> {
    let mut routing = routing::resolve(content::routes(), &ticket.triage.topic.value, configured);
    // The site's own `sinks` (frontdesk.toml) narrow the route's.
    let site = ticket.site.as_ref().map(|t| t.key.as_str());
    if let Some(site) = content::sites()
        .iter()
        .find(|s| Some(s.key.as_str()) == site)
    {
        routing.sinks = per_site::site_sinks(site, routing.sinks);
    }
    let sinks = routing
        .sinks
        .iter()
        .filter_map(|s| Sink::parse(s))
        .collect();
    ticket.routing = Some(routing);
    sinks
}

/// A message on the `DELIVERIES` queue: a ticket delivery ([`Job`]'s
/// fields), or an e-mail (`email.rs`: `conversation`, `base`, `attempt`).
/// One flat shape, told apart by which fields are there (serde's untagged
/// enums cost the worker ~10 KB).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct QueueJob {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reference: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sink: Option<Sink>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    conversation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    base: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    attempt: Option<i64>,
}

/// What a [`QueueJob`] asks for.
pub(crate) enum Work {
    Delivery(Job),
    Email(email::Job),
    /// Neither: a malformed message.
    Unknown,
}

impl QueueJob {
    pub(crate) fn email(job: &email::Job) -> QueueJob {
        QueueJob {
            conversation: Some(job.conversation.clone()),
            base: Some(job.base.clone()),
            attempt: Some(job.attempt),
            ..QueueJob::default()
        }
    }

    pub(crate) fn work(self) -> Work {
        match self {
            QueueJob {
                reference: Some(reference),
                sink: Some(sink),
                ..
            } => Work::Delivery(Job { reference, sink }),
            QueueJob {
                conversation: Some(conversation),
                base: Some(base),
                attempt,
                ..
            } => Work::Email(email::Job {
                conversation,
                base,
                attempt: attempt.unwrap_or(0),
            }),
            _ => Work::Unknown,
        }
    }
}

/// A queue message: deliver this ticket to this sink.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Job {
    pub reference: String,
    pub sink: Sink,
}

/// The `deliveries` rows for a new ticket, written in the ticket's batch
/// (see [`db::deliveries::insert`]).
pub(crate) fn rows(reference: &str, sinks: &[Sink], now: i64) -> Vec<Stmt> {
    sinks
        .iter()
        .map(|s| db::deliveries::insert(reference, s.as_str(), now))
        .collect()
}

/// Queues the deliveries of a new ticket. A failure here is logged, not
/// returned: the rows stay `pending` and the scheduled run
/// (`housekeeping.rs`) queues them again.
pub(crate) async fn enqueue(env: &Env, reference: &str, sinks: &[Sink]) {
    let queue = match env.queue("DELIVERIES") {
        Ok(q) => q,
        Err(e) => {
            worker::console_error!("no DELIVERIES queue: {e}");
            return;
        }
    };
    for &sink in sinks {
        let job = Job {
            reference: reference.to_owned(),
            sink,
        };
        if let Err(e) = queue.send(job).await {
            worker::console_error!("queueing {reference} for {}: {e}", sink.as_str());
        }
    }
}

/// Queues e-mail `job` to run `delay_secs` from now (at most the queue's
/// 12 hours); a failure is logged.
pub(crate) async fn enqueue_email(env: &Env, job: &email::Job, delay_secs: u32) {
    let sent = match env.queue("DELIVERIES") {
        Ok(queue) => {
            let message = MessageBuilder::new(QueueJob::email(job))
                .delay_seconds(delay_secs.min(43_200))
                .build();
            queue.send(message).await.map_err(|e| e.to_string())
        }
        Err(e) => Err(format!("no DELIVERIES queue: {e}")),
    };
    if let Err(e) = sent {
        worker::console_error!("queueing the e-mail for {}: {e}", job.conversation);
    }
}

/// The queue consumer: one HTTP call per message.
pub(crate) async fn consume(
    batch: MessageBatch<QueueJob>,
    env: &Env,
    ctx: &worker::Context,
) -> worker::Result<()> {
    let ports = Bindings::new(env, ctx).map_err(|e| worker::Error::RustError(format!("{e:?}")))?;
    let settings = Settings::of(env);
    let backoff = settings.delivery_backoff_secs;
    let timeout_ms = settings.delivery_timeout.as_millis() as u64;
    let delay = |attempts: i64| backoff.saturating_mul(1 << (attempts - 1).clamp(0, 10));
    for message in batch.messages()? {
        let job = match message.body().clone().work() {
            Work::Delivery(job) => job,
            Work::Unknown => {
                worker::console_error!("a queue message of no known shape, dropped");
                message.ack();
                continue;
            }
            Work::Email(job) => {
                match email::send(&ports, &job).await {
                    Ok(Outcome::Done) => {}
                    Ok(Outcome::Retry(attempts)) => {
                        // Again later, as a new job that knows its count.
                        let again = email::Job {
                            attempt: attempts,
                            ..job
                        };
                        enqueue_email(env, &again, delay(attempts)).await;
                    }
                    Err(e) => {
                        worker::console_error!("e-mail for {}: {e:?}", job.conversation);
                        message.retry();
                        continue;
                    }
                }
                message.ack();
                continue;
            }
        };
        match attempt(&ports, &job, timeout_ms).await {
            Ok(Outcome::Done) => message.ack(),
            Ok(Outcome::Retry(attempts)) => {
                message.retry_with_options(
                    &QueueRetryOptionsBuilder::new()
                        .with_delay_seconds(delay(attempts))
                        .build(),
                );
            }
            Err(e) => {
                // Our own failure (D1): let the queue try again later.
                worker::console_error!(
                    "delivery {} to {}: {e:?}",
                    job.reference,
                    job.sink.as_str()
                );
                message.retry();
            }
        }
    }
    Ok(())
}

/// What an attempt leaves the queue to do.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Delivered, dead-lettered, or nothing to do.
    Done,
    /// Failed; this many attempts so far.
    Retry(i64),
}

/// One attempt at a delivery: sends the ticket to the sink if its delivery
/// is still pending (a sink may take `timeout_ms` to answer) and records
/// it delivered, pending with the error, or dead after [`MAX_ATTEMPTS`].
pub(crate) async fn attempt<P: Ports>(
    ports: &P,
    job: &Job,
    timeout_ms: u64,
) -> Result<Outcome, AppError> {
    let db = ports.db();
    let row = db::deliveries::get(db, &job.reference, job.sink.as_str()).await?;
    let Some(row) = row else {
        return Ok(Outcome::Done);
    };
    if row.status != "pending" {
        return Ok(Outcome::Done);
    }
    let ticket: Ticket = match row.document.as_deref().map(serde_json::from_str) {
        Some(Ok(t)) => t,
        _ => {
            return Err(AppError::Internal(format!(
                "ticket {} has no document",
                job.reference
            )))
        }
    };
    let attempts = row.attempts as i64 + 1;
    let now = ports.now();
    let result = match request(&ports.sinks(), job.sink, &ticket, &row.webhook_id, now) {
        Ok(r) => ports.post(&r.url, r.body, &r.headers, timeout_ms).await,
        Err(e) => Err(e),
    };
    let (status, error) = match &result {
        Ok(()) => ("delivered", None),
        Err(e) if attempts >= MAX_ATTEMPTS => ("dead", Some(e.as_str())),
        Err(e) => ("pending", Some(e.as_str())),
    };
    let error: Option<String> = error.map(|e| e.chars().take(MAX_ERROR_CHARS).collect());
    db::deliveries::record(
        db,
        &job.reference,
        job.sink.as_str(),
        status,
        attempts,
        error.as_deref(),
        now,
    )
    .await?;
    Ok(if status == "pending" {
        Outcome::Retry(attempts)
    } else {
        Outcome::Done
    })
}

/// An HTTP call to a sink: `POST url` with a JSON body and these headers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Request {
    pub url: String,
    pub body: String,
    pub headers: Vec<(&'static str, String)>,
}

/// The call that delivers `ticket` to `sink` at `now` (ms), or which
/// settings the sink is missing.
pub(crate) fn request(
    sinks: &SinkSettings,
    sink: Sink,
    ticket: &Ticket,
    webhook_id: &str,
    now: i64,
) -> Result<Request, String> {
    let unset = |names: &str| format!("{names} is not set");
    let (url, body, headers) = match sink {
        Sink::Webhook => {
            let (url, secret) = sinks
                .webhook
                .as_ref()
                .ok_or_else(|| unset("WEBHOOK_URL or WEBHOOK_SECRET"))?;
            let body = sinks::webhook_body(ticket);
            let ts = now / 1000;
            let signature = webhook::sign(secret, webhook_id, ts, &body)
                .map_err(|e| format!("WEBHOOK_SECRET: {e}"))?;
            let headers = vec![
                ("webhook-id", webhook_id.to_owned()),
                ("webhook-timestamp", ts.to_string()),
                ("webhook-signature", signature),
            ];
            (url.clone(), body, headers)
        }
        Sink::Slack => (
            sinks
                .slack
                .clone()
                .ok_or_else(|| unset("SLACK_WEBHOOK_URL"))?,
            sinks::slack_message(ticket, None).to_string(),
            vec![],
        ),
        Sink::Zendesk => {
            let zd = sinks
                .zendesk
                .as_ref()
                .ok_or_else(|| unset("ZENDESK_URL, ZENDESK_EMAIL or ZENDESK_API_TOKEN"))?;
            let auth = STANDARD.encode(format!("{}/token:{}", zd.email, zd.token));
            (
                format!("{}/api/v2/tickets.json", zd.url.trim_end_matches('/')),
                sinks::zendesk_ticket(ticket).to_string(),
                vec![("authorization", format!("Basic {auth}"))],
            )
        }
        Sink::Github => {
            let gh = sinks
                .github
                .as_ref()
                .ok_or_else(|| unset("GITHUB_REPO or GITHUB_TOKEN"))?;
            (
                format!("{}/repos/{}/issues", gh.api.trim_end_matches('/'), gh.repo),
                sinks::github_issue(ticket).to_string(),
                vec![
                    bearer(&gh.token),
                    ("accept", "application/vnd.github+json".into()),
                    ("x-github-api-version", "2022-11-28".into()),
                    ("user-agent", "frontdesk".into()),
                ],
            )
        }
    };
    Ok(Request { url, body, headers })
}

#[cfg(test)]
mod tests;

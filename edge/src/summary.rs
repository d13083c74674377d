//! The model-written ticket summary. A handoff stores its ticket with the
//! extractive summary and answers the visitor; then, when a text generator
//! is configured, this asks the model for a summary (within `AI_SUMMARY_MS`,
//! default 6000), replaces the stored document's summary with it, and only
//! then queues the ticket's deliveries, so the sinks get the model's words.
//! Any failure keeps the extractive summary and still queues them. Should
//! the worker stop before queueing, the rows stay `pending` and the
//! scheduled run (`housekeeping.rs`) queues them after 10 minutes.
//!
//! Configuration: `AI_SUMMARY_MS`; `AI_SUMMARY_LANGUAGE` (default
//! `English`): the language agents read summaries in.

use frontdesk_api::wire::TranscriptEntry;
use frontdesk_shared::llm::redact::redact;
use frontdesk_shared::llm::summary::{clean_summary, summary_prompt, SUMMARY_MAX_TOKENS};
use frontdesk_shared::tickets::{Summary, Ticket, SUMMARY_MODEL};
use worker::{Context, Env};

use crate::db::{self, D1};
use crate::deliver::{self, Sink};
use crate::generate::Generator;
use crate::settings::Settings;

/// Queues a new ticket's deliveries: at once without a generator; with
/// one, after the model's summary is stored, in `ctx.wait_until` so the
/// visitor's response does not wait for it.
pub(crate) async fn then_deliver(env: &Env, ctx: &Context, ticket: Ticket, sinks: Vec<Sink>) {
    let Some(generator) = Generator::from_env(env) else {
        deliver::enqueue(env, &ticket.reference, &sinks).await;
        return;
    };
    let env = env.clone();
    ctx.wait_until(async move {
        match write(&env, &generator, &ticket).await {
            Ok(()) => {}
            Err(why) => {
                worker::console_warn!("summary of {}: {why}; extractive kept", ticket.reference);
            }
        }
        deliver::enqueue(&env, &ticket.reference, &sinks).await;
    });
}

/// Asks the model and stores its summary in the ticket's document.
async fn write(env: &Env, generator: &Generator, ticket: &Ticket) -> Result<(), String> {
    let settings = Settings::of(env);
    let language = &settings.summary_language;
    // The stored ticket keeps everything for the agent; the model gets
    // placeholders for personal data.
    let kinds = settings.pii;
    let transcript: Vec<TranscriptEntry> = ticket
        .transcript
        .iter()
        .map(|e| TranscriptEntry {
            text: redact(&e.text, kinds).into_owned(),
            ..e.clone()
        })
        .collect();
    let note = ticket.note.as_deref().map(|n| redact(n, kinds));
    let messages = summary_prompt(&transcript, note.as_deref(), language);
    let budget = settings.summary_budget;
    let raw = generator
        .complete(env, &messages, SUMMARY_MAX_TOKENS, budget)
        .await?;
    let text = clean_summary(&raw).ok_or_else(|| {
        format!(
            "unusable summary {:?}",
            raw.chars().take(100).collect::<String>()
        )
    })?;
    let summary = Summary {
        text,
        method: SUMMARY_MODEL.into(),
    };
    let db = D1::of(env).map_err(|e| format!("no DB binding: {e:?}"))?;
    match db::tickets::set_model_summary(&db, &ticket.reference, &summary).await {
        Ok(true) => Ok(()),
        Ok(false) => Err("the ticket no longer has its extractive summary".into()),
        Err(e) => Err(format!("storing it failed: {e:?}")),
    }
}

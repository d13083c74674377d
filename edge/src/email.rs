//! Replies by e-mail, as use cases over [`Ports`]. An agent's reply that no
//! widget has shown ([`db::emails::delivered`]: the long poll, the
//! conversation view or a live connection's `seen`) within `EMAIL_AFTER_SECS` is
//! e-mailed to the address the visitor typed in the handoff form
//! ([`after_reply`] queues a delayed [`Job`]; [`send`] runs it), from the
//! conversation's reply address `reply+<token>@EMAIL_REPLY_DOMAIN`. The
//! visitor's answer comes back through the provider's inbound webhook
//! ([`answer`]): signed with `EMAIL_INBOUND_SECRET` (Standard Webhooks),
//! threaded by the token, and taken only from the address the e-mails went
//! to. [`unsubscribe`] stops them.
//!
//! Invariants: nothing is e-mailed to an address the visitor did not type
//! (the ticket's); a reply is e-mailed at most once, and never once it was
//! shown; an answer is stored once (keyed by the webhook's id) before it is
//! acknowledged, and a bad one changes nothing.

use frontdesk_api::error::ErrorCode;
use frontdesk_api::wire::{LiveEvent, Role};
use frontdesk_shared::email as mail;
use frontdesk_shared::text::Lang;
use frontdesk_shared::tickets::webhook;
use serde::{Deserialize, Serialize};

use crate::content;
use crate::db;
use crate::deliver::{Outcome, MAX_ATTEMPTS};
use crate::ports::Ports;
use crate::room;
use crate::AppError;

/// One call to the e-mail API may take this long.
const SEND_TIMEOUT_MS: u64 = 10_000;

/// A queue message: e-mail conversation `conversation`'s unseen agent
/// replies. `base`: the worker's own origin (`https://support.example`),
/// for the unsubscribe link; `attempt`: how many sends failed before (a
/// failed one is queued again as a new job, later).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Job {
    pub conversation: String,
    pub base: String,
    #[serde(default)]
    pub attempt: i64,
}

/// After an agent's reply in `conversation` was stored and broadcast:
/// queues the e-mail check `EMAIL_AFTER_SECS` later — when e-mail is on and
/// the conversation has a ticket whose visitor has not unsubscribed. (A
/// widget that shows the reply meanwhile marks it delivered: its long poll,
/// the conversation view, or a live connection's `seen`.)
pub(crate) async fn after_reply(ports: &impl Ports, conversation: &str, base: &str) {
    let db = ports.db();
    let Some(settings) = ports.email() else {
        return;
    };
    let wanted = async {
        let thread = db::emails::thread(db, conversation).await?;
        if thread.is_some_and(|t| t.unsubscribed) {
            return Ok::<_, AppError>(false);
        }
        Ok(db::emails::recipient(db, conversation).await?.is_some())
    };
    match wanted.await {
        Ok(true) => {
            let job = Job {
                conversation: conversation.to_owned(),
                base: base.trim_end_matches('/').to_owned(),
                attempt: 0,
            };
            ports.enqueue_email(&job, settings.after_secs).await;
        }
        Ok(false) => {}
        Err(e) => ports.log(&format!("e-mail for {conversation}: {e:?}")),
    }
}

/// Runs a [`Job`]: e-mails the conversation's agent replies that are
/// neither shown nor e-mailed yet, as one e-mail. Nothing owed, no ticket,
/// unsubscribed or e-mail turned off since: done. A failed send is
/// `Retry(attempts so far)` until [`MAX_ATTEMPTS`].
pub(crate) async fn send(ports: &impl Ports, job: &Job) -> Result<Outcome, AppError> {
    let attempt = job.attempt + 1;
    let Some(settings) = ports.email() else {
        return Ok(Outcome::Done);
    };
    let db = ports.db();
    let id = job.conversation.as_str();
    let owed = db::emails::owed(db, id).await?;
    let (Some(first), Some(last)) = (owed.first(), owed.last()) else {
        return Ok(Outcome::Done);
    };
    let Some(to) = db::emails::recipient(db, id).await? else {
        return Ok(Outcome::Done);
    };
    let thread = match db::emails::thread(db, id).await? {
        Some(thread) => thread,
        None => {
            let lang = to.lang.as_deref().unwrap_or("en");
            let token = ports.new_token()?;
            db::emails::open(db, id, &token, &to.email, lang, ports.now()).await?
        }
    };
    if thread.unsubscribed {
        return Ok(Outcome::Done);
    }
    let site = content::sites()
        .iter()
        .find(|s| s.key == to.site)
        .or_else(|| content::sites().iter().find(|s| s.default))
        .map_or("", |s| s.name.as_str());
    let link = to
        .page_url
        .as_deref()
        .filter(|u| u.starts_with("https://") || u.starts_with("http://"));
    // An agent's file: its name, and a link that opens it for a week.
    let key = ports
        .secret("AGENT_TOKEN")
        .map(|s| frontdesk_shared::attachments::link_key(&s));
    let expires = ports.now() / 1000 + frontdesk_shared::attachments::VISITOR_LINK_SECS;
    let text: Vec<String> = owed
        .iter()
        .map(|m| match (&m.attachment, &key) {
            (Some(file), Some(key)) => format!(
                "{}\n{}",
                m.text,
                frontdesk_shared::attachments::url(key, &job.base, file, expires)
            ),
            _ => m.text.clone(),
        })
        .collect();
    let unsubscribe = format!(
        "{}/api/v1/email/unsubscribe?token={}",
        job.base, thread.token
    );
    let email = mail::compose(
        Lang::from_tag(&thread.lang),
        site,
        &text.join("\n\n"),
        link,
        &unsubscribe,
        &settings.from,
        &thread.email,
        &mail::reply_address(&thread.token, &settings.reply_domain),
    );
    let body = mail::request_body(&email).to_string();
    let headers = [
        ("Authorization", format!("Bearer {}", settings.key)),
        // The same replies are the same e-mail, should a retry race.
        ("Idempotency-Key", format!("fd-{id}-{}", last.id)),
    ];
    match ports
        .post(&settings.url, body, &headers, SEND_TIMEOUT_MS)
        .await
    {
        Ok(()) => {
            db::emails::emailed(db, id, first.id, last.id, ports.now()).await?;
            Ok(Outcome::Done)
        }
        Err(e) if attempt >= MAX_ATTEMPTS => {
            ports.log(&format!(
                "e-mail for conversation {id} failed {attempt} times, given up: {e}"
            ));
            Ok(Outcome::Done)
        }
        Err(e) => {
            ports.log(&format!("e-mail for conversation {id} failed: {e}"));
            Ok(Outcome::Retry(attempt))
        }
    }
}

/// The inbound webhook's headers (Standard Webhooks).
pub(crate) struct Signed<'a> {
    pub id: &'a str,
    pub timestamp: &'a str,
    pub signature: &'a str,
}

/// What an answer by e-mail became.
#[derive(Debug, Serialize)]
pub(crate) struct Answered {
    pub conversation_id: String,
    pub message_id: i64,
    /// False for a replay of an answer already stored.
    pub stored: bool,
}

/// A visitor's answer to a reply e-mail (the inbound webhook's `body`):
/// checked (signature, reply token, sender), then stored in its
/// conversation — tickets reopened, agents told. Anything wrong changes
/// nothing.
pub(crate) async fn answer(
    ports: &impl Ports,
    signed: &Signed<'_>,
    body: &str,
) -> Result<Answered, AppError> {
    let Some((secret, settings)) = ports
        .email()
        .and_then(|s| s.inbound_secret.clone().map(|k| (k, s)))
    else {
        return Err(AppError::code(
            ErrorCode::NotFound,
            "Answers by e-mail are not configured here (EMAIL_INBOUND_SECRET).",
        ));
    };
    let bad_signature = || {
        AppError::code(
            ErrorCode::SignatureInvalid,
            "The webhook's signature does not match, or it is too old.",
        )
    };
    let timestamp = signed
        .timestamp
        .parse::<i64>()
        .map_err(|_| bad_signature())?;
    let id_ok = !signed.id.is_empty()
        && signed.id.len() <= 128
        && signed.id.bytes().all(|b| b.is_ascii_graphic());
    if !id_ok {
        return Err(bad_signature());
    }
    webhook::verify(
        &secret,
        signed.id,
        timestamp,
        body,
        signed.signature,
        ports.now() / 1000,
    )
    .map_err(|_| bad_signature())?;
    let value: serde_json::Value = serde_json::from_str(body)
        .map_err(|_| AppError::code(ErrorCode::InvalidJson, "The body is not JSON."))?;
    let inbound = mail::inbound(&value).ok_or_else(|| {
        AppError::code(
            ErrorCode::InvalidJson,
            "An inbound e-mail needs from, to and text (or html).",
        )
    })?;
    let no_thread = || {
        AppError::code(
            ErrorCode::ThreadNotFound,
            "No conversation has this reply address.",
        )
    };
    let token = mail::token_in(&inbound.to, &settings.reply_domain).ok_or_else(no_thread)?;
    let thread = db::emails::by_token(ports.db(), &token)
        .await?
        .ok_or_else(no_thread)?;
    if mail::address_of(&inbound.from).as_deref() != Some(thread.email.to_lowercase().as_str()) {
        return Err(AppError::code(
            ErrorCode::SenderNotAllowed,
            "This answer does not come from the address the conversation's e-mails went to.",
        ));
    }
    // A webhook that carries only metadata: the body from the provider's
    // API (`EMAIL_API_URL` + `/receiving/<id>`, Resend's), with its key.
    let body_text = match (inbound.text, inbound.email_id) {
        (Some(text), _) => text,
        (None, Some(email_id)) => {
            let url = format!(
                "{}/receiving/{email_id}",
                settings.url.trim_end_matches('/')
            );
            let headers = [("Authorization", format!("Bearer {}", settings.key))];
            let fetched = ports
                .get(&url, &headers, SEND_TIMEOUT_MS)
                .await
                .map_err(|e| AppError::Internal(format!("fetching e-mail {email_id}: {e}")))?;
            serde_json::from_str::<serde_json::Value>(&fetched)
                .ok()
                .as_ref()
                .and_then(mail::fetched_text)
                .unwrap_or_default()
        }
        (None, None) => String::new(),
    };
    let text = mail::answer_text(&body_text).ok_or_else(|| {
        AppError::code(
            ErrorCode::MessageEmpty,
            "The e-mail has no text above the quoted one.",
        )
    })?;
    let key = format!("email:{}", signed.id);
    let (message_id, stored) = db::messages::save_email_answer(
        ports.db(),
        &thread.conversation_id,
        &text,
        &key,
        ports.now(),
    )
    .await?;
    if stored {
        // Stored first: agents viewing it read it again, their lists too.
        ports
            .broadcast(
                &thread.conversation_id,
                &LiveEvent::Changed,
                Some(Role::Agent),
            )
            .await;
        ports
            .broadcast(room::INBOX, &LiveEvent::Changed, Some(Role::Agent))
            .await;
    }
    Ok(Answered {
        conversation_id: thread.conversation_id,
        message_id,
        stored,
    })
}

/// Whether `token` has the reply token's form (checked before any read).
pub(crate) fn well_formed(token: &str) -> bool {
    token.len() == mail::REPLY_TOKEN_CHARS
        && token
            .bytes()
            .all(|b| b.is_ascii_lowercase() || (b'2'..=b'7').contains(&b))
}

/// Stops e-mails to the thread with `token`; an unknown one is an error.
pub(crate) async fn unsubscribe(ports: &impl Ports, token: &str) -> Result<(), AppError> {
    let known =
        well_formed(token) && db::emails::unsubscribe(ports.db(), token, ports.now()).await?;
    if known {
        Ok(())
    } else {
        Err(AppError::code(
            ErrorCode::ThreadNotFound,
            "This unsubscribe link belongs to no conversation (it may have been deleted).",
        ))
    }
}

#[cfg(test)]
mod tests;

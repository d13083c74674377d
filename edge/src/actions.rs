//! Actions as use cases over [`Ports`]: a chat turn that asks for a value,
//! looks something up or shows a change to confirm ([`turn`]), and the
//! Confirm button's request that runs (or cancels) the change
//! ([`confirm`]). The rules are `frontdesk_shared::actions`; this is the
//! storage, the clock, the keys and the site's API around them.
//!
//! Invariants: a site without actions costs a turn nothing (no query); an
//! attempt is stored before the API is called; a write runs only through
//! [`confirm`], with a token this worker signed for exactly that attempt,
//! conversation, site, values and verified user, and only once (the
//! attempt moves from `confirming` to `running` in one update); the user id
//! sent is only ever the verified one.

use frontdesk_api::error::ErrorCode;
use frontdesk_api::wire::{Confirm, Decision, EscalationReason, Reply};
use frontdesk_shared::actions::call::{self, Answer, Status};
use frontdesk_shared::actions::token::{self, Claim, Refused};
use frontdesk_shared::actions::words::{self, Line};
use frontdesk_shared::actions::{self as flow, choose, Progress, Step};
use frontdesk_shared::config::actions::{Action, Effect};
use frontdesk_shared::config::sites::Site;
use frontdesk_shared::llm::tool_call;
use frontdesk_shared::text::intent::wants_person;
use frontdesk_shared::text::{Lang, Message};

use frontdesk_api::validate::ConfirmInput;
use frontdesk_shared::config::limits::{established, Kind};

use crate::db::actions::{self as stored, Attempt};
use crate::limits::Who;
use crate::ports::Ports;
use crate::AppError;

/// The worker secret that signs confirmations (at least 32 bytes).
pub(crate) const CONFIRM_SECRET: &str = "ACTION_CONFIRM_SECRET";

/// What a site's API answered, as the worker received it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ApiAnswer {
    /// Status, content type, and the body when it is at most
    /// [`call::MAX_ANSWER_BYTES`].
    Http(u16, Option<String>, Option<Vec<u8>>),
    /// No answer in time, or no connection.
    NoAnswer,
}

impl ApiAnswer {
    fn view(&self) -> Answer<'_> {
        match self {
            ApiAnswer::Http(s, t, b) => Answer::Http(*s, t.as_deref(), b.as_deref()),
            ApiAnswer::NoAnswer => Answer::NoAnswer,
        }
    }

    fn status(&self) -> Option<u16> {
        match self {
            ApiAnswer::Http(s, _, _) => Some(*s),
            ApiAnswer::NoAnswer => None,
        }
    }
}

/// A chat turn, before the engine: `Some(reply)` when an action takes it
/// (the attempt is stored); `None` when the turn is the engine's. `who`
/// is charged a call to the site's API (the actions limit: refused, the
/// turn is refused and nothing is stored) and, with `model` (a configured
/// model with tokens left today), the tokens of asking it to choose an
/// action the engine did not recognise.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn turn(
    ports: &impl Ports,
    site: &Site,
    conversation: &str,
    page_url: Option<&str>,
    text: &str,
    user: Option<&str>,
    locale: Option<Lang>,
    who: &Who,
    model: bool,
) -> Result<Option<Reply>, AppError> {
    if site.action.is_empty() {
        return Ok(None);
    }
    let db = ports.db();
    let message = Message::new(text);
    let now = ports.now();
    // A request for a person always wins, and ends any action.
    let person = wants_person(&message);
    let open = stored::open(db, conversation).await?;
    // The message's language; for a bare value ("10001"), the one the
    // attempt started in.
    let started_in = open
        .as_ref()
        .and_then(|a| a.progress.lang.as_deref())
        .map(Lang::from_tag);
    let lang = message.lang().or(started_in).or(locale).unwrap_or(Lang::En);
    let step = match &open {
        Some(a) if person => {
            stored::close(db, &a.conversation, "dropped", now).await?;
            return Ok(None);
        }
        Some(a) => match flow::resume(&site.action, a.progress.clone(), &message, lang) {
            Step::Pass => {
                stored::close(db, conversation, "dropped", now).await?;
                flow::start(&site.action, &message, lang, user.is_some())
            }
            step => step,
        },
        None if person => return Ok(None),
        None => flow::start(&site.action, &message, lang, user.is_some()),
    };
    // Not recognised: a configured model may still see an action in it.
    let step = match step {
        Step::Pass if model => chosen(ports, site, who, &message, lang, user.is_some()).await,
        step => step,
    };
    // An always-human topic ("a chargeback on order 10001") is a person's.
    if matches!(step, Step::Ask(..) | Step::Run(_) | Step::Confirm(..))
        && open.is_none()
        && ports
            .always_human(text, site.always_human.as_deref())
            .await
            .is_some()
    {
        return Ok(None);
    }
    // The open attempt goes on; another action is a new attempt, with an
    // id of its own (no id, no attempt: the error is the turn's).
    let attempt = |progress: Progress, status: &str| -> Result<Attempt, AppError> {
        let id = match open.as_ref().filter(|a| a.action == progress.action) {
            Some(a) => a.id.clone(),
            None => format!("act_{}", ports.new_id()?),
        };
        Ok(Attempt {
            id,
            conversation: conversation.to_owned(),
            site: site.key.clone(),
            action: progress.action.clone(),
            user: user.map(str::to_owned),
            progress,
            status: status.to_owned(),
        })
    };
    let said = |line: Line| words::say(lang, line).to_owned();
    let reply = match step {
        Step::Pass => return Ok(None),
        Step::Ask(text, progress) => {
            stored::save(db, &attempt(progress, "open")?, page_url, now).await?;
            action_reply(text, lang)
        }
        Step::Confirm(text, progress) => {
            let a = attempt(progress, "confirming")?;
            let Some(token) = seal(ports, &a) else {
                ports.log("an action needs the ACTION_CONFIRM_SECRET secret (32 bytes or more)");
                stored::close(db, conversation, "failed", now).await?;
                return Ok(Some(person_reply(said(Line::Unavailable), lang)));
            };
            stored::save(db, &a, page_url, now).await?;
            let title = find(site, &a.action)
                .map(|x| x.title.pick(lang.code()).to_owned())
                .unwrap_or_default();
            Reply {
                confirm: Some(Confirm {
                    title,
                    text: text.clone(),
                    token,
                }),
                ..action_reply(text, lang)
            }
        }
        Step::Run(progress) => {
            ports.admit(who, Kind::Actions, false).await?;
            let a = attempt(progress, "running")?;
            stored::save(db, &a, page_url, now).await?;
            run(ports, site, &a, lang).await?
        }
        Step::SignIn => person_reply(said(Line::SignIn), lang),
        Step::GiveUp(progress) => {
            stored::save(db, &attempt(progress, "gave_up")?, page_url, now).await?;
            person_reply(said(Line::GiveUp), lang)
        }
        Step::Stopped => {
            stored::close(db, conversation, "cancelled", now).await?;
            action_reply(said(Line::Cancelled), lang)
        }
        Step::Remind(_) => action_reply(said(Line::Remind), lang),
    };
    Ok(Some(reply))
}

/// What the model's tool call for `message` starts ([`choose::propose`]);
/// [`Step::Pass`] when it calls none, or fails (the engine takes the turn
/// as if no model were asked).
async fn chosen(
    ports: &impl Ports,
    site: &Site,
    who: &Who,
    message: &Message<'_>,
    lang: Lang,
    verified: bool,
) -> Step {
    let tools = choose::tools(&site.action);
    let call = match ports.choose(who, message.text(), &tools).await {
        Ok((body, event_stream)) => tool_call(&body, event_stream).map_err(|e| e.to_string()),
        Err(e) => Err(e),
    };
    match call {
        Ok(Some(call)) => {
            let step = choose::propose(&site.action, &call, message, lang, verified);
            if step == Step::Pass {
                ports.log(&format!(
                    "the model called {:?}, which this site does not have",
                    call.name
                ));
            }
            step
        }
        Ok(None) => Step::Pass,
        Err(e) => {
            ports.log(&format!("the model could not choose an action: {e}"));
            Step::Pass
        }
    }
}

/// A press of a confirm card's button, as the handler receives it: the
/// conversation must be this site's, and the press fits the visitor's
/// message limits; then [`confirm`].
pub(crate) async fn confirm_turn(
    ports: &impl Ports,
    site: &Site,
    input: &ConfirmInput,
    ip: Option<String>,
    user: Option<&str>,
) -> Result<(i64, Reply), AppError> {
    let owner = crate::db::conversations::owner(ports.db(), &input.conversation_id).await?;
    let Some(owner) = owner.filter(|o| crate::site::belongs(&o.site, site)) else {
        return Err(crate::site::gone());
    };
    let who = Who {
        visitor: Some(input.conversation_id.clone()),
        ip,
        site: site.key.clone(),
        established: established(Some(owner.started), ports.now()),
    };
    // Confirm runs a change: one call to the site's API, counted first
    // and given back when nothing runs.
    let costs = [
        (Kind::Messages, 1),
        (Kind::Actions, u64::from(input.accept)),
    ];
    ports.admit_all(&who, &costs).await?;
    let result = confirm(
        ports,
        site,
        &input.conversation_id,
        &input.token,
        input.accept,
        user,
    )
    .await;
    if input.accept && result.is_err() {
        ports.refund(&who, Kind::Actions, 1).await;
    }
    result
}

/// The Confirm (or Cancel) button: runs the change `token` vouches for,
/// once, for the verified `user`, and stores the reply in the conversation.
pub(crate) async fn confirm(
    ports: &impl Ports,
    site: &Site,
    conversation: &str,
    token_text: &str,
    accept: bool,
    user: Option<&str>,
) -> Result<(i64, Reply), AppError> {
    let invalid = || {
        AppError::code(
            ErrorCode::ConfirmationInvalid,
            "This confirmation is not valid for this conversation and visitor. Nothing was changed.",
        )
    };
    let key = ports
        .secret(CONFIRM_SECRET)
        .filter(|k| k.len() >= token::MIN_KEY_BYTES)
        .ok_or_else(invalid)?;
    let now = ports.now();
    let db = ports.db();
    let claim = match token::open(key.as_bytes(), token_text, now / 1000) {
        Ok(c) => c,
        Err(Refused::Expired) => {
            // Only a token this worker signed says which attempt expired.
            let claim = unverified_claim(key.as_bytes(), token_text).ok_or_else(invalid)?;
            if claim.conversation != conversation || claim.site != site.key {
                return Err(invalid());
            }
            stored::take(db, &claim.attempt, "cancelled", now).await?;
            let lang = stored::get(db, &claim.attempt)
                .await?
                .and_then(|a| a.progress.lang)
                .map_or(Lang::En, |l| Lang::from_tag(&l));
            let reply = action_reply(words::say(lang, Line::Expired).to_owned(), lang);
            let id =
                crate::db::messages::save_bot_reply(db, conversation, &reply, None, now).await?;
            return Ok((id, reply));
        }
        Err(_) => return Err(invalid()),
    };
    if claim.conversation != conversation
        || claim.site != site.key
        || user != Some(claim.user.as_str())
    {
        return Err(invalid());
    }
    let attempt = stored::get(db, &claim.attempt).await?.ok_or_else(invalid)?;
    let lang = Lang::from_tag(attempt.progress.lang.as_deref().unwrap_or("en"));
    if attempt.conversation != conversation
        || attempt.site != site.key
        || attempt.action != claim.action
        || attempt.user.as_deref() != Some(claim.user.as_str())
        || token::digest(&attempt.progress.values) != claim.params
    {
        return Err(invalid());
    }
    let used = || {
        AppError::code(
            ErrorCode::ConfirmationUsed,
            "This confirmation was already used or cancelled. Nothing more was changed.",
        )
    };
    let reply = if accept {
        if !stored::take(db, &attempt.id, "running", now).await? {
            return Err(used());
        }
        run(ports, site, &attempt, lang).await?
    } else {
        if !stored::take(db, &attempt.id, "cancelled", now).await? {
            return Err(used());
        }
        action_reply(words::say(lang, Line::Cancelled).to_owned(), lang)
    };

    let id =
        crate::db::messages::save_bot_reply(db, conversation, &reply, None, ports.now()).await?;
    Ok((id, reply))
}

/// The claim of a token whose tag is right but whose time is up.
fn unverified_claim(key: &[u8], token_text: &str) -> Option<Claim> {
    // Re-opened with the clock at 0: the tag is checked, the expiry is not.
    token::open(key, token_text, 0).ok()
}

/// Calls the site's API for a stored, running attempt and words the
/// answer. A read is asked again once after no answer or a 5xx; a write
/// never is.
async fn run(ports: &impl Ports, site: &Site, a: &Attempt, lang: Lang) -> Result<Reply, AppError> {
    let db = ports.db();
    let failed_line = |action: Option<&Action>| match action.map(|x| x.effect) {
        Some(Effect::Changes) => Line::WriteFailed,
        _ => Line::ReadFailed,
    };
    let action = find(site, &a.action);
    let (Some(action), Some(api)) = (action, site.api.as_ref()) else {
        stored::finish(db, &a.id, "failed", None, None, ports.now()).await?;
        return Ok(person_reply(
            words::say(lang, failed_line(action)).to_owned(),
            lang,
        ));
    };
    let secret = ports.secret(&api.secret);
    let request = secret.as_deref().map(|s| {
        call::request(
            api,
            action,
            &a.progress.values,
            a.user.as_deref(),
            &a.id,
            s,
            ports.now() / 1000,
        )
    });
    let Some(Ok(request)) = request else {
        ports.log(&format!(
            "action {}: no request (the {} secret is missing or not whsec_…)",
            a.action, api.secret
        ));
        stored::finish(db, &a.id, "failed", None, None, ports.now()).await?;
        return Ok(person_reply(
            words::say(lang, Line::Unavailable).to_owned(),
            lang,
        ));
    };
    let started = ports.now();
    let mut answer = ports.call_api(&request, api.timeout_ms()).await;
    if call::retry(action, answer.view()) {
        answer = ports.call_api(&request, api.timeout_ms()).await;
    }
    let latency = ports.now() - started;
    let (status, text) = call::outcome(action, &a.progress.values, lang.code(), answer.view());
    stored::finish(
        db,
        &a.id,
        status.as_str(),
        answer.status(),
        Some(latency),
        ports.now(),
    )
    .await?;
    Ok(match (status, text) {
        (Status::Succeeded | Status::NotFound, Some(text)) => action_reply(text, lang),
        (Status::Unknown, _) => person_reply(words::say(lang, Line::Unknown).to_owned(), lang),
        _ => person_reply(words::say(lang, failed_line(Some(action))).to_owned(), lang),
    })
}

fn find<'a>(site: &'a Site, name: &str) -> Option<&'a Action> {
    site.action.iter().find(|a| a.name == name)
}

/// The confirmation token for attempt `a`, if the worker has its key.
fn seal(ports: &impl Ports, a: &Attempt) -> Option<String> {
    let key = ports.secret(CONFIRM_SECRET)?;
    let claim = Claim {
        attempt: a.id.clone(),
        conversation: a.conversation.clone(),
        site: a.site.clone(),
        action: a.action.clone(),
        params: token::digest(&a.progress.values),
        user: a.user.clone()?,
        expires: ports.now() / 1000 + token::CONFIRM_SECS,
    };
    token::seal(key.as_bytes(), &claim).ok()
}

fn action_reply(text: String, lang: Lang) -> Reply {
    Reply {
        decision: Decision::Action,
        text,
        sources: Vec::new(),
        reason: None,
        lang: lang.code().to_owned(),
        confirm: None,
    }
}

/// The bot could not do it: the words, and the offer of a person.
fn person_reply(text: String, lang: Lang) -> Reply {
    Reply {
        decision: Decision::Escalate,
        reason: Some(EscalationReason::Unresolved),
        ..action_reply(text, lang)
    }
}

#[cfg(test)]
mod suite;
#[cfg(test)]
mod tests;

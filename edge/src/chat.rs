//! A visitor's chat turn as a use case over [`Ports`]: a repeated message
//! answered from storage, the limits, the hold on a keyed message's reply,
//! the engine's decision (with the embedding model's view when it can
//! change it), and the turn stored before it is acknowledged. The handler
//! (`handlers::chat`) adapts a request to it and, when a model writes the
//! reply, streams it and calls [`finish`]; `cargo test` runs it natively
//! against SQLite (`chat/tests.rs`).

use frontdesk_api::validate::ChatInput;
use frontdesk_api::wire::{Decision, LiveEvent, Reply, Role};
use frontdesk_shared::config::limits::{established, Kind};
use frontdesk_shared::config::sites::Site;
use frontdesk_shared::retrieval::{Context, Lang, Turn};

use crate::db;
use crate::db::conversations::History;
use crate::db::messages::{Replay, VisitorMessage};
use crate::limits::Who;
use crate::ports::Ports;
use crate::{actions, site, AppError};

/// How many recent messages (visitor and bot) a turn is read with: enough
/// for a question typed in three pieces and for the streak of unhelpful
/// bot turns the engine counts.
const HISTORY_MESSAGES: u32 = 8;
/// How long a request that stored a keyed message holds the writing of its
/// reply: longer than a model's answer takes (`AI_TTFT_MS` + streaming);
/// a repeat of the message after that takes over (the writer died).
pub(crate) const ANSWER_HOLD_MS: i64 = 30_000;
/// How long a repeat of a message whose reply is being written waits for
/// it before answering 409 `message_in_progress`.
const ANSWER_WAIT_MS: i64 = 10_000;
/// `Retry-After` of that 409.
const ANSWER_RETRY_SECS: u64 = 2;

/// A turn answered: the reply and its stored message id.
#[derive(Debug, PartialEq)]
pub(crate) struct Replied {
    pub conversation_id: String,
    pub message_id: i64,
    pub reply: Reply,
}

/// A turn whose reply a model writes: the visitor's message is stored and
/// held for this request; [`finish`] stores the reply.
#[derive(Debug)]
pub(crate) struct Pending {
    pub conversation_id: String,
    pub turn: Turn,
    pub key: Option<String>,
    /// The limits' key, with the conversation (tokens are charged to it).
    pub who: Who,
    /// The conversation has a ticket: agents may be watching it live.
    pub ticketed: bool,
}

#[derive(Debug)]
pub(crate) enum Begun {
    Replied(Replied),
    Generate(Pending),
}

/// Whether this turn is one for a model to write: the engine found
/// articles (answer or suggestions) to ground an answer in.
pub(crate) fn model_writes(turn: &Turn) -> bool {
    !turn.evidence.is_empty() && matches!(turn.reply.decision, Decision::Answer | Decision::Suggest)
}

/// Resolves the conversation of `site` a request continues (with its
/// recent history), or mints a new id. Another site's conversation is
/// answered as a missing one.
pub(crate) async fn conversation(
    ports: &impl Ports,
    id: Option<String>,
    site: &Site,
) -> Result<(String, History), AppError> {
    let Some(id) = id else {
        let fresh = History {
            site: site.key.clone(),
            visitor: Vec::new(),
            unhelpful_streak: 0,
            started: None,
            ticketed: false,
        };
        return Ok((ports.new_id()?, fresh));
    };
    match db::conversations::history(ports.db(), &id, HISTORY_MESSAGES).await? {
        Some(history) if site::belongs(&history.site, site) => Ok((id, history)),
        _ => Err(site::gone()),
    }
}

/// A visitor's message, up to the point where it is answered or a model
/// is to write the answer. `ip` is the request's address key; `model`
/// whether a generator is configured; `user` the verified user id, if the
/// page identified the visitor.
pub(crate) async fn begin(
    ports: &impl Ports,
    site: &Site,
    input: &ChatInput,
    ip: Option<String>,
    model: bool,
    user: Option<&str>,
) -> Result<Begun, AppError> {
    let db = ports.db();
    let key = input.idempotency_key.as_deref();
    // The same message again (the widget's outbox, after a lost answer;
    // or a client repeating it on purpose): counted like any request, and
    // answered from what is stored; never a second copy of the message,
    // never a second reply, and no model call while another request is
    // writing the reply.
    let replay = match key {
        Some(key) => db::messages::replay(db, key).await?,
        None => None,
    };
    if replay
        .as_ref()
        .is_some_and(|r| !site::belongs(&r.site, site))
    {
        return Err(site::gone());
    }
    let who = |visitor: Option<&str>, started: Option<i64>| Who {
        visitor: visitor.map(str::to_owned),
        ip: ip.clone(),
        site: site.key.clone(),
        established: established(started, ports.now()),
    };
    if let Some(Replay {
        conversation_id,
        reply: Some((message_id, reply)),
        ..
    }) = replay
    {
        ports
            .admit(&who(Some(&conversation_id), None), Kind::Messages, false)
            .await?;
        return Ok(Begun::Replied(Replied {
            conversation_id,
            message_id,
            reply,
        }));
    }
    let stored = replay.is_some();
    let continues = input.conversation_id.is_some() || stored;
    let (conversation_id, mut history) = match replay {
        Some(r) => conversation(ports, Some(r.conversation_id), site).await?,
        None => conversation(ports, input.conversation_id.clone(), site).await?,
    };
    if stored && history.visitor.last() == Some(&input.message) {
        history.visitor.pop();
    }
    // Every message, new or sent again, must fit every limit before
    // anything is stored or the model is asked.
    let limited = who(
        continues.then_some(conversation_id.as_str()),
        history.started,
    );
    let tokens_left = ports.admit(&limited, Kind::Messages, model).await?;
    // A stored message without a reply: another request is writing it
    // (wait for it), or died doing so (take over, once).
    if let (true, Some(key)) = (stored, key) {
        let now = ports.now();
        if !db::messages::claim(db, key, now + ANSWER_HOLD_MS, now).await? {
            return answer_when_ready(ports, key, site)
                .await
                .map(Begun::Replied);
        }
    }
    let earlier: Vec<&str> = history.visitor.iter().map(String::as_str).collect();
    let mut ctx = Context {
        earlier: &earlier,
        unhelpful_streak: history.unhelpful_streak,
        locale: input
            .locale
            .as_deref()
            .map(Lang::from_tag)
            .filter(|&l| l != Lang::Other),
        semantic: None,
    };
    // The site's own always-human topics (frontdesk.toml), if it names them.
    let topics = site.always_human.as_deref();
    let message = VisitorMessage {
        conversation: &conversation_id,
        site: &site.key,
        page_url: input.page_url.as_deref(),
        text: &input.message,
        key,
    };
    // An action on the site's API (asking for a value, looking something
    // up, a change to confirm) takes the turn before the engine; a model,
    // with tokens left today, may recognise one the engine does not. Its
    // calls and tokens are charged to the conversation.
    let charged = Who {
        visitor: Some(conversation_id.clone()),
        ..limited.clone()
    };
    let acted = actions::turn(
        ports,
        site,
        &conversation_id,
        input.page_url.as_deref(),
        &input.message,
        user,
        ctx.locale,
        &charged,
        model && tokens_left,
    )
    .await?;
    let turn = match acted {
        Some(_) => None,
        None => {
            // A question (not small talk, nor a request for a person, an
            // always-human topic or frustration, which are recognised
            // before any search): fuse in the embedding model's view, if
            // one is configured. The engine then decides the turn once.
            let similarities = if ports.rests_on_retrieval(&input.message, &ctx, topics).await {
                ports.similarities(&input.message).await
            } else {
                None
            };
            ctx.semantic = similarities.as_deref();
            Some(ports.turn(&input.message, &ctx, topics).await)
        }
    };
    let generate = turn
        .as_ref()
        .is_some_and(|t| model && tokens_left && model_writes(t));
    if !generate {
        if model && !tokens_left {
            ports.log("model tokens for today are spent; the built-in engine answers");
        }
        let reply = match (acted, turn) {
            (Some(reply), _) => reply,
            (None, Some(turn)) => turn.reply,
            (None, None) => return Err(AppError::Internal("a turn without a reply".into())),
        };
        let saved = if stored {
            db::messages::save_bot_reply(db, &conversation_id, &reply, key, ports.now()).await
        } else {
            db::messages::save_turn(db, &message, &reply, ports.now()).await
        };
        return match saved {
            Ok(message_id) => {
                if history.ticketed {
                    changed(ports, &conversation_id).await;
                }
                Ok(Begun::Replied(Replied {
                    conversation_id,
                    message_id,
                    reply,
                }))
            }
            // Another copy of the message was stored (with its reply, or
            // with its reply being written) while this one was deciding.
            Err(e) => after_race(ports, key, site, e).await.map(Begun::Replied),
        };
    }
    if !stored {
        let now = ports.now();
        if let Err(e) =
            db::messages::save_visitor_message(db, &message, now + ANSWER_HOLD_MS, now).await
        {
            return after_race(ports, key, site, e).await.map(Begun::Replied);
        }
    }
    let turn = turn.ok_or_else(|| AppError::Internal("a model turn without a turn".into()))?;
    Ok(Begun::Generate(Pending {
        who: Who {
            visitor: Some(conversation_id.clone()),
            ..limited
        },
        conversation_id,
        turn,
        key: key.map(str::to_owned),
        ticketed: history.ticketed,
    }))
}

/// Tells agents watching a conversation with a ticket (the inbox's live
/// connection) that it has new messages to read.
async fn changed(ports: &impl Ports, conversation: &str) {
    ports
        .broadcast(conversation, &LiveEvent::Changed, Some(Role::Agent))
        .await;
}

/// Stores the reply a model wrote for `pending`. If the message was
/// answered meanwhile (by a request that took over after this one's hold
/// lapsed), that reply stands.
pub(crate) async fn finish(
    ports: &impl Ports,
    site: &Site,
    pending: Pending,
    reply: Reply,
) -> Result<Replied, AppError> {
    let key = pending.key.as_deref();
    match db::messages::save_bot_reply(
        ports.db(),
        &pending.conversation_id,
        &reply,
        key,
        ports.now(),
    )
    .await
    {
        Ok(message_id) => {
            if pending.ticketed {
                changed(ports, &pending.conversation_id).await;
            }
            Ok(Replied {
                conversation_id: pending.conversation_id,
                message_id,
                reply,
            })
        }
        Err(e) => after_race(ports, key, site, e).await,
    }
}

/// After a failed insert: the same message stored by another request
/// while this one was deciding (a retry racing the original) makes this
/// request answer as a repeat; anything else is the error.
async fn after_race(
    ports: &impl Ports,
    key: Option<&str>,
    site: &Site,
    error: AppError,
) -> Result<Replied, AppError> {
    match raced(ports, key, site).await {
        Some(_) => answer_when_ready(ports, key.unwrap_or_default(), site).await,
        None => Err(error),
    }
}

/// The reply to the message stored under `key` (of this site), waiting
/// for it up to [`ANSWER_WAIT_MS`] while another request writes it,
/// reading the store at 250, 500, then every 1,000 ms; then 409
/// `message_in_progress` with `Retry-After`. Never calls the model.
async fn answer_when_ready(
    ports: &impl Ports,
    key: &str,
    site: &Site,
) -> Result<Replied, AppError> {
    let deadline = ports.now() + ANSWER_WAIT_MS;
    let mut pause = 250;
    loop {
        match raced(ports, Some(key), site).await {
            Some(Replay {
                conversation_id,
                reply: Some((message_id, reply)),
                ..
            }) => {
                return Ok(Replied {
                    conversation_id,
                    message_id,
                    reply,
                })
            }
            Some(_) => {}
            None => return Err(site::gone()),
        }
        if ports.now() + pause > deadline {
            return Err(AppError::InProgress {
                retry_after_secs: ANSWER_RETRY_SECS,
            });
        }
        ports.sleep(pause).await;
        pause = (pause * 2).min(1_000);
    }
}

/// The message stored under `key`, of this site: another site's message
/// under the same key stays unseen.
async fn raced(ports: &impl Ports, key: Option<&str>, site: &Site) -> Option<Replay> {
    db::messages::replay(ports.db(), key?)
        .await
        .ok()
        .flatten()
        .filter(|r| site::belongs(&r.site, site))
}

#[cfg(test)]
mod tests;

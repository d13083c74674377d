//! Request handlers: validate, decide, store, answer. Each is short; the
//! decisions live in `frontdesk-shared`.

use frontdesk_api::error::{ApiError, ErrorCode};
use frontdesk_api::validate::{ChatInput, FeedbackInput, HandoffInput};
use frontdesk_api::wire::{
    ChatRequest, ChatResponse, EscalationReason, FeedbackRequest, FeedbackResponse, HandoffRequest,
    HandoffResponse, Health, Identity, Reply, Role, StreamDelta, StreamStart, STREAM_DELTA,
    STREAM_DONE, STREAM_START,
};
use frontdesk_shared::config::limits::Kind;
use frontdesk_shared::config::sites::Site;
use frontdesk_shared::identity::{self, Verified};
use frontdesk_shared::retrieval::{Context, Lang, Thresholds};
use frontdesk_shared::tickets::reference::{format_reference, REFERENCE_BYTES};
use frontdesk_shared::tickets::{self, TicketInput};
use futures_util::StreamExt;
use serde::Serialize;
use worker::{Env, Request, Response};

use crate::db::conversations::History;
use crate::db::feedback::Rated;
use crate::db::messages::{Replay, VisitorMessage};
use crate::db::tickets::KeyedTicket;
use crate::db::{self, D1};
use crate::deliver;
use crate::embed::Embedder;
use crate::generate::Generator;
use crate::http::{json, read_json};
use crate::limits::{self, Who};
use crate::platform::{now_ms, random_bytes, random_uuid};
use crate::vars::{hybrid_thresholds, setting};
use crate::{content, live, render, site, summary, AppError};

pub(crate) fn health() -> Result<Response, AppError> {
    let (version, articles, passages) = live::known();
    json(
        &Health {
            status: "ok".into(),
            version,
            articles,
            passages,
        },
        200,
    )
}

/// How many recent messages (visitor and bot) a turn is read with: enough
/// for a question typed in three pieces and for the streak of unhelpful
/// bot turns the engine counts.
const HISTORY_MESSAGES: u32 = 8;

/// Resolves the conversation of `site` a request continues (with its
/// recent history), or mints a new id. Another site's conversation is
/// answered as a missing one.
async fn conversation(
    db: &D1,
    id: Option<String>,
    site: &Site,
) -> Result<(String, History), AppError> {
    let Some(id) = id else {
        let fresh = History {
            site: site.key.clone(),
            visitor: Vec::new(),
            unhelpful_streak: 0,
            started: None,
        };
        return Ok((random_uuid()?, fresh));
    };
    match db::conversations::history(db, &id, HISTORY_MESSAGES).await? {
        Some(history) if site::belongs(&history.site, site) => Ok((id, history)),
        _ => Err(site::gone()),
    }
}

/// Checks an identity the page sent (`Frontdesk('identify', …)`) against
/// the `IDENTITY_SECRET` secret, before anything is stored: a refused one
/// is a 401 (`identity_invalid`, `identity_expired`), one sent to a site
/// without a secret a 400 (`identity_not_configured`); never trusted
/// unchecked. The secret and the token never reach a response or the log.
fn verify_identity(env: &Env, identity: Option<&Identity>) -> Result<Option<Verified>, AppError> {
    let Some(identity) = identity else {
        return Ok(None);
    };
    let secret = setting(env, "IDENTITY_SECRET");
    let verified = identity::verify(identity, secret.as_deref(), now_ms().div_euclid(1000))
        .map_err(ApiError::from)?;
    Ok(Some(verified))
}

/// A chat turn's JSON answer (200).
fn chat_json(conversation_id: String, message_id: i64, reply: Reply) -> Result<Response, AppError> {
    json(
        &ChatResponse {
            conversation_id,
            message_id,
            reply,
        },
        200,
    )
}

/// Whether a decided turn rests on retrieval (so the embedding model's
/// view could change it): not small talk, nor a request for a person, an
/// always-human topic or frustration, which are recognised before any
/// search.
fn needs_retrieval(turn: &frontdesk_shared::retrieval::Turn) -> bool {
    turn.reply.decision != frontdesk_api::wire::Decision::SmallTalk
        && !matches!(
            turn.reply.reason,
            Some(
                EscalationReason::Requested
                    | EscalationReason::AlwaysHuman
                    | EscalationReason::Frustrated
            )
        )
}

/// `POST /api/v1/chat`: one visitor turn. The visitor's message is stored
/// before anything acknowledges it. With a text generator configured and
/// articles to ground it in, the answer is written by the model; a client
/// that accepts `text/event-stream` gets it streamed (see
/// `frontdesk_api::wire::STREAM_START`), others get JSON at the end.
/// A new message over a limit (`limits.rs`) is refused before anything
/// is stored; with the day's model tokens spent, the built-in engine
/// answers alone.
pub(crate) async fn chat(
    mut req: Request,
    env: &Env,
    ctx: &worker::Context,
    site: &Site,
) -> Result<Response, AppError> {
    let streaming = req
        .headers()
        .get("Accept")?
        .is_some_and(|a| a.contains("text/event-stream"));
    let input = ChatInput::try_from(read_json::<ChatRequest>(&mut req).await?)?;
    // A refused identity stops the turn before anything is stored.
    verify_identity(env, input.identity.as_ref())?;
    let db = D1::of(env)?;
    let key = input.idempotency_key.as_deref();
    // The same message again (the widget's outbox, after a lost answer;
    // or a client repeating it on purpose): counted like any request, and
    // answered from what is stored; never a second copy of the message,
    // never a second reply, and no model call while another request is
    // writing the reply.
    let replay = match key {
        Some(key) => db::messages::replay(&db, key).await?,
        None => None,
    };
    if replay
        .as_ref()
        .is_some_and(|r| !site::belongs(&r.site, site))
    {
        return Err(site::gone());
    }
    let generator = Generator::from_env(env);
    if let Some(Replay {
        conversation_id,
        reply: Some((message_id, reply)),
        ..
    }) = replay
    {
        let who = Who::new(&req, Some(&conversation_id), &site.key);
        limits::admit(env, &who, Kind::Messages, false).await?;
        return chat_json(conversation_id, message_id, reply);
    }
    let stored = replay.is_some();
    let continues = input.conversation_id.is_some() || stored;
    let (conversation_id, mut history) = match replay {
        Some(r) => conversation(&db, Some(r.conversation_id), site).await?,
        None => conversation(&db, input.conversation_id, site).await?,
    };
    if stored && history.visitor.last() == Some(&input.message) {
        history.visitor.pop();
    }
    // Every message, new or sent again, must fit every limit before
    // anything is stored or the model is asked.
    let who = Who::new(
        &req,
        continues.then_some(conversation_id.as_str()),
        &site.key,
    )
    .since(history.started);
    let tokens_left = limits::admit(env, &who, Kind::Messages, generator.is_some()).await?;
    if !tokens_left {
        worker::console_log!("model tokens for today are spent; the built-in engine answers");
    }
    // A stored message without a reply: another request is writing it
    // (wait for it), or died doing so (take over, once).
    if let (true, Some(key)) = (stored, key) {
        let now = now_ms();
        if !db::messages::claim(&db, key, now + ANSWER_HOLD_MS, now).await? {
            return answer_when_ready(&db, key, site).await;
        }
    }
    let earlier: Vec<&str> = history.visitor.iter().map(String::as_str).collect();
    let mut turn_ctx = Context {
        earlier: &earlier,
        unhelpful_streak: history.unhelpful_streak,
        locale: input
            .locale
            .as_deref()
            .map(Lang::from_tag)
            .filter(|&l| l != Lang::Other),
        semantic: None,
    };
    let live = live::current(env, &db).await;
    let th = Thresholds {
        hybrid: hybrid_thresholds(env),
        ..Thresholds::default()
    };
    // The site's own always-human topics (frontdesk.toml), if it names them.
    let topics = site.always_human.as_deref();
    let mut turn = live.turn(env, &input.message, &turn_ctx, &th, topics).await;
    // A question (not small talk, nor a request for a person): fuse in the
    // embedding model's view, if one is configured.
    let similarities = match Embedder::from_env(env) {
        Some(e) if needs_retrieval(&turn) => {
            e.similarities(env, ctx, &db, &live, &input.message).await
        }
        _ => None,
    };
    if let Some(s) = &similarities {
        turn_ctx.semantic = Some(s);
        turn = live.turn(env, &input.message, &turn_ctx, &th, topics).await;
    }
    let message = VisitorMessage {
        conversation: &conversation_id,
        site: &site.key,
        page_url: input.page_url.as_deref(),
        text: &input.message,
        key: input.idempotency_key.as_deref(),
    };
    let Some(generator) = generator.filter(|_| tokens_left && Generator::wants(&turn)) else {
        let reply = turn.reply;
        let saved = if stored {
            db::messages::save_bot_reply(&db, &conversation_id, &reply, key, now_ms()).await
        } else {
            db::messages::save_turn(&db, &message, &reply, now_ms()).await
        };
        return match saved {
            Ok(id) => chat_json(conversation_id, id, reply),
            // Another copy of the message was stored (with its reply, or
            // with its reply being written) while this one was deciding.
            Err(e) => match raced(&db, key, site).await {
                Some(_) => answer_when_ready(&db, key.unwrap_or_default(), site).await,
                None => Err(e),
            },
        };
    };
    if !stored {
        let now = now_ms();
        if let Err(e) =
            db::messages::save_visitor_message(&db, &message, now + ANSWER_HOLD_MS, now).await
        {
            return match raced(&db, key, site).await {
                Some(_) => answer_when_ready(&db, key.unwrap_or_default(), site).await,
                None => Err(e),
            };
        }
    }
    let who = Who {
        visitor: Some(conversation_id.clone()),
        ..who
    };
    if !streaming {
        let (reply, tokens) = generator.reply(env, &turn, &mut |_| {}).await;
        // Charged before the answer, so the next turn sees it.
        limits::charge_tokens(env, &who, tokens).await;
        let message_id = match db::messages::save_bot_reply(
            &db,
            &conversation_id,
            &reply,
            key,
            now_ms(),
        )
        .await
        {
            Ok(id) => id,
            // Answered meanwhile (by a request that took over after
            // this one's hold lapsed): that reply stands.
            Err(e) => match raced(&db, key, site).await {
                Some(_) => return answer_when_ready(&db, key.unwrap_or_default(), site).await,
                None => return Err(e),
            },
        };
        return chat_json(conversation_id, message_id, reply);
    }
    // The model's words go out as they come; the task ends the stream by
    // dropping the sender after the final reply is stored.
    let (tx, rx) = futures_channel::mpsc::unbounded::<Vec<u8>>();
    let env = env.clone();
    let key = key.map(str::to_owned);
    wasm_bindgen_futures::spawn_local(async move {
        let send = |name: &str, data: &dyn erased::Json| {
            let _ =
                tx.unbounded_send(format!("event: {name}\ndata: {}\n\n", data.json()).into_bytes());
        };
        send(
            STREAM_START,
            &StreamStart {
                conversation_id: conversation_id.clone(),
            },
        );
        let (reply, tokens) = generator
            .reply(&env, &turn, &mut |text| {
                send(STREAM_DELTA, &StreamDelta { text });
            })
            .await;
        limits::charge_tokens(&env, &who, tokens).await;
        // The visitor sees the reply even if it could not be stored; it
        // then has no id (0) and cannot be rated.
        let message_id = match D1::of(&env) {
            Ok(db) => db::messages::save_bot_reply(
                &db,
                &conversation_id,
                &reply,
                key.as_deref(),
                now_ms(),
            )
            .await
            .unwrap_or_else(|e| {
                worker::console_error!("storing the bot reply failed: {e:?}");
                0
            }),
            Err(e) => {
                worker::console_error!("no DB binding: {e:?}");
                0
            }
        };
        send(
            STREAM_DONE,
            &ChatResponse {
                conversation_id,
                message_id,
                reply,
            },
        );
    });
    let mut response = Response::from_stream(rx.map(Ok::<Vec<u8>, worker::Error>))?;
    let h = response.headers_mut();
    h.set("Content-Type", "text/event-stream; charset=utf-8")?;
    h.set("Cache-Control", "no-store")?;
    Ok(response)
}

/// How long a request that stored a keyed message holds the writing of its
/// reply: longer than a model's answer takes (`AI_TTFT_MS` + streaming);
/// a repeat of the message after that takes over (the writer died).
const ANSWER_HOLD_MS: i64 = 30_000;
/// How long a repeat of a message whose reply is being written waits for
/// it before answering 409 `message_in_progress`.
const ANSWER_WAIT_MS: i64 = 10_000;
/// `Retry-After` of that 409.
const ANSWER_RETRY_SECS: u64 = 2;

/// The reply to the message stored under `key` (of this site), waiting
/// for it up to [`ANSWER_WAIT_MS`] while another request writes it,
/// reading D1 at 250, 500, then every 1,000 ms; then 409
/// `message_in_progress` with `Retry-After`. Never calls the model.
async fn answer_when_ready(db: &D1, key: &str, site: &Site) -> Result<Response, AppError> {
    let deadline = now_ms() + ANSWER_WAIT_MS;
    let mut pause = 250;
    loop {
        match raced(db, Some(key), site).await {
            Some(Replay {
                conversation_id,
                reply: Some((id, reply)),
                ..
            }) => return chat_json(conversation_id, id, reply),
            Some(_) => {}
            None => return Err(site::gone()),
        }
        if now_ms() + pause > deadline {
            return Err(AppError::InProgress {
                retry_after_secs: ANSWER_RETRY_SECS,
            });
        }
        worker::Delay::from(std::time::Duration::from_millis(pause as u64)).await;
        pause = (pause * 2).min(1_000);
    }
}

/// The message stored under `key` by another request while this one was
/// deciding (the same message sent twice at once, e.g. a retry racing the
/// original): this request's insert then failed on the key's unique index,
/// and it answers as a repeat instead of with that error. Only one of this
/// site's: another site's message under the same key stays unseen.
async fn raced(db: &D1, key: Option<&str>, site: &Site) -> Option<Replay> {
    db::messages::replay(db, key?)
        .await
        .ok()
        .flatten()
        .filter(|r| site::belongs(&r.site, site))
}

/// One JSON line per event, whatever the payload type.
mod erased {
    pub(super) trait Json {
        fn json(&self) -> String;
    }

    impl<T: super::Serialize> Json for T {
        fn json(&self) -> String {
            serde_json::to_string(self).unwrap_or_else(|_| "null".into())
        }
    }
}

/// `POST /api/v1/handoff`: open a ticket for a person, with the transcript.
/// Its deliveries are queued after the response when a model writes the
/// summary (`summary.rs`).
pub(crate) async fn handoff(
    mut req: Request,
    env: &Env,
    ctx: &worker::Context,
    site: &Site,
) -> Result<Response, AppError> {
    let input = HandoffInput::try_from(read_json::<HandoffRequest>(&mut req).await?)?;
    let verified = verify_identity(env, input.identity.as_ref())?;
    // A verified email wins over the typed one, which stays unverified.
    // (Beside a hashed user id, the page's unsigned email counts as typed.)
    let typed = match (&input.email, &input.identity) {
        (e, Some(i)) if e.is_empty() => i.email.as_deref().unwrap_or_default(),
        (e, _) => e.as_str(),
    };
    let requester = identity::requester(typed, verified)?;
    let db = D1::of(env)?;
    let key = input.idempotency_key.as_deref();
    // The same handoff again (a retry after a lost answer): the ticket it
    // made, if the key was used for this site and conversation; nothing
    // new is stored either way.
    if let Some(earlier) = match key {
        Some(key) => db::tickets::keyed(&db, key).await?,
        None => None,
    } {
        return handed_off_before(earlier, input.conversation_id.as_deref(), site);
    }
    let continues = input.conversation_id.is_some();
    let (conversation_id, history) = conversation(&db, input.conversation_id.clone(), site).await?;
    // A ticket over a limit is refused before anything is stored.
    let who = Who::new(
        &req,
        continues.then_some(conversation_id.as_str()),
        &site.key,
    )
    .since(history.started);
    limits::admit(env, &who, Kind::Tickets, false).await?;
    // The most recent messages, however long the conversation (a ticket
    // must fit a D1 row); the ticket says how many it leaves out.
    let (transcript, earlier) =
        db::messages::recent_transcript(&db, &conversation_id, tickets::TICKET_MESSAGES).await?;
    let live = live::current(env, &db).await;
    let index = &*live.index;
    let topic = transcript
        .iter()
        .filter(|e| e.role == Role::Visitor)
        .find_map(|e| index.always_human_for(&e.text, site.always_human.as_deref()))
        .or_else(|| {
            input
                .note
                .as_deref()
                .and_then(|n| index.always_human_for(n, site.always_human.as_deref()))
        });
    let reference = format_reference(random_bytes::<REFERENCE_BYTES>()?);
    let mut ticket = tickets::build(TicketInput {
        reference: &reference,
        conversation_id: &conversation_id,
        created_at: now_ms(),
        requester,
        note: input.note.as_deref(),
        page_url: input.page_url.as_deref(),
        transcript,
        always_human_topic: topic,
        site: Some(site::ticket_site(site)),
        earlier,
    });
    let sinks = deliver::route(env, &mut ticket);
    let also = deliver::rows(&ticket.reference, &sinks, ticket.created_at);
    let stored = db::tickets::create(&db, &ticket, key, also).await;
    if let Err(e) = stored {
        // The same key stored by a request racing this one: nothing of
        // this one was written (one batch).
        return match key {
            Some(key) => match db::tickets::keyed(&db, key).await? {
                Some(earlier) => handed_off_before(earlier, input.conversation_id.as_deref(), site),
                None => Err(e),
            },
            None => Err(e),
        };
    }
    let email = ticket.requester.email.clone();
    summary::then_deliver(env, ctx, ticket, sinks).await;
    json(
        &HandoffResponse {
            reference,
            conversation_id,
            email,
        },
        201,
    )
}

/// The answer to a handoff whose idempotency key made a ticket before:
/// that ticket (200) when it is of this site and of the conversation the
/// request names (if it names one); otherwise 409 `idempotency_key_reused`,
/// which says nothing of the other ticket. Nothing is stored.
fn handed_off_before(
    earlier: KeyedTicket,
    conversation: Option<&str>,
    site: &Site,
) -> Result<Response, AppError> {
    let same = site::belongs(&earlier.site, site)
        && conversation.is_none_or(|c| c == earlier.conversation_id);
    if !same {
        return Err(ApiError::field(
            ErrorCode::IdempotencyKeyReused,
            "idempotency_key",
            "This idempotency key was already used for another request. Send a new one.",
        )
        .into());
    }
    json(
        &HandoffResponse {
            reference: earlier.reference,
            conversation_id: earlier.conversation_id,
            email: earlier.email,
        },
        200,
    )
}

/// `POST /api/v1/feedback`: the visitor's thumbs up or down on one bot
/// answer of their conversation; rating it again replaces the rating.
/// Limited per minute (`limits.rs`) like messages.
pub(crate) async fn feedback(
    mut req: Request,
    env: &Env,
    site: &Site,
) -> Result<Response, AppError> {
    let input = FeedbackInput::try_from(read_json::<FeedbackRequest>(&mut req).await?)?;
    let db = D1::of(env)?;
    let owner = db::conversations::owner(&db, &input.conversation_id).await?;
    if owner
        .as_ref()
        .is_some_and(|o| !site::belongs(&o.site, site))
    {
        return Err(site::gone());
    }
    // A rating over a limit is refused before anything is stored; one for
    // a conversation that does not exist counts against the address and
    // the site only.
    let id = owner.as_ref().map(|_| input.conversation_id.as_str());
    let who = Who::new(&req, id, &site.key).since(owner.as_ref().map(|o| o.started));
    limits::admit(env, &who, Kind::Feedback, false).await?;
    match db::feedback::rate(&db, &input, now_ms()).await? {
        Rated::Stored(rating) => json(
            &FeedbackResponse {
                message_id: input.message_id,
                rating,
            },
            200,
        ),
        Rated::NoConversation => Err(ApiError::field(
            ErrorCode::ConversationNotFound,
            "conversation_id",
            "This conversation does not exist (it may have been deleted). Start a new one.",
        )
        .into()),
        Rated::NoMessage => Err(ApiError::field(
            ErrorCode::MessageNotFound,
            "message_id",
            "This conversation has no answer from the bot with that id to rate.",
        )
        .into()),
    }
}

/// `GET /help/<slug>`: a live help article (uploaded, else bundled),
/// rendered from its Markdown.
pub(crate) async fn help_page(env: &Env, slug: &str) -> Result<Response, AppError> {
    let missing = || AppError::code(ErrorCode::NotFound, "No such help article.");
    if !frontdesk_shared::retrieval::content::valid_slug(slug) {
        return Err(missing());
    }
    let db = D1::of(env)?;
    let source = match db::content::override_source(&db, slug).await? {
        Some(Some(uploaded)) => uploaded,
        Some(None) => return Err(missing()),
        None => content::bundled_source(slug)
            .ok_or_else(missing)?
            .to_owned(),
    };
    let site = frontdesk_shared::config::sites::default_site(content::sites());
    let html = render::page(slug, &source, site).ok_or_else(missing)?;
    let mut response = Response::from_html(html)?;
    let h = response.headers_mut();
    h.set("Content-Security-Policy", render::CSP)?;
    h.set("X-Content-Type-Options", "nosniff")?;
    h.set("Referrer-Policy", "no-referrer")?;
    Ok(response)
}

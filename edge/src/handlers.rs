//! Request handlers: validate, decide, store, answer. Each is short; the
//! decisions live in `frontdesk-shared`.

use frontdesk_api::error::{ApiError, ErrorCode};
use frontdesk_api::validate::{ChatInput, ConfirmInput, FeedbackInput, HandoffInput};
use frontdesk_api::wire::{
    ChatRequest, ChatResponse, ConfirmRequest, FeedbackRequest, FeedbackResponse, HandoffRequest,
    HandoffResponse, Health, Identity, Reply, StreamDelta, StreamStart, STREAM_DELTA, STREAM_DONE,
    STREAM_START,
};
use frontdesk_shared::config::sites::Site;
use frontdesk_shared::identity::{self, Verified};
use futures_util::StreamExt;
use serde::Serialize;
use worker::{Env, Request, Response};

use crate::actions;
use crate::attachments;
use crate::chat::{self, Begun, Pending};
use crate::db::{self, D1};
use crate::email;
use crate::feedback;
use crate::generate::Generator;
use crate::handoff::{self, Opened};
use crate::http::{json, read_json};
use crate::limits::{self, Who};
use crate::platform::now_ms;
use crate::ports::bindings::Bindings;
use crate::ports::Ports;
use crate::settings::Settings;
use crate::{content, live, render, summary, AppError};

pub(crate) fn health() -> Result<Response, AppError> {
    let (version, articles, passages) = live::known();
    json(
        &Health {
            status: "ok".into(),
            version,
            articles,
            passages,
            d1_statements: crate::db::d1::statements(),
        },
        200,
    )
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
    let settings = Settings::of(env);
    let verified = identity::verify(
        identity,
        settings.identity_secret.as_deref(),
        now_ms().div_euclid(1000),
    )
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
    let verified = verify_identity(env, input.identity.as_ref())?;
    let user = verified.and_then(|v| v.id);
    let ports = Bindings::new(env, ctx)?;
    let generator = Generator::from_env(env);
    let ip = Who::new(&req, None, &site.key).ip;
    let model = generator.is_some();
    let pending = match chat::begin(&ports, site, &input, ip, model, user.as_deref()).await? {
        Begun::Replied(r) => return chat_json(r.conversation_id, r.message_id, r.reply),
        Begun::Generate(pending) => pending,
    };
    let generator =
        generator.ok_or_else(|| AppError::Internal("a model turn without a model".into()))?;
    if !streaming {
        let (reply, tokens) = generator.reply(env, &pending.turn, &mut |_| {}).await;
        // Charged before the answer, so the next turn sees it.
        limits::charge_tokens(env, &pending.who, tokens).await;
        let r = chat::finish(&ports, site, pending, reply).await?;
        return chat_json(r.conversation_id, r.message_id, r.reply);
    }
    // The model's words go out as they come; the task ends the stream by
    // dropping the sender after the final reply is stored.
    let (tx, rx) = futures_channel::mpsc::unbounded::<Vec<u8>>();
    let env = env.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let Pending {
            conversation_id,
            turn,
            key,
            who,
            ticketed,
        } = pending;
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
        if ticketed && message_id != 0 {
            let event = frontdesk_api::wire::LiveEvent::Changed;
            let agents = Some(frontdesk_api::wire::Role::Agent);
            if let Err(e) = crate::room::broadcast(&env, &conversation_id, &event, agents).await {
                worker::console_warn!("live: {e}");
            }
        }
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
    let ports = Bindings::new(env, ctx)?;
    let ip = Who::new(&req, None, &site.key).ip;
    let base = req.url()?.origin().ascii_serialization();
    match handoff::open(&ports, site, &input, requester, ip, &base).await? {
        Opened::Before(earlier) => json(&earlier, 200),
        Opened::Created { ticket, sinks } => {
            let response = HandoffResponse {
                reference: ticket.reference.clone(),
                conversation_id: ticket.conversation_id.clone(),
                email: ticket.requester.email.clone(),
            };
            summary::then_deliver(env, ctx, *ticket, sinks).await;
            json(&response, 201)
        }
    }
}

/// `POST /api/v1/feedback`: the visitor's thumbs up or down on one bot
/// answer of their conversation; rating it again replaces the rating.
/// Limited per minute (`limits.rs`) like messages.
pub(crate) async fn feedback(
    mut req: Request,
    env: &Env,
    ctx: &worker::Context,
    site: &Site,
) -> Result<Response, AppError> {
    let input = FeedbackInput::try_from(read_json::<FeedbackRequest>(&mut req).await?)?;
    let ports = Bindings::new(env, ctx)?;
    let ip = Who::new(&req, None, &site.key).ip;
    let rating = feedback::rate(&ports, site, &input, ip).await?;
    json(
        &FeedbackResponse {
            message_id: input.message_id,
            rating,
        },
        200,
    )
}

/// `POST /api/v1/actions/confirm`: the visitor pressed Confirm or Cancel
/// on a change an action showed. Runs it once, for the verified visitor it
/// was shown to (`actions::confirm`); counted like a message, and a
/// Confirm as a call to the site's API.
pub(crate) async fn action_confirm(
    mut req: Request,
    env: &Env,
    ctx: &worker::Context,
    site: &Site,
) -> Result<Response, AppError> {
    let input = ConfirmInput::try_from(read_json::<ConfirmRequest>(&mut req).await?)?;
    let verified = verify_identity(env, input.identity.as_ref())?;
    let user = verified.and_then(|v| v.id);
    let ports = Bindings::new(env, ctx)?;
    let ip = Who::new(&req, None, &site.key).ip;
    let (message_id, reply) =
        actions::confirm_turn(&ports, site, &input, ip, user.as_deref()).await?;
    chat_json(input.conversation_id, message_id, reply)
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

/// The largest inbound e-mail webhook read (text and HTML; providers send
/// attachments apart).
const MAX_INBOUND_BYTES: usize = 512 * 1024;

/// `POST /api/v1/email/inbound`: a visitor's answer to a reply e-mail,
/// from the provider's inbound webhook ([`email::answer`]); 200 with the
/// stored message's id (a replay: the same id, `stored: false`).
pub(crate) async fn email_inbound(
    mut req: Request,
    env: &Env,
    ctx: &worker::Context,
) -> Result<Response, AppError> {
    let header = |name: &str| -> Result<String, AppError> {
        Ok(req.headers().get(name)?.unwrap_or_default())
    };
    // Standard Webhooks' names, or Svix's (Resend signs with Svix: the
    // same scheme under `svix-*`).
    let either = |name: &str| -> Result<String, AppError> {
        let standard = header(&format!("webhook-{name}"))?;
        if standard.is_empty() {
            header(&format!("svix-{name}"))
        } else {
            Ok(standard)
        }
    };
    let (id, timestamp, signature) = (either("id")?, either("timestamp")?, either("signature")?);
    let bytes = crate::http::read_json_bytes(&mut req, MAX_INBOUND_BYTES).await?;
    let body = String::from_utf8(bytes)
        .map_err(|_| AppError::code(ErrorCode::InvalidJson, "The body is not UTF-8."))?;
    let signed = email::Signed {
        id: &id,
        timestamp: &timestamp,
        signature: &signature,
    };
    let answered = email::answer(&Bindings::new(env, ctx)?, &signed, &body).await?;
    json(&answered, 200)
}

/// `GET /api/v1/email/unsubscribe?token=…`: a page with one button that
/// stops the e-mails (a GET changes nothing: mail scanners open links).
/// `POST` (the button, or a mail client's one-click unsubscribe, RFC 8058)
/// stops them ([`email::unsubscribe`]).
pub(crate) async fn email_unsubscribe(
    req: &Request,
    env: &Env,
    ctx: &worker::Context,
    post: bool,
) -> Result<Response, AppError> {
    let token = req
        .url()?
        .query_pairs()
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    let ports = Bindings::new(env, ctx)?;
    let (status, body) = if post {
        match email::unsubscribe(&ports, &token).await {
            Ok(()) => (
                200,
                "<h1>Unsubscribed</h1><p>You will get no more e-mails about this conversation. \
                 Replies still reach you in the chat on the site.</p>"
                    .to_owned(),
            ),
            Err(AppError::Client(_)) => (404, UNKNOWN_LINK.to_owned()),
            Err(e) => return Err(e),
        }
    } else if email::well_formed(&token)
        && db::emails::by_token(ports.db(), &token).await?.is_some()
    {
        (
            200,
            format!(
                "<h1>Stop e-mails about this conversation?</h1>\
                 <form method=\"post\" action=\"?token={token}\">\
                 <button type=\"submit\">Unsubscribe</button></form>"
            ),
        )
    } else {
        (404, UNKNOWN_LINK.to_owned())
    };
    let html = format!(
        "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\"><title>E-mails</title>\
         <body style=\"font:16px system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem\">\
         {body}</body></html>"
    );
    let mut response = Response::from_html(html)?.with_status(status);
    let h = response.headers_mut();
    h.set(
        "Content-Security-Policy",
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
    )?;
    h.set("X-Content-Type-Options", "nosniff")?;
    h.set("Referrer-Policy", "no-referrer")?;
    h.set("Cache-Control", "no-store")?;
    Ok(response)
}

const UNKNOWN_LINK: &str =
    "<h1>Link not found</h1><p>This link belongs to no conversation (it may have been deleted).</p>";

/// `GET /api/v1/attachments/{id}?expires=…&sig=…`: a file, by a link an
/// agent got with the ticket ([`attachments::open`]). Served with the type
/// read from its bytes, never sniffed again by the browser, sandboxed, an
/// image inline and a PDF as a download.
pub(crate) async fn attachment(
    req: &Request,
    env: &Env,
    ctx: &worker::Context,
    id: &str,
) -> Result<Response, AppError> {
    let url = req.url()?;
    let query = |name: &str| {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    let (row, kind, bytes) = attachments::open(
        &Bindings::new(env, ctx)?,
        id,
        &query("expires"),
        &query("sig"),
    )
    .await?;
    let disposition = if kind.image() { "inline" } else { "attachment" };
    let encoded: String = row
        .name
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    let mut response = Response::from_bytes(bytes)?;
    let h = response.headers_mut();
    h.set("Content-Type", kind.mime())?;
    h.set(
        "Content-Disposition",
        &format!(
            "{disposition}; filename=\"attachment.{}\"; filename*=UTF-8''{encoded}",
            kind.extension()
        ),
    )?;
    h.set("X-Content-Type-Options", "nosniff")?;
    h.set("Content-Security-Policy", "default-src 'none'; sandbox")?;
    h.set("Cross-Origin-Resource-Policy", "same-origin")?;
    h.set("Referrer-Policy", "no-referrer")?;
    h.set("Cache-Control", "private, max-age=900")?;
    Ok(response)
}

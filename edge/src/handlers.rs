//! Request handlers: validate, decide, store, answer. Each is short; the
//! decisions live in `frontdesk-shared`.

use frontdesk_shared::engine::{Context, Lang, Thresholds};
use frontdesk_shared::error::{ApiError, ErrorCode};
use frontdesk_shared::reference::{format_reference, REFERENCE_BYTES};
use frontdesk_shared::validate::{ChatInput, HandoffInput};
use frontdesk_shared::wire::{ChatRequest, ChatResponse, HandoffRequest, HandoffResponse, Health};
use worker::{Env, Request, Response};

use crate::http::{json, read_json};
use crate::platform::{now_ms, random_bytes, random_uuid};
use crate::store::{self, History, NewTicket};
use crate::{content, AppError};

const DB: &str = "DB";

pub fn health() -> Result<Response, AppError> {
    json(
        &Health {
            status: "ok".into(),
            articles: content::index().len(),
        },
        200,
    )
}

/// How many recent messages (visitor and bot) a turn is read with: enough
/// for a question typed in three pieces and for the streak of unhelpful
/// bot turns the engine counts.
const HISTORY_MESSAGES: u32 = 8;

/// Resolves the conversation a request continues (with its recent history),
/// or mints a new id.
async fn conversation(
    db: &worker::D1Database,
    id: Option<String>,
) -> Result<(String, History), AppError> {
    let Some(id) = id else {
        let fresh = History {
            visitor: Vec::new(),
            unhelpful_streak: 0,
        };
        return Ok((random_uuid()?, fresh));
    };
    match store::history(db, &id, HISTORY_MESSAGES).await? {
        Some(history) => Ok((id, history)),
        None => Err(ApiError::field(
            ErrorCode::ConversationNotFound,
            "conversation_id",
            "This conversation does not exist (it may have been deleted). Start a new one.",
        )
        .into()),
    }
}

/// `POST /api/v1/chat`: one visitor turn. The message and the reply are
/// stored before the reply is sent.
pub async fn chat(mut req: Request, env: &Env) -> Result<Response, AppError> {
    let input = ChatInput::try_from(read_json::<ChatRequest>(&mut req).await?)?;
    let db = env.d1(DB)?;
    let (conversation_id, history) = conversation(&db, input.conversation_id).await?;
    let earlier: Vec<&str> = history.visitor.iter().map(String::as_str).collect();
    let ctx = Context {
        earlier: &earlier,
        unhelpful_streak: history.unhelpful_streak,
        locale: input
            .locale
            .as_deref()
            .map(Lang::from_tag)
            .filter(|&l| l != Lang::Other),
    };
    let reply = content::index().respond_turn(&input.message, &ctx, &Thresholds::default());
    store::save_turn(
        &db,
        &conversation_id,
        input.page_url.as_deref(),
        &input.message,
        &reply,
        now_ms(),
    )
    .await?;
    json(
        &ChatResponse {
            conversation_id,
            reply,
        },
        200,
    )
}

/// `POST /api/v1/handoff`: open a ticket for a person, with the transcript.
pub async fn handoff(mut req: Request, env: &Env) -> Result<Response, AppError> {
    let input = HandoffInput::try_from(read_json::<HandoffRequest>(&mut req).await?)?;
    let db = env.d1(DB)?;
    let (conversation_id, _) = conversation(&db, input.conversation_id).await?;
    let transcript = store::transcript(&db, &conversation_id).await?;
    let reference = format_reference(random_bytes::<REFERENCE_BYTES>()?);
    store::create_ticket(
        &db,
        &NewTicket {
            reference: &reference,
            conversation: &conversation_id,
            email: &input.email,
            note: input.note.as_deref(),
            page_url: input.page_url.as_deref(),
            transcript: &transcript,
            now: now_ms(),
        },
    )
    .await?;
    json(
        &HandoffResponse {
            reference,
            conversation_id,
            email: input.email,
        },
        201,
    )
}

/// `GET /help/<slug>`: a help article rendered at build time.
pub fn help_page(slug: &str) -> Result<Response, AppError> {
    let Some((title, body)) = content::page(slug) else {
        return Err(AppError::code(ErrorCode::NotFound, "No such help article."));
    };
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · Help</title><link rel=\"stylesheet\" href=\"/site.css\"></head>\
         <body><main class=\"container help-article\"><p><a href=\"/\">← Home</a></p>\
         <h1>{title}</h1>{body}</main>\
         <script src=\"/widget.js\" async data-site=\"demo\" data-title=\"Lumen Notes support\"></script>\
         </body></html>",
        title = escape(title),
    );
    Ok(Response::from_html(html)?)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

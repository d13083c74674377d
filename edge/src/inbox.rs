//! What an agent does to a ticket, as use cases over [`Ports`]: reply in
//! its conversation or attach a file to it (stored first, so a waiting
//! widget's poll finds it and nothing is lost; then sent to its live
//! connections), and close it. The agent API (`agent.rs`) checks the
//! token and validates the reference and the text before these run.

use frontdesk_api::error::ErrorCode;
use frontdesk_api::wire::{ConversationMessage, LiveEvent, Role};

use crate::attachments;
use crate::db;
use crate::email;
use crate::ports::Ports;
use crate::room;
use crate::AppError;

fn not_found() -> AppError {
    AppError::code(ErrorCode::TicketNotFound, "No ticket with that reference.")
}

/// Stores an agent's `text` (already validated) in the conversation of
/// ticket `reference`; the new message's id. An unknown ticket stores
/// nothing. A reply is e-mailed later if no widget has shown it by then
/// ([`email::after_reply`]; `base`: this worker's origin, for the
/// e-mail's links).
pub(crate) async fn reply(
    ports: &impl Ports,
    reference: &str,
    text: &str,
    base: &str,
) -> Result<i64, AppError> {
    let ticket = db::tickets::get(ports.db(), reference)
        .await?
        .ok_or_else(not_found)?;
    let at = ports.now();
    let id = db::messages::save_agent_reply(ports.db(), &ticket.conversation_id, text, at).await?;
    // Stored first: the live news of it comes after.
    let message = agent_message(id, text.to_owned(), at, None);
    sent(ports, &ticket.conversation_id, message, base).await;
    Ok(id)
}

/// Stores an agent's file (`bytes`, named `given`) in the conversation of
/// ticket `reference` as the agent's "📎 name" message
/// ([`attachments::store`]: the same checks as a visitor's file), then
/// tells the visitor like a reply, with a link that opens it
/// ([`attachments::sign_links`]). An unknown ticket stores nothing.
pub(crate) async fn attach(
    ports: &impl Ports,
    reference: &str,
    given: &str,
    bytes: Vec<u8>,
    base: &str,
) -> Result<attachments::Uploaded, AppError> {
    let ticket = db::tickets::get(ports.db(), reference)
        .await?
        .ok_or_else(not_found)?;
    let conversation = &ticket.conversation_id;
    let stored = attachments::store(ports, conversation, Role::Agent, given, bytes).await?;
    let text = format!("📎 {}", stored.name);
    let mut message = [agent_message(
        stored.message_id,
        text,
        ports.now(),
        Some(&stored.id),
    )];
    let secret = ports.secret("AGENT_TOKEN");
    attachments::sign_links(secret.as_deref(), base, ports.now(), &mut message);
    let [message] = message;
    sent(ports, conversation, message, base).await;
    Ok(stored)
}

fn agent_message(id: i64, text: String, at: i64, file: Option<&str>) -> ConversationMessage {
    ConversationMessage {
        id,
        role: Role::Agent,
        text,
        at,
        decision: None,
        sources: Vec::new(),
        reason: None,
        lang: None,
        rating: None,
        link: None,
        attachment: file.map(str::to_owned),
    }
}

/// After an agent's `message` is stored in `conversation`: sent to its live
/// connections, the inbox told, and an e-mail queued should no widget show
/// it in time.
async fn sent(ports: &impl Ports, conversation: &str, message: ConversationMessage, base: &str) {
    ports
        .broadcast(conversation, &LiveEvent::Message { message }, None)
        .await;
    inbox_changed(ports).await;
    email::after_reply(ports, conversation, base).await;
}

/// Tells agents' open inboxes (the [`room::INBOX`] room) that the ticket
/// list changed.
async fn inbox_changed(ports: &impl Ports) {
    ports
        .broadcast(room::INBOX, &LiveEvent::Changed, Some(Role::Agent))
        .await;
}

/// Tells the visitor of ticket `reference`, if their widget is open, that
/// an agent has opened the conversation (`joined`) or is typing; an
/// unknown ticket is an error. Nothing is stored.
pub(crate) async fn presence(
    ports: &impl Ports,
    reference: &str,
    event: &LiveEvent,
) -> Result<(), AppError> {
    let ticket = db::tickets::get(ports.db(), reference)
        .await?
        .ok_or_else(not_found)?;
    ports
        .broadcast(&ticket.conversation_id, event, Some(Role::Visitor))
        .await;
    Ok(())
}

/// Closes ticket `reference` (closing a closed one is no change and no
/// error); an unknown ticket is an error.
pub(crate) async fn close(ports: &impl Ports, reference: &str) -> Result<(), AppError> {
    if db::tickets::close(ports.db(), reference).await? {
        inbox_changed(ports).await;
        Ok(())
    } else {
        Err(not_found())
    }
}

#[cfg(test)]
mod tests;

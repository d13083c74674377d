//! What an agent does to a ticket, as use cases over [`Ports`]: reply in
//! its conversation (stored first, so a waiting widget's poll finds it and
//! nothing is lost), and close it. The agent API (`agent.rs`) checks the
//! token and validates the reference and the text before these run.

use frontdesk_api::error::ErrorCode;

use crate::db;
use crate::ports::Ports;
use crate::AppError;

fn not_found() -> AppError {
    AppError::code(ErrorCode::TicketNotFound, "No ticket with that reference.")
}

/// Stores an agent's `text` (already validated) in the conversation of
/// ticket `reference`; the new message's id. An unknown ticket stores
/// nothing.
pub(crate) async fn reply(
    ports: &impl Ports,
    reference: &str,
    text: &str,
) -> Result<i64, AppError> {
    let ticket = db::tickets::get(ports.db(), reference)
        .await?
        .ok_or_else(not_found)?;
    db::messages::save_agent_reply(ports.db(), &ticket.conversation_id, text, ports.now()).await
}

/// Closes ticket `reference` (closing a closed one is no change and no
/// error); an unknown ticket is an error.
pub(crate) async fn close(ports: &impl Ports, reference: &str) -> Result<(), AppError> {
    if db::tickets::close(ports.db(), reference).await? {
        Ok(())
    } else {
        Err(not_found())
    }
}

#[cfg(test)]
mod tests;

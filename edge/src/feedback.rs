//! A visitor's thumbs up or down on one bot answer of their conversation,
//! as a use case over [`Ports`]: the conversation's site checked, the
//! rating limit, then the rating stored (rating again replaces it).

use frontdesk_api::error::{ApiError, ErrorCode};
use frontdesk_api::validate::FeedbackInput;
use frontdesk_api::wire::Rating;
use frontdesk_shared::config::limits::{established, Kind};
use frontdesk_shared::config::sites::Site;

use crate::db;
use crate::db::feedback::Rated;
use crate::limits::Who;
use crate::ports::Ports;
use crate::{site, AppError};

/// Stores the rating; returns it as stored. `ip` is the request's address
/// key.
pub(crate) async fn rate(
    ports: &impl Ports,
    site: &Site,
    input: &FeedbackInput,
    ip: Option<String>,
) -> Result<Rating, AppError> {
    let owner = db::conversations::owner(ports.db(), &input.conversation_id).await?;
    if owner
        .as_ref()
        .is_some_and(|o| !site::belongs(&o.site, site))
    {
        return Err(site::gone());
    }
    // A rating over a limit is refused before anything is stored; one for
    // a conversation that does not exist counts against the address and
    // the site only.
    let who = Who {
        visitor: owner.as_ref().map(|_| input.conversation_id.clone()),
        ip,
        site: site.key.clone(),
        established: established(owner.as_ref().map(|o| o.started), ports.now()),
    };
    ports.admit(&who, Kind::Feedback, false).await?;
    match db::feedback::rate(ports.db(), input, ports.now()).await? {
        Rated::Stored(rating) => Ok(rating),
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

#[cfg(test)]
mod tests;

//! A handoff as a use case over [`Ports`]: the same handoff again answered
//! from the ticket it made, the ticket limit, then the ticket built from
//! the conversation's most recent messages (its always-human topic, its
//! route) and stored with its deliveries in one batch before it is
//! acknowledged. The handler (`handlers::handoff`) verifies the identity
//! first and queues the deliveries after the summary.

use frontdesk_api::error::{ApiError, ErrorCode};
use frontdesk_api::validate::HandoffInput;
use frontdesk_api::wire::{HandoffResponse, LiveEvent, Role};
use frontdesk_shared::attachments as files;
use frontdesk_shared::config::limits::{established, Kind};
use frontdesk_shared::config::sites::Site;
use frontdesk_shared::tickets::{self, AttachmentLink, Requester, Ticket, TicketInput};

use crate::db;
use crate::db::tickets::KeyedTicket;
use crate::deliver::{self, Sink};
use crate::limits::Who;
use crate::ports::Ports;
use crate::{attachments, chat, room, site, AppError};

/// What a handoff did.
#[derive(Debug)]
pub(crate) enum Opened {
    /// A new ticket, stored with its deliveries, which go to `sinks`.
    Created {
        ticket: Box<Ticket>,
        sinks: Vec<Sink>,
    },
    /// The ticket this handoff's idempotency key made before; nothing new
    /// was stored.
    Before(HandoffResponse),
}

/// Opens a ticket for `requester` (checked by the caller) in the
/// conversation `input` names, or a new one. `ip` is the request's address
/// key.
pub(crate) async fn open(
    ports: &impl Ports,
    site: &Site,
    input: &HandoffInput,
    requester: Requester,
    ip: Option<String>,
    base: &str,
) -> Result<Opened, AppError> {
    let db = ports.db();
    let key = input.idempotency_key.as_deref();
    // The same handoff again (a retry after a lost answer): the ticket it
    // made, if the key was used for this site and conversation; nothing
    // new is stored either way.
    if let Some(earlier) = match key {
        Some(key) => db::tickets::keyed(db, key).await?,
        None => None,
    } {
        return before(earlier, input.conversation_id.as_deref(), site);
    }
    let continues = input.conversation_id.is_some();
    let (conversation_id, history) =
        chat::conversation(ports, input.conversation_id.clone(), site).await?;
    // A ticket over a limit is refused before anything is stored.
    let who = Who {
        visitor: continues.then(|| conversation_id.clone()),
        ip,
        site: site.key.clone(),
        established: established(history.started, ports.now()),
    };
    ports.admit(&who, Kind::Tickets, false).await?;
    // The most recent messages, however long the conversation (a ticket
    // must fit a D1 row); the ticket says how many it leaves out.
    let (transcript, earlier) =
        db::messages::recent_transcript(db, &conversation_id, tickets::TICKET_MESSAGES).await?;
    // The first always-human topic the visitor's messages, then the note,
    // are on.
    let mut topic = None;
    let texts = transcript
        .iter()
        .filter(|e| e.role == Role::Visitor)
        .map(|e| e.text.as_str())
        .chain(input.note.as_deref());
    for text in texts {
        topic = ports.always_human(text, site.always_human.as_deref()).await;
        if topic.is_some() {
            break;
        }
    }
    let reference = ports.new_reference()?;
    let mut ticket = tickets::build(TicketInput {
        reference: &reference,
        conversation_id: &conversation_id,
        created_at: ports.now(),
        requester,
        note: input.note.as_deref(),
        page_url: input.page_url.as_deref(),
        transcript,
        always_human_topic: topic.as_deref(),
        site: Some(site::ticket_site(site)),
        earlier,
        actions: db::actions::tried(db, &conversation_id).await?,
    });
    // The visitor's files, as links the sinks can open for a week.
    ticket.attachments = attachments::links(ports, &conversation_id, base, files::SINK_LINK_SECS)
        .await?
        .into_iter()
        .map(|l| AttachmentLink {
            name: l.name,
            content_type: l.content_type,
            size: l.size,
            url: l.url,
        })
        .collect();
    let sinks = ports.route(&mut ticket);
    let also = deliver::rows(&ticket.reference, &sinks, ticket.created_at);
    if let Err(e) = db::tickets::create(db, &ticket, key, also).await {
        // The same key stored by a request racing this one: nothing of
        // this one was written (one batch).
        return match key {
            Some(key) => match db::tickets::keyed(db, key).await? {
                Some(earlier) => before(earlier, input.conversation_id.as_deref(), site),
                None => Err(e),
            },
            None => Err(e),
        };
    }
    // Agents' open inboxes list it at once.
    ports
        .broadcast(room::INBOX, &LiveEvent::Changed, Some(Role::Agent))
        .await;
    Ok(Opened::Created {
        ticket: Box::new(ticket),
        sinks,
    })
}

/// The answer to a handoff whose idempotency key made a ticket before:
/// that ticket when it is of this site and of the conversation the
/// request names (if it names one); otherwise 409 `idempotency_key_reused`,
/// which says nothing of the other ticket.
fn before(
    earlier: KeyedTicket,
    conversation: Option<&str>,
    site: &Site,
) -> Result<Opened, AppError> {
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
    Ok(Opened::Before(HandoffResponse {
        reference: earlier.reference,
        conversation_id: earlier.conversation_id,
        email: earlier.email,
    }))
}

#[cfg(test)]
mod tests;

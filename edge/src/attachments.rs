//! Attachments as use cases over [`Ports`]: a visitor's or an agent's file
//! checked (size, count, the type read from its bytes), stored in R2 before
//! its row and the "📎 name" message that shows it ([`upload`], [`store`]);
//! agents reach files by short-lived signed links ([`links`]), the visitor
//! an agent's file by the week-long link on its message ([`sign_links`]),
//! both through [`open`]; files go with their conversation
//! ([`delete_files`], before the rows).
//!
//! Invariants: a file is kept only when its bytes are an image (PNG, JPEG,
//! GIF, WebP) or a PDF, whatever its name or claimed type; it is served
//! only through a link signed with a key derived from `AGENT_TOKEN`, with
//! its sniffed type, `nosniff`, a sandboxing CSP, and a PDF never inline.

use frontdesk_api::error::{ApiError, ErrorCode};
use frontdesk_api::wire::{ConversationMessage, LiveEvent, Role};
use frontdesk_shared::attachments::{self as files, Kind};
use serde::Serialize;

use crate::blobs::Blobs;
use crate::db::{self, conversations::Selection, Sql};
use crate::ports::Ports;
use crate::AppError;

/// What a stored file is, as the visitor's widget is told.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Uploaded {
    pub id: String,
    pub name: String,
    pub content_type: String,
    pub size: usize,
    pub message_id: i64,
}

/// Stores `bytes` (named `given` by the visitor's browser) in conversation
/// `conversation`, which exists and is the caller's ([`store`]); agents
/// viewing it are told.
pub(crate) async fn upload(
    ports: &impl Ports,
    conversation: &str,
    given: &str,
    bytes: Vec<u8>,
) -> Result<Uploaded, AppError> {
    let stored = store(ports, conversation, Role::Visitor, given, bytes).await?;
    ports
        .broadcast(conversation, &LiveEvent::Changed, Some(Role::Agent))
        .await;
    Ok(stored)
}

/// Stores `bytes` (named `given`) in conversation `conversation`, which
/// exists, as a message of `role`: checked (not empty, the size, the type
/// from the bytes, the conversation's count), written to R2, then its row
/// and message in one batch. Refused: nothing stored.
pub(crate) async fn store(
    ports: &impl Ports,
    conversation: &str,
    role: Role,
    given: &str,
    bytes: Vec<u8>,
) -> Result<Uploaded, AppError> {
    if bytes.is_empty() {
        return Err(AppError::code(
            ErrorCode::InvalidField,
            "The file is empty.",
        ));
    }
    if bytes.len() > files::MAX_BYTES {
        return Err(too_large());
    }
    let Some(kind) = files::sniff(&bytes) else {
        return Err(AppError::code(
            ErrorCode::UnsupportedMediaType,
            "Attach an image (PNG, JPEG, GIF or WebP) or a PDF; this file is neither, whatever its name says.",
        ));
    };
    if db::attachments::count(ports.db(), conversation).await? >= files::MAX_PER_CONVERSATION {
        return Err(ApiError::new(
            ErrorCode::TooManyAttachments,
            format!(
                "A conversation holds at most {} files.",
                files::MAX_PER_CONVERSATION
            ),
        )
        .into());
    }
    let name = files::file_name(given, kind);
    let id = format!("att_{}", ports.new_id()?);
    let key = db::attachments::key(conversation, &id);
    let size = bytes.len();
    // The bytes first: a row never names an object that is not there.
    ports.blobs().put(&key, bytes).await?;
    let row = db::attachments::Row {
        id: id.clone(),
        conversation_id: conversation.to_owned(),
        message_id: None,
        name: name.clone(),
        content_type: kind.mime().to_owned(),
        size: size as i64,
        created_at: ports.now(),
    };
    let text = format!("📎 {name}");
    let message_id = match db::attachments::insert(ports.db(), &row, role, &text).await {
        Ok(id) => id,
        Err(e) => {
            if let Err(d) = ports.blobs().delete(vec![key]).await {
                ports.log(&format!("attachment {id}: row failed, object kept: {d:?}"));
            }
            return Err(e);
        }
    };
    Ok(Uploaded {
        id,
        name,
        content_type: kind.mime().to_owned(),
        size,
        message_id,
    })
}

pub(crate) fn too_large() -> AppError {
    ApiError::new(
        ErrorCode::PayloadTooLarge,
        format!(
            "A file may be at most {} MB.",
            files::MAX_BYTES / (1024 * 1024)
        ),
    )
    .into()
}

/// A file as an agent sees it: what it is, and a link that works for
/// `ttl` seconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Link {
    pub id: String,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub message_id: Option<i64>,
    pub at: i64,
    pub url: String,
}

/// Conversation `conversation`'s files with links under `base` (the
/// worker's origin, or "" for a path) signed for `ttl` seconds; none
/// without `AGENT_TOKEN` (nothing could open them).
pub(crate) async fn links(
    ports: &impl Ports,
    conversation: &str,
    base: &str,
    ttl: i64,
) -> Result<Vec<Link>, AppError> {
    let Some(secret) = ports.secret("AGENT_TOKEN") else {
        return Ok(Vec::new());
    };
    let key = files::link_key(&secret);
    let expires = ports.now() / 1000 + ttl;
    Ok(db::attachments::of(ports.db(), conversation)
        .await?
        .into_iter()
        .map(|r| Link {
            url: files::url(&key, base, &r.id, expires),
            id: r.id,
            name: r.name,
            content_type: r.content_type,
            size: r.size,
            message_id: r.message_id,
            at: r.created_at,
        })
        .collect())
}

/// Puts on each of `messages` that shows a file its link under `base`,
/// good for [`files::VISITOR_LINK_SECS`] from `now` (milliseconds), signed
/// with a key derived from `secret` (`AGENT_TOKEN`; none: no links, as
/// nothing could open them).
pub(crate) fn sign_links(
    secret: Option<&str>,
    base: &str,
    now: i64,
    messages: &mut [ConversationMessage],
) {
    let Some(secret) = secret else { return };
    let key = files::link_key(secret);
    let expires = now / 1000 + files::VISITOR_LINK_SECS;
    for m in messages {
        if let Some(id) = &m.attachment {
            m.link = Some(files::url(&key, base, id, expires));
        }
    }
}

/// The file a signed link names, with its bytes: the link checked (its
/// signature, and that it has not expired) before anything is read.
pub(crate) async fn open(
    ports: &impl Ports,
    id: &str,
    expires: &str,
    signature: &str,
) -> Result<(db::attachments::Row, Kind, Vec<u8>), AppError> {
    let refused = || {
        AppError::code(
            ErrorCode::Unauthorized,
            "This link is not valid or has expired: open the ticket again for a fresh one.",
        )
    };
    let secret = ports.secret("AGENT_TOKEN").ok_or_else(refused)?;
    let expires: i64 = expires.parse().map_err(|_| refused())?;
    let well_formed = id.len() <= 64
        && id.starts_with("att_")
        && id[4..].bytes().all(|b| b.is_ascii_hexdigit() || b == b'-');
    if !well_formed
        || !files::verify(
            &files::link_key(&secret),
            id,
            expires,
            signature,
            ports.now() / 1000,
        )
    {
        return Err(refused());
    }
    let gone = || AppError::code(ErrorCode::NotFound, "This file has been deleted.");
    let row = db::attachments::get(ports.db(), id)
        .await?
        .ok_or_else(gone)?;
    let kind = Kind::from_mime(&row.content_type)
        .ok_or_else(|| AppError::Internal(format!("attachment {id} has a bad type")))?;
    let bytes = ports
        .blobs()
        .get(&db::attachments::key(&row.conversation_id, id))
        .await?
        .ok_or_else(gone)?;
    Ok((row, kind, bytes))
}

/// Deletes the R2 objects of the files of the conversations `which`
/// selects (before their rows go: a failure here leaves the rows, and the
/// next delete or purge tries again).
pub(crate) async fn delete_files(
    db: &impl Sql,
    blobs: &impl Blobs,
    which: &Selection<'_>,
) -> Result<usize, AppError> {
    let keys = db::attachments::keys(db, which).await?;
    let n = keys.len();
    if n > 0 {
        blobs.delete(keys).await?;
    }
    Ok(n)
}

#[cfg(test)]
mod tests;

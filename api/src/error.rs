//! Stable error codes. The code is the contract; the message is for humans
//! and may change.

use serde::{Deserialize, Serialize};

/// Every client-visible error. Serialized in snake_case; never renamed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorCode {
    /// The body is not JSON of the expected shape.
    InvalidJson,
    /// The body is larger than the endpoint accepts.
    PayloadTooLarge,
    /// A POST without `Content-Type: application/json`.
    UnsupportedMediaType,
    /// A field is present but its value is not acceptable.
    InvalidField,
    /// The message is empty after trimming.
    MessageEmpty,
    /// The message is longer than [`crate::validate::MAX_MESSAGE_CHARS`].
    MessageTooLong,
    /// The email address is not plausible.
    InvalidEmail,
    /// No conversation with that id.
    ConversationNotFound,
    /// No such route.
    NotFound,
    /// An agent endpoint without a valid agent token.
    Unauthorized,
    /// No ticket with that reference.
    TicketNotFound,
    /// No bot message with that id in that conversation (feedback rates
    /// only the bot's own answers).
    MessageNotFound,
    /// The route exists, the method does not.
    MethodNotAllowed,
    /// An identity (`identify` token or user hash) that is forged,
    /// malformed, not valid yet, or for a different user than its hash.
    IdentityInvalid,
    /// An identity token past its `exp`.
    IdentityExpired,
    /// An identity was sent, but the site has no `IDENTITY_SECRET` to
    /// check it with; it is never trusted unchecked.
    IdentityNotConfigured,
    /// A request without a site key (`X-Frontdesk-Site`, the embed's
    /// `data-site`) where there is no default site, or with a key no
    /// `[[site]]` of `frontdesk.toml` has.
    UnknownSite,
    /// A browser request from a page whose origin the site does not list.
    OriginNotAllowed,
    /// Too many requests from this visitor, address or site for now (see
    /// `frontdesk_shared::config::limits`); the `Retry-After` header says when to try again.
    /// Nothing of the request was stored.
    RateLimited,
    /// An uploaded help article that cannot be used (bad slug, a slug
    /// twice, front matter or body that does not parse); the message names
    /// the article and the line. Nothing of the upload was stored.
    InvalidArticle,
    /// No live help article with that slug.
    ArticleNotFound,
    /// The help content changed while this update was being built (another
    /// update won); nothing of this one was stored. Send it again.
    ContentConflict,
    /// The same chat message (its idempotency key) is still being
    /// answered by an earlier request; `Retry-After` says when to send it
    /// again. Nothing was stored and the model was not called again.
    MessageInProgress,
    /// An idempotency key already used for another conversation or
    /// request; nothing was stored. Send a fresh key.
    IdempotencyKeyReused,
    /// A confirmation (an action's Confirm button) that this worker did
    /// not sign for this conversation, site and verified visitor, or whose
    /// action has no key to check it: nothing was changed.
    ConfirmationInvalid,
    /// A confirmation already used or cancelled (a second press, a
    /// replay): nothing more was changed.
    ConfirmationUsed,
    /// A live connection asked for without `Upgrade: websocket`: open it
    /// as a WebSocket (or wait for replies by long polling instead).
    UpgradeRequired,
    /// An e-mail webhook (an answer to a reply e-mail) that is not signed
    /// with `EMAIL_INBOUND_SECRET`, or whose signature is stale: nothing
    /// was stored.
    SignatureInvalid,
    /// An answer by e-mail whose sender is not the address the
    /// conversation's e-mails went to: nothing was stored.
    SenderNotAllowed,
    /// No conversation has this reply address or unsubscribe token (it
    /// may have been deleted).
    ThreadNotFound,
    /// A conversation already holds the most files it may
    /// (`frontdesk_shared::attachments::MAX_PER_CONVERSATION`): nothing was
    /// stored.
    TooManyAttachments,
    /// Our fault; details are in the worker log, never in the response.
    Internal,
}

impl ErrorCode {
    /// HTTP status for this code.
    pub fn status(self) -> u16 {
        match self {
            ErrorCode::InvalidJson
            | ErrorCode::InvalidField
            | ErrorCode::MessageEmpty
            | ErrorCode::MessageTooLong
            | ErrorCode::InvalidEmail
            | ErrorCode::IdentityNotConfigured
            | ErrorCode::UnknownSite
            | ErrorCode::InvalidArticle => 400,
            ErrorCode::Unauthorized
            | ErrorCode::IdentityInvalid
            | ErrorCode::IdentityExpired
            | ErrorCode::SignatureInvalid => 401,
            ErrorCode::OriginNotAllowed
            | ErrorCode::ConfirmationInvalid
            | ErrorCode::SenderNotAllowed => 403,
            ErrorCode::ConversationNotFound
            | ErrorCode::NotFound
            | ErrorCode::TicketNotFound
            | ErrorCode::MessageNotFound
            | ErrorCode::ArticleNotFound
            | ErrorCode::ThreadNotFound => 404,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::ContentConflict
            | ErrorCode::MessageInProgress
            | ErrorCode::IdempotencyKeyReused
            | ErrorCode::ConfirmationUsed
            | ErrorCode::TooManyAttachments => 409,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::UnsupportedMediaType => 415,
            ErrorCode::UpgradeRequired => 426,
            ErrorCode::RateLimited => 429,
            ErrorCode::Internal => 500,
        }
    }
}

/// A client error: stable code, human message, and the offending field if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    /// What went wrong, for programs; also sets the HTTP status.
    pub code: ErrorCode,
    /// One sentence for a person (the widget may show it); may change.
    pub message: String,
    /// The request field at fault (`message`, `email`, a query
    /// parameter…), when one is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

impl ApiError {
    /// An error about the request as a whole.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
            field: None,
        }
    }

    /// An error about one field of the request, which it names.
    pub fn field(code: ErrorCode, field: &str, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
            field: Some(field.to_owned()),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}: {}", self.code, self.message)
    }
}

impl std::error::Error for ApiError {}

/// The JSON body of every error response: `{"error": {...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// What went wrong: code, message and field.
    pub error: ApiError,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_snake_case_with_their_status() {
        let code = |c: ErrorCode| serde_json::to_value(c).unwrap();
        assert_eq!(code(ErrorCode::MessageNotFound), "message_not_found");
        assert_eq!(ErrorCode::MessageNotFound.status(), 404);
        assert_eq!(
            code(ErrorCode::ConversationNotFound),
            "conversation_not_found"
        );
        assert_eq!(ErrorCode::InvalidField.status(), 400);
        assert_eq!(code(ErrorCode::IdentityInvalid), "identity_invalid");
        assert_eq!(code(ErrorCode::IdentityExpired), "identity_expired");
        assert_eq!(
            code(ErrorCode::IdentityNotConfigured),
            "identity_not_configured"
        );
        assert_eq!(ErrorCode::IdentityExpired.status(), 401);
        assert_eq!(ErrorCode::IdentityNotConfigured.status(), 400);
        assert_eq!(code(ErrorCode::UnknownSite), "unknown_site");
        assert_eq!(ErrorCode::UnknownSite.status(), 400);
        assert_eq!(code(ErrorCode::OriginNotAllowed), "origin_not_allowed");
        assert_eq!(ErrorCode::OriginNotAllowed.status(), 403);
        assert_eq!(code(ErrorCode::RateLimited), "rate_limited");
        assert_eq!(ErrorCode::RateLimited.status(), 429);
        assert_eq!(code(ErrorCode::InvalidArticle), "invalid_article");
        assert_eq!(ErrorCode::InvalidArticle.status(), 400);
        assert_eq!(code(ErrorCode::ArticleNotFound), "article_not_found");
        assert_eq!(ErrorCode::ArticleNotFound.status(), 404);
        assert_eq!(code(ErrorCode::ContentConflict), "content_conflict");
        assert_eq!(ErrorCode::ContentConflict.status(), 409);
        assert_eq!(code(ErrorCode::MessageInProgress), "message_in_progress");
        assert_eq!(ErrorCode::MessageInProgress.status(), 409);
        assert_eq!(
            code(ErrorCode::IdempotencyKeyReused),
            "idempotency_key_reused"
        );
        assert_eq!(ErrorCode::IdempotencyKeyReused.status(), 409);
        assert_eq!(code(ErrorCode::ConfirmationInvalid), "confirmation_invalid");
        assert_eq!(ErrorCode::ConfirmationInvalid.status(), 403);
        assert_eq!(code(ErrorCode::ConfirmationUsed), "confirmation_used");
        assert_eq!(ErrorCode::ConfirmationUsed.status(), 409);
        assert_eq!(code(ErrorCode::UpgradeRequired), "upgrade_required");
        assert_eq!(ErrorCode::UpgradeRequired.status(), 426);
        assert_eq!(code(ErrorCode::SignatureInvalid), "signature_invalid");
        assert_eq!(ErrorCode::SignatureInvalid.status(), 401);
        assert_eq!(code(ErrorCode::SenderNotAllowed), "sender_not_allowed");
        assert_eq!(ErrorCode::SenderNotAllowed.status(), 403);
        assert_eq!(code(ErrorCode::ThreadNotFound), "thread_not_found");
        assert_eq!(ErrorCode::ThreadNotFound.status(), 404);
        assert_eq!(code(ErrorCode::TooManyAttachments), "too_many_attachments");
        assert_eq!(ErrorCode::TooManyAttachments.status(), 409);
    }
}

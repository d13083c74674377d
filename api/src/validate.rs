//! Raw request bodies in, trusted inputs out. Handlers only ever see the
//! validated types, so a check cannot be forgotten on one path.

use crate::error::{ApiError, ErrorCode};
use crate::wire::{ChatRequest, ConfirmRequest, FeedbackRequest, HandoffRequest, Identity, Rating};

/// Longest visitor message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 2000;
/// Longest handoff note, in characters.
pub const MAX_NOTE_CHARS: usize = 4000;
/// Longest email address (RFC 5321 path limit).
pub const MAX_EMAIL_CHARS: usize = 254;
/// Longest page URL kept for context.
pub const MAX_URL_CHARS: usize = 2048;
/// Largest request body any endpoint reads, in bytes.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// A validated chat turn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatInput {
    /// A well-formed conversation id (see [`conversation_id`]); whether
    /// the conversation exists is for storage to say.
    pub conversation_id: Option<String>,
    /// Trimmed, line endings made `\n`, not empty, at most
    /// [`MAX_MESSAGE_CHARS`] characters, no control characters but newline
    /// and tab.
    pub message: String,
    /// An `http(s)` URL of at most [`MAX_URL_CHARS`], without whitespace.
    pub page_url: Option<String>,
    /// A well-formed BCP 47 language tag, as sent.
    pub locale: Option<String>,
    /// 8–64 characters of `A-Z a-z 0-9 - _` (see [`idempotency_key`]).
    pub idempotency_key: Option<String>,
    /// As sent: checking it needs the site's secret and the clock
    /// (`frontdesk_shared::identity::verify`), which the handler has.
    pub identity: Option<Identity>,
}

/// Longest agent reply, in characters.
pub const MAX_REPLY_CHARS: usize = 4000;

/// An agent's reply text: trimmed, non-empty, bounded, no control characters.
pub fn agent_reply(raw: &str) -> Result<String, ApiError> {
    let text = text_field("text", raw, MAX_REPLY_CHARS)?;
    if text.is_empty() {
        return Err(ApiError::field(
            ErrorCode::InvalidField,
            "text",
            "Write a reply before sending it.",
        ));
    }
    Ok(text)
}

/// Ticket references as minted by `reference::format_reference`.
pub fn ticket_reference(raw: &str) -> Result<String, ApiError> {
    let ok = raw.len() == 11
        && raw.starts_with("FD-")
        && raw[3..]
            .chars()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase());
    if ok {
        Ok(raw.to_owned())
    } else {
        Err(ApiError::new(
            ErrorCode::TicketNotFound,
            "No ticket with that reference.",
        ))
    }
}

/// A validated handoff request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandoffInput {
    /// As in [`ChatInput::conversation_id`].
    pub conversation_id: Option<String>,
    /// The email the visitor gave; empty only when an identity was sent
    /// (which must then vouch for one, see `frontdesk_shared::identity::requester`).
    pub email: String,
    /// Trimmed, at most [`MAX_NOTE_CHARS`] characters, no control
    /// characters but newline and tab; `None` when empty.
    pub note: Option<String>,
    /// As in [`ChatInput::page_url`].
    pub page_url: Option<String>,
    /// As in [`ChatInput::idempotency_key`].
    pub idempotency_key: Option<String>,
    /// As sent; see [`ChatInput::identity`].
    pub identity: Option<Identity>,
}

/// Largest message id accepted: D1 hands numbers to the worker as doubles,
/// so ids above 2^53 − 1 could not be told apart.
pub const MAX_MESSAGE_ID: i64 = (1 << 53) - 1;

/// A validated press of a confirm card's button.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmInput {
    /// A well-formed conversation id (see [`conversation_id`]).
    pub conversation_id: String,
    /// At most [`MAX_CONFIRM_TOKEN_CHARS`] printable ASCII characters;
    /// whether the worker signed it is for the worker to say.
    pub token: String,
    /// Confirm or cancel.
    pub accept: bool,
    /// As sent (checked by the handler, as for chat).
    pub identity: Option<Identity>,
}

/// Longest confirmation token.
pub const MAX_CONFIRM_TOKEN_CHARS: usize = 2048;

impl TryFrom<ConfirmRequest> for ConfirmInput {
    type Error = ApiError;

    fn try_from(req: ConfirmRequest) -> Result<Self, ApiError> {
        let conversation_id = conversation_id(&req.conversation_id)?;
        let ok = !req.token.is_empty()
            && req.token.len() <= MAX_CONFIRM_TOKEN_CHARS
            && req.token.bytes().all(|b| b.is_ascii_graphic());
        if !ok {
            return Err(ApiError::field(
                ErrorCode::InvalidField,
                "token",
                "token must be the confirmation token a reply carried.",
            ));
        }
        Ok(ConfirmInput {
            conversation_id,
            token: req.token,
            accept: req.accept,
            identity: req.identity,
        })
    }
}

/// A validated rating of one bot message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedbackInput {
    /// A well-formed conversation id (see [`conversation_id`]).
    pub conversation_id: String,
    /// Positive; whether it is a bot message of the conversation is for
    /// storage to say.
    pub message_id: i64,
    /// Up or down.
    pub rating: Rating,
}

impl TryFrom<FeedbackRequest> for FeedbackInput {
    type Error = ApiError;

    fn try_from(req: FeedbackRequest) -> Result<Self, ApiError> {
        let conversation_id = conversation_id(&req.conversation_id)?;
        let message_id = message_id(req.message_id)?;
        let rating = Rating::parse(&req.rating).ok_or_else(|| {
            ApiError::field(
                ErrorCode::InvalidField,
                "rating",
                "rating must be \"up\" or \"down\".",
            )
        })?;
        Ok(FeedbackInput {
            conversation_id,
            message_id,
            rating,
        })
    }
}

/// Message ids are positive (D1 row ids) and at most [`MAX_MESSAGE_ID`].
pub fn message_id(raw: i64) -> Result<i64, ApiError> {
    if (1..=MAX_MESSAGE_ID).contains(&raw) {
        Ok(raw)
    } else {
        Err(ApiError::field(
            ErrorCode::InvalidField,
            "message_id",
            "message_id must be the id of a message in this conversation.",
        ))
    }
}

impl TryFrom<ChatRequest> for ChatInput {
    type Error = ApiError;

    fn try_from(req: ChatRequest) -> Result<Self, ApiError> {
        let conversation_id = req
            .conversation_id
            .map(|id| conversation_id(&id))
            .transpose()?;
        let message = text_field("message", &req.message, MAX_MESSAGE_CHARS)?;
        if message.is_empty() {
            return Err(ApiError::field(
                ErrorCode::MessageEmpty,
                "message",
                "Please type a message.",
            ));
        }
        let page_url = req.page_url.map(|u| page_url(&u)).transpose()?;
        let locale = req.locale.map(|l| locale(&l)).transpose()?;
        let idempotency_key = req
            .idempotency_key
            .map(|k| idempotency_key(&k))
            .transpose()?;
        Ok(ChatInput {
            conversation_id,
            message,
            page_url,
            locale,
            idempotency_key,
            identity: req.identity,
        })
    }
}

impl TryFrom<HandoffRequest> for HandoffInput {
    type Error = ApiError;

    fn try_from(req: HandoffRequest) -> Result<Self, ApiError> {
        let conversation_id = req
            .conversation_id
            .map(|id| conversation_id(&id))
            .transpose()?;
        let email = if req.identity.is_some() && req.email.trim().is_empty() {
            String::new()
        } else {
            email(&req.email)?
        };
        let note = match req.note {
            Some(n) => Some(text_field("note", &n, MAX_NOTE_CHARS)?).filter(|n| !n.is_empty()),
            None => None,
        };
        let page_url = req.page_url.map(|u| page_url(&u)).transpose()?;
        let idempotency_key = req
            .idempotency_key
            .map(|k| idempotency_key(&k))
            .transpose()?;
        Ok(HandoffInput {
            conversation_id,
            email,
            note,
            page_url,
            idempotency_key,
            identity: req.identity,
        })
    }
}

/// A language tag: 2–35 characters, ASCII letters and digits in subtags
/// separated by '-' ("de", "pt-BR", "zh-Hans-CN").
pub fn locale(raw: &str) -> Result<String, ApiError> {
    let ok = (2..=35).contains(&raw.len())
        && raw.split('-').all(|sub| {
            (1..=8).contains(&sub.len()) && sub.chars().all(|c| c.is_ascii_alphanumeric())
        })
        && raw.split('-').next().is_some_and(|p| p.len() >= 2);
    if ok {
        Ok(raw.to_owned())
    } else {
        Err(ApiError::field(
            ErrorCode::InvalidField,
            "locale",
            "locale must be a language tag such as \"en\" or \"pt-BR\".",
        ))
    }
}

/// Idempotency keys: 8–64 characters of ASCII letters, digits, `-` and `_`.
pub fn idempotency_key(raw: &str) -> Result<String, ApiError> {
    let ok = (8..=64).contains(&raw.len())
        && raw
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(raw.to_owned())
    } else {
        Err(ApiError::field(
            ErrorCode::InvalidField,
            "idempotency_key",
            "idempotency_key must be 8–64 letters, digits, '-' or '_'.",
        ))
    }
}

/// Conversation ids are lowercase UUIDs minted by the worker.
pub fn conversation_id(raw: &str) -> Result<String, ApiError> {
    let ok = raw.len() == 36
        && raw.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_digit() || ('a'..='f').contains(&c),
        });
    if ok {
        Ok(raw.to_owned())
    } else {
        Err(ApiError::field(
            ErrorCode::InvalidField,
            "conversation_id",
            "conversation_id must be an id returned by this API.",
        ))
    }
}

/// Trims, rejects control characters other than newline and tab, and bounds length.
fn text_field(field: &str, raw: &str, max_chars: usize) -> Result<String, ApiError> {
    let text = raw.trim().replace("\r\n", "\n").replace('\r', "\n");
    if text.chars().count() > max_chars {
        let code = if field == "message" {
            ErrorCode::MessageTooLong
        } else {
            ErrorCode::InvalidField
        };
        return Err(ApiError::field(
            code,
            field,
            format!("{field} is longer than {max_chars} characters."),
        ));
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(ApiError::field(
            ErrorCode::InvalidField,
            field,
            format!("{field} contains control characters."),
        ));
    }
    Ok(text)
}

/// A plausible address: one `@`; a local part of letters, digits (any
/// script, for internationalized addresses) and the symbols RFC 5322 allows
/// unquoted; a dotted domain of letters, digits and hyphens. No quoted local
/// parts, brackets or spaces: nothing that could be read as markup or a mail
/// header. Deliverability is the mail system's job, not ours.
pub fn email(raw: &str) -> Result<String, ApiError> {
    let email = raw.trim();
    let invalid = || {
        ApiError::field(
            ErrorCode::InvalidEmail,
            "email",
            "Please enter a valid email address, like name@example.com.",
        )
    };
    if email.len() > MAX_EMAIL_CHARS || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(invalid());
    }
    let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
    let domain_ok = domain.contains('.')
        && domain.split('.').all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_alphanumeric() || c == '-')
        });
    let local_ok = local
        .chars()
        .all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
    if local.is_empty() || local.len() > 64 || !local_ok || !domain_ok {
        return Err(invalid());
    }
    Ok(email.to_owned())
}

fn page_url(raw: &str) -> Result<String, ApiError> {
    let ok = raw.len() <= MAX_URL_CHARS
        && (raw.starts_with("https://") || raw.starts_with("http://"))
        && !raw.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(raw.to_owned())
    } else {
        Err(ApiError::field(
            ErrorCode::InvalidField,
            "page_url",
            "page_url must be an http(s) URL.",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "0f8fad5b-d9cb-469f-a165-70867728950e";

    fn chat(message: &str) -> Result<ChatInput, ApiError> {
        ChatInput::try_from(ChatRequest {
            conversation_id: None,
            message: message.into(),
            page_url: None,
            locale: None,
            idempotency_key: None,
            identity: None,
        })
    }

    fn handoff(email: &str) -> Result<HandoffInput, ApiError> {
        HandoffInput::try_from(HandoffRequest {
            conversation_id: Some(ID.into()),
            email: email.into(),
            note: Some("  ".into()),
            page_url: None,
            idempotency_key: None,
            identity: None,
        })
    }

    fn code(r: Result<impl std::fmt::Debug, ApiError>) -> ErrorCode {
        r.expect_err("expected an error").code
    }

    #[test]
    fn messages() {
        assert_eq!(chat("  hi\r\nthere ").unwrap().message, "hi\nthere");
        assert_eq!(code(chat(" \n ")), ErrorCode::MessageEmpty);
        let keyed = |key: &str| {
            ChatInput::try_from(ChatRequest {
                conversation_id: None,
                message: "hi".into(),
                page_url: None,
                locale: None,
                idempotency_key: Some(key.into()),
                identity: None,
            })
        };
        assert_eq!(
            keyed("0f8fad5b-d9cb").unwrap().idempotency_key.as_deref(),
            Some("0f8fad5b-d9cb")
        );
        assert_eq!(code(keyed("a key")), ErrorCode::InvalidField);
        assert_eq!(code(chat(&"a".repeat(2001))), ErrorCode::MessageTooLong);
        assert!(chat(&"é".repeat(2000)).is_ok());
        assert_eq!(code(chat("bell\u{7}")), ErrorCode::InvalidField);
    }

    #[test]
    fn agent_inputs() {
        assert_eq!(agent_reply("  Hi Ana  ").unwrap(), "Hi Ana");
        assert_eq!(code(agent_reply("   ")), ErrorCode::InvalidField);
        assert_eq!(
            code(agent_reply(&"x".repeat(4001))),
            ErrorCode::InvalidField
        );
        assert!(ticket_reference("FD-7K3M9Q2P").is_ok());
        for bad in ["FD-7k3m9q2p", "FD-7K3M9Q2", "XX-7K3M9Q2P", "FD-7K3M9Q2P'--"] {
            assert_eq!(
                code(ticket_reference(bad)),
                ErrorCode::TicketNotFound,
                "{bad}"
            );
        }
    }

    #[test]
    fn idempotency_keys() {
        assert!(idempotency_key("0f8fad5b-d9cb-469f").is_ok());
        for bad in [
            "short",
            "has space in it",
            "<script>alert</script>",
            &"k".repeat(65),
        ] {
            assert_eq!(code(idempotency_key(bad)), ErrorCode::InvalidField, "{bad}");
        }
    }

    #[test]
    fn locales() {
        for ok in ["en", "de-AT", "pt-BR", "zh-Hans-CN", "en-US-x-twain"] {
            assert_eq!(locale(ok).unwrap(), ok);
        }
        for bad in [
            "",
            "e",
            "en_US",
            "en-",
            "-en",
            "en us",
            "<script>",
            &"a".repeat(36),
        ] {
            assert_eq!(code(locale(bad)), ErrorCode::InvalidField, "{bad}");
        }
    }

    #[test]
    fn conversation_ids() {
        assert!(conversation_id(ID).is_ok());
        for bad in [
            "",
            "0F8FAD5B-D9CB-469F-A165-70867728950E",
            "0f8fad5b-d9cb-469f-a165-70867728950",
            "0f8fad5b_d9cb_469f_a165_70867728950e",
            "../../etc/passwd",
        ] {
            assert_eq!(code(conversation_id(bad)), ErrorCode::InvalidField, "{bad}");
        }
    }

    #[test]
    fn emails() {
        let ok = handoff(" ana@example.com ").unwrap();
        assert_eq!(ok.email, "ana@example.com");
        for good in [
            "o'neil+tag@mail.example.co.uk",
            "josé@exämple.de",
            "用户@例子.中国",
        ] {
            assert_eq!(handoff(good).unwrap().email, good);
        }
        assert_eq!(ok.note, None, "a blank note is no note");
        for bad in [
            "",
            "ana",
            "ana@",
            "@example.com",
            "ana@example",
            "a b@example.com",
            "a@b@c.com",
            "ana@-x.com",
            "<script>@example.com",
            "ana@<b>.com",
            "\"ana\"@example.com",
            "ana(comment)@example.com",
            "ana@exa_mple.com",
            "ana;x@example.com",
        ] {
            assert_eq!(code(handoff(bad)), ErrorCode::InvalidEmail, "{bad}");
        }
        // With an identity the email may be left out (the identity must
        // then vouch for one); a given one is still checked.
        let with_identity = |email: &str| {
            HandoffInput::try_from(HandoffRequest {
                email: email.into(),
                identity: Some(Identity {
                    token: Some("t".into()),
                    ..Identity::default()
                }),
                ..serde_json::from_str::<HandoffRequest>("{}").unwrap()
            })
        };
        assert_eq!(with_identity(" ").unwrap().email, "");
        assert_eq!(code(with_identity("ana@")), ErrorCode::InvalidEmail);
    }

    fn feedback(id: &str, message_id: i64, rating: &str) -> Result<FeedbackInput, ApiError> {
        FeedbackInput::try_from(FeedbackRequest {
            conversation_id: id.into(),
            message_id,
            rating: rating.into(),
        })
    }

    fn field(r: Result<impl std::fmt::Debug, ApiError>) -> (ErrorCode, String) {
        let e = r.expect_err("expected an error");
        (e.code, e.field.unwrap_or_default())
    }

    #[test]
    fn feedback_inputs() {
        assert_eq!(
            feedback(ID, 12, "up").unwrap(),
            FeedbackInput {
                conversation_id: ID.into(),
                message_id: 12,
                rating: Rating::Up,
            }
        );
        assert_eq!(
            feedback(ID, MAX_MESSAGE_ID, "down").unwrap().rating,
            Rating::Down
        );
        let invalid = |f: &str| (ErrorCode::InvalidField, f.to_owned());
        for bad in ["", "Up", "DOWN", " up", "up ", "1", "👍", "meh"] {
            assert_eq!(field(feedback(ID, 12, bad)), invalid("rating"), "{bad:?}");
        }
        for bad in [0, -1, i64::MIN, MAX_MESSAGE_ID + 1, i64::MAX] {
            assert_eq!(
                field(feedback(ID, bad, "up")),
                invalid("message_id"),
                "{bad}"
            );
        }
        for bad in ["", "nope", "0F8FAD5B-D9CB-469F-A165-70867728950E"] {
            assert_eq!(
                field(feedback(bad, 12, "up")),
                invalid("conversation_id"),
                "{bad}"
            );
        }
        // The conversation is checked first, then the message, then the rating.
        assert_eq!(
            field(feedback("nope", 0, "meh")),
            invalid("conversation_id")
        );
        assert_eq!(field(feedback(ID, 0, "meh")), invalid("message_id"));
    }

    #[test]
    fn page_urls() {
        assert!(page_url("https://example.com/pricing?x=1").is_ok());
        assert!(page_url("javascript:alert(1)").is_err());
    }
}

//! API v1 wire types (JSON). The widget and the worker both compile these, so
//! a field renamed here is renamed on both sides at once.

use serde::{Deserialize, Serialize};

/// Path prefix of every versioned endpoint.
pub const API_PREFIX: &str = "/api/v1";

/// `POST /api/v1/chat` body: one visitor message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChatRequest {
    /// Absent on the first message; the worker then starts a conversation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<String>,
    /// What the visitor typed: at most
    /// [`MAX_MESSAGE_CHARS`](crate::validate::MAX_MESSAGE_CHARS) characters,
    /// not empty once trimmed.
    pub message: String,
    /// The host page the visitor is on, for the agent's context.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_url: Option<String>,
    /// The visitor's preferred language (a BCP 47 tag from the widget's
    /// locale), used when the message itself does not show its language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// A key the client makes per message (e.g. a UUID), so that sending it
    /// again after a lost answer (the widget's outbox) stores it once: the
    /// worker answers a repeat with the reply it already stored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    /// Who the visitor is, vouched for by the site's backend (see
    /// [`Identity`]); checked on every request that carries it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<Identity>,
}

/// A signed identity from the site's backend (`Frontdesk('identify', …)`),
/// in one of two forms: `{token}`, an HS256 JWT with `sub`, `exp` and
/// optionally `email` and `name` claims; or `{user_id | email, user_hash}`,
/// the hex HMAC-SHA256, keyed with the site's `IDENTITY_SECRET`, of
/// `frontdesk:user_hash:v1:` and the user id (else of
/// `frontdesk:email_hash:v1:` and the email; see `frontdesk_shared::identity`).
/// `name`, and an `email` beside a `user_id`, are not covered by a user
/// hash and count as what the visitor typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Identity {
    /// The HS256 JWT (the first form), sent alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// The site's own id for the user, covered by `user_hash`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// The hex HMAC-SHA256 (64 digits) over the user id, or over the email
    /// when there is no user id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_hash: Option<String>,
    /// The user's email: vouched for only when the hash was computed over it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The user's display name, never covered by a hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// `POST /api/v1/chat` response: the bot's turn (the JSON body, and the data
/// of the [`STREAM_DONE`] event).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatResponse {
    /// The conversation this turn belongs to (new on a first message); the
    /// widget sends it with every later message.
    pub conversation_id: String,
    /// The stored bot message's id (as in [`ConversationMessage::id`]),
    /// which `POST /api/v1/feedback` rates; 0 when the reply could not be
    /// stored (the streamed path only, which still shows it), and such a
    /// reply cannot be rated.
    #[serde(default)]
    pub message_id: i64,
    /// What the bot decided and says.
    pub reply: Reply,
}

/// With `Accept: text/event-stream`, `POST /api/v1/chat` answers with
/// server-sent events, each an `event:` name and one JSON `data:` line:
/// [`STREAM_START`] once the visitor's message is stored, [`STREAM_DELTA`]s
/// as the model writes the answer, and [`STREAM_DONE`] with the final
/// [`ChatResponse`], which replaces whatever was streamed (the model may have
/// declined, stalled or failed, and the built-in reply taken over). Errors
/// before the stream starts are ordinary JSON error responses.
pub const STREAM_START: &str = "start";
/// See [`STREAM_START`].
pub const STREAM_DELTA: &str = "delta";
/// See [`STREAM_START`].
pub const STREAM_DONE: &str = "done";

/// Data of a [`STREAM_START`] event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamStart {
    /// As in [`ChatResponse::conversation_id`]: known before the answer is.
    pub conversation_id: String,
}

/// Data of a [`STREAM_DELTA`] event: the next piece of the answer's text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StreamDelta {
    /// Text to append to what was streamed so far (not the whole answer).
    pub text: String,
}

/// What the bot decided for one visitor turn, and what it says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reply {
    /// Answer, suggest, escalate or small talk; decides how the widget
    /// shows the reply (sources, a handoff offer).
    pub decision: Decision,
    /// Plain text (never HTML) to show the visitor.
    pub text: String,
    /// The article answered from (`answer`), or candidates (`suggest`).
    #[serde(default)]
    pub sources: Vec<Source>,
    /// Why the bot hands off; present only with `escalate`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<EscalationReason>,
    /// The language the bot took the visitor to write in (ISO 639-1, "und"
    /// when unknown); the bot's own words are in it.
    #[serde(default)]
    pub lang: String,
    /// With `action`: a change waiting for the visitor's Confirm button.
    /// Only in the live answer (a conversation read back has none: the
    /// visitor asks again).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirm: Option<Confirm>,
}

/// A change an action will make once the visitor presses Confirm
/// (`POST /api/v1/actions/confirm` with the token): the widget shows the
/// title, the words and two buttons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confirm {
    /// The action's title ("Cancel an order").
    pub title: String,
    /// Exactly what will happen ("Cancel order 10002?").
    pub text: String,
    /// The worker's signed confirmation, opaque to the widget.
    pub token: String,
}

/// The one judgement per turn. "No answer" is a decision, not an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Confident: one article, its best passage, a link.
    Answer,
    /// Unsure: up to three articles, "did you mean…?".
    Suggest,
    /// Offer a person.
    Escalate,
    /// A greeting, thanks, goodbye or "are you a bot?": a polite reply, no
    /// article and no ticket.
    SmallTalk,
    /// A step of an action on the site's own API: a question for a value,
    /// what it looked up or did, or a change to confirm.
    Action,
}

impl Decision {
    /// The snake_case name, as serialized and as stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Answer => "answer",
            Decision::Suggest => "suggest",
            Decision::Escalate => "escalate",
            Decision::SmallTalk => "small_talk",
            Decision::Action => "action",
        }
    }

    /// The inverse of [`Decision::as_str`].
    pub fn parse(s: &str) -> Option<Decision> {
        [
            Decision::Answer,
            Decision::Suggest,
            Decision::Escalate,
            Decision::SmallTalk,
            Decision::Action,
        ]
        .into_iter()
        .find(|d| d.as_str() == s)
    }
}

/// Why the bot offers a person ([`Decision::Escalate`]); stored with the
/// bot's message and counted in the insights report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EscalationReason {
    /// The visitor asked for a person.
    Requested,
    /// Nothing in the help content matches well enough.
    NoMatch,
    /// The site owner wants a person to handle this topic (legal, disputes…).
    AlwaysHuman,
    /// The visitor is clearly frustrated with the bot.
    Frustrated,
    /// The bot has not helped for several turns, or the visitor repeats
    /// a question it did not answer.
    Unresolved,
}

impl EscalationReason {
    /// The snake_case name, as serialized and as stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            EscalationReason::Requested => "requested",
            EscalationReason::NoMatch => "no_match",
            EscalationReason::AlwaysHuman => "always_human",
            EscalationReason::Frustrated => "frustrated",
            EscalationReason::Unresolved => "unresolved",
        }
    }

    /// The inverse of [`EscalationReason::as_str`].
    pub fn parse(s: &str) -> Option<EscalationReason> {
        use EscalationReason::*;
        [Requested, NoMatch, AlwaysHuman, Frustrated, Unresolved]
            .into_iter()
            .find(|r| r.as_str() == s)
    }
}

/// A help article cited by a reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    /// The article's title, shown as the link text.
    pub title: String,
    /// The article's address from its front matter: a path on the help
    /// site (`/help/…`) or an `https://` URL.
    pub url: String,
}

/// `POST /api/v1/handoff` body: ask for a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HandoffRequest {
    /// Absent when the visitor asks for a person before writing anything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<String>,
    /// Where the reply goes. May be empty or absent when `identity` is
    /// given and vouches for an email (a verified email always wins).
    #[serde(default)]
    pub email: String,
    /// What the visitor adds for the team, at most
    /// [`MAX_NOTE_CHARS`](crate::validate::MAX_NOTE_CHARS) characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The host page the visitor is on, as in [`ChatRequest::page_url`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_url: Option<String>,
    /// Chosen by the client once per handoff and sent again on a retry: the
    /// same key returns the ticket already made (8–64 characters of
    /// `A-Z a-z 0-9 - _`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    /// As in [`ChatRequest::identity`]: a valid one makes the ticket's
    /// requester verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<Identity>,
}

/// `POST /api/v1/handoff` response: the stored ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandoffResponse {
    /// Human-friendly ticket reference, e.g. `FD-7K3M9Q2P`.
    pub reference: String,
    /// The conversation the ticket was opened from (a new one when the
    /// request had none).
    pub conversation_id: String,
    /// Where the reply will arrive.
    pub email: String,
}

/// Who wrote a message in a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The person on the site, through the widget.
    Visitor,
    /// Frontdesk's automatic reply.
    Bot,
    /// A person on the team, replying through the agent API.
    Agent,
}

impl Role {
    /// The snake_case name, as serialized and as stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Visitor => "visitor",
            Role::Bot => "bot",
            Role::Agent => "agent",
        }
    }

    /// The inverse of [`Role::as_str`].
    pub fn parse(s: &str) -> Option<Role> {
        [Role::Visitor, Role::Bot, Role::Agent]
            .into_iter()
            .find(|r| r.as_str() == s)
    }
}

/// One line of a ticket's transcript, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TranscriptEntry {
    /// Who wrote it.
    pub role: Role,
    /// The message's text (in a ticket, clipped to 2,000 characters).
    pub text: String,
    /// Milliseconds since the Unix epoch.
    pub at: i64,
    /// For bot turns: what the bot decided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
    /// For bot turns: the articles it answered from or suggested.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<Source>,
    /// For bot turns the visitor rated: their thumbs up or down.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<Rating>,
}

/// `POST /api/v1/agent/tickets/{reference}/reply` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgentReplyRequest {
    /// The reply for the visitor: trimmed, not empty, at most
    /// [`MAX_REPLY_CHARS`](crate::validate::MAX_REPLY_CHARS) characters.
    pub text: String,
}

/// One row of `GET /api/v1/agent/tickets`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TicketListItem {
    /// The ticket's reference, e.g. `FD-7K3M9Q2P`.
    pub reference: String,
    /// The conversation it was opened from.
    pub conversation_id: String,
    /// `open` or `closed`.
    pub status: String,
    /// Triage priority: `low`, `normal`, `high` or `urgent` (absent for
    /// tickets stored before triage existed).
    pub priority: Option<String>,
    /// Triage topic: an always-human topic, the title of the article the
    /// bot offered most, or `general`.
    pub topic: Option<String>,
    /// The team a route assigned, if any.
    pub team: Option<String>,
    /// The visitor's language by triage (ISO 639-1, or `und`).
    pub language: Option<String>,
    /// Where the reply goes: the requester's email.
    pub email: String,
    /// The key of the site the conversation came from (conversations from
    /// before sites existed count as the default site's).
    pub site: String,
    /// When the ticket was opened, milliseconds since the Unix epoch.
    pub created_at: i64,
    /// The ticket's short summary: the built-in one, or the model's.
    pub summary: Option<String>,
    /// Deliveries that failed for good (dead letters), by sink.
    pub dead_deliveries: Vec<String>,
}

/// A delivery's state, as agents see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryState {
    /// Where the ticket goes: `webhook`, `slack`, `zendesk` or `github`.
    pub sink: String,
    /// `pending` (sending or waiting to retry), `delivered`, or `dead`
    /// (failed for good).
    pub status: String,
    /// Tries so far, successful or not.
    pub attempts: u32,
    /// Why the latest try failed, if one did.
    pub last_error: Option<String>,
}

/// What the worker sends on a live connection to a conversation
/// (`GET /api/v1/conversations/{id}/live`, a WebSocket), one JSON text
/// frame each, tagged by `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LiveEvent {
    /// A message stored in the conversation (the agent replies after the
    /// client's `after`, first, then each new one as it is stored). Ids
    /// increase: a client ignores one it has seen.
    Message {
        /// As read back with `GET …/replies`.
        message: ConversationMessage,
    },
    /// The other side is typing (sent at most every
    /// [`LIVE_TYPING_MS`] per side; it stops showing after twice that).
    Typing {
        /// Who is typing.
        from: Role,
    },
    /// An agent has opened the conversation.
    Joined,
    /// To agents: the visitor wrote and the bot answered; read the
    /// conversation again.
    Changed,
}

/// What a client may send on a live connection: that its side is typing,
/// as `{"type":"typing"}`, and (the visitor's) which replies it has shown
/// (anything else is ignored).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LiveFrame {
    /// The sender is typing.
    Typing,
    /// The visitor's widget has shown the agent's replies up to message
    /// `id` (`{"type":"seen","id":…}`): they are not to be e-mailed.
    Seen {
        /// The newest reply shown.
        id: i64,
    },
}

/// How often a typing indicator is relayed per side, at most (ms).
pub const LIVE_TYPING_MS: i64 = 2_000;
/// The longest frame a client may send on a live connection (bytes); a
/// longer one is ignored.
pub const MAX_LIVE_FRAME_BYTES: usize = 256;

/// One stored message of a conversation, as the visitor's widget reads it
/// back: `GET /api/v1/conversations/{id}` (all of them, after a reload) and
/// `GET /api/v1/conversations/{id}/replies` (agent replies, as they come).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversationMessage {
    /// Increasing within a conversation: `?after=` takes the last one seen.
    pub id: i64,
    /// Who wrote it.
    pub role: Role,
    /// The message's text (a bot's as in [`Reply::text`]).
    pub text: String,
    /// Milliseconds since the Unix epoch.
    pub at: i64,
    /// Bot turns: what the bot decided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
    /// Bot turns: the articles it answered from or suggested.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<Source>,
    /// Bot turns that escalated: why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<EscalationReason>,
    /// Bot turns: the language it replied in (as in [`Reply::lang`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    /// Bot turns the visitor rated: their thumbs up or down.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<Rating>,
    /// A file's message (`📎 name`): a signed link that opens the file,
    /// for a week (the visitor's widget gets a fresh one each time it
    /// reads the conversation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    /// A file's message: the file's id, which the worker signs [`Self::link`]
    /// for; never sent.
    #[serde(skip)]
    pub attachment: Option<String>,
}

/// A visitor's rating of one bot answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    /// Thumbs up: the answer helped.
    Up,
    /// Thumbs down: it did not.
    Down,
}

impl Rating {
    /// `up` or `down`, as serialized and as stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Rating::Up => "up",
            Rating::Down => "down",
        }
    }

    /// The inverse of [`Rating::as_str`].
    pub fn parse(s: &str) -> Option<Rating> {
        [Rating::Up, Rating::Down]
            .into_iter()
            .find(|r| r.as_str() == s)
    }
}

/// `POST /api/v1/feedback` body: the visitor rates one bot message of their
/// conversation; rating it again replaces the rating. Values are checked by
/// `validate::FeedbackInput`, so a bad one is an `invalid_field` error that
/// names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedbackRequest {
    /// The visitor's conversation, which the rated message must belong to.
    pub conversation_id: String,
    /// A bot message's id: [`ChatResponse::message_id`] or
    /// [`ConversationMessage::id`].
    pub message_id: i64,
    /// `up` or `down`.
    pub rating: String,
}

/// `POST /api/v1/actions/confirm`: the visitor pressed Confirm (or
/// Cancel) on a reply's [`Confirm`] card. The answer is a
/// [`ChatResponse`]: what the action did, stored in the conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfirmRequest {
    /// The conversation the card was shown in.
    pub conversation_id: String,
    /// [`Confirm::token`], as received.
    pub token: String,
    /// `true`: Confirm; `false`: Cancel.
    pub accept: bool,
    /// The visitor's identity, as with every chat message: the change runs
    /// only for the verified user it was confirmed for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<Identity>,
}

/// `POST /api/v1/feedback` response: the rating now stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedbackResponse {
    /// The rated bot message's id, as sent.
    pub message_id: i64,
    /// The rating stored for it.
    pub rating: Rating,
}

/// A ticket opened from a conversation, as its visitor sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitorTicket {
    /// The ticket's reference, e.g. `FD-7K3M9Q2P`, to quote to the team.
    pub reference: String,
    /// Where the team's reply goes.
    pub email: String,
    /// `open` or `closed`.
    pub status: String,
    /// When it was opened, milliseconds since the Unix epoch.
    pub at: i64,
}

/// `GET /api/v1/conversations/{id}` and `.../replies` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversationView {
    /// The conversation read, as in the path.
    pub conversation_id: String,
    /// Oldest first.
    pub messages: Vec<ConversationMessage>,
    /// Tickets opened from this conversation, oldest first (empty for `replies`).
    #[serde(default)]
    pub tickets: Vec<VisitorTicket>,
}

/// `GET /healthz` response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// Always `ok`: the worker answered.
    pub status: String,
    /// The content version this isolate answers from (0: the help centre
    /// compiled in); it follows an update within `CHECK_MS`.
    pub version: i64,
    /// Help articles in that content.
    pub articles: usize,
    /// Passages an embedding model embeds for them (hybrid retrieval).
    pub passages: usize,
    /// Statements this isolate has sent to D1 since it started.
    #[serde(default)]
    pub d1_statements: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_events_and_frames_on_the_wire() {
        let typing = serde_json::to_string(&LiveEvent::Typing { from: Role::Agent }).unwrap();
        assert_eq!(typing, r#"{"type":"typing","from":"agent"}"#);
        assert_eq!(
            serde_json::to_string(&LiveEvent::Joined).unwrap(),
            r#"{"type":"joined"}"#
        );
        let message = LiveEvent::Message {
            message: ConversationMessage {
                id: 7,
                role: Role::Agent,
                text: "Hi".into(),
                at: 1,
                decision: None,
                sources: vec![],
                reason: None,
                lang: None,
                rating: None,
                link: None,
                attachment: None,
            },
        };
        let json = serde_json::to_string(&message).unwrap();
        assert!(
            json.starts_with(r#"{"type":"message","message":{"id":7,"role":"agent""#),
            "{json}"
        );
        assert_eq!(serde_json::from_str::<LiveEvent>(&json).unwrap(), message);
        let frame = |t: &str| serde_json::from_str::<LiveFrame>(t).ok();
        assert_eq!(frame(r#"{"type":"typing"}"#), Some(LiveFrame::Typing));
        assert_eq!(
            frame(r#"{"type":"seen","id":42}"#),
            Some(LiveFrame::Seen { id: 42 })
        );
        for bad in [
            r#"{"type":"seen"}"#,
            r#"{"type":"seen","id":"x"}"#,
            "",
            "typing",
            r#"{"type":"message","text":"hi"}"#,
            r#"{"type":"joined"}"#,
        ] {
            assert_eq!(frame(bad), None, "{bad}");
        }
    }

    #[test]
    fn chat_request_rejects_unknown_fields() {
        let err = serde_json::from_str::<ChatRequest>(r#"{"message":"hi","admin":true}"#);
        assert!(err.is_err());
    }

    #[test]
    fn reply_serializes_decision_in_snake_case() {
        let reply = Reply {
            decision: Decision::Escalate,
            text: "t".into(),
            sources: vec![],
            reason: Some(EscalationReason::NoMatch),
            lang: "en".into(),
            confirm: None,
        };
        let json = serde_json::to_string(&reply).unwrap();
        assert_eq!(
            json,
            r#"{"decision":"escalate","text":"t","sources":[],"reason":"no_match","lang":"en"}"#
        );
        for d in [Decision::Answer, Decision::SmallTalk, Decision::Action] {
            assert_eq!(Decision::parse(d.as_str()), Some(d));
        }
        assert_eq!(Decision::Action.as_str(), "action");
    }

    #[test]
    fn escalation_reasons_round_trip() {
        use EscalationReason::*;
        for r in [Requested, NoMatch, AlwaysHuman, Frustrated, Unresolved] {
            assert_eq!(EscalationReason::parse(r.as_str()), Some(r));
        }
        assert_eq!(EscalationReason::parse("bored"), None);
    }

    #[test]
    fn an_agent_message_reads_back_without_bot_fields() {
        let m = ConversationMessage {
            id: 7,
            role: Role::Agent,
            text: "Hi, this is Sam".into(),
            at: 1,
            decision: None,
            sources: vec![],
            reason: None,
            lang: None,
            rating: None,
            link: None,
            attachment: None,
        };
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(
            json,
            r#"{"id":7,"role":"agent","text":"Hi, this is Sam","at":1}"#
        );
        assert_eq!(
            serde_json::from_str::<ConversationMessage>(&json).unwrap(),
            m
        );
    }

    #[test]
    fn a_rated_bot_message_reads_back_with_its_rating() {
        let json = r#"{"id":9,"role":"bot","text":"t","at":1,"decision":"answer","lang":"en","rating":"down"}"#;
        let m: ConversationMessage = serde_json::from_str(json).unwrap();
        assert_eq!(m.rating, Some(Rating::Down));
        assert_eq!(serde_json::to_string(&m).unwrap(), json);
        for r in [Rating::Up, Rating::Down] {
            assert_eq!(Rating::parse(r.as_str()), Some(r));
        }
        assert_eq!(Rating::parse("Up"), None);
    }

    #[test]
    fn chat_response_carries_the_message_id_and_older_bodies_still_read() {
        let json = r#"{"conversation_id":"c","message_id":42,"reply":{"decision":"small_talk","text":"Hi","sources":[],"lang":"en"}}"#;
        assert_eq!(
            serde_json::from_str::<ChatResponse>(json)
                .unwrap()
                .message_id,
            42
        );
        let without = r#"{"conversation_id":"c","reply":{"decision":"small_talk","text":"Hi","sources":[],"lang":"en"}}"#;
        assert_eq!(
            serde_json::from_str::<ChatResponse>(without)
                .unwrap()
                .message_id,
            0
        );
    }

    #[test]
    fn feedback_request_rejects_unknown_fields() {
        let ok = r#"{"conversation_id":"c","message_id":3,"rating":"up"}"#;
        assert!(serde_json::from_str::<FeedbackRequest>(ok).is_ok());
        let extra = r#"{"conversation_id":"c","message_id":3,"rating":"up","score":5}"#;
        assert!(serde_json::from_str::<FeedbackRequest>(extra).is_err());
    }
}

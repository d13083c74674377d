//! Insights for the site's team (`/admin`): what the bot did with the
//! conversations of a period, which articles helped, and which questions it
//! could not answer, grouped so the team knows which article to write next.
//!
//! Pure: the worker reads the rows ([`Conversation`]) and the clock, and
//! this module turns them into a [`Report`] or an export [`Table`]. Every
//! number is defined here once (and in README "Insights (/admin)").

use frontdesk_api::wire::{Decision, EscalationReason, Rating, Role, Source};

mod export;
mod outcome;
mod period;
mod report;
mod unanswered;

pub use export::{export, to_csv, to_json, Cell, ExportFormat, ExportKind, Table};
pub use outcome::{confirms, summarize, ConversationSummary, Outcome};
pub use period::{iso_time, parse_date, parse_time, period, Period};
pub use report::{
    articles, report, ActionCount, Actions, ArticleStats, BotTurns, Conversations, Count, Question,
    QuestionGroup, Report, Resolutions, Tickets,
};
pub use unanswered::{group, similarity, unanswered};

/// Every escalation reason, in the report's order.
const REASONS: [EscalationReason; 5] = [
    EscalationReason::Requested,
    EscalationReason::NoMatch,
    EscalationReason::AlwaysHuman,
    EscalationReason::Frustrated,
    EscalationReason::Unresolved,
];

/// A day in milliseconds.
pub const DAY_MS: i64 = 86_400_000;
/// The period when the request names none: the last 30 days.
pub const DEFAULT_DAYS: i64 = 30;
/// The longest period one report covers.
pub const MAX_DAYS: i64 = 366;
/// How long the visitor must have been quiet after an answer before the
/// conversation counts as an assumed resolution (N = 30 minutes, the
/// worker's `INSIGHTS_QUIET_MS` setting); until then it is `pending`.
pub const DEFAULT_QUIET_MS: i64 = 30 * 60 * 1000;
/// Two questions are alike when the overlap coefficient of their stemmed
/// term sets (shared terms / terms of the shorter) is at least this.
pub const SIMILARITY: f32 = 0.5;
/// Most unanswered questions grouped per report (the newest); grouping
/// compares every pair, so this bounds its cost (~125,000 comparisons).
pub const MAX_QUESTIONS: usize = 500;
/// Most groups a report lists.
pub const MAX_GROUPS: usize = 20;
/// Most questions shown per group (the group's count covers all of them).
pub const MAX_GROUP_QUESTIONS: usize = 50;

/// A stored conversation with its messages (oldest first) and tickets, as
/// the worker reads them.
#[derive(Debug, Clone, PartialEq)]
pub struct Conversation {
    /// The conversation id (a lowercase UUID).
    pub id: String,
    /// The `[[site]]` key (`""`: from before sites, the default site's).
    pub site: String,
    /// When it was created, milliseconds since the Unix epoch; the period
    /// a conversation falls in is decided by this.
    pub started: i64,
    /// Its messages, oldest first.
    pub messages: Vec<Message>,
    /// Tickets opened from it, oldest first.
    pub tickets: Vec<Ticket>,
    /// The actions the bot tried in it (`[[site.action]]`), oldest first.
    pub actions: Vec<ActionAttempt>,
}

/// One action attempt: which action, and its stored status (`succeeded`,
/// `not_found`, `failed`, `unknown`, `cancelled`, `gave_up`, `dropped`,
/// `open`, `confirming`, `running`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionAttempt {
    /// The action's name.
    pub action: String,
    /// How it ended (or where it stands).
    pub status: String,
}

/// One stored message.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// Who wrote it.
    pub role: Role,
    /// The text (the worker reads at most its first 500 characters).
    pub body: String,
    /// Bot turns: what the bot decided.
    pub decision: Option<Decision>,
    /// Bot turns that escalated: why.
    pub reason: Option<EscalationReason>,
    /// Bot turns: the visitor's language.
    pub lang: Option<String>,
    /// Bot turns: the articles answered from (the first) or suggested.
    pub sources: Vec<Source>,
    /// Bot turns: the visitor's thumbs up or down.
    pub rating: Option<Rating>,
    /// When it was stored, milliseconds since the Unix epoch.
    pub at: i64,
}

/// One ticket opened from a conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    /// Its triage topic (`None` for tickets from before triage; counted
    /// as `none`).
    pub topic: Option<String>,
    /// Its triage priority, `low` to `urgent` (`None` as for `topic`).
    pub priority: Option<String>,
}

#[cfg(test)]
mod tests;

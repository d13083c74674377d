//! Per conversation: how it ended (answered, resolved, handed over…), from
//! its messages, ratings and tickets.

use serde::{Deserialize, Serialize};

use super::{Conversation, Message};
use crate::text;
use crate::text::intent::{small_talk, SmallTalk};
use frontdesk_api::wire::{Decision, Rating, Role};

/// How a conversation ended, each conversation exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The visitor said the answer helped: a thumbs up on an answer, or a
    /// thanks ("thanks, that solved it") right after one. No ticket.
    Confirmed,
    /// The conversation ended on an answer that was not rated down, and the
    /// visitor has been quiet for the quiet time (N, [`super::DEFAULT_QUIET_MS`])
    /// since. No ticket.
    Assumed,
    /// Would be assumed, but the answer is more recent than the quiet time:
    /// the visitor may still write back.
    Pending,
    /// A ticket was opened: a person took over.
    Ticket,
    /// Anything else: ended on a suggestion, an escalation without a
    /// ticket, a thumbs down, or with small talk only.
    Unresolved,
}

impl Outcome {
    /// The snake_case name, as in the JSON report and the exports.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Confirmed => "confirmed",
            Outcome::Assumed => "assumed",
            Outcome::Pending => "pending",
            Outcome::Ticket => "ticket",
            Outcome::Unresolved => "unresolved",
        }
    }
}

/// Whether a visitor message confirms that the answer before it helped:
/// thanks-type small talk ("thanks!", "that solved it", "das hat geholfen").
pub fn confirms(message: &str) -> bool {
    small_talk(&text::Message::new(message)) == Some(SmallTalk::Thanks)
}

/// One conversation, summed up (a row of the conversations export).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversationSummary {
    /// The conversation's id.
    pub id: String,
    /// Its `[[site]]` key (`""`: from before sites).
    pub site: String,
    /// When it was created, milliseconds since the Unix epoch.
    pub started: i64,
    /// Its last message's time (`started` when it has none), milliseconds
    /// since the Unix epoch.
    pub last_at: i64,
    /// The language of its first bot turn ("und" if none).
    pub lang: String,
    /// Messages the visitor wrote.
    pub visitor_messages: u64,
    /// Bot turns that answered from an article.
    pub answered: u64,
    /// Bot turns that suggested articles.
    pub suggested: u64,
    /// Bot turns that offered a person.
    pub escalated: u64,
    /// Bot turns of small talk (greetings, thanks…).
    pub small_talk: u64,
    /// Bot turns the visitor rated up.
    pub thumbs_up: u64,
    /// Bot turns the visitor rated down.
    pub thumbs_down: u64,
    /// Tickets opened from it.
    pub tickets: u64,
    /// How it ended, as of the time it was summed up.
    pub outcome: Outcome,
}

/// Sums up one conversation at `now`; `quiet_ms` is N of
/// [`Outcome::Assumed`].
pub fn summarize(c: &Conversation, now: i64, quiet_ms: i64) -> ConversationSummary {
    let mut s = ConversationSummary {
        id: c.id.clone(),
        site: c.site.clone(),
        started: c.started,
        last_at: c.messages.last().map_or(c.started, |m| m.at),
        lang: c
            .messages
            .iter()
            .find_map(|m| m.lang.clone())
            .unwrap_or_else(|| "und".into()),
        visitor_messages: 0,
        answered: 0,
        suggested: 0,
        escalated: 0,
        small_talk: 0,
        thumbs_up: 0,
        thumbs_down: 0,
        tickets: c.tickets.len() as u64,
        outcome: Outcome::Unresolved,
    };
    let mut confirmed = false;
    let mut last_substantive: Option<Decision> = None;
    for m in &c.messages {
        match m.role {
            Role::Visitor => {
                s.visitor_messages += 1;
                if last_substantive == Some(Decision::Answer) && confirms(&m.body) {
                    confirmed = true;
                }
            }
            Role::Bot => {
                match m.decision {
                    Some(Decision::Answer) => s.answered += 1,
                    Some(Decision::Suggest) => s.suggested += 1,
                    Some(Decision::Escalate) => s.escalated += 1,
                    Some(Decision::SmallTalk) => s.small_talk += 1,
                    // Counted from their attempts (used, succeeded, failed).
                    Some(Decision::Action) | None => {}
                }
                match m.rating {
                    Some(Rating::Up) => {
                        s.thumbs_up += 1;
                        confirmed |= m.decision == Some(Decision::Answer);
                    }
                    Some(Rating::Down) => s.thumbs_down += 1,
                    None => {}
                }
                if m.decision.is_some_and(|d| d != Decision::SmallTalk) {
                    last_substantive = m.decision;
                }
            }
            Role::Agent => {}
        }
    }
    s.outcome = if s.tickets > 0 {
        Outcome::Ticket
    } else if confirmed {
        Outcome::Confirmed
    } else if ended_on_good_answer(&c.messages) {
        if now - s.last_at >= quiet_ms {
            Outcome::Assumed
        } else {
            Outcome::Pending
        }
    } else {
        Outcome::Unresolved
    };
    s
}

/// The last message is a bot answer the visitor did not rate down.
fn ended_on_good_answer(messages: &[Message]) -> bool {
    messages.last().is_some_and(|m| {
        m.role == Role::Bot
            && m.decision == Some(Decision::Answer)
            && m.rating != Some(Rating::Down)
    })
}

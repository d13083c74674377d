//! The report: counts per outcome, bot turns, resolutions, tickets, reasons,
//! and how each article did.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{
    group, summarize, unanswered, Conversation, ConversationSummary, Outcome, MAX_GROUPS, REASONS,
};
use frontdesk_api::wire::{Decision, Rating, Role, Source};

/// A labelled count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Count {
    /// What is counted: a site key, a language, a reason, a topic…
    pub key: String,
    /// How many.
    pub count: u64,
}

/// `GET /api/v1/admin/insights` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The period's start, milliseconds since the Unix epoch (the worker
    /// sets it from the [`Period`](super::Period); [`report`] leaves 0).
    pub from: i64,
    /// The period's end (exclusive), as `from`.
    pub to: i64,
    /// The site filter, if any.
    pub site: Option<String>,
    /// When it was computed (assumed resolutions depend on it).
    pub generated_at: i64,
    /// More conversations started in the period than one report reads:
    /// the numbers cover the newest ones only.
    pub truncated: bool,
    /// Conversations started in the period, by site and language.
    pub conversations: Conversations,
    /// The bot's turns in them, by decision.
    pub bot_turns: BotTurns,
    /// Escalations by reason (`messages.reason`), every reason listed.
    pub escalation_reasons: Vec<Count>,
    /// The conversations by outcome.
    pub resolutions: Resolutions,
    /// Tickets opened from them, by topic and priority.
    pub tickets: Tickets,
    /// Articles the bot answered with or suggested, or that were rated;
    /// most rated and used first.
    pub articles: Vec<ArticleStats>,
    /// Unanswered questions grouped by similarity, biggest group first.
    pub unanswered: Vec<QuestionGroup>,
    /// Unanswered questions in the period (all groups together).
    pub unanswered_total: u64,
    /// The actions the bot tried on the sites' APIs, in all and by action.
    pub actions: Actions,
}

/// Action attempts: how many, and how they ended.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Actions {
    /// Every attempt, whatever became of it.
    pub used: u64,
    /// The API answered and the visitor got its answer (a 404 included:
    /// "no such order" is an answer).
    pub succeeded: u64,
    /// Nothing was looked up or changed: the API failed or refused.
    pub failed: u64,
    /// A change whose outcome is unknown: a person must check.
    pub unknown: u64,
    /// The visitor stopped it, moved on, or gave up giving a value.
    pub stopped: u64,
    /// Per action, most used first: `key` the action, `count` its uses.
    pub by_action: Vec<ActionCount>,
}

/// One action's attempts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionCount {
    /// The action's name.
    pub action: String,
    /// Attempts.
    pub used: u64,
    /// Of which succeeded (as [`Actions::succeeded`]).
    pub succeeded: u64,
    /// Of which failed or are unknown.
    pub failed: u64,
}

/// The actions of `conversations`, counted.
fn actions(conversations: &[Conversation]) -> Actions {
    let mut out = Actions::default();
    let mut by: BTreeMap<&str, ActionCount> = BTreeMap::new();
    for a in conversations.iter().flat_map(|c| &c.actions) {
        let e = by.entry(&a.action).or_insert_with(|| ActionCount {
            action: a.action.clone(),
            used: 0,
            succeeded: 0,
            failed: 0,
        });
        out.used += 1;
        e.used += 1;
        match a.status.as_str() {
            "succeeded" | "not_found" => {
                out.succeeded += 1;
                e.succeeded += 1;
            }
            "failed" => {
                out.failed += 1;
                e.failed += 1;
            }
            "unknown" => {
                out.unknown += 1;
                e.failed += 1;
            }
            _ => out.stopped += 1,
        }
    }
    out.by_action = by.into_values().collect();
    out.by_action
        .sort_by(|a, b| b.used.cmp(&a.used).then_with(|| a.action.cmp(&b.action)));
    out
}

/// How many conversations a report covers, and their split.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conversations {
    /// Conversations started in the period (after the site filter).
    pub total: u64,
    /// By site key (`""`: from before sites), biggest first.
    pub by_site: Vec<Count>,
    /// By the language of the first bot turn (`und` if none), biggest first.
    pub by_lang: Vec<Count>,
}

/// The bot's turns and each decision's share of them (0–1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BotTurns {
    /// Bot turns with a decision; the four counts add up to it.
    pub total: u64,
    /// Turns that answered from an article.
    pub answered: u64,
    /// Turns that suggested articles.
    pub suggested: u64,
    /// Turns that offered a person.
    pub escalated: u64,
    /// Turns of small talk.
    pub small_talk: u64,
    /// `answered / total` (0 when there are no turns).
    pub answered_share: f64,
    /// `suggested / total`.
    pub suggested_share: f64,
    /// `escalated / total`.
    pub escalated_share: f64,
    /// `small_talk / total`.
    pub small_talk_share: f64,
}

/// Conversations by [`Outcome`](super::Outcome); the five counts add up
/// to the conversations' total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolutions {
    /// The visitor said an answer helped.
    pub confirmed: u64,
    /// Ended on an answer, and the visitor has been quiet since.
    pub assumed: u64,
    /// Ended on an answer too recently to tell.
    pub pending: u64,
    /// A ticket was opened.
    pub ticket: u64,
    /// Anything else.
    pub unresolved: u64,
    /// N of the assumed definition, in seconds.
    pub quiet_secs: i64,
}

/// Tickets opened from the report's conversations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tickets {
    /// How many.
    pub total: u64,
    /// By triage topic (`none` when unknown), biggest first.
    pub by_topic: Vec<Count>,
    /// By triage priority (`none` when unknown), biggest first.
    pub by_priority: Vec<Count>,
}

/// One article's use and ratings. A rating counts for the answer's first
/// source: the article the answer was taken from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleStats {
    /// The article's title, as a reply citing it had it.
    pub title: String,
    /// The article's URL, which identifies it here.
    pub url: String,
    /// Bot answers taken from it.
    pub answers: u64,
    /// Bot suggestions that listed it.
    pub suggestions: u64,
    /// Answers from it the visitor rated up.
    pub thumbs_up: u64,
    /// Answers from it the visitor rated down.
    pub thumbs_down: u64,
}

/// Unanswered questions that are alike.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuestionGroup {
    /// The most central question: the most similar to the others.
    pub representative: String,
    /// Questions in the group.
    pub count: u64,
    /// Languages of its questions, sorted.
    pub languages: Vec<String>,
    /// Conversations its questions were asked in, newest first.
    pub conversations: Vec<String>,
    /// Its questions (at most [`MAX_GROUP_QUESTIONS`](super::MAX_GROUP_QUESTIONS)),
    /// newest first.
    pub questions: Vec<Question>,
}

/// A visitor message the bot could not answer: it suggested articles, or
/// escalated because nothing matched (`no_match`) or after several
/// unhelpful turns (`unresolved`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    /// The id of the conversation it was asked in.
    pub conversation: String,
    /// What the visitor wrote.
    pub text: String,
    /// The language the bot took it to be in (`und` if unknown).
    pub lang: String,
    /// When it was asked, milliseconds since the Unix epoch.
    pub at: i64,
}

/// The report over `conversations` at `now` (`quiet_ms`: see [`summarize`]).
pub fn report(conversations: &[Conversation], now: i64, quiet_ms: i64) -> Report {
    let summaries: Vec<ConversationSummary> = conversations
        .iter()
        .map(|c| summarize(c, now, quiet_ms))
        .collect();
    let mut by_site = BTreeMap::new();
    let mut by_lang = BTreeMap::new();
    let mut res = Resolutions {
        confirmed: 0,
        assumed: 0,
        pending: 0,
        ticket: 0,
        unresolved: 0,
        quiet_secs: quiet_ms / 1000,
    };
    for s in &summaries {
        *by_site.entry(s.site.clone()).or_insert(0) += 1;
        *by_lang.entry(s.lang.clone()).or_insert(0) += 1;
        match s.outcome {
            Outcome::Confirmed => res.confirmed += 1,
            Outcome::Assumed => res.assumed += 1,
            Outcome::Pending => res.pending += 1,
            Outcome::Ticket => res.ticket += 1,
            Outcome::Unresolved => res.unresolved += 1,
        }
    }
    let sum = |f: fn(&ConversationSummary) -> u64| summaries.iter().map(f).sum::<u64>();
    let (answered, suggested, escalated, small) = (
        sum(|s| s.answered),
        sum(|s| s.suggested),
        sum(|s| s.escalated),
        sum(|s| s.small_talk),
    );
    let total = answered + suggested + escalated + small;
    let share = |n: u64| {
        if total == 0 {
            0.0
        } else {
            n as f64 / total as f64
        }
    };

    let mut reasons: BTreeMap<&str, u64> = REASONS.iter().map(|r| (r.as_str(), 0)).collect();
    let mut topics = BTreeMap::new();
    let mut priorities = BTreeMap::new();
    let mut tickets = 0;
    for c in conversations {
        for m in &c.messages {
            if let (Some(Decision::Escalate), Some(r)) = (m.decision, m.reason) {
                *reasons.entry(r.as_str()).or_insert(0) += 1;
            }
        }
        for t in &c.tickets {
            tickets += 1;
            let label = |v: &Option<String>| v.clone().unwrap_or_else(|| "none".into());
            *topics.entry(label(&t.topic)).or_insert(0) += 1;
            *priorities.entry(label(&t.priority)).or_insert(0) += 1;
        }
    }
    let questions = unanswered(conversations);
    Report {
        from: 0,
        to: 0,
        site: None,
        generated_at: now,
        truncated: false,
        conversations: Conversations {
            total: summaries.len() as u64,
            by_site: counts(by_site),
            by_lang: counts(by_lang),
        },
        bot_turns: BotTurns {
            total,
            answered,
            suggested,
            escalated,
            small_talk: small,
            answered_share: share(answered),
            suggested_share: share(suggested),
            escalated_share: share(escalated),
            small_talk_share: share(small),
        },
        escalation_reasons: REASONS
            .iter()
            .map(|r| Count {
                key: r.as_str().into(),
                count: reasons[r.as_str()],
            })
            .collect(),
        resolutions: res,
        tickets: Tickets {
            total: tickets,
            by_topic: counts(topics),
            by_priority: counts(priorities),
        },
        articles: articles(conversations),
        unanswered_total: questions.len() as u64,
        unanswered: group(&questions, MAX_GROUPS),
        actions: actions(conversations),
    }
}

/// Counts biggest first (then by key).
fn counts(map: BTreeMap<String, u64>) -> Vec<Count> {
    let mut v: Vec<Count> = map
        .into_iter()
        .map(|(key, count)| Count { key, count })
        .collect();
    v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
    v
}

/// Each article's answers, suggestions and ratings, keyed by URL.
pub fn articles(conversations: &[Conversation]) -> Vec<ArticleStats> {
    let mut by_url: BTreeMap<String, ArticleStats> = BTreeMap::new();
    fn entry<'a>(
        by_url: &'a mut BTreeMap<String, ArticleStats>,
        s: &Source,
    ) -> &'a mut ArticleStats {
        by_url.entry(s.url.clone()).or_insert_with(|| ArticleStats {
            title: s.title.clone(),
            url: s.url.clone(),
            answers: 0,
            suggestions: 0,
            thumbs_up: 0,
            thumbs_down: 0,
        })
    }
    for m in conversations.iter().flat_map(|c| &c.messages) {
        if m.role != Role::Bot {
            continue;
        }
        match m.decision {
            Some(Decision::Answer) => {
                if let Some(first) = m.sources.first() {
                    let a = entry(&mut by_url, first);
                    a.answers += 1;
                    match m.rating {
                        Some(Rating::Up) => a.thumbs_up += 1,
                        Some(Rating::Down) => a.thumbs_down += 1,
                        None => {}
                    }
                }
            }
            Some(Decision::Suggest) => {
                for s in &m.sources {
                    entry(&mut by_url, s).suggestions += 1;
                }
            }
            _ => {}
        }
    }
    let mut v: Vec<ArticleStats> = by_url.into_values().collect();
    v.sort_by(|a, b| {
        (b.thumbs_up + b.thumbs_down, b.answers, b.suggestions)
            .cmp(&(a.thumbs_up + a.thumbs_down, a.answers, a.suggestions))
            .then_with(|| a.title.cmp(&b.title))
    });
    v
}

//! Insights for the site's team (`/admin`): what the bot did with the
//! conversations of a period, which articles helped, and which questions it
//! could not answer, grouped so the team knows which article to write next.
//!
//! Pure: the worker reads the rows ([`Conversation`]) and the clock, and
//! this module turns them into a [`Report`] or an export [`Table`]. Every
//! number is defined here once (and in README "Insights (/admin)").

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::text::intent::{small_talk, SmallTalk};
use crate::text::{Analyzer, Lang};
use frontdesk_api::error::{ApiError, ErrorCode};
use frontdesk_api::wire::{Decision, EscalationReason, Rating, Role, Source};

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

/// A report's period: `[from_ms, to_ms)`, milliseconds since the epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub from_ms: i64,
    pub to_ms: i64,
}

/// Reads `from` and `to` (each an ISO date `YYYY-MM-DD`, UTC; a UTC time
/// `YYYY-MM-DDTHH:MM:SS[.sss]Z`; or a number of days before `now`, `30` or
/// `30d`; `to` as a date includes that whole day). Defaults: the last [`DEFAULT_DAYS`] days up to now. Refused with
/// `invalid_field` naming the parameter: anything else, a period that ends
/// before it starts, or one longer than [`MAX_DAYS`].
pub fn period(from: Option<&str>, to: Option<&str>, now_ms: i64) -> Result<Period, ApiError> {
    let to_ms = match to {
        None => now_ms,
        Some(v) => bound(v, now_ms, 1).ok_or_else(|| bad_bound("to"))?,
    };
    let from_ms = match from {
        None => to_ms - DEFAULT_DAYS * DAY_MS,
        Some(v) => bound(v, now_ms, 0).ok_or_else(|| bad_bound("from"))?,
    };
    if from_ms >= to_ms {
        return Err(ApiError::field(
            ErrorCode::InvalidField,
            "from",
            "from must be before to.",
        ));
    }
    if to_ms - from_ms > MAX_DAYS * DAY_MS {
        return Err(ApiError::field(
            ErrorCode::InvalidField,
            "from",
            format!("A report covers at most {MAX_DAYS} days."),
        ));
    }
    Ok(Period { from_ms, to_ms })
}

fn bad_bound(field: &str) -> ApiError {
    ApiError::field(
        ErrorCode::InvalidField,
        field,
        format!(
            "{field} must be a date (YYYY-MM-DD), a UTC time (YYYY-MM-DDTHH:MM:SSZ) or a number of days ago (0–3650)."
        ),
    )
}

/// One end of a period: a date's midnight (plus `extra_days`), or `now`
/// minus a number of days.
fn bound(v: &str, now_ms: i64, extra_days: i64) -> Option<i64> {
    let digits = v.strip_suffix('d').unwrap_or(v);
    if !digits.is_empty() && digits.len() <= 4 && digits.bytes().all(|b| b.is_ascii_digit()) {
        let days: i64 = digits.parse().ok()?;
        return (days <= 3650).then_some(now_ms - days * DAY_MS);
    }
    if v.len() == 10 {
        return Some((parse_date(v)? + extra_days) * DAY_MS);
    }
    parse_time(v)
}

/// Milliseconds since the epoch of a strict UTC `YYYY-MM-DDTHH:MM:SSZ`,
/// optionally with milliseconds (`.sss`), as JavaScript's `toISOString`.
pub fn parse_time(v: &str) -> Option<i64> {
    let (date, rest) = (v.get(..10)?, v.get(10..)?);
    let rest = rest.strip_prefix('T')?.strip_suffix('Z')?;
    let (hms, millis) = match rest.split_once('.') {
        Some((hms, ms)) if ms.len() == 3 && ms.bytes().all(|b| b.is_ascii_digit()) => {
            (hms, ms.parse::<i64>().ok()?)
        }
        Some(_) => return None,
        None => (rest, 0),
    };
    let b = hms.as_bytes();
    if b.len() != 8 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let s = hms.get(r)?;
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())?
    };
    let (h, m, sec) = (num(0..2)?, num(3..5)?, num(6..8)?);
    if h > 23 || m > 59 || sec > 59 {
        return None;
    }
    Some(parse_date(date)? * DAY_MS + ((h * 60 + m) * 60 + sec) * 1000 + millis)
}

/// Days since 1970-01-01 of a strict `YYYY-MM-DD` (years 1970–9999).
pub fn parse_date(v: &str) -> Option<i64> {
    let b = v.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let s = v.get(r)?;
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())?
    };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if y < 1970 || !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Howard Hinnant's `days_from_civil`.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `YYYY-MM-DDTHH:MM:SSZ` of milliseconds since the epoch (exports).
pub fn iso_time(ms: i64) -> String {
    let days = ms.div_euclid(DAY_MS);
    let secs = ms.rem_euclid(DAY_MS) / 1000;
    // Howard Hinnant's `civil_from_days`.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

// --- Input rows ---------------------------------------------------------

/// A stored conversation with its messages (oldest first) and tickets, as
/// the worker reads them.
#[derive(Debug, Clone, PartialEq)]
pub struct Conversation {
    pub id: String,
    /// The `[[site]]` key (`""`: from before sites, the default site's).
    pub site: String,
    pub started: i64,
    pub messages: Vec<Message>,
    pub tickets: Vec<Ticket>,
}

/// One stored message.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub role: Role,
    pub body: String,
    pub decision: Option<Decision>,
    pub reason: Option<EscalationReason>,
    /// Bot turns: the visitor's language.
    pub lang: Option<String>,
    pub sources: Vec<Source>,
    /// Bot turns: the visitor's thumbs up or down.
    pub rating: Option<Rating>,
    pub at: i64,
}

/// One ticket opened from a conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    pub topic: Option<String>,
    pub priority: Option<String>,
}

// --- Per conversation ---------------------------------------------------

/// How a conversation ended, each conversation exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The visitor said the answer helped: a thumbs up on an answer, or a
    /// thanks ("thanks, that solved it") right after one. No ticket.
    Confirmed,
    /// The conversation ended on an answer that was not rated down, and the
    /// visitor has been quiet for the quiet time (N, [`DEFAULT_QUIET_MS`])
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
    small_talk(message) == Some(SmallTalk::Thanks)
}

/// One conversation, summed up (a row of the conversations export).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversationSummary {
    pub id: String,
    pub site: String,
    pub started: i64,
    pub last_at: i64,
    /// The language of its first bot turn ("und" if none).
    pub lang: String,
    pub visitor_messages: u64,
    pub answered: u64,
    pub suggested: u64,
    pub escalated: u64,
    pub small_talk: u64,
    pub thumbs_up: u64,
    pub thumbs_down: u64,
    pub tickets: u64,
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
                    None => {}
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

// --- The report ---------------------------------------------------------

/// A labelled count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Count {
    pub key: String,
    pub count: u64,
}

/// `GET /api/v1/admin/insights` response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub from: i64,
    pub to: i64,
    /// The site filter, if any.
    pub site: Option<String>,
    /// When it was computed (assumed resolutions depend on it).
    pub generated_at: i64,
    /// More conversations started in the period than one report reads:
    /// the numbers cover the newest ones only.
    pub truncated: bool,
    pub conversations: Conversations,
    pub bot_turns: BotTurns,
    /// Escalations by reason (`messages.reason`), every reason listed.
    pub escalation_reasons: Vec<Count>,
    pub resolutions: Resolutions,
    pub tickets: Tickets,
    /// Articles the bot answered with or suggested, or that were rated;
    /// most rated and used first.
    pub articles: Vec<ArticleStats>,
    /// Unanswered questions grouped by similarity, biggest group first.
    pub unanswered: Vec<QuestionGroup>,
    /// Unanswered questions in the period (all groups together).
    pub unanswered_total: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conversations {
    pub total: u64,
    pub by_site: Vec<Count>,
    pub by_lang: Vec<Count>,
}

/// The bot's turns and each decision's share of them (0–1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BotTurns {
    pub total: u64,
    pub answered: u64,
    pub suggested: u64,
    pub escalated: u64,
    pub small_talk: u64,
    pub answered_share: f64,
    pub suggested_share: f64,
    pub escalated_share: f64,
    pub small_talk_share: f64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolutions {
    pub confirmed: u64,
    pub assumed: u64,
    pub pending: u64,
    pub ticket: u64,
    pub unresolved: u64,
    /// N of the assumed definition, in seconds.
    pub quiet_secs: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tickets {
    pub total: u64,
    pub by_topic: Vec<Count>,
    pub by_priority: Vec<Count>,
}

/// One article's use and ratings. A rating counts for the answer's first
/// source: the article the answer was taken from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleStats {
    pub title: String,
    pub url: String,
    /// Bot answers taken from it.
    pub answers: u64,
    /// Bot suggestions that listed it.
    pub suggestions: u64,
    pub thumbs_up: u64,
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
    /// Its questions (at most [`MAX_GROUP_QUESTIONS`]), newest first.
    pub questions: Vec<Question>,
}

/// A visitor message the bot could not answer: it suggested articles, or
/// escalated because nothing matched (`no_match`) or after several
/// unhelpful turns (`unresolved`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    pub conversation: String,
    pub text: String,
    pub lang: String,
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

/// The visitor messages the bot could not answer, newest first (at most
/// [`MAX_QUESTIONS`]). A message counts when the bot's reply to it
/// suggested, or escalated with `no_match` or `unresolved`; thanks and
/// greetings never count.
pub fn unanswered(conversations: &[Conversation]) -> Vec<Question> {
    let mut out = Vec::new();
    for c in conversations {
        let mut pending: Option<&Message> = None;
        for m in &c.messages {
            match m.role {
                Role::Visitor => pending = Some(m),
                Role::Bot => {
                    let Some(q) = pending.take() else { continue };
                    let unanswered = matches!(
                        (m.decision, m.reason),
                        (Some(Decision::Suggest), _)
                            | (
                                Some(Decision::Escalate),
                                Some(EscalationReason::NoMatch | EscalationReason::Unresolved),
                            )
                    );
                    if unanswered && small_talk(&q.body).is_none() {
                        out.push(Question {
                            conversation: c.id.clone(),
                            text: q.body.clone(),
                            lang: m.lang.clone().unwrap_or_else(|| "und".into()),
                            at: q.at,
                        });
                    }
                }
                Role::Agent => pending = None,
            }
        }
    }
    out.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| a.text.cmp(&b.text)));
    out.truncate(MAX_QUESTIONS);
    out
}

/// Distinct stemmed terms of a question in its language, sorted.
fn term_set(q: &Question) -> Vec<String> {
    let mut t = Analyzer::new(Lang::from_tag(&q.lang)).terms(&q.text);
    t.sort();
    t.dedup();
    t
}

/// The overlap coefficient of two sorted term sets: shared terms over the
/// size of the smaller set (0 when either is empty). Short paraphrases
/// ("is there a Linux version?" / "desktop app for Linux?") share few of
/// their terms, so Jaccard would keep them apart.
pub fn similarity(a: &[String], b: &[String]) -> f32 {
    let smaller = a.len().min(b.len());
    if smaller == 0 {
        return 0.0;
    }
    let (mut i, mut j, mut shared) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    shared as f32 / smaller as f32
}

/// Groups questions by similarity (star clustering): the question alike
/// to the most others (at least [`SIMILARITY`]) seeds a group with every
/// ungrouped question alike to it; repeat with the rest. Deterministic;
/// questions without content terms are left out. Returns the biggest
/// `max_groups` groups.
pub fn group(questions: &[Question], max_groups: usize) -> Vec<QuestionGroup> {
    let terms: Vec<Vec<String>> = questions.iter().map(term_set).collect();
    let live: Vec<usize> = (0..questions.len())
        .filter(|&i| !terms[i].is_empty())
        .collect();
    let n = questions.len();
    let mut sim = vec![0f32; n * n];
    for (x, &i) in live.iter().enumerate() {
        for &j in &live[x + 1..] {
            let s = similarity(&terms[i], &terms[j]);
            sim[i * n + j] = s;
            sim[j * n + i] = s;
        }
    }
    let alike = |i: usize, j: usize| i != j && sim[i * n + j] >= SIMILARITY;
    let degree = |i: usize| live.iter().filter(|&&j| alike(i, j)).count();
    let mut order = live.clone();
    // Most connected first; then the newest (questions come newest first).
    order.sort_by_key(|&i| (std::cmp::Reverse(degree(i)), i));
    let mut taken = vec![false; n];
    let mut groups = Vec::new();
    for &seed in &order {
        if taken[seed] {
            continue;
        }
        let members: Vec<usize> = live
            .iter()
            .copied()
            .filter(|&j| !taken[j] && (j == seed || alike(seed, j)))
            .collect();
        for &m in &members {
            taken[m] = true;
        }
        let central = members
            .iter()
            .copied()
            .max_by(|&a, &b| {
                let total = |i: usize| members.iter().map(|&j| sim[i * n + j]).sum::<f32>();
                total(a).total_cmp(&total(b)).then(b.cmp(&a))
            })
            .unwrap_or(seed);
        groups.push(make_group(questions, &members, central));
    }
    groups.sort_by(|a, b| {
        (b.count, b.conversations.len())
            .cmp(&(a.count, a.conversations.len()))
            .then_with(|| {
                let newest = |g: &QuestionGroup| g.questions.first().map_or(0, |q| q.at);
                newest(b).cmp(&newest(a))
            })
            .then_with(|| a.representative.cmp(&b.representative))
    });
    groups.truncate(max_groups);
    groups
}

fn make_group(questions: &[Question], members: &[usize], central: usize) -> QuestionGroup {
    let mut conversations: Vec<String> = Vec::new();
    for &m in members {
        if !conversations.contains(&questions[m].conversation) {
            conversations.push(questions[m].conversation.clone());
        }
    }
    let languages: BTreeSet<String> = members.iter().map(|&m| questions[m].lang.clone()).collect();
    QuestionGroup {
        representative: questions[central].text.clone(),
        count: members.len() as u64,
        languages: languages.into_iter().collect(),
        conversations,
        questions: members
            .iter()
            .take(MAX_GROUP_QUESTIONS)
            .map(|&m| questions[m].clone())
            .collect(),
    }
}

// --- Export -------------------------------------------------------------

/// What an export holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportKind {
    /// One row per conversation ([`ConversationSummary`]).
    Conversations,
    /// One row per unanswered question, with its group.
    Questions,
    /// One row per article ([`ArticleStats`]).
    Articles,
}

impl ExportKind {
    pub fn parse(v: &str) -> Result<ExportKind, ApiError> {
        match v {
            "conversations" => Ok(ExportKind::Conversations),
            "questions" => Ok(ExportKind::Questions),
            "articles" => Ok(ExportKind::Articles),
            _ => Err(ApiError::field(
                ErrorCode::InvalidField,
                "kind",
                "kind must be conversations, questions or articles.",
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ExportKind::Conversations => "conversations",
            ExportKind::Questions => "questions",
            ExportKind::Articles => "articles",
        }
    }
}

/// An export's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Json,
}

impl ExportFormat {
    pub fn parse(v: &str) -> Result<ExportFormat, ApiError> {
        match v {
            "csv" => Ok(ExportFormat::Csv),
            "json" => Ok(ExportFormat::Json),
            _ => Err(ApiError::field(
                ErrorCode::InvalidField,
                "format",
                "format must be csv or json.",
            )),
        }
    }
}

/// A cell of an export.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
}

/// Rows under named columns: the same data as CSV or JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub columns: &'static [&'static str],
    pub rows: Vec<Vec<Cell>>,
}

/// The export of `kind` over `conversations` at `now` (`quiet_ms`: see
/// [`summarize`]).
pub fn export(kind: ExportKind, conversations: &[Conversation], now: i64, quiet_ms: i64) -> Table {
    let t = |s: &str| Cell::Text(s.to_owned());
    let n = |v: u64| Cell::Int(v as i64);
    match kind {
        ExportKind::Conversations => Table {
            columns: &[
                "conversation_id",
                "site",
                "started_at",
                "last_message_at",
                "language",
                "visitor_messages",
                "answered",
                "suggested",
                "escalated",
                "small_talk",
                "thumbs_up",
                "thumbs_down",
                "tickets",
                "outcome",
            ],
            rows: conversations
                .iter()
                .map(|c| {
                    let s = summarize(c, now, quiet_ms);
                    vec![
                        t(&s.id),
                        t(&s.site),
                        t(&iso_time(s.started)),
                        t(&iso_time(s.last_at)),
                        t(&s.lang),
                        n(s.visitor_messages),
                        n(s.answered),
                        n(s.suggested),
                        n(s.escalated),
                        n(s.small_talk),
                        n(s.thumbs_up),
                        n(s.thumbs_down),
                        n(s.tickets),
                        t(s.outcome.as_str()),
                    ]
                })
                .collect(),
        },
        ExportKind::Questions => {
            let questions = unanswered(conversations);
            let groups = group(&questions, usize::MAX);
            let mut rows = Vec::new();
            for (i, g) in groups.iter().enumerate() {
                for q in &g.questions {
                    rows.push(vec![
                        n(i as u64 + 1),
                        t(&g.representative),
                        n(g.count),
                        t(&q.text),
                        t(&q.lang),
                        t(&q.conversation),
                        t(&iso_time(q.at)),
                    ]);
                }
            }
            Table {
                columns: &[
                    "group",
                    "representative",
                    "group_size",
                    "question",
                    "language",
                    "conversation_id",
                    "asked_at",
                ],
                rows,
            }
        }
        ExportKind::Articles => Table {
            columns: &[
                "title",
                "url",
                "answers",
                "suggestions",
                "thumbs_up",
                "thumbs_down",
            ],
            rows: articles(conversations)
                .into_iter()
                .map(|a| {
                    vec![
                        t(&a.title),
                        t(&a.url),
                        n(a.answers),
                        n(a.suggestions),
                        n(a.thumbs_up),
                        n(a.thumbs_down),
                    ]
                })
                .collect(),
        },
    }
}

/// RFC 4180 CSV (CRLF line ends, a header row). A text cell is quoted when
/// it holds a comma, quote or line break (quotes doubled); one starting
/// with `=`, `+`, `-`, `@`, tab or CR gets a leading `'` so a spreadsheet
/// shows it instead of running it as a formula.
pub fn to_csv(table: &Table) -> String {
    let mut out = String::new();
    let line = |out: &mut String, cells: Vec<String>| {
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    };
    line(
        &mut out,
        table.columns.iter().map(|c| csv_text(c)).collect(),
    );
    for row in &table.rows {
        line(
            &mut out,
            row.iter()
                .map(|c| match c {
                    Cell::Text(s) => csv_text(s),
                    Cell::Int(v) => v.to_string(),
                })
                .collect(),
        );
    }
    out
}

fn csv_text(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// The same rows as a JSON array of objects keyed by column.
pub fn to_json(table: &Table) -> serde_json::Value {
    serde_json::Value::Array(
        table
            .rows
            .iter()
            .map(|row| {
                let object = table
                    .columns
                    .iter()
                    .zip(row)
                    .map(|(k, c)| {
                        let v = match c {
                            Cell::Text(s) => serde_json::Value::from(s.as_str()),
                            Cell::Int(n) => serde_json::Value::from(*n),
                        };
                        ((*k).to_owned(), v)
                    })
                    .collect();
                serde_json::Value::Object(object)
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_795_000_000_000;
    const MIN: i64 = 60_000;

    fn visitor(body: &str, at: i64) -> Message {
        Message {
            role: Role::Visitor,
            body: body.into(),
            decision: None,
            reason: None,
            lang: None,
            sources: vec![],
            rating: None,
            at,
        }
    }

    fn bot(decision: Decision, reason: Option<EscalationReason>, lang: &str, at: i64) -> Message {
        let sources = match decision {
            Decision::Answer => vec![source("Export data")],
            Decision::Suggest => vec![source("Export data"), source("Billing")],
            _ => vec![],
        };
        Message {
            role: Role::Bot,
            body: "reply".into(),
            decision: Some(decision),
            reason,
            lang: Some(lang.into()),
            sources,
            rating: None,
            at,
        }
    }

    fn source(title: &str) -> Source {
        Source {
            title: title.into(),
            url: format!("/help/{}", title.to_lowercase().replace(' ', "-")),
        }
    }

    fn rated(mut m: Message, r: Rating) -> Message {
        m.rating = Some(r);
        m
    }

    fn conv(id: &str, messages: Vec<Message>) -> Conversation {
        Conversation {
            id: id.into(),
            site: "demo".into(),
            started: messages.first().map_or(NOW, |m| m.at),
            messages,
            tickets: vec![],
        }
    }

    /// A question the bot could not answer, in `lang`.
    fn unanswerable(id: &str, q: &str, lang: &str, at: i64) -> Conversation {
        conv(
            id,
            vec![
                visitor(q, at),
                bot(
                    Decision::Escalate,
                    Some(EscalationReason::NoMatch),
                    lang,
                    at,
                ),
            ],
        )
    }

    #[test]
    fn periods_read_dates_and_days_and_refuse_the_rest() {
        let p = period(None, None, NOW).unwrap();
        assert_eq!((p.from_ms, p.to_ms), (NOW - 30 * DAY_MS, NOW));
        let p = period(Some("7d"), None, NOW).unwrap();
        assert_eq!(p.from_ms, NOW - 7 * DAY_MS);
        let p = period(Some("90"), Some("0"), NOW).unwrap();
        assert_eq!((p.from_ms, p.to_ms), (NOW - 90 * DAY_MS, NOW));
        let p = period(Some("2026-11-01"), Some("2026-11-01"), NOW).unwrap();
        assert_eq!(iso_time(p.from_ms), "2026-11-01T00:00:00Z");
        assert_eq!(p.to_ms - p.from_ms, DAY_MS, "a `to` date includes its day");
        let field = |from: Option<&str>, to: Option<&str>| {
            let e = period(from, to, NOW).unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidField);
            e.field.unwrap()
        };
        let p = period(
            Some("2026-11-01T10:20:30.456Z"),
            Some("2026-11-01T10:20:31Z"),
            NOW,
        )
        .unwrap();
        assert_eq!(p.to_ms - p.from_ms, 544);
        assert_eq!(iso_time(p.to_ms), "2026-11-01T10:20:31Z");
        assert_eq!(field(Some("yesterday"), None), "from");
        assert_eq!(field(Some("2026-11-01T24:00:00Z"), None), "from");
        assert_eq!(field(Some("2026-11-01T10:20:30+01:00"), None), "from");
        assert_eq!(field(Some("2026-11-01T10:20:30.4Z"), None), "from");
        assert_eq!(field(Some("2026-02-30"), None), "from");
        assert_eq!(field(None, Some("2026-13-01")), "to");
        assert_eq!(field(Some("-3"), None), "from");
        assert_eq!(field(Some("99999"), None), "from");
        assert_eq!(
            field(Some("1d"), Some("2d")),
            "from",
            "ends before it starts"
        );
        assert_eq!(field(Some("400"), None), "from", "longer than a year");
    }

    #[test]
    fn dates_round_trip() {
        for (date, days) in [
            ("1970-01-01", 0),
            ("2000-02-29", 11_016),
            ("2026-11-23", 20_780),
        ] {
            assert_eq!(parse_date(date), Some(days));
            assert_eq!(iso_time(days * DAY_MS), format!("{date}T00:00:00Z"));
        }
        assert_eq!(iso_time(DAY_MS + 3_723_000), "1970-01-02T01:02:03Z");
        assert_eq!(parse_date("2025-02-29"), None);
        assert_eq!(parse_date("2026-1-01"), None);
        assert_eq!(parse_date("+026-01-01"), None);
    }

    #[test]
    fn outcomes_tell_confirmed_from_assumed() {
        let old = NOW - 2 * 60 * MIN;
        let answer = || bot(Decision::Answer, None, "en", old + MIN);
        let ask = || visitor("how do I export?", old);
        let outcome = |c: Conversation| summarize(&c, NOW, DEFAULT_QUIET_MS).outcome;
        // A thumbs up on the answer.
        assert_eq!(
            outcome(conv("a", vec![ask(), rated(answer(), Rating::Up)])),
            Outcome::Confirmed
        );
        // "thanks, that solved it" after the answer.
        let thanks = vec![
            ask(),
            answer(),
            visitor("thanks, that solved it", old + 2 * MIN),
            bot(Decision::SmallTalk, None, "en", old + 2 * MIN),
        ];
        assert_eq!(outcome(conv("b", thanks)), Outcome::Confirmed);
        // German.
        let danke = vec![
            visitor("Wie exportiere ich?", old),
            bot(Decision::Answer, None, "de", old),
            visitor("Danke, das hat geholfen!", old + MIN),
        ];
        assert_eq!(outcome(conv("b2", danke)), Outcome::Confirmed);
        // Thanks after a suggestion confirms nothing.
        let polite = vec![
            ask(),
            bot(Decision::Suggest, None, "en", old),
            visitor("thanks", old + MIN),
            bot(Decision::SmallTalk, None, "en", old + MIN),
        ];
        assert_eq!(outcome(conv("c", polite)), Outcome::Unresolved);
        // Quiet after the answer: assumed, once N minutes have passed.
        assert_eq!(outcome(conv("d", vec![ask(), answer()])), Outcome::Assumed);
        let recent = vec![
            visitor("how do I export?", NOW - MIN),
            bot(Decision::Answer, None, "en", NOW - MIN),
        ];
        assert_eq!(outcome(conv("e", recent.clone())), Outcome::Pending);
        let e = conv("e", recent);
        assert_eq!(
            summarize(&e, NOW, MIN).outcome,
            Outcome::Assumed,
            "N is a setting"
        );
        // Rated down, or the visitor wrote again: not assumed.
        assert_eq!(
            outcome(conv("f", vec![ask(), rated(answer(), Rating::Down)])),
            Outcome::Unresolved
        );
        assert_eq!(
            outcome(conv(
                "g",
                vec![ask(), answer(), visitor("and as PDF?", old)]
            )),
            Outcome::Unresolved
        );
        // A ticket wins over everything.
        let mut t = conv("h", vec![ask(), rated(answer(), Rating::Up)]);
        t.tickets.push(Ticket {
            topic: Some("billing".into()),
            priority: Some("high".into()),
        });
        assert_eq!(outcome(t), Outcome::Ticket);
    }

    #[test]
    fn the_report_counts_turns_reasons_articles_and_tickets() {
        let old = NOW - DAY_MS;
        let mut with_ticket = conv(
            "t",
            vec![
                visitor("I want a refund, talk to a human", old),
                bot(
                    Decision::Escalate,
                    Some(EscalationReason::Requested),
                    "en",
                    old,
                ),
            ],
        );
        with_ticket.tickets.push(Ticket {
            topic: Some("billing".into()),
            priority: None,
        });
        let convs = vec![
            conv(
                "a",
                vec![
                    visitor("how do I export?", old),
                    rated(bot(Decision::Answer, None, "en", old), Rating::Up),
                ],
            ),
            conv(
                "b",
                vec![
                    visitor("hallo", old),
                    bot(Decision::SmallTalk, None, "de", old),
                    visitor("Export?", old),
                    rated(bot(Decision::Answer, None, "de", old), Rating::Down),
                    visitor("Kosten?", old),
                    bot(Decision::Suggest, None, "de", old),
                ],
            ),
            unanswerable("c", "do you have a desktop app for linux?", "en", old),
            with_ticket,
        ];
        let r = report(&convs, NOW, DEFAULT_QUIET_MS);
        assert_eq!(r.conversations.total, 4);
        assert_eq!(
            r.conversations.by_lang,
            vec![
                Count {
                    key: "en".into(),
                    count: 3
                },
                Count {
                    key: "de".into(),
                    count: 1
                },
            ]
        );
        let b = &r.bot_turns;
        assert_eq!(
            (b.total, b.answered, b.suggested, b.escalated, b.small_talk),
            (6, 2, 1, 2, 1)
        );
        assert!((b.answered_share - 2.0 / 6.0).abs() < 1e-9);
        let reason = |k: &str| {
            r.escalation_reasons
                .iter()
                .find(|c| c.key == k)
                .unwrap()
                .count
        };
        assert_eq!(
            (
                reason("requested"),
                reason("no_match"),
                reason("frustrated")
            ),
            (1, 1, 0)
        );
        assert_eq!(r.escalation_reasons.len(), 5);
        let export = &r.articles[0];
        assert_eq!(
            (export.title.as_str(), export.answers, export.suggestions),
            ("Export data", 2, 1)
        );
        assert_eq!((export.thumbs_up, export.thumbs_down), (1, 1));
        assert_eq!(r.articles[1].title, "Billing");
        assert_eq!(r.tickets.total, 1);
        assert_eq!(r.tickets.by_topic[0].key, "billing");
        assert_eq!(r.tickets.by_priority[0].key, "none");
        assert_eq!(
            (
                r.resolutions.confirmed,
                r.resolutions.ticket,
                r.resolutions.unresolved
            ),
            (1, 1, 2)
        );
        assert_eq!(r.unanswered_total, 2, "the suggestion and the no-match");
    }

    #[test]
    fn paraphrases_in_two_languages_form_one_group() {
        let at = |m: i64| NOW - DAY_MS + m * MIN;
        let convs = vec![
            unanswerable("c1", "do you have a desktop app for linux?", "en", at(1)),
            unanswerable("c2", "Is there a Linux version?", "en", at(2)),
            unanswerable("c3", "Gibt es eine Linux-App?", "de", at(3)),
            unanswerable("c4", "Can I pay with bitcoin?", "en", at(4)),
            unanswerable("c5", "do you accept bitcoin payments", "en", at(5)),
            unanswerable("c6", "what is the airspeed of a swallow", "en", at(6)),
            // Thanks and greetings are never questions.
            unanswerable("c7", "thanks!", "en", at(7)),
        ];
        let r = report(&convs, NOW, DEFAULT_QUIET_MS);
        assert_eq!(r.unanswered_total, 6);
        let linux = &r.unanswered[0];
        assert_eq!(linux.count, 3, "{:#?}", r.unanswered);
        let mut ids = linux.conversations.clone();
        ids.sort();
        assert_eq!(ids, ["c1", "c2", "c3"]);
        assert_eq!(linux.languages, ["de", "en"]);
        // The German one shares "linux" and "app" with both others.
        assert_eq!(linux.representative, "Gibt es eine Linux-App?");
        let bitcoin = &r.unanswered[1];
        assert_eq!(bitcoin.count, 2, "{:#?}", r.unanswered);
        assert_eq!(r.unanswered[2].count, 1);
        assert_eq!(r.unanswered.len(), 3);
    }

    #[test]
    fn unrelated_questions_stay_apart() {
        let q = |t: &str| Question {
            conversation: t.into(),
            text: t.into(),
            lang: "en".into(),
            at: 0,
        };
        let qs = vec![
            q("does the app support dark mode"),
            q("desktop app for linux"),
            q("refund my order please"),
        ];
        let groups = group(&qs, 10);
        assert_eq!(groups.len(), 3, "{groups:#?}");
        assert!(groups.iter().all(|g| g.count == 1));
        assert_eq!(similarity(&[], &["a".into()]), 0.0);
    }

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        let table = Table {
            columns: &["a", "b"],
            rows: vec![
                vec![Cell::Text("=HYPERLINK(\"x\")".into()), Cell::Int(-3)],
                vec![Cell::Text("plain".into()), Cell::Text("a, \"b\"\nc".into())],
                vec![Cell::Text("+1".into()), Cell::Text("@sum".into())],
                vec![Cell::Text("-2".into()), Cell::Text("".into())],
            ],
        };
        assert_eq!(
            to_csv(&table),
            "a,b\r\n\"'=HYPERLINK(\"\"x\"\")\",-3\r\nplain,\"a, \"\"b\"\"\nc\"\r\n'+1,'@sum\r\n'-2,\r\n"
        );
        let json = to_json(&table);
        assert_eq!(json[0]["b"], -3);
        assert_eq!(json[1]["b"], "a, \"b\"\nc", "JSON keeps the text as it is");
    }

    #[test]
    fn exports_have_a_row_per_item() {
        let old = NOW - DAY_MS;
        let convs = vec![
            unanswerable("c1", "is there a linux version", "en", old),
            unanswerable("c2", "linux app?", "en", old + 1),
            conv(
                "c3",
                vec![
                    visitor("export", old),
                    rated(bot(Decision::Answer, None, "en", old), Rating::Up),
                ],
            ),
        ];
        let t = export(ExportKind::Conversations, &convs, NOW, DEFAULT_QUIET_MS);
        assert_eq!(t.rows.len(), 3);
        assert_eq!(t.rows[2][13], Cell::Text("confirmed".into()));
        let t = export(ExportKind::Questions, &convs, NOW, DEFAULT_QUIET_MS);
        assert_eq!(t.rows.len(), 2);
        assert!(t
            .rows
            .iter()
            .all(|r| r[0] == Cell::Int(1) && r[2] == Cell::Int(2)));
        let t = export(ExportKind::Articles, &convs, NOW, DEFAULT_QUIET_MS);
        assert_eq!(t.rows[0][4], Cell::Int(1));
        assert_eq!(
            ExportKind::parse("tickets").unwrap_err().field.as_deref(),
            Some("kind")
        );
        assert_eq!(
            ExportFormat::parse("xml").unwrap_err().field.as_deref(),
            Some("format")
        );
    }
}

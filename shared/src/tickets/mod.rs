//! The ticket an agent receives (schema `frontdesk.ticket.v1`), and the
//! triage that fills it: a short extractive summary, what the bot tried,
//! topic, priority, sentiment and language — each classification with a
//! confidence, so a team can route on the sure ones and look twice at the
//! rest. Pure: the worker passes the transcript and the clock.

use serde::{Deserialize, Serialize};

pub mod reference;
pub mod routing;
pub mod sinks;
pub mod webhook;

use crate::text::intent::frustrated;
use crate::text::{self, clip, detect, words, Lang};
use crate::tickets::routing::Routing;
use frontdesk_api::wire::{Decision, Role, Source, TranscriptEntry};

/// Identifies this JSON shape; a breaking change gets a new version.
pub const TICKET_SCHEMA: &str = "frontdesk.ticket.v1";

/// Longest summary, in characters.
const MAX_SUMMARY_CHARS: usize = 280;
/// The triage topic of a ticket with neither an always-human topic nor an
/// article the bot offered.
pub const GENERAL_TOPIC: &str = "general";
/// [`Summary::method`] of the built-in summary.
pub const SUMMARY_EXTRACTIVE: &str = "extractive";
/// [`Summary::method`] of a summary written by the text generator.
pub const SUMMARY_MODEL: &str = "model";

/// A ticket as delivered to sinks and returned by the agent API.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ticket {
    /// Always [`TICKET_SCHEMA`].
    pub schema: String,
    /// Human-friendly reference, e.g. `FD-7K3M9Q2P`.
    pub reference: String,
    /// The conversation the visitor asked for a person in.
    pub conversation_id: String,
    /// Milliseconds since the Unix epoch.
    pub created_at: i64,
    /// Open when built; closing the ticket sets it here too (and in the
    /// stored status the agent API filters on).
    pub status: TicketStatus,
    /// Who asked, and whether the site vouched for their email.
    pub requester: Requester,
    /// What the visitor wrote in the handoff form, if anything.
    pub note: Option<String>,
    /// The page the visitor was on.
    pub page_url: Option<String>,
    /// A few lines for the agent: the built-in one, replaced by the model's
    /// when a text generator is configured and writes one.
    pub summary: Summary,
    /// Each bot turn that did not settle the question: what it decided,
    /// why, and which articles it offered.
    pub bot_attempts: Vec<BotAttempt>,
    /// Topic, priority, sentiment and language, each with a confidence.
    pub triage: Triage,
    /// The team and sinks the site's routes chose for the topic (absent
    /// in documents stored before routing existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub routing: Option<Routing>,
    /// The site (`[[site]]` of `frontdesk.toml`) the conversation came
    /// from (absent in documents stored before sites existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<TicketSite>,
    /// The conversation's most recent [`TICKET_MESSAGES`] messages, each
    /// clipped to [`TICKET_MESSAGE_CHARS`], oldest first.
    pub transcript: Vec<TranscriptEntry>,
    /// How many earlier messages of the conversation the transcript leaves
    /// out (0, and absent, when it carries them all).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub transcript_omitted: u64,
    /// The actions the bot tried for the visitor on the site's API
    /// (`[[site.action]]`), oldest first: absent when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actions: Vec<ActionTried>,
    /// The files the visitor attached before the handoff, each with a link
    /// that works for a week (`attachments::SINK_LINK_SECS`): absent when
    /// none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<AttachmentLink>,
}

/// A file attached to the conversation, as a ticket carries it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentLink {
    /// Its kept name (`attachments::file_name`).
    pub name: String,
    /// Its type, read from its bytes.
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    /// A signed link to it.
    pub url: String,
}

/// An action the bot tried in the conversation: which, with what values,
/// and how it ended (`succeeded`, `not_found`, `failed`, `unknown` — a
/// change whose outcome the agent should check —, `cancelled`, `gave_up`,
/// `dropped`, or still `open` / `confirming`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionTried {
    /// The action's name.
    pub action: String,
    /// The values it had, by parameter.
    pub values: std::collections::BTreeMap<String, serde_json::Value>,
    /// How it ended.
    pub status: String,
    /// When it was last touched, ms since the epoch.
    pub at: i64,
}

impl ActionTried {
    /// One line for an agent: `cancel_order (order 10002): unknown`.
    pub fn line(&self) -> String {
        let values: Vec<String> = self
            .values
            .iter()
            .map(|(k, v)| {
                format!(
                    "{k} {}",
                    v.as_str().map_or_else(|| v.to_string(), str::to_owned)
                )
            })
            .collect();
        if values.is_empty() {
            format!("{}: {}", self.action, self.status)
        } else {
            format!("{} ({}): {}", self.action, values.join(", "), self.status)
        }
    }
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// The most messages a ticket carries: the most recent ones. With each
/// clipped to [`TICKET_MESSAGE_CHARS`], a ticket document stays far below
/// D1's 2 MB row limit however long the conversation (see the test
/// `a_ticket_of_a_huge_conversation_stays_small`).
pub const TICKET_MESSAGES: usize = 100;
/// The most characters of one message a ticket carries (visitor messages
/// are at most 2,000 already; agent replies may be 4,000).
pub const TICKET_MESSAGE_CHARS: usize = 2_000;

/// Which site a ticket came from: its public key and its name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketSite {
    /// The site's public key, as the embed's `data-site` names it.
    pub key: String,
    /// Its name from `frontdesk.toml`, as agents see it.
    pub name: String,
}

/// Whether a ticket still needs an agent (`open` / `closed` on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketStatus {
    /// Waiting for the team; every ticket starts so.
    Open,
    /// An agent closed it; it stays stored and readable.
    Closed,
}

/// Who asked. Only what the site's backend vouched for (an identity
/// token or user hash, see `crate::identity`) is marked verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requester {
    /// Where the reply goes: the email the site vouched for when there is
    /// one, else the one the visitor typed.
    pub email: String,
    /// True when the site vouched for this email (a valid token's `email`
    /// claim, or a user hash computed over the email); false for an email
    /// the visitor typed or the page passed unsigned (and in documents
    /// stored before identities existed).
    #[serde(default)]
    pub verified: bool,
    /// The site's user id (a valid token's `sub`, or a hashed `user_id`);
    /// present whenever a valid identity was sent, even one that vouches
    /// for no email (`verified` is then false).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The user's name from a valid token's `name` claim, or as the page
    /// passed it beside a user hash (not covered by the hash).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl Requester {
    /// A requester known only by the email they typed.
    pub fn unverified(email: &str) -> Requester {
        Requester {
            email: email.into(),
            verified: false,
            id: None,
            name: None,
        }
    }
}

/// What the ticket is about, in a few lines for the agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Plain text; the built-in one is at most 280 characters.
    pub text: String,
    /// `extractive` (built-in: the visitor's own words) or `model`.
    pub method: String,
}

/// One bot turn in the conversation before the handoff.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BotAttempt {
    /// The visitor message the bot replied to.
    pub question: String,
    /// What the bot did: answer, suggest or escalate (never small talk).
    pub decision: Decision,
    /// The articles it answered from or suggested, best first.
    pub articles: Vec<Source>,
}

/// A classification and how sure it is (0–1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Classified<T> {
    /// The class chosen.
    pub value: T,
    /// 0 (a guess) to 1 (certain).
    pub confidence: f32,
}

/// How soon a ticket needs a person, lowest first (the order compares).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// Can wait (the built-in triage never picks it).
    Low,
    /// Nothing in the visitor's words says it is pressing.
    Normal,
    /// The visitor says it is urgent, is locked out, something does not
    /// work, or they are frustrated.
    High,
    /// Fraud, a hacked account, a double charge, lost data or legal threats.
    Urgent,
}

/// The visitor's mood, from the words they used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sentiment {
    /// More negative words (or frustration) than positive ones.
    Negative,
    /// As many of each, or none.
    Neutral,
    /// More positive words ("thanks", "great") than negative ones.
    Positive,
}

/// The ticket's classification, from the visitor's messages and note.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Triage {
    /// An always-human topic, else the article the bot pointed to most,
    /// else `general`.
    pub topic: Classified<String>,
    /// How pressing it is; `priority_signals` say why.
    pub priority: Classified<Priority>,
    /// The phrases that set the priority ("charged twice", "urgent"…).
    pub priority_signals: Vec<String>,
    /// The visitor's mood.
    pub sentiment: Classified<Sentiment>,
    /// ISO 639-1, or `und`.
    pub language: Classified<String>,
}

/// Phrases (folded, lowercase) that make a ticket urgent or high priority,
/// in the languages the widget speaks.
const URGENT: &[&str] = &[
    "hacked",
    "compromised",
    "fraud",
    "stolen",
    "charged twice",
    "double charged",
    "lost all my",
    "data loss",
    "deleted everything",
    "lawyer",
    "legal action",
    "gehackt",
    "betrug",
    "doppelt abgebucht",
    "pirate",
    "fraude",
    "debite deux fois",
    "hackeado",
    "cobrado dos veces",
    "hackerato",
    "truffa",
    "addebitato due volte",
    "cobrado duas vezes",
    "oszustwo",
    "dwa razy",
    "взлом",
    "мошенни",
    "дважды",
    "被盗",
    "诈骗",
    "重复扣款",
];
const HIGH: &[&str] = &[
    "urgent",
    "asap",
    "immediately",
    "right now",
    "cannot log in",
    "can't log in",
    "cant log in",
    "cannot login",
    "can't login",
    "locked out",
    "can't access",
    "cannot access",
    "not working",
    "doesn't work",
    "dringend",
    "sofort",
    "kann mich nicht anmelden",
    "funktioniert nicht",
    "urgence",
    "immediatement",
    "impossible de me connecter",
    "ne fonctionne pas",
    "urgente",
    "no puedo entrar",
    "no funciona",
    "non riesco ad accedere",
    "non funziona",
    "nao consigo entrar",
    "nao funciona",
    "pilne",
    "nie moge sie zalogowac",
    "nie dziala",
    "срочно",
    "не могу войти",
    "не работает",
    "紧急",
    "无法登录",
    "不能用",
];
const NEGATIVE: &[&str] = &[
    "angry",
    "annoyed",
    "disappointed",
    "unacceptable",
    "terrible",
    "awful",
    "worst",
    "useless",
    "ridiculous",
    "frustrated",
    "frustrating",
    "horrible",
    "upset",
    "sauer",
    "enttauscht",
    "inakzeptabel",
    "furieux",
    "decu",
    "inacceptable",
    "enfadado",
    "decepcionado",
    "inaceptable",
    "arrabbiato",
    "deluso",
    "inaccettabile",
    "chateado",
    "zly",
    "rozczarowany",
    "зол",
    "разочарован",
    "ужасно",
    "生气",
    "失望",
];
const POSITIVE: &[&str] = &[
    "thanks",
    "thank",
    "great",
    "love",
    "awesome",
    "appreciate",
    "happy",
    "danke",
    "super",
    "merci",
    "gracias",
    "grazie",
    "obrigado",
    "obrigada",
    "dziekuje",
    "спасибо",
    "谢谢",
];

/// What the worker knows when a visitor asks for a person.
pub struct TicketInput<'a> {
    /// A fresh reference ([`reference::format_reference`]).
    pub reference: &'a str,
    /// The conversation the handoff came from.
    pub conversation_id: &'a str,
    /// Now, milliseconds since the Unix epoch.
    pub created_at: i64,
    /// Who asked ([`crate::identity::requester`]).
    pub requester: Requester,
    /// The handoff form's note; triaged with the visitor's messages.
    pub note: Option<&'a str>,
    /// The page the visitor was on.
    pub page_url: Option<&'a str>,
    /// The conversation's most recent messages, oldest first; [`build`]
    /// keeps at most [`TICKET_MESSAGES`] and clips each.
    pub transcript: Vec<TranscriptEntry>,
    /// The always-human topic the engine matched in this conversation, if any.
    pub always_human_topic: Option<&'a str>,
    /// The site the conversation belongs to.
    pub site: Option<TicketSite>,
    /// Messages of the conversation before `transcript` that were not
    /// read (the worker reads only the most recent ones).
    pub earlier: u64,
    /// The actions the bot tried in the conversation, oldest first.
    pub actions: Vec<ActionTried>,
}

/// Builds the ticket, with the built-in (extractive) summary and triage,
/// from at most the [`TICKET_MESSAGES`] most recent messages, each clipped.
pub fn build(mut input: TicketInput<'_>) -> Ticket {
    let extra = input.transcript.len().saturating_sub(TICKET_MESSAGES);
    input.transcript.drain(..extra);
    for e in &mut input.transcript {
        clip_text(&mut e.text, TICKET_MESSAGE_CHARS);
    }
    let omitted = input.earlier + extra as u64;
    let visitor: Vec<&str> = input
        .transcript
        .iter()
        .filter(|e| e.role == Role::Visitor)
        .map(|e| e.text.as_str())
        .chain(input.note)
        .collect();
    let bot_attempts = attempts(&input.transcript);
    let mut triage = triage(&visitor, &bot_attempts, input.always_human_topic);
    // A change whose outcome nobody knows needs a person soon: the
    // visitor may have been charged, or an order cancelled, or not.
    if input.actions.iter().any(|a| a.status == "unknown") && triage.priority.value < Priority::High
    {
        triage.priority = Classified {
            value: Priority::High,
            confidence: 1.0,
        };
    }
    Ticket {
        schema: TICKET_SCHEMA.into(),
        reference: input.reference.into(),
        conversation_id: input.conversation_id.into(),
        created_at: input.created_at,
        status: TicketStatus::Open,
        requester: input.requester,
        note: input.note.map(str::to_owned),
        page_url: input.page_url.map(str::to_owned),
        summary: Summary {
            text: summarize(&visitor, &bot_attempts),
            method: SUMMARY_EXTRACTIVE.into(),
        },
        bot_attempts,
        triage,
        routing: None,
        site: input.site,
        transcript: input.transcript,
        transcript_omitted: omitted,
        actions: input.actions,
        attachments: Vec::new(),
    }
}

/// Cuts `text` to at most `max` characters (on a character boundary),
/// marking the cut with "…".
fn clip_text(text: &mut String, max: usize) {
    if let Some((at, _)) = text.char_indices().nth(max) {
        let keep = text[..at]
            .char_indices()
            .nth(max.saturating_sub(1))
            .map_or(at, |(i, _)| i);
        text.truncate(keep);
        text.push('…');
    }
}

/// Bot turns that did not answer (or answered without settling it: the
/// visitor still asked for a person), with the question each replied to.
fn attempts(transcript: &[TranscriptEntry]) -> Vec<BotAttempt> {
    let mut out = Vec::new();
    let mut question = "";
    for e in transcript {
        match (e.role, e.decision) {
            (Role::Visitor, _) => question = &e.text,
            (Role::Bot, Some(decision)) if decision != Decision::SmallTalk => {
                out.push(BotAttempt {
                    question: question.to_owned(),
                    decision,
                    articles: e.sources.clone(),
                });
            }
            _ => {}
        }
    }
    out
}

/// The visitor's own words: the message that says the most (most distinct
/// content words), then what the bot offered.
fn summarize(visitor: &[&str], attempts: &[BotAttempt]) -> String {
    let content = |m: &str| {
        let mut w: Vec<String> = words(m).filter(|w| w.chars().count() > 2).collect();
        w.sort();
        w.dedup();
        w.len()
    };
    let Some(main) = visitor.iter().copied().max_by_key(|m| content(m)) else {
        return "The visitor asked for a person without writing anything.".into();
    };
    let mut text = main.split_whitespace().collect::<Vec<_>>().join(" ");
    let offered: Vec<&str> = attempts
        .iter()
        .flat_map(|a| a.articles.iter().map(|s| s.title.as_str()))
        .collect();
    if let Some(first) = offered.first() {
        text.push_str(&format!(" — bot offered \"{first}\""));
        if offered.len() > 1 {
            text.push_str(&format!(" and {} more", offered.len() - 1));
        }
    }
    clip(&text, MAX_SUMMARY_CHARS)
}

fn triage(visitor: &[&str], attempts: &[BotAttempt], always_human: Option<&str>) -> Triage {
    let all = visitor.join("\n");
    let folded: String = words(&all).collect::<Vec<_>>().join(" ");
    let lower = all.to_lowercase();
    let has = |p: &str| folded.contains(p) || lower.contains(p);

    let topic = match always_human {
        Some(t) => Classified {
            value: t.to_owned(),
            confidence: 0.9,
        },
        None => most_offered(attempts),
    };

    let urgent: Vec<String> = URGENT
        .iter()
        .filter(|p| has(p))
        .map(|p| (*p).to_owned())
        .collect();
    let high: Vec<String> = HIGH
        .iter()
        .filter(|p| has(p))
        .map(|p| (*p).to_owned())
        .collect();
    let angry = visitor.iter().any(|m| frustrated(&text::Message::new(*m)));
    let (level, confidence, mut signals) = if !urgent.is_empty() {
        (Priority::Urgent, 0.9, urgent)
    } else if !high.is_empty() {
        (Priority::High, 0.8, high)
    } else if angry {
        (Priority::High, 0.6, vec!["frustrated".to_owned()])
    } else {
        (Priority::Normal, 0.6, vec![])
    };
    if angry && level == Priority::High && !signals.iter().any(|s| s == "frustrated") {
        signals.push("frustrated".to_owned());
    }

    let neg = NEGATIVE.iter().filter(|p| has(p)).count() + usize::from(angry);
    let pos = POSITIVE.iter().filter(|p| has(p)).count();
    let sentiment = match neg.cmp(&pos) {
        std::cmp::Ordering::Greater => Sentiment::Negative,
        std::cmp::Ordering::Less => Sentiment::Positive,
        std::cmp::Ordering::Equal => Sentiment::Neutral,
    };
    let margin: f32 = neg.abs_diff(pos) as f32;
    let sentiment = Classified {
        value: sentiment,
        confidence: if margin == 0.0 {
            0.5
        } else {
            (0.6 + 0.15 * margin).min(0.95)
        },
    };

    // Per message, then overall: the share of messages agreeing is the confidence.
    let detected: Vec<Lang> = visitor.iter().filter_map(|m| detect(m)).collect();
    let language = match detect(&all) {
        Some(lang) => {
            let agree = detected.iter().filter(|&&l| l == lang).count();
            Classified {
                value: lang.code().to_owned(),
                confidence: (0.5 + 0.5 * agree as f32 / visitor.len().max(1) as f32).min(0.99),
            }
        }
        None => Classified {
            value: Lang::Other.code().to_owned(),
            confidence: 0.0,
        },
    };

    Triage {
        topic,
        priority: Classified {
            value: level,
            confidence,
        },
        priority_signals: signals,
        sentiment,
        language,
    }
}

/// The article the bot pointed to most often (answers count double).
fn most_offered(attempts: &[BotAttempt]) -> Classified<String> {
    let mut counts: Vec<(&str, u32)> = Vec::new();
    let mut total = 0;
    for a in attempts {
        let weight = if a.decision == Decision::Answer { 2 } else { 1 };
        for (rank, s) in a.articles.iter().enumerate() {
            let w = if rank == 0 { weight * 2 } else { weight };
            total += w;
            match counts.iter_mut().find(|(t, _)| *t == s.title) {
                Some((_, n)) => *n += w,
                None => counts.push((&s.title, w)),
            }
        }
    }
    match counts.iter().max_by_key(|(_, n)| *n) {
        Some((title, n)) => Classified {
            value: (*title).to_owned(),
            confidence: (*n as f32 / total as f32).clamp(0.1, 0.95),
        },
        None => Classified {
            value: GENERAL_TOPIC.into(),
            confidence: 0.2,
        },
    }
}

#[cfg(test)]
mod tests;

//! Actions as a conversation: recognising what a visitor asks the bot to
//! look up or do ([`recognise`]), taking the values it needs from their
//! messages or asking for them one at a time ([`fill`]), the confirmation
//! a write needs ([`token`]), the signed request to the site's API and
//! what its answer means ([`call`]), and the bot's words ([`words`]). The
//! declarations are [`crate::config::actions`]. With a model, [`choose`]
//! offers the actions as tools and turns its call into the same steps.
//!
//! Invariants:
//! - a value is only ever one the declaration allows ([`fill::check`]);
//! - text never runs a write: [`Step::Confirm`] is as far as a message can
//!   take one, and only a token the worker signed, for exactly that
//!   attempt, runs it;
//! - an action that needs a verified visitor is not started for anyone
//!   else ([`Step::SignIn`]), and the user id it sends is the verified one
//!   (the worker passes it to [`call::request`]; no parameter can be it);
//! - "never mind" stops an action at any step ([`words::stops`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::config::actions::{template, Action, Effect};
use crate::text::{Lang, Message};

pub mod call;
pub mod choose;
pub mod fill;
pub mod pattern;
pub mod recognise;
#[cfg(test)]
mod tests;
pub mod token;
pub mod words;

use fill::Found;
use words::Line;

/// How often the bot asks for one value before a person takes over.
pub const MAX_ASKS: u8 = 3;
/// More content words than this (words with a digit left out: they are
/// tries at a value) in a reply to a question for a value, and no value in
/// it: the visitor has moved on to something else ("how do I reset my
/// password"), rather than given a wrong value ("the number is 1234").
pub const MOVED_ON_TERMS: usize = 1;

/// An open attempt between turns: which action, the values it has, and
/// what the bot last asked for. Stored with the conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Progress {
    /// The action's name.
    pub action: String,
    /// Checked values, by parameter name.
    pub values: BTreeMap<String, Value>,
    /// The parameter the bot asked for last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asking: Option<String>,
    /// How often it has asked for that one.
    #[serde(default)]
    pub asks: u8,
    /// The confirm card is shown: only its buttons (or a stop) go on.
    #[serde(default)]
    pub confirming: bool,
    /// The visitor's language when the attempt started (ISO 639-1): what
    /// comes after the Confirm button is said in it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
}

/// What the bot does with a message, as far as actions go.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// Not about an action (any more): the turn goes on as usual, and an
    /// open attempt is dropped.
    Pass,
    /// Ask for a value: the words, and the attempt to keep.
    Ask(String, Progress),
    /// Every value is known and the action reads: call the API now.
    Run(Progress),
    /// Every value is known and the action changes something: show the
    /// confirm card with these words.
    Confirm(String, Progress),
    /// The action needs a verified visitor and this one is not.
    SignIn,
    /// Asked [`MAX_ASKS`] times: offer a person.
    GiveUp(Progress),
    /// The visitor stopped it.
    Stopped,
    /// A message while the confirm card waits: say that only its buttons
    /// go on.
    Remind(Progress),
}

/// A message with no open attempt: the action it asks for, if any, with
/// what it already says.
pub fn start(actions: &[Action], message: &Message, lang: Lang, verified: bool) -> Step {
    let Some((action, _)) = recognise::recognise(actions, message) else {
        return Step::Pass;
    };
    if action.needs_identity && !verified {
        return Step::SignIn;
    }
    let mut progress = Progress {
        action: action.name.clone(),
        values: BTreeMap::new(),
        asking: None,
        asks: 0,
        confirming: false,
        lang: Some(lang.code().to_owned()),
    };
    for p in &action.param {
        if let Found::One(v) = fill::find(p, message.text(), false) {
            progress.values.insert(p.name.clone(), v);
        }
    }
    next(action, progress, lang, None)
}

/// A message while an attempt is open.
pub fn resume(actions: &[Action], mut progress: Progress, message: &Message, lang: Lang) -> Step {
    if words::stops(message) {
        return Step::Stopped;
    }
    let Some(action) = actions.iter().find(|a| a.name == progress.action) else {
        return Step::Pass;
    };
    if progress.confirming {
        // Only the card's buttons go on; a new request starts over.
        return if recognise::recognise(actions, message).is_some() {
            Step::Pass
        } else {
            Step::Remind(progress)
        };
    }
    let Some(asked) = progress.asking.clone().and_then(|n| action.param(&n)) else {
        return Step::Pass;
    };
    // A request for another action starts that one instead.
    if recognise::recognise(actions, message).is_some_and(|(a, _)| a.name != action.name) {
        return Step::Pass;
    }
    match fill::find(asked, message.text(), true) {
        Found::One(v) => {
            progress.values.insert(asked.name.clone(), v);
            // The answer may hold other values too ("10002, ordered by
            // mistake").
            for p in &action.param {
                if !progress.values.contains_key(&p.name) {
                    if let Found::One(v) = fill::find(p, message.text(), false) {
                        progress.values.insert(p.name.clone(), v);
                    }
                }
            }
            progress.asks = 0;
            next(action, progress, lang, None)
        }
        found => {
            // In the message's language, else the conversation's (two
            // words rarely show one).
            let said = message
                .terms(message.lang().unwrap_or(lang))
                .iter()
                .filter(|t| !t.chars().any(|c| c.is_ascii_digit()))
                .count();
            if found == Found::Nothing && said > MOVED_ON_TERMS {
                return Step::Pass;
            }
            let why = if found == Found::Many {
                Line::WhichOne
            } else {
                Line::NotRight
            };
            next(action, progress, lang, Some(why))
        }
    }
}

/// Asks for the first value still missing, or runs / confirms.
fn next(action: &Action, mut progress: Progress, lang: Lang, why: Option<Line>) -> Step {
    let missing = action
        .param
        .iter()
        .find(|p| !progress.values.contains_key(&p.name));
    let Some(p) = missing else {
        progress.asking = None;
        progress.asks = 0;
        return match action.effect {
            Effect::Reads => Step::Run(progress),
            Effect::Changes => {
                let confirm = action.confirm.as_ref().map(|w| w.pick(lang.code()));
                let param = |n: &str| value_text(&progress.values, n);
                match confirm.and_then(|t| template::render(t, &Value::Null, &param)) {
                    Some(text) => {
                        progress.confirming = true;
                        Step::Confirm(text, progress)
                    }
                    None => Step::GiveUp(progress),
                }
            }
        };
    };
    if progress.asking.as_deref() == Some(p.name.as_str()) {
        progress.asks += 1;
    } else {
        progress.asking = Some(p.name.clone());
        progress.asks = 1;
    }
    if progress.asks > MAX_ASKS {
        return Step::GiveUp(progress);
    }
    let mut text = String::new();
    if let Some(why) = why {
        text.push_str(words::say(lang, why));
        text.push(' ');
    }
    text.push_str(p.ask.pick(lang.code()));
    if p.kind == crate::config::actions::Kind::Choice {
        for (i, v) in p.values.iter().enumerate() {
            text.push_str(&format!("\n{}. {}", i + 1, template::shown(v)));
        }
    }
    Step::Ask(text, progress)
}

/// A value as words (strings as they are, numbers written out).
pub fn value_text(values: &BTreeMap<String, Value>, name: &str) -> Option<String> {
    values
        .get(name)
        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
}

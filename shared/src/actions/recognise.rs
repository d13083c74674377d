//! Which action a message asks for, from the action's example questions,
//! as articles are found from their text: the message's terms against each
//! example's, in the message's language (every language when it shows
//! none). An example matches by the harmonic mean of how much of it the
//! message covers and how much of the message it explains, so "my order
//! arrived broken" does not take "where is my order". Values the message
//! holds for the action's parameters (an order number) are left out of
//! the message's terms first: they say which order, not what to do.

use crate::config::actions::Action;
use crate::text::{Analyzer, Lang, Message};

use super::fill::{self, Found};

/// The lowest match that recognises an action. Above one half, so that a
/// message sharing one word of a two-word example, or two words of a
/// four-word message, is not enough.
pub const RECOGNISE: f32 = 0.6;

/// How well `message` matches `action`: its best example's score, 0–1.
pub fn score(action: &Action, message: &Message) -> f32 {
    let langs: Vec<Lang> = match message.lang() {
        Some(l) => vec![l],
        None => Lang::ALL.to_vec(),
    };
    let values: Vec<String> = action
        .param
        .iter()
        .filter_map(|p| match fill::find(p, message.text(), false) {
            Found::One(v) => Some(v.as_str().map_or_else(|| v.to_string(), str::to_owned)),
            _ => None,
        })
        .collect();
    let mut best = 0f32;
    for lang in langs {
        let analyzer = Analyzer::new(lang);
        let value_terms: Vec<String> = values.iter().flat_map(|v| analyzer.terms(v)).collect();
        let said: Vec<&String> = message
            .terms(lang)
            .iter()
            .filter(|t| !value_terms.contains(t))
            .collect();
        if said.is_empty() {
            continue;
        }
        for example in &action.examples {
            let mut wanted = analyzer.terms(example);
            wanted.sort();
            wanted.dedup();
            if wanted.is_empty() {
                continue;
            }
            let common = said.iter().filter(|t| wanted.contains(t)).count() as f32;
            if common == 0.0 {
                continue;
            }
            let covered = common / wanted.len() as f32;
            let explained = common / said.len() as f32;
            best = best.max(2.0 * covered * explained / (covered + explained));
        }
    }
    best
}

/// The action `message` asks for: the one whose score is at least
/// [`RECOGNISE`] and above every other's (a tie recognises none).
pub fn recognise<'a>(actions: &'a [Action], message: &Message) -> Option<(&'a Action, f32)> {
    let mut scored: Vec<(&Action, f32)> = actions
        .iter()
        .map(|a| (a, score(a, message)))
        .filter(|&(_, s)| s >= RECOGNISE)
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1));
    match scored[..] {
        [] => None,
        [(a, s)] => Some((a, s)),
        [(a, s), (_, t), ..] => (s > t).then_some((a, s)),
    }
}

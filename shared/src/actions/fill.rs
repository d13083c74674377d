//! Parameter values: found in a visitor's message, and checked against the
//! declaration. A value is only ever one the declaration allows: a string
//! matching its whole pattern, an integer within its range, one of its
//! choices as the site wrote it.

use serde_json::Value;

use super::pattern::Pattern;
use crate::config::actions::{Kind, Param, MAX_VALUE_CHARS};

/// What a message holds for one parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum Found {
    /// Exactly one allowed value.
    One(Value),
    /// Several different allowed values: which one is meant is unclear.
    Many,
    /// None.
    Nothing,
}

/// `raw` as a value of `p`, if the declaration allows it: the whole text
/// (trimmed) must be the value.
pub fn check(p: &Param, raw: &str) -> Option<Value> {
    let raw = raw.trim();
    if raw.is_empty() || raw.chars().count() > MAX_VALUE_CHARS {
        return None;
    }
    match p.kind {
        Kind::String => {
            let pattern = Pattern::parse(p.pattern.as_deref()?).ok()?;
            pattern.whole(raw).then(|| Value::String(raw.to_owned()))
        }
        Kind::Integer => {
            let digits = raw.strip_prefix('-').unwrap_or(raw);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let n: i64 = raw.parse().ok()?;
            let fits = p.min.is_none_or(|lo| n >= lo) && p.max.is_none_or(|hi| n <= hi);
            fits.then(|| Value::from(n))
        }
        Kind::Choice => p
            .values
            .iter()
            .find(|v| fold(v) == fold(raw))
            .map(|v| Value::String(v.clone())),
    }
}

/// The value of `p` in `message`. `asked`: the bot has just asked for it,
/// so a bare number counts (an integer; the n-th choice), and the whole
/// message may be the value. Unasked, only strings (by their pattern) and
/// choices (by their words) are taken from a message: a stray number is
/// never guessed into a parameter.
pub fn find(p: &Param, message: &str, asked: bool) -> Found {
    if asked {
        if let Some(v) = check(p, message.trim_end_matches(['.', '!', '?', '。'])) {
            return Found::One(v);
        }
    }
    let mut seen: Vec<Value> = Vec::new();
    match p.kind {
        Kind::String => {
            let Some(pattern) = p.pattern.as_deref().and_then(|pt| Pattern::parse(pt).ok()) else {
                return Found::Nothing;
            };
            for (start, end) in pattern.find_all(message) {
                if alone(message, start, end) {
                    if let Some(v) = check(p, &message[start..end]) {
                        seen.push(v);
                    }
                }
            }
        }
        Kind::Integer if asked => {
            for (start, end) in numbers(message) {
                if let Some(v) = check(p, &message[start..end]) {
                    seen.push(v);
                } else {
                    return Found::Nothing;
                }
            }
        }
        Kind::Integer => {}
        Kind::Choice => {
            let folded = fold(message);
            for v in &p.values {
                let fv = fold(v);
                let mut from = 0;
                while let Some(i) = folded.get(from..).and_then(|s| s.find(&fv)) {
                    let at = from + i;
                    if alone(&folded, at, at + fv.len()) {
                        seen.push(Value::String(v.clone()));
                        break;
                    }
                    from = at + fv.len().max(1);
                }
            }
            if seen.is_empty() && asked {
                let nums = numbers(message);
                if let [(s, e)] = nums[..] {
                    let n: usize = message[s..e].parse().unwrap_or(0);
                    if let Some(v) = n.checked_sub(1).and_then(|i| p.values.get(i)) {
                        seen.push(Value::String(v.clone()));
                    }
                }
            }
        }
    }
    seen.dedup();
    match seen.len() {
        0 => Found::Nothing,
        1 => Found::One(seen.remove(0)),
        _ => Found::Many,
    }
}

/// Every allowed value of `p` standing alone in `message`: a string's
/// pattern matches, an integer's whole numbers in range. `None` for a
/// choice, whose values are words rather than written values.
pub fn find_each(p: &Param, message: &str) -> Option<Vec<Value>> {
    match p.kind {
        Kind::String => {
            let pattern = Pattern::parse(p.pattern.as_deref()?).ok()?;
            Some(
                pattern
                    .find_all(message)
                    .into_iter()
                    .filter(|&(start, end)| alone(message, start, end))
                    .filter_map(|(start, end)| check(p, &message[start..end]))
                    .collect(),
            )
        }
        Kind::Integer => Some(
            numbers(message)
                .into_iter()
                .filter_map(|(start, end)| check(p, &message[start..end]))
                .collect(),
        ),
        Kind::Choice => None,
    }
}

/// Whether `text[start..end]` stands alone: no letter or digit touches it.
fn alone(text: &str, start: usize, end: usize) -> bool {
    if start >= end {
        return false;
    }
    let before = text.get(..start).and_then(|s| s.chars().next_back());
    let after = text.get(end..).and_then(|s| s.chars().next());
    !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
}

/// The byte ranges of whole numbers (`-` allowed in front) in `text`.
fn numbers(text: &str) -> Vec<(usize, usize)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() {
            let mut start = i;
            if start > 0 && b[start - 1] == b'-' {
                start -= 1;
            }
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if alone(text, start, i) || alone(text, start + usize::from(b[start] == b'-'), i) {
                out.push((start, i));
            }
        } else {
            i += 1;
        }
    }
    out
}

/// Lower case, whitespace collapsed: how choices compare.
fn fold(s: &str) -> String {
    s.split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

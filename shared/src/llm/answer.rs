//! The answer accumulator: what of a streamed answer is safe to show now
//! (the `NO_ANSWER` sentinel and unclosed citations held back), and at the
//! end whether the model answered and which sources it cited.

use super::MAX_ANSWER_CHARS;

/// The verdict on a finished answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnswerOutcome {
    /// A usable answer.
    Answer {
        /// Exactly what was streamed to the visitor: trimmed, citations of
        /// missing sources removed, several-number citations written
        /// `[1][2]`, cut at [`MAX_ANSWER_CHARS`].
        text: String,
        /// The sources it cites, as 0-based indices into the passages given
        /// to [`grounded_prompt`](super::grounded_prompt) (`[1]` is index
        /// 0), in order of first citation, without repeats.
        cited: Vec<usize>,
    },
    /// The model said [`NO_ANSWER`](super::NO_ANSWER): the sources do not
    /// answer the question.
    NoAnswer,
    /// Nothing usable (empty, or no words); the reason, for logs.
    Garbage(String),
}

/// The end of an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    /// The last text to forward: what was held back until the end. Empty
    /// unless the outcome is [`AnswerOutcome::Answer`].
    pub rest: String,
    /// The verdict on the whole answer.
    pub outcome: AnswerOutcome,
}

/// Collects an answer's deltas and decides what the visitor may see while
/// it streams.
///
/// Held back, and released once they are decided: text that could still turn
/// into the [`NO_ANSWER`](super::NO_ANSWER) sentinel (so no one sees
/// "NO_ANS"), a citation whose `]` has not arrived (it may cite a source that
/// does not exist), and trailing whitespace (the text may end there).
/// Everything forwarded is final: the concatenation of [`push`](Self::push)
/// results and [`Finished::rest`] is the answer's text.
///
/// The sentinel counts wherever it starts a word, in any case, with
/// markdown around it or escaped as `NO\_ANSWER`. Once seen, nothing more is
/// forwarded and the outcome is [`AnswerOutcome::NoAnswer`]; if the model
/// wrote something before it, that part was already shown and the worker
/// should replace it.
#[derive(Debug, Clone)]
pub struct AnswerAccumulator {
    sources: usize,
    raw: String,
    consumed: usize,
    shown: String,
    shown_chars: usize,
    state: State,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Streaming,
    Sentinel,
    /// [`MAX_ANSWER_CHARS`] reached; the rest is ignored.
    Full,
}

impl AnswerAccumulator {
    /// For an answer to a prompt with `sources` numbered sources
    /// ([`GroundedPrompt::sources`](super::GroundedPrompt::sources)).
    pub fn new(sources: usize) -> Self {
        AnswerAccumulator {
            sources,
            raw: String::new(),
            consumed: 0,
            shown: String::new(),
            shown_chars: 0,
            state: State::Streaming,
        }
    }

    /// Adds a delta; returns the text now safe to forward (often empty).
    pub fn push(&mut self, delta: &str) -> String {
        self.raw.push_str(delta);
        if self.state != State::Streaming {
            return String::new();
        }
        self.release(false)
    }

    /// Everything the model sent, unfiltered (for logs).
    pub fn text(&self) -> &str {
        &self.raw
    }

    /// Ends the answer: releases what was held back and judges the whole.
    pub fn finish(mut self) -> Finished {
        let rest = if self.state == State::Streaming {
            self.release(true)
        } else {
            String::new()
        };
        let outcome = if self.state == State::Sentinel {
            AnswerOutcome::NoAnswer
        } else if self.shown.is_empty() {
            AnswerOutcome::Garbage("empty answer".to_owned())
        } else if !has_words(&self.shown) {
            AnswerOutcome::Garbage("answer without words".to_owned())
        } else {
            AnswerOutcome::Answer {
                cited: cited_sources(&self.shown, self.sources),
                text: self.shown,
            }
        };
        let rest = match outcome {
            AnswerOutcome::Answer { .. } => rest,
            _ => String::new(),
        };
        Finished { rest, outcome }
    }

    /// Moves the decided part of the unconsumed text to `shown` and returns
    /// it. At the end (`last`) only the sentinel still matters.
    fn release(&mut self, last: bool) -> String {
        let pending = &self.raw[self.consumed..];
        let mut end = pending.len();

        // The sentinel, whole or begun, where a word starts.
        let mut in_word = self.raw[..self.consumed]
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric);
        for (i, c) in pending.char_indices() {
            if !in_word && (c == 'n' || c == 'N') {
                match match_sentinel(&pending[i..]) {
                    SentinelMatch::Whole => {
                        self.state = State::Sentinel;
                        return String::new();
                    }
                    // A stream cut inside the sentinel ("NO_ANS") still means it.
                    SentinelMatch::Begun { past_no: true } if last => {
                        self.state = State::Sentinel;
                        return String::new();
                    }
                    // Plain "No" at the end is an answer.
                    SentinelMatch::Begun { .. } if last => {}
                    SentinelMatch::Begun { .. } => {
                        end = i;
                        break;
                    }
                    SentinelMatch::No => {}
                }
            }
            in_word = c.is_alphanumeric();
        }

        // An unclosed citation: held while streaming, dropped at the end.
        if let Some(open) = pending[..end].rfind('[') {
            let inner = &pending[open + 1..end];
            if inner.len() <= MAX_CITATION_INNER
                && inner
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b == b',' || b == b' ')
            {
                end = open;
            }
        }
        end = pending[..end].trim_end().len();
        // Nothing until the first word: "**" may open "**NO_ANSWER**", and
        // a lone "[1]" is not an answer.
        if !last && self.shown.is_empty() && !has_words(&pending[..end]) {
            end = 0;
        }

        let mut piece = clean_citations(&pending[..end], self.sources);
        self.consumed = if last {
            self.raw.len()
        } else {
            self.consumed + end
        };
        if self.shown.is_empty() {
            piece = piece.trim_start().to_owned();
        }
        let chars = piece.chars().count();
        if self.shown_chars + chars > MAX_ANSWER_CHARS {
            let room = MAX_ANSWER_CHARS.saturating_sub(self.shown_chars + 1);
            piece = format!("{}…", cut_at_word(&piece, room));
            self.state = State::Full;
        }
        self.shown_chars += piece.chars().count();
        self.shown.push_str(&piece);
        piece
    }
}

/// Case-insensitive spellings of the sentinel: plain, and markdown-escaped.
const SENTINEL_FORMS: [&str; 2] = ["no_answer", "no\\_answer"];

enum SentinelMatch {
    No,
    /// `s` is a proper prefix of a form; `past_no` once it has more than "no".
    Begun {
        past_no: bool,
    },
    Whole,
}

/// Whether `s` starts with the sentinel, or could still.
fn match_sentinel(s: &str) -> SentinelMatch {
    let s = s.as_bytes();
    let mut result = SentinelMatch::No;
    for form in SENTINEL_FORMS.map(str::as_bytes) {
        if s.len() >= form.len() {
            if s[..form.len()].eq_ignore_ascii_case(form) {
                return SentinelMatch::Whole;
            }
        } else if form[..s.len()].eq_ignore_ascii_case(s) {
            result = SentinelMatch::Begun {
                past_no: s.len() > 2,
            };
        }
    }
    result
}

/// Longest text between `[` and `]` taken for a citation ("1, 2, 3").
const MAX_CITATION_INNER: usize = 16;

/// Rewrites citations: numbers outside `1..=sources` go (with the space
/// before them), several numbers in one bracket become `[1][2]`.
fn clean_citations(text: &str, sources: usize) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..open]);
        let from = &rest[open..];
        match parse_citation(from) {
            Some((numbers, len)) => {
                let mut kept: Vec<usize> = Vec::new();
                for n in numbers {
                    if (1..=sources).contains(&n) && !kept.contains(&n) {
                        kept.push(n);
                    }
                }
                if kept.is_empty() {
                    out.truncate(out.trim_end().len());
                }
                for n in kept {
                    out.push_str(&format!("[{n}]"));
                }
                rest = &from[len..];
            }
            None => {
                out.push('[');
                rest = &from[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// `[1]` or `[1, 3]` at the start of `s`: the numbers and the byte length.
fn parse_citation(s: &str) -> Option<(Vec<usize>, usize)> {
    let close = s.find(']')?;
    let inner = s.get(1..close)?;
    if inner.is_empty() || inner.len() > MAX_CITATION_INNER {
        return None;
    }
    let numbers = inner
        .split(',')
        .map(|part| {
            let part = part.trim_matches(' ');
            if part.is_empty() || part.len() > 3 || !part.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            part.parse().ok()
        })
        .collect::<Option<Vec<usize>>>()?;
    Some((numbers, close + 1))
}

/// Whether `text` has a letter or digit outside citations.
pub(crate) fn has_words(text: &str) -> bool {
    clean_citations(text, 0).chars().any(char::is_alphanumeric)
}

/// 0-based indices of the sources a cleaned answer cites, first-cited first.
fn cited_sources(text: &str, sources: usize) -> Vec<usize> {
    let mut cited = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        let from = &rest[open..];
        match parse_citation(from) {
            Some((numbers, len)) => {
                for n in numbers {
                    if (1..=sources).contains(&n) && !cited.contains(&(n - 1)) {
                        cited.push(n - 1);
                    }
                }
                rest = &from[len..];
            }
            None => rest = &from[1..],
        }
    }
    cited
}

/// The first `max` characters of `s`, cut back to a word boundary when there
/// is one, without a dangling `[1` at the end.
fn cut_at_word(s: &str, max: usize) -> &str {
    let cut = s.char_indices().nth(max).map_or(s.len(), |(i, _)| i);
    let mut head = &s[..cut];
    if cut < s.len() {
        if let Some(space) = head.rfind(char::is_whitespace).filter(|&w| w > 0) {
            head = &head[..space];
        }
    }
    if let Some(open) = head.rfind('[') {
        if !head[open..].contains(']') {
            head = &head[..open];
        }
    }
    head.trim_end()
}

#[cfg(test)]
mod tests;

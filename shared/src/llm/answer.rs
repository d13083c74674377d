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
        /// to [`grounded_prompt`] (`[1]` is index 0), in order of first
        /// citation, without repeats.
        cited: Vec<usize>,
    },
    /// The model said [`NO_ANSWER`]: the sources do not answer the question.
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
    pub outcome: AnswerOutcome,
}

/// Collects an answer's deltas and decides what the visitor may see while
/// it streams.
///
/// Held back, and released once they are decided: text that could still turn
/// into the [`NO_ANSWER`] sentinel (so no one sees "NO_ANS"), a citation
/// whose `]` has not arrived (it may cite a source that does not exist), and
/// trailing whitespace (the text may end there). Everything forwarded is
/// final: the concatenation of [`push`](Self::push) results and
/// [`Finished::rest`] is the answer's text.
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
    /// ([`GroundedPrompt::sources`]).
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
mod tests {
    use super::*;
    use crate::llm::*;

    // ----- answer accumulator ---------------------------------------------------

    /// Feeds `deltas`; returns what the visitor saw and the verdict.
    fn run(sources: usize, deltas: &[&str]) -> (Vec<String>, Finished) {
        let mut acc = AnswerAccumulator::new(sources);
        let shown = deltas.iter().map(|d| acc.push(d)).collect();
        (shown, acc.finish())
    }

    fn seen(shown: &[String], end: &Finished) -> String {
        shown.concat() + &end.rest
    }

    fn answer(text: &str, cited: &[usize]) -> AnswerOutcome {
        AnswerOutcome::Answer {
            text: text.into(),
            cited: cited.to_vec(),
        }
    }

    #[test]
    fn sentinel_split_across_deltas_is_never_shown() {
        let (shown, end) = run(2, &["NO_", "ANSWER"]);
        assert_eq!(shown, ["", ""]);
        assert_eq!(end.outcome, AnswerOutcome::NoAnswer);
        assert_eq!(end.rest, "");

        let (shown, end) = run(2, &["N", "O", "_", "A", "NS", "WER"]);
        assert!(shown.iter().all(String::is_empty));
        assert_eq!(end.outcome, AnswerOutcome::NoAnswer);
    }

    #[test]
    fn sentinel_with_decoration_is_recognised() {
        for deltas in [
            &[" NO_ANSWER."][..],
            &["\n\n", "NO_ANSWER", "\n"],
            &["  NO", "_ANSWER ."],
            &["**", "NO_ANSWER", "**"],
            &["`NO_", "ANSWER`"],
            &["\"NO_ANSWER\""],
            &["no_answer"],
            &["No_Answer!"],
            &["NO\\_", "ANSWER"],
            &["NO_ANSWER", "\n\nThe sources do not say."],
        ] {
            let (shown, end) = run(2, deltas);
            assert_eq!(seen(&shown, &end), "", "{deltas:?}");
            assert_eq!(end.outcome, AnswerOutcome::NoAnswer, "{deltas:?}");
        }
    }

    #[test]
    fn a_stream_cut_inside_the_sentinel_is_still_no_answer() {
        let (shown, end) = run(2, &["NO_ANS"]);
        assert_eq!(seen(&shown, &end), "");
        assert_eq!(end.outcome, AnswerOutcome::NoAnswer);
    }

    #[test]
    fn sentinel_after_some_text_is_no_answer() {
        let (shown, end) = run(2, &["I could not find that. ", "NO_", "ANSWER"]);
        assert_eq!(shown.concat(), "I could not find that.");
        assert_eq!(end.outcome, AnswerOutcome::NoAnswer);
        assert_eq!(end.rest, "");
    }

    #[test]
    fn answers_starting_with_no_stream_once_decided() {
        let (shown, end) = run(1, &["No", ", you", " can't change it [1]."]);
        assert_eq!(shown, ["", "No, you", " can't change it [1]."]);
        assert_eq!(end.outcome, answer("No, you can't change it [1].", &[0]));

        let (shown, end) = run(1, &["N", "on", ", vous", " ne pouvez pas [1]."]);
        assert_eq!(shown, ["", "Non", ", vous", " ne pouvez pas [1]."]);
        assert_eq!(end.outcome, answer("Non, vous ne pouvez pas [1].", &[0]));

        let (shown, end) = run(1, &["NO", " ", "refunds after 30 days [1]"]);
        assert_eq!(shown, ["", "NO", " refunds after 30 days [1]"]);
        assert_eq!(end.outcome, answer("NO refunds after 30 days [1]", &[0]));

        let (shown, end) = run(1, &["Nothing to do."]);
        assert_eq!(shown, ["Nothing to do."]);
        assert_eq!(end.outcome, answer("Nothing to do.", &[]));
    }

    #[test]
    fn a_bare_no_is_an_answer() {
        let (shown, end) = run(1, &["No"]);
        assert_eq!(shown, [""]);
        assert_eq!(end.rest, "No");
        assert_eq!(end.outcome, answer("No", &[]));
    }

    #[test]
    fn no_inside_a_word_is_not_held() {
        let (shown, _) = run(1, &["Use the pia", "no"]);
        assert_eq!(shown, ["Use the pia", "no"]);
        let (shown, _) = run(1, &["It is the ", "no"]);
        assert_eq!(shown, ["It is the", ""]);
    }

    #[test]
    fn citations_of_missing_sources_are_stripped() {
        let (shown, end) = run(2, &["Reset it in Settings [1][3]. Then log in [3]."]);
        assert_eq!(seen(&shown, &end), "Reset it in Settings [1]. Then log in.");
        assert_eq!(
            end.outcome,
            answer("Reset it in Settings [1]. Then log in.", &[0])
        );

        let (_, end) = run(2, &["A [2] b [1, 3] c [0] d [2]."]);
        assert_eq!(end.outcome, answer("A [2] b [1] c d [2].", &[1, 0]));

        let (_, end) = run(3, &["A [3, 1, 3]."]);
        assert_eq!(end.outcome, answer("A [3][1].", &[2, 0]));

        // Not citations: left alone.
        let (_, end) = run(1, &["Press [Save] or [ ] or [1a] or [1234]."]);
        assert_eq!(
            end.outcome,
            answer("Press [Save] or [ ] or [1a] or [1234].", &[])
        );
    }

    #[test]
    fn a_citation_is_held_until_it_closes() {
        let (shown, end) = run(2, &["Done", " [", "3", "]", ". More [", "1", "]."]);
        assert_eq!(shown, ["Done", "", "", "", ". More", "", " [1]."]);
        assert_eq!(end.outcome, answer("Done. More [1].", &[0]));

        // Unclosed at the end: dropped.
        let (shown, end) = run(2, &["Done [1"]);
        assert_eq!(seen(&shown, &end), "Done");
        assert_eq!(end.outcome, answer("Done", &[]));
    }

    #[test]
    fn empty_or_wordless_answers_are_garbage() {
        for deltas in [
            &[][..],
            &[""],
            &["   ", "\n\t"],
            &["..."],
            &["[1]"],
            &["[1] [2]."],
            &["[1]", " [2]", "."],
            &["**"],
        ] {
            let (shown, end) = run(2, deltas);
            assert!(
                matches!(end.outcome, AnswerOutcome::Garbage(_)),
                "{deltas:?}"
            );
            assert_eq!(seen(&shown, &end), "", "{deltas:?}");
        }
    }

    #[test]
    fn leading_and_trailing_whitespace_is_trimmed() {
        let (shown, end) = run(1, &["\n  ", " Hello", " world ", "\n"]);
        assert_eq!(shown, ["", "Hello", " world", ""]);
        assert_eq!(end.outcome, answer("Hello world", &[]));
    }

    #[test]
    fn long_answers_are_cut_at_a_word() {
        let word = "Wort ";
        let deltas: Vec<&str> = std::iter::repeat_n(word, 1000).collect();
        let mut acc = AnswerAccumulator::new(1);
        let mut shown = String::new();
        for d in &deltas {
            shown.push_str(&acc.push(d));
        }
        let end = acc.finish();
        shown.push_str(&end.rest);
        let AnswerOutcome::Answer { text, .. } = end.outcome else {
            panic!("{:?}", end.outcome)
        };
        assert_eq!(text, shown);
        assert!(text.chars().count() <= MAX_ANSWER_CHARS);
        assert!(text.chars().count() > MAX_ANSWER_CHARS - 10);
        assert!(text.ends_with("Wort…"), "{}", &text[text.len() - 20..]);
    }

    #[test]
    fn long_answers_in_one_delta_are_cut_too() {
        let long = "中".repeat(MAX_ANSWER_CHARS * 2);
        let (shown, end) = run(1, &[&long, "more"]);
        assert_eq!(shown[1], "");
        let AnswerOutcome::Answer { text, .. } = end.outcome else {
            panic!("{:?}", end.outcome)
        };
        assert_eq!(text.chars().count(), MAX_ANSWER_CHARS);
        assert!(text.ends_with("中…"));
        // A citation is never cut in half.
        assert_eq!(cut_at_word("abc [12]", 6), "abc");
        assert_eq!(cut_at_word("abcdef[1", 100), "abcdef");
    }

    /// Wherever the deltas split, the verdict is the same and what the
    /// visitor saw is the answer (or, before a late sentinel, part of the
    /// text before it), never a piece of the sentinel.
    #[test]
    fn streamed_text_equals_the_final_text_at_every_split() {
        let samples = [
            "  Reset your password under Settings → Security [1][3]. Das geht schnell [2, 5].  ",
            "No, vous ne pouvez pas [1]. 中文回答 [2]",
            "**Note:** no refunds [1]. See [Terms] too [4].",
            "NO_ANSWER",
            "Sorry. NO_ANSWER",
            "no_answers are rare [1]",
            "",
        ];
        for sample in samples {
            let (whole, whole_end) = run(2, &[sample]);
            let cuts: Vec<usize> = (0..=sample.len())
                .filter(|&i| sample.is_char_boundary(i))
                .collect();
            for &i in &cuts {
                for &j in cuts.iter().filter(|&&j| j >= i) {
                    let parts = [&sample[..i], &sample[i..j], &sample[j..]];
                    let (shown, end) = run(2, &parts);
                    assert_eq!(end.outcome, whole_end.outcome, "{parts:?}");
                    let visible = seen(&shown, &end);
                    match &end.outcome {
                        AnswerOutcome::Answer { text, .. } => {
                            assert_eq!(&visible, text, "{parts:?}");
                            assert_eq!(visible, seen(&whole, &whole_end), "{parts:?}");
                        }
                        _ => assert!(
                            sample.trim_start().starts_with(visible.as_str()),
                            "{parts:?} showed {visible:?}"
                        ),
                    }
                    for s in &shown {
                        assert!(
                            !s.to_ascii_uppercase().contains("NO_"),
                            "{parts:?} showed {s:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn pushes_after_the_sentinel_show_nothing() {
        let mut acc = AnswerAccumulator::new(1);
        assert_eq!(acc.push("NO_ANSWER"), "");
        assert_eq!(acc.push(" but actually, here is an answer [1]."), "");
        assert_eq!(acc.text(), "NO_ANSWER but actually, here is an answer [1].");
        assert_eq!(acc.finish().outcome, AnswerOutcome::NoAnswer);
    }

    #[test]
    fn sentinel_constant_matches_its_forms() {
        assert!(SENTINEL_FORMS[0].eq_ignore_ascii_case(NO_ANSWER));
        assert!(matches!(match_sentinel(NO_ANSWER), SentinelMatch::Whole));
        assert!(matches!(
            match_sentinel("NO"),
            SentinelMatch::Begun { past_no: false }
        ));
        assert!(matches!(
            match_sentinel("NO\\"),
            SentinelMatch::Begun { past_no: true }
        ));
        assert!(matches!(match_sentinel("Non"), SentinelMatch::No));
    }
}

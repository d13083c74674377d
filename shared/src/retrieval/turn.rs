//! The entry point for a visitor turn, [`Index::turn`]: the message is
//! analysed once ([`Message`]) and the turn decided on it
//! ([`Index::decide`]), then put into words ([`Index::word`]). The two
//! halves are public for a caller that must do something between them (the
//! worker reads the texts of the decided articles, stored apart; the
//! evaluation scores the decision itself).

use std::borrow::Cow;
use std::cell::OnceCell;

use super::{Context, Index, Texts, Thresholds, Turn, Verdict};
use crate::text::Message;

impl Index {
    /// A visitor turn: what to say to `message` in its conversation
    /// (`ctx`), decided with `th` and worded in the visitor's language,
    /// with what a text generator needs to write a better answer (the
    /// question as decided, follow-ups joined, and the best passage of each
    /// article the reply rests on). `topics` names the always-human topics
    /// that apply on this site (case-insensitive; `None`: every topic).
    ///
    /// The engine's one entry point: [`Index::decide`] then
    /// [`Index::word`], every article's text at hand.
    pub fn turn(
        &self,
        message: &str,
        ctx: &Context,
        th: &Thresholds,
        topics: Option<&[String]>,
    ) -> Turn {
        let decided = self.decide(message, ctx, th, topics);
        self.word(decided, ctx, &Texts::new())
    }
}

/// A decided visitor turn, not yet put into words: [`Index::decide`].
#[derive(Debug, Clone)]
pub struct Decided<'a> {
    /// What was decided, on which articles.
    pub verdict: Verdict,
    /// The question it was decided on, analysed: the message, or it joined
    /// to the visitor's earlier messages (a follow-up).
    pub(super) question: Message<'a>,
}

impl Decided<'_> {
    /// The question the turn was decided on (a follow-up joined to the
    /// messages before it).
    pub fn question(&self) -> &str {
        self.question.text()
    }
}

/// A text a turn is searched with (the message, or it joined to earlier
/// ones), analysed once, with its character n-gram scores against the
/// index kept: a turn that falls back to the help centre's main language
/// searches the same text again.
pub(super) struct Query<'a> {
    pub(super) message: Message<'a>,
    chars: OnceCell<Vec<f32>>,
}

impl<'a> Query<'a> {
    pub(super) fn new(message: Message<'a>) -> Query<'a> {
        Query {
            message,
            chars: OnceCell::new(),
        }
    }

    /// Per article of `index`, the character n-gram similarity of the text
    /// ([`Index::char_scores`]); `index` is the one every call passes.
    pub(super) fn chars(&self, index: &Index) -> Cow<'_, [f32]> {
        Cow::Borrowed(
            self.chars
                .get_or_init(|| index.char_scores(self.message.words())),
        )
    }
}

#[cfg(test)]
mod tests;

//! A visitor's message analysed once: its words (lowercased, and folded),
//! its lowercase text, its language and its terms in any language, derived
//! from one tokenization and kept, so that every step of a turn (language
//! detection, the [`intent`](super::intent) checks, always-human topics,
//! retrieval, the passage a reply quotes) reads them instead of deriving
//! them again. A text made of several messages (a follow-up joined to the
//! earlier ones) is a message of its own.

use std::borrow::Cow;
use std::cell::OnceCell;

use super::analysis::{fold_word, lower_words, Analyzer, Lang};
use super::detect::detect_words;

/// A text analysed once; see the module's documentation. What is not
/// always needed (its language, its lowercase text, its terms in each
/// language) is derived on first use and kept.
#[derive(Debug, Clone)]
pub struct Message<'a> {
    text: Cow<'a, str>,
    /// Its words, lowercased, accents kept (what the stemmers read).
    lower_words: Vec<String>,
    /// The same words, diacritics folded ([`super::words`]).
    words: Vec<String>,
    lower: OnceCell<String>,
    lang: OnceCell<Option<Lang>>,
    /// Per language ([`Lang::ALL`] order): its distinct terms, sorted.
    terms: [OnceCell<Vec<String>>; Lang::ALL.len()],
}

impl<'a> Message<'a> {
    /// Analyses `text` (borrowed, or owned: a joined text).
    pub fn new(text: impl Into<Cow<'a, str>>) -> Message<'a> {
        let text = text.into();
        let lower_words: Vec<String> = lower_words(&text).collect();
        let words = lower_words.iter().map(|w| fold_word(w)).collect();
        Message {
            text,
            lower_words,
            words,
            lower: OnceCell::new(),
            lang: OnceCell::new(),
            terms: Default::default(),
        }
    }

    /// The text as written.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The text as written, owned.
    pub fn into_text(self) -> String {
        self.text.into_owned()
    }

    /// The whole text lowercased (for phrases that span words).
    pub fn lower(&self) -> &str {
        self.lower.get_or_init(|| self.text.to_lowercase())
    }

    /// Its words, lowercased and diacritic-folded: [`super::words`].
    pub fn words(&self) -> &[String] {
        &self.words
    }

    /// The language it shows, if any: [`detect`](super::detect()).
    pub fn lang(&self) -> Option<Lang> {
        *self
            .lang
            .get_or_init(|| detect_words(&self.text, &self.lower_words, &self.words))
    }

    /// Its distinct terms analysed as `lang` ([`Analyzer::terms`]),
    /// sorted.
    pub fn terms(&self, lang: Lang) -> &[String] {
        self.terms[lang as usize].get_or_init(|| {
            let mut terms = Analyzer::new(lang).terms_of_words(&self.lower_words);
            terms.sort();
            terms.dedup();
            terms
        })
    }
}

#[cfg(test)]
mod tests;

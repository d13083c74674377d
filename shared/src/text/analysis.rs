//! Text analysis: the same pipeline for help content and for questions, so
//! their terms meet. Words are runs of alphanumerics, lowercased; stop words of
//! the text's language are dropped and the rest stemmed with that language's
//! Snowball stemmer (en, de, fr, es, it, pt, ru), then folded to plain Latin
//! letters (é → e) so a missing accent still matches. Chinese and Japanese have
//! no spaces: their runs become overlapping character bigrams, which need no
//! dictionary. [`detect`](fn@super::detect) guesses a message's language from
//! its script, its function words and its letters.

use std::collections::HashMap;

use rust_stemmers::{Algorithm, Stemmer};
use serde::{Deserialize, Serialize};

use super::stop_words::{STOP_DE, STOP_EN, STOP_ES, STOP_FR, STOP_IT, STOP_PL, STOP_PT, STOP_RU};

/// The languages the analyzer knows. Anything else is analysed without
/// stemming or stop words ([`Lang::Other`]), which still matches exact words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Lang {
    /// English (`en`): stop words and stemmer.
    En,
    /// German (`de`): stop words and stemmer.
    De,
    /// French (`fr`): stop words and stemmer.
    Fr,
    /// Spanish (`es`): stop words and stemmer.
    Es,
    /// Italian (`it`): stop words and stemmer.
    It,
    /// Portuguese (`pt`): stop words and stemmer.
    Pt,
    /// Polish (`pl`): stop words, no stemmer.
    Pl,
    /// Russian (`ru`): stop words and stemmer; detected by its Cyrillic
    /// letters.
    Ru,
    /// Chinese (`zh`): character bigrams; detected by its Han characters.
    Zh,
    /// Japanese (`ja`): character bigrams; detected by its kana. The bot's
    /// own phrases are English ([`say`](super::phrases::say)).
    Ja,
    /// Any other language (`und`): words as they are, no stop words or
    /// stemmer; the bot's own phrases are English.
    Other,
}

impl Lang {
    /// Every language, [`Lang::Other`] last.
    pub const ALL: [Lang; 11] = [
        Lang::En,
        Lang::De,
        Lang::Fr,
        Lang::Es,
        Lang::It,
        Lang::Pt,
        Lang::Pl,
        Lang::Ru,
        Lang::Zh,
        Lang::Ja,
        Lang::Other,
    ];

    /// Reads a language tag ("de", "de-AT", "pt_BR", "zh-Hans"); unknown
    /// languages are [`Lang::Other`].
    pub fn from_tag(tag: &str) -> Lang {
        let primary = tag
            .split(['-', '_'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        Lang::ALL
            .into_iter()
            .find(|l| *l != Lang::Other && l.code() == primary)
            .unwrap_or(Lang::Other)
    }

    /// The ISO 639-1 code ("und" for [`Lang::Other`]).
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::De => "de",
            Lang::Fr => "fr",
            Lang::Es => "es",
            Lang::It => "it",
            Lang::Pt => "pt",
            Lang::Pl => "pl",
            Lang::Ru => "ru",
            Lang::Zh => "zh",
            Lang::Ja => "ja",
            Lang::Other => "und",
        }
    }

    /// The language's name in English ("German"), for prompts; empty for
    /// [`Lang::Other`].
    pub fn english_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::De => "German",
            Lang::Fr => "French",
            Lang::Es => "Spanish",
            Lang::It => "Italian",
            Lang::Pt => "Portuguese",
            Lang::Pl => "Polish",
            Lang::Ru => "Russian",
            Lang::Zh => "Chinese",
            Lang::Ja => "Japanese",
            Lang::Other => "",
        }
    }

    fn stemmer(self) -> Option<Algorithm> {
        Some(match self {
            Lang::En => Algorithm::English,
            Lang::De => Algorithm::German,
            Lang::Fr => Algorithm::French,
            Lang::Es => Algorithm::Spanish,
            Lang::It => Algorithm::Italian,
            Lang::Pt => Algorithm::Portuguese,
            Lang::Ru => Algorithm::Russian,
            Lang::Pl | Lang::Zh | Lang::Ja | Lang::Other => return None,
        })
    }

    /// Function words, folded and sorted (binary search).
    pub(super) fn stop_words(self) -> &'static [&'static str] {
        match self {
            Lang::En => STOP_EN,
            Lang::De => STOP_DE,
            Lang::Fr => STOP_FR,
            Lang::Es => STOP_ES,
            Lang::It => STOP_IT,
            Lang::Pt => STOP_PT,
            Lang::Pl => STOP_PL,
            Lang::Ru => STOP_RU,
            Lang::Zh | Lang::Ja | Lang::Other => &[],
        }
    }
}

/// Analyses text of one language into index terms.
pub struct Analyzer {
    lang: Lang,
    stemmer: Option<Stemmer>,
}

impl Default for Analyzer {
    fn default() -> Self {
        Analyzer::new(Lang::En)
    }
}

impl Analyzer {
    /// An analyzer for `lang`: its stop words and its Snowball stemmer,
    /// where it has them (see [`Lang`]).
    pub fn new(lang: Lang) -> Analyzer {
        Analyzer {
            lang,
            stemmer: lang.stemmer().map(Stemmer::create),
        }
    }

    /// Stemmed content terms, in order, duplicates kept.
    pub fn terms(&self, text: &str) -> Vec<String> {
        self.terms_by(text, |w| self.term(w))
    }

    /// [`Analyzer::terms`] of a text already split into lowercased words
    /// (accents kept: `lower_words`).
    pub(super) fn terms_of_words(&self, lower_words: &[String]) -> Vec<String> {
        let mut out = Vec::new();
        for raw in lower_words {
            word_terms(raw, &mut |w| self.term(w), &mut out);
        }
        out
    }

    /// A word's term: folded and stemmed; `None` for a function word.
    fn term(&self, w: &str) -> Option<String> {
        let folded = fold_word(w);
        if self
            .lang
            .stop_words()
            .binary_search(&folded.as_str())
            .is_ok()
        {
            return None;
        }
        Some(match &self.stemmer {
            // Stem before folding: the stemmers know their language's
            // accented suffixes (French "-ées").
            Some(s) => fold_word(&s.stem(w)),
            None => folded,
        })
    }

    /// [`Analyzer::terms`], each word's term given by `term`.
    fn terms_by(&self, text: &str, mut term: impl FnMut(&str) -> Option<String>) -> Vec<String> {
        let mut out = Vec::new();
        for raw in lower_words(text) {
            word_terms(&raw, &mut term, &mut out);
        }
        out
    }
}

/// The terms of one lowercased word (`raw`), each piece's given by `term`,
/// added to `out`: a CJK run becomes its bigrams.
fn word_terms(raw: &str, term: &mut impl FnMut(&str) -> Option<String>, out: &mut Vec<String>) {
    for piece in split_scripts(raw) {
        match piece {
            Piece::Cjk(chars) => cjk_bigrams(&chars, out),
            Piece::Word(w) => out.extend(term(w)),
        }
    }
}

/// An [`Analyzer`] that remembers each word's term: building an index
/// analyses the same few thousand words over and over (stemming was half
/// of a build's time). Its terms are the analyzer's, to the byte.
pub struct MemoAnalyzer {
    analyzer: Analyzer,
    known: HashMap<String, Option<String>>,
}

impl MemoAnalyzer {
    /// An [`Analyzer::new`] for `lang` that remembers nothing yet; it keeps
    /// every distinct word it sees, so one lives for one index build.
    pub fn new(lang: Lang) -> MemoAnalyzer {
        MemoAnalyzer {
            analyzer: Analyzer::new(lang),
            known: HashMap::new(),
        }
    }

    /// [`Analyzer::terms`].
    pub fn terms(&mut self, text: &str) -> Vec<String> {
        let MemoAnalyzer { analyzer, known } = self;
        analyzer.terms_by(text, |w| {
            if let Some(t) = known.get(w) {
                return t.clone();
            }
            let t = analyzer.term(w);
            known.insert(w.to_owned(), t.clone());
            t
        })
    }
}

/// Cuts `text` at a word boundary to at most `max` characters, marking the
/// cut with "…" (answers quoted from articles, ticket summaries).
pub fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max).collect();
    let end = cut.rfind(char::is_whitespace).unwrap_or(cut.len());
    format!("{}…", cut[..end].trim_end())
}

/// Lowercased, diacritic-folded words of `text`.
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    lower_words(text).map(|w| fold_word(&w))
}

/// How many words `text` has: the count of [`words`], without making them.
pub fn word_count(text: &str) -> usize {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .count()
}

/// Lowercased words of `text`, accents kept.
pub(super) fn lower_words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.chars().flat_map(char::to_lowercase).collect())
}

pub(super) fn fold_word(w: &str) -> String {
    w.chars().map(fold).collect()
}

/// Folds common Latin diacritics (é → e, ł → l; ß stays) and ё → е, so
/// "resume" finds "résumé".
fn fold(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ą' => 'a',
        'ç' | 'ć' => 'c',
        'è' | 'é' | 'ê' | 'ë' | 'ę' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ł' => 'l',
        'ñ' | 'ń' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' => 'o',
        'ś' => 's',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'ý' | 'ÿ' => 'y',
        'ź' | 'ż' => 'z',
        'ё' => 'е',
        other => other,
    }
}

/// Han ideographs, kana and Hangul: scripts written without spaces between words.
pub(super) fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{3040}'..='\u{30ff}' // hiragana, katakana
        | '\u{3400}'..='\u{4dbf}' // CJK extension A
        | '\u{4e00}'..='\u{9fff}' // CJK unified ideographs
        | '\u{ac00}'..='\u{d7af}' // Hangul syllables
        | '\u{f900}'..='\u{faff}') // compatibility ideographs
}

pub(super) fn is_kana(c: char) -> bool {
    matches!(c, '\u{3040}'..='\u{30ff}')
}

enum Piece<'a> {
    Word(&'a str),
    Cjk(Vec<char>),
}

/// Splits a word at changes between CJK and other scripts ("pdf导出").
fn split_scripts(w: &str) -> Vec<Piece<'_>> {
    if !w.chars().any(is_cjk) {
        return vec![Piece::Word(w)];
    }
    let mut pieces = Vec::new();
    let mut start = 0;
    let mut cjk = None;
    for (i, c) in w.char_indices() {
        let now = is_cjk(c);
        if cjk.is_some_and(|was| was != now) {
            pieces.push(piece(&w[start..i]));
            start = i;
        }
        cjk = Some(now);
    }
    pieces.push(piece(&w[start..]));
    pieces
}

fn piece(s: &str) -> Piece<'_> {
    if s.chars().next().is_some_and(is_cjk) {
        Piece::Cjk(s.chars().collect())
    } else {
        Piece::Word(s)
    }
}

/// Overlapping character bigrams of a CJK run (a lone character stands for
/// itself), skipping bigrams made only of grammatical particles.
fn cjk_bigrams(chars: &[char], out: &mut Vec<String>) {
    if let [c] = chars {
        if !CJK_STOP.contains(c) {
            out.push(c.to_string());
        }
        return;
    }
    for pair in chars.windows(2) {
        if !(CJK_STOP.contains(&pair[0]) && CJK_STOP.contains(&pair[1])) {
            out.push(pair.iter().collect());
        }
    }
}

/// Chinese and Japanese particles and pronouns that carry no topic.
const CJK_STOP: &[char] = &[
    '的', '了', '吗', '呢', '吧', '啊', '是', '我', '你', '您', '在', '和', '这', '那', '么', '怎',
    '什', '个', '就', '都', '也', '要', '请', '有', '可', '以', '能', 'の', 'は', 'を', 'に', 'が',
    'で', 'す', 'か', 'ま', 'た', 'て',
];

#[cfg(test)]
mod tests;

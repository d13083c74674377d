//! Text analysis: the same pipeline for help content and for questions, so
//! their terms meet. Words are runs of alphanumerics, lowercased, folded to
//! plain Latin letters where that is lossless enough, stop words dropped and
//! the rest stemmed (English Snowball for now).

use rust_stemmers::{Algorithm, Stemmer};

/// Analyses text into index terms.
pub struct Analyzer {
    stemmer: Stemmer,
}

impl Default for Analyzer {
    fn default() -> Self {
        Analyzer {
            stemmer: Stemmer::create(Algorithm::English),
        }
    }
}

impl Analyzer {
    /// Stemmed content terms, in order, duplicates kept.
    pub fn terms(&self, text: &str) -> Vec<String> {
        words(text)
            .filter(|w| !is_stop_word(w))
            .map(|w| self.stemmer.stem(&w).into_owned())
            .collect()
    }
}

/// Lowercased, diacritic-folded words of `text`.
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.chars().flat_map(char::to_lowercase).map(fold).collect())
}

/// Folds common Latin diacritics (é → e, ß stays) so "resume" finds "résumé".
fn fold(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
        'ç' => 'c',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'ý' | 'ÿ' => 'y',
        other => other,
    }
}

/// English function words that carry no topic. Negations stay out of this
/// list on purpose ("can't log in" must keep its meaning for later stages).
/// Sorted (binary search).
const STOP_WORDS: &[&str] = &[
    "a", "about", "above", "after", "again", "all", "also", "am", "an", "and", "any", "are", "as",
    "at", "be", "been", "being", "both", "but", "by", "can", "could", "d", "did", "do", "does",
    "doing", "each", "for", "from", "further", "get", "got", "had", "has", "have", "having", "he",
    "hello", "her", "here", "hers", "hey", "hi", "him", "his", "how", "i", "if", "in", "into",
    "is", "it", "its", "itself", "just", "let", "ll", "m", "me", "might", "more", "most", "must",
    "my", "myself", "of", "on", "once", "only", "or", "other", "our", "ours", "out", "over", "own",
    "please", "re", "s", "same", "she", "should", "so", "some", "such", "t", "than", "thank",
    "thanks", "that", "the", "their", "them", "then", "there", "these", "they", "this", "those",
    "through", "to", "too", "under", "until", "up", "us", "ve", "very", "want", "was", "we",
    "were", "what", "when", "where", "which", "while", "who", "whom", "why", "will", "with",
    "would", "you", "your", "yours", "yourself",
];

fn is_stop_word(w: &str) -> bool {
    STOP_WORDS.binary_search(&w).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_words_are_sorted_for_binary_search() {
        assert!(STOP_WORDS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn words_fold_and_split() {
        let w: Vec<String> = words("Résumé: Sync-ing 2FA!").collect();
        assert_eq!(w, ["resume", "sync", "ing", "2fa"]);
    }

    #[test]
    fn terms_stem_and_drop_stop_words() {
        let a = Analyzer::default();
        assert_eq!(a.terms("How do I export my notes?"), ["export", "note"]);
        assert_eq!(a.terms("Exporting notes"), a.terms("exported note"));
        assert_eq!(a.terms("the a of"), Vec::<String>::new());
    }
}

//! Which language a visitor's message is in: script first (Han, kana,
//! Cyrillic), then for Latin text the language whose function words and
//! letters it uses most.

use super::analysis::{is_cjk, is_kana};
use super::{Lang, Message};

/// Negations: kept as terms (they matter to meaning) but as telling of a
/// language as its function words.
fn negations(lang: Lang) -> &'static [&'static str] {
    match lang {
        Lang::En => &["not", "dont", "doesnt", "cant", "cannot", "isnt"],
        Lang::De => &["nicht", "kein", "keine", "keinen"],
        Lang::Fr => &["ne", "pas", "n"],
        Lang::Es => &["no"],
        Lang::It => &["non"],
        Lang::Pt => &["nao"],
        Lang::Pl => &["nie"],
        _ => &[],
    }
}

/// Guesses the language of a visitor's message, or `None` when it has too
/// little to go on (a keyword, a product name). Script first (Han, kana,
/// Cyrillic), then for Latin text the language whose function words and
/// letters it uses most; a tie is no guess.
pub fn detect(text: &str) -> Option<Lang> {
    Message::new(text).lang()
}

/// [`detect`] of `text` split into its words: `lower` (lowercased, accents
/// kept) and `folded` (the same words folded), as [`Message`] has them.
pub(super) fn detect_words(text: &str, lower: &[String], folded: &[String]) -> Option<Lang> {
    let (mut letters, mut han, mut kana, mut cyrillic) = (0usize, 0usize, 0usize, 0usize);
    for c in text.chars().filter(|c| c.is_alphabetic()) {
        letters += 1;
        if is_kana(c) {
            kana += 1;
        } else if is_cjk(c) {
            han += 1;
        } else if ('\u{0400}'..='\u{04ff}').contains(&c) {
            cyrillic += 1;
        }
    }
    if letters == 0 {
        return None;
    }
    if kana > 0 && (kana + han) * 3 >= letters {
        return Some(Lang::Ja);
    }
    if han * 3 >= letters {
        return Some(Lang::Zh);
    }
    if cyrillic * 2 >= letters {
        return Some(Lang::Ru);
    }
    const LATIN: [Lang; 7] = [
        Lang::En,
        Lang::De,
        Lang::Fr,
        Lang::Es,
        Lang::It,
        Lang::Pt,
        Lang::Pl,
    ];
    // A function word counts for every language that has it, split between
    // them ("la" is French, Spanish, Italian and Portuguese; "ho" only
    // Italian); a letter only some languages use counts a little more.
    const WORD: u32 = 420; // divisible by 1..=7
    const LETTER: u32 = 630;
    let mut score = [0u32; LATIN.len()];
    for (raw, folded) in lower.iter().zip(folded) {
        let has: [bool; LATIN.len()] = LATIN.map(|l| {
            l.stop_words().binary_search(&folded.as_str()).is_ok()
                || negations(l).contains(&folded.as_str())
        });
        let n = has.iter().filter(|&&h| h).count() as u32;
        for (i, &h) in has.iter().enumerate() {
            if h {
                score[i] += WORD / n;
            }
        }
        for c in raw.chars() {
            // Letters that only some of these languages use.
            let only: &[Lang] = match c {
                'ß' | 'ä' => &[Lang::De],
                'ö' | 'ü' => &[Lang::De],
                'ñ' | '¿' | '¡' => &[Lang::Es],
                'ç' => &[Lang::Fr, Lang::Pt],
                'è' | 'ê' | 'â' | 'î' | 'û' | 'œ' => &[Lang::Fr],
                'ã' | 'õ' => &[Lang::Pt],
                'ì' | 'ò' => &[Lang::It],
                'ą' | 'ć' | 'ę' | 'ł' | 'ń' | 'ś' | 'ź' | 'ż' => &[Lang::Pl],
                _ => &[],
            };
            for (i, lang) in LATIN.iter().enumerate() {
                if only.contains(lang) {
                    score[i] += LETTER;
                }
            }
        }
    }
    let best = (0..LATIN.len()).max_by_key(|&i| score[i])?;
    let tied = score.iter().filter(|&&s| s == score[best]).count() > 1;
    (score[best] > 0 && !tied).then_some(LATIN[best])
}

//! Text analysis: the same pipeline for help content and for questions, so
//! their terms meet. Words are runs of alphanumerics, lowercased; stop words of
//! the text's language are dropped and the rest stemmed with that language's
//! Snowball stemmer (en, de, fr, es, it, pt, ru), then folded to plain Latin
//! letters (é → e) so a missing accent still matches. Chinese and Japanese have
//! no spaces: their runs become overlapping character bigrams, which need no
//! dictionary. [`detect`] guesses a message's language from its script, its
//! function words and its letters.

use std::collections::HashMap;

use rust_stemmers::{Algorithm, Stemmer};
use serde::{Deserialize, Serialize};

/// The languages the analyzer knows. Anything else is analysed without
/// stemming or stop words ([`Lang::Other`]), which still matches exact words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Lang {
    En,
    De,
    Fr,
    Es,
    It,
    Pt,
    Pl,
    Ru,
    Zh,
    Ja,
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
    fn stop_words(self) -> &'static [&'static str] {
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
            for piece in split_scripts(&raw) {
                match piece {
                    Piece::Cjk(chars) => cjk_bigrams(&chars, &mut out),
                    Piece::Word(w) => out.extend(term(w)),
                }
            }
        }
        out
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

/// Lowercased words of `text`, accents kept.
fn lower_words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.chars().flat_map(char::to_lowercase).collect())
}

fn fold_word(w: &str) -> String {
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
fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{3040}'..='\u{30ff}' // hiragana, katakana
        | '\u{3400}'..='\u{4dbf}' // CJK extension A
        | '\u{4e00}'..='\u{9fff}' // CJK unified ideographs
        | '\u{ac00}'..='\u{d7af}' // Hangul syllables
        | '\u{f900}'..='\u{faff}') // compatibility ideographs
}

fn is_kana(c: char) -> bool {
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
    for raw in lower_words(text) {
        let folded = fold_word(&raw);
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

/// English function words that carry no topic. Negations stay out of this
/// list on purpose ("can't log in" must keep its meaning for later stages).
/// Sorted (binary search).
const STOP_EN: &[&str] = &[
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

const STOP_DE: &[&str] = &[
    "aber", "alle", "allem", "allen", "aller", "alles", "als", "also", "am", "an", "andere",
    "anderem", "anderen", "anderer", "anderes", "auch", "auf", "aus", "bei", "beim", "bin", "bis",
    "bist", "bitte", "da", "damit", "danke", "dann", "das", "dass", "dein", "deine", "dem", "den",
    "denn", "der", "des", "dessen", "dich", "die", "dies", "diese", "diesem", "diesen", "dieser",
    "dieses", "dir", "doch", "dort", "du", "durch", "ein", "eine", "einem", "einen", "einer",
    "eines", "er", "es", "etwas", "euch", "euer", "eure", "fur", "gibt", "guten", "hab", "habe",
    "haben", "hallo", "hat", "hatte", "hier", "hin", "ich", "ihm", "ihn", "ihnen", "ihr", "ihre",
    "im", "in", "ins", "ist", "ja", "jede", "jedem", "jeden", "jeder", "jedes", "kann", "kannst",
    "konnen", "man", "mein", "meine", "meinem", "meinen", "meiner", "mich", "mir", "mit", "mochte",
    "muss", "nach", "noch", "nun", "nur", "ob", "oder", "ohne", "sehr", "sein", "seine", "sich",
    "sie", "sind", "so", "soll", "sollte", "tag", "uber", "um", "und", "uns", "unser", "unsere",
    "unter", "vom", "von", "vor", "war", "waren", "warum", "was", "weil", "welche", "welchem",
    "welchen", "welcher", "welches", "wenn", "wer", "werde", "werden", "wie", "wieder", "will",
    "wir", "wird", "wo", "wollen", "wurde", "zu", "zum", "zur",
];
const STOP_FR: &[&str] = &[
    "a", "ai", "as", "au", "aux", "avec", "avez", "avons", "bonjour", "c", "ce", "ces", "cet",
    "cette", "comment", "d", "dans", "de", "des", "du", "elle", "elles", "en", "est", "et", "etre",
    "eu", "faire", "fait", "il", "ils", "j", "je", "l", "la", "le", "les", "leur", "leurs", "lui",
    "m", "ma", "mais", "me", "meme", "merci", "mes", "moi", "mon", "n", "nos", "notre", "nous",
    "on", "ont", "ou", "par", "peut", "peux", "plait", "pour", "pourquoi", "pouvez", "puis", "qu",
    "quand", "que", "quel", "quelle", "quels", "qui", "s", "sa", "salut", "se", "ses", "si", "son",
    "sont", "suis", "sur", "svp", "t", "ta", "te", "tes", "toi", "ton", "tu", "un", "une", "veux",
    "vos", "votre", "voudrais", "vous", "y",
];
const STOP_ES: &[&str] = &[
    "a", "al", "algo", "alguien", "algunos", "ante", "buenos", "como", "con", "contra", "cual",
    "cuando", "de", "del", "desde", "dias", "donde", "durante", "e", "el", "ella", "ellas",
    "ellos", "en", "entre", "era", "es", "esa", "ese", "eso", "esta", "estas", "este", "esto",
    "estos", "estoy", "favor", "fue", "gracias", "ha", "hay", "he", "hola", "la", "las", "le",
    "les", "lo", "los", "mas", "me", "mi", "mia", "mio", "mis", "muy", "nos", "nosotros",
    "nuestra", "nuestro", "o", "os", "para", "pero", "por", "porque", "puede", "puedo", "que",
    "quiero", "se", "sea", "ser", "si", "sin", "sobre", "su", "sus", "te", "tengo", "tiene", "tu",
    "tus", "un", "una", "uno", "unos", "y", "ya", "yo",
];
const STOP_IT: &[&str] = &[
    "a",
    "ad",
    "agli",
    "ai",
    "al",
    "alla",
    "alle",
    "allo",
    "anche",
    "buongiorno",
    "c",
    "che",
    "chi",
    "ci",
    "ciao",
    "come",
    "con",
    "cosa",
    "da",
    "dal",
    "dalla",
    "dei",
    "del",
    "della",
    "delle",
    "dello",
    "di",
    "e",
    "ed",
    "gli",
    "grazie",
    "ha",
    "hai",
    "ho",
    "i",
    "il",
    "in",
    "io",
    "l",
    "la",
    "le",
    "lei",
    "li",
    "lo",
    "loro",
    "lui",
    "ma",
    "mi",
    "mia",
    "mie",
    "miei",
    "mio",
    "ne",
    "nei",
    "nel",
    "nella",
    "noi",
    "nostra",
    "nostro",
    "o",
    "per",
    "perche",
    "piu",
    "posso",
    "puo",
    "qual",
    "quale",
    "quando",
    "questa",
    "queste",
    "questi",
    "questo",
    "salve",
    "se",
    "si",
    "sia",
    "sono",
    "su",
    "sua",
    "sue",
    "suo",
    "suoi",
    "ti",
    "tu",
    "tua",
    "tuo",
    "un",
    "una",
    "uno",
    "voglio",
    "voi",
    "vorrei",
];
const STOP_PT: &[&str] = &[
    "a", "ao", "aos", "as", "bom", "com", "como", "da", "das", "de", "dia", "do", "dos", "e",
    "ela", "ele", "eles", "em", "entre", "era", "essa", "esse", "esta", "este", "eu", "favor",
    "foi", "ha", "isso", "isto", "ja", "la", "mais", "mas", "me", "meu", "meus", "minha", "minhas",
    "muito", "na", "nas", "no", "nos", "nossa", "nossas", "nosso", "nossos", "o", "obrigada",
    "obrigado", "oi", "ola", "os", "ou", "para", "pela", "pelo", "pode", "por", "porque", "posso",
    "quando", "que", "quero", "se", "sem", "ser", "seu", "seus", "sua", "suas", "tem", "tenho",
    "um", "uma", "voce", "voces",
];
const STOP_PL: &[&str] = &[
    "a", "aby", "ale", "bo", "by", "byc", "czesc", "czy", "dla", "do", "dobry", "dziekuje",
    "dzien", "gdy", "gdzie", "hej", "i", "ich", "ja", "jak", "jaki", "jakie", "jego", "jej",
    "jest", "jestem", "juz", "ktora", "ktore", "ktory", "lub", "ma", "mam", "mi", "mnie", "moge",
    "moj", "moja", "moje", "na", "nad", "o", "od", "po", "pod", "prosze", "przez", "sa", "sie",
    "ta", "tak", "tam", "te", "tego", "ten", "to", "tu", "ty", "w", "we", "witam", "z", "za", "ze",
    "zeby",
];
const STOP_RU: &[&str] = &[
    "а",
    "без",
    "бы",
    "был",
    "была",
    "были",
    "было",
    "в",
    "вам",
    "вас",
    "весь",
    "во",
    "вот",
    "все",
    "вы",
    "где",
    "да",
    "день",
    "для",
    "до",
    "добрый",
    "его",
    "ее",
    "если",
    "есть",
    "еще",
    "же",
    "за",
    "здесь",
    "здравствуйте",
    "и",
    "из",
    "или",
    "им",
    "их",
    "к",
    "как",
    "ко",
    "когда",
    "кто",
    "ли",
    "меня",
    "мне",
    "мной",
    "могу",
    "можно",
    "мои",
    "мой",
    "моя",
    "мы",
    "на",
    "над",
    "нам",
    "нас",
    "наш",
    "о",
    "об",
    "он",
    "она",
    "они",
    "оно",
    "от",
    "по",
    "под",
    "пожалуйста",
    "при",
    "привет",
    "с",
    "со",
    "спасибо",
    "так",
    "также",
    "там",
    "те",
    "тебе",
    "тебя",
    "то",
    "только",
    "том",
    "ты",
    "у",
    "уже",
    "хочу",
    "чем",
    "что",
    "чтобы",
    "эта",
    "эти",
    "это",
    "этот",
    "я",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_words_are_sorted_and_folded() {
        for lang in Lang::ALL {
            let list = lang.stop_words();
            assert!(list.windows(2).all(|w| w[0] < w[1]), "{lang:?} not sorted");
            assert!(
                list.iter().all(|w| fold_word(w) == *w),
                "{lang:?} not folded"
            );
        }
    }

    #[test]
    fn clip_cuts_on_words() {
        assert_eq!(clip("one two three", 9), "one two…");
        assert_eq!(clip("short", 9), "short");
    }

    #[test]
    fn words_fold_and_split() {
        let w: Vec<String> = words("Résumé: Sync-ing 2FA!").collect();
        assert_eq!(w, ["resume", "sync", "ing", "2fa"]);
    }

    #[test]
    fn a_memo_analyzer_gives_the_analyzers_terms() {
        let texts = [
            "The exported notes were exporting slowly; export them again!",
            "Les données exportées ne s'affichent pas",
            "Die Notizen werden nicht synchronisiert, Synchronisierung läuft",
            "如何导出笔记 and the PDF",
            "Пароль не подходит, пароли сброшены",
            "",
        ];
        for lang in Lang::ALL {
            let plain = Analyzer::new(lang);
            let mut memo = MemoAnalyzer::new(lang);
            // Twice: the second pass is all remembered words.
            for _ in 0..2 {
                for t in texts {
                    assert_eq!(memo.terms(t), plain.terms(t), "{lang:?}: {t}");
                }
            }
        }
        // It does remember (a word analysed once per language).
        let mut memo = MemoAnalyzer::new(Lang::En);
        memo.terms("export export exports");
        assert_eq!(memo.known.len(), 2);
    }

    #[test]
    fn terms_stem_and_drop_stop_words() {
        let a = Analyzer::default();
        assert_eq!(a.terms("How do I export my notes?"), ["export", "note"]);
        assert_eq!(a.terms("Exporting notes"), a.terms("exported note"));
        assert_eq!(a.terms("the a of"), Vec::<String>::new());
    }

    #[test]
    fn each_language_stems_its_own_inflections() {
        let same = |lang: Lang, a: &str, b: &str| {
            let an = Analyzer::new(lang);
            let sorted = |t: &str| {
                let mut v = an.terms(t);
                v.sort();
                v
            };
            assert_eq!(sorted(a), sorted(b), "{lang:?}: {a} / {b}");
            assert!(!an.terms(a).is_empty(), "{lang:?}: {a}");
        };
        same(
            Lang::De,
            "Wie exportiere ich meine Notizen?",
            "Notiz exportieren",
        );
        same(Lang::Fr, "Comment exporter mes notes ?", "notes exportées");
        same(Lang::Es, "¿Cómo exporto mis notas?", "exportar notas");
        same(Lang::It, "Come esportare le mie note?", "note esportate");
        same(Lang::Pt, "Como exportar minhas notas?", "notas exportadas");
        same(
            Lang::Ru,
            "Как экспортировать заметки?",
            "экспортировать заметками",
        );
    }

    #[test]
    fn accents_are_optional_after_stemming() {
        let fr = Analyzer::new(Lang::Fr);
        assert_eq!(
            fr.terms("résilier l'abonnement"),
            fr.terms("resilier l abonnement")
        );
        let pl = Analyzer::new(Lang::Pl);
        assert_eq!(pl.terms("hasło"), pl.terms("haslo"));
    }

    #[test]
    fn cjk_runs_become_bigrams() {
        let a = Analyzer::new(Lang::Zh);
        assert_eq!(
            a.terms("如何导出笔记"),
            ["如何", "何导", "导出", "出笔", "笔记"]
        );
        // Particles alone make no term; mixed scripts split.
        assert_eq!(a.terms("我的pdf导出"), ["pdf", "导出"]);
        assert_eq!(a.terms("笔"), ["笔"]);
    }

    #[test]
    fn detects_languages_from_short_messages() {
        for (text, lang) in [
            ("How do I export my notes?", Lang::En),
            ("Wie kann ich meine Notizen exportieren?", Lang::De),
            ("Comment est-ce que je peux exporter mes notes ?", Lang::Fr),
            ("¿Cómo puedo exportar mis notas?", Lang::Es),
            ("Come posso esportare le mie note?", Lang::It),
            ("Como posso exportar as minhas notas?", Lang::Pt),
            ("Jak mogę wyeksportować notatki?", Lang::Pl),
            ("Как экспортировать заметки?", Lang::Ru),
            ("如何导出我的笔记？", Lang::Zh),
            ("ノートをエクスポートする方法", Lang::Ja),
            ("Ho dimenticato la parola d'ordine", Lang::It),
            ("Je ne trouve pas la facture", Lang::Fr),
            ("No puedo entrar en la cuenta", Lang::Es),
        ] {
            assert_eq!(detect(text), Some(lang), "{text}");
        }
        assert_eq!(detect("PDF"), None);
        assert_eq!(detect("2fa 404"), None);
    }

    #[test]
    fn language_tags() {
        assert_eq!(Lang::from_tag("de-AT"), Lang::De);
        assert_eq!(Lang::from_tag("pt_BR"), Lang::Pt);
        assert_eq!(Lang::from_tag("zh-Hans-CN"), Lang::Zh);
        assert_eq!(Lang::from_tag("EN"), Lang::En);
        assert_eq!(Lang::from_tag("xx"), Lang::Other);
        assert_eq!(Lang::from_tag(""), Lang::Other);
    }
}

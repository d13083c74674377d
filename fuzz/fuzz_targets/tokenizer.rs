//! Text analysis (`shared::text`): the analyzer of every language, word
//! splitting, language detection and clipping, a message analysed once
//! (`text::Message`: the analyzer's terms and the same words), and the
//! intent checks built on them (`shared::intent`), on arbitrary UTF-8.
//! Nothing may panic; terms are non-empty, lowercase, without whitespace,
//! and never more than the text has characters; clipping stays within its
//! bound.
#![no_main]

use frontdesk_shared::text::intent::{frustrated, small_talk, wants_person};
use frontdesk_shared::text::{clip, detect, words, Analyzer, Lang, Message};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first byte picks the clip length; the rest is the text.
    let Some((&max, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let chars = text.chars().count();
    // The message as a turn reads it: analysed once, the same terms.
    let message = Message::new(text);
    for lang in Lang::ALL {
        let terms = Analyzer::new(lang).terms(text);
        let mut distinct = terms.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(message.terms(lang), distinct, "{lang:?}");
        assert!(terms.len() <= chars, "{lang:?}: more terms than characters");
        for t in &terms {
            assert!(!t.is_empty(), "{lang:?}: an empty term");
            assert!(!t.chars().any(char::is_whitespace), "{lang:?}: {t:?}");
            assert_eq!(&t.to_lowercase(), t, "{lang:?}: not lowercase");
        }
        assert_eq!(Lang::from_tag(lang.code()), lang);
    }
    for w in words(text) {
        assert!(
            !w.is_empty() && !w.chars().any(char::is_whitespace),
            "{w:?}"
        );
    }
    if let Some(lang) = detect(text) {
        assert_ne!(lang, Lang::Other);
    }
    let max = usize::from(max);
    let clipped = clip(text, max);
    if chars <= max {
        assert_eq!(clipped, text);
    } else {
        assert!(
            clipped.chars().count() <= max + 1,
            "clip({max}) gave {clipped:?}"
        );
        assert!(clipped.ends_with('…'));
    }
    let _ = Lang::from_tag(text);
    assert_eq!(message.words(), words(text).collect::<Vec<_>>());
    let _ = wants_person(&message);
    let _ = small_talk(&message);
    let _ = frustrated(&message);
});

use super::*;
use crate::text::{word_count, words};

const TEXTS: [&str; 7] = [
    "How do I export my notes as PDF?",
    "Les données exportées ne s'affichent pas!!!",
    "Die Notizen werden nicht synchronisiert",
    "如何导出笔记 and the PDF",
    "Пароль не подходит, пароли сброшены",
    "ΣΟΦΟΣ Résumé: Sync-ing 2FA",
    "",
];

#[test]
fn a_message_has_the_words_and_terms_each_step_derived_on_its_own() {
    for text in TEXTS {
        let m = Message::new(text);
        assert_eq!(m.text(), text);
        assert_eq!(m.lower(), text.to_lowercase());
        assert_eq!(m.words(), words(text).collect::<Vec<_>>(), "{text}");
        assert_eq!(word_count(text), m.words().len(), "{text}");
        for lang in Lang::ALL {
            let mut want = Analyzer::new(lang).terms(text);
            want.sort();
            want.dedup();
            // Twice: the second is the kept one.
            assert_eq!(m.terms(lang), want, "{lang:?}: {text}");
            assert_eq!(m.terms(lang), want, "{lang:?}: {text}");
        }
        assert_eq!(m.clone().into_text(), text);
    }
}

#[test]
fn a_message_knows_its_language() {
    assert_eq!(Message::new(TEXTS[0]).lang(), Some(Lang::En));
    assert_eq!(Message::new(TEXTS[1]).lang(), Some(Lang::Fr));
    assert_eq!(Message::new(TEXTS[4]).lang(), Some(Lang::Ru));
    assert_eq!(Message::new("PDF").lang(), None);
    let joined = format!("{}\n{}", TEXTS[2], "PDF");
    assert_eq!(Message::new(joined).lang(), Some(Lang::De));
}

#[test]
fn languages_index_their_kept_terms_in_order() {
    for (i, lang) in Lang::ALL.into_iter().enumerate() {
        assert_eq!(lang as usize, i, "{lang:?}");
    }
}

use super::*;
use crate::text::detect;

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

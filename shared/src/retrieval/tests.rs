use super::*;
use crate::retrieval::kb::parse_article;
use crate::retrieval::kb::Article;
use crate::text::phrases::{say, Line};
use crate::text::Message;

#[test]
fn hybrid_thresholds_read_from_a_setting_round_trip_and_refuse_typos() {
    let th = HybridThresholds::parse("answer_sum=4.75, suggest_sum = 3").unwrap();
    assert_eq!(
        th,
        HybridThresholds {
            answer_sum: 4.75,
            suggest_sum: 3.0,
            ..HybridThresholds::default()
        }
    );
    assert_eq!(HybridThresholds::parse(&th.to_setting()), Ok(th));
    assert_eq!(HybridThresholds::parse(""), Ok(HybridThresholds::default()));
    // Never answer against the words' favourite.
    let never = HybridThresholds::parse("answer_sum_alone=inf").unwrap();
    assert_eq!(never.answer_sum_alone, f32::INFINITY);
    assert_eq!(HybridThresholds::parse(&never.to_setting()), Ok(never));
    for bad in [
        "answer_sums=5",
        "answer_sum",
        "answer_sum=five",
        "answer_sum=NaN",
        "answer_sum=5,answer_sum=4",
    ] {
        assert!(HybridThresholds::parse(bad).is_err(), "{bad}");
    }
    let e = HybridThresholds::parse("answer_sum=x").unwrap_err();
    assert_eq!(e.setting, "AI_HYBRID_THRESHOLDS");
    assert!(e.problem.contains("answer_sum"), "{e}");
}

#[test]
fn the_hybrid_rule_sums_its_signals_and_never_answers_against_better_covering_words() {
    let th = HybridThresholds::default();
    let at = |z, gap, coverage, words| {
        th.decide(&HybridSignals {
            z,
            gap,
            coverage,
            words,
        })
    };
    // 3.5 + 1 + 0.6 = 5.1: answered when the words agree…
    assert_eq!(at(3.5, 1.0, 0.6, Words::Agree), Decision::Answer);
    // …not against them (5.5), nor against words that cover more.
    assert_eq!(at(3.5, 1.0, 0.6, Words::Other), Decision::Suggest);
    assert_eq!(at(9.0, 3.0, 0.6, Words::Other), Decision::Answer);
    assert_eq!(at(9.0, 3.0, 0.6, Words::Outcovered), Decision::Suggest);
    // A high z with no margin over the runner-up: suggestions.
    assert_eq!(at(6.0, 0.25, 1.0, Words::Agree), Decision::Suggest);
    // Suggest on z + 3 × coverage ≥ 3.25; below, a person.
    assert_eq!(at(1.0, 0.0, 0.75, Words::Agree), Decision::Suggest);
    assert_eq!(at(2.0, 0.0, 0.4, Words::Agree), Decision::Escalate);
    // Across languages: z + gap alone, suggestions from z 2.5.
    assert_eq!(at(4.0, 1.0, 0.0, Words::Across), Decision::Answer);
    assert_eq!(at(4.0, 0.75, 0.0, Words::Across), Decision::Suggest);
    assert_eq!(at(2.4, 0.0, 0.0, Words::Across), Decision::Escalate);
}

/// The reply of a turn ([`Index::turn`]) on one message with no
/// conversation around it.
fn ask(index: &Index, message: &str, th: &Thresholds) -> Reply {
    index.turn(message, &Context::default(), th, None).reply
}

fn index() -> Index {
    let a = parse_article(
        "export",
        "---\ntitle: Export your notes\nurl: /help/export\nquestions:\n  - download all my notes\n---\nExport from Settings.\n\n## PDF\nChoose PDF in the export dialog.\n",
    )
    .unwrap();
    let b = parse_article(
        "password",
        "---\ntitle: Reset your password\nurl: /help/password\n---\nUse the forgot password link.\n",
    )
    .unwrap();
    Index::build(&[a, b])
}

#[test]
fn answers_with_the_best_passage() {
    let r = ask(
        &index(),
        "how to export notes as PDF",
        &Thresholds::default(),
    );
    assert_eq!(r.decision, Decision::Answer);
    assert_eq!(r.text, "Choose PDF in the export dialog.");
    assert_eq!(r.sources[0].url, "/help/export");
}

#[test]
fn escalates_unknown_topics_and_requests() {
    let ix = index();
    let r = ask(&ix, "what's the weather in Paris", &Thresholds::default());
    assert_eq!(
        (r.decision, r.reason),
        (Decision::Escalate, Some(EscalationReason::NoMatch))
    );
    let r = ask(&ix, "talk to a person", &Thresholds::default());
    assert_eq!(r.reason, Some(EscalationReason::Requested));
}

#[test]
fn segments_share_the_word_statistics_of_the_whole_index() {
    let article = |i: usize| {
        let topic = ["export", "password", "invoice", "sync", "backup", "theme"][i % 6];
        let src = format!(
            "---\ntitle: {topic} guide {i}\nurl: /help/a{i}\n---\n## {topic}\n\nHow to {topic} \
             your notes on device {i}; word{i} and shared{} terms.\n",
            i % 3
        );
        parse_article(&format!("a{i}"), &src).unwrap()
    };
    let articles: Vec<Article> = (0..23).map(article).collect();
    let whole = Index::build(&articles);
    let split = Index::build_segmented(&articles, Policy::default(), 5);
    assert_eq!(split.segments.len(), 5);
    assert_eq!(split.starts, [0, 5, 10, 15, 20, 23]);
    for question in [
        "how do I export my notes",
        "password on device 7",
        "word12 shared1",
        "zzz",
    ] {
        let analysed = Message::new(question);
        let terms = analysed.terms(Lang::En);
        let (w, s) = (whole.look_up(terms), split.look_up(terms));
        let idf = |t: &[QueryTerm]| t.iter().map(|t| t.idf).collect::<Vec<_>>();
        // IDF over all articles, the naive Bayes vocabulary of all
        // segments: the same numbers to the bit.
        assert_eq!(idf(&w), idf(&s), "{question}");
        assert_eq!(whole.covered(&w), split.covered(&s), "{question}");
        assert_eq!(whole.bayes_scores(&w), split.bayes_scores(&s), "{question}");
        for d in [0, 4, 5, 19, 22] {
            let posting = |ix: &Index, t: &[QueryTerm]| {
                t.iter()
                    .map(|t| ix.posting(t, d).map(|p| p.passages))
                    .collect::<Vec<_>>()
            };
            assert_eq!(posting(&whole, &w), posting(&split, &s), "{question} {d}");
        }
    }
    assert_eq!(whole.chunk_doc, split.chunk_doc);
    assert_eq!(whole.doc_langs, split.doc_langs);
}

fn multilingual() -> Index {
    let article = |slug: &str, lang: &str, title: &str, question: &str, body: &str| {
        let src = format!(
            "---\ntitle: {title}\nurl: /help/{slug}\nlang: {lang}\nquestions:\n  - {question}\n---\n{body}\n"
        );
        parse_article(slug, &src).unwrap()
    };
    Index::build(&[
        article(
            "export",
            "en",
            "Export your notes",
            "How do I export my notes as PDF?",
            "Open Settings, choose Export and pick PDF or Markdown.",
        ),
        article(
            "password",
            "en",
            "Reset your password",
            "I forgot my password",
            "Use the forgot password link on the sign-in page.",
        ),
        article(
            "clipper",
            "en",
            "Install the Lumen Clipper",
            "How do I install the Lumen Clipper?",
            "The Lumen Clipper saves web pages into a notebook.",
        ),
        article(
            "de-export",
            "de",
            "Notizen exportieren",
            "Wie exportiere ich meine Notizen als PDF?",
            "Öffnen Sie die Einstellungen, wählen Sie Exportieren und dann PDF.",
        ),
        article(
            "fr-password",
            "fr",
            "Réinitialiser votre mot de passe",
            "J'ai oublié mon mot de passe",
            "Utilisez le lien mot de passe oublié sur la page de connexion.",
        ),
    ])
}

#[test]
fn visitors_get_their_language_else_the_main_one_never_a_third() {
    let ix = multilingual();
    let th = Thresholds::default();
    // German article for a German question.
    let r = ask(&ix, "Wie exportiere ich meine Notizen als PDF?", &th);
    assert_eq!(
        (r.decision, r.lang.as_str()),
        (Decision::Answer, "de"),
        "{r:?}"
    );
    assert_eq!(r.sources[0].url, "/help/de-export");
    // No German article on the topic: the English one, in a German reply.
    let r = ask(&ix, "Wo finde ich den Lumen Clipper?", &th);
    assert_ne!(r.decision, Decision::Escalate, "{r:?}");
    assert_eq!(
        (r.sources[0].url.as_str(), r.lang.as_str()),
        ("/help/clipper", "de")
    );
    // Only a French article on the topic: never offered to a German visitor.
    let r = ask(&ix, "Ich habe mein Passwort vergessen", &th);
    assert!(
        r.sources.iter().all(|s| s.url != "/help/fr-password"),
        "{r:?}"
    );
    // The French visitor gets it.
    let r = ask(&ix, "J'ai oublié mon mot de passe", &th);
    assert_eq!(r.sources[0].url, "/help/fr-password", "{r:?}");
    // With embeddings, too: the French article, however near, is not
    // offered to a German visitor; the English one is, with a note
    // that it is in another language.
    let near = |slug: &str| -> Vec<f32> {
        ix.embedding_texts()
            .iter()
            .enumerate()
            .map(|(i, t)| {
                if t.slug == slug {
                    0.9
                } else {
                    0.1 + 0.01 * i as f32
                }
            })
            .collect()
    };
    let q = "Ich komme nicht mehr in mein Konto";
    let ask = |s: &[f32]| {
        let ctx = Context {
            semantic: Some(s),
            ..Context::default()
        };
        ix.turn(q, &ctx, &th, None).reply
    };
    assert_eq!(
        ask(&near("fr-password")).reason,
        Some(EscalationReason::NoMatch)
    );
    let r = ask(&near("password"));
    assert_eq!(
        (r.decision, r.sources[0].url.as_str(), r.lang.as_str()),
        (Decision::Answer, "/help/password", "de")
    );
    assert!(
        r.text.starts_with(say(Lang::De, Line::OtherLanguage)),
        "{}",
        r.text
    );
    assert!(r.text.contains("forgot password link"), "{}", r.text);
}

#[test]
fn best_passage_reads_sections_past_the_mask() {
    // Nine sections: the masks tell the first six apart; the rest are
    // analysed when a question's term is in one of them.
    let topics = [
        "printers",
        "scanners",
        "cables",
        "monitors",
        "keyboards",
        "speakers",
        "routers",
        "webcams",
        "chargers",
    ];
    let mut src = "---\ntitle: Devices\nurl: /help/devices\n---\nIntro.\n".to_owned();
    for t in topics {
        src += &format!("\n## About {t}\nHow to set up {t} at home.\n");
    }
    let ix = Index::build(&[parse_article("devices", &src).unwrap()]);
    for t in ["scanners", "webcams", "chargers"] {
        let passages = ix.doc(0).passages(0, &Texts::new());
        let best = ix.best_passage(
            0,
            Message::new(format!("set up my {t}")).terms(Lang::En),
            &passages,
        );
        assert_eq!(best, format!("How to set up {t} at home."));
    }
}

#[test]
fn survives_serialization() {
    let ix = index();
    let json = serde_json::to_string(&ix).unwrap();
    let back: Index = serde_json::from_str(&json).unwrap();
    assert_eq!(back.search("password", None), ix.search("password", None));
}

//! Hybrid retrieval: the words and an embedding model's similarities.

use super::*;

#[test]
fn hybrid_retrieval_answers_across_languages_suggests_when_unsure_and_never_against_the_words() {
    let index = sample_index();
    let th = Thresholds::default();
    let q = "Ho dimenticato la parola d'ordine";
    let alone = ask(&index, q, &th);
    assert_eq!(alone.reason, Some(EscalationReason::NoMatch), "{alone:?}");
    let with = |question: &str, semantic: &[f32]| {
        let ctx = Context {
            semantic: Some(semantic),
            ..Context::default()
        };
        index.turn(question, &ctx, &th, None).reply
    };
    // Far nearer than anything else: answered from the English article,
    // in Italian words around it.
    let reply = with(q, &near(&index, "reset-password", 0.95));
    assert_eq!(reply.decision, Decision::Answer, "{reply:?}");
    assert_eq!(reply.sources[0].url, "/help/reset-password");
    assert_eq!(reply.lang, "it");
    assert!(
        reply.text.starts_with(say(Lang::It, Line::OtherLanguage)),
        "{}",
        reply.text
    );
    // Nearer, but not by much: suggestions, the visitor judges.
    let reply = with(q, &near(&index, "reset-password", 0.825));
    assert_eq!(reply.decision, Decision::Suggest, "{reply:?}");
    assert_eq!(reply.sources[0].url, "/help/reset-password");
    // No nearer than the rest: a person.
    assert_eq!(
        with(q, &near(&index, "reset-password", 0.78)).reason,
        Some(EscalationReason::NoMatch)
    );
    // Vectors for another help centre (wrong length) are ignored.
    assert_eq!(with(q, &[0.9]).reason, Some(EscalationReason::NoMatch));
    // The model pointing elsewhere never makes the bot answer against the
    // words: the question's own article stays offered, nothing is answered
    // from the other one.
    let reply = with(
        "How do I export my notes as PDF?",
        &near(&index, "refund-policy", 0.99),
    );
    assert_ne!(reply.decision, Decision::Answer, "{reply:?}");
    assert!(
        reply.sources.iter().any(|s| s.url == "/help/export-notes"),
        "{reply:?}"
    );
    // Words and model agree: answered.
    let reply = with(
        "How do I export my notes as PDF?",
        &near(&index, "export-notes", 0.95),
    );
    assert_eq!(reply.decision, Decision::Answer, "{reply:?}");
    assert_eq!(reply.sources[0].url, "/help/export-notes");
}

#[test]
fn hybrid_retrieval_answers_the_models_clear_pick_when_the_words_cover_it_as_well() {
    let index = sample_index();
    let th = Thresholds::default();
    let with = |question: &str, semantic: &[f32]| {
        let ctx = Context {
            semantic: Some(semantic),
            ..Context::default()
        };
        index.turn(question, &ctx, &th, None).reply
    };
    // The words alone favour one article, but cover the question no better
    // in the one the model puts far above everything: that one answers.
    let q = "something is wrong with my notes";
    let lexical = index.search(q, None);
    let other = lexical
        .iter()
        .skip(1)
        .find(|h| h.coverage >= lexical[0].coverage)
        .map(|h| index.slug(h.doc).to_owned())
        .expect("a second article covering the question as well");
    let reply = with(q, &near(&index, &other, 0.99));
    assert_eq!(reply.decision, Decision::Answer, "{reply:?}");
    assert_eq!(reply.sources[0].url, format!("/help/{other}"));
    // Only a little nearer than the rest: not enough to overrule the words.
    let reply = with(q, &near(&index, &other, 0.83));
    assert_ne!(reply.decision, Decision::Answer, "{reply:?}");
}

#[test]
fn what_rests_on_retrieval_is_known_before_any_search() {
    // The worker asks the embedding model only for a turn that rests on
    // retrieval, and decides the turn once: the cheap check must agree
    // with the decision, for every question of the table and for the turns
    // settled before any search, alone and in a conversation.
    let index = sample_index();
    let th = Thresholds::default();
    let settled = [
        "hi",
        "thanks!",
        "this is useless, nothing works!!",
        "I want to talk to a human",
        "mein Konto wurde gehackt",
        "I was charged twice this month",
        "my lawyer will contact you about the export",
        "Bonjour",
    ];
    let earlier = ["how do I export my notes", "as PDF?"];
    let contexts = [
        Context::default(),
        Context {
            earlier: &earlier,
            unhelpful_streak: 2,
            ..Context::default()
        },
    ];
    let topics = ["legal".to_owned()];
    for message in TABLE.iter().map(|(q, _)| *q).chain(settled) {
        for ctx in &contexts {
            for topics in [None, Some(&topics[..])] {
                let verdict = index.decide(message, ctx, &th, topics).verdict;
                let searched = verdict.decision != Decision::SmallTalk
                    && !matches!(
                        verdict.reason,
                        Some(
                            EscalationReason::Requested
                                | EscalationReason::AlwaysHuman
                                | EscalationReason::Frustrated
                        )
                    );
                assert_eq!(
                    index.rests_on_retrieval(message, ctx, topics),
                    searched,
                    "{message:?} ({topics:?}): {verdict:?}"
                );
            }
        }
    }
    // Each of those is settled before any search (with every topic).
    for message in settled {
        for ctx in &contexts {
            assert!(!index.rests_on_retrieval(message, ctx, None), "{message:?}");
        }
    }
}

//! Follow-ups read with the previous message; an index stored without its
//! texts answers the same.

use super::*;

/// Follow-ups read with the visitor's previous message: (earlier, message, want).
const FOLLOW_UPS: &[(&str, &str, Want)] = &[
    (
        "I asked for a refund",
        "how long does it take?",
        Want::Answer("refund-policy"),
    ),
    (
        "I want to turn on two-factor authentication",
        "what if I lose my phone?",
        Want::Answer("two-factor-authentication"),
    ),
    (
        "my notes are not syncing",
        "on my phone",
        Want::AnswerOrSuggest("sync-problems"),
    ),
    (
        "How do I cancel my subscription?",
        "will I lose my notes?",
        Want::AnswerOrSuggest("change-or-cancel-subscription"),
    ),
    // Alone, "what formats?" looks like the shortcuts article (text formats);
    // after an export question it is ambiguous, so the bot must not answer
    // from the shortcuts article.
    (
        "How do I export my notes?",
        "what formats?",
        Want::AnswerOrSuggest("export-notes"),
    ),
    // A full new question is not mixed with the old one.
    (
        "How do I export my notes?",
        "How do I reset my password?",
        Want::Answer("reset-password"),
    ),
    // Asking for a person never depends on context.
    (
        "How do I export my notes?",
        "talk to a person",
        Want::Person,
    ),
];

#[test]
fn an_index_stored_without_its_texts_answers_the_same_given_its_replies_texts() {
    let (articles, policy) = sample();
    // The same segments, carrying their texts.
    let whole = Index::assemble(
        articles.chunks(7).map(Segment::build).collect(),
        policy.clone(),
    );
    // As the worker stores it: each segment's texts apart, the rest loaded.
    let mut stores: Vec<Vec<u8>> = vec![];
    let segments: Vec<Segment> = articles
        .chunks(7)
        .map(|part| {
            let mut s = Segment::build(part);
            stores.push(s.take_texts());
            assert!(s.take_texts().is_empty(), "taken once");
            postcard::from_bytes(&postcard::to_allocvec(&s).unwrap()).unwrap()
        })
        .collect();
    let apart = Index::assemble(segments, policy);
    // What the worker reads for a turn: the ranges of its articles' texts.
    let read = |docs: &[usize]| -> Texts {
        apart
            .texts_apart(docs)
            .into_iter()
            .map(|r| {
                let (from, len) = (r.start as usize, r.len as usize);
                (r.doc, stores[r.segment][from..from + len].to_vec())
            })
            .collect()
    };
    let all: Vec<usize> = (0..apart.len()).collect();
    assert_eq!(apart.texts_apart(&all).len(), apart.len());
    assert!(whole.texts_apart(&all).is_empty(), "its own texts");
    let th = Thresholds::default();
    let semantic = near(&whole, "export-notes", 0.95);
    let (mut answers, mut downgraded) = (0, 0);
    for (question, _) in TABLE {
        for ctx in [
            Context::default(),
            Context {
                semantic: Some(&semantic),
                ..Context::default()
            },
        ] {
            let want = whole.turn(question, &ctx, &th, None);
            let decided = apart.decide(question, &ctx, &th, None);
            let texts = read(&decided.verdict.docs);
            assert_eq!(texts.len(), decided.verdict.docs.len());
            let got = apart.word(decided.clone(), &ctx, &texts);
            assert_eq!(got, want, "{question}");
            // Without the texts (the store unreadable), no answer without
            // a passage: the articles are suggested instead.
            let blind = apart.word(decided, &ctx, &Texts::new());
            if want.reply.decision == Decision::Answer {
                answers += 1;
                assert_eq!(blind.reply.decision, Decision::Suggest, "{question}");
                assert_eq!(blind.reply.sources, want.reply.sources);
                downgraded += 1;
            } else {
                assert_eq!(blind.reply.decision, want.reply.decision, "{question}");
            }
        }
    }
    assert!(answers > 5, "{answers} answers");
    assert_eq!(downgraded, answers);
    // The passages to embed, with their articles' texts read the same way.
    let passages: Vec<usize> = (0..whole.passage_count()).collect();
    let texts = read(&apart.passage_docs(&passages));
    assert_eq!(
        apart.embedding_texts_of(passages, &texts),
        whole.embedding_texts()
    );
}

#[test]
fn follow_ups_are_read_with_the_previous_message() {
    let index = sample_index();
    let th = Thresholds::default();
    let mut failures = Vec::new();
    for (earlier, message, want) in FOLLOW_UPS {
        let reply = index.turn(message, &turn(&[earlier]), &th, None).reply;
        if !matches(&reply, *want) {
            failures.push(format!(
                "{earlier:?} + {message:?}: want {want:?}, got {:?} {:?}",
                reply.decision, reply.sources
            ));
        }
    }
    // Without context, the short follow-ups alone are not answered.
    for (_, message, _) in &FOLLOW_UPS[..3] {
        let alone = ask(&index, message, &th);
        assert_ne!(
            alone.decision,
            Decision::Answer,
            "{message:?} alone: {alone:?}"
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

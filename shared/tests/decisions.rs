//! The decision table for the sample help centre in `kb/`: realistic visitor
//! questions and what the engine must do with each. Thresholds in
//! `engine::Thresholds::default` are tuned against this table.

use std::path::Path;

use frontdesk_shared::engine::{Index, Thresholds};
use frontdesk_shared::kb::parse_article;
use frontdesk_shared::wire::{Decision, EscalationReason, Reply};

fn sample_index() -> Index {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../kb");
    let mut articles: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .map(|p| {
            let slug = p.file_stem().unwrap().to_str().unwrap().to_owned();
            parse_article(&slug, &std::fs::read_to_string(&p).unwrap())
                .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
        })
        .collect();
    articles.sort_by(|a, b| a.slug.cmp(&b.slug));
    Index::build(&articles)
}

/// What a question should get: an answer from this article, this article
/// among suggestions, or a person.
#[derive(Debug, Clone, Copy)]
enum Want {
    Answer(&'static str),
    AnswerOrSuggest(&'static str),
    Person,
}

const TABLE: &[(&str, Want)] = &[
    (
        "How do I export my notes as PDF?",
        Want::Answer("export-notes"),
    ),
    ("I forgot my password", Want::Answer("reset-password")),
    ("how do i reset my password", Want::Answer("reset-password")),
    (
        "How do I turn on two-factor authentication?",
        Want::Answer("two-factor-authentication"),
    ),
    (
        "how much does the Team plan cost",
        Want::AnswerOrSuggest("plans-and-pricing"),
    ),
    (
        "can I import my Evernote notebooks",
        Want::Answer("import-notes"),
    ),
    (
        "my notes are not syncing between my phone and laptop",
        Want::AnswerOrSuggest("sync-problems"),
    ),
    (
        "how do I cancel my subscription",
        Want::AnswerOrSuggest("change-or-cancel-subscription"),
    ),
    ("can I get a refund", Want::AnswerOrSuggest("refund-policy")),
    (
        "where can I download my invoices",
        Want::AnswerOrSuggest("payment-method-and-invoices"),
    ),
    (
        "how do I share a notebook with a colleague",
        Want::AnswerOrSuggest("share-notebook"),
    ),
    (
        "does the mobile app work offline",
        Want::AnswerOrSuggest("offline-mode"),
    ),
    (
        "what is the maximum attachment size",
        Want::AnswerOrSuggest("storage-and-attachments"),
    ),
    (
        "please delete my account and all my data",
        Want::AnswerOrSuggest("delete-account"),
    ),
    (
        "how do I invite people to my team workspace",
        Want::AnswerOrSuggest("invite-team-members"),
    ),
    (
        "what are the keyboard shortcuts",
        Want::Answer("keyboard-shortcuts"),
    ),
    (
        "What's the weather going to be in Paris tomorrow?",
        Want::Person,
    ),
    ("can you recommend a good pizza place", Want::Person),
    ("who won the football game last night", Want::Person),
    ("talk to a person", Want::Person),
    ("I want to speak to a human", Want::Person),
    ("asdfghjkl", Want::Person),
    ("password", Want::Answer("reset-password")),
    // One word that an article merely mentions is not enough to answer from.
    ("formats?", Want::AnswerOrSuggest("export-notes")),
];

fn matches(reply: &Reply, want: Want) -> bool {
    let slugs: Vec<&str> = reply
        .sources
        .iter()
        .map(|s| s.url.trim_start_matches("/help/"))
        .collect();
    match want {
        Want::Answer(slug) => reply.decision == Decision::Answer && slugs == [slug],
        Want::AnswerOrSuggest(slug) => match reply.decision {
            Decision::Answer => slugs == [slug],
            Decision::Suggest => slugs.contains(&slug),
            Decision::Escalate => false,
        },
        Want::Person => reply.decision == Decision::Escalate,
    }
}

#[test]
fn decision_table() {
    let index = sample_index();
    let th = Thresholds::default();
    let mut failures = Vec::new();
    for (question, want) in TABLE {
        let reply = index.respond(question, &th);
        if !matches(&reply, *want) {
            failures.push(format!(
                "{question:?}: want {want:?}, got {:?} {:?}",
                reply.decision, reply.sources
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} wrong:\n{}",
        failures.len(),
        TABLE.len(),
        failures.join("\n")
    );
}

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
fn follow_ups_are_read_with_the_previous_message() {
    let index = sample_index();
    let th = Thresholds::default();
    let mut failures = Vec::new();
    for (earlier, message, want) in FOLLOW_UPS {
        let reply = index.respond_in_context(message, &[earlier], &th);
        if !matches(&reply, *want) {
            failures.push(format!(
                "{earlier:?} + {message:?}: want {want:?}, got {:?} {:?}",
                reply.decision, reply.sources
            ));
        }
    }
    // Without context, the short follow-ups alone are not answered.
    for (_, message, _) in &FOLLOW_UPS[..3] {
        let alone = index.respond(message, &th);
        assert_ne!(
            alone.decision,
            Decision::Answer,
            "{message:?} alone: {alone:?}"
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn explicit_requests_say_why() {
    let reply = sample_index().respond("talk to a person", &Thresholds::default());
    assert_eq!(reply.reason, Some(EscalationReason::Requested));
}

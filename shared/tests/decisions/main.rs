//! The decision table for the sample help centre in `kb/`: realistic visitor
//! questions and what the engine must do with each. Thresholds in
//! `retrieval::Thresholds::default` are tuned against this table.

use std::path::Path;

use frontdesk_api::wire::{Decision, EscalationReason, Reply};
use frontdesk_shared::config::SiteConfig;
use frontdesk_shared::retrieval::kb::parse_article;
use frontdesk_shared::retrieval::{Context, Index, Lang, Segment, Texts, Thresholds};
use frontdesk_shared::text::phrases::{say, Line};

mod conversation;
mod follow_ups;
mod hybrid;
mod table;

fn sample_index() -> Index {
    let (articles, policy) = sample();
    Index::build_with(&articles, policy)
}

/// The sample help centre's articles, by slug, and its policy.
fn sample() -> (
    Vec<frontdesk_shared::retrieval::kb::Article>,
    frontdesk_shared::retrieval::Policy,
) {
    let dir = Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("run by cargo")).join("../kb");
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
    let config = Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("run by cargo"))
        .join("../frontdesk.toml");
    let config: SiteConfig = toml::from_str(&std::fs::read_to_string(config).unwrap()).unwrap();
    let titles: Vec<&str> = articles.iter().map(|a| a.title.as_str()).collect();
    config.check(Some(&titles)).unwrap();
    (articles, config.policy())
}

/// The reply of a turn ([`Index::turn`]) on one message with no
/// conversation around it.
fn ask(index: &Index, message: &str, th: &Thresholds) -> Reply {
    index.turn(message, &Context::default(), th, None).reply
}

fn turn<'a>(earlier: &'a [&'a str]) -> Context<'a> {
    Context {
        earlier,
        ..Context::default()
    }
}

/// What a question should get: an answer from this article, this article
/// among suggestions, or a person.
#[derive(Debug, Clone, Copy)]
enum Want {
    Answer(&'static str),
    AnswerOrSuggest(&'static str),
    Person,
}

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
            Decision::Escalate | Decision::SmallTalk | Decision::Action => false,
        },
        Want::Person => reply.decision == Decision::Escalate,
    }
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

/// Similarities per passage of `index` as an embedding model might give
/// them: every passage of `slug` at `sim`, the others spread over
/// 0.70–0.80 (a model's similarities to unrelated text are not all equal).
fn near(index: &Index, slug: &str, sim: f32) -> Vec<f32> {
    index
        .embedding_texts()
        .iter()
        .enumerate()
        .map(|(i, t)| {
            if t.slug == slug {
                sim
            } else {
                0.70 + 0.1 * ((i * 37 % 101) as f32 / 100.0)
            }
        })
        .collect()
}

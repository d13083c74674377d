//! A visitor's turn through the engine, as the worker runs it: the sample
//! help centre in `kb/` with the site policy of `frontdesk.toml`, and an
//! arbitrary message with arbitrary earlier messages, unhelpful streak,
//! locale and embedding similarities. Nothing may panic, and the reply keeps
//! the decision's shape: an answer cites one article and says something,
//! a suggestion at most three, an escalation says why, small talk cites none.
#![no_main]

use std::sync::OnceLock;

use frontdesk_api::wire::Decision;
use frontdesk_shared::config::SiteConfig;
use frontdesk_shared::retrieval::kb::{parse_article, Article};
use frontdesk_shared::retrieval::{Context, Index, Thresholds, MAX_HITS};
use frontdesk_shared::text::Lang;
use libfuzzer_sys::fuzz_target;

fn index() -> &'static Index {
    static INDEX: OnceLock<Index> = OnceLock::new();
    INDEX.get_or_init(|| {
        // The checkout the run is for (scripts/fuzz.sh exports it): the
        // build is shared by every clone, so not the one it was built in.
        let root = std::env::var("FRONTDESK_ROOT")
            .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/..").to_owned());
        let mut paths: Vec<_> = std::fs::read_dir(format!("{root}/kb"))
            .expect("kb/")
            .map(|e| e.expect("kb entry").path())
            .filter(|p| p.extension().is_some_and(|x| x == "md"))
            .collect();
        paths.sort();
        let articles: Vec<Article> = paths
            .iter()
            .map(|p| {
                let slug = p.file_stem().unwrap().to_str().unwrap();
                parse_article(slug, &std::fs::read_to_string(p).unwrap()).unwrap()
            })
            .collect();
        let config: SiteConfig =
            toml::from_str(&std::fs::read_to_string(format!("{root}/frontdesk.toml")).unwrap())
                .expect("frontdesk.toml");
        Index::build_with(&articles, config.policy())
    })
}

fuzz_target!(|data: &[u8]| {
    // First byte: streak, locale and whether there are similarities; the
    // rest is messages separated by U+001E, the last one this turn's.
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let index = index();
    let mut messages: Vec<&str> = text.split('\u{1e}').collect();
    let message = messages.pop().unwrap_or_default();
    let semantic: Vec<f32> = (0..index.passage_count())
        .map(|i| f32::from(rest.get(i).copied().unwrap_or(0)) / 127.5 - 1.0)
        .collect();
    let ctx = Context {
        earlier: &messages,
        unhelpful_streak: u32::from(flags & 3),
        locale: match (flags >> 2) & 15 {
            n if usize::from(n) < Lang::ALL.len() => Some(Lang::ALL[usize::from(n)]),
            _ => None,
        },
        semantic: (flags & 64 != 0).then_some(&semantic[..]),
    };
    let th = Thresholds::default();

    let hits = index.search(message, None);
    assert!(hits.len() <= MAX_HITS);
    for h in &hits {
        assert!(h.doc < index.len());
        assert!(h.score.is_finite() && h.coverage.is_finite(), "{h:?}");
    }
    let turn = index.turn(message, &ctx, &th, None);
    let reply = &turn.reply;
    let chars = reply.text.chars().count();
    // A quoted passage (at most 900 characters and "…"), after a one-line
    // note when the article is in another language than the visitor's.
    assert!(chars <= 1024, "{chars} characters");
    assert!(
        !reply.text.trim().is_empty(),
        "{:?} says nothing",
        reply.decision
    );
    match reply.decision {
        Decision::Answer => assert_eq!(reply.sources.len(), 1),
        Decision::Suggest => assert!((1..=3).contains(&reply.sources.len())),
        Decision::Escalate => assert!(reply.reason.is_some() && reply.sources.is_empty()),
        Decision::SmallTalk => assert!(reply.sources.is_empty()),
        Decision::Action => panic!("the engine never decides an action"),
    }
    if reply.decision != Decision::Escalate {
        assert!(reply.reason.is_none());
    }
    assert_eq!(turn.evidence.len(), reply.sources.len());
    assert!(Lang::ALL.iter().any(|l| l.code() == reply.lang));
    assert!(turn.question.contains(message) || message.is_empty());
});

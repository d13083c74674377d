//! The help-content parser (`shared::kb::parse_article`, which `edge/build.rs`
//! runs on every `kb/*.md`) on arbitrary text, then the index built from what
//! it parsed and a question asked of it. Nothing may panic; a parsed article
//! keeps the documented guarantees (front matter fields, a body, a safe
//! URL), and `plain_text` only ever removes characters.
#![no_main]

use frontdesk_api::wire::Decision;
use frontdesk_shared::retrieval::kb::{parse_article, plain_text};
use frontdesk_shared::retrieval::{Context, Index, Thresholds};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let source = String::from_utf8_lossy(data);
    let plain = plain_text(&source);
    assert!(plain.chars().count() <= source.chars().count());

    let Ok(article) = parse_article("fuzz", &source) else {
        return;
    };
    assert!(!article.sections.is_empty());
    assert!(article.url.starts_with('/') || article.url.starts_with("https://"));
    let chars = source.chars().count();
    for s in &article.sections {
        assert!(s.heading.is_some() || !s.text.is_empty());
        assert_eq!(s.text, s.text.trim());
        assert!(s.text.chars().count() <= chars);
    }
    assert!(article.tags.len() + article.questions.len() <= source.lines().count());

    // The article as the engine sees it: indexed, then asked its own title
    // and first example question.
    let index = Index::build(std::slice::from_ref(&article));
    assert_eq!(index.len(), 1);
    let th = Thresholds::default();
    let question = article.questions.first().unwrap_or(&article.title);
    for q in [&article.title, question] {
        for hit in index.search(q, None) {
            assert_eq!(hit.doc, 0);
            assert!(hit.score.is_finite() && hit.coverage.is_finite());
        }
        let reply = index.turn(q, &Context::default(), &th, None).reply;
        assert!(reply.sources.len() <= 1);
        if reply.decision == Decision::Answer {
            assert_eq!(reply.sources[0].url, article.url);
        }
    }
});

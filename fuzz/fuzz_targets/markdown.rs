//! The Markdown subset replies are shown in (`frontdesk_api::markdown`): bot
//! replies come from articles and models, so arbitrary text. Nothing may panic; links point
//! only to allowed URLs, citations only to sources that exist, and the text
//! shown is never longer than the reply.
#![no_main]

use frontdesk_api::markdown::{parse, Kind, Target};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&sources, text)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(text) else {
        return;
    };
    let sources = usize::from(sources % 8);
    let blocks = parse(text, sources);
    let mut shown = 0;
    for block in &blocks {
        assert!(!block.items.is_empty());
        if block.kind == Kind::Para {
            assert_eq!(block.items.len(), 1);
        }
        for run in block.items.iter().flatten() {
            shown += run.text.chars().count();
            match &run.target {
                Target::Text => assert!(!run.text.is_empty()),
                Target::Cite(n) => {
                    assert!(*n < sources, "[{}] of {sources}", n + 1);
                    assert!(run.text.is_empty());
                }
                Target::Link(url) => {
                    assert!(!run.text.is_empty());
                    let scheme = ["https://", "http://", "mailto:"]
                        .iter()
                        .any(|p| url.starts_with(p));
                    let path = url.starts_with('/') && !url.starts_with("//");
                    assert!(scheme || path, "unsafe link {url:?}");
                    assert!(!url.starts_with("/\\"), "unsafe link {url:?}");
                    assert!(!url.chars().any(|c| c.is_whitespace() || c.is_control()));
                }
            }
        }
    }
    let chars = text.chars().count();
    assert!(shown <= chars, "{shown} characters shown of {chars}");
});

//! What the importers write into Markdown, in forms that stay what they are
//! when a renderer reads them: imported text stays text, and links point
//! only to web pages, mail addresses or relative paths.
//!
//! - [`escape_text`]: text with every character that could start a link,
//!   image, autolink, reference definition, raw HTML or code span
//!   backslash-escaped;
//! - [`link_destination`]: a link target kept only if it is `http(s)`,
//!   `mailto` or relative, percent-encoded so it cannot end early;
//! - [`code_fence`]: a fence longer than any backtick run in the code;
//! - [`drop_unsafe_links`]: the last check every article goes through (the
//!   [`Collector`](super::Collector)): the Markdown read back with
//!   pulldown-cmark, the renderer of `/help/<slug>` pages, and any link or
//!   image whose target is not allowed replaced by its text.

use std::fmt::Write as _;
use std::ops::Range;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

pub use frontdesk_api::links::{allowed_destination, browser_url, scheme};

/// `url` as a Markdown link destination that ends where it should: spaces,
/// control characters, Unicode whitespace, quotes, parentheses, angle
/// brackets, backslashes and backticks percent-encoded (UTF-8), so the
/// target can neither end the `(…)` early, start a title, nor pair with a
/// backtick outside it. `%` is left as it is (the URL may be encoded
/// already).
pub fn encode_destination(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    for c in url.chars() {
        let encode = c.is_control()
            || c.is_whitespace()
            || matches!(c, '"' | '\'' | '(' | ')' | '<' | '>' | '\\' | '`');
        if encode {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                let _ = write!(out, "%{b:02X}");
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// A link target for Markdown: `Some` (read as a browser reads it, then
/// encoded) only if it is allowed.
pub fn link_destination(url: &str) -> Option<String> {
    let url = browser_url(url);
    (!url.is_empty() && allowed_destination(&url)).then(|| encode_destination(&url))
}

/// Text as Markdown that renders as exactly that text, never as a link,
/// image, autolink, reference definition, raw HTML or code span: `\`, `[`,
/// `]`, `<`, `>` and `` ` `` are backslash-escaped. Emphasis characters
/// are left alone (they cannot make a link, and help text uses them as
/// words: `2*3`, `snake_case`).
pub fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '\\' | '[' | ']' | '<' | '>' | '`') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A fence for a code block holding `code`: backticks, one more than the
/// longest run in it and at least three, so no line of it closes the
/// block early.
pub fn code_fence(code: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in code.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    "`".repeat((longest + 1).max(3))
}

/// How often [`drop_unsafe_links`] reads its own output again before it
/// gives up and escapes the whole text.
const MAX_PASSES: usize = 4;

/// `md` with every link and image whose target is not allowed (read as
/// pulldown-cmark reads it: inline, reference, autolink) replaced by its
/// text, escaped, and every reference definition with such a target
/// escaped into text. Markdown that is already safe comes back unchanged.
/// Should a rewrite ever leave an unsafe target, the whole text is escaped.
pub fn drop_unsafe_links(md: &str) -> String {
    let mut text = md.to_owned();
    for _ in 0..MAX_PASSES {
        let edits = unsafe_spans(&text);
        if edits.is_empty() {
            return text;
        }
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for (range, replacement) in edits {
            if range.start < at {
                continue;
            }
            out.push_str(&text[at..range.start]);
            out.push_str(&replacement);
            at = range.end;
        }
        out.push_str(&text[at..]);
        text = out;
    }
    if unsafe_spans(&text).is_empty() {
        text
    } else {
        escape_text(md)
    }
}

/// The spans of unsafe links, images and reference definitions in `md`,
/// sorted, each with the text to put in its place: as read with no
/// extensions (the edge's renderer), else with all of them (wikilinks,
/// and metadata or math blocks that hide from the one what the other
/// sees).
fn unsafe_spans(md: &str) -> Vec<(Range<usize>, String)> {
    let edits = unsafe_spans_with(md, Options::empty());
    if edits.is_empty() {
        unsafe_spans_with(md, Options::all())
    } else {
        edits
    }
}

fn unsafe_spans_with(md: &str, opts: Options) -> Vec<(Range<usize>, String)> {
    let mut edits = Vec::new();
    let parser = Parser::new_ext(md, opts);
    for (_, def) in parser.reference_definitions().iter() {
        if !allowed_destination(&def.dest) {
            edits.push((def.span.clone(), escape_text(&md[def.span.clone()])));
        }
    }
    // The unsafe link being replaced: its span, its text so far and how
    // many links or images are open inside it.
    let mut open: Option<(Range<usize>, String, usize)> = None;
    for (event, range) in parser.into_offset_iter() {
        match event {
            Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
                match &mut open {
                    Some((_, _, depth)) => *depth += 1,
                    None if !allowed_destination(&dest_url) => {
                        open = Some((range, String::new(), 0));
                    }
                    None => {}
                }
            }
            Event::End(TagEnd::Link | TagEnd::Image) => {
                if let Some((_, _, depth)) = &mut open {
                    if *depth == 0 {
                        let (span, words, _) = open.take().expect("open");
                        edits.push((span, escape_text(&words)));
                    } else {
                        *depth -= 1;
                    }
                }
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some((_, words, _)) = &mut open {
                    words.push_str(&t);
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some((_, words, _)) = &mut open {
                    words.push(' ');
                }
            }
            _ => {}
        }
    }
    edits.sort_by_key(|(r, _)| (r.start, std::cmp::Reverse(r.end)));
    edits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemes_as_a_browser_reads_them() {
        assert_eq!(scheme("HTTPS://a.test").as_deref(), Some("https"));
        assert_eq!(scheme(" java\n\tscript:x").as_deref(), Some("javascript"));
        assert_eq!(scheme("\u{1}javascript:x").as_deref(), Some("javascript"));
        assert_eq!(
            link_destination("\u{1a} https://a.test/\tb c\n").as_deref(),
            Some("https://a.test/b%20c")
        );
        assert_eq!(scheme("/a:b"), None);
        assert_eq!(scheme("a/b:c"), None);
        assert_eq!(scheme("?q=a:b"), None);
        assert_eq!(scheme("#x:y"), None);
        for ok in [
            "https://a.test/",
            "mailto:a@b.test",
            "/p",
            "#f",
            "?q",
            "page",
        ] {
            assert!(allowed_destination(ok), "{ok}");
        }
        for bad in [
            "javascript:x",
            "data:x",
            "tel:1",
            "file:///etc",
            "vbscript:x",
            "java script:x",
        ] {
            assert!(!allowed_destination(bad), "{bad}");
        }
    }

    #[test]
    fn destinations_and_text_cannot_break_out() {
        assert_eq!(
            encode_destination("https://a.test/x) [a](j\"s'<b>\\`é\u{a0}\n"),
            "https://a.test/x%29%20[a]%28j%22s%27%3Cb%3E%5C%60é%C2%A0%0A"
        );
        assert_eq!(
            escape_text(r"a [b](c) <d> \ `e` *f*"),
            r"a \[b\](c) \<d\> \\ \`e\` *f*"
        );
        assert_eq!(code_fence("a ``` b ```` c"), "`````");
        assert_eq!(code_fence("plain"), "```");
    }

    #[test]
    fn unsafe_links_become_their_text() {
        use crate::import::rendered::{assert_safe, read};
        let md = "See [the guide](https://ok.test/g) or [click\nhere](\njavascript:alert(1)) \
                  or <javascript:alert(2)> or [ref] or ![img](data:x) or \
                  [![inner](javascript:1)](javascript:2) or [w](<java script:3>).\n\n\
                  [ref]: javascript:alert(3)\n";
        let out = drop_unsafe_links(md);
        assert_safe(&out);
        let r = read(&out);
        assert!(
            r.destinations.iter().all(|d| d == "https://ok.test/g"),
            "{out}"
        );
        assert!(r.text.contains("or click here or"), "{out}");
        assert!(r.text.contains("javascript:alert(2)"), "{out}");
        let fine = "Plain [link](https://ok.test/) and `code`.\n";
        assert_eq!(drop_unsafe_links(fine), fine);
    }
}

//! The importers (`shared::import`) on arbitrary text, read as each kind of
//! source: a web page, a Zendesk and an Intercom export, a sitemap, a
//! Markdown file in every dialect. Nothing may panic, and everything an
//! importer produces is a valid article named by a valid slug — the
//! `Collector` checks every output with the build's parser, so a broken
//! conversion shows up as a skipped item, never as a bad file. Every link
//! and image in an article body, read back as a renderer reads it
//! (pulldown-cmark, with no extensions and with all), points to http(s),
//! mailto or a relative path; HTML turned into Markdown holds no raw HTML.
#![no_main]

use frontdesk_shared::import::markdown::{self, Dialect, Options, SourceFile};
use frontdesk_shared::import::{helpcentre, html, sitemap, Collector, Outcome};
use frontdesk_shared::retrieval::kb::parse_article;
use libfuzzer_sys::fuzz_target;
use pulldown_cmark::{Event, Options as MdOptions, Parser, Tag};

/// A destination a browser can only follow to a page or a mail client:
/// scheme `http`, `https` or `mailto` (`https:/x` is `https://x/` to a
/// browser), or relative (no `:` before the first `/`, `?` or `#`), read
/// as a browser reads it (leading controls and spaces trimmed, tabs and
/// newlines removed). Written apart from the importers' own check.
fn safe_destination(dest: &str) -> bool {
    let lower: String = dest
        .trim_start_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect::<String>()
        .to_ascii_lowercase();
    let before = lower.split(['/', '?', '#']).next().unwrap_or("");
    match before.split_once(':') {
        None => true,
        Some((scheme, _)) => matches!(scheme, "http" | "https" | "mailto"),
    }
}

/// Every link and image destination in `md` is safe; for Markdown made
/// from HTML (`from_html`) also encoded (no whitespace or control
/// characters), and no raw HTML is left.
fn check_markdown(md: &str, from_html: bool) {
    for opts in [MdOptions::empty(), MdOptions::all()] {
        for event in Parser::new_ext(md, opts) {
            match event {
                Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
                    assert!(safe_destination(&dest_url), "{dest_url:?} in {md:?}");
                    assert!(
                        !from_html
                            || !dest_url
                                .chars()
                                .any(|c| c.is_control() || c.is_whitespace()),
                        "{dest_url:?} in {md:?}"
                    );
                }
                Event::Html(h) | Event::InlineHtml(h) if from_html => {
                    panic!("raw HTML {h:?} in {md:?}")
                }
                _ => {}
            }
        }
    }
}

fn check(o: &Outcome) {
    for a in &o.articles {
        assert!(!a.slug.is_empty() && a.slug.len() <= 100, "{:?}", a.slug);
        assert!(
            a.slug
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "{:?}",
            a.slug
        );
        assert_eq!(parse_article(&a.slug, &a.source).as_ref(), Ok(&a.article));
        assert!(!a.article.title.contains('\n'));
        let (_, body) = a.source[4..].split_once("\n---\n").expect("front matter");
        check_markdown(body, false);
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);

    let mut pages = Collector::new();
    html::import_page(&mut pages, "https://help.example.com/a/b.html", &text, "en");
    check(&pages.finish());
    check_markdown(
        &html::fragment_to_markdown(&text, "https://help.example.com/"),
        true,
    );

    let files = [("x.json".to_owned(), text.to_string())];
    check(&helpcentre::import_files(
        helpcentre::Kind::Zendesk,
        &files,
        "en",
    ));
    check(&helpcentre::import_files(
        helpcentre::Kind::Intercom,
        &files,
        "en",
    ));

    if let Ok(sitemap::Sitemap::Pages(urls) | sitemap::Sitemap::Index(urls)) = sitemap::parse(&text)
    {
        assert!(urls.iter().all(|u| !u.is_empty()));
    }

    let file = [SourceFile {
        path: "docs/de/guide/page.de.md".into(),
        text: text.to_string(),
    }];
    for dialect in [
        Dialect::Auto,
        Dialect::Plain,
        Dialect::Obsidian,
        Dialect::Docusaurus,
        Dialect::Mkdocs,
    ] {
        let opts = Options {
            dialect,
            base_url: Some("https://docs.example.com".into()),
            ..Options::default()
        };
        check(&markdown::import(&file, &opts));
    }
});

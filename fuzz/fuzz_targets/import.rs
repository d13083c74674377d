//! The importers (`shared::import`) on arbitrary text, read as each kind of
//! source: a web page, a Zendesk and an Intercom export, a sitemap, a
//! Markdown file in every dialect. Nothing may panic, and everything an
//! importer produces is a valid article named by a valid slug — the
//! `Collector` checks every output with the build's parser, so a broken
//! conversion shows up as a skipped item, never as a bad file.
#![no_main]

use frontdesk_shared::import::markdown::{self, Dialect, Options, SourceFile};
use frontdesk_shared::import::{helpcentre, html, sitemap, Collector, Outcome};
use frontdesk_shared::kb::parse_article;
use libfuzzer_sys::fuzz_target;

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
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);

    let mut pages = Collector::new();
    html::import_page(&mut pages, "https://help.example.com/a/b.html", &text, "en");
    check(&pages.finish());
    html::fragment_to_markdown(&text, "https://help.example.com/");

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

use super::*;

fn one(path: &str, text: &str) -> Outcome {
    import(
        &[SourceFile {
            path: path.into(),
            text: text.into(),
        }],
        &Options::default(),
    )
}

#[test]
fn admonitions_keep_title_and_text() {
    let o = one(
        "a.md",
        "# Title\n:::tip Save time\nUse shortcuts.\n:::\n\n!!! warning \"Careful\"\n    Indented text.\n\nAfter.\n",
    );
    let s = &o.articles[0].source;
    assert!(s.contains("**Save time**\nUse shortcuts."), "{s}");
    assert!(s.contains("**Careful**\nIndented text."), "{s}");
    let tabs = one(
        "b.md",
        "Intro.\n\n??? tip\n\tTabbed text.\n\t\n\t    code-ish\n",
    );
    let s = &tabs.articles[0].source;
    assert!(s.contains("**Tip**\nTabbed text.\n\n    code-ish"), "{s}");
    assert!(!s.contains(":::") && !s.contains("!!!"), "{s}");
    assert_eq!(o.articles[0].article.title, "Title");
}

#[test]
fn wikilinks_and_callouts() {
    let files = [
        SourceFile {
            path: "Sync.md".into(),
            text: "> [!tip]- Quick fix\n> Sign out and in.\n\nSee [[Billing|plans]] and [[Missing page]]. ![[pic.png]] #sync\n".into(),
        },
        SourceFile {
            path: "Billing.md".into(),
            text: "Prices.".into(),
        },
    ];
    let o = import(&files, &Options::default());
    let s = &o.articles[0].source;
    assert!(s.contains("**Quick fix**\nSign out and in."), "{s}");
    assert!(
        s.contains("See [plans](/billing) and Missing page.\n"),
        "{s}"
    );
    assert_eq!(o.articles[0].article.tags, ["sync"]);
}

#[test]
fn urls_from_paths_and_slugs() {
    assert_eq!(
        url_path("guide/Getting Started.md"),
        "guide/getting-started"
    );
    assert_eq!(url_path("de/index.md"), "de");
    assert_eq!(url_path("faq.de.md"), "faq");
    assert_eq!(
        url_path("i18n/fr/docusaurus-plugin-content-docs/current/sync.md"),
        "fr/sync"
    );
    assert_eq!(
        lang_of_path("i18n/fr/x/current/a.md").as_deref(),
        Some("fr")
    );
    assert_eq!(lang_of_path("faq.de.md").as_deref(), Some("de"));
}

#[test]
fn setext_headings_become_sections() {
    let o = one(
        "a.md",
        "Intro.\n\nBilling\n=======\nText.\n\nRefunds\n-------\nMore.\n\n---\n\nEnd.",
    );
    let a = &o.articles[0].article;
    let headings: Vec<_> = a.sections.iter().map(|s| s.heading.as_deref()).collect();
    assert_eq!(headings, [None, Some("Billing"), Some("Refunds")]);
}

/// A hostile Markdown folder: script links inline, across lines, by
/// reference, as autolinks and in angle brackets, and a wikilink to a
/// page whose permalink would break out of `(…)`. Read back as the edge
/// renders it, every link points to http(s), mailto or a relative path.
#[test]
fn hostile_markdown_gives_no_unsafe_links() {
    use crate::import::rendered::{assert_safe, read};
    let files = [
        SourceFile {
            path: "a.md".into(),
            text: "# A\nSee [x](javascript:alert(1)) and [y](<javascript:alert(2)>) \
                   and [z](JAVA&#83;cript:alert(3)) and <javascript:alert(4)>.\n\n\
                   A [multi\nline](\njavascript:alert(5)) link and [ref] and [t][ref].\n\n\
                   [ref]: javascript:alert(6)\n\n\
                   ![i](javascript:alert(7)) [ok](https://ok.test/) [[B]] [rel](b.md)\n"
                .into(),
        },
        SourceFile {
            path: "b.md".into(),
            text: "---\npermalink: /b (x) <y>\n---\nB text.\n".into(),
        },
    ];
    let o = import(&files, &Options::default());
    assert_eq!(o.articles.len(), 2, "{:?}", o.skipped);
    let body = &o.articles[0].article;
    let source = &o.articles[0].source;
    assert_safe(source);
    let r = read(source);
    assert!(r.text.contains("A multi line link"), "{source}");
    assert!(
        r.destinations.iter().any(|d| d == "/b%20%28x%29%20%3Cy%3E"),
        "{source}"
    );
    assert!(
        r.destinations.iter().any(|d| d == "https://ok.test/"),
        "{source}"
    );
    assert!(!body.sections.is_empty());
}

#[test]
fn mdx_lines_dropped() {
    let o = one(
        "a.mdx",
        "---\ntitle: T\n---\nimport Tabs from '@theme/Tabs';\n\n<Tabs>\n<TabItem value=\"mac\" label=\"macOS\">\nPress <kbd>Cmd</kbd>.\n</TabItem>\n</Tabs>\n",
    );
    let s = &o.articles[0].source;
    assert!(s.ends_with("---\n**macOS**\nPress Cmd.\n"), "{s}");
}

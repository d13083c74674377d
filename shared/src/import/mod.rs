//! Importers: help content site owners already have, turned into canonical
//! Frontdesk articles (the kb Markdown with front matter that
//! [`crate::retrieval::kb::parse_article`] reads).
//!
//! - [`markdown`]: a folder of Markdown — plain, Obsidian, Docusaurus, MkDocs;
//! - [`html`]: one web page, its main content kept and the rest dropped;
//! - [`sitemap`]: the page URLs of a `sitemap.xml` or sitemap index;
//! - [`helpcentre`]: Zendesk Guide and Intercom article exports (JSON).
//!
//! Pure functions over text: the `frontdesk-import` command reads files and
//! fetches pages, then hands the text here. Every importer goes through one
//! [`Collector`], so every output is checked with `parse_article` before it
//! counts, slugs are unique, and anything left out is reported with its
//! reason instead of failing the whole import. [`safe`] is how text and
//! link targets are written, and the check every article body goes through
//! last: no link or image in it points anywhere but `http(s)`, `mailto` or
//! a relative path.

pub mod frontmatter;
pub mod helpcentre;
pub mod html;
pub mod markdown;
pub mod safe;
pub mod sitemap;

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::retrieval::kb::{parse_article, Article};

/// An article before it is written out: the fields of the canonical front
/// matter and a Markdown body.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Draft {
    /// Preferred slug; made unique by the [`Collector`].
    pub slug: String,
    /// Put on one line; the [`Collector`] makes one from the slug when empty.
    pub title: String,
    /// `/path` or `https://…`.
    pub url: String,
    /// Primary language subtag, lower case (`en`, `de`).
    pub lang: String,
    /// Labels from the source (front-matter `tags`, Zendesk `label_names`,
    /// Obsidian `#tags`).
    pub tags: Vec<String>,
    /// Other names visitors may use for it (Obsidian aliases).
    pub questions: Vec<String>,
    /// Markdown; headings become sections.
    pub body: String,
}

/// One imported article: its slug, the canonical Markdown source (what is
/// written to `<slug>.md` or sent to the admin endpoint) and the article that
/// source parses to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// Unique within the import: `faq`, then `faq-2`, `faq-3`…
    pub slug: String,
    /// The canonical Markdown with front matter ([`canonical`]).
    pub source: String,
    /// What `source` parses to, so the caller can count and list it.
    pub article: Article,
}

/// Why an item was left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    /// No text once markup and boilerplate are gone.
    Empty,
    /// A draft or unpublished article.
    Draft,
    /// The response was not an HTML page.
    NotHtml,
    /// The input could not be read (bad JSON, a broken file, …).
    Parse(String),
    /// The page could not be fetched (HTTP status, timeout, connection
    /// refused).
    Fetch(String),
    /// The importer would not read it: not an `http(s)` URL, an address
    /// that is not public, a redirect it may not follow, the memory budget
    /// spent.
    Refused(String),
}

impl std::fmt::Display for SkipReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SkipReason::Empty => f.write_str("empty"),
            SkipReason::Draft => f.write_str("draft"),
            SkipReason::NotHtml => f.write_str("not HTML"),
            SkipReason::Parse(e) => write!(f, "parse error: {e}"),
            SkipReason::Fetch(e) => write!(f, "fetch failed: {e}"),
            SkipReason::Refused(e) => write!(f, "refused: {e}"),
        }
    }
}

impl SkipReason {
    /// The reason's kind without details, for summaries.
    pub fn kind(&self) -> &'static str {
        match self {
            SkipReason::Empty => "empty",
            SkipReason::Draft => "draft",
            SkipReason::NotHtml => "not HTML",
            SkipReason::Parse(_) => "parse error",
            SkipReason::Fetch(_) => "fetch failed",
            SkipReason::Refused(_) => "refused",
        }
    }
}

/// An item left out: what it was (file, URL, article id) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The file path, page URL or export article id it came from.
    pub item: String,
    /// Why it was left out.
    pub reason: SkipReason,
}

/// The JSON bundle the admin endpoint `PUT /api/v1/admin/content` accepts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Bundle {
    /// The imported articles. Sent as is (no `mode`), they are merged with
    /// what is live: an article with the same slug is replaced.
    pub articles: Vec<BundleItem>,
}

/// One article of a [`Bundle`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleItem {
    /// The article's slug, its name in `/help/<slug>`.
    pub slug: String,
    /// Its canonical Markdown with front matter.
    pub source: String,
}

/// What an import produced.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// The checked articles, in the order their items arrived.
    pub articles: Vec<Imported>,
    /// What was left out, with the reasons, in the same order.
    pub skipped: Vec<Skipped>,
}

impl Outcome {
    /// The articles as the admin endpoint's bundle.
    pub fn bundle(&self) -> Bundle {
        Bundle {
            articles: self
                .articles
                .iter()
                .map(|a| BundleItem {
                    slug: a.slug.clone(),
                    source: a.source.clone(),
                })
                .collect(),
        }
    }

    /// Articles per language, for the summary.
    pub fn by_lang(&self) -> BTreeMap<String, usize> {
        let mut m = BTreeMap::new();
        for a in &self.articles {
            *m.entry(a.article.lang.clone()).or_insert(0) += 1;
        }
        m
    }

    /// Adds another outcome (several export files, several sitemaps).
    pub fn extend(&mut self, other: Outcome) {
        self.articles.extend(other.articles);
        self.skipped.extend(other.skipped);
    }
}

/// Collects drafts into checked, uniquely named articles.
#[derive(Debug, Default)]
pub struct Collector {
    out: Outcome,
    slugs: HashSet<String>,
    /// Per base slug, the next number to try.
    next: HashMap<String, usize>,
}

impl Collector {
    /// A collector with nothing in it yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a draft from `item` (a path, URL or id, for the report). Slugs
    /// are made unique in the order drafts arrive (`faq`, `faq-2`, …), so the
    /// same input always gives the same names.
    pub fn add(&mut self, item: &str, mut draft: Draft) {
        // The importers escape what they write; this read-back is the last
        // word for every source, the owner's own Markdown included.
        draft.body = safe::drop_unsafe_links(draft.body.trim()).trim().to_owned();
        if draft.body.is_empty()
            || crate::retrieval::kb::plain_text(&draft.body)
                .trim()
                .is_empty()
        {
            return self.skip(item, SkipReason::Empty);
        }
        draft.title = one_line(&draft.title);
        if draft.title.is_empty() {
            draft.title = title_from_slug(&draft.slug);
        }
        let base = match slugify(&draft.slug) {
            s if s.is_empty() => slugify(&draft.title),
            s => s,
        };
        let base = if base.is_empty() {
            "article".to_owned()
        } else {
            base
        };
        let mut slug = base.clone();
        // Numbering resumes where this base left off, so a thousand copies
        // of one title cost no more than one each.
        let next = self.next.entry(base.clone()).or_insert(2);
        while self.slugs.contains(&slug) {
            slug = format!("{base}-{next}");
            *next += 1;
        }
        let source = canonical(&draft);
        match parse_article(&slug, &source) {
            Ok(article) => {
                self.slugs.insert(slug.clone());
                self.out.articles.push(Imported {
                    slug,
                    source,
                    article,
                });
            }
            Err(crate::retrieval::kb::KbError::EmptyBody) => self.skip(item, SkipReason::Empty),
            Err(e) => self.skip(item, SkipReason::Parse(e.to_string())),
        }
    }

    /// Records an item left out.
    pub fn skip(&mut self, item: &str, reason: SkipReason) {
        self.out.skipped.push(Skipped {
            item: item.to_owned(),
            reason,
        });
    }

    /// The articles and skipped items, in the order they came.
    pub fn finish(self) -> Outcome {
        self.out
    }
}

/// The canonical kb source of a draft.
pub fn canonical(d: &Draft) -> String {
    let mut s = String::with_capacity(d.body.len() + 128);
    s.push_str("---\ntitle: ");
    s.push_str(&one_line(&d.title));
    s.push_str("\nurl: ");
    s.push_str(&one_line(&d.url));
    s.push_str("\nlang: ");
    s.push_str(&lang_code(&d.lang).unwrap_or_else(|| "en".to_owned()));
    s.push('\n');
    for (key, items) in [("tags", &d.tags), ("questions", &d.questions)] {
        let items: Vec<String> = items
            .iter()
            .map(|t| one_line(t))
            .filter(|t| !t.is_empty())
            .collect();
        if items.is_empty() {
            continue;
        }
        s.push_str(key);
        s.push_str(":\n");
        for t in items {
            s.push_str("  - ");
            s.push_str(&t);
            s.push('\n');
        }
    }
    s.push_str("---\n");
    s.push_str(&d.body);
    s.push('\n');
    s
}

/// `s` on one line with runs of whitespace collapsed: front-matter values
/// cannot span lines.
pub fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A language tag's primary subtag in lower case (`pt-BR` → `pt`), if it
/// looks like one.
pub fn lang_code(tag: &str) -> Option<String> {
    let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
    ((2..=3).contains(&primary.len()) && primary.bytes().all(|b| b.is_ascii_lowercase()))
        .then_some(primary)
}

/// Language codes recognised as a path segment (`docs/de/…`) or file-name
/// suffix (`faq.de.md`): ISO 639-1 codes of languages help centres are
/// commonly written in. A short list on purpose: `docs/go/…` is not Galician.
const PATH_LANGS: &[&str] = &[
    "ar", "bg", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "he", "hr", "hu", "id", "it",
    "ja", "ko", "lt", "lv", "nb", "nl", "no", "pl", "pt", "ro", "ru", "sk", "sl", "sv", "th", "tr",
    "uk", "vi", "zh",
];

/// The language a path segment or suffix names (`de`, `pt-br`, `zh-Hans`).
pub fn path_lang(segment: &str) -> Option<String> {
    let code = lang_code(segment)?;
    let rest = &segment[code.len()..];
    let region_ok = rest.is_empty()
        || (rest.starts_with(['-', '_'])
            && (3..=5).contains(&rest.len())
            && rest[1..].bytes().all(|b| b.is_ascii_alphabetic()));
    (region_ok && PATH_LANGS.contains(&code.as_str())).then_some(code)
}

/// A URL-safe slug: lower-case ASCII letters and digits separated by single
/// dashes, at most 80 bytes — what the admin endpoint accepts as a slug and
/// any file system as a name. Common accented Latin letters are
/// transliterated (`ü` → `ue`); other scripts are dropped, so a title only
/// in those gives an empty slug and the caller falls back (an id, the
/// file's path, `article`).
pub fn slugify(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut dash = false;
    for c in s.chars().flat_map(char::to_lowercase) {
        let mapped: Option<&str> = match c {
            'ä' | 'æ' => Some("ae"),
            'ö' | 'ø' | 'œ' => Some("oe"),
            'ü' => Some("ue"),
            'ß' => Some("ss"),
            'à' | 'á' | 'â' | 'ã' | 'å' | 'ą' => Some("a"),
            'ç' | 'ć' | 'č' => Some("c"),
            'è' | 'é' | 'ê' | 'ë' | 'ę' | 'ě' => Some("e"),
            'ì' | 'í' | 'î' | 'ï' => Some("i"),
            'ñ' | 'ń' | 'ň' => Some("n"),
            'ò' | 'ó' | 'ô' | 'õ' => Some("o"),
            'ù' | 'ú' | 'û' | 'ů' => Some("u"),
            'ł' => Some("l"),
            'ś' | 'š' => Some("s"),
            'ź' | 'ż' | 'ž' => Some("z"),
            'ý' | 'ÿ' => Some("y"),
            'ř' => Some("r"),
            _ => None,
        };
        if let Some(m) = mapped {
            out.push_str(m);
            dash = false;
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
            dash = false;
        } else if !dash && !out.is_empty() {
            out.push('-');
            dash = true;
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    // File names stay short; cut at a character boundary.
    if out.len() > 80 {
        let mut cut = 80;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
        while out.ends_with('-') {
            out.pop();
        }
    }
    out
}

/// A readable title from a file name: `reset-your_password` → "Reset your
/// password".
pub fn title_from_slug(slug: &str) -> String {
    let words = slug.replace(['-', '_'], " ");
    let words = one_line(&words);
    let mut chars = words.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Joins a site-relative path to a base URL: `https://docs.example.com/help`
/// + `/billing/refunds` → `https://docs.example.com/help/billing/refunds`;
///   without a base the path itself.
pub fn join_url(base: Option<&str>, path: &str) -> String {
    let path = if path.starts_with('/') {
        path.to_owned()
    } else {
        format!("/{path}")
    };
    match base {
        Some(b) if !b.is_empty() => format!("{}{}", b.trim_end_matches('/'), path),
        _ => path,
    }
}

/// A page URL as a kb `url`: `https://` URLs as they are; anything else
/// (`http://`, a loopback test server) by its path, which the site serves
/// under its own origin.
pub fn page_url(url: &str) -> String {
    if url.starts_with("https://") {
        return url.to_owned();
    }
    let after_scheme = url.split_once("://").map_or(url, |(_, r)| r);
    match after_scheme.find('/') {
        Some(i) => after_scheme[i..].to_owned(),
        None => "/".to_owned(),
    }
}

/// What a Markdown renderer makes of importer output, for the tests:
/// pulldown-cmark (the edge's renderer) reads it with no extensions and
/// with all of them.
#[cfg(test)]
pub(crate) mod rendered {
    use pulldown_cmark::{Event, Options, Parser, Tag};

    /// The link and image destinations in `md`, the raw HTML in it and its
    /// text, as read with no extensions and with all of them.
    #[derive(Debug, Default)]
    pub(crate) struct Rendered {
        pub destinations: Vec<String>,
        pub html: Vec<String>,
        pub text: String,
    }

    pub(crate) fn read(md: &str) -> Rendered {
        let mut r = Rendered::default();
        for opts in [Options::empty(), Options::all()] {
            for event in Parser::new_ext(md, opts) {
                match event {
                    Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
                        r.destinations.push(dest_url.to_string());
                    }
                    Event::Html(h) | Event::InlineHtml(h) => r.html.push(h.to_string()),
                    Event::Text(t) | Event::Code(t) if opts.is_empty() => r.text.push_str(&t),
                    Event::SoftBreak | Event::HardBreak if opts.is_empty() => r.text.push('\n'),
                    _ => {}
                }
            }
        }
        r
    }

    /// A destination a browser can only follow to a web page or a mail
    /// client: scheme `http`, `https` or `mailto` (`https:/x` is
    /// `https://x/` to a browser), or relative (`/path`, `#frag`,
    /// `?query`, `page`: no `:` before the first `/`, `?` or `#`), read as
    /// a browser reads it (leading controls and spaces trimmed, tabs and
    /// newlines removed). Written apart from the importers' own check on
    /// purpose.
    pub(crate) fn safe(dest: &str) -> bool {
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

    /// Panics unless every destination in `md` is [`safe`] and it holds no
    /// raw HTML.
    pub(crate) fn assert_safe(md: &str) {
        let r = read(md);
        for d in &r.destinations {
            assert!(safe(d), "unsafe destination {d:?} in:\n{md}");
        }
        assert!(r.html.is_empty(), "raw HTML {:?} in:\n{md}", r.html);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tests_oracle_allows_web_mail_and_relative_destinations_only() {
        // `https:/x` is `https://x/` to a browser (a fuzz find: the
        // importers keep it, and it is safe).
        for ok in [
            "https://a.b",
            "HTTP://a.b",
            "https:/a.b",
            "mailto:x@y",
            "/p",
            "p/q:r",
            "#f",
        ] {
            assert!(rendered::safe(ok), "{ok}");
        }
        for bad in [
            "javascript:x",
            " java\tscript:x",
            "data:text/html,x",
            "vbscript:x",
            "tel:1",
        ] {
            assert!(!rendered::safe(bad), "{bad}");
        }
    }

    #[test]
    fn slugs_are_ascii_and_readable() {
        assert_eq!(slugify("Passwort zurücksetzen!"), "passwort-zuruecksetzen");
        assert_eq!(
            slugify("  Créer un compte — étape 1 "),
            "creer-un-compte-etape-1"
        );
        assert_eq!(slugify("パスワード"), "");
        assert_eq!(slugify("FAQ — パスワード 2"), "faq-2");
        assert_eq!(slugify("--"), "");
    }

    #[test]
    fn duplicate_slugs_get_numbers_in_order() {
        let mut c = Collector::new();
        for _ in 0..3 {
            c.add(
                "x",
                Draft {
                    slug: "faq".into(),
                    title: "FAQ".into(),
                    url: "/faq".into(),
                    lang: "en".into(),
                    body: "Some text.".into(),
                    ..Draft::default()
                },
            );
        }
        c.add(
            "empty.md",
            Draft {
                slug: "e".into(),
                title: "E".into(),
                url: "/e".into(),
                body: "  \n".into(),
                ..Draft::default()
            },
        );
        let out = c.finish();
        let slugs: Vec<&str> = out.articles.iter().map(|a| a.slug.as_str()).collect();
        assert_eq!(slugs, ["faq", "faq-2", "faq-3"]);
        assert_eq!(out.skipped[0].reason, SkipReason::Empty);
    }

    #[test]
    fn languages_from_tags_and_paths() {
        assert_eq!(lang_code("pt-BR").as_deref(), Some("pt"));
        assert_eq!(lang_code("en_US").as_deref(), Some("en"));
        assert_eq!(path_lang("de").as_deref(), Some("de"));
        assert_eq!(path_lang("zh-Hans").as_deref(), Some("zh"));
        assert_eq!(path_lang("go"), None);
        assert_eq!(path_lang("docs"), None);
        assert_eq!(page_url("http://127.0.0.1:9/help/a"), "/help/a");
        assert_eq!(page_url("https://x.io/a"), "https://x.io/a");
        assert_eq!(join_url(Some("https://d.io/"), "a/b"), "https://d.io/a/b");
    }
}

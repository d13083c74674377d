//! Help content updated on a running deployment: the admin API's wire types
//! (`PUT`/`GET /api/v1/admin/content`), the upload's validation, and how
//! uploaded articles combine with the bundled ones (`kb/`, compiled in).
//!
//! The bundled articles are the base. An uploaded article with a bundled
//! article's slug replaces it; a deleted slug hides the bundled article of
//! that slug until it is uploaded again; `mode: "replace"` resets the help
//! centre to the bundled articles plus the upload. Everything here is pure:
//! the worker reads and writes D1 and builds the index from [`live`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::retrieval::kb::{parse_article, Article};
use frontdesk_api::error::{ApiError, ErrorCode};

/// Most articles in one upload. The index is rebuilt per segment of at
/// most 2,000 articles ([`SEGMENT_DOCS`](super::SEGMENT_DOCS)), which
/// takes about 3 s of CPU native (see README, "Update content on a running
/// deployment").
pub const MAX_UPLOAD_ARTICLES: usize = 2000;
/// Most articles in the live help centre: five full segments. Loaded, its
/// index takes some 61 MB of an isolate's 128 MB.
pub const MAX_ARTICLES: usize = 10_000;
/// Longest article source, in bytes (a long help article is 20–40 KB).
pub const MAX_ARTICLE_BYTES: usize = 256 * 1024;
/// Largest upload body, in bytes: room for a help centre of a few thousand
/// typical articles (the sample's average is 4 KB).
pub const MAX_UPLOAD_BYTES: usize = 8 * 1024 * 1024;
/// Longest slug, in characters.
pub const MAX_SLUG_CHARS: usize = 100;

/// `PUT /api/v1/admin/content` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContentUpload {
    /// The articles to add, at most [`MAX_UPLOAD_ARTICLES`], each slug
    /// once ([`check_upload`]).
    pub articles: Vec<UploadedArticle>,
    /// How they combine with what is live; [`UploadMode::Merge`] when left
    /// out.
    #[serde(default)]
    pub mode: UploadMode,
}

/// One article of an upload: its slug (`/help/<slug>`) and its canonical kb
/// Markdown, front matter included (what [`parse_article`] reads).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UploadedArticle {
    /// 1–[`MAX_SLUG_CHARS`] of `a-z 0-9 -` ([`valid_slug`]); a live article
    /// of this slug, bundled or uploaded, is replaced.
    pub slug: String,
    /// The article file, at most [`MAX_ARTICLE_BYTES`]: what a `kb/*.md`
    /// file holds and the importers write.
    pub source: String,
}

/// How an upload combines with what is live.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UploadMode {
    /// Add the articles, replacing those with the same slug; keep the rest.
    #[default]
    Merge,
    /// The help centre becomes the bundled articles plus these: earlier
    /// uploads and deletions are dropped.
    Replace,
}

/// Where a live article comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Compiled in from `kb/`.
    Bundled,
    /// Sent to the admin API.
    Uploaded,
}

/// One live article in `GET /api/v1/admin/content`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContentItem {
    /// Its slug: its page is `/help/<slug>`, and `DELETE` names it.
    pub slug: String,
    /// Its front matter's `title`, as replies cite it.
    pub title: String,
    /// Its front matter's `lang` tag as written (`en` when left out).
    pub lang: String,
    /// Its front matter's `url`, where replies link: a path on the site or
    /// an `https://` URL.
    pub url: String,
    /// Whether it is bundled or uploaded (an upload may replace a bundled
    /// article of its slug).
    pub source: Origin,
    /// When it was uploaded (ms since the epoch); `None` for bundled ones.
    pub updated: Option<i64>,
}

/// `GET /api/v1/admin/content` response: what visitors are answered from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContentList {
    /// The content version: 0 is the bundled help centre as deployed; each
    /// update adds one.
    pub version: i64,
    /// Every live article: the bundled ones in order (an uploaded one in
    /// place of its slug's), then the other uploaded ones by slug, as
    /// [`live`] orders them.
    pub articles: Vec<ContentItem>,
}

/// `PUT` and `DELETE` response: the new version and what it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContentUpdated {
    /// The content version now live: the one before plus one (see
    /// [`ContentList::version`]).
    pub version: i64,
    /// Live articles after the update.
    pub articles: usize,
    /// Of them, uploaded ones.
    pub uploaded: usize,
    /// Bytes of the index segments this update stored.
    pub index_bytes: usize,
    /// Time building them took in the worker, in ms.
    pub build_ms: u64,
    /// Segments of the index (of at most
    /// [`SEGMENT_DOCS`](super::SEGMENT_DOCS) articles each).
    pub segments: usize,
    /// Of them, rebuilt by this update (the others are kept as stored).
    pub rebuilt: usize,
}

/// `GET /api/v1/admin/content/index` response: how the live index is
/// stored (segments of at most [`SEGMENT_DOCS`](super::SEGMENT_DOCS)
/// articles, one object each), and every stored object: index segments
/// (`index/<writer>/<n>`: the live ones, and any a stopped update left
/// behind that the scheduled run has not deleted yet) and passage vector
/// matrices (`vectors/<model>/<content>`, one per embedding model).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContentIndex {
    /// The live content version, as in [`ContentList::version`].
    pub version: i64,
    /// The segments that version is made of.
    pub segments: Vec<IndexSegment>,
    /// Every object stored under `index/` and `vectors/`, live or not.
    pub objects: Vec<IndexObject>,
}

/// A live segment: the update that stored it, its object and its size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexSegment {
    /// Its number: segment 0 holds the bundled articles.
    pub segment: i64,
    /// The id of the update that stored it (a random UUID).
    pub writer: String,
    /// Its object's key, `index/<writer>/<segment>`; its articles' texts
    /// are stored apart, under the same key plus `.text`.
    pub key: String,
    /// Bytes stored for it: the object and its texts together.
    pub bytes: u64,
}

/// A stored object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexObject {
    /// Its key in the bucket (`index/…` or `vectors/…`).
    pub key: String,
    /// Its size, in bytes.
    pub bytes: u64,
}

/// A stored override of the bundled help centre: an uploaded article
/// (`Some`) or a deleted slug (`None`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    /// The slug it applies to.
    pub slug: String,
    /// The uploaded article; `None`: the slug is deleted, hiding the
    /// bundled article of that slug.
    pub article: Option<Article>,
    /// When it was stored, in ms since the epoch (what
    /// [`ContentItem::updated`] shows).
    pub updated: i64,
}

/// Whether `slug` may name an article: 1–[`MAX_SLUG_CHARS`] lowercase ASCII
/// letters, digits and inner hyphens, so it is safe in a URL path as is.
pub fn valid_slug(slug: &str) -> bool {
    (1..=MAX_SLUG_CHARS).contains(&slug.len())
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-')
        && !slug.ends_with('-')
}

/// Checks a whole upload before anything is stored: every slug valid and
/// unique, every source within [`MAX_ARTICLE_BYTES`] and parsing, at most
/// [`MAX_UPLOAD_ARTICLES`]. The first problem is the error, naming the article
/// (`field` is `articles[i]`) and, for a parse error, the line.
pub fn check_upload(upload: &ContentUpload) -> Result<Vec<Article>, ApiError> {
    if upload.articles.len() > MAX_UPLOAD_ARTICLES {
        return Err(ApiError::field(
            ErrorCode::PayloadTooLarge,
            "articles",
            format!(
                "An upload holds at most {MAX_UPLOAD_ARTICLES} articles; this one has {}.",
                upload.articles.len()
            ),
        ));
    }
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    let mut articles = Vec::with_capacity(upload.articles.len());
    for (i, a) in upload.articles.iter().enumerate() {
        let field = format!("articles[{i}]");
        let bad = |code, message: String| Err(ApiError::field(code, &field, message));
        if !valid_slug(&a.slug) {
            return bad(
                ErrorCode::InvalidArticle,
                format!(
                    "Article {i}: slug {:?} must be 1–{MAX_SLUG_CHARS} lowercase letters, digits and inner hyphens.",
                    clip_chars(&a.slug, 120)
                ),
            );
        }
        if let Some(first) = seen.insert(&a.slug, i) {
            return bad(
                ErrorCode::InvalidArticle,
                format!(
                    "Article '{}' is in the upload twice (articles {first} and {i}).",
                    a.slug
                ),
            );
        }
        if a.source.len() > MAX_ARTICLE_BYTES {
            return bad(
                ErrorCode::PayloadTooLarge,
                format!(
                    "Article '{}' is {} bytes; an article may have at most {MAX_ARTICLE_BYTES}.",
                    a.slug,
                    a.source.len()
                ),
            );
        }
        match parse_article(&a.slug, &a.source) {
            Ok(article) => articles.push(article),
            Err(e) => {
                return bad(
                    ErrorCode::InvalidArticle,
                    format!("Article '{}': {e}.", a.slug),
                )
            }
        }
    }
    Ok(articles)
}

/// The live help centre: the bundled articles with the overrides applied
/// (an uploaded article replaces the bundled one of its slug in place; new
/// slugs follow in slug order; a deletion hides its slug), each with its
/// origin and upload time.
pub fn live(
    bundled: Vec<Article>,
    overrides: Vec<Override>,
) -> Vec<(Article, Origin, Option<i64>)> {
    let mut by_slug: BTreeMap<String, Override> =
        overrides.into_iter().map(|o| (o.slug.clone(), o)).collect();
    let mut out = Vec::with_capacity(bundled.len() + by_slug.len());
    for article in bundled {
        match by_slug.remove(&article.slug) {
            None => out.push((article, Origin::Bundled, None)),
            Some(Override {
                article: Some(a),
                updated,
                ..
            }) => out.push((a, Origin::Uploaded, Some(updated))),
            Some(Override { article: None, .. }) => {}
        }
    }
    for o in by_slug.into_values() {
        if let Some(a) = o.article {
            out.push((a, Origin::Uploaded, Some(o.updated)));
        }
    }
    out
}

/// At most `n` characters of `s` (for echoing bad input in a message).
fn clip_chars(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(title: &str, lang: &str) -> String {
        format!("---\ntitle: {title}\nurl: /help/x\nlang: {lang}\n---\nSome text.\n")
    }

    fn upload(articles: &[(&str, &str)]) -> ContentUpload {
        ContentUpload {
            articles: articles
                .iter()
                .map(|(slug, source)| UploadedArticle {
                    slug: (*slug).into(),
                    source: (*source).into(),
                })
                .collect(),
            mode: UploadMode::Merge,
        }
    }

    #[test]
    fn the_body_reads_with_merge_by_default() {
        let body = r#"{"articles":[{"slug":"a","source":"s"}]}"#;
        let u: ContentUpload = serde_json::from_str(body).unwrap();
        assert_eq!(u.mode, UploadMode::Merge);
        let u: ContentUpload = serde_json::from_str(r#"{"articles":[],"mode":"replace"}"#).unwrap();
        assert_eq!(u.mode, UploadMode::Replace);
        assert!(serde_json::from_str::<ContentUpload>(r#"{"articles":[],"x":1}"#).is_err());
    }

    #[test]
    fn slugs_are_url_safe() {
        for ok in ["a", "reset-password", "de-passwort-zuruecksetzen", "faq-2"] {
            assert!(valid_slug(ok), "{ok}");
        }
        for bad in [
            "",
            "-a",
            "a-",
            "Reset",
            "a b",
            "a/b",
            "..",
            "ä",
            &"a".repeat(101),
        ] {
            assert!(!valid_slug(bad), "{bad}");
        }
    }

    #[test]
    fn a_good_upload_parses_whole() {
        let (en, de) = (source("Widgets", "en"), source("Widgets auf Deutsch", "de"));
        let got = check_upload(&upload(&[("widgets", &en), ("de-widgets", &de)])).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(
            (got[1].slug.as_str(), got[1].lang.as_str()),
            ("de-widgets", "de")
        );
    }

    #[test]
    fn errors_name_the_article_and_line() {
        let good = source("Fine", "en");
        let broken = "---\ntitle: Broken\nurll: /x\n---\nText.\n";
        let e = check_upload(&upload(&[("fine", &good), ("broken", broken)])).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidArticle);
        assert_eq!(e.field.as_deref(), Some("articles[1]"));
        assert!(
            e.message.contains("'broken'") && e.message.contains("line 3"),
            "{}",
            e.message
        );

        let e = check_upload(&upload(&[("a", &good), ("a", &good)])).unwrap_err();
        assert!(e.message.contains("twice"), "{}", e.message);
        let e = check_upload(&upload(&[("A", &good)])).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidArticle);

        let huge = format!("{good}{}", "word ".repeat(MAX_ARTICLE_BYTES / 5));
        let e = check_upload(&upload(&[("huge", &huge)])).unwrap_err();
        assert_eq!((e.code, e.code.status()), (ErrorCode::PayloadTooLarge, 413));

        let many: Vec<(String, String)> = (0..=MAX_UPLOAD_ARTICLES)
            .map(|i| (format!("a{i}"), good.clone()))
            .collect();
        let many: Vec<(&str, &str)> = many.iter().map(|(s, b)| (s.as_str(), b.as_str())).collect();
        let e = check_upload(&upload(&many)).unwrap_err();
        assert_eq!(
            (e.code, e.field.as_deref()),
            (ErrorCode::PayloadTooLarge, Some("articles"))
        );
    }

    #[test]
    fn uploads_replace_and_deletions_hide_bundled_articles() {
        let parse = |slug: &str, title: &str| parse_article(slug, &source(title, "en")).unwrap();
        let bundled = vec![parse("a", "A"), parse("b", "B"), parse("c", "C")];
        let overrides = vec![
            Override {
                slug: "z".into(),
                article: Some(parse("z", "Z")),
                updated: 3,
            },
            Override {
                slug: "b".into(),
                article: Some(parse("b", "B2")),
                updated: 2,
            },
            Override {
                slug: "c".into(),
                article: None,
                updated: 1,
            },
        ];
        let got: Vec<(String, String, Origin, Option<i64>)> = live(bundled, overrides)
            .into_iter()
            .map(|(a, o, t)| (a.slug, a.title, o, t))
            .collect();
        assert_eq!(
            got,
            [
                ("a".into(), "A".into(), Origin::Bundled, None),
                ("b".into(), "B2".into(), Origin::Uploaded, Some(2)),
                ("z".into(), "Z".into(), Origin::Uploaded, Some(3)),
            ]
        );
    }
}

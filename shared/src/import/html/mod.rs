//! One web page as an article: the main content kept, the rest dropped.
//!
//! [`parse`] reads the page (html5ever's tokenizer, a small capped tree
//! builder); it never runs anything — scripts and styles are kept as empty
//! elements. [`main_content`] finds the main content: `<main>`, else the largest
//! `<article>`, else `[role=main]`, else the element with the densest
//! paragraph text. Within it `nav`, `header`/`footer` (outside an article),
//! `aside`, `script`, `style`, forms, buttons, cookie and consent banners,
//! breadcrumbs, "was this helpful" votes and the like are dropped.
//! [`to_markdown`] writes it as Markdown: headings become `##` sections;
//! paragraphs, lists, code, tables and links are kept, the page's text
//! escaped so it stays text, link targets kept only when they are
//! `http(s)`, `mailto` or relative, and encoded ([`super::safe`]).

mod extract;
mod render;
mod tree;

pub use extract::{lang, main_content, title};
pub use render::to_markdown;
pub use tree::{parse, Element, Node};

use url::Url;

use super::safe::{browser_url, link_destination, scheme};
use super::{page_url, slugify, Collector, Draft, SkipReason};

/// A page link's target as written into Markdown: made absolute against the
/// page's URL, kept only if it is `http(s)` or `mailto` (anything else —
/// `javascript:`, `data:`, `tel:` — and empty or fragment-only links are
/// kept as their text), and percent-encoded so it cannot break out of
/// `[text](target)`.
pub fn link_target(base: &str, href: &str) -> Option<String> {
    let href = browser_url(href);
    let href = href.as_str();
    if href.is_empty() || href.starts_with('#') {
        return None;
    }
    match scheme(href) {
        Some(_) => link_destination(href),
        None => link_destination(&resolve(base, href)?),
    }
}

/// A link target made absolute against the page's URL (WHATWG URL
/// resolution, as a browser resolves it); `None` for empty or fragment-only
/// links and for anything but `http(s)`, `mailto` and `tel` (scripts, data),
/// which are kept as text.
pub fn resolve(base: &str, href: &str) -> Option<String> {
    let href = href.trim();
    if href.is_empty() || href.starts_with('#') {
        return None;
    }
    let url = Url::parse(base).ok()?.join(href).ok()?;
    matches!(url.scheme(), "http" | "https" | "mailto" | "tel").then(|| url.into())
}

/// Imports one fetched page from `url` into `out`; `default_lang` when the
/// page names none.
pub fn import_page(out: &mut Collector, url: &str, html: &str, default_lang: &str) {
    match page_article(url, html, default_lang) {
        Ok(draft) => out.add(url, draft),
        Err(reason) => out.skip(url, reason),
    }
}

/// One fetched page as a draft article, or why it is left out (text with
/// no markup is not HTML). Pure, so the fetching threads convert each page
/// as it arrives and keep only the draft.
pub fn page_article(url: &str, html: &str, default_lang: &str) -> Result<Draft, SkipReason> {
    if !html.contains('<') {
        return Err(SkipReason::NotHtml);
    }
    Ok(page_draft(url, html, default_lang))
}

/// A page as a draft article (also used for help-centre bodies).
pub fn page_draft(url: &str, html: &str, default_lang: &str) -> Draft {
    let root = parse(html);
    let main = main_content(&root);
    let title = title(&root, main).unwrap_or_default();
    let body = to_markdown(main, url, Some(&title));
    let path = page_url(url);
    let slug_src = path
        .split_once("://")
        .map_or(path.as_str(), |(_, r)| {
            r.split_once('/').map_or("", |(_, p)| p)
        })
        .trim_matches('/')
        .to_owned();
    let slug_src = slug_src.strip_suffix(".html").unwrap_or(&slug_src);
    Draft {
        slug: slugify(if slug_src.is_empty() {
            &title
        } else {
            slug_src
        }),
        title,
        url: path,
        lang: lang(&root).unwrap_or_else(|| default_lang.to_owned()),
        body,
        ..Draft::default()
    }
}

/// An HTML fragment (a help-centre article body) as Markdown.
pub fn fragment_to_markdown(html: &str, base: &str) -> String {
    let root = parse(html);
    to_markdown(&root, base, None)
}

#[cfg(test)]
mod tests;

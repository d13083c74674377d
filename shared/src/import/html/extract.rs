//! Finding what a page is about: its main content, title and language,
//! and what inside it is boilerplate.

use super::tree::{Element, Node, RAW};
use crate::import::lang_code;

/// Elements dropped wherever they are.
const DROP: &[&str] = &[
    "nav", "aside", "script", "style", "noscript", "template", "form", "button", "select", "input",
    "textarea", "iframe", "svg", "canvas", "dialog", "img", "picture", "video", "audio", "object",
    "embed", "head", "label",
];

/// Class, id or role words that mark boilerplate.
const BOILERPLATE: &[&str] = &[
    "cookie",
    "consent",
    "gdpr",
    "breadcrumb",
    "breadcrumbs",
    "sidebar",
    "skip",
    "skip-link",
    "sr-only",
    "visually-hidden",
    "share",
    "social",
    "newsletter",
    "vote",
    "votes",
    "article-votes",
    "feedback",
    "helpful",
    "pagination",
    "pager",
    "toc",
    "table-of-contents",
    "related",
    "related-articles",
    "comments",
    "subscribe",
    "banner",
    "navbar",
    "menu",
    "promo",
    "meta",
    "article-meta",
    "byline",
    "advert",
    "ads",
];

const DROP_ROLES: &[&str] = &[
    "navigation",
    "banner",
    "contentinfo",
    "complementary",
    "search",
    "dialog",
    "alert",
];

pub(super) fn is_boilerplate(e: &Element, in_article: bool) -> bool {
    let name = e.name.as_str();
    if DROP.contains(&name) || (!in_article && (name == "header" || name == "footer")) {
        return true;
    }
    if e.attr("hidden").is_some() || e.attr("aria-hidden") == Some("true") {
        return true;
    }
    if e.attr("role").is_some_and(|r| DROP_ROLES.contains(&r)) {
        return true;
    }
    let words = e
        .attr("class")
        .unwrap_or("")
        .split_whitespace()
        .chain(e.attr("id"));
    for w in words {
        let w = w.to_ascii_lowercase();
        if BOILERPLATE.iter().any(|b| {
            w == *b
                || w.starts_with(&format!("{b}-"))
                || w.ends_with(&format!("-{b}"))
                || w.contains(&format!("-{b}-"))
        }) || w.contains("cookie")
            || w.contains("consent")
            || w.contains("breadcrumb")
        {
            return true;
        }
    }
    false
}

/// The page's text content, whitespace collapsed.
fn text_of(e: &Element, out: &mut String) {
    for c in &e.children {
        match c {
            Node::Text(t) => {
                out.push_str(t);
                out.push(' ');
            }
            Node::Element(el) if !RAW.contains(&el.name.as_str()) => text_of(el, out),
            Node::Element(_) => {}
        }
    }
}

fn collapsed_text(e: &Element) -> String {
    let mut s = String::new();
    text_of(e, &mut s);
    crate::import::one_line(&s)
}

pub(super) fn find_all<'a>(
    e: &'a Element,
    pred: &dyn Fn(&Element) -> bool,
    out: &mut Vec<&'a Element>,
) {
    for c in &e.children {
        if let Node::Element(el) = c {
            if pred(el) {
                out.push(el);
            }
            find_all(el, pred, out);
        }
    }
}

fn find_first<'a>(e: &'a Element, pred: &dyn Fn(&Element) -> bool) -> Option<&'a Element> {
    let mut all = Vec::new();
    find_all(e, pred, &mut all);
    all.into_iter().next()
}

/// Text length in an element's paragraphs, lists and code outside links and
/// boilerplate: how much reading matter it holds.
fn density(e: &Element) -> usize {
    let mut n = 0;
    for c in &e.children {
        match c {
            Node::Text(t) => n += t.trim().len(),
            Node::Element(el) if is_boilerplate(el, false) || el.name == "a" => {}
            Node::Element(el) => n += density(el),
        }
    }
    n
}

/// The main content element of a page.
pub fn main_content(root: &Element) -> &Element {
    let body = find_first(root, &|e| e.name == "body").unwrap_or(root);
    if let Some(m) = find_first(body, &|e| e.name == "main") {
        return m;
    }
    let mut articles = Vec::new();
    find_all(body, &|e| e.name == "article", &mut articles);
    if let Some(a) = articles.into_iter().max_by_key(|a| density(a)) {
        return a;
    }
    if let Some(m) = find_first(body, &|e| e.attr("role") == Some("main")) {
        return m;
    }
    // The element whose own paragraphs hold the most text.
    let mut blocks = Vec::new();
    find_all(
        body,
        &|e| matches!(e.name.as_str(), "div" | "section" | "td"),
        &mut blocks,
    );
    blocks
        .into_iter()
        .filter(|b| !is_boilerplate(b, false))
        .map(|b| {
            let own: usize = b
                .children
                .iter()
                .filter_map(|c| match c {
                    Node::Element(el)
                        if matches!(
                            el.name.as_str(),
                            "p" | "ul" | "ol" | "pre" | "h2" | "h3" | "table"
                        ) =>
                    {
                        Some(density(el))
                    }
                    _ => None,
                })
                .sum();
            (own, b)
        })
        .filter(|(own, _)| *own > 0)
        .max_by_key(|(own, _)| *own)
        .map_or(body, |(_, b)| b)
}

/// A page's title: the main content's `<h1>`, else the page's, else
/// `<title>` without its " | Site" suffix.
pub fn title(root: &Element, main: &Element) -> Option<String> {
    let h1 =
        find_first(main, &|e| e.name == "h1").or_else(|| find_first(root, &|e| e.name == "h1"));
    if let Some(t) = h1.map(collapsed_text).filter(|t| !t.is_empty()) {
        return Some(t);
    }
    let t = collapsed_text(find_first(root, &|e| e.name == "title")?);
    let t = [" | ", " – ", " — ", " - ", " · ", " :: "]
        .iter()
        .fold(t.as_str(), |t, sep| t.split(sep).next().unwrap_or(t))
        .trim()
        .to_owned();
    (!t.is_empty()).then_some(t)
}

/// The page's `<html lang>` as a primary subtag.
pub fn lang(root: &Element) -> Option<String> {
    find_first(root, &|e| e.name == "html")
        .and_then(|h| h.attr("lang"))
        .and_then(lang_code)
}

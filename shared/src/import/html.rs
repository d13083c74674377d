//! One web page as an article: the main content kept, the rest dropped.
//!
//! A small hand-written HTML reader (tokenizer and a forgiving tree builder):
//! leaner than a full HTML5 parser, enough for help pages, and it never runs
//! anything — scripts and styles are skipped as raw text.
//!
//! The main content is `<main>`, else the largest `<article>`, else
//! `[role=main]`, else the element with the densest paragraph text. Within it
//! `nav`, `header`/`footer` (outside an article), `aside`, `script`, `style`,
//! forms, buttons, cookie and consent banners, breadcrumbs, "was this
//! helpful" votes and the like are dropped. Headings become `##` sections;
//! paragraphs, lists, code, tables and links are kept as Markdown: the
//! page's text escaped so it stays text, link targets kept only when they
//! are `http(s)`, `mailto` or relative, and encoded ([`super::safe`]).

use super::safe::{browser_url, code_fence, escape_text, link_destination, scheme};
use super::{lang_code, page_url, slugify, Collector, Draft, SkipReason};

/// A node of the page tree.
#[derive(Debug, Clone)]
pub enum Node {
    Element(Element),
    Text(String),
}

#[derive(Debug, Clone, Default)]
pub struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Node>,
}

impl Element {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Deepest element nesting kept.
const MAX_DEPTH: usize = 200;

/// Elements that never have children.
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
];

/// Elements whose content is raw text, skipped to their end tag.
const RAW: &[&str] = &[
    "script", "style", "textarea", "noscript", "template", "iframe", "svg",
];

/// Block elements that close an open `<p>`.
const CLOSES_P: &[&str] = &[
    "p",
    "div",
    "ul",
    "ol",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "pre",
    "table",
    "blockquote",
    "section",
    "article",
    "main",
    "header",
    "footer",
    "nav",
    "aside",
    "dl",
    "form",
    "hr",
];

/// Parses a page into a tree rooted at a synthetic `#root` element.
pub fn parse(html: &str) -> Element {
    let mut stack: Vec<Element> = vec![Element {
        name: "#root".into(),
        ..Element::default()
    }];
    let bytes = html.as_bytes();
    let mut i = 0;
    let mut text_start = 0;
    while i < bytes.len() {
        if bytes[i] != b'<' {
            i += 1;
            continue;
        }
        let rest = &html[i..];
        // Comments, doctype, CDATA, processing instructions.
        let skip_to = if rest.starts_with("<!--") {
            Some(rest.find("-->").map_or(html.len(), |e| i + e + 3))
        } else if rest.starts_with("<!") || rest.starts_with("<?") {
            Some(rest.find('>').map_or(html.len(), |e| i + e + 1))
        } else {
            None
        };
        if let Some(end) = skip_to {
            push_text(&mut stack, &html[text_start..i]);
            i = end;
            text_start = i;
            continue;
        }
        let closing = rest.starts_with("</");
        let name_start = if closing { 2 } else { 1 };
        let name_len = rest[name_start..]
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b':')
            .count();
        if name_len == 0 || !rest.as_bytes()[name_start].is_ascii_alphabetic() {
            i += 1; // a literal '<'
            continue;
        }
        push_text(&mut stack, &html[text_start..i]);
        let name = rest[name_start..name_start + name_len].to_ascii_lowercase();
        let (attrs, tag_len, self_closing) = read_attrs(&rest[name_start + name_len..]);
        i += name_start + name_len + tag_len;
        text_start = i;
        if closing {
            close(&mut stack, &name);
            continue;
        }
        if RAW.contains(&name.as_str()) {
            let end_tag = format!("</{name}");
            let lower_rest = html[i..].to_ascii_lowercase();
            let end = lower_rest.find(&end_tag).map_or(html.len(), |e| i + e);
            let after = html[end..].find('>').map_or(html.len(), |g| end + g + 1);
            // Raw-text elements are kept as empty elements, so that their
            // ancestors can still be recognised, and their text never read.
            stack
                .last_mut()
                .expect("root")
                .children
                .push(Node::Element(Element {
                    name,
                    attrs,
                    children: Vec::new(),
                }));
            i = after;
            text_start = i;
            continue;
        }
        if CLOSES_P.contains(&name.as_str()) && stack.iter().any(|e| e.name == "p") {
            close(&mut stack, "p");
        }
        if name == "li" {
            close_sibling(&mut stack, "li", &["ul", "ol"]);
        }
        if name == "dt" || name == "dd" {
            close_sibling(&mut stack, "dt", &["dl"]);
            close_sibling(&mut stack, "dd", &["dl"]);
        }
        if name == "tr" {
            close_sibling(&mut stack, "tr", &["table", "tbody", "thead"]);
        }
        if name == "td" || name == "th" {
            close_sibling(&mut stack, "td", &["tr"]);
            close_sibling(&mut stack, "th", &["tr"]);
        }
        let el = Element {
            name,
            attrs,
            children: Vec::new(),
        };
        if self_closing || VOID.contains(&el.name.as_str()) {
            stack
                .last_mut()
                .expect("root")
                .children
                .push(Node::Element(el));
        } else if stack.len() < MAX_DEPTH {
            stack.push(el);
        }
        // Deeper elements are left out, their text kept in the deepest open
        // one: the tree's walks are recursive, and a hostile page must not
        // exhaust the stack (browsers cap nesting too).
    }
    push_text(&mut stack, &html[text_start..]);
    while stack.len() > 1 {
        let el = stack.pop().expect("len > 1");
        stack
            .last_mut()
            .expect("root")
            .children
            .push(Node::Element(el));
    }
    stack.pop().expect("root")
}

fn push_text(stack: &mut [Element], raw: &str) {
    if raw.is_empty() {
        return;
    }
    let parent = stack.last_mut().expect("root");
    parent.children.push(Node::Text(decode_entities(raw)));
}

/// Closes the innermost open `name`, and everything opened inside it; an end
/// tag with nothing open to match is ignored.
fn close(stack: &mut Vec<Element>, name: &str) {
    let Some(pos) = stack.iter().rposition(|e| e.name == name) else {
        return;
    };
    if pos == 0 {
        return;
    }
    while stack.len() > pos {
        let el = stack.pop().expect("len > pos");
        stack
            .last_mut()
            .expect("root")
            .children
            .push(Node::Element(el));
    }
}

/// Closes an open `name` (an unclosed `<li>` before the next) unless one of
/// `scopes` was opened after it.
fn close_sibling(stack: &mut Vec<Element>, name: &str, scopes: &[&str]) {
    for e in stack.iter().rev() {
        if e.name == name {
            close(stack, name);
            return;
        }
        if scopes.contains(&e.name.as_str()) {
            return;
        }
    }
}

/// Reads attributes up to the tag's `>`: the attributes, the bytes consumed
/// and whether the tag closed itself (`/>`).
fn read_attrs(s: &str) -> (Vec<(String, String)>, usize, bool) {
    let b = s.as_bytes();
    let mut attrs = Vec::new();
    let mut i = 0;
    let mut self_closing = false;
    loop {
        while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
            self_closing = b[i] == b'/';
            i += 1;
        }
        if i >= b.len() {
            return (attrs, i, self_closing);
        }
        if b[i] == b'>' {
            return (attrs, i + 1, self_closing);
        }
        self_closing = false;
        let start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && !matches!(b[i], b'=' | b'>' | b'/') {
            i += 1;
        }
        let key = s[start..i].to_ascii_lowercase();
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        if i < b.len() && b[i] == b'=' {
            i += 1;
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
                let q = b[i];
                let vstart = i + 1;
                let vend = s[vstart..]
                    .bytes()
                    .position(|c| c == q)
                    .map_or(b.len(), |p| vstart + p);
                value = decode_entities(&s[vstart..vend]);
                i = (vend + 1).min(b.len());
            } else {
                let vstart = i;
                while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                    i += 1;
                }
                value = decode_entities(&s[vstart..i]);
            }
        }
        if !key.is_empty() {
            attrs.push((key, value));
        }
    }
}

/// Decodes character references: numeric ones and the named ones help pages
/// use; unknown names stay as written.
pub fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let end = after.find(';').filter(|e| *e <= 10);
        let decoded = end.and_then(|e| {
            let name = &after[..e];
            let c = if let Some(num) = name.strip_prefix('#') {
                let n = match num.strip_prefix(['x', 'X']) {
                    Some(hex) => u32::from_str_radix(hex, 16).ok(),
                    None => num.parse().ok(),
                };
                n.and_then(char::from_u32).map(|c| c.to_string())
            } else {
                named_entity(name).map(str::to_owned)
            };
            c.map(|c| (c, e))
        });
        match decoded {
            Some((c, e)) => {
                out.push_str(&c);
                rest = &after[e + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

fn named_entity(name: &str) -> Option<&'static str> {
    Some(match name {
        "amp" => "&",
        "lt" => "<",
        "gt" => ">",
        "quot" => "\"",
        "apos" => "'",
        "nbsp" => " ",
        "ndash" => "–",
        "mdash" => "—",
        "hellip" => "…",
        "lsquo" => "‘",
        "rsquo" => "’",
        "ldquo" => "“",
        "rdquo" => "”",
        "laquo" => "«",
        "raquo" => "»",
        "bdquo" => "„",
        "copy" => "©",
        "reg" => "®",
        "trade" => "™",
        "euro" => "€",
        "pound" => "£",
        "times" => "×",
        "rarr" => "→",
        "larr" => "←",
        "middot" => "·",
        "bull" => "•",
        "auml" => "ä",
        "ouml" => "ö",
        "uuml" => "ü",
        "Auml" => "Ä",
        "Ouml" => "Ö",
        "Uuml" => "Ü",
        "szlig" => "ß",
        "eacute" => "é",
        "egrave" => "è",
        "ecirc" => "ê",
        "agrave" => "à",
        "acirc" => "â",
        "ccedil" => "ç",
        "ocirc" => "ô",
        "ucirc" => "û",
        "icirc" => "î",
        "ntilde" => "ñ",
        "aacute" => "á",
        "iacute" => "í",
        "oacute" => "ó",
        "uacute" => "ú",
        "Eacute" => "É",
        _ => return None,
    })
}

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

fn is_boilerplate(e: &Element, in_article: bool) -> bool {
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
    super::one_line(&s)
}

fn find_all<'a>(e: &'a Element, pred: &dyn Fn(&Element) -> bool, out: &mut Vec<&'a Element>) {
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

/// Renders an element's content as Markdown; `base` resolves relative links.
/// The heading equal to `title` is left out (it is the article's title).
pub fn to_markdown(e: &Element, base: &str, title: Option<&str>) -> String {
    let mut r = Render {
        base,
        title,
        title_seen: false,
        blocks: Vec::new(),
    };
    r.block(e, 0, e.name == "article");
    let mut s = r.blocks.join("\n\n");
    while s.contains("\n\n\n") {
        s = s.replace("\n\n\n", "\n\n");
    }
    s.trim().to_owned()
}

struct Render<'a> {
    base: &'a str,
    title: Option<&'a str>,
    title_seen: bool,
    blocks: Vec<String>,
}

fn is_inline(name: &str) -> bool {
    matches!(
        name,
        "a" | "abbr"
            | "b"
            | "bdi"
            | "bdo"
            | "cite"
            | "code"
            | "data"
            | "dfn"
            | "em"
            | "i"
            | "kbd"
            | "mark"
            | "q"
            | "s"
            | "samp"
            | "small"
            | "span"
            | "strong"
            | "sub"
            | "sup"
            | "time"
            | "u"
            | "var"
            | "br"
            | "wbr"
            | "del"
            | "ins"
            | "font"
    )
}

impl Render<'_> {
    /// Renders block content: runs of inline children become paragraphs.
    fn block(&mut self, e: &Element, depth: usize, in_article: bool) {
        let mut para = String::new();
        for c in &e.children {
            match c {
                Node::Text(t) => para.push_str(&escape_text(t)),
                Node::Element(el) if is_boilerplate(el, in_article) => {}
                Node::Element(el) if is_inline(&el.name) => self.inline(el, &mut para),
                Node::Element(el) => {
                    self.flush(&mut para);
                    self.element(el, depth, in_article || el.name == "article");
                }
            }
        }
        self.flush(&mut para);
    }

    fn flush(&mut self, para: &mut String) {
        let text = clean_inline(para);
        if !text.is_empty() {
            self.blocks.push(text);
        }
        para.clear();
    }

    fn element(&mut self, el: &Element, depth: usize, in_article: bool) {
        match el.name.as_str() {
            h @ ("h1" | "h2" | "h3" | "h4" | "h5" | "h6") => {
                let text = self.inline_text(el);
                if text.is_empty() {
                    return;
                }
                if h == "h1"
                    && !self.title_seen
                    && self.title.map(escape_text) == Some(text.clone())
                {
                    self.title_seen = true;
                    return;
                }
                self.blocks.push(format!("## {text}"));
            }
            "ul" | "ol" => {
                let mut lines = Vec::new();
                self.list(el, el.name == "ol", depth, &mut lines);
                if !lines.is_empty() {
                    self.blocks.push(lines.join("\n"));
                }
            }
            "pre" => {
                let mut code = String::new();
                raw_text(el, &mut code);
                let code = code.trim_matches('\n');
                if !code.trim().is_empty() {
                    let fence = code_fence(code);
                    self.blocks.push(format!("{fence}\n{code}\n{fence}"));
                }
            }
            "table" => {
                let mut rows = Vec::new();
                let mut trs = Vec::new();
                find_all(el, &|e| e.name == "tr", &mut trs);
                for tr in trs {
                    let cells: Vec<String> = tr
                        .children
                        .iter()
                        .filter_map(|c| match c {
                            Node::Element(td) if td.name == "td" || td.name == "th" => {
                                Some(self.inline_text(td))
                            }
                            _ => None,
                        })
                        .collect();
                    if cells.iter().any(|c| !c.is_empty()) {
                        rows.push(cells.join(" | "));
                    }
                }
                if !rows.is_empty() {
                    self.blocks.push(rows.join("\n"));
                }
            }
            "blockquote" => {
                let mut inner = Render {
                    base: self.base,
                    title: None,
                    title_seen: true,
                    blocks: Vec::new(),
                };
                inner.block(el, depth, in_article);
                for b in inner.blocks {
                    self.blocks.push(
                        b.lines()
                            .map(|l| format!("> {l}"))
                            .collect::<Vec<_>>()
                            .join("\n"),
                    );
                }
            }
            "hr" => {}
            "dt" => {
                let t = self.inline_text(el);
                if !t.is_empty() {
                    self.blocks.push(format!("**{t}**"));
                }
            }
            _ => self.block(el, depth, in_article),
        }
    }

    fn list(&mut self, el: &Element, ordered: bool, depth: usize, lines: &mut Vec<String>) {
        let mut n = 0;
        for c in &el.children {
            let Node::Element(li) = c else { continue };
            if li.name != "li" || is_boilerplate(li, true) {
                continue;
            }
            n += 1;
            let mut text = String::new();
            let mut nested = Vec::new();
            for cc in &li.children {
                match cc {
                    Node::Text(t) => text.push_str(&escape_text(t)),
                    Node::Element(sub) if sub.name == "ul" || sub.name == "ol" => {
                        self.list(sub, sub.name == "ol", depth + 1, &mut nested);
                    }
                    Node::Element(sub) if is_boilerplate(sub, true) => {}
                    Node::Element(sub) if is_inline(&sub.name) => self.inline(sub, &mut text),
                    Node::Element(sub) => {
                        text.push(' ');
                        text.push_str(&self.inline_text(sub));
                        text.push(' ');
                    }
                }
            }
            let indent = "  ".repeat(depth);
            let marker = if ordered {
                format!("{n}.")
            } else {
                "-".to_owned()
            };
            let text = clean_inline(&text);
            if !text.is_empty() {
                lines.push(format!("{indent}{marker} {text}"));
            }
            lines.extend(nested);
        }
    }

    /// An element's content as one line of inline Markdown.
    fn inline_text(&mut self, el: &Element) -> String {
        let mut s = String::new();
        for c in &el.children {
            match c {
                Node::Text(t) => s.push_str(&escape_text(t)),
                Node::Element(sub) if is_boilerplate(sub, true) => {}
                Node::Element(sub) if is_inline(&sub.name) => self.inline(sub, &mut s),
                Node::Element(sub) => {
                    s.push(' ');
                    let t = self.inline_text(sub);
                    s.push_str(&t);
                    s.push(' ');
                }
            }
        }
        clean_inline(&s)
    }

    fn inline(&mut self, el: &Element, out: &mut String) {
        match el.name.as_str() {
            "br" => out.push('\n'),
            "a" => {
                let text = self.inline_text(el);
                if text.is_empty() {
                    return;
                }
                match el.attr("href").and_then(|h| link_target(self.base, h)) {
                    Some(href) => out.push_str(&format!("[{text}]({href})")),
                    None => out.push_str(&text),
                }
            }
            "code" | "kbd" | "samp" => {
                let mut t = String::new();
                raw_text(el, &mut t);
                let t = super::one_line(&t);
                if !t.is_empty() {
                    out.push_str(&format!("`{}`", t.replace('`', "'")));
                }
            }
            "strong" | "b" => wrap(out, &self.inline_text(el), "**"),
            "em" | "i" => wrap(out, &self.inline_text(el), "*"),
            _ => {
                for c in &el.children {
                    match c {
                        Node::Text(t) => out.push_str(&escape_text(t)),
                        Node::Element(sub) if is_boilerplate(sub, true) => {}
                        Node::Element(sub) => self.inline(sub, out),
                    }
                }
            }
        }
    }
}

fn wrap(out: &mut String, text: &str, marker: &str) {
    if text.is_empty() {
        return;
    }
    if out.ends_with(|c: char| c.is_alphanumeric()) {
        out.push(' ');
    }
    out.push_str(marker);
    out.push_str(text);
    out.push_str(marker);
}

fn raw_text(e: &Element, out: &mut String) {
    for c in &e.children {
        match c {
            Node::Text(t) => out.push_str(t),
            Node::Element(el) if el.name == "br" => out.push('\n'),
            Node::Element(el) => raw_text(el, out),
        }
    }
}

/// Collapses whitespace within lines (a `<br>` keeps its line break).
fn clean_inline(s: &str) -> String {
    s.split('\n')
        .map(super::one_line)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

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

/// A link target made absolute against the page's URL; `None` for scripts
/// and empty or fragment-only links, which are kept as text.
pub fn resolve(base: &str, href: &str) -> Option<String> {
    let href = href.trim();
    let lower = href.to_ascii_lowercase();
    if href.is_empty()
        || href.starts_with('#')
        || lower.starts_with("javascript:")
        || lower.starts_with("data:")
    {
        return None;
    }
    if lower.starts_with("http://")
        || lower.starts_with("https://")
        || lower.starts_with("mailto:")
        || lower.starts_with("tel:")
    {
        return Some(href.to_owned());
    }
    let (scheme, rest) = base.split_once("://")?;
    let host_end = rest.find('/').unwrap_or(rest.len());
    let origin = format!("{scheme}://{}", &rest[..host_end]);
    if let Some(abs) = href.strip_prefix("//") {
        return Some(format!("{scheme}://{abs}"));
    }
    if href.starts_with('/') {
        return Some(format!("{origin}{href}"));
    }
    let path = &rest[host_end..];
    let path = path.split(['?', '#']).next().unwrap_or("");
    let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
    let mut segs: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
    let (href_path, suffix) = match href.find(['?', '#']) {
        Some(i) => (&href[..i], &href[i..]),
        None => (href, ""),
    };
    for part in href_path.split('/') {
        match part {
            "." | "" => {}
            ".." => {
                segs.pop();
            }
            p => segs.push(p),
        }
    }
    Some(format!("{origin}/{}{suffix}", segs.join("/")))
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
mod tests {
    use super::*;

    const PAGE: &str = r#"<!DOCTYPE html><html lang="de-DE"><head><title>Rechnung herunterladen | Acme Hilfe</title>
<style>body{color:red}</style><script>var x = "<p>not text</p>";</script></head>
<body><header><nav><a href="/">Start</a></nav></header>
<div class="cookie-banner">Wir nutzen Cookies. <button>OK</button></div>
<main><ol class="breadcrumbs"><li><a href="/">Hilfe</a></li></ol>
<h1>Rechnung herunterladen</h1>
<p>Öffnen Sie <strong>Einstellungen&nbsp;→ Abrechnung</strong> und klicken Sie auf <a href="../rechnungen#alt">Rechnungen</a>.
<h2>Als PDF</h2><ul><li>Eins<li>Zwei <code>pdf</code><ul><li>Innen</ul></ul>
<pre><code>curl https://x
  --out a.pdf</code></pre>
<div class="article-votes">War dieser Artikel hilfreich?</div></main>
<footer>© Acme</footer></body></html>"#;

    #[test]
    fn keeps_main_content_only() {
        let d = page_draft("https://help.acme.test/de/artikel/rechnung", PAGE, "en");
        assert_eq!(d.title, "Rechnung herunterladen");
        assert_eq!(d.lang, "de");
        assert_eq!(
            d.body,
            "Öffnen Sie **Einstellungen → Abrechnung** und klicken Sie auf [Rechnungen](https://help.acme.test/de/rechnungen#alt).\n\n\
             ## Als PDF\n\n- Eins\n- Zwei `pdf`\n  - Innen\n\n```\ncurl https://x\n  --out a.pdf\n```"
        );
        for gone in ["Cookies", "Start", "hilfreich", "Acme", "not text", "color"] {
            assert!(!d.body.contains(gone), "{gone}: {}", d.body);
        }
    }

    #[test]
    fn title_falls_back_to_title_tag() {
        let root = parse("<title>Billing FAQ – Acme Support</title><body><p>x</p></body>");
        assert_eq!(title(&root, &root).as_deref(), Some("Billing FAQ"));
    }

    #[test]
    fn densest_block_without_landmarks() {
        let html = "<body><div class=menu><a href=/a>A</a> <a href=/b>B</a></div><div><div id=content><p>Long help text here about exports.</p><p>More text.</p></div></div><div>Short</div></body>";
        let root = parse(html);
        let md = to_markdown(main_content(&root), "https://x.test/", None);
        assert_eq!(md, "Long help text here about exports.\n\nMore text.");
    }

    #[test]
    fn deep_nesting_is_capped() {
        let html = format!(
            "{}<p>deep text</p>{}",
            "<div>".repeat(100_000),
            "</div>".repeat(100_000)
        );
        let root = parse(&html);
        assert_eq!(
            to_markdown(main_content(&root), "https://x.test/", None),
            "deep text"
        );
    }

    /// Hostile pages: link targets that are scripts, or that try to break out
    /// of `[text](url)`; text that is Markdown link, image, autolink,
    /// reference-definition or HTML syntax; code that tries to close its
    /// fence or code span. Rendered back as the edge does, no link or image
    /// may point anywhere but http(s), mailto or a relative path, no raw
    /// HTML may be left, and the hostile text must still be there as text.
    #[test]
    fn hostile_pages_give_no_unsafe_links() {
        use crate::import::rendered::{assert_safe, read};
        let pages = [
            r#"<a href="javascript:alert(1)">script link</a>"#,
            r#"<a href=" JaVa&#10;ScRiPt:alert(1)">entity script</a>"#,
            r#"<a href="vbscript:msgbox(1)">vb</a> <a href="data:text/html,<script>alert(1)</script>">data</a>"#,
            r#"<a href="x) [a](javascript:alert(1)">breakout</a>"#,
            r#"<a href="https://ok.test/x) [a](javascript:alert(1)">abs breakout</a>"#,
            r#"<a href="https://ok.test/a b 'c' &quot;d&quot; <javascript:alert(1)>">spaces</a>"#,
            "<a href=\"https://ok.test/a\n[b](javascript:alert(1))\">newline</a>",
            r#"<a href="https://ok.test/a\) [b](javascript:alert(1)">backslash</a>"#,
            r#"<a href="https://ok.test/">[in](javascript:alert(1))</a>"#,
            r#"<a href="https://ok.test/`x">tick</a> `[a](javascript:alert(1))`"#,
            "<p>[x](javascript:alert(1)) and <javascript:alert(2)> &lt;img src=x onerror=alert(3)&gt;</p>",
            "<p>[r]: javascript:alert(4)</p><p>[r] and [r][] and [y][r]</p>",
            "<p>![i](javascript:alert(5)) [[javascript:alert(6)]]</p>",
            r"<p>\[x](javascript:alert(1)) x\</p><p>\<a href=https://ok.test/>[</a>](javascript:alert(1))</p>",
            "<pre>```\n[x](javascript:alert(6))\n```\n~~~\n</pre><p>[y](javascript:alert(7))</p>",
            "<p>a`b <code>[x](javascript:alert(7))</code> c`</p>",
            "<ul><li>[z](javascript:alert(8))<li><h2>[h](javascript:alert(9))</h2></ul>",
            "<table><tr><td>[t](javascript:alert(1))</td><td><a href='javascript:x'>c</a></td></tr></table>",
            "<blockquote><p>[q](javascript:alert(1))</p><p><a href='jav\tascript:alert(1)'>tab</a></p></blockquote>",
            "<dl><dt>[d](javascript:alert(1))</dt></dl><p><b>[b](javascript:alert(1))</b></p>",
            "<p>a <!-- c --> <a href='tel:123'>call</a> <a href='mailto:x@y.test?subject=a b'>mail</a></p>",
            "<a href=\"\u{1a}https://ok.test/menu&quot;\">control</a> <a href=\" \u{1}/x\">ctl rel</a>",
        ];
        for page in pages {
            let html = format!("<html><body><main><h1>T</h1>{page}</main></body></html>");
            let d = page_draft("https://help.test/d/page", &html, "en");
            let md = fragment_to_markdown(page, "https://help.test/d/");
            for md in [&d.body, &md] {
                assert_safe(md);
                // Encoded: nothing in a target that could end it early.
                for dest in read(md).destinations {
                    assert!(
                        !dest.chars().any(|c| c.is_whitespace() || c.is_control()),
                        "{dest:?} in:\n{md}"
                    );
                }
            }
        }
        // The words are kept, as text.
        let d = page_draft(
            "https://help.test/d/page",
            r"<main><p>Type [x](javascript:alert(1)) or &lt;javascript:y> then \\ or `a`.</p></main>",
            "en",
        );
        assert_eq!(
            read(&d.body).text,
            r"Type [x](javascript:alert(1)) or <javascript:y> then \\ or `a`."
        );
        let d = page_draft(
            "https://help.test/d/page",
            r#"<main><p><a href="javascript:alert(1)">Open</a> the <a href="x y(1)">menu</a>.</p></main>"#,
            "en",
        );
        let r = read(&d.body);
        assert_eq!(r.text, "Open the menu.");
        assert!(!r.destinations.is_empty());
        for d in &r.destinations {
            assert_eq!(d, "https://help.test/d/x%20y%281%29");
        }
    }

    #[test]
    fn entities_and_links() {
        assert_eq!(
            decode_entities("a &amp; b &#233; &#x41; &bogus; &"),
            "a & b é A &bogus; &"
        );
        assert_eq!(
            resolve("https://a.test/x/y", "z").as_deref(),
            Some("https://a.test/x/z")
        );
        assert_eq!(resolve("https://a.test/x/y", "javascript:alert(1)"), None);
    }
}

//! An element's content as Markdown, the page's text escaped so it stays
//! text and links kept only when safe.

use super::extract::{find_all, is_boilerplate};
use super::link_target;
use super::tree::{Element, Node};
use crate::import::safe::{code_fence, escape_text};

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
                let t = crate::import::one_line(&t);
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
        .map(crate::import::one_line)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

//! A page as a tree: html5ever's tokenizer (the HTML standard's, so every
//! character reference, attribute form, comment and raw-text rule is read as
//! a browser reads it) feeding a small, forgiving tree builder of our own.
//!
//! Why not html5ever's tree builder too: it keeps the standard's stack of
//! open elements, and scoped checks walk that stack on every start tag, so
//! nesting is quadratic (measured: 50,000 nested `<div>` 5.3 s, 200,000 —
//! one megabyte — 191 s; the importer accepts pages of up to 5 MB). This
//! builder caps nesting at [`MAX_DEPTH`] and stays linear. It closes what
//! help pages leave open (`<p>`, `<li>`, `<dt>`/`<dd>`, `<tr>`, `<td>`), and
//! keeps script-like elements as empty elements: their ancestors can still be
//! recognised, their text is never read.

use std::cell::RefCell;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{
    BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};

/// A node of the page tree.
#[derive(Debug, Clone)]
pub enum Node {
    /// A tag and what it encloses.
    Element(Element),
    /// A run of text, character references decoded, whitespace as written.
    Text(String),
}

/// An element: its name and attributes (both as the tokenizer gives them:
/// names in lower case, values with character references decoded).
#[derive(Debug, Clone, Default)]
pub struct Element {
    /// The tag name, lower case (`div`).
    pub name: String,
    /// (name, value) pairs in document order.
    pub attrs: Vec<(String, String)>,
    /// Its content in document order (empty for script-like elements).
    pub children: Vec<Node>,
}

impl Element {
    /// The value of attribute `name`.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Deepest element nesting kept. Deeper elements are left out, their text
/// kept in the deepest open one: the tree's walks are recursive, and a
/// hostile page must not exhaust the stack (browsers cap nesting too).
const MAX_DEPTH: usize = 200;

/// Elements that never have children.
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr",
];

/// Elements kept empty: what is inside is never page text.
pub(super) const RAW: &[&str] = &[
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
    let input = BufferQueue::default();
    input.push_back(StrTendril::from(html));
    let tokenizer = Tokenizer::new(Sink::default(), TokenizerOpts::default());
    // The sink never asks to stop for a script, so one feed reads it all.
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    tokenizer.sink.builder.into_inner().finish()
}

/// Receives the tokens (html5ever's sinks take `&self`).
#[derive(Default)]
struct Sink {
    builder: RefCell<Builder>,
}

impl TokenSink for Sink {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let mut b = self.builder.borrow_mut();
        match token {
            Token::CharacterTokens(text) => b.text(&text),
            Token::TagToken(tag) => {
                let name = tag.name.to_string();
                if tag.kind == TagKind::EndTag {
                    b.end(&name);
                    return TokenSinkResult::Continue;
                }
                let attrs = tag
                    .attrs
                    .into_iter()
                    .map(|a| (a.name.local.to_string(), a.value.to_string()))
                    .collect();
                let raw = raw_content(&name);
                b.start(name, attrs, tag.self_closing && raw.is_none());
                if let Some(state) = raw {
                    return state;
                }
            }
            // Comments, doctypes, NUL characters and parse errors: nothing
            // a reader sees.
            _ => {}
        }
        TokenSinkResult::Continue
    }
}

/// How the standard reads an element's content when it is not markup.
fn raw_content(name: &str) -> Option<TokenSinkResult<()>> {
    let kind = match name {
        "script" => RawKind::ScriptData,
        // `noscript` as a browser with scripting on reads it.
        "style" | "xmp" | "iframe" | "noembed" | "noframes" | "noscript" => RawKind::Rawtext,
        "textarea" | "title" => RawKind::Rcdata,
        "plaintext" => return Some(TokenSinkResult::Plaintext),
        _ => return None,
    };
    Some(TokenSinkResult::RawData(kind))
}

/// The forgiving tree builder.
struct Builder {
    /// The open elements, the synthetic root first.
    stack: Vec<Element>,
    /// Inside a [`RAW`] element: its name and how many of that name are open
    /// in it (an `<svg>` in an `<svg>`).
    skipping: Option<(String, usize)>,
}

impl Default for Builder {
    fn default() -> Self {
        Self {
            stack: vec![Element {
                name: "#root".into(),
                ..Element::default()
            }],
            skipping: None,
        }
    }
}

impl Builder {
    fn top(&mut self) -> &mut Element {
        self.stack.last_mut().expect("the root is never closed")
    }

    /// Text goes to the deepest open element, joined to text before it.
    fn text(&mut self, text: &str) {
        if text.is_empty() || self.skipping.is_some() {
            return;
        }
        let top = self.top();
        if let Some(Node::Text(t)) = top.children.last_mut() {
            t.push_str(text);
        } else {
            top.children.push(Node::Text(text.to_owned()));
        }
    }

    fn start(&mut self, name: String, attrs: Vec<(String, String)>, self_closing: bool) {
        if let Some((skipped, open)) = &mut self.skipping {
            if *skipped == name && !self_closing {
                *open += 1;
            }
            return;
        }
        if RAW.contains(&name.as_str()) {
            if !self_closing {
                self.skipping = Some((name.clone(), 1));
            }
            self.top().children.push(Node::Element(Element {
                name,
                attrs,
                children: Vec::new(),
            }));
            return;
        }
        if CLOSES_P.contains(&name.as_str()) && self.stack.iter().any(|e| e.name == "p") {
            self.close("p");
        }
        match name.as_str() {
            "li" => self.close_sibling("li", &["ul", "ol"]),
            "dt" | "dd" => {
                self.close_sibling("dt", &["dl"]);
                self.close_sibling("dd", &["dl"]);
            }
            "tr" => self.close_sibling("tr", &["table", "tbody", "thead"]),
            "td" | "th" => {
                self.close_sibling("td", &["tr"]);
                self.close_sibling("th", &["tr"]);
            }
            _ => {}
        }
        let el = Element {
            name,
            attrs,
            children: Vec::new(),
        };
        if self_closing || VOID.contains(&el.name.as_str()) {
            self.top().children.push(Node::Element(el));
        } else if self.stack.len() < MAX_DEPTH {
            self.stack.push(el);
        }
    }

    fn end(&mut self, name: &str) {
        if let Some((skipped, open)) = &mut self.skipping {
            if skipped == name {
                *open -= 1;
                if *open == 0 {
                    self.skipping = None;
                }
            }
            return;
        }
        self.close(name);
    }

    /// Closes the innermost open `name`, and everything opened inside it; an
    /// end tag with nothing open to match is ignored.
    fn close(&mut self, name: &str) {
        let Some(pos) = self.stack.iter().rposition(|e| e.name == name) else {
            return;
        };
        if pos == 0 {
            return;
        }
        while self.stack.len() > pos {
            let el = self.stack.pop().expect("len > pos");
            self.top().children.push(Node::Element(el));
        }
    }

    /// Closes an open `name` (an unclosed `<li>` before the next) unless one
    /// of `scopes` was opened after it.
    fn close_sibling(&mut self, name: &str, scopes: &[&str]) {
        for e in self.stack.iter().rev() {
            if e.name == name {
                self.close(name);
                return;
            }
            if scopes.contains(&e.name.as_str()) {
                return;
            }
        }
    }

    /// Closes everything still open; the root.
    fn finish(mut self) -> Element {
        while self.stack.len() > 1 {
            let el = self.stack.pop().expect("len > 1");
            self.top().children.push(Node::Element(el));
        }
        self.stack.pop().expect("the root")
    }
}

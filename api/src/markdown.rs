//! The safe subset of Markdown the bot's replies are shown in: paragraphs
//! (a single newline is a line break), `-`/`*` and `1.` lists, `**bold**`,
//! `*italic*`/`_italic_`, `` `code` ``, links to `https://`, `http://`,
//! `mailto:` and `/path` URLs, and `[n]` citations of the reply's sources.
//! Headings become bold paragraphs; everything else (raw HTML, other URL
//! schemes, unclosed markers) stays literal text.
//!
//! The output is plain data: the widget builds DOM elements from it and
//! sets text as text, so no markup from an article or a model ever reaches
//! the page as HTML. Inline content is flat — runs of text with style flags
//! and at most one target — so rendering needs only a handful of view types.

/// Blocks nest emphasis no deeper than this (a bound on recursion for
/// pathological input such as a hundred `*`).
const MAX_DEPTH: u8 = 8;

/// What a [`Block`] is, which decides how the widget lays it out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A paragraph: one item.
    Para,
    /// A bulleted list (`-`, `*` or `+` items).
    Bullets,
    /// A numbered list (`1.` or `1)` items), counting up from
    /// [`Block::start`].
    Numbered,
}

/// A paragraph, or a list and its items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// A paragraph or which kind of list.
    pub kind: Kind,
    /// The first number of a numbered list.
    pub start: u32,
    /// The paragraph's one item, or each list item; an item is its inline
    /// runs in order.
    pub items: Vec<Vec<Run>>,
}

/// How a run's text is shown; the flags combine (bold italic code…).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Style {
    /// `**bold**`, and every heading.
    pub bold: bool,
    /// `*italic*` or `_italic_`.
    pub italic: bool,
    /// `` `code` ``: monospace, and nothing inside it is markup.
    pub code: bool,
}

/// What a run points at, if anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// Nothing: plain text.
    Text,
    /// A link to a URL of an allowed scheme (or a `/path`).
    Link(String),
    /// A citation of source n (0-based); the run's text is empty.
    Cite(usize),
}

/// A piece of inline content in one style.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    /// The text shown, markers removed (a link's text; empty for a
    /// citation).
    pub text: String,
    /// Its bold, italic and code flags.
    pub style: Style,
    /// A link, a citation, or plain text.
    pub target: Target,
}

/// Parses `text` (a reply with `sources` sources) into blocks.
pub fn parse(text: &str, sources: usize) -> Vec<Block> {
    let mut g = Gather {
        blocks: Vec::new(),
        kind: Kind::Para,
        start: 1,
        items: Vec::new(),
        sources,
    };
    // `lines` drops the `\r` of `\r\n`; `trim_end` any other.
    for line in text.lines() {
        let line = line.trim_end();
        let body = line.trim_start();
        if body.is_empty() {
            g.flush(Style::default());
        } else if let Some(h) = heading(body) {
            g.flush(Style::default());
            g.items.push(h.to_owned());
            g.flush(Style {
                bold: true,
                ..Style::default()
            });
        } else if let Some((kind, start, rest)) =
            item(body).filter(|i| g.kind != Kind::Para || g.items.is_empty() || i.1 == 1)
        {
            if g.kind != kind {
                g.flush(Style::default());
            }
            if g.items.is_empty() {
                g.kind = kind;
                g.start = start;
            }
            g.items.push(rest.to_owned());
        } else {
            // A line goes on the paragraph, or on a list item if indented.
            match g.items.last_mut() {
                Some(last) if g.kind == Kind::Para || body.len() < line.len() => {
                    last.push('\n');
                    last.push_str(body);
                }
                _ => {
                    g.flush(Style::default());
                    g.items.push(body.to_owned());
                }
            }
        }
    }
    g.flush(Style::default());
    g.blocks
}

/// The block being gathered: its items' raw text.
struct Gather {
    blocks: Vec<Block>,
    kind: Kind,
    start: u32,
    items: Vec<String>,
    sources: usize,
}

impl Gather {
    /// Ends the block (its text in `base` style); the next starts as a paragraph.
    fn flush(&mut self, base: Style) {
        if !self.items.is_empty() {
            let items = self
                .items
                .drain(..)
                .map(|t| inline(&t, base, self.sources))
                .collect();
            self.blocks.push(Block {
                kind: self.kind,
                start: self.start,
                items,
            });
        }
        self.kind = Kind::Para;
    }
}

/// The text of an ATX heading line (`## Title ##`).
/// `s[range]`, or `""` where a bound is not on a character boundary. The
/// parsers cut only next to the ASCII marks they found, so that never
/// happens; but slicing with `[]` would keep the panic path (and its
/// message formatting) in every visitor's download.
pub fn cut<R: core::slice::SliceIndex<str, Output = str>>(s: &str, range: R) -> &str {
    s.get(range).unwrap_or("")
}

fn heading(line: &str) -> Option<&str> {
    let hashes = line.bytes().take_while(|b| *b == b'#').count();
    let rest = cut(line, hashes..).strip_prefix(' ')?;
    (hashes <= 6).then(|| rest.trim_end_matches('#').trim())
}

/// A list item line: its kind, number and text.
fn item(line: &str) -> Option<(Kind, u32, &str)> {
    for bullet in ["- ", "* ", "+ "] {
        if let Some(rest) = line.strip_prefix(bullet) {
            return Some((Kind::Bullets, 1, rest.trim_start()));
        }
    }
    let digits = line.bytes().take_while(u8::is_ascii_digit).count();
    let rest = cut(line, digits..)
        .strip_prefix(". ")
        .or_else(|| cut(line, digits..).strip_prefix(") "))?;
    (1..=9).contains(&digits).then(|| {
        (
            Kind::Numbered,
            number(cut(line, ..digits)),
            rest.trim_start(),
        )
    })
}

/// The value of ASCII digits (by hand: `str::parse` costs the wasm more).
fn number(digits: &str) -> u32 {
    digits.bytes().fold(0u32, |n, d| {
        n.wrapping_mul(10).wrapping_add(u32::from(d - b'0'))
    })
}

/// Inline content of one paragraph or item.
fn inline(text: &str, base: Style, sources: usize) -> Vec<Run> {
    let mut out = Out {
        runs: Vec::new(),
        buf: String::new(),
        style: base,
    };
    spans(text, base, sources, 0, &mut out);
    out.flush();
    out.runs
}

/// Runs so far, and plain text not yet made a run.
struct Out {
    runs: Vec<Run>,
    buf: String,
    style: Style,
}

impl Out {
    fn text(&mut self, text: &str, style: Style) {
        if style != self.style {
            self.flush();
            self.style = style;
        }
        self.buf.push_str(text);
    }

    fn flush(&mut self) {
        if !self.buf.is_empty() {
            self.runs.push(Run {
                text: std::mem::take(&mut self.buf),
                style: self.style,
                target: Target::Text,
            });
        }
    }

    fn push(&mut self, run: Run) {
        self.flush();
        self.runs.push(run);
    }
}

fn spans(s: &str, style: Style, sources: usize, depth: u8, out: &mut Out) {
    let b = s.as_bytes();
    // `s[lit..i]` is plain text not yet written out.
    let (mut i, mut lit) = (0, 0);
    while i < b.len() {
        let c = b[i];
        if c == b'\\' && b.get(i + 1).is_some_and(u8::is_ascii_punctuation) {
            // `\*` is a literal `*`.
            out.text(cut(s, lit..i), style);
            lit = i + 1;
            i += 2;
        } else if c == b'`' {
            match code_end(s, i) {
                Some(end) => {
                    out.text(cut(s, lit..i), style);
                    let code = Style {
                        code: true,
                        ..style
                    };
                    out.text(cut(s, i + 1..end), code);
                    i = end + 1;
                    lit = i;
                }
                None => i += 1,
            }
        } else if (c == b'*' || c == b'_') && depth < MAX_DEPTH {
            let n = b[i..].iter().take_while(|x| **x == c).count();
            match emphasis(s, i, n) {
                Some((k, close)) => {
                    out.text(cut(s, lit..i), style);
                    let inner = Style {
                        bold: style.bold || k == 2,
                        italic: style.italic || k == 1,
                        ..style
                    };
                    spans(cut(s, i + k..close), inner, sources, depth + 1, out);
                    i = close + k;
                    lit = i;
                }
                None => i += n,
            }
        } else if c == b'[' {
            match bracket(cut(s, i..), style, sources) {
                Some((run, len)) => {
                    out.text(cut(s, lit..i), style);
                    out.push(run);
                    i += len;
                    lit = i;
                }
                None => i += 1,
            }
        } else {
            i += 1;
        }
    }
    out.text(cut(s, lit..), style);
}

/// The closing backtick of a non-empty code span opening at `i`.
fn code_end(s: &str, i: usize) -> Option<usize> {
    cut(s, i + 1..)
        .find('`')
        .filter(|n| *n > 0)
        .map(|n| i + 1 + n)
}

/// A letter or digit, near enough: ASCII ones, and any other character
/// but Latin-1, general and CJK punctuation (Unicode's tables would cost
/// the wasm more than this whole parser).
fn wordy(c: Option<char>) -> bool {
    c.is_some_and(|c| {
        c.is_ascii_alphanumeric()
            || (c >= '\u{c0}'
                && !('\u{2000}'..='\u{206f}').contains(&c)
                && !('\u{3000}'..='\u{303f}').contains(&c))
    })
}

/// An emphasis opening with the `n` markers at `i`: the markers it takes
/// (2 bold, 1 italic) and where its closing markers start. An opener is not
/// inside a word nor before a space; a closer not after a space nor inside
/// a word, so `snake_case` and `2 * 3 * 4` stay text.
fn emphasis(s: &str, i: usize, n: usize) -> Option<(usize, usize)> {
    let after = cut(s, i + n..).chars().next()?;
    if wordy(cut(s, ..i).chars().next_back()) || after.is_whitespace() {
        return None;
    }
    let c = s.as_bytes()[i];
    [2, 1]
        .into_iter()
        .filter(|k| (*k == 2 && n >= 2) || (*k == 1 && n != 2))
        .find_map(|k| closer(s, i + n, c, k).map(|close| (k, close)))
}

/// Where the `k` markers `c` that close an emphasis start, from `j` on.
/// Italic is closed by one marker or three (bold and italic ending
/// together), not two: those close a bold inside it.
fn closer(s: &str, mut j: usize, c: u8, k: usize) -> Option<usize> {
    let b = s.as_bytes();
    while j < b.len() {
        if b[j] == b'\\' {
            j += 2;
        } else if b[j] == b'`' {
            j = code_end(s, j).unwrap_or(j) + 1;
        } else if b[j] == c {
            let m = b[j..].iter().take_while(|x| **x == c).count();
            let end = j + m;
            let before = cut(s, ..j).chars().next_back();
            if (m == k || m >= 3)
                && before.is_some_and(|p| !p.is_whitespace())
                && !wordy(cut(s, end..).chars().next())
            {
                return Some(end - k);
            }
            j = end;
        } else {
            j += 1;
        }
    }
    None
}

/// A link `[text](url)` with a safe URL, or a citation `[n]` of an
/// existing source, at the start of `s`: its run and length.
fn bracket(s: &str, style: Style, sources: usize) -> Option<(Run, usize)> {
    let close = s.find(']')?;
    let inner = cut(s, 1..close);
    let after = cut(s, close + 1..);
    if let Some(url) = after.strip_prefix('(') {
        if let Some(end) = url.find(')') {
            let url = cut(url, ..end).trim();
            if !inner.is_empty() && safe_url(url) {
                let run = Run {
                    text: inner.to_owned(),
                    style,
                    target: Target::Link(url.to_owned()),
                };
                return Some((run, close + 2 + end + 1));
            }
        }
    }
    let n = inner.len();
    if (1..=3).contains(&n) && inner.bytes().all(|d| d.is_ascii_digit()) {
        let n = number(inner) as usize;
        if (1..=sources).contains(&n) {
            let run = Run {
                text: String::new(),
                style,
                target: Target::Cite(n - 1),
            };
            return Some((run, close + 1));
        }
    }
    None
}

/// `https://`, `http://` and `mailto:` URLs, and paths on the help site
/// (`/path`, not `//host`); never `javascript:`, `data:` or the like.
fn safe_url(url: &str) -> bool {
    let scheme = ["https://", "http://", "mailto:"]
        .iter()
        .any(|p| url.len() > p.len() && url.starts_with(p));
    let path = url.starts_with('/') && !url.starts_with("//") && !url.starts_with("/\\");
    (scheme || path) && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

#[cfg(test)]
mod tests;

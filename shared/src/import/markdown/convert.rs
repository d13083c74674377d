//! A file's lines rewritten: the dialects' blocks (admonitions, callouts,
//! tabs, MDX and JSX lines) and tags, each line's inline Markdown through
//! [`super::inline`].

use super::inline::{inline, tag_word};
use super::Links;
use crate::import::title_from_slug;

/// Converts a body to kb Markdown; also returns the text of a leading `# H1`
/// (removed from the body: it is the title).
pub(super) fn convert(
    body: &str,
    path: &str,
    links: &Links,
    obsidian: bool,
    tags: &mut Vec<String>,
) -> (String, Option<String>) {
    let body = strip_obsidian_comments(body);
    let lines: Vec<String> = body.lines().map(|l| l.trim_end().to_owned()).collect();
    let lines = admonitions(lines);
    let mut out: Vec<String> = Vec::with_capacity(lines.len());
    let mut h1: Option<String> = None;
    let mut fence: Option<String> = None;
    let mut export_depth = 0i32;
    // Whether any text came before: only a leading `# H1` is the title.
    let mut seen_text = false;
    for line in lines {
        let t = line.trim_start();
        if let Some(f) = &fence {
            if t.starts_with(f.as_str()) {
                fence = None;
            }
            out.push(line);
            continue;
        }
        if t.starts_with("```") || t.starts_with("~~~") {
            fence = Some(t[..3].to_owned());
            seen_text = true;
            out.push(line);
            continue;
        }
        if export_depth > 0 {
            export_depth += brace_balance(t);
            continue;
        }
        if is_mdx_import(t) {
            continue;
        }
        if t.starts_with("export ") {
            export_depth = brace_balance(t).max(0);
            continue;
        }
        if let Some(label) = jsx_line(t) {
            if let Some(l) = label {
                seen_text = true;
                out.push(format!("**{l}**"));
            }
            continue;
        }
        if is_table_rule(t) {
            continue;
        }
        // A setext underline (`Title` over `=====` or `-----`) makes the
        // line above it a heading, which kb reads only in ATX form.
        if t.len() >= 3 && (t.bytes().all(|b| b == b'=') || t.bytes().all(|b| b == b'-')) {
            if let Some(prev) = out.last_mut() {
                let p = prev.trim_start();
                if !p.is_empty()
                    && !p.starts_with(['#', '-', '*', '>', '|'])
                    && !p.starts_with("**")
                {
                    *prev = format!("## {p}");
                    continue;
                }
            }
            // A thematic break carries no words.
            continue;
        }
        if h1.is_none() && !seen_text {
            if let Some(h) = t.strip_prefix("# ") {
                h1 = Some(inline(h.trim(), path, links, obsidian, tags));
                continue;
            }
        }
        if obsidian && is_tag_line(t) {
            collect_tags(t, tags);
            continue;
        }
        seen_text |= !t.is_empty();
        out.push(inline(&line, path, links, obsidian, tags));
    }
    let mut text = out.join("\n");
    while text.contains("\n\n\n") {
        text = text.replace("\n\n\n", "\n\n");
    }
    (text.trim().to_owned(), h1)
}

/// Rewrites admonitions and callouts (Docusaurus `:::`, MkDocs `!!!`/`???`
/// and `===` tabs, Obsidian `> [!kind]`) into a bold title line followed by
/// their text, outside code fences.
fn admonitions(lines: Vec<String>) -> Vec<String> {
    let mut out = Vec::with_capacity(lines.len());
    let mut i = 0;
    let mut in_fence = false;
    while i < lines.len() {
        let line = &lines[i];
        let t = line.trim_start();
        i += 1;
        if t.starts_with("```") || t.starts_with("~~~") {
            in_fence = !in_fence;
        }
        if in_fence {
            out.push(line.clone());
            continue;
        }
        if let Some(title) = docusaurus_open(t) {
            out.push(String::new());
            out.push(format!("**{title}**"));
            // The closing `:::` line is dropped where it is met.
            continue;
        }
        if t.len() >= 3 && t.chars().all(|c| c == ':') {
            out.push(String::new());
            continue;
        }
        if let Some(title) = mkdocs_open(t) {
            let indent = line.len() - t.len();
            let mut block = Vec::new();
            while i < lines.len() {
                let l = &lines[i];
                let li = l.len() - l.trim_start().len();
                if !l.trim().is_empty() && li <= indent {
                    break;
                }
                block.push(dedent(l, indent).to_owned());
                i += 1;
            }
            out.push(String::new());
            if !title.is_empty() {
                out.push(format!("**{title}**"));
            }
            out.extend(admonitions(block));
            out.push(String::new());
            continue;
        }
        if let Some(title) = callout_open(t) {
            let mut block = Vec::new();
            while i < lines.len() && lines[i].trim_start().starts_with('>') {
                let l = lines[i].trim_start()[1..].to_owned();
                block.push(l.strip_prefix(' ').map(str::to_owned).unwrap_or(l));
                i += 1;
            }
            out.push(String::new());
            out.push(format!("**{title}**"));
            out.extend(admonitions(block));
            out.push(String::new());
            continue;
        }
        out.push(line.clone());
    }
    out
}

/// A block line without the opener's indent and one level more: four
/// spaces or a tab.
fn dedent(line: &str, indent: usize) -> &str {
    let rest = line.get(indent..).unwrap_or(line.trim_start());
    rest.strip_prefix('\t')
        .or_else(|| rest.strip_prefix("    "))
        .unwrap_or(rest.trim_start())
}

/// `:::tip Title`, `:::info[Title]`, `:::note` → the title (or the kind).
fn docusaurus_open(t: &str) -> Option<String> {
    let rest = t.strip_prefix(":::")?;
    let rest = rest.trim_start_matches(':');
    let kind: String = rest.chars().take_while(char::is_ascii_alphabetic).collect();
    if kind.is_empty() {
        return None;
    }
    let after = rest[kind.len()..].trim();
    let title = after
        .strip_prefix('[')
        .and_then(|s| s.strip_suffix(']'))
        .unwrap_or(after)
        .trim();
    Some(if title.is_empty() {
        title_from_slug(&kind)
    } else {
        title.to_owned()
    })
}

/// `!!! note "Title"`, `??? tip`, `???+ warning ""`, `=== "Tab"` → the title
/// (the kind when none is given, nothing for an explicit `""`).
fn mkdocs_open(t: &str) -> Option<String> {
    if let Some(rest) = t.strip_prefix("=== ") {
        return Some(rest.trim().trim_matches('"').to_owned());
    }
    let rest = t
        .strip_prefix("!!!")
        .or_else(|| t.strip_prefix("???+"))
        .or_else(|| t.strip_prefix("???"))?;
    if !rest.starts_with(' ') {
        return None;
    }
    let rest = rest.trim();
    let kind: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    if kind.is_empty() {
        return None;
    }
    let after = rest[kind.len()..].trim();
    if let Some(q) = after.strip_prefix('"') {
        return Some(q.trim_end_matches('"').to_owned());
    }
    Some(title_from_slug(&kind))
}

/// `> [!warning]- Title` → the title (or the kind).
fn callout_open(t: &str) -> Option<String> {
    let rest = t.strip_prefix('>')?.trim_start().strip_prefix("[!")?;
    let (kind, after) = rest.split_once(']')?;
    let title = after.trim_start_matches(['+', '-']).trim();
    Some(if title.is_empty() {
        title_from_slug(kind)
    } else {
        title.to_owned()
    })
}

fn is_mdx_import(t: &str) -> bool {
    t.starts_with("import ")
        && (t.contains(" from '") || t.contains(" from \"") || t.ends_with(';') || t.contains("'@"))
}

fn brace_balance(t: &str) -> i32 {
    t.chars().fold(0, |n, c| match c {
        '{' | '(' | '[' => n + 1,
        '}' | ')' | ']' => n - 1,
        _ => n,
    })
}

/// A line that is only a JSX component tag (`<Tabs>`, `</TabItem>`,
/// `<DocCardList />`, `{/* comment */}`): `Some(label)` to drop it, with the
/// `label`/`title` attribute worth keeping as text.
fn jsx_line(t: &str) -> Option<Option<String>> {
    if t.starts_with("{/*") && t.ends_with("*/}") {
        return Some(None);
    }
    let name = t.strip_prefix("</").or_else(|| t.strip_prefix('<'))?;
    if !name.starts_with(|c: char| c.is_ascii_uppercase()) || !t.ends_with('>') {
        return None;
    }
    if t[1..].contains('<') {
        return None;
    }
    let label = ["label=\"", "title=\""].iter().find_map(|a| {
        let start = t.find(a)? + a.len();
        let end = t[start..].find('"')? + start;
        Some(t[start..end].to_owned())
    });
    Some(label)
}

fn is_table_rule(t: &str) -> bool {
    t.starts_with('|') && t.contains('-') && t.chars().all(|c| matches!(c, '|' | '-' | ':' | ' '))
}

fn strip_obsidian_comments(s: &str) -> String {
    crate::retrieval::kb::strip_between(s, "%%", "%%")
}

/// A line of only `#tags`.
fn is_tag_line(t: &str) -> bool {
    !t.is_empty() && t.split_whitespace().all(|w| tag_word(w).is_some())
}

fn collect_tags(t: &str, tags: &mut Vec<String>) {
    for w in t.split_whitespace() {
        if let Some(tag) = tag_word(w) {
            if !tags.iter().any(|x| x == tag) {
                tags.push(tag.to_owned());
            }
        }
    }
}

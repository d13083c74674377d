//! One line's inline Markdown: wikilinks, images and links resolved to the
//! folder's articles or kept as text, HTML tags dropped.

use super::Links;
use crate::import::safe::{allowed_destination, encode_destination, link_destination};

/// Inline rewrites of one line outside code: wikilinks, embeds, images,
/// relative links, inline HTML tags, Obsidian highlights, block ids and
/// inline tags.
pub(super) fn inline(
    line: &str,
    path: &str,
    links: &Links,
    obsidian: bool,
    tags: &mut Vec<String>,
) -> String {
    let mut s = wikilinks(line, links);
    s = images_and_links(&s, path, links);
    s = strip_tags(&s);
    if obsidian {
        s = s.replace("==", "");
        if let Some((head, id)) = s.rsplit_once(" ^") {
            if !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
                s = head.to_owned();
            }
        }
        let heading = s.trim_start().starts_with('#') && atx(&s);
        if !heading {
            let mut words = Vec::new();
            for w in s.split(' ') {
                match tag_word(w) {
                    Some(tag) => {
                        if !tags.iter().any(|x| x == tag) {
                            tags.push(tag.to_owned());
                        }
                        words.push(w.trim_start_matches('#').to_owned());
                    }
                    None => words.push(w.to_owned()),
                }
            }
            // Trailing tags are labels, not part of the sentence.
            while words.len() > 1
                && s.split(' ')
                    .nth(words.len() - 1)
                    .and_then(tag_word)
                    .is_some()
            {
                words.pop();
            }
            s = words.join(" ").trim_end().to_owned();
        }
    }
    s
}

fn atx(s: &str) -> bool {
    let t = s.trim_start();
    let n = t.bytes().take_while(|b| *b == b'#').count();
    (1..=6).contains(&n) && t[n..].starts_with(' ')
}

/// `[[Page]]`, `[[Page|label]]`, `[[Page#Heading]]` → a link to the page's
/// article or its name; `![[embed]]` → nothing.
fn wikilinks(line: &str, links: &Links) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(start) = rest.find("[[") {
        let Some(len) = rest[start + 2..].find("]]") else {
            break;
        };
        let inner = &rest[start + 2..start + 2 + len];
        let embed = rest[..start].ends_with('!');
        out.push_str(if embed {
            &rest[..start - 1]
        } else {
            &rest[..start]
        });
        if !embed {
            let (target, label) = inner.split_once('|').unwrap_or((inner, ""));
            let (page, heading) = target.split_once('#').unwrap_or((target, ""));
            let text = if !label.trim().is_empty() {
                label.trim().to_owned()
            } else if page.trim().is_empty() {
                heading.trim().to_owned()
            } else {
                page.trim().to_owned()
            };
            let page_name = page.trim().rsplit('/').next().unwrap_or("").to_lowercase();
            let page_name = page_name.strip_suffix(".md").unwrap_or(&page_name);
            match links
                .by_name
                .get(page_name)
                .and_then(|u| link_destination(u))
            {
                Some(url) => out.push_str(&format!("[{text}]({url})")),
                None => out.push_str(&text),
            }
        }
        rest = &rest[start + 2 + len + 2..];
    }
    out.push_str(rest);
    out
}

/// Drops `![alt](src)` images; points `[text](other.md)` links at the other
/// file's article URL.
fn images_and_links(line: &str, path: &str, links: &Links) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(open) = rest.find("](") {
        let Some(close) = rest[open + 2..].find(')') else {
            break;
        };
        let target = &rest[open + 2..open + 2 + close];
        let Some(text_start) = rest[..open].rfind('[') else {
            out.push_str(&rest[..open + 2]);
            rest = &rest[open + 2..];
            continue;
        };
        let image = rest[..text_start].ends_with('!');
        if image {
            out.push_str(&rest[..text_start - 1]);
        } else if allowed_destination(target.trim().trim_start_matches('<')) {
            out.push_str(&rest[..open + 2]);
            out.push_str(&resolve_link(target, path, links));
            out.push(')');
        } else {
            // A script or other scheme: the link's text only.
            out.push_str(&rest[..text_start]);
            out.push_str(&rest[text_start + 1..open]);
        }
        rest = &rest[open + 2 + close + 1..];
    }
    out.push_str(rest);
    out
}

/// A relative link to another Markdown file of the folder → that article's
/// URL; anything else unchanged.
fn resolve_link(target: &str, path: &str, links: &Links) -> String {
    if target.contains("://") || target.starts_with(['/', '#']) || target.starts_with("mailto:") {
        return target.to_owned();
    }
    let file = target.split('#').next().unwrap_or(target);
    let file = file.replace("%20", " ");
    let mut segs: Vec<&str> = path.split('/').collect();
    segs.pop();
    for part in file.split('/') {
        match part {
            "." | "" => {}
            ".." => {
                segs.pop();
            }
            p => segs.push(p),
        }
    }
    let joined = segs.join("/");
    let candidates = [
        joined.clone(),
        format!("{joined}.md"),
        format!("{joined}.mdx"),
        format!("{joined}/index.md"),
    ];
    candidates
        .iter()
        .find_map(|c| links.by_path.get(c))
        .map_or_else(|| target.to_owned(), |url| encode_destination(url))
}

/// Removes inline HTML tags (`<kbd>`, `<br/>`, `<img …>`), keeping the text
/// between them; a `<` not starting a tag stays.
fn strip_tags(line: &str) -> String {
    if !line.contains('<') {
        return line.to_owned();
    }
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        let after = &rest[lt + 1..];
        let is_tag = after
            .strip_prefix('/')
            .unwrap_or(after)
            .starts_with(|c: char| c.is_ascii_alphabetic());
        match (is_tag, after.find('>')) {
            (true, Some(gt)) => rest = &after[gt + 1..],
            _ => {
                out.push('<');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

pub(super) fn tag_word(w: &str) -> Option<&str> {
    let tag = w.strip_prefix('#')?;
    let tag = tag.trim_end_matches(['.', ',', ';', ':', '!', '?', ')']);
    (tag.starts_with(|c: char| c.is_alphabetic())
        && tag
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '/')))
    .then_some(tag)
}

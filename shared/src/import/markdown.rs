//! A folder of Markdown as Frontdesk articles: plain Markdown and the
//! dialects help content is usually written in.
//!
//! - **Obsidian**: `[[Page]]` / `[[Page|label]]` wikilinks become links to
//!   the page's article (or plain text when the page is not in the folder),
//!   `![[embeds]]` are dropped, `> [!note] Title` callouts keep their title
//!   and text, inline `#tags` and front-matter `tags` become tags, `aliases`
//!   become the article's example questions, `%%comments%%` are dropped.
//! - **Docusaurus**: front matter `id`, `title`, `slug`, `tags`, `draft`;
//!   `:::tip Title … :::` admonitions keep title and text; MDX `import` /
//!   `export` lines and JSX component tags are dropped (a tab's `label` is
//!   kept as a bold line).
//! - **MkDocs** (Material): `!!! note "Title"`, `??? tip`, `=== "Tab"` blocks
//!   are dedented and keep their title.
//!
//! Everywhere: images are dropped (they carry no words), links to other
//! Markdown files of the folder point to those articles' URLs (encoded as
//! link targets), links to anything but `http(s)`, `mailto` or a relative
//! path keep only their text (the [`Collector`] reads every body back with
//! a Markdown parser and drops any such link the line-by-line rewrite
//! missed), the title is the front matter's, else the first `# H1`, else
//! the file name.

use std::collections::HashMap;

use super::frontmatter::{self, Fields};
use super::safe::{allowed_destination, encode_destination, link_destination};
use super::{
    join_url, lang_code, path_lang, slugify, title_from_slug, Collector, Draft, Outcome, SkipReason,
};

/// Which dialect's extras to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Dialect {
    /// All constructs; inline `#tags` only when the folder looks like an
    /// Obsidian vault (it has wikilinks or callouts).
    #[default]
    Auto,
    Plain,
    Obsidian,
    Docusaurus,
    Mkdocs,
}

impl std::str::FromStr for Dialect {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "auto" => Ok(Dialect::Auto),
            "plain" => Ok(Dialect::Plain),
            "obsidian" => Ok(Dialect::Obsidian),
            "docusaurus" => Ok(Dialect::Docusaurus),
            "mkdocs" => Ok(Dialect::Mkdocs),
            other => Err(format!(
                "unknown dialect '{other}' (auto, plain, obsidian, docusaurus, mkdocs)"
            )),
        }
    }
}

/// One Markdown file: its path relative to the folder (`/`-separated) and
/// its text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: String,
    pub text: String,
}

/// What the caller knows that the files may not say.
#[derive(Debug, Clone)]
pub struct Options {
    pub dialect: Dialect,
    /// The language of files that name none.
    pub default_lang: String,
    /// Prefix for URLs made from paths (`https://docs.example.com`).
    pub base_url: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            dialect: Dialect::Auto,
            default_lang: "en".to_owned(),
            base_url: None,
        }
    }
}

/// A file's metadata, read before any body is converted so that links
/// between files can be resolved.
struct Meta<'a> {
    path: &'a str,
    fields: Fields,
    body: &'a str,
    title: Option<String>,
    url: String,
    lang: String,
}

/// Imports the files, in the order given (sort them for stable slugs).
pub fn import(files: &[SourceFile], opts: &Options) -> Outcome {
    let obsidian = match opts.dialect {
        Dialect::Obsidian => true,
        Dialect::Auto => files
            .iter()
            .any(|f| f.text.contains("[[") || f.text.contains("> [!")),
        _ => false,
    };
    let metas: Vec<Meta> = files.iter().map(|f| meta(f, opts)).collect();
    let links = link_targets(&metas);
    let mut out = Collector::new();
    for m in &metas {
        if m.fields
            .get("draft")
            .is_some_and(super::frontmatter::Value::is_true)
            || m.fields
                .get("publish")
                .is_some_and(|v| v.as_str() == "false")
        {
            out.skip(m.path, SkipReason::Draft);
            continue;
        }
        let mut tags: Vec<String> = m
            .fields
            .get("tags")
            .map(super::frontmatter::Value::as_list)
            .unwrap_or_default()
            .into_iter()
            .map(|t| t.trim_start_matches('#').to_owned())
            .collect();
        let (body, h1) = convert(m.body, m.path, &links, obsidian, &mut tags);
        let title = m
            .title
            .clone()
            .or(h1)
            .unwrap_or_else(|| title_from_slug(file_stem(m.path)));
        tags.dedup();
        out.add(
            m.path,
            Draft {
                slug: slugify(&url_path(m.path)),
                title,
                url: m.url.clone(),
                lang: m.lang.clone(),
                tags,
                questions: m
                    .fields
                    .get("aliases")
                    .map(super::frontmatter::Value::as_list_strict)
                    .unwrap_or_default(),
                body,
            },
        );
    }
    out.finish()
}

impl frontmatter::Value {
    /// A list value, or a single string as one item (aliases are phrases,
    /// not comma-separated words).
    fn as_list_strict(&self) -> Vec<String> {
        match self {
            frontmatter::Value::Str(s) => vec![s.clone()],
            frontmatter::Value::List(l) => l.clone(),
        }
    }
}

fn meta<'a>(f: &'a SourceFile, opts: &Options) -> Meta<'a> {
    let (fields, body) = frontmatter::split(&f.text);
    let get = |k: &str| {
        fields
            .get(k)
            .map(super::frontmatter::Value::as_str)
            .filter(|s| !s.is_empty())
    };
    let lang = get("lang")
        .or_else(|| get("locale"))
        .or_else(|| get("language"))
        .and_then(|l| lang_code(&l))
        .or_else(|| lang_of_path(&f.path))
        .unwrap_or_else(|| opts.default_lang.clone());
    let base = opts.base_url.as_deref();
    let url = if let Some(p) = get("permalink") {
        absolute_or_join(base, &p)
    } else if let Some(s) = get("slug") {
        if s.starts_with('/') || s.starts_with("https://") {
            absolute_or_join(base, &s)
        } else {
            join_url(base, &format!("{}/{s}", url_dir(&f.path)))
        }
    } else {
        let mut path = url_path(&f.path);
        if let Some(id) = get("id") {
            path = match path.rsplit_once('/') {
                Some((dir, _)) => format!("{dir}/{}", slugify(&id)),
                None => slugify(&id),
            };
        }
        join_url(base, &path)
    };
    Meta {
        path: &f.path,
        title: get("title"),
        fields,
        body,
        url,
        lang,
    }
}

fn absolute_or_join(base: Option<&str>, p: &str) -> String {
    if p.starts_with("https://") {
        p.to_owned()
    } else {
        join_url(base, p)
    }
}

/// The language a path names: a `de/` or `i18n/de/` segment, or a `.de.md`
/// suffix.
fn lang_of_path(path: &str) -> Option<String> {
    let stem = file_stem(path);
    if let Some((_, suffix)) = stem.rsplit_once('.') {
        if let Some(l) = path_lang(suffix) {
            return Some(l);
        }
    }
    let mut dirs: Vec<&str> = path.split('/').collect();
    dirs.pop();
    dirs.into_iter().find_map(path_lang)
}

fn file_stem(path: &str) -> &str {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.rsplit_once('.').map_or(name, |(s, _)| s)
}

/// The site path of a file: extension, a `.de` language suffix and a
/// trailing `index`/`README` dropped, Docusaurus' `i18n/<lang>/…/current/`
/// shortened to `<lang>/`, every segment slugified.
fn url_path(path: &str) -> String {
    let mut segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    // Docusaurus translations: i18n/<lang>/docusaurus-plugin-content-docs/current/…
    if segs.first() == Some(&"i18n") {
        segs.remove(0);
    }
    if let Some(i) = segs
        .iter()
        .position(|s| s.starts_with("docusaurus-plugin-content-"))
    {
        let end = (i + 2).min(segs.len() - 1);
        segs.drain(i..end);
    }
    let mut out: Vec<String> = Vec::new();
    let last = segs.len().saturating_sub(1);
    for (i, s) in segs.iter().enumerate() {
        let s = if i == last {
            let stem = s.rsplit_once('.').map_or(*s, |(st, _)| st);
            match stem.rsplit_once('.') {
                Some((st, l)) if path_lang(l).is_some() => st,
                _ => stem,
            }
        } else {
            s
        };
        if i == last && (s.eq_ignore_ascii_case("index") || s.eq_ignore_ascii_case("readme")) {
            continue;
        }
        out.push(slugify(s));
    }
    out.join("/")
}

fn url_dir(path: &str) -> String {
    let p = url_path(path);
    p.rsplit_once('/')
        .map_or(String::new(), |(d, _)| d.to_owned())
}

/// Where links may point: relative paths (`billing/refunds.md`) and, for
/// wikilinks, file stems, titles and aliases (lower case).
struct Links {
    by_path: HashMap<String, String>,
    by_name: HashMap<String, String>,
}

fn link_targets(metas: &[Meta]) -> Links {
    let mut by_path = HashMap::new();
    let mut by_name = HashMap::new();
    for m in metas {
        by_path.insert(m.path.to_owned(), m.url.clone());
        let mut names = vec![file_stem(m.path).to_lowercase()];
        names.extend(m.title.iter().map(|t| t.to_lowercase()));
        if let Some(a) = m.fields.get("aliases") {
            names.extend(a.as_list_strict().iter().map(|t| t.to_lowercase()));
        }
        for n in names {
            by_name.entry(n).or_insert_with(|| m.url.clone());
        }
    }
    Links { by_path, by_name }
}

/// Converts a body to kb Markdown; also returns the text of a leading `# H1`
/// (removed from the body: it is the title).
fn convert(
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

fn tag_word(w: &str) -> Option<&str> {
    let tag = w.strip_prefix('#')?;
    let tag = tag.trim_end_matches(['.', ',', ';', ':', '!', '?', ')']);
    (tag.starts_with(|c: char| c.is_alphabetic())
        && tag
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '/')))
    .then_some(tag)
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

/// Inline rewrites of one line outside code: wikilinks, embeds, images,
/// relative links, inline HTML tags, Obsidian highlights, block ids and
/// inline tags.
fn inline(line: &str, path: &str, links: &Links, obsidian: bool, tags: &mut Vec<String>) -> String {
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

#[cfg(test)]
mod tests;

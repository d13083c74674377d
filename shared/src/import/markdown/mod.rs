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

mod convert;
mod inline;

use std::collections::HashMap;

use self::convert::convert;
use super::frontmatter::{self, Fields};
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
    /// No inline `#tags`. The other dialects' constructs are still read:
    /// the dialect only decides about `#tags`.
    Plain,
    /// Inline `#tags` read as tags, whatever the folder looks like.
    Obsidian,
    /// As [`Dialect::Plain`] (Docusaurus constructs are read in every
    /// dialect).
    Docusaurus,
    /// As [`Dialect::Plain`] (MkDocs constructs are read in every dialect).
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
    /// Relative to the folder, `/`-separated (`guides/de/setup.md`); it
    /// gives the slug, the URL and maybe the language.
    pub path: String,
    /// The file's content, front matter included.
    pub text: String,
}

/// What the caller knows that the files may not say.
#[derive(Debug, Clone)]
pub struct Options {
    /// Which dialect's extras to read.
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

#[cfg(test)]
mod tests;

//! Each source's IO: walking a folder, reading export files, fetching a
//! sitemap and its pages. The conversion itself is in
//! `frontdesk_shared::import`.

use std::path::{Path, PathBuf};

use frontdesk_shared::import::helpcentre::{self, Kind};
use frontdesk_shared::import::markdown::{self, SourceFile};
use frontdesk_shared::import::sitemap::{self, Sitemap};
use frontdesk_shared::import::{html, Collector, Draft, Outcome, SkipReason};

use crate::fetch::{self, Client};

/// Sitemap indexes are followed this many levels deep, and at most this many
/// sitemaps are read: a bound on what a hostile or broken index can ask for.
const MAX_SITEMAP_DEPTH: usize = 2;
const MAX_SITEMAPS: usize = 100;

/// The Markdown files under `dir` (`.md`, `.mdx`, `.markdown`), sorted by
/// path, skipping hidden folders (`.obsidian`, `.git`), `node_modules` and
/// partials (`_snippet.md`).
pub fn markdown_files(dir: &Path) -> std::io::Result<Vec<SourceFile>> {
    let mut paths = Vec::new();
    walk(dir, &mut paths)?;
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let rel = p
                .strip_prefix(dir)
                .unwrap_or(&p)
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            let bytes = std::fs::read(&p)?;
            Ok(SourceFile {
                path: rel,
                text: String::from_utf8_lossy(&bytes).into_owned(),
            })
        })
        .collect()
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || name.starts_with('_') || name == "node_modules" {
            continue;
        }
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            walk(&path, out)?;
        } else if ["md", "mdx", "markdown"]
            .iter()
            .any(|e| path.extension().is_some_and(|x| x.eq_ignore_ascii_case(e)))
        {
            out.push(path);
        }
    }
    Ok(())
}

/// Imports a Markdown folder.
pub fn markdown_dir(dir: &Path, opts: &markdown::Options) -> std::io::Result<Outcome> {
    Ok(markdown::import(&markdown_files(dir)?, opts))
}

/// Imports Zendesk or Intercom export files.
pub fn export_files(kind: Kind, paths: &[PathBuf], default_lang: &str) -> std::io::Result<Outcome> {
    let files = paths
        .iter()
        .map(|p| Ok((p.display().to_string(), std::fs::read_to_string(p)?)))
        .collect::<std::io::Result<Vec<_>>>()?;
    Ok(helpcentre::import_files(kind, &files, default_lang))
}

/// Fetches pages and imports each; a page that cannot be fetched, is not
/// HTML, or may not be fetched (see [`Client::get`]) is reported and the
/// rest go on. Each page is turned into its article as soon as it arrives
/// and only the article is kept ([`Client::fetch_each`]: at most
/// `concurrency` page bodies at once, articles up to the options'
/// `max_total_bytes`).
pub fn pages(client: &Client, urls: &[String], default_lang: &str) -> Outcome {
    let drafts = client.fetch_each(
        urls,
        |url, page| {
            if !page.content_type.is_empty() && !page.content_type.contains("html") {
                return Err(SkipReason::NotHtml);
            }
            html::page_article(url, &page.text, default_lang)
        },
        |d: &Draft| (d.body.len() + d.title.len() + d.url.len()) as u64,
    );
    let mut out = Collector::new();
    for (url, draft) in urls.iter().zip(drafts) {
        match draft {
            Ok(d) => out.add(url, d),
            Err(reason) => out.skip(url, reason),
        }
    }
    out.finish()
}

/// The page URLs of a sitemap (a URL, or a local file named by the user),
/// following sitemap indexes; at most `limit` pages. Sitemaps that cannot
/// be read are reported in `skipped`, and so is every entry that is not an
/// `http(s)` URL: only `source` itself may be a local file.
pub fn sitemap_urls(client: &Client, source: &str, limit: usize) -> (Vec<String>, Outcome) {
    let mut report = Collector::new();
    let mut pages: Vec<String> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut queue: Vec<(String, usize)> = vec![(source.to_owned(), 0)];
    let mut read = 0;
    let not_http = || SkipReason::Refused("not an http(s) URL".into());
    while let Some((src, depth)) = queue.pop() {
        if pages.len() >= limit || read >= MAX_SITEMAPS {
            break;
        }
        read += 1;
        let text = if fetch::is_http(&src) {
            client.get(&src).map(|p| p.text)
        } else if depth == 0 {
            std::fs::read_to_string(&src).map_err(|e| SkipReason::Parse(e.to_string()))
        } else {
            Err(not_http())
        };
        let parsed =
            text.and_then(|t| sitemap::parse(&t).map_err(|e| SkipReason::Parse(e.to_string())));
        match parsed {
            Err(reason) => report.skip(&src, reason),
            Ok(Sitemap::Pages(urls)) => {
                for u in urls {
                    if pages.len() >= limit {
                        break;
                    }
                    if !fetch::is_http(&u) {
                        report.skip(&u, not_http());
                    } else if seen.insert(u.clone()) {
                        pages.push(u);
                    }
                }
            }
            Ok(Sitemap::Index(children)) if depth < MAX_SITEMAP_DEPTH => {
                let (web, other): (Vec<String>, Vec<String>) =
                    children.into_iter().partition(|c| fetch::is_http(c));
                for c in other {
                    report.skip(&c, not_http());
                }
                // Reversed so the stack reads them in the index's order.
                queue.extend(web.into_iter().rev().map(|c| (c, depth + 1)));
            }
            Ok(Sitemap::Index(_)) => report.skip(
                &src,
                SkipReason::Parse("sitemap index nested too deep".into()),
            ),
        }
    }
    (pages, report.finish())
}

/// Imports every page a sitemap lists.
pub fn sitemap(client: &Client, source: &str, limit: usize, default_lang: &str) -> Outcome {
    let (urls, mut out) = sitemap_urls(client, source, limit);
    out.extend(pages(client, &urls, default_lang));
    out
}

/// The URLs of a list file: one per line, blank lines and `#` comments
/// ignored.
pub fn url_list(text: &str, limit: usize) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .take(limit)
        .map(str::to_owned)
        .collect()
}

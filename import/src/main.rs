//! `frontdesk-import`: bring existing help content into Frontdesk.
//!
//! ```text
//! frontdesk-import markdown <dir> [--dialect auto|plain|obsidian|docusaurus|mkdocs] [--base-url URL]
//! frontdesk-import sitemap <url-or-file> [--limit N] [--concurrency N] [--timeout SECS] [web options]
//! frontdesk-import urls <file> [--limit N] [--concurrency N] [--timeout SECS] [web options]
//!   web options: [--max-total-mb N] [--allow-private-addresses] [--allow-address IP]...
//! frontdesk-import zendesk <export.json>...
//! frontdesk-import intercom <export.json>...
//!   every source: [--lang CODE] (--out DIR | --json | --upload BASE_URL)
//! ```
//!
//! Writes one canonical kb Markdown file per article into `--out` (a folder
//! the build bundles, like `kb/`), prints the `{"articles":[{slug, source}]}`
//! bundle with `--json`, or sends that bundle to a running deployment's
//! `PUT /api/v1/admin/content` with `--upload` (token from
//! `FRONTDESK_ADMIN_TOKEN`). A summary — articles by language, skipped items
//! with their reasons, time and articles/s — goes to stderr.
//!
//! The web sources fetch only `http(s)` URLs on public addresses (every
//! address a host name resolves to, every redirect hop): a sitemap cannot
//! make the importer read a local file or a page on the user's own network
//! and publish it with `--upload`. `--allow-private-addresses` lifts the
//! address check (an intranet help site, a test server on loopback);
//! `--allow-address IP` lifts it for one address.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use frontdesk_import::fetch::{Client, FetchOptions};
use frontdesk_import::{sources, upload};
use frontdesk_shared::import::helpcentre::Kind;
use frontdesk_shared::import::markdown::{Dialect, Options};
use frontdesk_shared::import::Outcome;

const USAGE: &str = "usage:
  frontdesk-import markdown <dir> [--dialect auto|plain|obsidian|docusaurus|mkdocs] [--base-url URL]
  frontdesk-import sitemap <url-or-file> [--limit N] [--concurrency N] [--timeout SECS]
  frontdesk-import urls <file> [--limit N] [--concurrency N] [--timeout SECS]
  frontdesk-import zendesk <export.json>...
  frontdesk-import intercom <export.json>...
sitemap and urls also take [--max-total-mb N] (default 64: article text kept in all)
and [--allow-private-addresses] [--allow-address IP]... (default: public addresses only)
every source takes [--lang CODE] (default en: the language of content that names none)
and one of --out DIR | --json | --upload BASE_URL (token in FRONTDESK_ADMIN_TOKEN)";

#[derive(Debug, Default)]
struct Args {
    command: String,
    inputs: Vec<String>,
    out: Option<PathBuf>,
    json: bool,
    upload: Option<String>,
    lang: Option<String>,
    dialect: Option<String>,
    base_url: Option<String>,
    limit: Option<usize>,
    concurrency: Option<usize>,
    timeout: Option<u64>,
    max_total_mb: Option<u64>,
    allow_private: bool,
    allowed_addresses: Vec<std::net::IpAddr>,
}

fn parse_args(raw: Vec<String>) -> Result<Args, String> {
    let mut it = raw.into_iter();
    let mut a = Args {
        command: it.next().ok_or("no command given")?,
        ..Args::default()
    };
    while let Some(arg) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        let number = |name: &str, v: String| {
            v.parse::<u64>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or(format!("{name} must be a positive number, not '{v}'"))
        };
        match arg.as_str() {
            "--out" => a.out = Some(value("--out")?.into()),
            "--json" => a.json = true,
            "--upload" => a.upload = Some(value("--upload")?),
            "--lang" => a.lang = Some(value("--lang")?),
            "--dialect" => a.dialect = Some(value("--dialect")?),
            "--base-url" => a.base_url = Some(value("--base-url")?),
            "--limit" => a.limit = Some(number("--limit", value("--limit")?)? as usize),
            "--concurrency" => {
                a.concurrency = Some(number("--concurrency", value("--concurrency")?)? as usize);
            }
            "--timeout" => a.timeout = Some(number("--timeout", value("--timeout")?)?),
            "--max-total-mb" => {
                a.max_total_mb = Some(number("--max-total-mb", value("--max-total-mb")?)?);
            }
            "--allow-private-addresses" => a.allow_private = true,
            "--allow-address" => {
                let v = value("--allow-address")?;
                a.allowed_addresses.push(
                    v.parse()
                        .map_err(|_| format!("--allow-address needs an IP address, not '{v}'"))?,
                );
            }
            "-h" | "--help" => return Err(String::new()),
            flag if flag.starts_with("--") => return Err(format!("unknown option {flag}")),
            _ => a.inputs.push(arg),
        }
    }
    if a.inputs.is_empty() {
        return Err(format!("{} needs an input", a.command));
    }
    if [a.out.is_some(), a.json, a.upload.is_some()]
        .iter()
        .filter(|x| **x)
        .count()
        != 1
    {
        return Err("choose one of --out DIR, --json or --upload BASE_URL".into());
    }
    if let Some(b) = &a.base_url {
        if !(b.starts_with("https://") || b.starts_with('/')) {
            return Err(format!(
                "--base-url must start with https:// or /, not '{b}'"
            ));
        }
    }
    Ok(a)
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1).collect()) {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("error: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(a: &Args) -> Result<ExitCode, String> {
    let lang = a.lang.clone().unwrap_or_else(|| "en".to_owned());
    let limit = a.limit.unwrap_or(10_000);
    let client = || {
        Client::new(FetchOptions {
            concurrency: a.concurrency.unwrap_or(4),
            timeout: Duration::from_secs(a.timeout.unwrap_or(20)),
            max_total_bytes: a
                .max_total_mb
                .map_or(FetchOptions::default().max_total_bytes, |mb| {
                    mb.saturating_mul(1024 * 1024)
                }),
            allow_private: a.allow_private,
            allowed_addresses: a.allowed_addresses.clone(),
            ..FetchOptions::default()
        })
    };
    let started = Instant::now();
    let outcome: Outcome = match a.command.as_str() {
        "markdown" => {
            let dialect: Dialect = a.dialect.as_deref().unwrap_or("auto").parse()?;
            let opts = Options {
                dialect,
                default_lang: lang,
                base_url: a.base_url.clone(),
            };
            let mut out = Outcome::default();
            for dir in &a.inputs {
                out.extend(
                    sources::markdown_dir(dir.as_ref(), &opts)
                        .map_err(|e| format!("{dir}: {e}"))?,
                );
            }
            out
        }
        "sitemap" => {
            let client = client();
            let mut out = Outcome::default();
            for src in &a.inputs {
                out.extend(sources::sitemap(&client, src, limit, &lang));
            }
            out
        }
        "urls" => {
            let mut urls = Vec::new();
            for f in &a.inputs {
                let text = std::fs::read_to_string(f).map_err(|e| format!("{f}: {e}"))?;
                urls.extend(sources::url_list(&text, limit));
            }
            urls.truncate(limit);
            sources::pages(&client(), &urls, &lang)
        }
        "zendesk" | "intercom" => {
            let kind = if a.command == "zendesk" {
                Kind::Zendesk
            } else {
                Kind::Intercom
            };
            let paths: Vec<PathBuf> = a.inputs.iter().map(PathBuf::from).collect();
            sources::export_files(kind, &paths, &lang).map_err(|e| e.to_string())?
        }
        other => return Err(format!("unknown command '{other}'\n{USAGE}")),
    };
    let elapsed = started.elapsed();
    summary(&outcome, elapsed);
    if outcome.articles.is_empty() {
        eprintln!("nothing to write");
        return Ok(ExitCode::FAILURE);
    }
    if let Some(dir) = &a.out {
        let replaced = write_dir(dir, &outcome).map_err(|e| format!("{}: {e}", dir.display()))?;
        eprintln!(
            "wrote {} files to {} ({replaced} replaced files of the same name)",
            outcome.articles.len(),
            dir.display()
        );
    } else if a.json {
        let json = serde_json::to_string_pretty(&outcome.bundle()).map_err(|e| e.to_string())?;
        println!("{json}");
    } else if let Some(base) = &a.upload {
        let token = std::env::var("FRONTDESK_ADMIN_TOKEN")
            .map_err(|_| "--upload needs the admin token in FRONTDESK_ADMIN_TOKEN".to_owned())?;
        // More than one upload takes (2,000 articles, 8 MiB): in parts.
        let answers = upload::put_parts(base, &token, &outcome.bundle())?;
        let parts = answers.len();
        for (i, (url, status, text)) in answers.iter().enumerate() {
            eprintln!("part {} of {parts} to {url}: {status} {text}", i + 1);
        }
        eprintln!(
            "uploaded {} articles in {parts} part(s)",
            outcome.articles.len()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// The summary on stderr: articles by language, skipped items by reason,
/// time and throughput.
fn summary(o: &Outcome, elapsed: Duration) {
    let langs: Vec<String> = o
        .by_lang()
        .into_iter()
        .map(|(l, n)| format!("{l} {n}"))
        .collect();
    let secs = elapsed.as_secs_f64();
    let rate = if secs > 0.0 {
        o.articles.len() as f64 / secs
    } else {
        0.0
    };
    eprintln!(
        "imported {} articles ({}) in {:.3} s: {:.0} articles/s",
        o.articles.len(),
        langs.join(", "),
        secs,
        rate
    );
    if !o.skipped.is_empty() {
        eprintln!("skipped {}:", o.skipped.len());
        for s in &o.skipped {
            eprintln!("  {} — {}", s.item, s.reason);
        }
    }
}

/// Writes `<slug>.md` per article; an existing file of that name is
/// replaced (importing again updates), and counted so the summary says so.
fn write_dir(dir: &std::path::Path, o: &Outcome) -> std::io::Result<usize> {
    std::fs::create_dir_all(dir)?;
    let mut replaced = 0;
    for a in &o.articles {
        let path = dir.join(format!("{}.md", a.slug));
        if path.exists() {
            replaced += 1;
        }
        std::fs::write(path, &a.source)?;
    }
    Ok(replaced)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Result<Args, String> {
        parse_args(s.split_whitespace().map(str::to_owned).collect())
    }

    #[test]
    fn exactly_one_output() {
        assert!(args("zendesk a.json --out kb").is_ok());
        assert!(args("zendesk a.json").is_err());
        assert!(args("zendesk a.json --json --out kb").is_err());
        assert!(args("zendesk --json").is_err());
    }

    #[test]
    fn bad_values_are_refused() {
        assert!(args("sitemap s.xml --json --limit 0").is_err());
        assert!(args("sitemap s.xml --json --limit x").is_err());
        assert!(args("sitemap s.xml --json --limt 3").is_err());
        assert!(args("markdown d --json --base-url http://x").is_err());
        assert!(args("sitemap s.xml --json --allow-address localhost").is_err());
        let a = args("sitemap s.xml --json --limit 3 --lang de").unwrap();
        assert_eq!((a.limit, a.lang.as_deref()), (Some(3), Some("de")));
        assert!(!a.allow_private && a.allowed_addresses.is_empty());
        let a = args(
            "urls u.txt --json --allow-private-addresses --allow-address ::1 --max-total-mb 8",
        )
        .unwrap();
        assert!(a.allow_private);
        assert_eq!(
            a.allowed_addresses,
            ["::1".parse::<std::net::IpAddr>().unwrap()]
        );
        assert_eq!(a.max_total_mb, Some(8));
    }
}

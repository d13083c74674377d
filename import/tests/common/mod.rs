//! Helpers for the sample tests: paths, a loopback HTTP server for the
//! sample help site, and checks every import must pass.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};

use frontdesk_shared::import::{Outcome, SkipReason};
use frontdesk_shared::retrieval::kb::parse_article;

/// The committed host name of the sample site, replaced by the loopback
/// server's address in sitemaps and URL lists.
pub(crate) const SAMPLE_HOST: &str = "https://help.brightmeal.example";

pub(crate) fn samples() -> PathBuf {
    Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("run by cargo")).join("../samples/import")
}

/// Serves `root` on 127.0.0.1 (a port of its own) until the test process
/// ends: files by path, `.xml`/`.txt` with [`SAMPLE_HOST`] rewritten to the
/// server's own address, 404 for anything missing. Returns the base URL.
pub(crate) fn serve(root: PathBuf) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let own = base.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let root = root.clone();
            let own = own.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut request_line = String::new();
                if reader.read_line(&mut request_line).is_err() {
                    return;
                }
                // Headers up to the blank line (bounded).
                for _ in 0..100 {
                    let mut l = String::new();
                    if reader.read_line(&mut l).unwrap_or(0) == 0 || l == "\r\n" {
                        break;
                    }
                }
                let path = request_line.split(' ').nth(1).unwrap_or("/");
                let rel = path.trim_start_matches('/').split('?').next().unwrap_or("");
                let file = root.join(rel);
                let (status, ctype, body) = match std::fs::read(&file) {
                    Ok(bytes) if !rel.contains("..") && file.is_file() => {
                        let ext = file.extension().and_then(|e| e.to_str()).unwrap_or("");
                        let ctype = match ext {
                            "html" => "text/html; charset=utf-8",
                            "xml" => "application/xml",
                            "pdf" => "application/pdf",
                            _ => "text/plain; charset=utf-8",
                        };
                        let body = if ext == "xml" || ext == "txt" {
                            String::from_utf8(bytes)
                                .unwrap()
                                .replace(SAMPLE_HOST, &own)
                                .into_bytes()
                        } else {
                            bytes
                        };
                        ("200 OK", ctype, body)
                    }
                    _ => ("404 Not Found", "text/html", b"<h1>Not found</h1>".to_vec()),
                };
                let head = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(&body);
            });
        }
    });
    base
}

/// One answer of [`serve_with`]: status line, extra headers, body.
pub(crate) struct Reply {
    pub status: &'static str,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub(crate) fn html(body: &str) -> Reply {
        Reply {
            status: "200 OK",
            headers: vec![("Content-Type".into(), "text/html; charset=utf-8".into())],
            body: body.as_bytes().to_vec(),
        }
    }

    pub(crate) fn redirect(location: &str) -> Reply {
        Reply {
            status: "302 Found",
            headers: vec![("Location".into(), location.into())],
            body: Vec::new(),
        }
    }
}

/// Serves answers from `reply(path)` on `ip` (a loopback address; a port
/// of its own) until the test process ends. Returns the base URL.
pub(crate) fn serve_with(
    ip: &str,
    reply: impl Fn(&str) -> Reply + Send + Sync + 'static,
) -> String {
    let listener = TcpListener::bind((ip, 0)).unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let reply = std::sync::Arc::new(reply);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let reply = reply.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut request_line = String::new();
                if reader.read_line(&mut request_line).is_err() {
                    return;
                }
                for _ in 0..100 {
                    let mut l = String::new();
                    if reader.read_line(&mut l).unwrap_or(0) == 0 || l == "\r\n" {
                        break;
                    }
                }
                let path = request_line.split(' ').nth(1).unwrap_or("/");
                let r = reply(path);
                let mut head = format!("HTTP/1.1 {}\r\n", r.status);
                for (k, v) in &r.headers {
                    head.push_str(&format!("{k}: {v}\r\n"));
                }
                head.push_str(&format!(
                    "Content-Length: {}\r\nConnection: close\r\n\r\n",
                    r.body.len()
                ));
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(&r.body);
            });
        }
    });
    base
}

/// A fresh, empty folder under the system's temp folder.
pub(crate) fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("frontdesk-import-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Every article parses back from its canonical source, and the JSON
/// bundle carries the same sources.
pub(crate) fn check_outputs(o: &Outcome) {
    for a in &o.articles {
        let parsed = parse_article(&a.slug, &a.source)
            .unwrap_or_else(|e| panic!("{}: {e}\n{}", a.slug, a.source));
        assert_eq!(parsed, a.article);
        assert!(a.source.starts_with("---\ntitle: "), "{}", a.source);
    }
    let json = serde_json::to_string(&o.bundle()).unwrap();
    let back: frontdesk_shared::import::Bundle = serde_json::from_str(&json).unwrap();
    assert_eq!(back.articles.len(), o.articles.len());
}

pub(crate) fn article<'a>(o: &'a Outcome, title: &str) -> &'a frontdesk_shared::import::Imported {
    o.articles
        .iter()
        .find(|a| a.article.title == title)
        .unwrap_or_else(|| {
            let titles: Vec<&str> = o
                .articles
                .iter()
                .map(|a| a.article.title.as_str())
                .collect();
            panic!("no article '{title}' in {titles:?}")
        })
}

pub(crate) fn skipped<'a>(o: &'a Outcome, item_part: &str) -> &'a SkipReason {
    &o.skipped
        .iter()
        .find(|s| s.item.contains(item_part))
        .unwrap_or_else(|| panic!("nothing skipped like '{item_part}': {:?}", o.skipped))
        .reason
}

pub(crate) fn langs(o: &Outcome) -> Vec<(String, usize)> {
    o.by_lang().into_iter().collect()
}

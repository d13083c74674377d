//! `--upload` speaks the admin endpoint's contract: `PUT
//! /api/v1/admin/content`, the bearer token, the `{"articles":[{slug,
//! source}]}` bundle; a refusal is an error with the status.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::mpsc;

use common::samples;
use frontdesk_import::sources::export_files;
use frontdesk_import::upload::put_bundle;
use frontdesk_shared::import::helpcentre::Kind;
use frontdesk_shared::import::Bundle;

/// A one-request server answering `status`; sends back what it received.
fn server(status: &'static str) -> (String, mpsc::Receiver<(String, Vec<String>, String)>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        let mut headers = Vec::new();
        let mut len = 0;
        for _ in 0..100 {
            let mut h = String::new();
            reader.read_line(&mut h).unwrap();
            if h == "\r\n" {
                break;
            }
            if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
                len = v.trim().parse().unwrap();
            }
            headers.push(h.trim_end().to_owned());
        }
        let mut body = vec![0; len];
        reader.read_exact(&mut body).unwrap();
        let answer = r#"{"articles":5}"#;
        write!(
            stream,
            "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
            answer.len()
        )
        .unwrap();
        tx.send((
            line.trim_end().to_owned(),
            headers,
            String::from_utf8(body).unwrap(),
        ))
        .unwrap();
    });
    (base, rx)
}

#[test]
fn puts_the_bundle_with_the_token() {
    let dir = samples().join("zendesk");
    let o = export_files(
        Kind::Zendesk,
        &[
            dir.join("articles-page-1.json"),
            dir.join("articles-page-2.json"),
        ],
        "en",
    )
    .unwrap();
    let (base, rx) = server("200 OK");
    let (url, status, text) =
        put_bundle(&format!("{base}/"), "admin-e2e-token", &o.bundle()).unwrap();
    assert_eq!(
        (url, status, text.as_str()),
        (
            format!("{base}/api/v1/admin/content"),
            200,
            r#"{"articles":5}"#
        )
    );
    let (line, headers, body) = rx.recv().unwrap();
    assert_eq!(line, "PUT /api/v1/admin/content HTTP/1.1");
    assert!(
        headers
            .iter()
            .any(|h| h == "authorization: Bearer admin-e2e-token"
                || h == "Authorization: Bearer admin-e2e-token"),
        "{headers:?}"
    );
    let sent: Bundle = serde_json::from_str(&body).unwrap();
    assert_eq!(sent, o.bundle());
    assert_eq!(sent.articles.len(), 5);
}

#[test]
fn a_refusal_is_an_error() {
    let (base, _rx) = server("401 Unauthorized");
    let err = put_bundle(&base, "wrong", &Bundle::default()).unwrap_err();
    assert!(err.contains("answered 401"), "{err}");
}

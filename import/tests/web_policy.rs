//! What the web importers refuse to read: URLs that are not http(s) in
//! sitemaps, loopback and other non-public addresses (unless allowed), by
//! literal IP, by host name and through redirects, redirects to other
//! schemes and endless ones, and pages past the memory budget.

mod common;

use std::time::Duration;

use common::*;
use frontdesk_import::fetch::{Client, FetchOptions, MAX_REDIRECTS};
use frontdesk_import::sources;
use frontdesk_shared::import::SkipReason;

fn client(opts: FetchOptions) -> Client {
    Client::new(FetchOptions {
        concurrency: 2,
        timeout: Duration::from_secs(10),
        ..opts
    })
}

fn refused(r: &SkipReason) -> &str {
    match r {
        SkipReason::Refused(why) => why,
        other => panic!("not refused: {other:?}"),
    }
}

const PAGE: &str = "<html><body><main><h1>Page</h1><p>Some help text.</p></main></body></html>";

#[test]
fn loopback_is_refused_without_the_flag() {
    let base = serve(samples().join("site"));
    let public_only = client(FetchOptions::default());

    let o = sources::sitemap(&public_only, &format!("{base}/sitemap.xml"), 100, "en");
    assert!(o.articles.is_empty(), "{:?}", o.articles);
    let why = refused(skipped(&o, "sitemap.xml"));
    assert!(why.contains("127.0.0.1 is a loopback address"), "{why}");

    // A host name is judged by the addresses it resolves to.
    let port = base.rsplit(':').next().unwrap();
    let by_name = format!("http://localhost:{port}/articles/delivery-windows.html");
    let o = sources::pages(&public_only, std::slice::from_ref(&by_name), "en");
    assert!(o.articles.is_empty());
    let why = refused(skipped(&o, "localhost"));
    assert!(why.starts_with("localhost is at "), "{why}");
    assert!(why.contains("a loopback address"), "{why}");

    // The same pages with the flag.
    let allowed = client(FetchOptions {
        allow_private: true,
        ..FetchOptions::default()
    });
    let o = sources::pages(&allowed, &[by_name], "en");
    assert_eq!(o.articles.len(), 1, "{:?}", o.skipped);
}

#[test]
fn every_redirect_hop_is_checked() {
    let other = serve_with("127.0.0.2", |_| Reply::html(PAGE));
    let other_page = format!("{other}/page");
    let base = serve_with("127.0.0.1", move |path| match path {
        "/page" => Reply::html(PAGE),
        "/to-other" => Reply::redirect(&other_page),
        "/to-file" => Reply::redirect("file:///etc/hostname"),
        "/to-script" => Reply::redirect("javascript:alert(1)"),
        "/loop" => Reply::redirect("/loop"),
        p if p.starts_with("/hops/") => {
            let n: usize = p["/hops/".len()..].parse().unwrap();
            if n == 0 {
                Reply::html(PAGE)
            } else {
                Reply::redirect(&format!("/hops/{}", n - 1))
            }
        }
        _ => Reply {
            status: "404 Not Found",
            headers: Vec::new(),
            body: Vec::new(),
        },
    });
    // Only the first server's address is allowed.
    let one = client(FetchOptions {
        allowed_addresses: vec!["127.0.0.1".parse().unwrap()],
        ..FetchOptions::default()
    });
    assert!(one.get(&format!("{base}/page")).is_ok());
    let why = one.get(&format!("{base}/to-other")).unwrap_err();
    assert!(
        refused(&why).contains("127.0.0.2 is a loopback address"),
        "{why:?}"
    );
    let why = one.get(&format!("{base}/to-file")).unwrap_err();
    assert_eq!(refused(&why), "not an http(s) URL: file:///etc/hostname");
    assert!(refused(&one.get(&format!("{base}/to-script")).unwrap_err()).contains("javascript:"));
    assert!(one.get(&format!("{base}/hops/{MAX_REDIRECTS}")).is_ok());
    assert_eq!(
        one.get(&format!("{base}/hops/{}", MAX_REDIRECTS + 1))
            .unwrap_err(),
        SkipReason::Fetch(format!("more than {MAX_REDIRECTS} redirects"))
    );
    assert!(matches!(
        one.get(&format!("{base}/loop")).unwrap_err(),
        SkipReason::Fetch(_)
    ));
    // With the flag the redirect to the other address is followed.
    let all = client(FetchOptions {
        allow_private: true,
        ..FetchOptions::default()
    });
    assert!(all.get(&format!("{base}/to-other")).is_ok());
}

#[test]
fn sitemap_entries_must_be_http_urls() {
    let dir = temp_dir("sitemaps");
    let base = serve(dir.clone());
    let host = SAMPLE_HOST;
    // A local sitemap a remote index points at, listing a page of the
    // (allowed) server that no other sitemap lists.
    let local = dir.join("local.xml");
    std::fs::write(
        &local,
        format!("<urlset><url><loc>{base}/secret.html</loc></url></urlset>"),
    )
    .unwrap();
    std::fs::write(
        dir.join("index.xml"),
        format!(
            "<sitemapindex><sitemap><loc>{}</loc></sitemap><sitemap><loc>file://{}</loc></sitemap>\
             <sitemap><loc>{host}/pages.xml</loc></sitemap></sitemapindex>",
            local.display(),
            local.display()
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("pages.xml"),
        format!(
            "<urlset><url><loc>file:///etc/hostname</loc></url><url><loc>/etc/passwd</loc></url>\
             <url><loc>ftp://help.example/x</loc></url><url><loc>{host}/a.html</loc></url></urlset>"
        ),
    )
    .unwrap();
    std::fs::write(dir.join("a.html"), PAGE.replace("Page", "Page A")).unwrap();
    std::fs::write(dir.join("secret.html"), PAGE.replace("Page", "Secret")).unwrap();
    let allowed = client(FetchOptions {
        allow_private: true,
        ..FetchOptions::default()
    });

    let o = sources::sitemap(&allowed, &format!("{base}/index.xml"), 100, "en");
    check_outputs(&o);
    let titles: Vec<&str> = o
        .articles
        .iter()
        .map(|a| a.article.title.as_str())
        .collect();
    assert_eq!(titles, ["Page A"], "{:?}", o.skipped);
    for item in [
        local.display().to_string(),
        format!("file://{}", local.display()),
        "file:///etc/hostname".into(),
        "/etc/passwd".into(),
        "ftp://help.example/x".into(),
    ] {
        let s = o
            .skipped
            .iter()
            .find(|s| s.item == item)
            .unwrap_or_else(|| panic!("{item} not skipped: {:?}", o.skipped));
        assert_eq!(refused(&s.reason), "not an http(s) URL");
    }

    // The user's own local sitemap file may list http(s) pages.
    let o = sources::sitemap(&allowed, &local.display().to_string(), 100, "en");
    assert_eq!(o.articles.len(), 1, "{:?}", o.skipped);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn pages_past_the_memory_budget_are_refused() {
    let dir = temp_dir("budget");
    let text = "Help text that fills the page. ".repeat(60);
    let mut urls = Vec::new();
    for i in 0..6 {
        std::fs::write(
            dir.join(format!("p{i}.html")),
            format!("<main><h1>Page {i}</h1><p>{text}</p></main>"),
        )
        .unwrap();
        urls.push(format!("p{i}.html"));
    }
    let base = serve(dir.clone());
    let urls: Vec<String> = urls.iter().map(|u| format!("{base}/{u}")).collect();
    // Room for two articles of ~1.9 KB, not three.
    let budget = 2 * (text.len() as u64) + 400;
    let c = Client::new(FetchOptions {
        concurrency: 1,
        allow_private: true,
        max_total_bytes: budget,
        ..FetchOptions::default()
    });
    let o = sources::pages(&c, &urls, "en");
    check_outputs(&o);
    let titles: Vec<&str> = o
        .articles
        .iter()
        .map(|a| a.article.title.as_str())
        .collect();
    assert_eq!(titles, ["Page 0", "Page 1"]);
    assert_eq!(o.skipped.len(), 4, "{:?}", o.skipped);
    for s in &o.skipped {
        assert!(
            refused(&s.reason).starts_with("memory budget spent"),
            "{s:?}"
        );
    }
    let kept: usize = o.articles.iter().map(|a| a.source.len()).sum();
    eprintln!("kept {kept} bytes of canonical source under a budget of {budget}");
    let _ = std::fs::remove_dir_all(dir);
}

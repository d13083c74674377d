use super::*;

const PAGE: &str = r#"<!DOCTYPE html><html lang="de-DE"><head><title>Rechnung herunterladen | Acme Hilfe</title>
<style>body{color:red}</style><script>var x = "<p>not text</p>";</script></head>
<body><header><nav><a href="/">Start</a></nav></header>
<div class="cookie-banner">Wir nutzen Cookies. <button>OK</button></div>
<main><ol class="breadcrumbs"><li><a href="/">Hilfe</a></li></ol>
<h1>Rechnung herunterladen</h1>
<p>Öffnen Sie <strong>Einstellungen&nbsp;→ Abrechnung</strong> und klicken Sie auf <a href="../rechnungen#alt">Rechnungen</a>.
<h2>Als PDF</h2><ul><li>Eins<li>Zwei <code>pdf</code><ul><li>Innen</ul></ul>
<pre><code>curl https://x
  --out a.pdf</code></pre>
<div class="article-votes">War dieser Artikel hilfreich?</div></main>
<footer>© Acme</footer></body></html>"#;

#[test]
fn keeps_main_content_only() {
    let d = page_draft("https://help.acme.test/de/artikel/rechnung", PAGE, "en");
    assert_eq!(d.title, "Rechnung herunterladen");
    assert_eq!(d.lang, "de");
    assert_eq!(
        d.body,
        "Öffnen Sie **Einstellungen → Abrechnung** und klicken Sie auf [Rechnungen](https://help.acme.test/de/rechnungen#alt).\n\n\
         ## Als PDF\n\n- Eins\n- Zwei `pdf`\n  - Innen\n\n```\ncurl https://x\n  --out a.pdf\n```"
    );
    for gone in ["Cookies", "Start", "hilfreich", "Acme", "not text", "color"] {
        assert!(!d.body.contains(gone), "{gone}: {}", d.body);
    }
}

#[test]
fn title_falls_back_to_title_tag() {
    let root = parse("<title>Billing FAQ – Acme Support</title><body><p>x</p></body>");
    assert_eq!(title(&root, &root).as_deref(), Some("Billing FAQ"));
}

#[test]
fn densest_block_without_landmarks() {
    let html = "<body><div class=menu><a href=/a>A</a> <a href=/b>B</a></div><div><div id=content><p>Long help text here about exports.</p><p>More text.</p></div></div><div>Short</div></body>";
    let root = parse(html);
    let md = to_markdown(main_content(&root), "https://x.test/", None);
    assert_eq!(md, "Long help text here about exports.\n\nMore text.");
}

#[test]
fn deep_nesting_is_capped() {
    let html = format!(
        "{}<p>deep text</p>{}",
        "<div>".repeat(100_000),
        "</div>".repeat(100_000)
    );
    let root = parse(&html);
    assert_eq!(
        to_markdown(main_content(&root), "https://x.test/", None),
        "deep text"
    );
}

/// Hostile pages: link targets that are scripts, or that try to break out
/// of `[text](url)`; text that is Markdown link, image, autolink,
/// reference-definition or HTML syntax; code that tries to close its
/// fence or code span. Rendered back as the edge does, no link or image
/// may point anywhere but http(s), mailto or a relative path, no raw
/// HTML may be left, and the hostile text must still be there as text.
#[test]
fn hostile_pages_give_no_unsafe_links() {
    use crate::import::rendered::{assert_safe, read};
    let pages = [
        r#"<a href="javascript:alert(1)">script link</a>"#,
        r#"<a href=" JaVa&#10;ScRiPt:alert(1)">entity script</a>"#,
        r#"<a href="vbscript:msgbox(1)">vb</a> <a href="data:text/html,<script>alert(1)</script>">data</a>"#,
        r#"<a href="x) [a](javascript:alert(1)">breakout</a>"#,
        r#"<a href="https://ok.test/x) [a](javascript:alert(1)">abs breakout</a>"#,
        r#"<a href="https://ok.test/a b 'c' &quot;d&quot; <javascript:alert(1)>">spaces</a>"#,
        "<a href=\"https://ok.test/a\n[b](javascript:alert(1))\">newline</a>",
        r#"<a href="https://ok.test/a\) [b](javascript:alert(1)">backslash</a>"#,
        r#"<a href="https://ok.test/">[in](javascript:alert(1))</a>"#,
        r#"<a href="https://ok.test/`x">tick</a> `[a](javascript:alert(1))`"#,
        "<p>[x](javascript:alert(1)) and <javascript:alert(2)> &lt;img src=x onerror=alert(3)&gt;</p>",
        "<p>[r]: javascript:alert(4)</p><p>[r] and [r][] and [y][r]</p>",
        "<p>![i](javascript:alert(5)) [[javascript:alert(6)]]</p>",
        r"<p>\[x](javascript:alert(1)) x\</p><p>\<a href=https://ok.test/>[</a>](javascript:alert(1))</p>",
        "<pre>```\n[x](javascript:alert(6))\n```\n~~~\n</pre><p>[y](javascript:alert(7))</p>",
        "<p>a`b <code>[x](javascript:alert(7))</code> c`</p>",
        "<ul><li>[z](javascript:alert(8))<li><h2>[h](javascript:alert(9))</h2></ul>",
        "<table><tr><td>[t](javascript:alert(1))</td><td><a href='javascript:x'>c</a></td></tr></table>",
        "<blockquote><p>[q](javascript:alert(1))</p><p><a href='jav\tascript:alert(1)'>tab</a></p></blockquote>",
        "<dl><dt>[d](javascript:alert(1))</dt></dl><p><b>[b](javascript:alert(1))</b></p>",
        "<p>a <!-- c --> <a href='tel:123'>call</a> <a href='mailto:x@y.test?subject=a b'>mail</a></p>",
        "<a href=\"\u{1a}https://ok.test/menu&quot;\">control</a> <a href=\" \u{1}/x\">ctl rel</a>",
    ];
    for page in pages {
        let html = format!("<html><body><main><h1>T</h1>{page}</main></body></html>");
        let d = page_draft("https://help.test/d/page", &html, "en");
        let md = fragment_to_markdown(page, "https://help.test/d/");
        for md in [&d.body, &md] {
            assert_safe(md);
            // Encoded: nothing in a target that could end it early.
            for dest in read(md).destinations {
                assert!(
                    !dest.chars().any(|c| c.is_whitespace() || c.is_control()),
                    "{dest:?} in:\n{md}"
                );
            }
        }
    }
    // The words are kept, as text.
    let d = page_draft(
        "https://help.test/d/page",
        r"<main><p>Type [x](javascript:alert(1)) or &lt;javascript:y> then \\ or `a`.</p></main>",
        "en",
    );
    assert_eq!(
        read(&d.body).text,
        r"Type [x](javascript:alert(1)) or <javascript:y> then \\ or `a`."
    );
    let d = page_draft(
        "https://help.test/d/page",
        r#"<main><p><a href="javascript:alert(1)">Open</a> the <a href="x y(1)">menu</a>.</p></main>"#,
        "en",
    );
    let r = read(&d.body);
    assert_eq!(r.text, "Open the menu.");
    assert!(!r.destinations.is_empty());
    for d in &r.destinations {
        assert_eq!(d, "https://help.test/d/x%20y%281%29");
    }
}

#[test]
fn entities_and_links() {
    // Character references as the HTML standard reads them: every named
    // one (not only a list of common ones), numeric ones, unknown names and
    // a bare `&` kept as written.
    assert_eq!(
        fragment_to_markdown(
            "<p>a &amp; b &#233; &#x41; &bogus; & &frac34; &Kopf; &nbsp;x</p>",
            "https://a.test/"
        ),
        "a & b é A &bogus; & ¾ 𝕂 x"
    );
    assert_eq!(
        resolve("https://a.test/x/y", "z").as_deref(),
        Some("https://a.test/x/z")
    );
    assert_eq!(resolve("https://a.test/x/y", "javascript:alert(1)"), None);
}

/// What the standard's tokenizer reads differently from a hand-written one:
/// a self-closing `<svg/>` is empty (it does not swallow the page up to a
/// later `</svg>`), a `<title>` holds text even if it looks like markup, a
/// script's text never leaks even when it writes an end tag in pieces, and
/// comments and CDATA are no text.
#[test]
fn read_as_a_browser_reads_it() {
    let html = "<html><head><title>Pay <b>now</b></title></head><body><main>\
        <p>One<svg/>two</p><script>document.write('</scr' + 'ipt><p>leak</p>')</script>\
        <p>three<!-- hidden --><![CDATA[ cdata ]]> four</p><svg><svg></svg><text>no</text></svg><p>five</p></main></body></html>";
    let root = parse(html);
    let main = main_content(&root);
    assert_eq!(title(&root, main).as_deref(), Some("Pay <b>now</b>"));
    assert_eq!(
        to_markdown(main, "https://a.test/", None),
        "Onetwo\n\nthree four\n\nfive"
    );
}

/// One megabyte of nested `<div>` (html5ever's own tree builder takes
/// minutes on it: its scope checks walk every open element) is read in
/// linear time, its text kept. The time is printed, not asserted.
#[test]
fn a_megabyte_of_nesting_is_read_in_linear_time() {
    let html = format!("{}<p>deep text</p>", "<div>".repeat(200_000));
    let started = std::time::Instant::now();
    let root = parse(&html);
    eprintln!("200,000 nested divs parsed in {:?}", started.elapsed());
    assert_eq!(
        to_markdown(main_content(&root), "https://x.test/", None),
        "deep text"
    );
}

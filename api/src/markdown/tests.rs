use super::*;

/// Blocks as compact HTML-like text: `<b>`, `<i>`, `<c>` for styles,
/// `<a url>`, `[^n]` for a citation (0-based).
fn html(text: &str, sources: usize) -> String {
    let mut s = String::new();
    for block in parse(text, sources) {
        let (open, close) = match block.kind {
            Kind::Para => ("<p>".to_owned(), "</p>"),
            Kind::Bullets => ("<ul>".to_owned(), "</ul>"),
            Kind::Numbered => (format!("<ol {}>", block.start), "</ol>"),
        };
        s.push_str(&open);
        for item in block.items {
            if block.kind != Kind::Para {
                s.push_str("<li>");
            }
            for run in item {
                let mut t = match run.target {
                    Target::Text => run.text,
                    Target::Cite(n) => format!("[^{n}]"),
                    Target::Link(url) => format!("<a {url}>{}</a>", run.text),
                };
                for (on, tag) in [
                    (run.style.code, "c"),
                    (run.style.italic, "i"),
                    (run.style.bold, "b"),
                ] {
                    if on {
                        t = format!("<{tag}>{t}</{tag}>");
                    }
                }
                s.push_str(&t);
            }
            if block.kind != Kind::Para {
                s.push_str("</li>");
            }
        }
        s.push_str(close);
    }
    s
}

#[test]
fn paragraphs_and_line_breaks() {
    assert_eq!(
        html("One\ntwo\n\n\nThree  ", 0),
        "<p>One\ntwo</p><p>Three</p>"
    );
    assert_eq!(html("a\r\nb\r\n\r\nc\r\n", 0), "<p>a\nb</p><p>c</p>");
    assert_eq!(html("", 0), "");
    assert_eq!(html(" \n\n ", 0), "");
}

#[test]
fn inline_styles() {
    assert_eq!(html("a **b** c", 0), "<p>a <b>b</b> c</p>");
    assert_eq!(html("a *b* _c_ d", 0), "<p>a <i>b</i> <i>c</i> d</p>");
    assert_eq!(html("run `ls *x*` now", 0), "<p>run <c>ls *x*</c> now</p>");
    assert_eq!(html("__b__", 0), "<p><b>b</b></p>");
}

#[test]
fn bold_and_italic_nest() {
    assert_eq!(html("***both***", 0), "<p><b><i>both</i></b></p>");
    assert_eq!(
        html("**bold *and italic***", 0),
        "<p><b>bold </b><b><i>and italic</i></b></p>"
    );
    assert_eq!(
        html("*it **bold** it*", 0),
        "<p><i>it </i><b><i>bold</i></b><i> it</i></p>"
    );
    assert_eq!(
        html("**a `*` b**", 0),
        "<p><b>a </b><b><c>*</c></b><b> b</b></p>"
    );
}

#[test]
fn markers_inside_words_or_unclosed_stay_text() {
    assert_eq!(html("snake_case_name", 0), "<p>snake_case_name</p>");
    assert_eq!(html("2 * 3 * 4", 0), "<p>2 * 3 * 4</p>");
    assert_eq!(html("**open and *shut", 0), "<p>**open and *shut</p>");
    assert_eq!(html("a ` b", 0), "<p>a ` b</p>");
    assert_eq!(html("``", 0), "<p>``</p>");
    assert_eq!(html("** x**", 0), "<p>** x**</p>");
    assert_eq!(html(r"\*not\* \_it\_", 0), "<p>*not* _it_</p>");
    // No deeper than MAX_DEPTH, and no panic on runs of markers.
    let deep = format!("{}x{}", "*".repeat(40), "*".repeat(40));
    assert!(html(&deep, 0).contains('x'));
    for s in [
        "*", "**", "***", "_*_*", "[", "[]", "[](", "[x](", "`", "\\", "é*é*", "*é*",
    ] {
        parse(s, 1);
    }
    assert_eq!(html("*é*", 0), "<p><i>é</i></p>");
    assert_eq!(html("größe_und_breite", 0), "<p>größe_und_breite</p>");
    assert_eq!(
        html("«*oui*» “**yes**”", 0),
        "<p>«<i>oui</i>» “<b>yes</b>”</p>"
    );
}

#[test]
fn safe_links_only() {
    assert_eq!(
        html(
            "See [the guide](https://x.example/a?b=1) or [mail](mailto:help@x.example).",
            0
        ),
        "<p>See <a https://x.example/a?b=1>the guide</a> or <a mailto:help@x.example>mail</a>.</p>"
    );
    assert_eq!(
        html("[help](/help/export)", 0),
        "<p><a /help/export>help</a></p>"
    );
    assert_eq!(
        html("[x]( http://a.example )", 0),
        "<p><a http://a.example>x</a></p>"
    );
    for unsafe_link in [
        "[x](javascript:alert(1))",
        "[x](JavaScript:alert(1))",
        "[x](data:text/html,<script>alert(1)</script>)",
        "[x](//evil.example)",
        "[x](/\\evil.example)",
        "[x](vbscript:msgbox)",
        "[x](https://a b)",
        "[x](https://)",
        "[](https://a.example)",
        "[x] (https://a.example)",
    ] {
        assert_eq!(html(unsafe_link, 0), format!("<p>{unsafe_link}</p>"));
    }
    assert_eq!(
        html("**[bold link](https://a.example)**", 0),
        "<p><b><a https://a.example>bold link</a></b></p>"
    );
}

#[test]
fn html_stays_text() {
    assert_eq!(
        html(
            "<script>alert(1)</script> <b>x</b> <img src=x onerror=alert(1)>",
            0
        ),
        "<p><script>alert(1)</script> <b>x</b> <img src=x onerror=alert(1)></p>"
    );
    let runs = &parse("<b>x</b>", 0)[0].items[0];
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].target, Target::Text);
    assert_eq!(runs[0].style, Style::default());
}

#[test]
fn citations_of_existing_sources() {
    assert_eq!(
        html("Pick PDF [1]. Or [2][3]; see [x] and [9].", 2),
        "<p>Pick PDF [^0]. Or [^1][3]; see [x] and [9].</p>"
    );
    assert_eq!(html("no sources [1]", 0), "<p>no sources [1]</p>");
    assert_eq!(html("[1", 1), "<p>[1</p>");
    assert_eq!(html("**see [1]**", 1), "<p><b>see </b><b>[^0]</b></p>");
    assert_eq!(html("`[1]`", 1), "<p><c>[1]</c></p>");
    // A link wins over a citation; an unsafe one leaves the citation.
    assert_eq!(
        html("[1](https://a.example)", 1),
        "<p><a https://a.example>1</a></p>"
    );
    assert_eq!(html("[1](javascript:x)", 1), "<p>[^0](javascript:x)</p>");
}

#[test]
fn lists() {
    assert_eq!(
        html("Steps:\n1. Open it\n2. Choose **Export** [1]\n\nDone.", 1),
        "<p>Steps:</p><ol 1><li>Open it</li><li>Choose <b>Export</b> [^0]</li></ol><p>Done.</p>"
    );
    assert_eq!(
        html("- a\n* b\n+ c\n  more\nafter", 0),
        "<ul><li>a</li><li>b</li><li>c\nmore</li></ul><p>after</p>"
    );
    assert_eq!(
        html("3. third\n4) fourth\n- x", 0),
        "<ol 3><li>third</li><li>fourth</li></ol><ul><li>x</li></ul>"
    );
    // A number that does not start a list stays in its paragraph.
    assert_eq!(html("In\n2024. we grew", 0), "<p>In\n2024. we grew</p>");
    assert_eq!(
        html("*italic* line\n-not a list", 0),
        "<p><i>italic</i> line\n-not a list</p>"
    );
    assert_eq!(html("1234567890. x", 0), "<p>1234567890. x</p>");
    assert_eq!(html("- a\r\n- b\r\n", 0), "<ul><li>a</li><li>b</li></ul>");
}

#[test]
fn headings_are_bold_paragraphs() {
    assert_eq!(
        html("## Export *all* ##\nText\n#hashtag", 0),
        "<p><b>Export </b><b><i>all</i></b></p><p>Text\n#hashtag</p>"
    );
    assert_eq!(html("####### seven", 0), "<p>####### seven</p>");
}

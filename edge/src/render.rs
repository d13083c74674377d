//! Help articles as HTML pages (`/help/<slug>`), rendered per request from
//! the article's source, bundled or uploaded, so an update shows at once.

use frontdesk_api::links::allowed_destination;
use frontdesk_shared::config::sites::Site;
use frontdesk_shared::retrieval::kb::{parse_article, strip_html_comments};
use pulldown_cmark::{html, Event, Options, Parser, Tag, TagEnd};

/// The Content-Security-Policy of every `/help/*` page: its own script (the
/// widget's loader and app, whose wasm needs `wasm-unsafe-eval`) and styles
/// only, images from itself or https, nothing inline, no forms, no frames.
/// Like `/agent` and `/admin`, which share its origin.
pub(crate) const CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
     style-src 'self'; img-src 'self' https:; object-src 'none'; base-uri 'none'; \
     form-action 'none'; frame-ancestors 'none'";

/// The page of the article `slug` with this kb Markdown `source`, or `None`
/// if the source does not parse (never stored: uploads are checked). The
/// widget on it acts for `site` (the deployment's default site; none: no
/// widget), titled with its name.
pub(crate) fn page(slug: &str, source: &str, site: Option<&Site>) -> Option<String> {
    let article = parse_article(slug, source).ok()?;
    let body = render(&strip_html_comments(body(source)));
    let widget = site.map_or(String::new(), |s| {
        format!(
            "<script src=\"/widget.js\" async data-site=\"{}\" data-title=\"{}\"></script>",
            escape(&s.key),
            escape(&s.name)
        )
    });
    Some(format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · Help</title><link rel=\"stylesheet\" href=\"/site.css\"></head>\
         <body><main class=\"container help-article\"><p><a href=\"/\">← Home</a></p>\
         <h1>{title}</h1>{body}</main>{widget}</body></html>",
        lang = escape(&article.lang),
        title = escape(&article.title),
    ))
}

/// The Markdown after the front-matter block (`parse_article` has checked
/// there is one).
fn body(source: &str) -> &str {
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    let mut offset = 0;
    let mut fences = 0;
    for line in source.split_inclusive('\n') {
        offset += line.len();
        if line.trim_end() == "---" {
            fences += 1;
            if fences == 2 {
                return &source[offset..];
            }
        }
    }
    ""
}

/// Markdown to HTML, with any raw HTML in the source shown as text, and
/// links and images whose target is not allowed (`frontdesk_api::links`)
/// reduced to their
/// text (inline, autolink and reference forms alike: the parser has
/// resolved them all to one event).
fn render(markdown: &str) -> String {
    // Per open link or image: was it dropped?
    let mut dropped: Vec<bool> = Vec::new();
    let events = Parser::new_ext(markdown, Options::empty()).filter_map(|e| match e {
        Event::Html(h) | Event::InlineHtml(h) => Some(Event::Text(h)),
        Event::Start(Tag::Link { ref dest_url, .. } | Tag::Image { ref dest_url, .. }) => {
            let drop = !allowed_destination(dest_url);
            dropped.push(drop);
            (!drop).then_some(e)
        }
        Event::End(TagEnd::Link | TagEnd::Image) => {
            let drop = dropped.pop().unwrap_or(false);
            (!drop).then_some(e)
        }
        other => Some(other),
    });
    let mut out = String::new();
    html::push_html(&mut out, events);
    out
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_the_body_with_raw_html_as_text() {
        let src = "---\ntitle: A <b>\nurl: /help/a\nlang: de\n---\nHello **you** <script>x</script>\n\n<!-- hidden -->\n## Part\n";
        let html = page("a", src, None).unwrap();
        assert!(html.contains("<html lang=\"de\">"), "{html}");
        assert!(html.contains("<h1>A &lt;b&gt;</h1>"), "{html}");
        assert!(
            html.contains("<p>Hello <strong>you</strong> &lt;script&gt;"),
            "{html}"
        );
        assert!(
            html.contains("<h2>Part</h2>") && !html.contains("hidden"),
            "{html}"
        );
        assert!(!html.contains("title: A"), "front matter leaked: {html}");
        assert_eq!(page("a", "no front matter", None), None);
    }

    #[test]
    fn every_bundled_article_renders() {
        for (slug, source) in crate::content::SOURCES {
            let html = page(slug, source, None).unwrap();
            assert!(html.contains("<p>"), "{slug} renders no paragraph");
        }
    }

    #[test]
    fn only_http_mailto_and_relative_targets_survive() {
        let src = "---\ntitle: T\nurl: /help/t\nlang: en\n---\n\
            [a](javascript:alert(1)) [b](JaVaScRiPt:alert(2)) [c](java\tscript:alert(3)) \
            [d](&#106;avascript:alert(4)) [e]( javascript:alert(5)) <javascript:alert(6)> \
            [f][r] ![g](data:text/html,<script>alert(7)</script>) [h](vbscript:x) \
            [i](data:image/svg+xml,x) [j](file:///etc/passwd)\n\n\
            [r]: javascript:alert(8)\n\n\
            [ok1](https://example.com/a) [ok2](/help/b) [ok3](#part) [ok4](mailto:a@example.com) \
            [ok5](other-page) [ok6](?q=1) ![ok7](https://example.com/i.png) <https://example.com/auto>\n";
        let html = page("t", src, None).unwrap();
        // Every target left in the page is a safe one; the dropped ones
        // are gone (an autolink's words stay, as text).
        let targets: Vec<&str> = html
            .split(" href=\"")
            .chain(html.split(" src=\""))
            .filter(|part| !part.starts_with('<'))
            .filter_map(|part| part.split('"').next())
            .collect();
        assert_eq!(targets.len(), 10, "{targets:?}");
        for t in &targets {
            let t = t.to_ascii_lowercase();
            assert!(
                !t.contains("script") && !t.contains("data:") && !t.contains("file:"),
                "{t}"
            );
        }
        assert!(
            !html.contains("alert(7)") && !html.contains("<script>"),
            "{html}"
        );
        // The dropped links keep their words.
        for text in ["a", "b", "d", "e", "f", "g", "h", "i", "j"] {
            assert!(
                [" ", ">"].iter().any(|b| [" ", "<"]
                    .iter()
                    .any(|a| html.contains(&format!("{b}{text}{a}")))),
                "{text}: {html}"
            );
        }
        for good in [
            "href=\"https://example.com/a\"",
            "href=\"/help/b\"",
            "href=\"#part\"",
            "href=\"mailto:a@example.com\"",
            "href=\"other-page\"",
            "href=\"?q=1\"",
            "src=\"https://example.com/i.png\"",
            "href=\"https://example.com/auto\"",
        ] {
            assert!(html.contains(good), "{good} missing: {html}");
        }
    }

    #[test]
    fn the_widget_acts_for_the_given_site() {
        let site: Site = serde_json::from_value(serde_json::json!({
            "key": "acme", "name": "Acme <b>\"support\"", "origins": []
        }))
        .unwrap();
        let src = "---\ntitle: T\nurl: /help/t\nlang: en\n---\nBody\n";
        let html = page("t", src, Some(&site)).unwrap();
        assert!(html.contains("data-site=\"acme\""), "{html}");
        assert!(
            html.contains("data-title=\"Acme &lt;b&gt;&quot;support&quot;\""),
            "{html}"
        );
        assert!(!html.contains("demo") && !html.contains("Lumen"), "{html}");
        assert!(!page("t", src, None).unwrap().contains("widget.js"));
    }
}

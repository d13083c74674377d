//! Help articles as HTML pages (`/help/<slug>`), rendered per request from
//! the article's source, bundled or uploaded, so an update shows at once.

use frontdesk_shared::kb::{parse_article, strip_html_comments};
use pulldown_cmark::{html, Event, Options, Parser};

/// The page of the article `slug` with this kb Markdown `source`, or `None`
/// if the source does not parse (never stored: uploads are checked).
pub fn page(slug: &str, source: &str) -> Option<String> {
    let article = parse_article(slug, source).ok()?;
    let body = render(&strip_html_comments(body(source)));
    Some(format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · Help</title><link rel=\"stylesheet\" href=\"/site.css\"></head>\
         <body><main class=\"container help-article\"><p><a href=\"/\">← Home</a></p>\
         <h1>{title}</h1>{body}</main>\
         <script src=\"/widget.js\" async data-site=\"demo\" data-title=\"Lumen Notes support\"></script>\
         </body></html>",
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

/// Markdown to HTML, with any raw HTML in the source shown as text.
fn render(markdown: &str) -> String {
    let events = Parser::new_ext(markdown, Options::empty()).map(|e| match e {
        Event::Html(h) | Event::InlineHtml(h) => Event::Text(h),
        other => other,
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
        let html = page("a", src).unwrap();
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
        assert_eq!(page("a", "no front matter"), None);
    }

    #[test]
    fn every_bundled_article_renders() {
        for (slug, source) in crate::content::SOURCES {
            let html = page(slug, source).unwrap();
            assert!(html.contains("<p>"), "{slug} renders no paragraph");
        }
    }
}

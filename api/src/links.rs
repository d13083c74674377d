//! Which link and image targets help content may have, one rule for every
//! place that writes or shows them (the importers, `/help/<slug>` pages):
//! `http(s)`, `mailto` or relative (a path, `?query`, `#fragment`), read as
//! a browser reads a URL, so `JaVa\nScript:` is `javascript:`. Anything else
//! that names a scheme (`javascript:`, `data:`, `vbscript:`, `file:`,
//! `blob:`, `tel:`, a malformed `java script:`) is not allowed.

/// Schemes a link may have.
const ALLOWED_SCHEMES: &[&str] = &["http", "https", "mailto"];

/// `url` as a browser reads it before parsing: leading and trailing C0
/// control characters and spaces trimmed, ASCII tabs and newlines removed
/// (and other whitespace at the ends trimmed).
pub fn browser_url(url: &str) -> String {
    url.trim_matches(|c: char| c <= ' ' || c.is_whitespace())
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect()
}

/// A URL's scheme in lower case, read as a browser does ([`browser_url`]).
/// `None` for a relative reference (no `scheme:` before the first `/`,
/// `?` or `#`).
pub fn scheme(url: &str) -> Option<String> {
    let url = browser_url(url);
    let before = url.split(['/', '?', '#']).next().unwrap_or("");
    let (name, _) = before.split_once(':')?;
    Some(name.to_ascii_lowercase())
}

/// Whether a link or image may point at `url`: `http(s)`, `mailto`, or
/// relative.
pub fn allowed_destination(url: &str) -> bool {
    match scheme(url) {
        None => true,
        Some(s) => ALLOWED_SCHEMES.contains(&s.as_str()),
    }
}

#[cfg(test)]
mod tests {
    use super::allowed_destination;

    #[test]
    fn web_mail_and_relative_targets_only() {
        for ok in [
            "https://a.b",
            "HTTP://a.b",
            "mailto:x@y.z",
            "/p",
            "p/q:r",
            "#f",
            "?q",
            "//a.b/c",
            "",
        ] {
            assert!(allowed_destination(ok), "{ok}");
        }
        for bad in [
            "javascript:x",
            " javascript:x",
            "\u{1}javascript:x",
            "java\nscript:x",
            "JaVa\tScRiPt:x",
            "data:x",
            "VBScript:x",
            "blob:x",
            "file:///etc/passwd",
            "tel:123",
            "x:y",
        ] {
            assert!(!allowed_destination(bad), "{bad}");
        }
    }
}

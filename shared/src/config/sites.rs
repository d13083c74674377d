//! Sites: who may talk to a deployment. Each `[[site]]` table of
//! `frontdesk.toml` is one website: a public key the embed names
//! (`data-site`), a name agents see on its tickets, and the browser origins
//! its pages are served from. The worker answers a browser only from an
//! allowed origin, for the site that origin belongs to. Pure: the worker
//! passes the request's `Origin` and its own origin.
//!
//! The table's other keys (theme, locale, greeting, nudges, per-site
//! topics, sinks, retention, limits) are in [`crate::config::settings`]; unknown
//! keys are errors, so a key from a newer version fails the build instead
//! of being ignored.

use crate::error::ConfigError;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::config::actions::{Action, Api};
use crate::config::settings::{Nudge, Texts, Theme};

/// The key of the site a deployment without `[[site]]` tables has: only
/// its own pages (same origin) and non-browser clients may talk to it.
pub const IMPLICIT_SITE: &str = "default";
/// Site keys: `[a-z0-9_-]`, this long.
pub const KEY_CHARS: std::ops::RangeInclusive<usize> = 3..=64;
/// Longest site name, in characters.
pub const MAX_NAME_CHARS: usize = 100;

/// One `[[site]]` table. Unknown keys are errors. The keys after `default`
/// are optional settings, checked by [`crate::config::per_site::check`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Site {
    /// Public identifier (like an Intercom app id), not a secret:
    /// `[a-z0-9_-]{3,64}`.
    pub key: String,
    /// Shown to agents on the site's tickets.
    pub name: String,
    /// Origins whose pages may embed the widget, `scheme://host[:port]`;
    /// the port may be `*` (any port, for local development).
    #[serde(default)]
    pub origins: Vec<String>,
    /// The site a request without a key belongs to. At most one site has
    /// it; a lone site is the default without saying so.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub default: bool,
    /// The widget's accent and side (the script tag's data-color and
    /// data-position win).
    #[serde(default, skip_serializing_if = "Theme::is_empty")]
    pub theme: Theme,
    /// The widget's language (as data-locale, which wins).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// The panel's first line, per language (data-greeting wins).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub greeting: Option<Texts>,
    /// The `[[always_human]]` topics that escalate on this site; all when
    /// absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub always_human: Option<Vec<String>>,
    /// The sinks this site's tickets may go to (after routing); all when
    /// absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sinks: Option<Vec<String>>,
    /// Days an inactive conversation is kept (else `RETENTION_DAYS`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention_days: Option<i64>,
    /// Overrides of the `LIMIT_*` vars for this site's requests, keyed
    /// `<kind>_<scope>` in lower case (`messages_visitor = 5`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub limits: BTreeMap<String, i64>,
    /// `[[site.nudge]]`: proactive greeting bubbles by page path.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nudge: Vec<Nudge>,
    /// The site's own API, which its actions call (see
    /// [`crate::config::actions`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api: Option<Api>,
    /// `[[site.action]]`: what the bot may look up or do for a visitor
    /// through the site's API.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub action: Vec<Action>,
}

impl Site {
    /// The site of a deployment that configures none.
    pub fn implicit() -> Site {
        Site {
            key: IMPLICIT_SITE.into(),
            name: "Default".into(),
            origins: Vec::new(),
            default: true,
            ..Site::default()
        }
    }

    /// Whether a page on `origin` may call the API for this site.
    /// `own` is the worker's own origin: its pages (the demo page, the
    /// inbox) are the deployer's, so they may act for every site.
    pub fn allows(&self, origin: &str, own: &str) -> bool {
        origin.eq_ignore_ascii_case(own) || self.origins.iter().any(|o| matches(o, origin))
    }
}

/// The configured sites, or the implicit one when there are none.
pub fn effective(sites: &[Site]) -> Vec<Site> {
    if sites.is_empty() {
        vec![Site::implicit()]
    } else {
        sites.to_vec()
    }
}

/// Why a request may not act for a site (see [`resolve`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// No key, and no default site to fall back on.
    NoKey,
    /// A key no `[[site]]` has.
    UnknownKey,
}

/// The site a request acts for: the one its `key` names, or without a key
/// the default site (the one marked `default`, or the only one).
pub fn resolve<'a>(sites: &'a [Site], key: Option<&str>) -> Result<&'a Site, Refusal> {
    match key {
        Some(k) => sites.iter().find(|s| s.key == k).ok_or(Refusal::UnknownKey),
        None => default_site(sites).ok_or(Refusal::NoKey),
    }
}

/// The site marked `default`, or the only site.
pub fn default_site(sites: &[Site]) -> Option<&Site> {
    match sites {
        [only] => Some(only),
        _ => sites.iter().find(|s| s.default),
    }
}

/// Whether a browser origin may read the API's answers at all (CORS): the
/// worker's own, or one some site allows. A preflight carries no header
/// values, so it cannot say which site it is for; the request after it is
/// checked against its own site.
pub fn any_allows(sites: &[Site], origin: &str, own: &str) -> bool {
    sites.iter().any(|s| s.allows(origin, own)) || origin.eq_ignore_ascii_case(own)
}

/// Whether the `Origin` header value `origin` matches the configured
/// `pattern` (`scheme://host[:port]`, port possibly `*`). Scheme and host
/// compare case-insensitively; a default port written out (`:443` for https)
/// matches its absence, as browsers never send it.
pub fn matches(pattern: &str, origin: &str) -> bool {
    let (Ok(p), Ok(o)) = (parse_origin(pattern), parse_origin(origin)) else {
        return false;
    };
    if o.port == Port::Any || !p.scheme.eq_ignore_ascii_case(o.scheme) {
        return false;
    }
    if !p.host.eq_ignore_ascii_case(o.host) {
        return false;
    }
    p.port == Port::Any || p.port.number(p.scheme) == o.port.number(o.scheme)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Port {
    Default,
    Any,
    Number(u16),
}

impl Port {
    fn number(self, scheme: &str) -> Option<u16> {
        match self {
            Port::Number(n) => Some(n),
            Port::Default if scheme.eq_ignore_ascii_case("https") => Some(443),
            Port::Default if scheme.eq_ignore_ascii_case("http") => Some(80),
            _ => None,
        }
    }
}

#[derive(Debug)]
struct Origin<'a> {
    scheme: &'a str,
    host: &'a str,
    port: Port,
}

/// `scheme://host[:port]`: http or https, a host of letters, digits, `-`
/// and `.` (or a bracketed IPv6 address), no user, path, query or fragment.
fn parse_origin(s: &str) -> Result<Origin<'_>, String> {
    let (scheme, rest) = s
        .split_once("://")
        .ok_or_else(|| format!("{s:?} is not scheme://host[:port]"))?;
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return Err(format!("{s:?}: the scheme must be http or https"));
    }
    if rest.contains(['/', '?', '#', '@']) {
        return Err(format!(
            "{s:?}: an origin is scheme://host[:port], with no path, query or user"
        ));
    }
    let (host, port) = match rest.rfind(':') {
        Some(i) if !rest[i..].contains(']') => (&rest[..i], Some(&rest[i + 1..])),
        _ => (rest, None),
    };
    let port = match port {
        None => Port::Default,
        Some("*") => Port::Any,
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 && p.bytes().all(|b| b.is_ascii_digit()) => Port::Number(n),
            _ => return Err(format!("{s:?}: the port must be 1–65535 or *")),
        },
    };
    let ipv6 = host.len() > 2
        && host.starts_with('[')
        && host.ends_with(']')
        && host[1..host.len() - 1]
            .bytes()
            .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.');
    let name = !host.is_empty()
        && host
            .split('.')
            .all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
    if !ipv6 && !name {
        return Err(format!(
            "{s:?}: the host must be a domain name or IP address (no wildcards)"
        ));
    }
    Ok(Origin { scheme, host, port })
}

/// Build-time checks: keys well-formed and unique, names present, origins
/// well-formed and not repeated, at most one default.
pub fn check(sites: &[Site]) -> Result<(), ConfigError> {
    for (i, site) in sites.iter().enumerate() {
        let at = format!("site[{i}] ({:?})", site.key);
        let key_ok = KEY_CHARS.contains(&site.key.len())
            && site
                .key
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        if !key_ok {
            return Err(ConfigError::new(
                &at,
                "key must be 3–64 characters of a-z, 0-9, _ and -",
            ));
        }
        if sites[..i].iter().any(|s| s.key == site.key) {
            return Err(ConfigError::new(&at, "another site has the same key"));
        }
        if site.name.trim().is_empty() || site.name.chars().count() > MAX_NAME_CHARS {
            return Err(ConfigError::new(
                &at,
                format!("name must be 1–{MAX_NAME_CHARS} characters"),
            ));
        }
        for (j, origin) in site.origins.iter().enumerate() {
            parse_origin(origin).map_err(|e| ConfigError::new(&at, format!("origins: {e}")))?;
            if site.origins[..j].contains(origin) {
                return Err(ConfigError::new(
                    &at,
                    format!("origins: {origin:?} is listed twice"),
                ));
            }
        }
    }
    if sites.iter().filter(|s| s.default).count() > 1 {
        return Err(ConfigError::new(
            "",
            "more than one [[site]] has default = true",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(key: &str, origins: &[&str]) -> Site {
        Site {
            key: key.into(),
            name: key.to_uppercase(),
            origins: origins.iter().map(|o| (*o).into()).collect(),
            ..Site::default()
        }
    }

    #[test]
    fn origins_match_scheme_host_and_port() {
        for (pattern, origin, want) in [
            ("https://shop.example", "https://shop.example", true),
            ("https://shop.example", "https://SHOP.example", true),
            ("https://shop.example:443", "https://shop.example", true),
            ("https://shop.example", "https://shop.example:443", true),
            ("https://shop.example", "http://shop.example", false),
            ("https://shop.example", "https://shop.example:8443", false),
            ("https://shop.example", "https://evil.shop.example", false),
            ("https://shop.example", "https://shop.example.evil", false),
            ("https://shop.example", "null", false),
            ("https://shop.example", "https://shop.example/", false),
            ("http://localhost:*", "http://localhost:8788", true),
            ("http://localhost:*", "http://localhost", true),
            ("http://localhost:*", "https://localhost:8788", false),
            ("http://localhost:*", "http://localhost.evil:8788", false),
            ("http://127.0.0.1:8788", "http://127.0.0.1:8789", false),
            ("http://[::1]:*", "http://[::1]:3000", true),
            // An origin is never a pattern.
            ("http://localhost:*", "http://localhost:*", false),
        ] {
            assert_eq!(matches(pattern, origin), want, "{pattern} vs {origin}");
        }
    }

    #[test]
    fn own_origin_is_always_allowed() {
        let s = site("shop", &["https://shop.example"]);
        assert!(s.allows("http://127.0.0.1:8788", "http://127.0.0.1:8788"));
        assert!(s.allows("https://shop.example", "http://127.0.0.1:8788"));
        assert!(!s.allows("https://evil.example", "http://127.0.0.1:8788"));
        let sites = [s, site("blog", &["https://blog.example"])];
        assert!(any_allows(
            &sites,
            "https://blog.example",
            "https://w.example"
        ));
        assert!(!any_allows(
            &sites,
            "https://evil.example",
            "https://w.example"
        ));
    }

    #[test]
    fn resolves_keys_and_the_default() {
        let one = [site("shop", &[])];
        assert_eq!(resolve(&one, None).unwrap().key, "shop");
        assert_eq!(resolve(&one, Some("shop")).unwrap().key, "shop");
        assert_eq!(resolve(&one, Some("blog")), Err(Refusal::UnknownKey));
        let mut two = vec![site("shop", &[]), site("blog", &[])];
        assert_eq!(resolve(&two, None), Err(Refusal::NoKey));
        assert_eq!(resolve(&two, Some("blog")).unwrap().key, "blog");
        two[1].default = true;
        assert_eq!(resolve(&two, None).unwrap().key, "blog");
        assert_eq!(resolve(&two, Some("nope")), Err(Refusal::UnknownKey));
        let implicit = effective(&[]);
        assert_eq!(resolve(&implicit, None).unwrap().key, IMPLICIT_SITE);
        // The implicit site allows only the worker's own pages.
        assert!(!implicit[0].allows("https://shop.example", "https://w.example"));
    }

    #[test]
    fn checks_keys_names_origins_and_defaults() {
        assert_eq!(
            check(&[
                site("shop", &["https://shop.example", "http://localhost:*"]),
                site("blog_2-x", &["http://[::1]:8080"])
            ]),
            Ok(())
        );
        let mut unnamed = site("shop", &[]);
        unnamed.name = " ".into();
        let mut d1 = site("a-site", &[]);
        d1.default = true;
        let d2 = Site {
            key: "b-site".into(),
            ..d1.clone()
        };
        for (sites, why) in [
            (vec![site("ab", &[])], "key must be"),
            (vec![site("Shop", &[])], "key must be"),
            (vec![site("shop site", &[])], "key must be"),
            (vec![site(&"k".repeat(65), &[])], "key must be"),
            (vec![site("shop", &[]), site("shop", &[])], "same key"),
            (vec![unnamed], "name must be"),
            (vec![site("shop", &["shop.example"])], "scheme://host"),
            (vec![site("shop", &["ftp://shop.example"])], "http or https"),
            (vec![site("shop", &["https://shop.example/"])], "no path"),
            (vec![site("shop", &["https://shop.example/x"])], "no path"),
            (vec![site("shop", &["https://u@shop.example"])], "no path"),
            (
                vec![site("shop", &["https://*.shop.example"])],
                "no wildcards",
            ),
            (vec![site("shop", &["https://"])], "the host"),
            (vec![site("shop", &["https://shop.example:0"])], "port"),
            (vec![site("shop", &["https://shop.example:99999"])], "port"),
            (vec![site("shop", &["https://shop.example:+80"])], "port"),
            (
                vec![site("shop", &["https://a.example", "https://a.example"])],
                "twice",
            ),
            (vec![d1, d2], "more than one"),
        ] {
            let err = check(&sites).unwrap_err().to_string();
            assert!(err.contains(why), "{why}: {err}");
        }
    }

    #[test]
    fn parses_from_toml_and_rejects_unknown_keys() {
        #[derive(Deserialize)]
        struct File {
            site: Vec<Site>,
        }
        let f: File = toml::from_str(
            "[[site]]\nkey = \"shop\"\nname = \"Shop\"\norigins = [\"https://shop.example\"]\n",
        )
        .unwrap();
        assert_eq!(f.site[0].origins, ["https://shop.example"]);
        assert!(!f.site[0].default);
        let typo = toml::from_str::<File>("[[site]]\nkey = \"shop\"\nname = \"S\"\norigin = []\n");
        assert!(typo.err().unwrap().to_string().contains("unknown field"));
    }
}

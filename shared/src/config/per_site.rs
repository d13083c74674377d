//! A site's settings in effect: its limits, sinks and always-human topics,
//! the retention purges of all sites, what the widget fetches
//! ([`public_json`], `/widget/site/<key>.json`) and the list the build
//! inlines into the loader ([`loader_json`]: only sites that change the
//! launcher or have nudges, so a deployment without them pays nothing), and
//! the build-time check of a `[[site]]` table's settings ([`check`]), with
//! errors that name the site and the key.

use crate::error::ConfigError;
use serde_json::{json, Value};

use super::limits::{self, Limits};
use super::settings::*;
use super::sites::{default_site, Site};
use crate::tickets::routing::SINK_NAMES;

/// The deployment's limits with this site's overrides applied.
pub fn site_limits(base: &Limits, site: &Site) -> Limits {
    let mut out = base.clone();
    for (key, &value) in &site.limits {
        if let (Some((kind, scope)), Ok(v)) = (limit_slot(key), u64::try_from(value)) {
            out.set(kind, scope, v);
        }
    }
    out
}

/// The sinks this site's tickets go to: those `routed` (by topic) that the
/// site allows (all when it lists none).
pub fn site_sinks(site: &Site, routed: Vec<String>) -> Vec<String> {
    match &site.sinks {
        None => routed,
        Some(allowed) => routed.into_iter().filter(|s| allowed.contains(s)).collect(),
    }
}

/// Whether the always-human topic `topic` applies on this site (every
/// topic, unless the site lists its own).
pub fn site_topic_applies(site: &Site, topic: &str) -> bool {
    site.always_human
        .as_ref()
        .is_none_or(|names| names.iter().any(|n| n.eq_ignore_ascii_case(topic)))
}

/// One retention purge: conversations of these stored site keys (or of
/// every key *not* listed, when `except`) older than `days`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purge {
    /// Conversations last active more than this many days ago go.
    pub days: i64,
    /// Site keys as stored (`""`: conversations from before sites).
    pub keys: Vec<String>,
    /// The purge takes every key but `keys` (the deployment's default
    /// retention).
    pub except: bool,
}

/// The purges the scheduled run makes: one per site with its own
/// `retention_days`, then one at the deployment's `default_days` for every
/// other conversation. The default site's also covers conversations from
/// before sites (stored key `""`).
pub fn purges(sites: &[Site], default_days: i64) -> Vec<Purge> {
    let default_key = default_site(sites).map(|s| s.key.as_str());
    let mut out = Vec::new();
    let mut own = Vec::new();
    for site in sites {
        let Some(days) = site.retention_days else {
            continue;
        };
        let mut keys = vec![site.key.clone()];
        if Some(site.key.as_str()) == default_key {
            keys.push(String::new());
        }
        own.extend(keys.iter().cloned());
        out.push(Purge {
            days,
            keys,
            except: false,
        });
    }
    out.push(Purge {
        days: default_days,
        keys: own,
        except: true,
    });
    out
}

/// The site's public settings for the widget (`/widget/site/<key>.json`):
/// theme, locale, greetings and nudges (path regex and texts) — nothing
/// else.
pub fn public_json(site: &Site) -> Value {
    let mut v = json!({});
    if let Some(a) = &site.theme.accent {
        v["accent"] = json!(a);
    }
    if let Some(p) = &site.theme.position {
        v["position"] = json!(p);
    }
    if let Some(l) = &site.locale {
        v["locale"] = json!(l);
    }
    if let Some(g) = &site.greeting {
        v["greeting"] = every_locale(g);
    }
    if !site.nudge.is_empty() {
        let nudges: Vec<Value> = site
            .nudge
            .iter()
            .map(|n| json!({ "path": path_regex(&n.path), "text": every_locale(&n.text) }))
            .collect();
        v["nudges"] = json!(nudges);
    }
    v
}

/// What the loader carries, for the sites that need it before the app
/// loads: `{"default": key, "sites": {key: [accent, position, locale,
/// [[path regex, delay ms], …]]}}` (`null` for an unset value). Sites
/// with none of these are left out.
pub fn loader_json(sites: &[Site]) -> Value {
    let mut map = serde_json::Map::new();
    for s in sites {
        if s.theme.is_empty() && s.locale.is_none() && s.nudge.is_empty() {
            continue;
        }
        let nudges: Vec<Value> = s
            .nudge
            .iter()
            .map(|n| json!([path_regex(&n.path), n.delay_secs * 1000]))
            .collect();
        map.insert(
            s.key.clone(),
            json!([s.theme.accent, s.theme.position, s.locale, nudges]),
        );
    }
    json!({
        "default": default_site(sites).map(|s| s.key.as_str()),
        "sites": map,
    })
}

/// Checks one site's settings; `topics` are the `[[always_human]]` names.
/// Errors start with `at` (which site) and name the key.
pub fn check(at: &str, site: &Site, topics: &[&str]) -> Result<(), ConfigError> {
    if let Some(accent) = &site.theme.accent {
        if !hex_colour(accent) {
            return Err(ConfigError::new(
                at,
                format!("theme.accent {accent:?} must be a hex colour, #rgb or #rrggbb"),
            ));
        }
    }
    if let Some(p) = &site.theme.position {
        if p != "left" && p != "right" {
            return Err(ConfigError::new(
                at,
                format!("theme.position {p:?} must be \"left\" or \"right\""),
            ));
        }
    }
    if let Some(l) = &site.locale {
        if !WIDGET_LOCALES.contains(&l.as_str()) {
            return Err(ConfigError::new(
                at,
                format!(
                    "locale {l:?} is not one the widget has (one of {})",
                    WIDGET_LOCALES.join(", ")
                ),
            ));
        }
    }
    if let Some(greeting) = &site.greeting {
        check_texts(at, "greeting", greeting)?;
    }
    if let Some(names) = &site.always_human {
        for (i, name) in names.iter().enumerate() {
            if !topics.iter().any(|t| t.eq_ignore_ascii_case(name)) {
                return Err(ConfigError::new(
                    at,
                    format!(
                        "always_human: {name:?} is not an [[always_human]] topic (defined: {})",
                        topics.join(", ")
                    ),
                ));
            }
            if names[..i].iter().any(|n| n.eq_ignore_ascii_case(name)) {
                return Err(ConfigError::new(
                    at,
                    format!("always_human: {name:?} is listed twice"),
                ));
            }
        }
    }
    if let Some(sinks) = &site.sinks {
        for (i, sink) in sinks.iter().enumerate() {
            if !SINK_NAMES.contains(&sink.as_str()) {
                return Err(ConfigError::new(
                    at,
                    format!(
                        "sinks: unknown sink {sink:?} (one of {})",
                        SINK_NAMES.join(", ")
                    ),
                ));
            }
            if sinks[..i].contains(sink) {
                return Err(ConfigError::new(
                    at,
                    format!("sinks: {sink:?} is listed twice"),
                ));
            }
        }
    }
    if let Some(days) = site.retention_days {
        if !(1..=MAX_RETENTION_DAYS).contains(&days) {
            return Err(ConfigError::new(
                at,
                format!("retention_days must be 1–{MAX_RETENTION_DAYS}, not {days}"),
            ));
        }
    }
    for (key, &value) in &site.limits {
        if limit_slot(key).is_none() {
            let known: Vec<String> = limits::DEFAULTS
                .iter()
                .map(|&(k, s, _)| limit_key(k, s))
                .collect();
            return Err(ConfigError::new(
                at,
                format!(
                    "limits: unknown limit {key:?} (one of {})",
                    known.join(", ")
                ),
            ));
        }
        if value <= 0 {
            return Err(ConfigError::new(
                at,
                format!("limits.{key} must be a whole number above 0, not {value}"),
            ));
        }
    }
    if site.nudge.len() > MAX_NUDGES {
        return Err(ConfigError::new(
            at,
            format!("at most {MAX_NUDGES} [[site.nudge]] tables"),
        ));
    }
    for (i, n) in site.nudge.iter().enumerate() {
        let at = format!("{at}: nudge[{i}]");
        let path_ok = n.path.starts_with('/')
            && n.path.len() <= MAX_PATH_CHARS
            && !n.path.chars().any(|c| c.is_whitespace() || c.is_control())
            && !n.path.contains(['?', '#']);
        if !path_ok {
            return Err(ConfigError::new(
                at,
                format!(
                    "path {:?} must start with / and be a URL path (no spaces, query or \
                 fragment; * matches anything), up to {MAX_PATH_CHARS} characters",
                    n.path
                ),
            ));
        }
        if !(0..=MAX_NUDGE_DELAY_SECS).contains(&n.delay_secs) {
            return Err(ConfigError::new(
                at,
                format!(
                    "delay_secs must be 0–{MAX_NUDGE_DELAY_SECS}, not {}",
                    n.delay_secs
                ),
            ));
        }
        check_texts(&at, "text", &n.text)?;
    }
    super::actions::check(at, site.api.as_ref(), &site.action)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::limits::{Kind, Scope};
    use crate::config::SiteConfig;

    const BASE: &str = "[[always_human]]\nname = \"legal\"\nphrases = [\"lawyer\"]\n\
                        [[site]]\nkey = \"shop\"\nname = \"Shop\"\n";

    fn parse(extra: &str) -> Result<SiteConfig, String> {
        toml::from_str::<SiteConfig>(&format!("{BASE}{extra}")).map_err(|e| e.to_string())
    }

    fn err(extra: &str) -> String {
        match parse(extra) {
            Err(e) => e,
            Ok(c) => c.check(None).expect_err(extra).to_string(),
        }
    }

    #[test]
    fn widget_locales_are_the_i18n_files() {
        let dir = format!(
            "{}/../widget/i18n",
            std::env::var("CARGO_MANIFEST_DIR").expect("run by cargo")
        );
        let mut files: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter_map(|f| f.strip_suffix(".json").map(str::to_owned))
            .collect();
        files.sort();
        assert_eq!(files, WIDGET_LOCALES);
    }

    #[test]
    fn a_full_site_parses_and_checks() {
        let c = parse(
            r##"theme = { accent = "#0b6e4f", position = "left" }
locale = "de"
greeting = { en = "Hi!", de = "Hallo!" }
always_human = ["Legal"]
sinks = ["webhook", "slack"]
retention_days = 30
limits = { messages_visitor = 5, tickets_site = 50 }
[[site.nudge]]
path = "/pricing*"
delay_secs = 20
text = { en = "Questions about plans?" }
"##,
        )
        .unwrap();
        assert_eq!(c.check(None), Ok(()));
        let s = &c.site[0];
        assert_eq!(s.nudge[0].delay_secs, 20);
        assert_eq!(s.limits["messages_visitor"], 5);
        let public = public_json(s);
        assert_eq!(public["accent"], "#0b6e4f");
        assert_eq!(public["greeting"]["de"], "Hallo!");
        // Every widget language has its words: its own, else English.
        assert_eq!(public["greeting"]["fr"], "Hi!");
        assert_eq!(
            public["greeting"].as_object().unwrap().len(),
            WIDGET_LOCALES.len()
        );
        assert_eq!(public["nudges"][0]["text"]["en"], "Questions about plans?");
        assert_eq!(public["nudges"][0]["text"]["de"], "Questions about plans?");
        assert_eq!(public["nudges"][0]["path"], "^/pricing");
        // Never what only the worker needs.
        for private in ["origins", "sinks", "limits", "retention_days", "name"] {
            assert!(public.get(private).is_none(), "{private}");
        }
        let loader = loader_json(&c.site);
        assert_eq!(loader["default"], "shop");
        assert_eq!(
            loader["sites"]["shop"],
            json!(["#0b6e4f", "left", "de", [["^/pricing", 20000]]])
        );
    }

    #[test]
    fn a_plain_site_costs_the_loader_nothing() {
        let c = parse("").unwrap();
        assert_eq!(c.check(None), Ok(()));
        assert_eq!(public_json(&c.site[0]), json!({}));
        assert_eq!(loader_json(&c.site)["sites"], json!({}));
    }

    #[test]
    fn each_mistake_names_the_site_and_the_key() {
        for (extra, want) in [
            ("colour = \"red\"\n", "unknown field `colour`"),
            ("theme = { color = \"red\" }\n", "unknown field `color`"),
            (
                "theme = { accent = \"red\" }\n",
                "site[0] (\"shop\"): theme.accent \"red\" must be a hex colour",
            ),
            ("theme = { accent = \"#12345\" }\n", "theme.accent"),
            ("theme = { accent = \"#ggg\" }\n", "theme.accent"),
            (
                "theme = { position = \"top\" }\n",
                "site[0] (\"shop\"): theme.position \"top\" must be \"left\" or \"right\"",
            ),
            (
                "locale = \"xx\"\n",
                "site[0] (\"shop\"): locale \"xx\" is not one the widget has",
            ),
            ("locale = \"de-DE\"\n", "locale \"de-DE\""),
            ("greeting = {}\n", "greeting needs at least one language"),
            (
                "greeting = { klingon = \"nuqneH\" }\n",
                "greeting: unknown locale \"klingon\"",
            ),
            (
                "greeting = { en = \" \" }\n",
                "greeting.en must be one line",
            ),
            (
                "greeting = { en = \"a\\nb\" }\n",
                "greeting.en must be one line",
            ),
            (
                "always_human = [\"billing\"]\n",
                "always_human: \"billing\" is not an [[always_human]] topic",
            ),
            (
                "always_human = [\"legal\", \"LEGAL\"]\n",
                "always_human: \"LEGAL\" is listed twice",
            ),
            (
                "sinks = [\"email\"]\n",
                "site[0] (\"shop\"): sinks: unknown sink \"email\"",
            ),
            (
                "sinks = [\"slack\", \"slack\"]\n",
                "\"slack\" is listed twice",
            ),
            (
                "retention_days = 0\n",
                "site[0] (\"shop\"): retention_days must be 1–3650, not 0",
            ),
            ("retention_days = -5\n", "retention_days must be 1–3650"),
            ("retention_days = 99999\n", "retention_days must be 1–3650"),
            (
                "limits = { messages_visitor = 0 }\n",
                "site[0] (\"shop\"): limits.messages_visitor must be a whole number above 0, not 0",
            ),
            (
                "limits = { tickets_ip = -1 }\n",
                "limits.tickets_ip must be",
            ),
            (
                "limits = { polls_visitor = 0 }\n",
                "limits.polls_visitor must be a whole number above 0, not 0",
            ),
            (
                "limits = { reads = 5 }\n",
                "limits: unknown limit \"reads\" (one of messages_visitor",
            ),
            (
                "limits = { messages = 5 }\n",
                "limits: unknown limit \"messages\" (one of messages_visitor",
            ),
            (
                "[[site.nudge]]\npath = \"pricing\"\ntext = { en = \"Hi\" }\n",
                "site[0] (\"shop\"): nudge[0]: path \"pricing\" must start with /",
            ),
            (
                "[[site.nudge]]\npath = \"/a b\"\ntext = { en = \"Hi\" }\n",
                "nudge[0]: path",
            ),
            (
                "[[site.nudge]]\npath = \"/a?x=1\"\ntext = { en = \"Hi\" }\n",
                "nudge[0]: path",
            ),
            (
                "[[site.nudge]]\npath = \"/\"\ndelay_secs = -1\ntext = { en = \"Hi\" }\n",
                "nudge[0]: delay_secs must be 0–3600, not -1",
            ),
            (
                "[[site.nudge]]\npath = \"/\"\ntext = {}\n",
                "nudge[0]: text needs at least one language",
            ),
            (
                "[[site.nudge]]\npath = \"/\"\ntext = { xx = \"Hi\" }\n",
                "nudge[0]: text: unknown locale \"xx\"",
            ),
            (
                "[[site.nudge]]\npath = \"/\"\ntext = { en = \"Hi\" }\nwait = 3\n",
                "unknown field `wait`",
            ),
            (
                "[[site.nudge]]\ntext = { en = \"Hi\" }\n",
                "missing field `path`",
            ),
        ] {
            let e = err(extra);
            assert!(e.contains(want), "{extra:?}: {e}");
        }
    }

    #[test]
    fn limits_retention_sinks_and_topics_resolve_per_site() {
        let c = parse(
            "limits = { messages_visitor = 2, reads_ip = 900, polls_visitor = 60, feedback_site = 50 }\n\
             sinks = [\"webhook\"]\nalways_human = [\"legal\"]\n\
             retention_days = 7\n[[site]]\nkey = \"blog\"\nname = \"Blog\"\ndefault = true\n\
             retention_days = 365\n[[site]]\nkey = \"docs\"\nname = \"Docs\"\n",
        )
        .unwrap();
        assert_eq!(c.check(None), Ok(()));
        let [shop, blog, docs] = &c.site[..] else {
            panic!()
        };
        let base = Limits::default();
        let mine = site_limits(&base, shop);
        assert_eq!(mine.rate(Kind::Messages, Scope::Visitor).limit, 2);
        assert_eq!(mine.rate(Kind::Reads, Scope::Ip).limit, 900);
        assert_eq!(mine.rate(Kind::Polls, Scope::Visitor).limit, 60);
        assert_eq!(mine.rate(Kind::Feedback, Scope::Site).limit, 50);
        // Everything else keeps the deployment's values.
        assert_eq!(
            mine.rate(Kind::Messages, Scope::Ip),
            base.rate(Kind::Messages, Scope::Ip)
        );
        assert_eq!(site_limits(&base, blog), base);
        let routed = vec!["webhook".to_owned(), "zendesk".to_owned()];
        assert_eq!(site_sinks(shop, routed.clone()), ["webhook"]);
        assert_eq!(site_sinks(blog, routed.clone()), routed);
        assert!(site_topic_applies(shop, "Legal"));
        assert!(!site_topic_applies(shop, "billing dispute"));
        assert!(site_topic_applies(blog, "billing dispute"));
        let _ = docs;
        let k = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(
            purges(&c.site, 90),
            vec![
                Purge {
                    days: 7,
                    keys: k(&["shop"]),
                    except: false
                },
                // The default site's also takes conversations from before sites.
                Purge {
                    days: 365,
                    keys: k(&["blog", ""]),
                    except: false
                },
                Purge {
                    days: 90,
                    keys: k(&["shop", "blog", ""]),
                    except: true
                },
            ]
        );
        assert_eq!(
            purges(&[], 30),
            vec![Purge {
                days: 30,
                keys: vec![],
                except: true
            }]
        );
    }

    #[test]
    fn paths_and_texts() {
        assert_eq!(path_regex("/pricing*"), "^/pricing");
        assert_eq!(path_regex("/a.b/*/c"), "^/a\\.b/.*/c$");
        assert_eq!(path_regex("/(x)+"), "^/\\(x\\)\\+$");
        let t: Texts = [
            ("de".to_owned(), "Hallo".to_owned()),
            ("fr".to_owned(), "Salut".to_owned()),
        ]
        .into_iter()
        .collect();
        assert_eq!(pick(&t, "fr"), Some("Salut"));
        assert_eq!(pick(&t, "es"), Some("Hallo"));
    }
}

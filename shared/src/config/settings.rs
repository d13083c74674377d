//! Per-site settings: the value types of the optional keys of a `[[site]]`
//! table beyond who may talk (see [`super::sites`]) — the widget's theme,
//! texts per language and proactive greetings (nudges) — and the checks of
//! single values. What they mean for a site, and the check of a whole
//! table, are in [`super::per_site`].

use crate::error::ConfigError;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::limits::{self, Kind, Scope};

/// The languages the widget has words for (`widget/i18n/<lang>.json`; a
/// test keeps the two in step).
pub const WIDGET_LOCALES: &[&str] = &[
    "ar", "de", "en", "es", "fr", "he", "it", "pl", "pt", "ru", "zh",
];
/// Longest retention a site may ask for (ten years).
pub const MAX_RETENTION_DAYS: i64 = 3650;
/// Longest nudge delay: an hour.
pub const MAX_NUDGE_DELAY_SECS: i64 = 3600;
/// Longest greeting or nudge text, in characters.
pub const MAX_TEXT_CHARS: usize = 300;
/// Longest nudge path pattern.
pub const MAX_PATH_CHARS: usize = 200;
/// Most nudges per site (the loader carries them all).
pub const MAX_NUDGES: usize = 10;

/// Text per language (`{ en = "…", de = "…" }`).
pub type Texts = BTreeMap<String, String>;

/// `theme = { accent = "#0b6e4f", position = "left" }`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Theme {
    /// The launcher's and panel's accent: `#rgb` or `#rrggbb`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accent: Option<String>,
    /// `right` (default) or `left`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<String>,
}

impl Theme {
    /// Neither key is set (the site's serialized table then leaves
    /// `theme` out).
    pub fn is_empty(&self) -> bool {
        self.accent.is_none() && self.position.is_none()
    }
}

/// `[[site.nudge]]`: a greeting bubble the loader shows next to the
/// launcher on pages whose path matches, after a delay, once per page view.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Nudge {
    /// `location.pathname` pattern: starts with `/`; `*` matches anything
    /// (`/pricing*`, `/shop/*/checkout`).
    pub path: String,
    /// Seconds on the page before the bubble shows (0–3600).
    #[serde(default)]
    pub delay_secs: i64,
    /// The bubble's words per language.
    pub text: Texts,
}

/// Whether `accent` is a hex colour the widget can use everywhere (CSS and
/// the contrast of its text).
pub(super) fn hex_colour(accent: &str) -> bool {
    accent
        .strip_prefix('#')
        .is_some_and(|h| matches!(h.len(), 3 | 6) && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The limit overrides' keys: `<kind>_<scope>`, e.g. `messages_visitor`.
pub fn limit_key(kind: Kind, scope: Scope) -> String {
    format!("{}_{}", kind.name(), scope.name()).to_ascii_lowercase()
}

pub(super) fn limit_slot(key: &str) -> Option<(Kind, Scope)> {
    limits::DEFAULTS
        .iter()
        .map(|&(k, s, _)| (k, s))
        .find(|&(k, s)| limit_key(k, s) == key)
}

/// A nudge's path pattern as a regular expression over the whole path
/// (for the loader's `RegExp`: `*` is `.*`, everything else literal; as
/// short as it can be, since every page of the site downloads it).
pub fn path_regex(pattern: &str) -> String {
    let mut re = String::from("^");
    for c in pattern.chars() {
        match c {
            '*' => re.push_str(".*"),
            c if "\\^$.|?+()[]{}".contains(c) => {
                re.push('\\');
                re.push(c);
            }
            c => re.push(c),
        }
    }
    match re.strip_suffix(".*") {
        Some(prefix) => prefix.to_owned(),
        None => re + "$",
    }
}

/// The text for `lang`: its own, else English, else the first listed.
pub fn pick<'a>(texts: &'a Texts, lang: &str) -> Option<&'a str> {
    texts
        .get(lang)
        .or_else(|| texts.get("en"))
        .or_else(|| texts.values().next())
        .map(String::as_str)
}

/// `texts` for every widget language, each [`pick`]ed: the widget looks up
/// its language and needs no fallback rules of its own.
pub(super) fn every_locale(texts: &Texts) -> Value {
    let all: BTreeMap<&str, &str> = WIDGET_LOCALES
        .iter()
        .filter_map(|&l| pick(texts, l).map(|t| (l, t)))
        .collect();
    json!(all)
}

pub(super) fn check_texts(at: &str, key: &str, texts: &Texts) -> Result<(), ConfigError> {
    if texts.is_empty() {
        return Err(ConfigError::new(
            at,
            format!("{key} needs at least one language, e.g. {{ en = \"…\" }}"),
        ));
    }
    for (lang, text) in texts {
        if !WIDGET_LOCALES.contains(&lang.as_str()) {
            return Err(ConfigError::new(
                at,
                format!(
                    "{key}: unknown locale {lang:?} (one of {})",
                    WIDGET_LOCALES.join(", ")
                ),
            ));
        }
        let n = text.trim().chars().count();
        if n == 0 || text.chars().count() > MAX_TEXT_CHARS || text.chars().any(char::is_control) {
            return Err(ConfigError::new(
                at,
                format!("{key}.{lang} must be one line of 1–{MAX_TEXT_CHARS} characters"),
            ));
        }
    }
    Ok(())
}

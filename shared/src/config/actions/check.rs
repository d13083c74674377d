//! The build-time check of a site's `api` and `[[site.action]]` tables.
//! Each error names the site, the action (or `api`) and the key.

use super::template::{self, Part};
use super::*;
use crate::actions::pattern::Pattern;
use crate::config::settings::{MAX_TEXT_CHARS, WIDGET_LOCALES};
use crate::error::ConfigError;
use crate::text::{Analyzer, Lang};

/// The worker's own settings: an action's signing secret may not be one of
/// them (a site's API would then hold the key to the inbox, the identity
/// tokens or the webhooks).
const WORKER_NAMES: &[&str] = &[
    "ACTION_CONFIRM_SECRET",
    "ADMIN_TOKEN",
    "AGENT_TOKEN",
    "AI_API_KEY",
    "AI_EMBEDDING_API_KEY",
    "GITHUB_TOKEN",
    "IDENTITY_SECRET",
    "WEBHOOK_SECRET",
    "WEBHOOK_URL",
    "SLACK_WEBHOOK_URL",
    "ZENDESK_API_TOKEN",
];

/// `[a-z0-9_]`, 1–`max` characters, starting with a letter.
pub(crate) fn is_name(s: &str, max: usize) -> bool {
    (1..=max).contains(&s.len())
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Checks a site's `api` and actions; `at` names the site.
pub fn check(at: &str, api: Option<&Api>, actions: &[Action]) -> Result<(), ConfigError> {
    if let Some(api) = api {
        check_api(&format!("{at}: api"), api)?;
    }
    if actions.is_empty() {
        return Ok(());
    }
    if api.is_none() {
        return Err(ConfigError::new(
            at,
            "[[site.action]] needs the site's api = { origin = \"https://…\", secret = \"NAME\" }",
        ));
    }
    if actions.len() > MAX_ACTIONS {
        return Err(ConfigError::new(
            at,
            format!("at most {MAX_ACTIONS} [[site.action]] tables"),
        ));
    }
    for (i, action) in actions.iter().enumerate() {
        let at = format!("{at}: action[{i}] ({:?})", action.name);
        if !is_name(&action.name, 40) || action.name.len() < 2 {
            return Err(ConfigError::new(
                at,
                "name must be 2–40 characters of a-z, 0-9 and _, starting with a letter",
            ));
        }
        if actions[..i].iter().any(|a| a.name == action.name) {
            return Err(ConfigError::new(at, "another action has the same name"));
        }
        check_action(&at, action)?;
    }
    Ok(())
}

fn check_api(at: &str, api: &Api) -> Result<(), ConfigError> {
    if let Err(e) = api_origin(&api.origin) {
        return Err(ConfigError::new(
            at,
            format!("origin {:?}: {e}", api.origin),
        ));
    }
    let secret_ok = (1..=64).contains(&api.secret.len())
        && api.secret.starts_with(|c: char| c.is_ascii_uppercase())
        && api
            .secret
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
    if !secret_ok {
        return Err(ConfigError::new(
            at,
            format!(
                "secret {:?} must be the name of a worker secret (A-Z, 0-9 and _), \
                 not its value: wrangler secret put NAME",
                api.secret
            ),
        ));
    }
    if WORKER_NAMES.contains(&api.secret.as_str()) {
        return Err(ConfigError::new(
            at,
            format!(
                "secret {:?} is one of the worker's own settings; give the site's API \
                 a secret of its own",
                api.secret
            ),
        ));
    }
    if let Some(ms) = api.timeout_ms {
        if !(100..=MAX_TIMEOUT_MS).contains(&ms) {
            return Err(ConfigError::new(
                at,
                format!("timeout_ms must be 100–{MAX_TIMEOUT_MS}, not {ms}"),
            ));
        }
    }
    Ok(())
}

/// `https://host[:port]`, or `http://` on a loopback host.
pub(crate) fn api_origin(origin: &str) -> Result<(), String> {
    let (scheme, rest) = origin
        .split_once("://")
        .ok_or("must be https://host[:port]")?;
    let (host, port) = match rest.rsplit_once(':') {
        Some((h, p)) if !p.contains(']') => (h, Some(p)),
        _ => (rest, None),
    };
    if let Some(p) = port {
        if !p.bytes().all(|b| b.is_ascii_digit()) || !matches!(p.parse::<u16>(), Ok(1..)) {
            return Err("the port must be 1–65535".into());
        }
    }
    let name_ok = !host.is_empty()
        && host.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        });
    if !(name_ok || host == "[::1]") {
        return Err(
            "the host must be a lower-case domain name or address, with no path, query, \
             user or wildcard"
                .into(),
        );
    }
    let loopback = host == "localhost"
        || host == "[::1]"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback());
    match scheme {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        "http" => Err("must be https (http only on localhost or 127.0.0.1)".into()),
        _ => Err("must be https://host[:port]".into()),
    }
}

fn check_action(at: &str, a: &Action) -> Result<(), ConfigError> {
    let err = |problem: String| Err(ConfigError::new(at, problem));
    check_words(at, "title", &a.title, false)?;
    if !EXAMPLES.contains(&a.examples.len()) {
        return err(format!(
            "list {}–{} examples: questions a visitor would ask for it",
            EXAMPLES.start(),
            EXAMPLES.end()
        ));
    }
    for ex in &a.examples {
        if !one_line(ex, MAX_TEMPLATE_CHARS) {
            return err(format!(
                "example {ex:?} must be one line of 1–{MAX_TEMPLATE_CHARS} characters"
            ));
        }
        if Lang::ALL
            .iter()
            .any(|&l| Analyzer::new(l).terms(ex).is_empty())
        {
            return err(format!(
                "example {ex:?} has no words that identify what the visitor wants"
            ));
        }
    }
    match (a.effect, a.method) {
        (Effect::Reads, Method::Get) => {}
        (Effect::Reads, m) => {
            return err(format!(
                "an action that reads uses GET, not {} (use effect = \"changes\")",
                m.as_str()
            ))
        }
        (Effect::Changes, Method::Get) => {
            return err(
                "an action that changes something uses POST, PUT, PATCH or DELETE, not GET".into(),
            )
        }
        (Effect::Changes, _) => {}
    }
    if a.effect == Effect::Changes && !a.needs_identity {
        return err(
            "an action that changes something needs a verified visitor: \
                    needs_identity cannot be false"
                .into(),
        );
    }
    match (a.effect, &a.confirm) {
        (Effect::Changes, None) => {
            return err(
                "an action that changes something needs confirm: what the confirm \
                        button will do, e.g. \"Cancel order {$order}?\""
                    .into(),
            )
        }
        (Effect::Reads, Some(_)) => {
            return err("confirm is only for actions that change something".into())
        }
        _ => {}
    }
    if a.param.len() > MAX_PARAMS {
        return err(format!("at most {MAX_PARAMS} [[site.action.param]] tables"));
    }
    for (j, p) in a.param.iter().enumerate() {
        let at = format!("{at}: param[{j}] ({:?})", p.name);
        if !is_name(&p.name, 40) {
            return Err(ConfigError::new(
                at,
                "name must be 1–40 characters of a-z, 0-9 and _, starting with a letter",
            ));
        }
        if a.param[..j].iter().any(|q| q.name == p.name) {
            return Err(ConfigError::new(at, "another parameter has the same name"));
        }
        check_param(&at, p)?;
    }
    check_path(at, a)?;
    let names = a.param_names();
    for (key, words) in a.templates() {
        let multi_line = key.starts_with("result");
        check_words(at, &key, words, multi_line)?;
        for (lang, text) in words.all() {
            let key = if lang.is_empty() {
                key.clone()
            } else {
                format!("{key}.{lang}")
            };
            let parts =
                template::parse(text).map_err(|e| ConfigError::new(at, format!("{key} {e}")))?;
            for part in parts {
                match part {
                    Part::Param(name) if !names.contains(name) => {
                        return err(format!(
                            "{key}: {{${name}}} is not a parameter of the action"
                        ))
                    }
                    Part::Field(path, _)
                        if key != "result.text" && !key.starts_with("result.text.") =>
                    {
                        return err(format!(
                            "{key}: {{{}}} — only result.text shows fields of the API's answer",
                            path.join(".")
                        ))
                    }
                    _ => {}
                }
            }
        }
    }
    Ok(())
}

fn check_param(at: &str, p: &Param) -> Result<(), ConfigError> {
    let err = |problem: String| Err(ConfigError::new(at, problem));
    check_words(at, "ask", &p.ask, false)?;
    let (pattern, range, values) = (
        p.pattern.is_some(),
        p.min.is_some() || p.max.is_some(),
        !p.values.is_empty(),
    );
    match p.kind {
        Kind::String => {
            if range || values {
                return err("a string takes pattern, not min, max or values".into());
            }
            let Some(pattern) = &p.pattern else {
                return err("a string needs a pattern: the values it may take, e.g. \
                            pattern = \"[0-9]{5,8}\""
                    .into());
            };
            if pattern.len() > MAX_PATTERN_CHARS || pattern.trim().is_empty() {
                return err(format!("pattern must be 1–{MAX_PATTERN_CHARS} characters"));
            }
            if pattern.starts_with('^') || pattern.ends_with('$') {
                return err(format!(
                    "pattern {pattern:?}: leave out ^ and $ (the whole value must match anyway)"
                ));
            }
            let whole = Pattern::parse(pattern).map_err(|e| {
                ConfigError::new(
                    at,
                    format!(
                        "pattern {pattern:?} is not a regular expression Frontdesk reads: {e} \
                         (literals, ., [classes], \\d \\w \\s, groups with |, ? * + {{n,m}})"
                    ),
                )
            })?;
            if whole.whole("") {
                return err(format!("pattern {pattern:?} must not match an empty value"));
            }
        }
        Kind::Integer => {
            if pattern || values {
                return err("an integer takes min and max, not pattern or values".into());
            }
            if let (Some(lo), Some(hi)) = (p.min, p.max) {
                if lo > hi {
                    return err(format!("min {lo} is above max {hi}"));
                }
            }
        }
        Kind::Choice => {
            if pattern || range {
                return err("a choice takes values, not pattern, min or max".into());
            }
            if !(2..=20).contains(&p.values.len()) {
                return err("a choice lists 2–20 values".into());
            }
            for (k, v) in p.values.iter().enumerate() {
                if !one_line(v, MAX_VALUE_CHARS) {
                    return err(format!(
                        "value {v:?} must be one line of 1–{MAX_VALUE_CHARS} characters"
                    ));
                }
                if p.values[..k].iter().any(|w| w.eq_ignore_ascii_case(v)) {
                    return err(format!("value {v:?} is listed twice"));
                }
            }
        }
    }
    Ok(())
}

/// A path of literal segments and `{param}` segments, each parameter
/// declared and used once; nothing that could leave the path.
fn check_path(at: &str, a: &Action) -> Result<(), ConfigError> {
    let bad = |why: &str| {
        Err(ConfigError::new(
            at,
            format!(
                "path {:?} {why}: it is /segments/{{param}} on the api origin, of letters, \
                 digits and - . _ ~",
                a.path
            ),
        ))
    };
    let Some(rest) = a.path.strip_prefix('/') else {
        return bad("must start with /");
    };
    if a.path.len() > 200 {
        return bad("is longer than 200 characters");
    }
    let mut used: Vec<&str> = Vec::new();
    for seg in rest.split('/') {
        if let Some(name) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            if a.param(name).is_none() {
                return bad(&format!("names {{{name}}}, which is not a parameter"));
            }
            if used.contains(&name) {
                return bad(&format!("uses {{{name}}} twice"));
            }
            used.push(name);
            continue;
        }
        let literal = !seg.is_empty()
            && seg != "."
            && seg != ".."
            && seg
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
        if !(literal || seg.is_empty() && rest.is_empty()) {
            return bad("has an empty, dot or unusual segment");
        }
    }
    Ok(())
}

fn one_line(s: &str, max: usize) -> bool {
    !s.trim().is_empty() && s.chars().count() <= max && !s.chars().any(char::is_control)
}

/// Like the site's other texts, but templates may be longer, and the
/// result's may span lines (a list).
fn check_words(at: &str, key: &str, words: &Words, multi_line: bool) -> Result<(), ConfigError> {
    let max = if key == "title" {
        MAX_TEXT_CHARS.min(80)
    } else {
        MAX_TEMPLATE_CHARS
    };
    if let Words::Many(texts) = words {
        if texts.is_empty() {
            return Err(ConfigError::new(
                at,
                format!("{key} needs at least one language, e.g. {{ en = \"…\" }}"),
            ));
        }
    }
    for (lang, text) in words.all() {
        if !lang.is_empty() && !WIDGET_LOCALES.contains(&lang) {
            return Err(ConfigError::new(
                at,
                format!(
                    "{key}: unknown locale {lang:?} (one of {})",
                    WIDGET_LOCALES.join(", ")
                ),
            ));
        }
        let fits = if multi_line {
            !text.trim().is_empty()
                && text.chars().count() <= max
                && !text.chars().any(|c| c.is_control() && c != '\n')
        } else {
            one_line(text, max)
        };
        if !fits {
            let key = if lang.is_empty() {
                key.to_owned()
            } else {
                format!("{key}.{lang}")
            };
            let lines = if multi_line { "" } else { "one line of " };
            return Err(ConfigError::new(
                at,
                format!("{key} must be {lines}1–{max} characters"),
            ));
        }
    }
    Ok(())
}

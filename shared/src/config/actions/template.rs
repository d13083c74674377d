//! The templates of an action's texts: literal words with `{field.path}`,
//! `{field|fallback words}` and `{$param}` placeholders. Parsed at build
//! time (so a mistake fails the build) and rendered for each reply: a value
//! from the site's API is one line, at most [`MAX_SHOWN_CHARS`], with every
//! Markdown marker escaped, so an API's answer can show words but never a
//! link, an image or a list of its own.

use serde_json::Value;

/// Longest value a reply shows from the API, in characters (longer ones
/// are cut with an ellipsis).
pub const MAX_SHOWN_CHARS: usize = 200;
/// Deepest field path (`a.b.c.d.e.f`).
pub const MAX_PATH_DEPTH: usize = 6;

/// One part of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part<'a> {
    /// Words shown as written.
    Text(&'a str),
    /// A field of the API's answer, and the words for when it is missing.
    Field(Vec<&'a str>, Option<&'a str>),
    /// A parameter's value.
    Param(&'a str),
}

/// Reads a template, or says what is wrong with it.
pub fn parse(t: &str) -> Result<Vec<Part<'_>>, String> {
    let mut parts = Vec::new();
    let mut rest = t;
    while !rest.is_empty() {
        let Some(open) = rest.find(['{', '}']) else {
            parts.push(Part::Text(rest));
            break;
        };
        if rest.as_bytes()[open] == b'}' {
            return Err("has a } without a {".into());
        }
        if open > 0 {
            parts.push(Part::Text(&rest[..open]));
        }
        let after = &rest[open + 1..];
        let close = after.find('}').ok_or("has a { without a }")?;
        let inner = &after[..close];
        if inner.contains('{') {
            return Err("has a { inside a placeholder".into());
        }
        parts.push(placeholder(inner)?);
        rest = &after[close + 1..];
    }
    Ok(parts)
}

fn placeholder(inner: &str) -> Result<Part<'_>, String> {
    if let Some(name) = inner.strip_prefix('$') {
        if !super::check::is_name(name, 40) {
            return Err(format!("{{{inner}}}: a parameter is {{$name}}"));
        }
        return Ok(Part::Param(name));
    }
    let (path, fallback) = match inner.split_once('|') {
        Some((p, f)) => (p, Some(f)),
        None => (inner, None),
    };
    let segs: Vec<&str> = path.split('.').collect();
    let seg_ok = |s: &&str| {
        !s.is_empty()
            && s.len() <= 64
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    };
    if segs.len() > MAX_PATH_DEPTH || !segs.iter().all(seg_ok) {
        return Err(format!(
            "{{{inner}}}: a field is names of letters, digits, _ and - joined by dots \
             (at most {MAX_PATH_DEPTH}), optionally |words for when it is missing"
        ));
    }
    if fallback.is_some_and(|f| f.contains('|')) {
        return Err(format!("{{{inner}}}: one | per placeholder"));
    }
    Ok(Part::Field(segs, fallback))
}

/// The value at `path` in `json` as words: a string, number or boolean
/// (`null`, objects and arrays are missing).
pub fn field(json: &Value, path: &[&str]) -> Option<String> {
    let mut v = json;
    for seg in path {
        v = match v {
            Value::Object(m) => m.get(*seg)?,
            Value::Array(a) => a.get(seg.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Renders a checked template. `json` is the API's answer (`Value::Null`
/// where there is none), `param` a parameter's value by name. `None` when
/// a field without fallback words is missing. Values are [`shown`] safely;
/// the template's own words are the site owner's and kept as written.
pub fn render(
    template: &str,
    json: &Value,
    param: &dyn Fn(&str) -> Option<String>,
) -> Option<String> {
    let parts = parse(template).ok()?;
    let mut out = String::new();
    for part in parts {
        match part {
            Part::Text(t) => out.push_str(t),
            Part::Param(name) => out.push_str(&shown(&param(name)?)),
            Part::Field(path, fallback) => match (field(json, &path), fallback) {
                (Some(v), _) => out.push_str(&shown(&v)),
                (None, Some(f)) => out.push_str(f),
                (None, None) => return None,
            },
        }
    }
    Some(out)
}

/// A value as a reply shows it: one line (controls and line breaks become
/// spaces, runs of spaces one), at most [`MAX_SHOWN_CHARS`], and every
/// character the Markdown subset reads as a marker escaped with `\`
/// (emphasis, code, links and HTML anywhere; a heading or list marker at
/// the start, and the dot of a leading number).
pub fn shown(value: &str) -> String {
    let mut one_line = String::new();
    for c in value.chars() {
        let c = if c.is_control() || c.is_whitespace() {
            ' '
        } else {
            c
        };
        if c == ' ' && (one_line.is_empty() || one_line.ends_with(' ')) {
            continue;
        }
        one_line.push(c);
    }
    let trimmed = one_line.trim_end();
    let count = trimmed.chars().count();
    let mut out = String::new();
    for (i, c) in trimmed.chars().enumerate() {
        if i == MAX_SHOWN_CHARS - 1 && count > MAX_SHOWN_CHARS {
            out.push('…');
            break;
        }
        let leading_digits = trimmed.chars().take(i).all(|d| d.is_ascii_digit());
        let marker = "\\`*_[]()<>".contains(c)
            || (i == 0 && "#-+".contains(c))
            || (c == '.' && i > 0 && leading_digits);
        if marker {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

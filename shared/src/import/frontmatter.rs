//! The YAML front matter real Markdown folders carry, read by a YAML parser
//! and never failing.
//!
//! kb's own front matter is a strict subset on purpose (typos fail the
//! build); imported files are whatever Obsidian, Docusaurus or MkDocs users
//! wrote, which those tools read as YAML. This keeps the shapes that matter —
//! top-level scalars (plain, quoted, `|`/`>` blocks) and lists of them — and
//! ignores what it does not need (nested maps, aliases).

use std::collections::BTreeMap;

use yaml_rust2::parser::{Event, Parser};
use yaml_rust2::scanner::TScalarStyle;

/// A front-matter value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// A scalar as written (numbers, booleans and dates as their text).
    Str(String),
    /// A sequence of scalars.
    List(Vec<String>),
}

impl Value {
    /// The value as one string (a list's items joined with spaces).
    pub fn as_str(&self) -> String {
        match self {
            Value::Str(s) => s.clone(),
            Value::List(l) => l.join(" "),
        }
    }

    /// The value as a list (a string is split at commas and spaces, as tags
    /// often are, so `a b, c` is three items).
    pub fn as_list(&self) -> Vec<String> {
        match self {
            Value::Str(s) => s
                .split([',', ' '])
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .collect(),
            Value::List(l) => l.clone(),
        }
    }

    /// YAML's true (`true`, `yes`, `on`).
    pub fn is_true(&self) -> bool {
        matches!(self, Value::Str(s) if matches!(s.to_ascii_lowercase().as_str(), "true" | "yes" | "on"))
    }
}

/// Top-level keys (lower case) and their values.
pub type Fields = BTreeMap<String, Value>;

/// Splits a leading `---` front-matter block off `src`: its fields and the
/// body after it. Without a (closed) block, no fields and the whole text.
pub fn split(src: &str) -> (Fields, &str) {
    let src = src.strip_prefix('\u{feff}').unwrap_or(src);
    let Some(rest) = src
        .strip_prefix("---\n")
        .or_else(|| src.strip_prefix("---\r\n"))
    else {
        return (Fields::new(), src);
    };
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        let t = line.trim_end();
        if t == "---" || t == "..." {
            let block = &rest[..offset];
            return (parse(block), &rest[offset + line.len()..]);
        }
        offset += line.len();
    }
    (Fields::new(), src)
}

/// Reads the fields of a front-matter block (without its `---` lines) with
/// a YAML parser (yaml-rust2), walking its events: top-level scalars and
/// lists of scalars are kept, nested maps and anchors' aliases are ignored
/// (so an alias bomb costs nothing). YAML that breaks off keeps the fields
/// before the break, never a value cut short by it (`title: Sync: why`, not
/// YAML, gives no title rather than `Sync`).
pub fn parse(block: &str) -> Fields {
    let mut fields = Fields::new();
    let mut events = Parser::new_from_str(block);
    let mut next = || match events.next_token() {
        Ok((Event::StreamEnd, _)) | Err(_) => None,
        Ok((event, _)) => Some(event),
    };
    // Up to the top-level map.
    loop {
        match next() {
            Some(Event::StreamStart | Event::DocumentStart) => {}
            Some(Event::MappingStart(..)) => break,
            _ => return fields,
        }
    }
    // A key's value is kept once what follows it has been read.
    let mut pending: Option<(String, Option<Value>)> = None;
    loop {
        let key = match next() {
            Some(Event::Scalar(key, ..)) => key,
            Some(Event::MappingEnd) => {
                if let Some((key, Some(value))) = pending.take() {
                    fields.insert(key, value);
                }
                return fields;
            }
            // A key that is a list or a map: skip it and its value.
            Some(Event::SequenceStart(..) | Event::MappingStart(..)) => {
                if !skip_nested(&mut next) || !skip_value(&mut next) {
                    return fields;
                }
                continue;
            }
            _ => return fields,
        };
        if let Some((key, Some(value))) = pending.take() {
            fields.insert(key, value);
        }
        let key = key.trim().to_ascii_lowercase();
        let value = match next() {
            Some(Event::Scalar(v, style, ..)) => scalar(v, style).map(Value::Str),
            Some(Event::SequenceStart(..)) => {
                let mut items = Vec::new();
                loop {
                    match next() {
                        Some(Event::SequenceEnd) => break,
                        Some(Event::Scalar(v, style, ..)) => {
                            items.extend(scalar(v, style));
                        }
                        Some(Event::SequenceStart(..) | Event::MappingStart(..)) => {
                            if !skip_nested(&mut next) {
                                return fields;
                            }
                        }
                        Some(_) => {}
                        None => return fields,
                    }
                }
                (!items.is_empty()).then_some(Value::List(items))
            }
            Some(Event::MappingStart(..)) => {
                if !skip_nested(&mut next) {
                    return fields;
                }
                None
            }
            Some(Event::Alias(_)) => None,
            _ => return fields,
        };
        pending = Some((key, value));
    }
}

/// A scalar's text, `None` for YAML's null (an empty plain value, `~`,
/// `null`). Block scalars lose their final line break.
fn scalar(v: String, style: TScalarStyle) -> Option<String> {
    if style == TScalarStyle::Plain && matches!(v.as_str(), "" | "~" | "null" | "Null" | "NULL") {
        return None;
    }
    let v = v.trim();
    (!v.is_empty()).then(|| v.to_owned())
}

/// Reads past the end of a list or map whose start was just read; `false`
/// when the YAML breaks off first.
fn skip_nested(next: &mut impl FnMut() -> Option<Event>) -> bool {
    let mut depth = 1usize;
    while depth > 0 {
        match next() {
            Some(Event::SequenceStart(..) | Event::MappingStart(..)) => depth += 1,
            Some(Event::SequenceEnd | Event::MappingEnd) => depth -= 1,
            Some(_) => {}
            None => return false,
        }
    }
    true
}

/// Reads past one value (a scalar, alias, list or map).
fn skip_value(next: &mut impl FnMut() -> Option<Event>) -> bool {
    match next() {
        Some(Event::SequenceStart(..) | Event::MappingStart(..)) => skip_nested(next),
        Some(_) => true,
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_shapes_real_files_use() {
        let src = "---\ntitle: \"Sync: why it stops\"\ntags: [sync, 'mobile app']\naliases:\n  - Sync stuck\n  - \"Sync pending\"\nsidebar_position: 3 # order\ndescription: >\n  Folded\n  text\nmeta:\n  og: x\ndraft: yes\n---\nBody\n";
        let (f, body) = split(src);
        assert_eq!(body, "Body\n");
        assert_eq!(f["title"], Value::Str("Sync: why it stops".into()));
        assert_eq!(f["tags"].as_list(), ["sync", "mobile app"]);
        assert_eq!(f["aliases"].as_list(), ["Sync stuck", "Sync pending"]);
        assert_eq!(f["sidebar_position"].as_str(), "3");
        assert_eq!(f["description"].as_str(), "Folded text");
        assert!(!f.contains_key("meta"));
        assert!(f["draft"].is_true());
    }

    #[test]
    fn no_block_means_no_fields() {
        assert_eq!(split("# Title\ntext").1, "# Title\ntext");
        assert!(split("---\nunclosed: x\n").0.is_empty());
    }

    /// Not YAML, or hostile: what breaks off keeps the fields before it and
    /// never a value cut short; an alias bomb is not expanded; nesting
    /// deeper than the parser's limit ends the block.
    #[test]
    fn bad_yaml_keeps_what_came_before() {
        let f = parse("lang: de\ntitle: Sync: why it stops\ntags: [a]\n");
        assert_eq!(f.get("lang"), Some(&Value::Str("de".into())));
        assert!(!f.contains_key("title"));
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x]\n");
        for c in b'b'..=b'z' {
            let (c, p) = (c as char, (c - 1) as char);
            bomb.push_str(&format!(
                "{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
            ));
        }
        bomb.push_str("title: after the bomb\n");
        let f = parse(&bomb);
        assert_eq!(f["a"].as_list().len(), 9);
        assert!(!f.contains_key("z"));
        assert_eq!(f["title"].as_str(), "after the bomb");
        let f = parse(&format!("title: x\ndeep: {}", "[".repeat(100_000)));
        assert_eq!(f.keys().collect::<Vec<_>>(), ["title"]);
    }
}

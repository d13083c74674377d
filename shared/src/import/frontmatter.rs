//! The YAML front matter real Markdown folders carry, read leniently.
//!
//! kb's own front matter is a strict subset on purpose (typos fail the
//! build); imported files are whatever Obsidian, Docusaurus or MkDocs users
//! wrote. This reads the shapes that matter — `key: value`, quoted strings,
//! `[a, b]` lists, `- item` lists, `|`/`>` block scalars — and ignores what it
//! does not need (nested maps, anchors), never failing.

use std::collections::BTreeMap;

/// A front-matter value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Str(String),
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

    /// The value as a list (a string is split at commas, as tags often are).
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

/// Reads the fields of a front-matter block (without its `---` lines).
pub fn parse(block: &str) -> Fields {
    let mut fields = Fields::new();
    let lines: Vec<&str> = block.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        i += 1;
        if line.trim().is_empty()
            || line.trim_start().starts_with('#')
            || line.starts_with([' ', '\t', '-'])
        {
            continue;
        }
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let key = key.trim().trim_matches(['"', '\'']).to_ascii_lowercase();
        let value = strip_comment(value.trim());
        let parsed = if value.is_empty() {
            // A `- item` list, or a nested map (ignored).
            let mut items = Vec::new();
            while i < lines.len()
                && (lines[i].starts_with([' ', '\t', '-']) || lines[i].trim().is_empty())
            {
                if let Some(item) = lines[i].trim_start().strip_prefix('-') {
                    let item = unquote(strip_comment(item.trim()));
                    if !item.is_empty() {
                        items.push(item);
                    }
                }
                i += 1;
            }
            if items.is_empty() {
                continue;
            }
            Value::List(items)
        } else if value.starts_with('|') || value.starts_with('>') {
            let folded = value.starts_with('>');
            let mut text = Vec::new();
            while i < lines.len()
                && (lines[i].starts_with([' ', '\t']) || lines[i].trim().is_empty())
            {
                text.push(lines[i].trim());
                i += 1;
            }
            let sep = if folded { " " } else { "\n" };
            Value::Str(text.join(sep).trim().to_owned())
        } else if let Some(inner) = value.strip_prefix('[') {
            let inner = inner.strip_suffix(']').unwrap_or(inner);
            Value::List(
                split_flow(inner)
                    .into_iter()
                    .map(|s| unquote(s.trim()))
                    .filter(|s| !s.is_empty())
                    .collect(),
            )
        } else {
            Value::Str(unquote(value))
        };
        fields.insert(key, parsed);
    }
    fields
}

/// Splits a flow list's items at commas outside quotes.
fn split_flow(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut quote: Option<char> = None;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, ',') => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

/// Drops a ` # comment` after an unquoted value.
fn strip_comment(v: &str) -> &str {
    if v.starts_with(['"', '\'']) {
        return v;
    }
    match v.find(" #") {
        Some(i) => v[..i].trim_end(),
        None => v,
    }
}

/// A quoted scalar's text (`"a \"b\""` → `a "b"`, `'it''s'` → `it's`).
fn unquote(v: &str) -> String {
    let v = v.trim();
    if v.len() >= 2 && v.starts_with('"') && v.ends_with('"') {
        v[1..v.len() - 1].replace("\\\"", "\"").replace("\\n", " ")
    } else if v.len() >= 2 && v.starts_with('\'') && v.ends_with('\'') {
        v[1..v.len() - 1].replace("''", "'")
    } else {
        v.to_owned()
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
}

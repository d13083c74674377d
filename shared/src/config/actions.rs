//! Actions: what the bot may look up or do for a visitor through the site's
//! own API, declared per site in `frontdesk.toml` and checked at build time.
//!
//! ```toml
//! [[site]]
//! key = "shop"
//! api = { origin = "https://api.shop.example", secret = "SHOP_API_SECRET" }
//!
//! [[site.action]]
//! name = "order_status"
//! title = { en = "Check an order", de = "Bestellung prüfen" }
//! examples = ["where is my order", "wo ist meine Bestellung"]
//! effect = "reads"
//! method = "GET"
//! path = "/orders/{order}"
//! [[site.action.param]]
//! name = "order"
//! type = "string"
//! pattern = "[0-9]{5}"
//! ask = { en = "What is the order number?" }
//! [site.action.result]
//! text = { en = "Order {$order} is {status|being prepared}." }
//! not_found = { en = "I can't find order {$order} on your account." }
//! ```
//!
//! Invariants the check keeps, and the runtime relies on:
//! - every request goes to the site's one `api.origin`; a path is a
//!   template of literal segments and whole-segment parameters, so no value
//!   can change the host, add a query or climb out with `..`;
//! - an action that changes something needs a verified visitor and has a
//!   confirmation text, and is never `GET`; one that reads is always `GET`;
//! - templates name only declared parameters and well-formed response
//!   fields.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use super::settings::Texts;

mod check;
pub mod template;
#[cfg(test)]
pub(crate) mod tests;

pub use check::check;

/// Most actions a site may declare.
pub const MAX_ACTIONS: usize = 20;
/// Most parameters an action may have.
pub const MAX_PARAMS: usize = 5;
/// Most example questions per action, and the fewest.
pub const EXAMPLES: std::ops::RangeInclusive<usize> = 2..=40;
/// Longest example, template or ask text, in characters.
pub const MAX_TEMPLATE_CHARS: usize = 500;
/// Longest `pattern`.
pub const MAX_PATTERN_CHARS: usize = 200;
/// Longest value a string parameter takes, in characters.
pub const MAX_VALUE_CHARS: usize = 100;
/// The API's timeout when the site sets none, and the longest it may set.
pub const DEFAULT_TIMEOUT_MS: u64 = 5_000;
/// The longest timeout a site may set: a visitor is waiting.
pub const MAX_TIMEOUT_MS: u64 = 15_000;

/// `api = { origin = "https://api.shop.example", secret = "SHOP_API_SECRET" }`:
/// the one origin a site's actions call, and the name of the worker secret
/// (`wrangler secret put SHOP_API_SECRET`, a `whsec_…` value) that signs
/// every request.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Api {
    /// `https://host[:port]`; `http://` only on loopback (local
    /// development and the demo).
    pub origin: String,
    /// The name of the worker secret holding the signing key.
    pub secret: String,
    /// How long to wait for an answer, in milliseconds (at most
    /// [`MAX_TIMEOUT_MS`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_ms: Option<u64>,
}

impl Api {
    /// The timeout in effect.
    pub fn timeout_ms(&self) -> u64 {
        self.timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS)
    }
}

/// Words the visitor sees: one text, or one per language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Words {
    /// The same words in every language.
    One(String),
    /// Per language; a language not listed gets English, else the first.
    Many(Texts),
}

impl Words {
    /// The words for `lang`.
    pub fn pick(&self, lang: &str) -> &str {
        match self {
            Words::One(s) => s,
            Words::Many(t) => super::settings::pick(t, lang).unwrap_or_default(),
        }
    }

    /// Every text, with its language (`""` for [`Words::One`]).
    pub fn all(&self) -> Vec<(&str, &str)> {
        match self {
            Words::One(s) => vec![("", s.as_str())],
            Words::Many(t) => t.iter().map(|(l, s)| (l.as_str(), s.as_str())).collect(),
        }
    }
}

/// Whether an action only reads or changes something.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Effect {
    /// Looks something up: runs as soon as its parameters are known.
    Reads,
    /// Changes something: runs only after the visitor presses Confirm.
    Changes,
}

/// The HTTP method of an action's request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    /// Reads; parameters not in the path go in the query string.
    Get,
    /// Changes; parameters not in the path go in a JSON body.
    Post,
    /// Changes.
    Put,
    /// Changes.
    Patch,
    /// Changes.
    Delete,
}

impl Method {
    /// The method's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }
}

/// `[[site.action]]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Action {
    /// `[a-z0-9_]`, 2–40, unique per site: recorded with every attempt.
    pub name: String,
    /// What the visitor sees it called ("Cancel an order").
    pub title: Words,
    /// Questions a visitor asks for it, in the languages they write in:
    /// the engine recognises the action from these, as it does articles.
    pub examples: Vec<String>,
    /// `reads` or `changes`.
    pub effect: Effect,
    /// `GET` for reads; `POST`, `PUT`, `PATCH` or `DELETE` for changes.
    pub method: Method,
    /// Path on the site's API origin, with `{param}` segments.
    pub path: String,
    /// Only visitors with a verified identity may use it (default: yes;
    /// actions that change something always need one).
    #[serde(default = "yes")]
    pub needs_identity: bool,
    /// What the confirm card says will happen (changes only), with
    /// `{$param}` values: "Cancel order {$order}?".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirm: Option<Words>,
    /// `[[site.action.param]]`: what the action needs, asked in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub param: Vec<Param>,
    /// `[site.action.result]`: how the answer is worded.
    pub result: ResultView,
}

fn yes() -> bool {
    true
}

impl Action {
    /// The parameters named in the path, in order.
    pub fn path_params(&self) -> Vec<&str> {
        self.path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .collect()
    }

    /// The parameter called `name`.
    pub fn param(&self, name: &str) -> Option<&Param> {
        self.param.iter().find(|p| p.name == name)
    }
}

/// The kind of value a parameter takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Text matching `pattern` (required): an order number, a code.
    String,
    /// A whole number within `min`–`max`.
    Integer,
    /// One of `values` (matched case-insensitively, sent as written there).
    Choice,
}

/// `[[site.action.param]]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Param {
    /// `[a-z0-9_]`, 1–40, unique in the action.
    pub name: String,
    /// `string`, `integer` or `choice`.
    #[serde(rename = "type")]
    pub kind: Kind,
    /// Strings: the whole value must match this regular expression (it is
    /// also how a value is found inside a message).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// Integers: the smallest allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<i64>,
    /// Integers: the largest allowed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
    /// Choices: the allowed values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    /// How to ask the visitor for it.
    pub ask: Words,
}

/// `[site.action.result]`: templates over the API's JSON answer. `{a.b}`
/// is a field (`{items.0.name}` an array element), `{a|words}` a field
/// with words for when it is missing, `{$param}` a parameter's value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultView {
    /// The reply on success (2xx with a JSON object).
    pub text: Words,
    /// The reply when a field `text` needs (without its own fallback) is
    /// missing; without it, such an answer is treated as a failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback: Option<Words>,
    /// The reply on 404; without it, a 404 is a failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_found: Option<Words>,
}

impl Action {
    /// Every template of the action, with where it is (for the check).
    pub(crate) fn templates(&self) -> Vec<(String, &Words)> {
        let mut out = vec![("result.text".to_owned(), &self.result.text)];
        if let Some(w) = &self.result.fallback {
            out.push(("result.fallback".into(), w));
        }
        if let Some(w) = &self.result.not_found {
            out.push(("result.not_found".into(), w));
        }
        if let Some(w) = &self.confirm {
            out.push(("confirm".into(), w));
        }
        out
    }

    /// The declared parameter names.
    pub(crate) fn param_names(&self) -> BTreeSet<&str> {
        self.param.iter().map(|p| p.name.as_str()).collect()
    }
}

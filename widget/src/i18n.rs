//! UI strings. English is built in; other languages come from
//! `widget/i18n/<lang>.json` (one flat object, key → string), fetched at
//! boot for the visitor's language only, and applied key by key with
//! [`Strings::set`]. Plain Rust, no DOM, so it tests natively.

use frontdesk_api::markdown::cut;

/// Languages with a `widget/i18n/<lang>.json` file.
pub(crate) const LANGS: &[&str] = &[
    "en", "de", "fr", "es", "it", "pt", "pl", "ru", "zh", "ar", "he",
];

/// Defines [`Strings`] once from `key => "English"` pairs: the fields
/// (named like the JSON keys), `Default` (English), `set` and `KEYS`.
macro_rules! strings {
    ($($key:ident => $en:literal,)*) => {
        /// Every text the widget shows; `{name}` marks a placeholder for
        /// [`fill`].
        #[derive(Debug, Clone, PartialEq)]
        pub(crate) struct Strings {
            $(#[doc = $en] pub(crate) $key: String,)*
        }

        impl Default for Strings {
            fn default() -> Self {
                Self { $($key: $en.to_owned(),)* }
            }
        }

        impl Strings {
            /// The JSON keys, in file order.
            pub(crate) const KEYS: &'static [&'static str] = &[$(stringify!($key),)*];

            /// Sets the string for `key`; false (and no change) for a key
            /// this version doesn't know.
            pub(crate) fn set(&mut self, key: &str, value: String) -> bool {
                match key {
                    $(stringify!($key) => self.$key = value,)*
                    _ => return false,
                }
                true
            }

            #[cfg(test)]
            fn get(&self, key: &str) -> Option<&str> {
                match key {
                    $(stringify!($key) => Some(&self.$key),)*
                    _ => None,
                }
            }
        }
    };
}

strings! {
    title => "Support",
    greeting => "Hi! Ask us anything, or talk to a person.",
    close => "Close chat",
    log => "Conversation",
    message_label => "Your message",
    placeholder => "Type your question…",
    send => "Send",
    queued => "Waiting for a connection — it will be sent automatically.",
    retry => "Retry",
    unavailable => "We couldn't reach support. Check your connection and try again.",
    talk_to_person => "Talk to a person",
    handoff_hint => "Leave your email and a person from our team will reply.",
    handoff_hint_known => "A person from our team will reply here and at {email}.",
    email => "Email",
    note => "Anything to add? (optional)",
    send_to_team => "Send to our team",
    back => "Back to chat",
    ticket => "Thanks! Your request {reference} is with our team. Their reply will appear here, and they can reach you at {email}.",
    support_team => "Support team",
    new => "New",
    source => "Source:",
    cite => "Source {n}: {title}",
    helpful => "Helpful",
    not_helpful => "Not helpful",
    feedback_thanks => "Thanks for the feedback.",
    confirm => "Confirm",
    delete => "Delete conversation",
    delete_confirm => "Delete this conversation and everything you sent? Our team will no longer see it. This cannot be undone.",
    delete_yes => "Delete",
    cancel => "Cancel",
    deleted => "Your conversation was deleted.",
    rate_limited => "You're sending messages very quickly. Please wait a moment and try again.",
}

/// The loader's words (`widget/loader.js` has them inlined by build.sh from
/// the same files, see `scripts/i18n.mjs`); here only for the tests, which
/// check every file's keys and placeholders, so the wasm does not carry them.
#[cfg(test)]
const LOADER: &[(&str, &str)] = &[
    ("launcher", "Open support chat"),
    ("unread", "{n} unread"),
    ("load_failed", "Chat unavailable. Please try again later."),
];

/// The words of the scripts boot.js fetches when needed (widget/live.js,
/// the attach button and widget/attach.js read them from the fetched file,
/// English built in), likewise only for the tests.
#[cfg(test)]
const LIVE: &[(&str, &str)] = &[
    ("typing", "An agent is typing…"),
    ("joined", "An agent has joined the conversation."),
    // boot.js's attach button and attach.js's status line.
    ("attach", "Attach a file"),
    (
        "attach_first",
        "Write your question first, then attach a file.",
    ),
    ("uploading", "Uploading {name}…"),
    ("attached", "Attached: {name}"),
    (
        "attach_type",
        "{name}: only images (PNG, JPEG, GIF, WebP) and PDFs can be attached.",
    ),
    ("attach_size", "{name} is larger than 5 MB."),
    (
        "attach_many",
        "This conversation already holds as many files as it can.",
    ),
    ("attach_failed", "{name} could not be uploaded. Try again."),
];

/// The English text of `key`, the app's, the loader's or live.js's.
#[cfg(test)]
fn english(key: &str) -> Option<String> {
    let outside = LOADER
        .iter()
        .chain(LIVE)
        .find(|(k, _)| *k == key)
        .map(|(_, en)| en.to_string());
    outside.or_else(|| Strings::default().get(key).map(str::to_owned))
}

/// `template` with each `{name}` replaced by its value in `args`, in one
/// pass (a value containing `{…}` is not expanded again). Unknown
/// placeholders stay as they are.
pub(crate) fn fill(template: &str, args: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(cut(rest, ..open));
        let after = cut(rest, open + 1..);
        let value = after.find('}').and_then(|close| {
            let name = cut(after, ..close);
            let (_, value) = args.iter().find(|(n, _)| *n == name)?;
            Some((*value, close))
        });
        match value {
            Some((value, close)) => {
                out.push_str(value);
                rest = cut(after, close + 1..);
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The first supported language among BCP 47 tags in preference order
/// (`navigator.languages`, `data-locale`): `pt-BR` → `pt`, `zh-TW` → `zh`,
/// `iw` → `he`. Case-insensitive, `_` like `-`; English if none matches.
pub(crate) fn pick(tags: &[&str]) -> &'static str {
    tags.iter().find_map(|tag| lang(tag)).unwrap_or("en")
}

/// The supported language of one tag, by its primary subtag.
fn lang(tag: &str) -> Option<&'static str> {
    let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
    let primary = match primary.as_str() {
        "iw" => "he", // the code Hebrew had before 1989, still sent by some systems
        other => other,
    };
    LANGS.iter().find(|l| **l == primary).copied()
}

/// Whether `lang` (a code from [`LANGS`] or any tag) is written right to left.
pub(crate) fn is_rtl(lang: &str) -> bool {
    matches!(pick(&[lang]), "ar" | "he")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Map, Value};

    /// Every translation file, as built into the tests.
    const FILES: &[(&str, &str)] = &[
        ("en", include_str!("../i18n/en.json")),
        ("de", include_str!("../i18n/de.json")),
        ("fr", include_str!("../i18n/fr.json")),
        ("es", include_str!("../i18n/es.json")),
        ("it", include_str!("../i18n/it.json")),
        ("pt", include_str!("../i18n/pt.json")),
        ("pl", include_str!("../i18n/pl.json")),
        ("ru", include_str!("../i18n/ru.json")),
        ("zh", include_str!("../i18n/zh.json")),
        ("ar", include_str!("../i18n/ar.json")),
        ("he", include_str!("../i18n/he.json")),
    ];

    fn parse(lang: &str, text: &str) -> Map<String, Value> {
        match serde_json::from_str(text) {
            Ok(Value::Object(map)) => map,
            other => panic!("{lang}.json is not a JSON object: {other:?}"),
        }
    }

    /// The `{name}` placeholders of `s`, sorted.
    fn placeholders(s: &str) -> Vec<&str> {
        let mut names: Vec<&str> = s
            .split('{')
            .skip(1)
            .filter_map(|part| part.split_once('}').map(|(name, _)| name))
            .collect();
        names.sort_unstable();
        names
    }

    #[test]
    fn a_file_per_language() {
        let langs: Vec<&str> = FILES.iter().map(|(lang, _)| *lang).collect();
        assert_eq!(langs, LANGS);
    }

    #[test]
    fn every_file_has_exactly_the_keys() {
        for (lang, text) in FILES {
            let map = parse(lang, text);
            let keys: Vec<&str> = map.keys().map(String::as_str).collect();
            let mut expected = Strings::KEYS.to_vec();
            expected.extend(LOADER.iter().chain(LIVE).map(|(k, _)| *k));
            expected.sort_unstable();
            assert_eq!(keys, expected, "{lang}.json keys");
            // serde_json keeps the last of duplicate keys: count them in the text.
            let written = text.matches("\":").count();
            assert_eq!(written, expected.len(), "{lang}.json has a duplicate key");
        }
    }

    #[test]
    fn every_value_is_a_non_empty_trimmed_string() {
        for (lang, text) in FILES {
            for (key, value) in parse(lang, text) {
                let value = value
                    .as_str()
                    .unwrap_or_else(|| panic!("{lang}.{key} is not a string"));
                assert!(!value.trim().is_empty(), "{lang}.{key} is empty");
                assert_eq!(value, value.trim(), "{lang}.{key} has outer spaces");
            }
        }
    }

    #[test]
    fn translations_keep_the_placeholders() {
        for (lang, text) in FILES {
            let map = parse(lang, text);
            for (key, translated) in &map {
                let english = english(key).unwrap();
                let translated = translated.as_str().unwrap();
                assert_eq!(
                    placeholders(translated),
                    placeholders(&english),
                    "{lang}.{key}: {translated}"
                );
            }
        }
    }

    #[test]
    fn default_is_en_json() {
        for (key, value) in parse("en", include_str!("../i18n/en.json")) {
            assert_eq!(english(&key).as_deref(), value.as_str(), "en.{key}");
        }
    }

    #[test]
    fn set_fills_the_field_of_each_key() {
        let mut strings = Strings::default();
        for (lang, text) in FILES {
            let app = || {
                parse(lang, text)
                    .into_iter()
                    .filter(|(k, _)| !LOADER.iter().chain(LIVE).any(|(l, _)| l == k))
            };
            for (key, value) in app() {
                assert!(strings.set(&key, value.as_str().unwrap().to_owned()));
            }
            for (key, value) in app() {
                assert_eq!(strings.get(&key), value.as_str(), "{lang}.{key}");
            }
        }
        // Distinct values per key show that no two keys share a field.
        for (i, key) in Strings::KEYS.iter().enumerate() {
            strings.set(key, i.to_string());
        }
        for (i, key) in Strings::KEYS.iter().enumerate() {
            assert_eq!(strings.get(key), Some(i.to_string().as_str()));
        }
    }

    #[test]
    fn set_ignores_an_unknown_key() {
        let mut strings = Strings::default();
        assert!(!strings.set("nope", "x".into()));
        assert!(!strings.set("", "x".into()));
        assert!(!strings.set("Send", "x".into()));
        assert_eq!(strings, Strings::default());
        assert!(strings.set("send", "Senden".into()));
        assert_eq!(strings.send, "Senden");
    }

    #[test]
    fn fill_replaces_placeholders() {
        let en = Strings::default();
        assert_eq!(fill("{n} unread", &[("n", "3")]), "3 unread");
        assert_eq!(
            fill(&en.cite, &[("title", "Refunds"), ("n", "2")]),
            "Source 2: Refunds"
        );
        assert_eq!(
            fill(&en.ticket, &[("reference", "FD-7"), ("email", "a@b.c")]),
            "Thanks! Your request FD-7 is with our team. Their reply will appear here, \
             and they can reach you at a@b.c."
        );
        // A placeholder used twice, one not given, stray braces, values not re-expanded.
        assert_eq!(fill("{n}/{n}", &[("n", "1")]), "1/1");
        assert_eq!(fill("{n} {m}", &[("n", "1")]), "1 {m}");
        assert_eq!(fill("{ {n} }{", &[("n", "1")]), "{ 1 }{");
        assert_eq!(fill("{a}", &[("a", "{b}"), ("b", "x")]), "{b}");
        assert_eq!(fill("", &[]), "");
        assert_eq!(fill("{n} 条未读", &[("n", "5")]), "5 条未读");
    }

    #[test]
    fn pick_the_first_supported_language() {
        assert_eq!(pick(&["pt-BR", "en"]), "pt");
        assert_eq!(pick(&["zh-TW"]), "zh");
        assert_eq!(pick(&["zh-Hans-CN"]), "zh");
        assert_eq!(pick(&["iw"]), "he");
        assert_eq!(pick(&["iw-IL"]), "he");
        assert_eq!(pick(&["nb", "sv"]), "en");
        assert_eq!(pick(&["nb", "de-AT", "fr"]), "de");
        assert_eq!(pick(&["FR_ca"]), "fr");
        assert_eq!(pick(&["  ES-419 "]), "es");
        assert_eq!(pick(&["AR"]), "ar");
        assert_eq!(pick(&["", "*", "x-klingon", "ru"]), "ru");
        assert_eq!(pick(&["english", "portuguese"]), "en");
        assert_eq!(pick(&[]), "en");
        for lang in LANGS {
            assert_eq!(pick(&[lang]), *lang);
        }
    }

    #[test]
    fn right_to_left() {
        assert!(is_rtl("ar"));
        assert!(is_rtl("he"));
        assert!(is_rtl("iw"));
        assert!(is_rtl("ar-EG"));
        for lang in LANGS.iter().filter(|l| !matches!(**l, "ar" | "he")) {
            assert!(!is_rtl(lang), "{lang}");
        }
        assert!(!is_rtl("fa")); // right to left, but not supported: English
    }
}

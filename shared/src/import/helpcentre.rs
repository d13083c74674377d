//! Help-centre exports as articles: Zendesk Guide and Intercom.
//!
//! - **Zendesk Guide**: the Help Center API's article list
//!   (`{"articles":[{"id","title","body","locale","html_url","label_names",
//!   "draft"}], "next_page": …}`), one file per page of results. Drafts are
//!   skipped; `label_names` become tags.
//! - **Intercom**: the Articles API's list (`{"type":"list","data":[{"type":
//!   "article","id","title","description","body","url","state",
//!   "default_locale","translated_content":{"fr":{…}}}]}`). Every published
//!   translation is an article of its own language; the description leads
//!   the body.
//!
//! Bodies are HTML and go through the same HTML → Markdown path as web pages
//! (text escaped, link targets checked: [`super::safe`]); an Intercom
//! `description` is plain text and is escaped the same way.

use serde_json::Value;

use super::html::fragment_to_markdown;
use super::safe::escape_text;
use super::{lang_code, page_url, slugify, Collector, Draft, Outcome, SkipReason};

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

fn id_of(v: &Value) -> String {
    match v.get("id") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => "?".to_owned(),
    }
}

/// Imports one Zendesk export file (`file` names it in the report).
pub fn zendesk(out: &mut Collector, file: &str, json: &str, default_lang: &str) {
    let doc: Value = match serde_json::from_str(json) {
        Ok(v) => v,
        Err(e) => return out.skip(file, SkipReason::Parse(e.to_string())),
    };
    let articles = match (doc.get("articles"), doc.get("article")) {
        (Some(Value::Array(a)), _) => a.clone(),
        (_, Some(a @ Value::Object(_))) => vec![a.clone()],
        _ => {
            return out.skip(
                file,
                SkipReason::Parse("no \"articles\" list (is this a Zendesk Guide export?)".into()),
            )
        }
    };
    for a in &articles {
        let item = format!("{file}#{}", id_of(a));
        if a.get("draft").and_then(Value::as_bool) == Some(true) {
            out.skip(&item, SkipReason::Draft);
            continue;
        }
        let lang = lang_code(str_of(a, "locale")).unwrap_or_else(|| default_lang.to_owned());
        let url = match str_of(a, "html_url") {
            "" => format!("/hc/{lang}/articles/{}", id_of(a)),
            u => page_url(u),
        };
        let tags = a
            .get("label_names")
            .and_then(Value::as_array)
            .map(|l| {
                l.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        let title = str_of(a, "title").to_owned();
        out.add(
            &item,
            Draft {
                slug: slug_for(&title, &id_of(a), &lang, default_lang),
                body: fragment_to_markdown(str_of(a, "body"), &url_base(str_of(a, "html_url"))),
                title,
                url,
                lang,
                tags,
                questions: Vec::new(),
            },
        );
    }
}

/// Imports one Intercom export file.
pub fn intercom(out: &mut Collector, file: &str, json: &str, default_lang: &str) {
    let doc: Value = match serde_json::from_str(json) {
        Ok(v) => v,
        Err(e) => return out.skip(file, SkipReason::Parse(e.to_string())),
    };
    let items = match doc.get("data") {
        Some(Value::Array(a)) => a.clone(),
        _ if doc.get("type").and_then(Value::as_str) == Some("article") => vec![doc.clone()],
        _ => {
            return out.skip(
                file,
                SkipReason::Parse("no \"data\" list (is this an Intercom articles export?)".into()),
            )
        }
    };
    for a in &items {
        let id = id_of(a);
        let default_locale =
            lang_code(str_of(a, "default_locale")).unwrap_or_else(|| default_lang.to_owned());
        let mut versions: Vec<(String, &Value)> = vec![(default_locale.clone(), a)];
        if let Some(Value::Object(t)) = a.get("translated_content") {
            for (locale, content) in t {
                let Some(lang) = lang_code(locale) else {
                    continue;
                };
                if lang == default_locale || !content.is_object() {
                    continue;
                }
                versions.push((lang, content));
            }
        }
        for (lang, v) in versions {
            let item = format!("{file}#{id}/{lang}");
            if str_of(v, "state") != "published" {
                out.skip(&item, SkipReason::Draft);
                continue;
            }
            let raw_url = str_of(v, "url");
            let url = if raw_url.is_empty() {
                format!("/articles/{id}")
            } else {
                page_url(raw_url)
            };
            let mut body = String::new();
            // Plain text: escaped, so it stays text in the Markdown body.
            let description = escape_text(&super::one_line(str_of(v, "description")));
            if !description.is_empty() {
                body.push_str(&description);
                body.push_str("\n\n");
            }
            body.push_str(&fragment_to_markdown(str_of(v, "body"), &url_base(raw_url)));
            let title = str_of(v, "title").to_owned();
            out.add(
                &item,
                Draft {
                    slug: slug_for(&title, &id, &lang, default_lang),
                    title,
                    url,
                    lang,
                    body,
                    ..Draft::default()
                },
            );
        }
    }
}

/// A slug from the title, with the language in front for articles not in
/// the default language (`de-rechnung-herunterladen`), as in `kb/`.
/// A title in a script slugs cannot spell (Japanese, Russian) is named by
/// the article's id instead.
fn slug_for(title: &str, id: &str, lang: &str, default_lang: &str) -> String {
    let mut name = slugify(title);
    if name.is_empty() {
        name = format!("article-{}", slugify(id));
    }
    if lang == default_lang {
        name
    } else {
        format!("{lang}-{name}")
    }
}

/// The base that relative links in a body resolve against.
fn url_base(url: &str) -> String {
    if url.contains("://") {
        url.to_owned()
    } else {
        "https://help.invalid/".to_owned()
    }
}

/// Imports several files of one kind into one outcome.
pub fn import_files(kind: Kind, files: &[(String, String)], default_lang: &str) -> Outcome {
    let mut out = Collector::new();
    for (name, json) in files {
        match kind {
            Kind::Zendesk => zendesk(&mut out, name, json, default_lang),
            Kind::Intercom => intercom(&mut out, name, json, default_lang),
        }
    }
    out.finish()
}

/// Which export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Zendesk Guide's Help Center API article lists.
    Zendesk,
    /// Intercom's Articles API lists.
    Intercom,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zendesk_drafts_skipped_locales_kept() {
        let json = r#"{"articles":[
          {"id":1,"title":"Reset password","body":"<p>Click <b>Forgot</b>.</p>","locale":"en-us","html_url":"https://acme.zendesk.com/hc/en-us/articles/1-Reset","label_names":["account"],"draft":false},
          {"id":2,"title":"Passwort","body":"<p>Klicken Sie.</p>","locale":"de","html_url":"https://acme.zendesk.com/hc/de/articles/2","draft":false},
          {"id":3,"title":"WIP","body":"<p>x</p>","locale":"en-us","draft":true},
          {"id":5,"title":"パスワードの再設定","body":"<p>設定から再設定できます。</p>","locale":"ja","draft":false}],"next_page":null}"#;
        let o = import_files(Kind::Zendesk, &[("zd.json".into(), json.into())], "en");
        assert_eq!(o.articles.len(), 3);
        assert_eq!(o.articles[2].slug, "ja-article-5");
        assert_eq!(o.articles[2].article.url, "/hc/ja/articles/5");
        assert_eq!(o.articles[0].article.tags, ["account"]);
        assert_eq!(o.articles[1].slug, "de-passwort");
        assert_eq!(o.skipped[0].item, "zd.json#3");
        assert_eq!(o.skipped[0].reason, SkipReason::Draft);
        let bad = import_files(Kind::Zendesk, &[("x.json".into(), "{".into())], "en");
        assert!(matches!(bad.skipped[0].reason, SkipReason::Parse(_)));
    }

    /// Export bodies and Intercom descriptions with script links and
    /// Markdown link syntax in their text: rendered back, no link points
    /// anywhere but http(s), mailto or a relative path.
    #[test]
    fn hostile_exports_give_no_unsafe_links() {
        use crate::import::rendered::{assert_safe, read};
        let zendesk = r#"{"articles":[{"id":1,"title":"T","locale":"en","html_url":"https://acme.zendesk.com/hc/en-us/articles/1",
          "body":"<p><a href=\"javascript:alert(1)\">a</a> <a href=\"x) [b](javascript:alert(2)\">b</a> [c](javascript:alert(3))</p>"}]}"#;
        let intercom = r#"{"type":"list","data":[{"type":"article","id":"7","title":"T","state":"published","url":"https://acme.intercom.help/en/articles/7",
          "description":"[d](javascript:alert(4)) <javascript:alert(5)>","body":"<p><a href='vbscript:x'>e</a> ok</p>"}]}"#;
        for (kind, json) in [(Kind::Zendesk, zendesk), (Kind::Intercom, intercom)] {
            let o = import_files(kind, &[("x.json".into(), json.into())], "en");
            assert_eq!(o.articles.len(), 1, "{:?}", o.skipped);
            assert_safe(&o.articles[0].source);
        }
        let o = import_files(Kind::Intercom, &[("x.json".into(), intercom.into())], "en");
        let text = read(&o.articles[0].source).text;
        assert!(
            text.contains("[d](javascript:alert(4)) <javascript:alert(5)>"),
            "{text}"
        );
    }
}

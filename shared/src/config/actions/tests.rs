use serde_json::json;

use super::template::{self, Part};
use super::*;
use crate::config::SiteConfig;

/// The demo's two actions, as an owner would write them.
pub(crate) const SHOP: &str = r#"
[[site]]
key = "shop"
name = "Shop"
api = { origin = "https://api.shop.example", secret = "SHOP_API_SECRET" }

[[site.action]]
name = "order_status"
title = { en = "Check an order", de = "Bestellung prüfen" }
examples = ["where is my order", "track my package", "wo ist meine Bestellung"]
effect = "reads"
method = "GET"
path = "/orders/{order}"
[[site.action.param]]
name = "order"
type = "string"
pattern = "[0-9]{5}"
ask = { en = "What is the order number? It has five digits.", de = "Wie lautet die Bestellnummer?" }
[site.action.result]
text = { en = "Order {$order} is **{status}**. {eta|No delivery date yet.}" }
not_found = { en = "I can't find order {$order} on your account." }

[[site.action]]
name = "cancel_order"
title = "Cancel an order"
examples = ["cancel my order", "I want to cancel the order"]
effect = "changes"
method = "POST"
path = "/orders/{order}/cancel"
confirm = { en = "Cancel order {$order}, because: {$reason}?" }
[[site.action.param]]
name = "order"
type = "string"
pattern = "[0-9]{5}"
ask = "Which order (five digits)?"
[[site.action.param]]
name = "reason"
type = "choice"
values = ["changed my mind", "ordered by mistake", "too slow"]
ask = "Why?"
[[site.action.param]]
name = "copies"
type = "integer"
min = 1
max = 3
ask = "How many?"
[site.action.result]
text = "Done: order {$order} is cancelled."
"#;

fn config(toml_text: &str) -> Result<SiteConfig, String> {
    let c: SiteConfig = toml::from_str(toml_text).map_err(|e| e.to_string())?;
    c.check(None).map_err(|e| e.to_string())?;
    Ok(c)
}

#[test]
fn the_demo_declaration_parses_and_checks() {
    let c = config(SHOP).unwrap();
    let site = &c.site[0];
    let api = site.api.as_ref().unwrap();
    assert_eq!(api.timeout_ms(), DEFAULT_TIMEOUT_MS);
    let [status, cancel] = &site.action[..] else {
        panic!("two actions")
    };
    assert_eq!(status.effect, Effect::Reads);
    assert!(status.needs_identity, "needs a verified visitor by default");
    assert_eq!(status.path_params(), ["order"]);
    assert_eq!(cancel.title.pick("de"), "Cancel an order");
    assert_eq!(status.title.pick("de"), "Bestellung prüfen");
    assert_eq!(status.title.pick("fr"), "Check an order");
    assert_eq!(cancel.param("reason").unwrap().kind, Kind::Choice);
    // What a site declares never reaches the widget.
    let public = crate::config::per_site::public_json(site);
    assert_eq!(public, json!({}));
}

/// Replaces `from` in the demo declaration (which must contain it) and
/// returns the error.
fn mistake(from: &str, to: &str) -> String {
    assert!(SHOP.contains(from), "{from:?}");
    match config(&SHOP.replacen(from, to, 1)) {
        Ok(_) => panic!("{from:?} → {to:?} was accepted"),
        Err(e) => e,
    }
}

#[test]
fn each_mistake_names_the_site_the_action_and_the_key() {
    let api = "api = { origin = \"https://api.shop.example\", secret = \"SHOP_API_SECRET\" }";
    let cases: &[(&str, &str, &str)] = &[
        // The API origin: one, https, no path, no user, no wildcard.
        (api, "", "[[site.action]] needs the site's api"),
        (
            "https://api.shop.example",
            "http://api.shop.example",
            "must be https",
        ),
        (
            "https://api.shop.example",
            "https://api.shop.example/v1",
            "lower-case domain",
        ),
        (
            "https://api.shop.example",
            "https://u@api.shop.example",
            "lower-case domain",
        ),
        (
            "https://api.shop.example",
            "https://*.shop.example",
            "lower-case domain",
        ),
        (
            "https://api.shop.example",
            "https://API.shop.example",
            "lower-case domain",
        ),
        (
            "https://api.shop.example",
            "https://api.shop.example:0",
            "port must be",
        ),
        (
            "https://api.shop.example",
            "https://api.shop.example:99999",
            "port must be",
        ),
        (
            "https://api.shop.example",
            "ftp://api.shop.example",
            "must be https",
        ),
        (
            "https://api.shop.example",
            "api.shop.example",
            "must be https",
        ),
        (
            "https://api.shop.example",
            "https://api..example",
            "lower-case domain",
        ),
        (
            "\"SHOP_API_SECRET\"",
            "\"whsec_c2VjcmV0\"",
            "name of a worker secret",
        ),
        (
            "\"SHOP_API_SECRET\"",
            "\"ADMIN_TOKEN\"",
            "the worker's own settings",
        ),
        (
            "\"SHOP_API_SECRET\"",
            "\"IDENTITY_SECRET\"",
            "the worker's own settings",
        ),
        (
            "\"SHOP_API_SECRET\" }",
            "\"S\", timeout_ms = 50 }",
            "timeout_ms must be 100–15000",
        ),
        (
            "\"SHOP_API_SECRET\" }",
            "\"S\", timeout_ms = 60000 }",
            "timeout_ms must be",
        ),
        (
            "\"SHOP_API_SECRET\" }",
            "\"S\", url = \"x\" }",
            "unknown field `url`",
        ),
        // Names.
        (
            "name = \"order_status\"",
            "name = \"Order-Status\"",
            "action[0] (\"Order-Status\"): name must be",
        ),
        (
            "name = \"order_status\"",
            "name = \"x\"",
            "name must be 2–40",
        ),
        (
            "name = \"order_status\"",
            "name = \"cancel_order\"",
            "action[1] (\"cancel_order\"): another action",
        ),
        // Titles, examples.
        (
            "title = \"Cancel an order\"",
            "title = { en = \"\" }",
            "title.en must be one line",
        ),
        (
            "title = \"Cancel an order\"",
            "title = {}",
            "title needs at least one language",
        ),
        (
            "title = \"Cancel an order\"",
            "title = { xx = \"Cancel\" }",
            "title: unknown locale \"xx\"",
        ),
        (
            "title = \"Cancel an order\"",
            "title = \"a\\nb\"",
            "title must be one line",
        ),
        (
            "examples = [\"cancel my order\", \"I want to cancel the order\"]",
            "examples = [\"cancel my order\"]",
            "list 2–40 examples",
        ),
        (
            "\"I want to cancel the order\"",
            "\"the of\"",
            "has no words that identify",
        ),
        ("\"I want to cancel the order\"", "\"\"", "must be one line"),
        // Reads and changes.
        (
            "effect = \"reads\"",
            "effect = \"writes\"",
            "unknown variant `writes`",
        ),
        (
            "method = \"GET\"",
            "method = \"POST\"",
            "an action that reads uses GET, not POST",
        ),
        (
            "method = \"POST\"",
            "method = \"GET\"",
            "uses POST, PUT, PATCH or DELETE, not GET",
        ),
        (
            "method = \"POST\"",
            "method = \"TRACE\"",
            "unknown variant `TRACE`",
        ),
        (
            "effect = \"changes\"",
            "effect = \"changes\"\nneeds_identity = false",
            "needs_identity cannot be false",
        ),
        (
            "confirm = { en = \"Cancel order {$order}, because: {$reason}?\" }",
            "",
            "needs confirm",
        ),
        (
            "effect = \"reads\"",
            "effect = \"reads\"\nconfirm = \"Sure?\"",
            "confirm is only for actions that change",
        ),
        // Paths: on the origin, whole-segment parameters only.
        (
            "path = \"/orders/{order}\"",
            "path = \"orders/{order}\"",
            "must start with /",
        ),
        (
            "path = \"/orders/{order}\"",
            "path = \"//evil.example/{order}\"",
            "empty, dot or unusual",
        ),
        (
            "path = \"/orders/{order}\"",
            "path = \"/orders/../admin/{order}\"",
            "empty, dot or unusual",
        ),
        (
            "path = \"/orders/{order}\"",
            "path = \"/orders/{order}?all=1\"",
            "empty, dot or unusual",
        ),
        (
            "path = \"/orders/{order}\"",
            "path = \"/orders/x{order}\"",
            "empty, dot or unusual",
        ),
        (
            "path = \"/orders/{order}\"",
            "path = \"/orders/{id}\"",
            "names {id}, which is not a parameter",
        ),
        (
            "path = \"/orders/{order}\"",
            "path = \"/o/{order}/{order}\"",
            "uses {order} twice",
        ),
        (
            "path = \"/orders/{order}\"",
            "path = \"/orders/%2e%2e/{order}\"",
            "empty, dot or unusual",
        ),
        (
            "path = \"/orders/{order}\"",
            "path = \"@evil.example/{order}\"",
            "must start with /",
        ),
        // Parameters.
        (
            "name = \"order\"",
            "name = \"Order\"",
            "param[0] (\"Order\"): name must be",
        ),
        (
            "name = \"reason\"",
            "name = \"order\"",
            "param[1] (\"order\"): another parameter",
        ),
        (
            "pattern = \"[0-9]{5}\"\nask = { en",
            "ask = { en",
            "a string needs a pattern",
        ),
        (
            "pattern = \"[0-9]{5}\"",
            "pattern = \"[0-9\"",
            "is not a regular expression",
        ),
        (
            "pattern = \"[0-9]{5}\"",
            "pattern = \"[0-9]*\"",
            "must not match an empty value",
        ),
        (
            "pattern = \"[0-9]{5}\"",
            "pattern = \"^[0-9]{5}$\"",
            "leave out ^ and $",
        ),
        (
            "pattern = \"[0-9]{5}\"",
            "pattern = \"[0-9]{5}\"\nmin = 1",
            "a string takes pattern, not min",
        ),
        ("min = 1", "min = 5", "min 5 is above max 3"),
        (
            "min = 1",
            "pattern = \"[0-9]\"",
            "an integer takes min and max",
        ),
        (
            "values = [\"changed my mind\", \"ordered by mistake\", \"too slow\"]",
            "values = [\"x\"]",
            "a choice lists 2–20 values",
        ),
        (
            "\"too slow\"]",
            "\"Changed My Mind\"]",
            "value \"Changed My Mind\" is listed twice",
        ),
        ("\"too slow\"]", "\"\"]", "must be one line"),
        (
            "type = \"choice\"",
            "type = \"date\"",
            "unknown variant `date`",
        ),
        ("ask = \"Why?\"", "", "missing field `ask`"),
        (
            "ask = \"Why?\"",
            "ask = \"Why?\"\nrequired = true",
            "unknown field `required`",
        ),
        // Templates.
        (
            "{$order} on your account.",
            "{$order on your account.",
            "has a { without a }",
        ),
        ("**{status}**", "**{status**", "a { inside a placeholder"),
        ("**{status}**", "**status}**", "has a } without a {"),
        ("**{status}**", "**{sta tus}**", "a field is names"),
        ("**{status}**", "**{a.b.c.d.e.f.g}**", "at most 6"),
        (
            "**{status}**",
            "**{$status}**",
            "{$status} is not a parameter",
        ),
        ("**{status}**", "**{status|a|b}**", "one | per placeholder"),
        ("**{status}**", "**{{status}}**", "a { inside a placeholder"),
        (
            "\"I can't find order {$order} on your account.\"",
            "\"No {status}.\"",
            "only result.text shows fields",
        ),
        (
            "\"Cancel order {$order}, because: {$reason}?\"",
            "\"Cancel {id}?\"",
            "confirm.en: {id} — only result.text",
        ),
        (
            "\"Cancel order {$order}, because: {$reason}?\"",
            "\"Cancel {$orders}?\"",
            "confirm.en: {$orders} is not a parameter",
        ),
        (
            "text = \"Done: order {$order} is cancelled.\"",
            "",
            "missing field `text`",
        ),
        (
            "[site.action.result]\ntext = { en",
            "[site.action.result]\nshow = 1\ntext = { en",
            "unknown field `show`",
        ),
    ];
    for (from, to, want) in cases {
        let e = mistake(from, to);
        assert!(e.contains(want), "{from:?} → {to:?}: {e}");
        // Every check error says which site it is about.
        if !e.contains("TOML") && !e.contains("unknown") && !e.contains("missing") {
            assert!(e.starts_with("site[0] (\"shop\"): "), "{e}");
        }
    }
    assert!(cases.len() >= 60, "{}", cases.len());
}

#[test]
fn loopback_http_is_for_local_development_only() {
    for ok in [
        "https://api.shop.example",
        "https://api.shop.example:8443",
        "http://127.0.0.1:8791",
        "http://localhost:8791",
        "http://[::1]:8791",
    ] {
        assert_eq!(check::api_origin(ok), Ok(()), "{ok}");
    }
    for bad in [
        "http://10.0.0.1",
        "http://127.0.0.1.evil.example",
        "http://localhost.evil.example",
        "https://api.shop.example/",
        "https://api.shop.example#x",
        "https://api.shop.example?x",
        "https://:443",
    ] {
        assert!(check::api_origin(bad).is_err(), "{bad}");
    }
}

#[test]
fn many_actions_or_parameters_are_refused() {
    let one = SHOP.split("[[site.action]]").nth(1).unwrap();
    let many = format!(
        "{}{}",
        SHOP,
        format!("[[site.action]]{one}").repeat(MAX_ACTIONS)
    );
    let e = config(&many).unwrap_err();
    assert!(e.contains("at most 20 [[site.action]]"), "{e}");
}

#[test]
fn templates_render_fields_params_and_fallbacks() {
    let parts = template::parse("Order {$order}: {status|unknown} ({a.0.b})").unwrap();
    assert_eq!(
        parts,
        [
            Part::Text("Order "),
            Part::Param("order"),
            Part::Text(": "),
            Part::Field(vec!["status"], Some("unknown")),
            Part::Text(" ("),
            Part::Field(vec!["a", "0", "b"], None),
            Part::Text(")"),
        ]
    );
    let answer = json!({"status": "shipped", "a": [{"b": 3}], "eta": null, "n": true});
    let param = |n: &str| (n == "order").then(|| "12345".to_owned());
    let r = |t: &str| template::render(t, &answer, &param);
    assert_eq!(
        r("Order {$order}: {status|unknown} ({a.0.b})").as_deref(),
        Some("Order 12345: shipped (3)")
    );
    assert_eq!(
        r("{eta|no date}").as_deref(),
        Some("no date"),
        "null is missing"
    );
    assert_eq!(r("{n}").as_deref(), Some("true"));
    assert_eq!(r("{eta}"), None, "missing without fallback words");
    assert_eq!(r("{a.5.b}"), None);
    assert_eq!(r("{status.x}"), None);
    assert_eq!(r("{a}"), None, "an array is not words");
    assert_eq!(r("{$reason}"), None, "an unknown parameter");
}

#[test]
fn an_apis_words_can_never_become_markup() {
    for (value, shown) in [
        ("shipped", "shipped"),
        (
            "[click](https://evil.example)",
            "\\[click\\]\\(https://evil.example\\)",
        ),
        (
            "**urgent** _now_ `x`",
            "\\*\\*urgent\\*\\* \\_now\\_ \\`x\\`",
        ),
        (
            "<img src=x onerror=alert(1)>",
            "\\<img src=x onerror=alert\\(1\\)\\>",
        ),
        ("# Heading", "\\# Heading"),
        ("- item", "\\- item"),
        ("1. first", "1\\. first"),
        ("12.50 EUR", "12\\.50 EUR"),
        ("St. Louis - MO", "St. Louis - MO"),
        ("a\nb\r\n\tc  d", "a b c d"),
        ("back\\slash", "back\\\\slash"),
        ("  padded  ", "padded"),
    ] {
        assert_eq!(template::shown(value), shown, "{value:?}");
    }
    let long = "x".repeat(500);
    let s = template::shown(&long);
    assert_eq!(s.chars().count(), template::MAX_SHOWN_CHARS);
    assert!(s.ends_with('…'));
    // Whatever the value, the widget's Markdown reads it back as text only.
    for value in [
        "[a](https://e.x)",
        "<b>x</b>",
        "**x**",
        "`x`",
        "1. x",
        "- x",
        "# x",
    ] {
        let blocks =
            frontdesk_api::markdown::parse(&format!("Status: {}", template::shown(value)), 0);
        for block in &blocks {
            for run in block.items.iter().flatten() {
                assert_eq!(run.target, frontdesk_api::markdown::Target::Text, "{value}");
                assert!(
                    !run.style.bold && !run.style.italic && !run.style.code,
                    "{value}"
                );
            }
        }
        let alone = frontdesk_api::markdown::parse(&template::shown(value), 0);
        assert!(
            alone
                .iter()
                .all(|b| b.kind == frontdesk_api::markdown::Kind::Para),
            "{value}"
        );
    }
}

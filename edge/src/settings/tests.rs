use std::collections::HashMap;

use super::*;

fn read(pairs: &[(&str, &str)]) -> Settings {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    Settings::read(|name| map.get(name).cloned())
}

#[test]
fn nothing_set_is_the_built_in_engine_with_safe_defaults() {
    let s = read(&[]);
    assert_eq!(s.generator, None);
    assert_eq!(s.embedder, None);
    assert_eq!(s.pii, PiiKinds::ALL);
    assert_eq!(s.sinks, SinkSettings::default());
    assert_eq!(s.delivery_backoff_secs, DEFAULT_BACKOFF_SECS);
    assert_eq!(s.retention_days, DEFAULT_RETENTION_DAYS);
    assert_eq!(s.summary_language, "English");
    assert_eq!(
        (s.agent_token, s.admin_token, s.identity_secret),
        (None, None, None)
    );
    assert!(s.sensitive.is_empty());
    assert!(s.problems.is_empty(), "{:?}", s.problems);
}

#[test]
fn an_openai_compatible_provider_needs_its_url_key_and_model() {
    let s = read(&[
        ("AI_PROVIDER", "openai"),
        ("AI_BASE_URL", " http://127.0.0.1:9/v1 "),
        ("AI_API_KEY", "sk-test"),
        ("AI_MODEL", "m"),
        ("AI_TTFT_MS", "1500"),
    ]);
    let g = s.generator.expect("configured");
    assert_eq!(
        g.target,
        Target::OpenAi {
            url: "http://127.0.0.1:9/v1/chat/completions".into(),
            key: Some("sk-test".into())
        }
    );
    assert_eq!((g.model.as_str(), g.ttft.as_millis()), ("m", 1500));
    assert_eq!(g.stall, Duration::from_millis(DEFAULT_STALL_MS));
    // The key and the URL are sensitive: the output guard holds them.
    let names: Vec<&str> = s.sensitive.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["AI_API_KEY", "AI_BASE_URL"]);
    for half in [
        &[
            ("AI_PROVIDER", "openai"),
            ("AI_BASE_URL", "http://x/v1"),
            ("AI_MODEL", "m"),
        ][..],
        &[
            ("AI_PROVIDER", "openai"),
            ("AI_BASE_URL", "http://x/v1"),
            ("AI_API_KEY", "k"),
        ],
        &[("AI_PROVIDER", "gpt"), ("AI_MODEL", "m")],
    ] {
        let s = read(half);
        assert_eq!(s.generator, None, "{half:?}");
        assert_eq!(s.problems.len(), 1, "{half:?}: {:?}", s.problems);
    }
    let s = read(&[("AI_PROVIDER", "workers-ai")]);
    assert_eq!(
        s.generator.map(|g| (g.target, g.model)),
        Some((Target::WorkersAi, DEFAULT_WORKERS_AI_MODEL.into()))
    );
}

#[test]
fn embeddings_fall_back_to_the_generators_url_and_key() {
    let s = read(&[
        ("AI_EMBEDDINGS", "openai"),
        ("AI_BASE_URL", "http://127.0.0.1:9/v1"),
        ("AI_API_KEY", "k"),
        ("AI_EMBEDDING_INPUT_TYPE", "on"),
    ]);
    let e = s.embedder.expect("configured");
    assert_eq!(
        e.target,
        Target::OpenAi {
            url: "http://127.0.0.1:9/v1/embeddings".into(),
            key: Some("k".into())
        }
    );
    assert!(e.input_type);
    assert_eq!(e.model, llm::EMBEDDING_MODEL);
    let s = read(&[("AI_EMBEDDINGS", "openai")]);
    assert_eq!((s.embedder, s.problems.len()), (None, 1));
}

/// A typo never loosens a guard: bad values are reported once and the safe
/// default applies.
#[test]
fn bad_values_are_reported_and_the_safe_default_applies() {
    let s = read(&[
        ("REDACT_PII", "emial"),
        ("AI_HYBRID_THRESHOLDS", "answer=lots"),
        ("LIMIT_MESSAGES_VISITOR", "many"),
        ("AI_SUMMARY_MS", "-5"),
        ("INSIGHTS_QUIET_MS", "soon"),
    ]);
    assert_eq!(s.pii, PiiKinds::ALL);
    assert_eq!(s.hybrid, HybridThresholds::default());
    assert_eq!(s.limits, Limits::default());
    assert_eq!(s.summary_budget, Duration::from_millis(DEFAULT_SUMMARY_MS));
    assert_eq!(s.insights_quiet_ms, insights::DEFAULT_QUIET_MS);
    assert_eq!(s.problems.len(), 5, "{:#?}", s.problems);
}

#[test]
fn a_sink_is_on_only_when_all_it_needs_is_set() {
    let s = read(&[
        ("WEBHOOK_URL", "https://hooks.test/x"),
        ("ZENDESK_URL", "https://acme.zendesk.com"),
        ("ZENDESK_EMAIL", "a@acme.test"),
        ("GITHUB_REPO", "acme/support"),
        ("GITHUB_TOKEN", "gh"),
        ("SLACK_WEBHOOK_URL", "   "),
    ]);
    assert_eq!(s.sinks.webhook, None, "no secret: no webhook");
    assert_eq!(s.sinks.zendesk, None, "no API token: no Zendesk");
    assert_eq!(s.sinks.slack, None, "blank is unset");
    assert_eq!(
        s.sinks.github,
        Some(Github {
            api: "https://api.github.com".into(),
            repo: "acme/support".into(),
            token: "gh".into()
        })
    );
}

#[test]
fn e_mail_is_on_only_when_the_provider_is_whole() {
    let whole = [
        ("EMAIL_PROVIDER", "http"),
        ("EMAIL_API_URL", "https://api.resend.com/emails"),
        ("EMAIL_API_KEY", "re_123"),
        ("EMAIL_FROM", "Lumen support <support@lumen.example>"),
        ("EMAIL_REPLY_DOMAIN", "Reply.Lumen.example"),
    ];
    let s = read(&whole);
    let e = s.email.expect("configured");
    assert_eq!(e.reply_domain, "reply.lumen.example");
    assert_eq!(e.after_secs, 180);
    assert_eq!(e.inbound_secret, None);
    assert!(s.problems.is_empty(), "{:?}", s.problems);
    assert!(s.sensitive.iter().any(|(n, _)| n == "EMAIL_API_KEY"));

    // Each part missing leaves it off and says which.
    for skip in 1..whole.len() {
        let pairs: Vec<_> = whole
            .iter()
            .enumerate()
            .filter(|&(i, _)| i != skip)
            .map(|(_, p)| *p)
            .collect();
        let s = read(&pairs);
        assert_eq!(s.email, None);
        assert!(s.problems[0].contains(whole[skip].0), "{:?}", s.problems);
    }
    for (name, value) in [
        ("EMAIL_PROVIDER", "smtp"),
        ("EMAIL_REPLY_DOMAIN", "reply@lumen.example"),
        ("EMAIL_REPLY_DOMAIN", "localhost"),
    ] {
        let mut pairs = whole.to_vec();
        pairs.retain(|(n, _)| *n != name);
        pairs.push((name, value));
        let s = read(&pairs);
        assert_eq!(s.email, None, "{name}={value}");
        assert_eq!(s.problems.len(), 1);
    }
    // A bad delay is reported and the default applies; a long one is capped
    // at the queue's 12 hours.
    let mut pairs = whole.to_vec();
    pairs.push(("EMAIL_AFTER_SECS", "soon"));
    let s = read(&pairs);
    assert_eq!(s.email.expect("on").after_secs, 180);
    assert_eq!(s.problems.len(), 1);
    pairs.pop();
    pairs.push(("EMAIL_AFTER_SECS", "999999"));
    assert_eq!(read(&pairs).email.expect("on").after_secs, 43_200);
    // No provider at all is no problem.
    assert!(read(&[]).email.is_none());
}

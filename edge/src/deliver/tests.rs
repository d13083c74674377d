//! A ticket's delivery natively (`ports::world`): the request each sink
//! gets, and what an attempt records and asks of the queue.

use frontdesk_shared::tickets::webhook;

use super::*;
use crate::db::sqlite::block_on;
use crate::ports::world::{new_ticket, World, WEBHOOK_SECRET};
use crate::settings::{Github, Zendesk};

const TIMEOUT_MS: u64 = 10_000;

#[test]
fn routes_name_exactly_these_sinks() {
    let ours: Vec<&str> = [Sink::Webhook, Sink::Slack, Sink::Zendesk, Sink::Github]
        .into_iter()
        .map(Sink::as_str)
        .collect();
    assert_eq!(ours, routing::SINK_NAMES);
    for name in routing::SINK_NAMES {
        assert_eq!(Sink::parse(name).map(Sink::as_str), Some(*name));
    }
}

fn job(reference: &str, sink: Sink) -> Job {
    Job {
        reference: reference.to_owned(),
        sink,
    }
}

/// The delivery's status, attempts and last error.
fn row(w: &World, reference: &str, sink: Sink) -> (String, i64, Option<String>) {
    w.db.with(|c| {
        c.query_row(
            "SELECT status, attempts, last_error FROM deliveries \
             WHERE ticket_reference = ?1 AND sink = ?2",
            rusqlite::params![reference, sink.as_str()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap()
    })
}

fn header<'a>(r: &'a Request, name: &str) -> &'a str {
    r.headers
        .iter()
        .find(|(k, _)| *k == name)
        .map_or_else(|| panic!("no {name} header in {r:?}"), |(_, v)| v.as_str())
}

#[test]
fn a_pending_delivery_is_sent_once_and_recorded_delivered() {
    let w = World::new();
    block_on(async {
        let (t, sinks) = new_ticket(&w).await;
        assert!(sinks.contains(&Sink::Webhook), "{sinks:?}");
        let got = attempt(&w, &job(&t.reference, Sink::Webhook), TIMEOUT_MS)
            .await
            .unwrap();
        assert_eq!(got, Outcome::Done);
        assert_eq!(w.posts.borrow().len(), 1);
        assert_eq!(
            row(&w, &t.reference, Sink::Webhook),
            ("delivered".into(), 1, None)
        );
        // Delivered: a second message for it sends nothing.
        let again = attempt(&w, &job(&t.reference, Sink::Webhook), TIMEOUT_MS)
            .await
            .unwrap();
        assert_eq!(again, Outcome::Done);
        assert_eq!(w.posts.borrow().len(), 1);
        assert_eq!(row(&w, &t.reference, Sink::Webhook).1, 1);
    });
}

#[test]
fn a_webhook_gets_the_ticket_json_signed_with_standard_webhooks_headers() {
    let w = World::new();
    block_on(async {
        let (t, _) = new_ticket(&w).await;
        attempt(&w, &job(&t.reference, Sink::Webhook), TIMEOUT_MS)
            .await
            .unwrap();
        let posts = w.posts.borrow();
        let post = &posts[0];
        assert_eq!(post.url, "https://hooks.example.com/frontdesk");
        let id = post.header("webhook-id").unwrap();
        assert_eq!(id, format!("msg_{}_webhook", t.reference));
        let ts: i64 = post.header("webhook-timestamp").unwrap().parse().unwrap();
        assert_eq!(ts, w.now.get() / 1000);
        let signature = post.header("webhook-signature").unwrap();
        webhook::verify(WEBHOOK_SECRET, id, ts, &post.body, signature, ts).unwrap();
        let body: serde_json::Value = serde_json::from_str(&post.body).unwrap();
        assert_eq!(body["type"], "ticket.created");
        assert_eq!(body["data"]["reference"], t.reference.as_str());
        assert_eq!(body["data"]["requester"]["email"], "ada@example.com");
    });
}

#[test]
fn a_failed_call_is_recorded_with_its_error_and_retried_with_the_attempt_count() {
    let w = World::new();
    block_on(async {
        let (t, _) = new_ticket(&w).await;
        w.answers
            .borrow_mut()
            .push_back(Err("HTTP 500: upstream down".into()));
        let got = attempt(&w, &job(&t.reference, Sink::Slack), TIMEOUT_MS)
            .await
            .unwrap();
        assert_eq!(got, Outcome::Retry(1));
        assert_eq!(
            row(&w, &t.reference, Sink::Slack),
            ("pending".into(), 1, Some("HTTP 500: upstream down".into()))
        );
        assert_eq!(
            w.posts.borrow()[0].url,
            "https://hooks.slack.com/services/T0/B0/x"
        );
        // The next attempt succeeds.
        let got = attempt(&w, &job(&t.reference, Sink::Slack), TIMEOUT_MS)
            .await
            .unwrap();
        assert_eq!(got, Outcome::Done);
        assert_eq!(
            row(&w, &t.reference, Sink::Slack),
            ("delivered".into(), 2, None)
        );
    });
}

#[test]
fn the_last_allowed_failure_makes_the_delivery_dead() {
    let w = World::new();
    block_on(async {
        let (t, _) = new_ticket(&w).await;
        let j = job(&t.reference, Sink::Webhook);
        for n in 1..=MAX_ATTEMPTS {
            w.answers
                .borrow_mut()
                .push_back(Err(format!("HTTP 503: try {n}")));
            let got = attempt(&w, &j, TIMEOUT_MS).await.unwrap();
            if n < MAX_ATTEMPTS {
                assert_eq!(got, Outcome::Retry(n));
            } else {
                assert_eq!(got, Outcome::Done);
            }
        }
        assert_eq!(
            row(&w, &t.reference, Sink::Webhook),
            (
                "dead".into(),
                MAX_ATTEMPTS,
                Some(format!("HTTP 503: try {MAX_ATTEMPTS}"))
            )
        );
        // Dead: nothing more is sent.
        assert_eq!(attempt(&w, &j, TIMEOUT_MS).await.unwrap(), Outcome::Done);
        assert_eq!(w.posts.borrow().len(), MAX_ATTEMPTS as usize);
    });
}

#[test]
fn a_missing_delivery_sends_nothing() {
    let w = World::new();
    block_on(async {
        let (t, _) = new_ticket(&w).await;
        // No such ticket, and a sink this ticket has no delivery to.
        for j in [
            job("FD-NOPE-NOPE", Sink::Webhook),
            job(&t.reference, Sink::Github),
        ] {
            assert_eq!(attempt(&w, &j, TIMEOUT_MS).await.unwrap(), Outcome::Done);
        }
        assert!(w.posts.borrow().is_empty());
    });
}

#[test]
fn an_unconfigured_sink_fails_naming_the_missing_settings() {
    let mut w = World::new();
    block_on(async {
        let (t, _) = new_ticket(&w).await;
        // The webhook's settings went away after the ticket was routed.
        w.sinks.webhook = None;
        let got = attempt(&w, &job(&t.reference, Sink::Webhook), TIMEOUT_MS)
            .await
            .unwrap();
        assert_eq!(got, Outcome::Retry(1));
        assert!(w.posts.borrow().is_empty());
        assert_eq!(
            row(&w, &t.reference, Sink::Webhook).2.as_deref(),
            Some("WEBHOOK_URL or WEBHOOK_SECRET is not set")
        );
        let ticket = t.clone();
        let none = SinkSettings::default();
        for (sink, names) in [
            (Sink::Slack, "SLACK_WEBHOOK_URL"),
            (
                Sink::Zendesk,
                "ZENDESK_URL, ZENDESK_EMAIL or ZENDESK_API_TOKEN",
            ),
            (Sink::Github, "GITHUB_REPO or GITHUB_TOKEN"),
        ] {
            assert_eq!(
                request(&none, sink, &ticket, "msg_x", 0),
                Err(format!("{names} is not set"))
            );
        }
    });
}

#[test]
fn zendesk_gets_basic_auth_with_the_api_token() {
    let w = World::new();
    let (t, _) = block_on(new_ticket(&w));
    let sinks = SinkSettings {
        zendesk: Some(Zendesk {
            url: "https://acme.zendesk.com/".into(),
            email: "ops@acme.test".into(),
            token: "tok123".into(),
        }),
        ..SinkSettings::default()
    };
    let r = request(&sinks, Sink::Zendesk, &t, "msg_x", w.now.get()).unwrap();
    assert_eq!(r.url, "https://acme.zendesk.com/api/v2/tickets.json");
    let expected = format!("Basic {}", STANDARD.encode("ops@acme.test/token:tok123"));
    assert_eq!(header(&r, "authorization"), expected);
    let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert!(body.get("ticket").is_some(), "{body}");
}

#[test]
fn github_issues_go_to_the_configured_api() {
    let w = World::new();
    let (t, _) = block_on(new_ticket(&w));
    let sinks = SinkSettings {
        github: Some(Github {
            api: "https://github.acme.test/api/v3/".into(),
            repo: "acme/support".into(),
            token: "ghp_x".into(),
        }),
        ..SinkSettings::default()
    };
    let r = request(&sinks, Sink::Github, &t, "msg_x", w.now.get()).unwrap();
    assert_eq!(
        r.url,
        "https://github.acme.test/api/v3/repos/acme/support/issues"
    );
    assert_eq!(header(&r, "authorization"), "Bearer ghp_x");
    assert_eq!(header(&r, "accept"), "application/vnd.github+json");
    assert_eq!(header(&r, "x-github-api-version"), "2022-11-28");
    assert_eq!(header(&r, "user-agent"), "frontdesk");
    let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert!(body["title"].as_str().unwrap().contains(&t.reference));
}

#[test]
fn queue_messages_are_deliveries_or_e_mails_by_their_fields() {
    use crate::deliver::{QueueJob, Work};
    use crate::email;
    let delivery = serde_json::to_string(&Job {
        reference: "FD-AAAA2222".into(),
        sink: Sink::Slack,
    })
    .unwrap();
    let read = |s: &str| serde_json::from_str::<QueueJob>(s).unwrap().work();
    assert!(matches!(
        read(&delivery),
        Work::Delivery(Job { reference, sink: Sink::Slack }) if reference == "FD-AAAA2222"
    ));
    let mail = email::Job {
        conversation: "c1".into(),
        base: "https://support.example".into(),
        attempt: 2,
    };
    let sent = serde_json::to_string(&QueueJob::email(&mail)).unwrap();
    assert!(matches!(read(&sent), Work::Email(j) if j == mail));
    // Without its count (as first queued by an older worker): attempt 0.
    let old = r#"{"conversation":"c1","base":"https://support.example"}"#;
    assert!(matches!(read(old), Work::Email(j) if j.attempt == 0));
    for junk in ["{}", r#"{"reference":"FD-AAAA2222"}"#, r#"{"base":"x"}"#] {
        assert!(matches!(read(junk), Work::Unknown), "{junk}");
    }
}

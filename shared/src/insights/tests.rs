use super::*;
use frontdesk_api::error::ErrorCode;

const NOW: i64 = 1_795_000_000_000;
const MIN: i64 = 60_000;

fn visitor(body: &str, at: i64) -> Message {
    Message {
        role: Role::Visitor,
        body: body.into(),
        decision: None,
        reason: None,
        lang: None,
        sources: vec![],
        rating: None,
        at,
    }
}

fn bot(decision: Decision, reason: Option<EscalationReason>, lang: &str, at: i64) -> Message {
    let sources = match decision {
        Decision::Answer => vec![source("Export data")],
        Decision::Suggest => vec![source("Export data"), source("Billing")],
        _ => vec![],
    };
    Message {
        role: Role::Bot,
        body: "reply".into(),
        decision: Some(decision),
        reason,
        lang: Some(lang.into()),
        sources,
        rating: None,
        at,
    }
}

fn source(title: &str) -> Source {
    Source {
        title: title.into(),
        url: format!("/help/{}", title.to_lowercase().replace(' ', "-")),
    }
}

fn rated(mut m: Message, r: Rating) -> Message {
    m.rating = Some(r);
    m
}

fn conv(id: &str, messages: Vec<Message>) -> Conversation {
    Conversation {
        id: id.into(),
        site: "demo".into(),
        started: messages.first().map_or(NOW, |m| m.at),
        messages,
        tickets: vec![],
        actions: vec![],
    }
}

/// A question the bot could not answer, in `lang`.
fn unanswerable(id: &str, q: &str, lang: &str, at: i64) -> Conversation {
    conv(
        id,
        vec![
            visitor(q, at),
            bot(
                Decision::Escalate,
                Some(EscalationReason::NoMatch),
                lang,
                at,
            ),
        ],
    )
}

#[test]
fn periods_read_dates_and_days_and_refuse_the_rest() {
    let p = period(None, None, NOW).unwrap();
    assert_eq!((p.from_ms, p.to_ms), (NOW - 30 * DAY_MS, NOW));
    let p = period(Some("7d"), None, NOW).unwrap();
    assert_eq!(p.from_ms, NOW - 7 * DAY_MS);
    let p = period(Some("90"), Some("0"), NOW).unwrap();
    assert_eq!((p.from_ms, p.to_ms), (NOW - 90 * DAY_MS, NOW));
    let p = period(Some("2026-11-01"), Some("2026-11-01"), NOW).unwrap();
    assert_eq!(iso_time(p.from_ms), "2026-11-01T00:00:00Z");
    assert_eq!(p.to_ms - p.from_ms, DAY_MS, "a `to` date includes its day");
    let field = |from: Option<&str>, to: Option<&str>| {
        let e = period(from, to, NOW).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidField);
        e.field.unwrap()
    };
    let p = period(
        Some("2026-11-01T10:20:30.456Z"),
        Some("2026-11-01T10:20:31Z"),
        NOW,
    )
    .unwrap();
    assert_eq!(p.to_ms - p.from_ms, 544);
    assert_eq!(iso_time(p.to_ms), "2026-11-01T10:20:31Z");
    assert_eq!(field(Some("yesterday"), None), "from");
    assert_eq!(field(Some("2026-11-01T24:00:00Z"), None), "from");
    assert_eq!(field(Some("2026-11-01T10:20:30+01:00"), None), "from");
    assert_eq!(field(Some("2026-11-01T10:20:30.4Z"), None), "from");
    assert_eq!(field(Some("2026-02-30"), None), "from");
    assert_eq!(field(None, Some("2026-13-01")), "to");
    assert_eq!(field(Some("-3"), None), "from");
    assert_eq!(field(Some("99999"), None), "from");
    assert_eq!(
        field(Some("1d"), Some("2d")),
        "from",
        "ends before it starts"
    );
    assert_eq!(field(Some("400"), None), "from", "longer than a year");
}

#[test]
fn dates_round_trip() {
    for (date, days) in [
        ("1970-01-01", 0),
        ("2000-02-29", 11_016),
        ("2026-11-23", 20_780),
    ] {
        assert_eq!(parse_date(date), Some(days));
        assert_eq!(iso_time(days * DAY_MS), format!("{date}T00:00:00Z"));
    }
    assert_eq!(iso_time(DAY_MS + 3_723_000), "1970-01-02T01:02:03Z");
    assert_eq!(parse_date("2025-02-29"), None);
    assert_eq!(parse_date("2026-1-01"), None);
    assert_eq!(parse_date("+026-01-01"), None);
}

#[test]
fn outcomes_tell_confirmed_from_assumed() {
    let old = NOW - 2 * 60 * MIN;
    let answer = || bot(Decision::Answer, None, "en", old + MIN);
    let ask = || visitor("how do I export?", old);
    let outcome = |c: Conversation| summarize(&c, NOW, DEFAULT_QUIET_MS).outcome;
    // A thumbs up on the answer.
    assert_eq!(
        outcome(conv("a", vec![ask(), rated(answer(), Rating::Up)])),
        Outcome::Confirmed
    );
    // "thanks, that solved it" after the answer.
    let thanks = vec![
        ask(),
        answer(),
        visitor("thanks, that solved it", old + 2 * MIN),
        bot(Decision::SmallTalk, None, "en", old + 2 * MIN),
    ];
    assert_eq!(outcome(conv("b", thanks)), Outcome::Confirmed);
    // German.
    let danke = vec![
        visitor("Wie exportiere ich?", old),
        bot(Decision::Answer, None, "de", old),
        visitor("Danke, das hat geholfen!", old + MIN),
    ];
    assert_eq!(outcome(conv("b2", danke)), Outcome::Confirmed);
    // Thanks after a suggestion confirms nothing.
    let polite = vec![
        ask(),
        bot(Decision::Suggest, None, "en", old),
        visitor("thanks", old + MIN),
        bot(Decision::SmallTalk, None, "en", old + MIN),
    ];
    assert_eq!(outcome(conv("c", polite)), Outcome::Unresolved);
    // Quiet after the answer: assumed, once N minutes have passed.
    assert_eq!(outcome(conv("d", vec![ask(), answer()])), Outcome::Assumed);
    let recent = vec![
        visitor("how do I export?", NOW - MIN),
        bot(Decision::Answer, None, "en", NOW - MIN),
    ];
    assert_eq!(outcome(conv("e", recent.clone())), Outcome::Pending);
    let e = conv("e", recent);
    assert_eq!(
        summarize(&e, NOW, MIN).outcome,
        Outcome::Assumed,
        "N is a setting"
    );
    // Rated down, or the visitor wrote again: not assumed.
    assert_eq!(
        outcome(conv("f", vec![ask(), rated(answer(), Rating::Down)])),
        Outcome::Unresolved
    );
    assert_eq!(
        outcome(conv(
            "g",
            vec![ask(), answer(), visitor("and as PDF?", old)]
        )),
        Outcome::Unresolved
    );
    // A ticket wins over everything.
    let mut t = conv("h", vec![ask(), rated(answer(), Rating::Up)]);
    t.tickets.push(Ticket {
        topic: Some("billing".into()),
        priority: Some("high".into()),
    });
    assert_eq!(outcome(t), Outcome::Ticket);
}

#[test]
fn the_report_counts_turns_reasons_articles_and_tickets() {
    let old = NOW - DAY_MS;
    let mut with_ticket = conv(
        "t",
        vec![
            visitor("I want a refund, talk to a human", old),
            bot(
                Decision::Escalate,
                Some(EscalationReason::Requested),
                "en",
                old,
            ),
        ],
    );
    with_ticket.tickets.push(Ticket {
        topic: Some("billing".into()),
        priority: None,
    });
    let convs = vec![
        conv(
            "a",
            vec![
                visitor("how do I export?", old),
                rated(bot(Decision::Answer, None, "en", old), Rating::Up),
            ],
        ),
        conv(
            "b",
            vec![
                visitor("hallo", old),
                bot(Decision::SmallTalk, None, "de", old),
                visitor("Export?", old),
                rated(bot(Decision::Answer, None, "de", old), Rating::Down),
                visitor("Kosten?", old),
                bot(Decision::Suggest, None, "de", old),
            ],
        ),
        unanswerable("c", "do you have a desktop app for linux?", "en", old),
        with_ticket,
    ];
    let r = report(&convs, NOW, DEFAULT_QUIET_MS);
    assert_eq!(r.conversations.total, 4);
    assert_eq!(
        r.conversations.by_lang,
        vec![
            Count {
                key: "en".into(),
                count: 3
            },
            Count {
                key: "de".into(),
                count: 1
            },
        ]
    );
    let b = &r.bot_turns;
    assert_eq!(
        (b.total, b.answered, b.suggested, b.escalated, b.small_talk),
        (6, 2, 1, 2, 1)
    );
    assert!((b.answered_share - 2.0 / 6.0).abs() < 1e-9);
    let reason = |k: &str| {
        r.escalation_reasons
            .iter()
            .find(|c| c.key == k)
            .unwrap()
            .count
    };
    assert_eq!(
        (
            reason("requested"),
            reason("no_match"),
            reason("frustrated")
        ),
        (1, 1, 0)
    );
    assert_eq!(r.escalation_reasons.len(), 5);
    let export = &r.articles[0];
    assert_eq!(
        (export.title.as_str(), export.answers, export.suggestions),
        ("Export data", 2, 1)
    );
    assert_eq!((export.thumbs_up, export.thumbs_down), (1, 1));
    assert_eq!(r.articles[1].title, "Billing");
    assert_eq!(r.tickets.total, 1);
    assert_eq!(r.tickets.by_topic[0].key, "billing");
    assert_eq!(r.tickets.by_priority[0].key, "none");
    assert_eq!(
        (
            r.resolutions.confirmed,
            r.resolutions.ticket,
            r.resolutions.unresolved
        ),
        (1, 1, 2)
    );
    assert_eq!(r.unanswered_total, 2, "the suggestion and the no-match");
}

#[test]
fn paraphrases_in_two_languages_form_one_group() {
    let at = |m: i64| NOW - DAY_MS + m * MIN;
    let convs = vec![
        unanswerable("c1", "do you have a desktop app for linux?", "en", at(1)),
        unanswerable("c2", "Is there a Linux version?", "en", at(2)),
        unanswerable("c3", "Gibt es eine Linux-App?", "de", at(3)),
        unanswerable("c4", "Can I pay with bitcoin?", "en", at(4)),
        unanswerable("c5", "do you accept bitcoin payments", "en", at(5)),
        unanswerable("c6", "what is the airspeed of a swallow", "en", at(6)),
        // Thanks and greetings are never questions.
        unanswerable("c7", "thanks!", "en", at(7)),
    ];
    let r = report(&convs, NOW, DEFAULT_QUIET_MS);
    assert_eq!(r.unanswered_total, 6);
    let linux = &r.unanswered[0];
    assert_eq!(linux.count, 3, "{:#?}", r.unanswered);
    let mut ids = linux.conversations.clone();
    ids.sort();
    assert_eq!(ids, ["c1", "c2", "c3"]);
    assert_eq!(linux.languages, ["de", "en"]);
    // The German one shares "linux" and "app" with both others.
    assert_eq!(linux.representative, "Gibt es eine Linux-App?");
    let bitcoin = &r.unanswered[1];
    assert_eq!(bitcoin.count, 2, "{:#?}", r.unanswered);
    assert_eq!(r.unanswered[2].count, 1);
    assert_eq!(r.unanswered.len(), 3);
}

#[test]
fn unrelated_questions_stay_apart() {
    let q = |t: &str| Question {
        conversation: t.into(),
        text: t.into(),
        lang: "en".into(),
        at: 0,
    };
    let qs = vec![
        q("does the app support dark mode"),
        q("desktop app for linux"),
        q("refund my order please"),
    ];
    let groups = group(&qs, 10);
    assert_eq!(groups.len(), 3, "{groups:#?}");
    assert!(groups.iter().all(|g| g.count == 1));
    assert_eq!(similarity(&[], &["a".into()]), 0.0);
}

#[test]
fn csv_quotes_and_defuses_formulas() {
    let table = Table {
        columns: &["a", "b"],
        rows: vec![
            vec![Cell::Text("=HYPERLINK(\"x\")".into()), Cell::Int(-3)],
            vec![Cell::Text("plain".into()), Cell::Text("a, \"b\"\nc".into())],
            vec![Cell::Text("+1".into()), Cell::Text("@sum".into())],
            vec![Cell::Text("-2".into()), Cell::Text("".into())],
        ],
    };
    assert_eq!(
        to_csv(&table),
        "a,b\r\n\"'=HYPERLINK(\"\"x\"\")\",-3\r\nplain,\"a, \"\"b\"\"\nc\"\r\n'+1,'@sum\r\n'-2,\r\n"
    );
    let json = to_json(&table);
    assert_eq!(json[0]["b"], -3);
    assert_eq!(json[1]["b"], "a, \"b\"\nc", "JSON keeps the text as it is");
}

#[test]
fn exports_have_a_row_per_item() {
    let old = NOW - DAY_MS;
    let convs = vec![
        unanswerable("c1", "is there a linux version", "en", old),
        unanswerable("c2", "linux app?", "en", old + 1),
        conv(
            "c3",
            vec![
                visitor("export", old),
                rated(bot(Decision::Answer, None, "en", old), Rating::Up),
            ],
        ),
    ];
    let t = export(ExportKind::Conversations, &convs, NOW, DEFAULT_QUIET_MS);
    assert_eq!(t.rows.len(), 3);
    assert_eq!(t.rows[2][13], Cell::Text("confirmed".into()));
    let t = export(ExportKind::Questions, &convs, NOW, DEFAULT_QUIET_MS);
    assert_eq!(t.rows.len(), 2);
    assert!(t
        .rows
        .iter()
        .all(|r| r[0] == Cell::Int(1) && r[2] == Cell::Int(2)));
    let t = export(ExportKind::Articles, &convs, NOW, DEFAULT_QUIET_MS);
    assert_eq!(t.rows[0][4], Cell::Int(1));
    assert_eq!(
        ExportKind::parse("tickets").unwrap_err().field.as_deref(),
        Some("kind")
    );
    assert_eq!(
        ExportFormat::parse("xml").unwrap_err().field.as_deref(),
        Some("format")
    );
}

#[test]
fn actions_are_counted_by_how_they_ended() {
    let attempt = |action: &str, status: &str| crate::insights::ActionAttempt {
        action: action.into(),
        status: status.into(),
    };
    let mut a = conv("a", vec![]);
    a.actions = vec![
        attempt("order_status", "succeeded"),
        attempt("order_status", "not_found"),
        attempt("cancel_order", "unknown"),
        attempt("cancel_order", "cancelled"),
    ];
    let mut b = conv("b", vec![]);
    b.actions = vec![
        attempt("order_status", "failed"),
        attempt("cancel_order", "gave_up"),
    ];
    let r = report(&[a, b, conv("c", vec![])], NOW, 1);
    let x = &r.actions;
    assert_eq!(
        (x.used, x.succeeded, x.failed, x.unknown, x.stopped),
        (6, 2, 1, 1, 2)
    );
    let by: Vec<(&str, u64, u64, u64)> = x
        .by_action
        .iter()
        .map(|c| (c.action.as_str(), c.used, c.succeeded, c.failed))
        .collect();
    assert_eq!(by, [("cancel_order", 3, 0, 1), ("order_status", 3, 2, 1)]);
}

use super::*;

fn entry(role: Role, text: &str, decision: Option<Decision>, sources: &[&str]) -> TranscriptEntry {
    TranscriptEntry {
        role,
        text: text.into(),
        at: 0,
        decision,
        sources: sources
            .iter()
            .map(|t| Source {
                title: (*t).into(),
                url: format!("/help/{}", t.to_lowercase().replace(' ', "-")),
            })
            .collect(),
        rating: None,
    }
}

fn ticket(transcript: Vec<TranscriptEntry>, note: Option<&str>, topic: Option<&str>) -> Ticket {
    build(TicketInput {
        reference: "FD-TEST0000",
        conversation_id: "c",
        created_at: 1,
        requester: Requester::unverified("ana@example.com"),
        note,
        page_url: Some("https://example.com/pricing"),
        transcript,
        always_human_topic: topic,
        site: None,
        earlier: 0,
        actions: Vec::new(),
    })
}

#[test]
fn a_ticket_of_a_huge_conversation_stays_small() {
    // 2,000 messages of the longest text an agent may send, in the
    // characters that cost the most: 4-byte UTF-8, and quotes that JSON
    // doubles. The worker reads the last TICKET_MESSAGES (and counts the
    // rest); build must still bound what it is given.
    let long = "\"😀".repeat(2_000);
    let all: Vec<TranscriptEntry> = (0..2_000)
        .map(|i| {
            let role = [Role::Visitor, Role::Bot, Role::Agent][i % 3];
            let decision = (role == Role::Bot).then_some(Decision::Suggest);
            entry(role, &long, decision, &["An article", "Another", "Third"])
        })
        .collect();
    let t = build(TicketInput {
        transcript: all,
        earlier: 5,
        ..input()
    });
    assert_eq!(t.transcript.len(), TICKET_MESSAGES);
    assert_eq!(t.transcript_omitted, 2_000 - TICKET_MESSAGES as u64 + 5);
    for e in &t.transcript {
        assert_eq!(
            e.text.chars().count(),
            TICKET_MESSAGE_CHARS,
            "clipped, with …"
        );
        assert!(e.text.ends_with('…'));
    }
    // The newest messages are kept, not the oldest.
    assert_eq!(
        t.transcript[0].role,
        [Role::Visitor, Role::Bot, Role::Agent][1_900 % 3]
    );
    assert_eq!(
        t.transcript[99].role,
        [Role::Visitor, Role::Bot, Role::Agent][1_999 % 3]
    );
    let document = serde_json::to_string(&t).unwrap();
    println!("ticket document: {} bytes", document.len());
    // Stored once (tickets.document), with room to spare under D1's 2 MB.
    assert!(document.len() < 1_500_000, "{} bytes", document.len());
    let back: Ticket = serde_json::from_str(&document).unwrap();
    assert_eq!(back.transcript_omitted, t.transcript_omitted);
}

#[test]
fn a_short_conversation_is_carried_whole_and_omits_nothing() {
    let t = build(TicketInput {
        transcript: vec![entry(Role::Visitor, "short", None, &[])],
        ..input()
    });
    assert_eq!(t.transcript.len(), 1);
    assert_eq!(t.transcript[0].text, "short");
    assert_eq!(t.transcript_omitted, 0);
    let document = serde_json::to_string(&t).unwrap();
    assert!(!document.contains("transcript_omitted"), "{document}");
    let mut exact = "é".repeat(TICKET_MESSAGE_CHARS);
    clip_text(&mut exact, TICKET_MESSAGE_CHARS);
    assert_eq!(
        exact.chars().count(),
        TICKET_MESSAGE_CHARS,
        "not cut at the limit"
    );
}

fn input() -> TicketInput<'static> {
    TicketInput {
        reference: "FD-TEST0000",
        conversation_id: "c",
        created_at: 1,
        requester: Requester::unverified("ana@example.com"),
        note: None,
        page_url: None,
        transcript: Vec::new(),
        always_human_topic: None,
        site: None,
        earlier: 0,
        actions: Vec::new(),
    }
}

#[test]
fn a_billing_problem_is_urgent_and_summarized_in_the_visitors_words() {
    let t = ticket(
        vec![
            entry(Role::Visitor, "hi", None, &[]),
            entry(Role::Bot, "Hello!", Some(Decision::SmallTalk), &[]),
            entry(
                Role::Visitor,
                "I was charged twice for my Team plan this month",
                None,
                &[],
            ),
            entry(
                Role::Bot,
                "Is it about one of these?",
                Some(Decision::Suggest),
                &["Refund policy", "Plans and pricing"],
            ),
            entry(
                Role::Visitor,
                "this is useless, I want my money back",
                None,
                &[],
            ),
            entry(
                Role::Bot,
                "A person can help.",
                Some(Decision::Escalate),
                &[],
            ),
        ],
        Some("Please refund the second charge"),
        None,
    );
    assert_eq!(t.schema, TICKET_SCHEMA);
    assert_eq!(t.triage.priority.value, Priority::Urgent);
    assert!(t
        .triage
        .priority_signals
        .contains(&"charged twice".to_owned()));
    assert_eq!(t.triage.sentiment.value, Sentiment::Negative);
    assert_eq!(t.triage.topic.value, "Refund policy");
    assert_eq!(t.triage.language.value, "en");
    assert!(
        t.summary
            .text
            .starts_with("I was charged twice for my Team plan this month"),
        "{}",
        t.summary.text
    );
    assert!(t.summary.text.contains("Refund policy"));
    assert_eq!(t.bot_attempts.len(), 2, "small talk is not an attempt");
    assert_eq!(
        t.bot_attempts[0].question,
        "I was charged twice for my Team plan this month"
    );
    let json = serde_json::to_value(&t).unwrap();
    assert_eq!(json["triage"]["priority"]["value"], "urgent");
    assert_eq!(json["status"], "open");
}

#[test]
fn login_trouble_in_german_is_high_priority_in_german() {
    let t = ticket(
        vec![entry(
            Role::Visitor,
            "Ich kann mich nicht anmelden, es ist dringend",
            None,
            &[],
        )],
        None,
        None,
    );
    assert_eq!(t.triage.priority.value, Priority::High);
    assert_eq!(t.triage.language.value, "de");
    assert_eq!(t.triage.topic.value, "general");
}

#[test]
fn always_human_topics_and_calm_questions() {
    let t = ticket(
        vec![entry(
            Role::Visitor,
            "How do I export my notes? Thanks!",
            None,
            &[],
        )],
        None,
        Some("legal"),
    );
    assert_eq!(t.triage.topic.value, "legal");
    assert_eq!(t.triage.priority.value, Priority::Normal);
    assert_eq!(t.triage.sentiment.value, Sentiment::Positive);
    let empty = ticket(vec![], None, None);
    assert!(empty.summary.text.contains("without writing"));
    assert_eq!(empty.triage.language.value, "und");
}

#[test]
fn a_change_nobody_knows_the_outcome_of_needs_a_person_soon() {
    let tried = |status: &str| crate::tickets::ActionTried {
        action: "cancel_order".into(),
        values: [("order".to_owned(), serde_json::json!("10002"))].into(),
        status: status.into(),
        at: 1,
    };
    let calm = vec![entry(Role::Visitor, "a question about my order", None, &[])];
    let with = |status: &str| {
        build(TicketInput {
            transcript: calm.clone(),
            actions: vec![tried(status)],
            ..input()
        })
    };
    assert_eq!(with("succeeded").triage.priority.value, Priority::Normal);
    let t = with("unknown");
    assert_eq!(t.triage.priority.value, Priority::High);
    assert_eq!(t.actions[0].line(), "cancel_order (order 10002): unknown");
    let json = serde_json::to_value(&t).unwrap();
    assert_eq!(json["actions"][0]["status"], "unknown");
    // A ticket without actions keeps its old shape.
    assert!(serde_json::to_value(build(input()))
        .unwrap()
        .get("actions")
        .is_none());
}

//! What each delivery sink receives for a ticket: the generic webhook event
//! (Standard Webhooks payload shape), a Slack Block Kit message, a Zendesk
//! create-ticket request and a GitHub create-issue request. Pure builders;
//! the worker signs and sends them. Visitor text is untrusted everywhere:
//! escaped for Slack's mrkdwn, quoted and defused in GitHub Markdown, plain
//! text for Zendesk.

use serde::Serialize;
use serde_json::{json, Value};

use crate::tickets::{Priority, Sentiment, Ticket};
use frontdesk_api::wire::Role;

/// Event type of a new ticket.
pub const TICKET_CREATED: &str = "ticket.created";

/// The generic webhook body: `{"type", "timestamp", "data"}` as the Standard
/// Webhooks specification recommends; `timestamp` is RFC 3339.
#[derive(Debug, Serialize)]
pub struct WebhookEvent<'a> {
    /// The event type, serialized as `type`: [`TICKET_CREATED`].
    #[serde(rename = "type")]
    pub kind: &'a str,
    /// When the ticket was created, RFC 3339 UTC with milliseconds.
    pub timestamp: String,
    /// The whole ticket document.
    pub data: &'a Ticket,
}

/// The webhook body for a new ticket, as sent (and signed).
pub fn webhook_body(ticket: &Ticket) -> String {
    let event = WebhookEvent {
        kind: TICKET_CREATED,
        timestamp: rfc3339(ticket.created_at),
        data: ticket,
    };
    serde_json::to_string(&event).expect("a ticket always serializes")
}

fn priority_word(p: Priority) -> &'static str {
    match p {
        Priority::Low => "low",
        Priority::Normal => "normal",
        Priority::High => "high",
        Priority::Urgent => "urgent",
    }
}

fn sentiment_word(s: Sentiment) -> &'static str {
    match s {
        Sentiment::Negative => "negative",
        Sentiment::Neutral => "neutral",
        Sentiment::Positive => "positive",
    }
}

/// Slack mrkdwn: `&`, `<` and `>` must be escaped, or `<!channel>` and
/// links could be injected.
fn slack_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// A readable Slack incoming-webhook message: who, how urgent, the summary,
/// the classification, what the bot tried, and a button to the ticket when
/// `ticket_url` is given.
pub fn slack_message(ticket: &Ticket, ticket_url: Option<&str>) -> Value {
    let t = &ticket.triage;
    let headline = format!(
        "{} {} ticket {} from {}",
        match t.priority.value {
            Priority::Urgent => "🔴",
            Priority::High => "🟠",
            _ => "🟢",
        },
        priority_word(t.priority.value),
        ticket.reference,
        ticket.requester.email
    );
    let field = |label: &str, value: String| json!({"type": "mrkdwn", "text": format!("*{label}*\n{}", slack_escape(&value))});
    let mut blocks = vec![
        json!({"type": "header", "text": {"type": "plain_text", "text": clip(&headline, 150)}}),
        json!({"type": "section", "text": {"type": "mrkdwn", "text": format!(">{}", slack_escape(&clip(&ticket.summary.text, 2900)))}}),
        json!({"type": "section", "fields": [
            field("Topic", ticket.triage.topic.value.clone()),
            field("Priority", priority_word(t.priority.value).to_owned()),
            field("Sentiment", sentiment_word(t.sentiment.value).to_owned()),
            field("Language", t.language.value.clone()),
            field("Email", format!("{}{}", ticket.requester.email, if ticket.requester.verified { " (verified)" } else { "" })),
            field("Page", ticket.page_url.clone().unwrap_or_else(|| "—".into())),
        ]}),
    ];
    if let Some(site) = &ticket.site {
        blocks.insert(
            2,
            json!({"type": "section", "text": {"type": "mrkdwn", "text": format!("*Site:* {}", slack_escape(&site_label(site)))}}),
        );
    }
    if let Some(team) = team(ticket) {
        blocks.insert(
            2,
            json!({"type": "section", "text": {"type": "mrkdwn", "text": format!("*Team:* {}", slack_escape(team))}}),
        );
    }
    if !ticket.bot_attempts.is_empty() {
        let tried: Vec<String> = ticket
            .bot_attempts
            .iter()
            .map(|a| {
                let articles: Vec<&str> = a.articles.iter().map(|s| s.title.as_str()).collect();
                format!(
                    "• {}: {}",
                    a.decision.as_str(),
                    if articles.is_empty() {
                        "no article".to_owned()
                    } else {
                        articles.join(", ")
                    }
                )
            })
            .collect();
        blocks.push(json!({"type": "context", "elements": [
            {"type": "mrkdwn", "text": clip(&slack_escape(&format!("Bot tried:\n{}", tried.join("\n"))), 2900)}
        ]}));
    }
    if !ticket.actions.is_empty() {
        let lines: Vec<String> = ticket
            .actions
            .iter()
            .map(|a| format!("• {}", a.line()))
            .collect();
        blocks.push(json!({"type": "context", "elements": [
            {"type": "mrkdwn", "text": clip(&slack_escape(&format!("Actions tried:\n{}", lines.join("\n"))), 2900)}
        ]}));
    }
    if !ticket.attachments.is_empty() {
        let lines: Vec<String> = ticket
            .attachments
            .iter()
            .map(|a| {
                format!(
                    "• <{}|{}>",
                    slack_url(&a.url),
                    slack_escape(&a.name).replace('|', "¦")
                )
            })
            .collect();
        blocks.push(json!({"type": "context", "elements": [
            {"type": "mrkdwn", "text": clip(&format!("Attachments (links work for a week):\n{}", lines.join("\n")), 2900)}
        ]}));
    }
    if let Some(url) = ticket_url {
        blocks.push(json!({"type": "actions", "elements": [
            {"type": "button", "text": {"type": "plain_text", "text": "Open ticket"}, "url": url}
        ]}));
    }
    json!({"text": headline, "blocks": blocks})
}

/// A URL inside a Slack `<url|text>` link: nothing that could close it.
fn slack_url(url: &str) -> String {
    url.replace(['<', '>', '|', ' '], "")
}

/// "Name: url" lines for a plain-text sink, or `None` without attachments.
fn attachment_lines(ticket: &Ticket) -> Option<String> {
    (!ticket.attachments.is_empty()).then(|| {
        ticket
            .attachments
            .iter()
            .map(|a| format!("- {}: {}", a.name, a.url))
            .collect::<Vec<_>>()
            .join("\n")
    })
}

/// "Name (key)": how agents see the site a ticket came from.
fn site_label(site: &crate::tickets::TicketSite) -> String {
    format!("{} ({})", site.name, site.key)
}

/// The team the ticket was routed to, if a route matched.
fn team(ticket: &Ticket) -> Option<&str> {
    ticket.routing.as_ref().and_then(|r| r.team.as_deref())
}

fn transcript_text(ticket: &Ticket) -> String {
    omitted_line(ticket)
        .into_iter()
        .chain(ticket.transcript.iter().map(|e| {
            let who = match e.role {
                Role::Visitor => "Visitor",
                Role::Bot => "Bot",
                Role::Agent => "Agent",
            };
            format!("{who}: {}", e.text)
        }))
        .collect::<Vec<_>>()
        .join("\n")
}

/// "(N earlier messages not included)", when the ticket leaves some out.
fn omitted_line(ticket: &Ticket) -> Option<String> {
    (ticket.transcript_omitted > 0).then(|| {
        format!(
            "({} earlier messages not included; the whole conversation is in the inbox.)",
            ticket.transcript_omitted
        )
    })
}

/// `POST /api/v2/tickets.json` body for Zendesk: the summary as subject, the
/// classification, note and transcript as the first (plain-text) comment,
/// the visitor as requester, Zendesk's own priority values, our reference
/// as `external_id` (so a retried delivery can be recognised); a routed
/// ticket is tagged `team_<team>` and assigned to the route's group.
pub fn zendesk_ticket(ticket: &Ticket) -> Value {
    let t = &ticket.triage;
    let mut body = format!(
        "{}\n\n{}{}Topic: {} · Priority: {} · Sentiment: {} · Language: {}\nPage: {}\n",
        ticket.summary.text,
        ticket.site.as_ref().map_or(String::new(), |site| format!(
            "Site: {}\n",
            site_label(site)
        )),
        team(ticket).map_or(String::new(), |team| format!("Team: {team} · ")),
        t.topic.value,
        priority_word(t.priority.value),
        sentiment_word(t.sentiment.value),
        t.language.value,
        ticket.page_url.as_deref().unwrap_or("—"),
    );
    if let Some(note) = &ticket.note {
        body.push_str(&format!("\nNote: {note}\n"));
    }
    if !ticket.actions.is_empty() {
        let lines: Vec<String> = ticket
            .actions
            .iter()
            .map(|a| format!("- {}", a.line()))
            .collect();
        body.push_str(&format!("\nActions tried:\n{}\n", lines.join("\n")));
    }
    if let Some(lines) = attachment_lines(ticket) {
        body.push_str(&format!(
            "\nAttachments (links work for a week):\n{lines}\n"
        ));
    }
    body.push_str(&format!("\nTranscript:\n{}", transcript_text(ticket)));
    let mut tags = vec![
        "frontdesk".to_owned(),
        tag(&t.topic.value),
        format!("lang_{}", t.language.value),
    ];
    if let Some(team) = team(ticket) {
        tags.push(format!("team_{}", tag(team)));
    }
    if let Some(site) = &ticket.site {
        tags.push(format!("site_{}", tag(&site.key)));
    }
    let mut request = json!({
        "subject": clip(&format!("[{}] {}", ticket.reference, ticket.summary.text), 150),
        "comment": {"body": body, "public": false},
        "requester": {"email": ticket.requester.email, "name": ticket.requester.name.as_deref().unwrap_or(&ticket.requester.email)},
        "priority": priority_word(t.priority.value),
        "tags": tags,
        "external_id": ticket.reference,
    });
    if let Some(group) = ticket.routing.as_ref().and_then(|r| r.zendesk_group_id) {
        request["group_id"] = json!(group);
    }
    json!({ "ticket": request })
}

/// Lowercase ASCII letters, digits and underscores: a tag every tracker accepts.
fn tag(s: &str) -> String {
    let t: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    clip(t.trim_matches('_'), 50)
}

/// Visitor text in GitHub Markdown: quoted, with HTML, mentions and issue
/// references defused so it renders as written and pings nobody.
fn github_quote(s: &str) -> String {
    s.lines()
        .map(|l| {
            let l = l
                .replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('@', "@\u{200b}")
                .replace('#', "#\u{200b}");
            format!("> {l}")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `POST /repos/{owner}/{repo}/issues` body for GitHub.
pub fn github_issue(ticket: &Ticket) -> Value {
    let t = &ticket.triage;
    let mut body = format!(
        "{}\n\n| | |\n|---|---|\n| Reference | `{}` |\n| Topic | {} ({:.0} %) |\n| Priority | {} ({:.0} %) |\n| Sentiment | {} |\n| Language | {} |\n| Email | {} |\n| Page | {} |\n",
        github_quote(&ticket.summary.text),
        ticket.reference,
        github_quote(&t.topic.value).trim_start_matches("> "),
        t.topic.confidence * 100.0,
        priority_word(t.priority.value),
        t.priority.confidence * 100.0,
        sentiment_word(t.sentiment.value),
        t.language.value,
        github_quote(&ticket.requester.email).trim_start_matches("> "),
        ticket.page_url.as_deref().map_or("—".into(), |u| format!("<{}>", u.replace(['<', '>', ' '], ""))),
    );
    if let Some(site) = &ticket.site {
        let row = format!(
            "| Site | {} |\n",
            github_quote(&site_label(site)).trim_start_matches("> ")
        );
        body.push_str(&row);
    }
    if let Some(note) = &ticket.note {
        body.push_str(&format!("\n**Note**\n\n{}\n", github_quote(note)));
    }
    if !ticket.actions.is_empty() {
        body.push_str("\n**Actions tried**\n\n");
        for a in &ticket.actions {
            body.push_str(&format!("{}\n", github_quote(&a.line())));
        }
    }
    if !ticket.attachments.is_empty() {
        body.push_str("\n**Attachments** (links work for a week)\n\n");
        for a in &ticket.attachments {
            let name = github_quote(&a.name)
                .trim_start_matches("> ")
                .replace(['[', ']'], "");
            body.push_str(&format!("- [{name}](<{}>)\n", slack_url(&a.url)));
        }
    }
    body.push_str("\n**Transcript**\n\n");
    if let Some(line) = omitted_line(ticket) {
        body.push_str(&format!("{line}\n\n"));
    }
    for e in &ticket.transcript {
        let who = match e.role {
            Role::Visitor => "Visitor",
            Role::Bot => "Bot",
            Role::Agent => "Agent",
        };
        body.push_str(&format!("**{who}**\n{}\n\n", github_quote(&e.text)));
    }
    let mut labels = vec![
        "frontdesk".to_owned(),
        format!("priority:{}", priority_word(t.priority.value)),
    ];
    if let Some(team) = team(ticket) {
        // GitHub labels are at most 50 characters.
        labels.push(clip(&format!("team:{team}"), 50));
    }
    if let Some(site) = &ticket.site {
        labels.push(clip(&format!("site:{}", site.key), 50));
    }
    json!({
        "title": clip(&format!("[{}] {}", ticket.reference, ticket.summary.text), 120),
        "body": clip(&body, 60_000),
        "labels": labels,
    })
}

/// Milliseconds since the epoch as RFC 3339 UTC (`2026-11-22T18:35:53.123Z`).
pub fn rfc3339(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let millis = ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tickets::routing::Routing;
    use crate::tickets::{build, TicketInput};
    use frontdesk_api::wire::{Decision, Source, TranscriptEntry};

    fn ticket() -> Ticket {
        let e = |role, text: &str, decision, sources: Vec<Source>| TranscriptEntry {
            role,
            text: text.into(),
            at: 0,
            decision,
            sources,
            rating: None,
        };
        build(TicketInput {
            reference: "FD-ABCD1234",
            conversation_id: "c",
            created_at: 1_795_372_553_123,
            requester: crate::tickets::Requester::unverified("ana@example.com"),
            note: Some("<script>alert(1)</script> @everyone #1"),
            page_url: Some("https://example.com/pricing"),
            earlier: 0,
            actions: vec![crate::tickets::ActionTried {
                action: "cancel_order".into(),
                values: [("order".to_owned(), json!("<!channel> @everyone #1"))].into(),
                status: "unknown".into(),
                at: 1,
            }],
            transcript: vec![
                e(
                    Role::Visitor,
                    "I was charged twice <!channel> & more",
                    None,
                    vec![],
                ),
                e(
                    Role::Bot,
                    "Is it one of these?",
                    Some(Decision::Suggest),
                    vec![Source {
                        title: "Refund policy".into(),
                        url: "/help/refund-policy".into(),
                    }],
                ),
            ],
            always_human_topic: None,
            site: None,
        })
    }

    fn routed() -> Ticket {
        let mut t = ticket();
        t.routing = Some(Routing {
            team: Some("Billing & <Refunds>".into()),
            sinks: vec!["slack".into(), "zendesk".into(), "github".into()],
            zendesk_group_id: Some(360_001),
        });
        t
    }

    #[test]
    fn a_ticket_shows_its_site_everywhere() {
        let mut t = ticket();
        t.site = Some(crate::tickets::TicketSite {
            key: "shop".into(),
            name: "Shop <EU>".into(),
        });
        let slack = slack_message(&t, None).to_string();
        assert!(slack.contains("*Site:* Shop &lt;EU&gt; (shop)"), "{slack}");
        let zendesk = zendesk_ticket(&t);
        let body = zendesk["ticket"]["comment"]["body"].as_str().unwrap();
        assert!(body.contains("Site: Shop <EU> (shop)\n"), "{body}");
        assert!(zendesk["ticket"]["tags"]
            .as_array()
            .unwrap()
            .contains(&json!("site_shop")));
        let github = github_issue(&t);
        let body = github["body"].as_str().unwrap();
        assert!(
            body.contains("| Site | Shop &lt;EU&gt; (shop) |\n"),
            "{body}"
        );
        assert!(github["labels"]
            .as_array()
            .unwrap()
            .contains(&json!("site:shop")));
        // Without a site (tickets stored before sites existed): no row at all.
        let plain = ticket();
        assert!(!slack_message(&plain, None).to_string().contains("*Site:*"));
        assert!(!github_issue(&plain)["body"]
            .as_str()
            .unwrap()
            .contains("| Site |"));
    }

    #[test]
    fn a_routed_ticket_shows_its_team_everywhere() {
        let t = routed();
        let slack = slack_message(&t, None).to_string();
        assert!(
            slack.contains("*Team:* Billing &amp; &lt;Refunds&gt;"),
            "{slack}"
        );
        let z = zendesk_ticket(&t);
        let tags: Vec<&str> = z["ticket"]["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert!(tags.contains(&"team_billing____refunds"), "{tags:?}");
        assert_eq!(z["ticket"]["group_id"], 360_001);
        assert!(z["ticket"]["comment"]["body"]
            .as_str()
            .unwrap()
            .contains("Team: Billing & <Refunds> · Topic: Refund policy"));
        let g = github_issue(&t);
        assert_eq!(g["labels"][2], "team:Billing & <Refunds>");
        let v: Value = serde_json::from_str(&webhook_body(&t)).unwrap();
        assert_eq!(v["data"]["routing"]["team"], "Billing & <Refunds>");
        // Unrouted tickets carry no team anywhere.
        let plain = ticket();
        assert!(!slack_message(&plain, None).to_string().contains("Team:"));
        assert!(zendesk_ticket(&plain)["ticket"].get("group_id").is_none());
        assert_eq!(
            zendesk_ticket(&plain)["ticket"]["tags"]
                .as_array()
                .unwrap()
                .len(),
            3
        );
        assert_eq!(github_issue(&plain)["labels"].as_array().unwrap().len(), 2);
        let v: Value = serde_json::from_str(&webhook_body(&plain)).unwrap();
        assert!(v["data"].get("routing").is_none());
    }

    #[test]
    fn attachments_reach_every_sink_as_links_with_their_names_defused() {
        let mut t = ticket();
        t.attachments = vec![crate::tickets::AttachmentLink {
            name: "<!channel> [x](javascript:alert(1)) @everyone|#1.png".into(),
            content_type: "image/png".into(),
            size: 1234,
            url: "https://support.example/api/v1/attachments/att_1?expires=9&sig=ab".into(),
        }];
        let url = "https://support.example/api/v1/attachments/att_1?expires=9&sig=ab";
        let slack = slack_message(&t, None).to_string();
        assert!(
            slack.contains(&format!("<{url}|&lt;!channel&gt;")),
            "{slack}"
        );
        assert!(!slack.contains("<!channel>"), "{slack}");
        let zendesk = zendesk_ticket(&t)["ticket"]["comment"]["body"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(zendesk.contains(&format!("Attachments (links work for a week):\n- <!channel> [x](javascript:alert(1)) @everyone|#1.png: {url}")), "{zendesk}");
        let github = github_issue(&t)["body"].as_str().unwrap().to_owned();
        let line = github
            .lines()
            .find(|l| l.starts_with("- ["))
            .expect("a link line");
        assert!(line.ends_with(&format!("](<{url}>)")), "{line}");
        assert!(
            !line.contains("@everyone") && !line.contains("<!channel>"),
            "{line}"
        );
        // The webhook carries them in the document.
        let v: Value = serde_json::from_str(&webhook_body(&t)).unwrap();
        assert_eq!(v["data"]["attachments"][0]["url"], url);
        // None: no section anywhere.
        let plain = ticket();
        assert!(!slack_message(&plain, None)
            .to_string()
            .contains("Attachments"));
        assert!(!github_issue(&plain)["body"]
            .as_str()
            .unwrap()
            .contains("Attachments"));
        assert!(v["data"].get("attachments").is_some());
        let bare: Value = serde_json::from_str(&webhook_body(&plain)).unwrap();
        assert!(bare["data"].get("attachments").is_none());
    }

    #[test]
    fn timestamps() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(1_795_372_553_123), "2026-11-22T18:35:53.123Z");
        assert_eq!(rfc3339(951_782_400_000), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn webhook_events_carry_the_ticket() {
        let t = ticket();
        let v: Value = serde_json::from_str(&webhook_body(&t)).unwrap();
        assert_eq!(v["type"], "ticket.created");
        assert_eq!(v["timestamp"], "2026-11-22T18:35:53.123Z");
        assert_eq!(v["data"]["reference"], "FD-ABCD1234");
        assert_eq!(v["data"]["schema"], "frontdesk.ticket.v1");
    }

    #[test]
    fn slack_escapes_visitor_text() {
        let v = slack_message(&ticket(), Some("https://support.example/agent#FD-ABCD1234"));
        let s = v.to_string();
        assert!(!s.contains("<!channel>"), "{s}");
        assert!(s.contains("&lt;!channel&gt; &amp; more"), "{s}");
        assert!(v["text"]
            .as_str()
            .unwrap()
            .contains("urgent ticket FD-ABCD1234"));
        assert_eq!(v["blocks"][0]["type"], "header");
        assert!(s.contains("Refund policy"));
        assert!(s.contains("\"url\":\"https://support.example/agent#FD-ABCD1234\""));
        // What the bot tried on the site's API, escaped like the rest.
        assert!(
            s.contains(
                "Actions tried:\\n• cancel_order (order &lt;!channel&gt; @everyone #1): unknown"
            ),
            "{s}"
        );
    }

    #[test]
    fn zendesk_and_github_requests() {
        let t = ticket();
        let z = zendesk_ticket(&t);
        assert_eq!(z["ticket"]["priority"], "urgent");
        assert_eq!(z["ticket"]["requester"]["email"], "ana@example.com");
        assert_eq!(z["ticket"]["external_id"], "FD-ABCD1234");
        assert!(z["ticket"]["comment"]["body"]
            .as_str()
            .unwrap()
            .contains("Visitor: I was charged twice"));
        assert_eq!(z["ticket"]["tags"][1], "refund_policy");
        assert!(z["ticket"]["comment"]["body"]
            .as_str()
            .unwrap()
            .contains("Actions tried:\n- cancel_order (order <!channel> @everyone #1): unknown"));
        let g = github_issue(&t);
        let body = g["body"].as_str().unwrap();
        assert!(!body.contains("<script>"), "{body}");
        assert!(!body.contains("@everyone"), "{body}");
        assert!(body.contains("&lt;script&gt;"));
        assert!(
            body.contains("**Actions tried**\n\n> cancel_order (order &lt;!channel&gt; @\u{200b}everyone #\u{200b}1): unknown"),
            "{body}"
        );
        assert_eq!(g["labels"][1], "priority:urgent");
        assert!(g["title"]
            .as_str()
            .unwrap()
            .starts_with("[FD-ABCD1234] I was charged twice"));
    }
}

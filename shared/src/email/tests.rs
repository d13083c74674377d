use super::*;

fn sample(lang: Lang, link: Option<&str>) -> Outgoing {
    compose(
        lang,
        "Lumen Notes",
        "Hi Ada,\nI reset it.\n\nCheck <your> inbox & spam.",
        link,
        "https://help.example/email/unsubscribe?t=abc",
        "Lumen support <support@lumen.example>",
        "ada@example.com",
        "reply+aaaaaaaaaaaaaaaaaaaaaaaaaa@reply.lumen.example",
    )
}

#[test]
fn the_email_carries_the_reply_the_way_back_and_the_way_out_in_the_visitors_language() {
    let e = sample(Lang::En, Some("https://lumen.example/help"));
    assert_eq!(e.subject, "Lumen Notes: a reply to your question");
    assert!(e
        .text
        .starts_with("Our team replied to your question:\n\nHi Ada,\nI reset it."));
    assert!(e
        .text
        .contains("continue the conversation here:\nhttps://lumen.example/help"));
    assert!(e
        .text
        .ends_with("Stop these e-mails:\nhttps://help.example/email/unsubscribe?t=abc\n"));
    // HTML: every piece of text escaped, the reply's paragraphs kept.
    assert!(e
        .html
        .contains("<p>Check &lt;your&gt; inbox &amp; spam.</p>"));
    assert!(e.html.contains("<p>Hi Ada,<br>I reset it.</p>"));
    assert!(!e.html.contains("<your>"));
    let de = sample(Lang::De, None);
    assert_eq!(de.subject, "Lumen Notes: eine Antwort auf Ihre Frage");
    assert!(de
        .text
        .contains("Antworten Sie einfach auf diese E-Mail.\n"));
    assert!(de.html.starts_with("<!doctype html><html lang=\"de\">"));
    // Every language says something of its own (English for the others).
    let subjects: std::collections::BTreeSet<String> =
        Lang::ALL.iter().map(|&l| sample(l, None).subject).collect();
    assert_eq!(subjects.len(), Lang::ALL.len() - 1);
    assert_eq!(sample(Lang::Other, None).subject, e.subject);
}

#[test]
fn a_site_name_cannot_break_the_subject_into_headers() {
    let e = compose(
        Lang::En,
        "Evil\r\nBcc: all@example.com",
        "hi",
        None,
        "u",
        "f",
        "t",
        "r",
    );
    assert!(
        !e.subject.contains('\n') && !e.subject.contains('\r'),
        "{:?}",
        e.subject
    );
}

#[test]
fn the_provider_request_has_the_shape_http_email_apis_share() {
    let body = request_body(&sample(Lang::En, None));
    assert_eq!(body["to"], json!(["ada@example.com"]));
    assert_eq!(
        body["reply_to"],
        "reply+aaaaaaaaaaaaaaaaaaaaaaaaaa@reply.lumen.example"
    );
    assert_eq!(
        body["headers"]["List-Unsubscribe"],
        "<https://help.example/email/unsubscribe?t=abc>"
    );
    assert_eq!(
        body["headers"]["List-Unsubscribe-Post"],
        "List-Unsubscribe=One-Click"
    );
    for key in ["from", "subject", "text", "html"] {
        assert!(body[key].as_str().is_some_and(|s| !s.is_empty()), "{key}");
    }
}

#[test]
fn reply_tokens_are_long_lowercase_and_found_only_at_our_domain() {
    let token = reply_token([0xff; 16]);
    assert_eq!(token.len(), REPLY_TOKEN_CHARS);
    assert_eq!(reply_token([0; 16]), "a".repeat(26));
    assert_ne!(reply_token([1; 16]), reply_token([2; 16]));
    assert!(token
        .bytes()
        .all(|b| b.is_ascii_lowercase() || (b'2'..=b'7').contains(&b)));
    let address = reply_address(&token, "reply.lumen.example");
    assert_eq!(
        token_in(&address, "reply.lumen.example"),
        Some(token.clone())
    );
    let named = format!("Support <{address}>, other@example.com");
    assert_eq!(token_in(&named, "REPLY.lumen.example"), Some(token.clone()));
    // Mail systems may change the case of a local part: the same token.
    let lettered = reply_token([0x12; 16]);
    let upper = format!("REPLY+{}@reply.lumen.example", lettered.to_uppercase());
    assert_eq!(
        token_in(&upper, "reply.lumen.example"),
        Some(lettered.clone())
    );
    for bad in [
        format!("reply+{token}@evil.example"),
        format!("reply+{}@reply.lumen.example", &token[..20]),
        format!("reply+{}1@reply.lumen.example", &lettered[..25]),
        "reply+../../x@reply.lumen.example".to_owned(),
        "support@reply.lumen.example".to_owned(),
        String::new(),
    ] {
        assert_eq!(token_in(&bad, "reply.lumen.example"), None, "{bad}");
    }
}

#[test]
fn addresses_are_read_bare_and_lowercased() {
    assert_eq!(
        address_of("Ada <Ada@Example.com>"),
        Some("ada@example.com".into())
    );
    assert_eq!(
        address_of(" ada@example.com "),
        Some("ada@example.com".into())
    );
    for bad in [
        "",
        "Ada",
        "ada@",
        "@example.com",
        "ada@localhost",
        "a b@example.com",
        "<ada@example.com",
        "a@b@c.com",
    ] {
        assert_eq!(address_of(bad), None, "{bad:?}");
    }
}

#[test]
fn an_answer_is_what_the_visitor_wrote_above_the_quote() {
    let gmail = "Thanks, that worked!\nOne more question.\n\nOn Tue, 1 Dec 2026 at 10:00, Lumen support <support@lumen.example> wrote:\n> Hi Ada,\n> I reset it.";
    assert_eq!(
        answer_text(gmail).as_deref(),
        Some("Thanks, that worked!\nOne more question.")
    );
    let outlook = "Danke!\n\n-----Original Message-----\nFrom: support";
    assert_eq!(answer_text(outlook).as_deref(), Some("Danke!"));
    let german =
        "Super.\nAm 01.12.2026 um 10:00 schrieb Lumen support <support@lumen.example>:\n> Hallo";
    assert_eq!(answer_text(german).as_deref(), Some("Super."));
    let signed = "Got it.\n-- \nAda Lovelace\nAnalytical Engines Ltd";
    assert_eq!(answer_text(signed).as_deref(), Some("Got it."));
    assert_eq!(answer_text("> only a quote\n> nothing new"), None);
    assert_eq!(answer_text("   \n\n"), None);
    assert_eq!(
        answer_text(&"x".repeat(5000)).map(|s| s.chars().count()),
        Some(MAX_ANSWER_CHARS)
    );
}

#[test]
fn inbound_webhooks_are_read_in_the_shapes_providers_send() {
    let want = |from: &str, to: &str, text: &str| Inbound {
        from: from.into(),
        to: to.into(),
        text: Some(text.into()),
        email_id: None,
    };
    let flat = json!({"from": "Ada <ada@example.com>", "to": ["reply+x@r.example", "b@c.example"], "text": "Thanks"});
    assert_eq!(
        inbound(&flat),
        Some(want(
            "Ada <ada@example.com>",
            "reply+x@r.example, b@c.example",
            "Thanks"
        ))
    );
    let resend = json!({"type": "email.received", "data": {"from": "ada@example.com", "to": "reply+x@r.example", "text": "Hi"}});
    assert_eq!(
        inbound(&resend),
        Some(want("ada@example.com", "reply+x@r.example", "Hi"))
    );
    let postmark =
        json!({"From": "ada@example.com", "To": "reply+x@r.example", "TextBody": "Danke"});
    assert_eq!(
        inbound(&postmark),
        Some(want("ada@example.com", "reply+x@r.example", "Danke"))
    );
    let mailgun = json!({"sender": "ada@example.com", "recipient": "reply+x@r.example", "body-plain": "Gracias"});
    assert_eq!(
        inbound(&mailgun),
        Some(want("ada@example.com", "reply+x@r.example", "Gracias"))
    );
    let objects = json!({"from": {"email": "ada@example.com"}, "to": [{"email": "reply+x@r.example", "name": "Support"}], "text": "ok"});
    assert_eq!(
        inbound(&objects),
        Some(want("ada@example.com", "reply+x@r.example", "ok"))
    );
    // HTML only: its text, the quoted history left out.
    let html = json!({"from": "ada@example.com", "to": "reply+x@r.example", "text": "",
        "html": "<div>It works &amp; thanks<br>Ada</div><blockquote>&gt; old</blockquote>"});
    assert_eq!(
        inbound(&html).and_then(|i| i.text),
        Some("It works & thanks\nAda\n".into())
    );
    // Resend's email.received: metadata only, the body fetched by its id.
    let meta = json!({"type": "email.received", "data": {"email_id": "4ef9a417-02e9-4d39-ad75-9611e0fcc33c",
        "from": "Ada <ada@example.com>", "to": ["reply+x@r.example"], "subject": "Re: hi"}});
    let got = inbound(&meta).unwrap();
    assert_eq!(
        (got.text, got.email_id.as_deref()),
        (None, Some("4ef9a417-02e9-4d39-ad75-9611e0fcc33c"))
    );
    for id in ["../../admin", "a b", "", &"x".repeat(65)] {
        let bad =
            json!({"data": {"email_id": id, "from": "a@b.example", "to": "reply+x@r.example"}});
        assert_eq!(inbound(&bad), None, "{id}");
    }
    assert_eq!(
        fetched_text(&json!({"text": "Hi", "html": "<p>x</p>"})).as_deref(),
        Some("Hi")
    );
    assert_eq!(
        fetched_text(&json!({"text": "", "html": "<p>Hi</p>"})).as_deref(),
        Some("Hi\n")
    );
    assert_eq!(fetched_text(&json!({})), None);
    for bad in [
        json!({}),
        json!({"from": "ada@example.com", "to": "reply+x@r.example"}),
        json!({"from": 7, "to": "reply+x@r.example", "text": "x"}),
        json!({"to": "reply+x@r.example", "text": "x"}),
        json!("text"),
    ] {
        assert_eq!(inbound(&bad), None, "{bad}");
    }
}

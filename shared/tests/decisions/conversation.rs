//! The conversation around the answer: explicit requests, questions in
//! pieces, small talk, always-human topics, frustration, languages.

use super::*;

#[test]
fn explicit_requests_say_why() {
    let reply = ask(&sample_index(), "talk to a person", &Thresholds::default());
    assert_eq!(reply.reason, Some(EscalationReason::Requested));
}

#[test]
fn a_question_sent_in_pieces_is_one_question() {
    let index = sample_index();
    let th = Thresholds::default();
    let pieces = ["hi", "my notes", "are not syncing", "on my phone"];
    let reply = index.turn(pieces[3], &turn(&pieces[..3]), &th, None).reply;
    assert!(matches(&reply, Want::Answer("sync-problems")), "{reply:?}");
    // The last piece alone says too little to answer.
    assert_ne!(ask(&index, pieces[3], &th).decision, Decision::Answer);
    // Pieces about something else are not joined into a wrong answer.
    let pieces = ["hey", "my attachments", "how big"];
    let reply = index.turn(pieces[2], &turn(&pieces[..2]), &th, None).reply;
    assert!(
        matches(&reply, Want::AnswerOrSuggest("storage-and-attachments")),
        "{reply:?}"
    );
    assert_eq!(ask(&index, pieces[2], &th).decision, Decision::Escalate);
}

#[test]
fn small_talk_gets_a_reply_not_an_article_or_a_ticket() {
    let index = sample_index();
    let th = Thresholds::default();
    for (m, lang) in [
        ("hello", "en"),
        ("thanks!", "en"),
        ("are you a bot?", "en"),
        ("Danke schön", "de"),
        ("merci beaucoup", "fr"),
        ("Привет", "ru"),
        ("谢谢", "zh"),
    ] {
        let reply = ask(&index, m, &th);
        assert_eq!(reply.decision, Decision::SmallTalk, "{m}");
        assert!(reply.sources.is_empty(), "{m}");
        assert_eq!(reply.lang, lang, "{m}");
    }
    // A greeting in front of a question does not hide the question.
    let reply = ask(&index, "hi! how do I export my notes as PDF?", &th);
    assert_eq!(reply.decision, Decision::Answer);
}

#[test]
fn always_human_topics_escalate_even_when_an_article_matches() {
    let index = sample_index();
    let th = Thresholds::default();
    for m in [
        "I was charged twice for my subscription, I want a refund",
        "my lawyer will contact you about my data",
        "I think my account was hacked",
        "Ich wurde doppelt abgebucht",
        "mon compte a été piraté",
    ] {
        let reply = ask(&index, m, &th);
        assert_eq!(
            (reply.decision, reply.reason),
            (Decision::Escalate, Some(EscalationReason::AlwaysHuman)),
            "{m}"
        );
    }
    // Mentioning a word of a phrase is not enough.
    let reply = ask(&index, "can I get a refund", &th);
    assert_ne!(reply.reason, Some(EscalationReason::AlwaysHuman));
}

#[test]
fn a_site_with_its_own_always_human_topics_escalates_only_on_those() {
    let index = sample_index();
    let th = Thresholds::default();
    let ctx = Context::default();
    let legal_only = ["Legal".to_owned()];
    let m = "I was charged twice for my subscription, I want a refund";
    let everywhere = index.decide(m, &ctx, &th, None).verdict;
    assert_eq!(everywhere.topic.as_deref(), Some("billing dispute"));
    let on_site = index.decide(m, &ctx, &th, Some(&legal_only)).verdict;
    assert_ne!(on_site.reason, Some(EscalationReason::AlwaysHuman));
    assert_eq!(on_site.topic, None);
    let legal = index
        .decide("my lawyer will call you", &ctx, &th, Some(&legal_only))
        .verdict;
    assert_eq!(legal.reason, Some(EscalationReason::AlwaysHuman));
    assert_eq!(index.always_human_for(m, Some(&legal_only)), None);
    assert_eq!(index.always_human_for(m, None), Some("billing dispute"));
}

#[test]
fn frustration_and_repeated_failure_offer_a_person() {
    let index = sample_index();
    let th = Thresholds::default();
    let reply = ask(&index, "this bot is useless", &th);
    assert_eq!(reply.reason, Some(EscalationReason::Frustrated));
    // A question that would get suggestions gets a person after two turns
    // without an answer.
    let q = "how much does the Team plan cost";
    let fresh = ask(&index, q, &th);
    if fresh.decision == Decision::Suggest {
        let ctx = Context {
            unhelpful_streak: 2,
            ..Context::default()
        };
        let reply = index.turn(q, &ctx, &th, None).reply;
        assert_eq!(reply.reason, Some(EscalationReason::Unresolved));
    }
    // Repeating a question the bot could not answer offers a person.
    let q = "what about the thing with my colleagues";
    assert_ne!(ask(&index, q, &th).decision, Decision::Answer);
    let reply = index
        .turn(
            "What about the thing with my colleagues?",
            &turn(&[q]),
            &th,
            None,
        )
        .reply;
    assert_eq!(reply.reason, Some(EscalationReason::Unresolved));
    // An answer is never held back by the streak.
    let ctx = Context {
        unhelpful_streak: 5,
        ..Context::default()
    };
    let reply = index
        .turn("How do I export my notes as PDF?", &ctx, &th, None)
        .reply;
    assert_eq!(reply.decision, Decision::Answer);
}

#[test]
fn visitors_are_answered_from_articles_in_their_language() {
    let index = sample_index();
    let th = Thresholds::default();
    for (m, url, lang) in [
        (
            "Wie exportiere ich meine Notizen als PDF?",
            "/help/de-notizen-exportieren",
            "de",
        ),
        (
            "Ich habe mein Passwort vergessen",
            "/help/de-passwort-zuruecksetzen",
            "de",
        ),
        (
            "Comment exporter mes notes en PDF ?",
            "/help/fr-exporter-vos-notes",
            "fr",
        ),
        (
            "How do I export my notes as PDF?",
            "/help/export-notes",
            "en",
        ),
    ] {
        let reply = ask(&index, m, &th);
        assert_eq!(reply.decision, Decision::Answer, "{m}: {reply:?}");
        assert_eq!(reply.sources[0].url, url, "{m}");
        assert_eq!(reply.lang, lang, "{m}");
    }
    // A keyword says nothing about language: the widget's locale decides.
    let ctx = Context {
        locale: Some(Lang::De),
        ..Context::default()
    };
    let reply = index.turn("Passwort", &ctx, &th, None).reply;
    assert_eq!(reply.lang, "de");
    // The bot's own words follow the visitor's language even where the help
    // centre has no articles in it.
    let reply = ask(&index, "Chcę porozmawiać z konsultantem", &th);
    assert_eq!(reply.reason, Some(EscalationReason::Requested));
    assert!(reply.text.contains("e-mail"), "{}", reply.text);
    assert_eq!(reply.lang, "pl");
}

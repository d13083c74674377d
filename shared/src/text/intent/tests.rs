use super::*;

#[test]
fn explicit_requests_in_many_languages() {
    for m in [
        "Talk to a person",
        "human",
        "agent please",
        "can I speak to a real human?",
        "I need someone from support",
        "Ich möchte mit einem Mitarbeiter sprechen",
        "je veux parler à un conseiller",
        "quiero hablar con una persona",
        "voglio parlare con un operatore",
        "chcę porozmawiać z konsultantem",
        "Хочу поговорить с оператором",
        "转人工",
        "我要人工客服",
    ] {
        assert!(wants_person(&Message::new(m)), "{m}");
    }
}

#[test]
fn questions_that_merely_mention_people() {
    for m in [
        "how do I share a notebook with another person on my team?",
        "how many people can join the Team plan",
        "export notes to pdf",
        "the sync agent on my laptop crashed after the update",
    ] {
        assert!(!wants_person(&Message::new(m)), "{m}");
    }
}

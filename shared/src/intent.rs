//! Recognises an explicit request for a person, in several languages. Such a
//! request escalates at once: nobody is kept in the bot against their will.

use crate::text::words;

/// Single words that, on their own in a message, ask for a person.
const PERSON_WORDS: &[&str] = &[
    // en
    "human",
    "agent",
    "operator",
    "representative",
    "rep",
    "someone",
    "somebody",
    "person",
    "staff",
    "humans",
    "agents",
    // de
    "mensch",
    "mitarbeiter",
    "mitarbeiterin",
    "menschen",
    "kundendienst",
    // fr
    "humain",
    "conseiller",
    "conseillere",
    "quelqu",
    "personne",
    // es / it / pt
    "persona",
    "humano",
    "agente",
    "operador",
    "operatore",
    "umano",
    "pessoa",
    "atendente",
    // pl
    "czlowiek",
    "człowiek",
    "czlowiekiem",
    "człowiekiem",
    "konsultant",
    "konsultantem",
    "konsultanta",
    "osoba",
    "osoba",
    "pracownik",
    "pracownikiem",
    // ru
    "оператор",
    "оператором",
    "человек",
    "человеком",
    "консультант",
    "консультантом",
    "сотрудник",
    "сотрудником",
    "живой",
];

/// Verbs and phrases that turn a person word into a request ("talk to").
const ASK_WORDS: &[&str] = &[
    // en
    "talk",
    "speak",
    "chat",
    "contact",
    "connect",
    "transfer",
    "need",
    "want",
    "get",
    "reach",
    "call",
    "real",
    "live",
    "actual",
    // de
    "sprechen",
    "reden",
    "mit",
    "echten",
    "echter",
    "echte",
    "kontakt",
    // fr
    "parler",
    "contacter",
    "vrai",
    "veux",
    "besoin",
    // es / it / pt
    "hablar",
    "con",
    "parlare",
    "con",
    "falar",
    "quiero",
    "voglio",
    "vero",
    "real",
    // pl
    "rozmawiac",
    "rozmawiać",
    "porozmawiac",
    "porozmawiać",
    "chce",
    "chcę",
    "z",
    "prawdziwa",
    "prawdziwym",
    // ru
    "поговорить",
    "связаться",
    "позовите",
    "соедините",
    "хочу",
    "нужен",
    "с",
];

/// Whole-message requests and fixed phrases that need no verb.
const PHRASES: &[&str] = &[
    "talk to a person",
    "customer service",
    "customer support",
    "support team",
    "live chat",
    "live agent",
    "not a bot",
    "echten menschen",
    "service client",
    "atención al cliente",
    "servizio clienti",
    "obsługa klienta",
    "живой человек",
    "人工",
    "真人",
    "客服",
    "转人工",
    "人工客服",
];

/// True when the visitor asks to talk to a person rather than the bot.
pub fn wants_person(message: &str) -> bool {
    let lower = message.to_lowercase();
    if PHRASES.iter().any(|p| lower.contains(p)) {
        return true;
    }
    let ws: Vec<String> = words(message).collect();
    let person = ws.iter().any(|w| PERSON_WORDS.contains(&w.as_str()));
    if !person {
        return false;
    }
    // "human" / "agent" alone, or with a verb of asking.
    ws.len() <= 2 || ws.iter().any(|w| ASK_WORDS.contains(&w.as_str()))
}

#[cfg(test)]
mod tests {
    use super::wants_person;

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
            assert!(wants_person(m), "{m}");
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
            assert!(!wants_person(m), "{m}");
        }
    }
}

//! Recognises what a message is besides a question, in several languages: an
//! explicit request for a person (escalates at once: nobody is kept in the bot
//! against their will), small talk (a polite reply, not an article), and
//! frustration (offer a person).

use crate::text::Message;

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
pub fn wants_person(message: &Message) -> bool {
    let lower = message.lower();
    if PHRASES.iter().any(|p| lower.contains(p)) {
        return true;
    }
    let ws = message.words();
    let person = ws.iter().any(|w| PERSON_WORDS.contains(&w.as_str()));
    if !person {
        return false;
    }
    // "human" / "agent" alone, or with a verb of asking.
    ws.len() <= 2 || ws.iter().any(|w| ASK_WORDS.contains(&w.as_str()))
}

/// Small talk the bot answers politely instead of searching the help centre.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmallTalk {
    /// A greeting alone: "hi", "good morning", "Bonjour", "你好".
    Greeting,
    /// Thanks, or word that an answer worked: "ok great", "that solved
    /// it", "merci beaucoup".
    Thanks,
    /// A goodbye: "bye", "Tschüss", "再见".
    Goodbye,
    /// A question about what the bot is: "are you a bot?", "are you
    /// human?", "bist du ein Bot?".
    AreYouABot,
}

/// Words of greetings, thanks and goodbyes, folded. Multi-word forms ("good
/// morning") are covered by their parts plus [`FILLER`].
const GREETING_WORDS: &[&str] = &[
    "hi",
    "hello",
    "hey",
    "hiya",
    "howdy",
    "morning",
    "evening",
    "afternoon",
    "hallo",
    "servus",
    "moin",
    "tag",
    "bonjour",
    "bonsoir",
    "salut",
    "coucou",
    "hola",
    "buenas",
    "buenos",
    "dias",
    "ciao",
    "salve",
    "buongiorno",
    "buonasera",
    "ola",
    "oi",
    "bom",
    "dia",
    "boa",
    "tarde",
    "czesc",
    "witam",
    "dzien",
    "dobry",
    "привет",
    "здравствуйте",
    "добрый",
    "день",
    "вечер",
];
const THANKS_WORDS: &[&str] = &[
    "thanks",
    "thank",
    "thx",
    "ty",
    "cheers",
    "ok",
    "okay",
    "great",
    "perfect",
    "cool",
    "awesome",
    "helpful",
    // "that solved it", "it works now": the visitor says the answer helped.
    "solved",
    "helped",
    "worked",
    "works",
    "fixed",
    "resolved",
    "geholfen",
    "geklappt",
    "funktioniert",
    "gelost",
    "resolu",
    "marche",
    "fonctionne",
    "resuelto",
    "funciona",
    "funciono",
    "risolto",
    "funziona",
    "resolvido",
    "funcionou",
    "danke",
    "dankeschon",
    "vielen",
    "super",
    "prima",
    "merci",
    "parfait",
    "gracias",
    "genial",
    "perfecto",
    "grazie",
    "perfetto",
    "obrigado",
    "obrigada",
    "dziekuje",
    "dzieki",
    "спасибо",
    "отлично",
    "хорошо",
];
const GOODBYE_WORDS: &[&str] = &[
    "bye",
    "goodbye",
    "tschuss",
    "wiedersehen",
    "revoir",
    "adios",
    "arrivederci",
    "tchau",
    "widzenia",
    "пока",
    "свидания",
];
/// Words that, with a "you", ask what the bot is.
const BOT_WORDS: &[&str] = &[
    "bot",
    "robot",
    "chatbot",
    "ai",
    "ki",
    "ia",
    "machine",
    "human",
    "real",
    "mensch",
    "humain",
    "humano",
    "umano",
    "бот",
    "робот",
    "человек",
];
const YOU_WORDS: &[&str] = &[
    "you", "u", "this", "du", "sie", "bist", "tu", "es", "vous", "etes", "eres", "sei", "voce",
    "jestes", "ты", "вы",
];
/// Words that may accompany small talk without making it a question.
const FILLER: &[&str] = &[
    "a",
    "an",
    "are",
    "is",
    "so",
    "much",
    "very",
    "lot",
    "again",
    "good",
    "have",
    "nice",
    "day",
    "there",
    "the",
    "that",
    "was",
    "it",
    "all",
    "for",
    "your",
    "help",
    "team",
    "and",
    "de",
    "la",
    "le",
    "a",
    "dir",
    "ihnen",
    "schon",
    "gut",
    "mucho",
    "muchas",
    "muito",
    "bien",
    "bene",
    "tante",
    "molte",
    "mille",
    "beaucoup",
    "tres",
    "bardzo",
    "большое",
    "за",
    "помощь",
    "per",
    "l",
    "un",
    "una",
    "ein",
    "eine",
    "by",
    "any",
    "chance",
    "or",
    "ou",
    "o",
    "oder",
    "или",
    "now",
    "jetzt",
    "das",
    "hat",
    "me",
    "ca",
    "yes",
    "ja",
];

/// Chinese small talk, matched on the whole message without punctuation.
const CJK_SMALL_TALK: &[(&str, SmallTalk)] = &[
    ("你好", SmallTalk::Greeting),
    ("您好", SmallTalk::Greeting),
    ("嗨", SmallTalk::Greeting),
    ("早上好", SmallTalk::Greeting),
    ("谢谢", SmallTalk::Thanks),
    ("谢谢你", SmallTalk::Thanks),
    ("谢谢您", SmallTalk::Thanks),
    ("多谢", SmallTalk::Thanks),
    ("好的", SmallTalk::Thanks),
    ("再见", SmallTalk::Goodbye),
    ("拜拜", SmallTalk::Goodbye),
    ("你是机器人吗", SmallTalk::AreYouABot),
    ("你是机器人", SmallTalk::AreYouABot),
    ("你是真人吗", SmallTalk::AreYouABot),
];

/// Longest message (in words) that can be small talk.
const MAX_SMALL_TALK_WORDS: usize = 8;

/// The small talk `message` is, if it is nothing more: "hi, how do I export?"
/// is a question, not a greeting.
pub fn small_talk(message: &Message) -> Option<SmallTalk> {
    let bare: String = message
        .text()
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect();
    if let Some((_, kind)) = CJK_SMALL_TALK.iter().find(|(p, _)| *p == bare) {
        return Some(*kind);
    }
    let ws = message.words();
    if ws.is_empty() || ws.len() > MAX_SMALL_TALK_WORDS {
        return None;
    }
    let has = |list: &[&str]| ws.iter().any(|w| list.contains(&w.as_str()));
    let known = |w: &String| {
        [
            GREETING_WORDS,
            THANKS_WORDS,
            GOODBYE_WORDS,
            BOT_WORDS,
            YOU_WORDS,
            FILLER,
        ]
        .iter()
        .any(|list| list.contains(&w.as_str()))
    };
    if !ws.iter().all(known) {
        return None;
    }
    if has(BOT_WORDS) && has(YOU_WORDS) {
        Some(SmallTalk::AreYouABot)
    } else if has(THANKS_WORDS) {
        Some(SmallTalk::Thanks)
    } else if has(GOODBYE_WORDS) {
        Some(SmallTalk::Goodbye)
    } else if has(GREETING_WORDS) {
        Some(SmallTalk::Greeting)
    } else {
        None
    }
}

/// Words and phrases of frustration with the bot or the product, folded.
const FRUSTRATION_WORDS: &[&str] = &[
    "useless",
    "stupid",
    "dumb",
    "idiot",
    "idiotic",
    "ridiculous",
    "terrible",
    "awful",
    "pathetic",
    "wtf",
    "nonsense",
    "garbage",
    "rubbish",
    "nutzlos",
    "sinnlos",
    "blod",
    "doof",
    "dumm",
    "bescheuert",
    "unsinn",
    "inutile",
    "nul",
    "debile",
    "absurde",
    "inutil",
    "estupido",
    "ridiculo",
    "basura",
    "stupido",
    "ridicolo",
    "assurdo",
    "bezuzyteczny",
    "bezuzyteczne",
    "glupi",
    "glupie",
    "бесполезно",
    "бесполезный",
    "тупой",
    "ужасно",
    "бред",
];
const FRUSTRATION_PHRASES: &[&str] = &[
    "not helpful",
    "doesn't help",
    "does not help",
    "didn't help",
    "did not help",
    "waste of time",
    "you don't understand",
    "you do not understand",
    "not what i asked",
    "hilft nicht",
    "hilft mir nicht",
    "ne m'aide pas",
    "ne sert à rien",
    "no me ayuda",
    "no sirve",
    "non mi aiuta",
    "non serve",
    "não ajuda",
    "nie pomaga",
    "не помогает",
    "没用",
    "垃圾",
    "太差",
    "听不懂",
];

/// True when the visitor is clearly frustrated: angry words, "this doesn't
/// help", or "!!!". Capitals alone are not shouting: some visitors type
/// everything with caps lock on.
pub fn frustrated(message: &Message) -> bool {
    let lower = message.lower();
    if FRUSTRATION_PHRASES.iter().any(|p| lower.contains(p)) {
        return true;
    }
    let text = message.text();
    if text.contains("!!!") || text.contains("?!?") {
        return true;
    }
    message
        .words()
        .iter()
        .any(|w| FRUSTRATION_WORDS.contains(&w.as_str()))
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod more_tests;

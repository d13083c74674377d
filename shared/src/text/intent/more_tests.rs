use super::*;

#[test]
fn small_talk_in_many_languages() {
    for (m, kind) in [
        ("hi", SmallTalk::Greeting),
        ("Hello there!", SmallTalk::Greeting),
        ("good morning", SmallTalk::Greeting),
        ("Hallo", SmallTalk::Greeting),
        ("Bonjour", SmallTalk::Greeting),
        ("hola", SmallTalk::Greeting),
        ("Cześć", SmallTalk::Greeting),
        ("Привет", SmallTalk::Greeting),
        ("你好", SmallTalk::Greeting),
        ("thanks!", SmallTalk::Thanks),
        ("Thank you so much, that was helpful", SmallTalk::Thanks),
        ("ok great", SmallTalk::Thanks),
        ("Danke schön", SmallTalk::Thanks),
        ("merci beaucoup", SmallTalk::Thanks),
        ("muchas gracias", SmallTalk::Thanks),
        ("grazie mille", SmallTalk::Thanks),
        ("dziękuję bardzo", SmallTalk::Thanks),
        ("спасибо", SmallTalk::Thanks),
        ("谢谢", SmallTalk::Thanks),
        ("bye", SmallTalk::Goodbye),
        ("Tschüss", SmallTalk::Goodbye),
        ("are you a bot?", SmallTalk::AreYouABot),
        ("are you human?", SmallTalk::AreYouABot),
        ("is this a bot", SmallTalk::AreYouABot),
        ("bist du ein Bot?", SmallTalk::AreYouABot),
        ("ты бот?", SmallTalk::AreYouABot),
        ("你是机器人吗？", SmallTalk::AreYouABot),
    ] {
        assert_eq!(small_talk(&Message::new(m)), Some(kind), "{m}");
    }
}

#[test]
fn questions_with_greetings_are_not_small_talk() {
    for m in [
        "hi, how do I export my notes?",
        "thanks, and how do I cancel?",
        "hello I forgot my password",
        "ok",
    ] {
        if m == "ok" {
            assert_eq!(small_talk(&Message::new(m)), Some(SmallTalk::Thanks));
            continue;
        }
        assert_eq!(small_talk(&Message::new(m)), None, "{m}");
    }
}

#[test]
fn frustration() {
    for m in [
        "this is useless",
        "That didn't help at all",
        "WHY IS THIS NOT WORKING!!!",
        "I asked three times!!!",
        "das hilft mir nicht",
        "ça ne m'aide pas",
        "no sirve para nada",
        "бесполезно",
        "没用",
    ] {
        assert!(frustrated(&Message::new(m)), "{m}");
    }
    for m in [
        "my notes are not syncing",
        "export to PDF",
        "I can't log in to my account",
        "Is 2FA available on the FREE plan?",
        "HOW LONG THE CARD VALIDITY",
    ] {
        assert!(!frustrated(&Message::new(m)), "{m}");
    }
}

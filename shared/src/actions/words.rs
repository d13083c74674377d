//! The bot's own words around actions, in every language the engine
//! speaks (the site's titles, questions and results are the site's own),
//! and the words that stop an action: "never mind", in each of them.

use crate::text::{Lang, Message};

/// Something the bot says during an action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line {
    /// The action needs a signed-in visitor, and this one is not.
    SignIn,
    /// Before asking again: the value given is not one the action takes.
    NotRight,
    /// Before asking again: the message holds several values.
    WhichOne,
    /// Asked too often: a person takes over.
    GiveUp,
    /// The visitor stopped the action.
    Cancelled,
    /// A message came while the confirm card waits.
    Remind,
    /// A read failed: nothing was looked up.
    ReadFailed,
    /// A write was refused: nothing changed.
    WriteFailed,
    /// A write's outcome is unknown: a person checks.
    Unknown,
    /// The confirm card was pressed too late.
    Expired,
    /// A read or write could not be made: the site's API is not set up.
    Unavailable,
}

type Row = [&'static str; 9];

/// `line` in `lang` (English for languages without a translation).
pub fn say(lang: Lang, line: Line) -> &'static str {
    let row: &Row = match line {
        Line::SignIn => &SIGN_IN,
        Line::NotRight => &NOT_RIGHT,
        Line::WhichOne => &WHICH_ONE,
        Line::GiveUp => &GIVE_UP,
        Line::Cancelled => &CANCELLED,
        Line::Remind => &REMIND,
        Line::ReadFailed => &READ_FAILED,
        Line::WriteFailed => &WRITE_FAILED,
        Line::Unknown => &UNKNOWN,
        Line::Expired => &EXPIRED,
        Line::Unavailable => &UNAVAILABLE,
    };
    row[match lang {
        Lang::De => 1,
        Lang::Fr => 2,
        Lang::Es => 3,
        Lang::It => 4,
        Lang::Pt => 5,
        Lang::Pl => 6,
        Lang::Ru => 7,
        Lang::Zh => 8,
        Lang::En | Lang::Ja | Lang::Other => 0,
    }]
}

const SIGN_IN: Row = [
    "I can do that once you're signed in. Please sign in on this site and ask again, or talk to a person.",
    "Das kann ich erledigen, sobald Sie angemeldet sind. Bitte melden Sie sich auf dieser Website an und fragen Sie erneut, oder sprechen Sie mit einem Menschen.",
    "Je peux le faire une fois que vous êtes connecté. Connectez-vous sur ce site et redemandez, ou parlez à une personne.",
    "Puedo hacerlo cuando hayas iniciado sesión. Inicia sesión en este sitio y vuelve a preguntar, o habla con una persona.",
    "Posso farlo quando avrai effettuato l'accesso. Accedi a questo sito e chiedi di nuovo, oppure parla con una persona.",
    "Posso fazer isso quando você estiver conectado. Entre neste site e pergunte de novo, ou fale com uma pessoa.",
    "Mogę to zrobić, gdy się zalogujesz. Zaloguj się na tej stronie i zapytaj ponownie albo porozmawiaj z człowiekiem.",
    "Я смогу это сделать, когда вы войдёте в аккаунт. Войдите на сайте и спросите снова или поговорите с человеком.",
    "登录后我才能为您办理。请先在本网站登录后再问一次，或联系人工客服。",
];

const NOT_RIGHT: Row = [
    "That doesn't look right.",
    "Das scheint nicht zu stimmen.",
    "Cela ne semble pas correct.",
    "Eso no parece correcto.",
    "Non sembra corretto.",
    "Isso não parece correto.",
    "To nie wygląda poprawnie.",
    "Похоже, это неверно.",
    "这个好像不对。",
];

const WHICH_ONE: Row = [
    "I see more than one there.",
    "Ich sehe dort mehr als eine Angabe.",
    "J'en vois plusieurs.",
    "Veo más de uno.",
    "Ne vedo più di uno.",
    "Vejo mais de um.",
    "Widzę tu więcej niż jedną wartość.",
    "Я вижу здесь несколько значений.",
    "我看到了不止一个。",
];

const GIVE_UP: Row = [
    "I couldn't get that right. A person can help you with this.",
    "Das hat leider nicht geklappt. Ein Mensch kann Ihnen dabei helfen.",
    "Je n'y arrive pas. Une personne peut vous aider.",
    "No he podido entenderlo. Una persona puede ayudarte con esto.",
    "Non sono riuscito a capirlo. Una persona può aiutarti.",
    "Não consegui entender. Uma pessoa pode ajudar você com isso.",
    "Nie udało mi się tego ustalić. Człowiek może Ci w tym pomóc.",
    "У меня не получилось. С этим вам поможет человек.",
    "我没能弄清楚。人工客服可以帮您处理。",
];

const CANCELLED: Row = [
    "Okay, I've stopped. Nothing was changed. Anything else?",
    "In Ordnung, ich habe abgebrochen. Es wurde nichts geändert. Kann ich sonst helfen?",
    "D'accord, j'arrête. Rien n'a été modifié. Autre chose ?",
    "De acuerdo, lo he dejado. No se ha cambiado nada. ¿Algo más?",
    "Va bene, mi fermo. Non è stato modificato nulla. Altro?",
    "Certo, parei. Nada foi alterado. Mais alguma coisa?",
    "W porządku, przerwałem. Nic nie zostało zmienione. Coś jeszcze?",
    "Хорошо, я остановился. Ничего не изменено. Что-нибудь ещё?",
    "好的，已停止。没有做任何更改。还有其他问题吗？",
];

const REMIND: Row = [
    "Nothing happens until you press Confirm. Press Cancel, or say \"cancel\", to stop.",
    "Es passiert nichts, bis Sie auf Bestätigen drücken. Drücken Sie Abbrechen oder schreiben Sie „abbrechen“, um aufzuhören.",
    "Rien ne se passe tant que vous n'appuyez pas sur Confirmer. Appuyez sur Annuler, ou écrivez « annuler », pour arrêter.",
    "No pasa nada hasta que pulses Confirmar. Pulsa Cancelar, o escribe «cancelar», para detenerlo.",
    "Non succede nulla finché non premi Conferma. Premi Annulla, o scrivi «annulla», per fermarti.",
    "Nada acontece até você tocar em Confirmar. Toque em Cancelar, ou escreva \"cancelar\", para parar.",
    "Nic się nie stanie, dopóki nie naciśniesz Potwierdź. Naciśnij Anuluj lub napisz „anuluj”, aby przerwać.",
    "Ничего не произойдёт, пока вы не нажмёте «Подтвердить». Нажмите «Отмена» или напишите «отмена», чтобы остановить.",
    "在您点击“确认”之前不会执行任何操作。点击“取消”或输入“取消”即可停止。",
];

const READ_FAILED: Row = [
    "Sorry, I couldn't look that up just now. A person can help you with this.",
    "Das konnte ich gerade leider nicht nachsehen. Ein Mensch kann Ihnen dabei helfen.",
    "Désolé, je n'ai pas pu le vérifier pour le moment. Une personne peut vous aider.",
    "Lo siento, no he podido consultarlo ahora. Una persona puede ayudarte con esto.",
    "Mi dispiace, non sono riuscito a verificarlo ora. Una persona può aiutarti.",
    "Desculpe, não consegui consultar isso agora. Uma pessoa pode ajudar você.",
    "Przepraszam, nie udało mi się tego teraz sprawdzić. Człowiek może Ci pomóc.",
    "Извините, сейчас не удалось это проверить. С этим вам поможет человек.",
    "抱歉，暂时无法查询。人工客服可以帮您处理。",
];

const WRITE_FAILED: Row = [
    "Sorry, that didn't go through, and nothing was changed. A person can help you with this.",
    "Das hat leider nicht geklappt, es wurde nichts geändert. Ein Mensch kann Ihnen dabei helfen.",
    "Désolé, cela n'a pas abouti et rien n'a été modifié. Une personne peut vous aider.",
    "Lo siento, no se ha podido hacer y no se ha cambiado nada. Una persona puede ayudarte con esto.",
    "Mi dispiace, non è andato a buon fine e non è stato modificato nulla. Una persona può aiutarti.",
    "Desculpe, não deu certo e nada foi alterado. Uma pessoa pode ajudar você.",
    "Przepraszam, to się nie udało i nic nie zostało zmienione. Człowiek może Ci pomóc.",
    "Извините, не получилось, ничего не изменено. С этим вам поможет человек.",
    "抱歉，操作未成功，没有做任何更改。人工客服可以帮您处理。",
];

const UNKNOWN: Row = [
    "I couldn't tell whether that went through. A person will check it for you.",
    "Ich konnte nicht feststellen, ob das geklappt hat. Ein Mensch prüft es für Sie.",
    "Je n'ai pas pu vérifier si cela a abouti. Une personne va le vérifier pour vous.",
    "No he podido saber si se ha completado. Una persona lo comprobará por ti.",
    "Non sono riuscito a capire se è andato a buon fine. Una persona lo verificherà per te.",
    "Não consegui saber se deu certo. Uma pessoa vai verificar para você.",
    "Nie wiem, czy to się udało. Człowiek to dla Ciebie sprawdzi.",
    "Не удалось понять, прошло ли это. Человек проверит это для вас.",
    "无法确认操作是否成功。人工客服会为您核实。",
];

const EXPIRED: Row = [
    "That confirmation has expired, so nothing was changed. Ask again if you still want it.",
    "Diese Bestätigung ist abgelaufen, es wurde nichts geändert. Fragen Sie einfach erneut.",
    "Cette confirmation a expiré : rien n'a été modifié. Redemandez si vous le souhaitez toujours.",
    "Esa confirmación ha caducado, así que no se ha cambiado nada. Vuelve a pedirlo si aún lo quieres.",
    "Questa conferma è scaduta, quindi non è stato modificato nulla. Chiedi di nuovo se lo vuoi ancora.",
    "Essa confirmação expirou, então nada foi alterado. Peça de novo se ainda quiser.",
    "To potwierdzenie wygasło, więc nic nie zostało zmienione. Zapytaj ponownie, jeśli nadal chcesz.",
    "Срок подтверждения истёк, ничего не изменено. Спросите снова, если это ещё нужно.",
    "该确认已过期，没有做任何更改。如仍需要，请重新提出。",
];

const UNAVAILABLE: Row = [
    "I can't do that here yet. A person can help you with this.",
    "Das kann ich hier noch nicht erledigen. Ein Mensch kann Ihnen dabei helfen.",
    "Je ne peux pas encore le faire ici. Une personne peut vous aider.",
    "Todavía no puedo hacerlo aquí. Una persona puede ayudarte con esto.",
    "Non posso ancora farlo qui. Una persona può aiutarti.",
    "Ainda não posso fazer isso aqui. Uma pessoa pode ajudar você.",
    "Jeszcze nie mogę tego tutaj zrobić. Człowiek może Ci pomóc.",
    "Пока я не могу сделать это здесь. С этим вам поможет человек.",
    "这里暂时无法办理。人工客服可以帮您处理。",
];

/// Words that stop an action, folded (lower case, no diacritics), alone
/// or as a phrase.
const STOP: &[&str] = &[
    // en
    "cancel",
    "stop",
    "never mind",
    "nevermind",
    "forget it",
    "abort",
    "quit",
    "no thanks",
    // de
    "abbrechen",
    "abbruch",
    "stopp",
    "vergiss es",
    "egal",
    "doch nicht",
    "nein danke",
    // fr
    "annuler",
    "annule",
    "laisse tomber",
    "oublie",
    "pas grave",
    "non merci",
    "arrete",
    // es
    "cancelar",
    "cancela",
    "olvidalo",
    "no importa",
    "dejalo",
    "no gracias",
    "para",
    // it
    "annulla",
    "lascia perdere",
    "non importa",
    "no grazie",
    "lascia stare",
    "basta",
    // pt
    "cancele",
    "esquece",
    "deixa pra la",
    "nao importa",
    "nao obrigado",
    "deixa",
    // pl
    "anuluj",
    "niewazne",
    "zapomnij",
    "nie dziekuje",
    "przerwij",
    // ru
    "отмена",
    "отменить",
    "отмени",
    "не надо",
    "забудь",
    "неважно",
    "стоп",
    "хватит",
];

/// Chinese has no spaces: these count when the message is short.
const STOP_ZH: &[&str] = &["取消", "算了", "不用了", "不要了", "停止"];

/// Words that may stand beside a stop word without making the message
/// about something else ("no, never mind", "cancel please", "stop it").
const FILLER: &[&str] = &[
    "no", "nein", "non", "nao", "nie", "нет", "please", "bitte", "por", "favor", "per", "it",
    "that", "this", "ok", "okay", "oh", "just", "actually", "thanks", "es", "das", "ca", "c", "lo",
    "eso", "isso", "to", "это", "all", "alles", "tout", "todo",
];

/// Whether `message` stops the action: a stop word or phrase, with at
/// most a filler word or two beside it ("cancel please", "no, never
/// mind"), and nothing else ("cancel order 10002" is a new request, not a
/// stop).
pub fn stops(message: &Message) -> bool {
    let text = message.lower();
    if text.chars().filter(|c| !c.is_whitespace()).count() <= 8
        && STOP_ZH.iter().any(|p| text.contains(p))
    {
        return true;
    }
    let words = message.words();
    if words.is_empty() || words.len() > 6 {
        return false;
    }
    let mut rest: Vec<&str> = words.iter().map(String::as_str).collect();
    let mut found = false;
    for phrase in STOP {
        let parts: Vec<&str> = phrase.split(' ').collect();
        let mut i = 0;
        while i + parts.len() <= rest.len() {
            if rest[i..i + parts.len()] == parts[..] {
                rest.drain(i..i + parts.len());
                found = true;
            } else {
                i += 1;
            }
        }
    }
    found && rest.iter().all(|w| FILLER.contains(w))
}

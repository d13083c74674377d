//! The bot's own words, in every language the widget speaks. Answers quote
//! help articles; everything else the bot says comes from here, so a visitor
//! who writes in Polish is offered a person in Polish.

use crate::text::Lang;

/// Something the bot says that is not quoted from an article.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line {
    /// Introduces the suggested articles (the reply's sources): "Is it
    /// about one of these?"
    Suggest,
    /// Agrees to the person the visitor asked for (reason `requested`) and
    /// asks for their email.
    EscalateRequested,
    /// Offers a person when no article matches (reason `no_match`, and an
    /// escalation without a reason).
    EscalateNoMatch,
    /// Offers a person for an always-human topic (reason `always_human`).
    AlwaysHuman,
    /// Apologises and offers a person (reason `frustrated`).
    Frustrated,
    /// Says the bot could not help and offers a person (reason
    /// `unresolved`).
    Unresolved,
    /// Answers a greeting, with a person one click away.
    Greeting,
    /// Answers thanks and asks whether there is anything else.
    Thanks,
    /// Answers a goodbye.
    Goodbye,
    /// Says it is an automated assistant answering from the help articles,
    /// with a person one click away.
    AreYouABot,
    /// Before a passage quoted from an article in another language than
    /// the visitor's (the help centre has none in theirs).
    OtherLanguage,
}

/// `line` in `lang`; English for languages without a translation.
pub fn say(lang: Lang, line: Line) -> &'static str {
    let row = match line {
        Line::Suggest => &SUGGEST,
        Line::EscalateRequested => &REQUESTED,
        Line::EscalateNoMatch => &NO_MATCH,
        Line::AlwaysHuman => &ALWAYS_HUMAN,
        Line::Frustrated => &FRUSTRATED,
        Line::Unresolved => &UNRESOLVED,
        Line::Greeting => &GREETING,
        Line::Thanks => &THANKS,
        Line::Goodbye => &GOODBYE,
        Line::AreYouABot => &BOT,
        Line::OtherLanguage => &OTHER_LANGUAGE,
    };
    row[column(lang)]
}

/// Column order of the tables below.
fn column(lang: Lang) -> usize {
    match lang {
        Lang::De => 1,
        Lang::Fr => 2,
        Lang::Es => 3,
        Lang::It => 4,
        Lang::Pt => 5,
        Lang::Pl => 6,
        Lang::Ru => 7,
        Lang::Zh => 8,
        Lang::En | Lang::Ja | Lang::Other => 0,
    }
}

type Row = [&'static str; 9];

const SUGGEST: Row = [
    "I'm not sure I understood. Is it about one of these?",
    "Ich bin nicht sicher, ob ich das richtig verstanden habe. Geht es um einen dieser Artikel?",
    "Je ne suis pas sûr d'avoir compris. Est-ce l'un de ces articles ?",
    "No estoy seguro de haberlo entendido. ¿Se trata de alguno de estos artículos?",
    "Non sono sicuro di aver capito. Si tratta di uno di questi articoli?",
    "Não tenho certeza se entendi. É sobre um destes artigos?",
    "Nie jestem pewien, czy dobrze rozumiem. Czy chodzi o któryś z tych artykułów?",
    "Я не уверен, что правильно понял. Речь об одной из этих статей?",
    "我不确定是否理解了您的问题。是关于以下哪篇文章吗？",
];

const REQUESTED: Row = [
    "Of course. Leave your email and a person from our team will get back to you.",
    "Gern. Hinterlassen Sie Ihre E-Mail-Adresse, dann meldet sich jemand aus unserem Team.",
    "Bien sûr. Laissez votre e-mail et une personne de notre équipe vous répondra.",
    "Por supuesto. Deja tu correo y una persona de nuestro equipo te responderá.",
    "Certo. Lascia la tua email e una persona del nostro team ti risponderà.",
    "Claro. Deixe o seu e-mail e uma pessoa da nossa equipe vai responder.",
    "Oczywiście. Zostaw swój e-mail, a ktoś z naszego zespołu odpowie.",
    "Конечно. Оставьте свой e-mail, и сотрудник нашей команды вам ответит.",
    "好的。请留下您的邮箱，我们团队的工作人员会回复您。",
];

const NO_MATCH: Row = [
    "I couldn't find an answer to that in our help articles. A person from our team can help.",
    "Dazu habe ich in unseren Hilfeartikeln keine Antwort gefunden. Jemand aus unserem Team kann helfen.",
    "Je n'ai pas trouvé de réponse dans nos articles d'aide. Une personne de notre équipe peut vous aider.",
    "No encontré una respuesta en nuestros artículos de ayuda. Una persona de nuestro equipo puede ayudarte.",
    "Non ho trovato una risposta nei nostri articoli di aiuto. Una persona del nostro team può aiutarti.",
    "Não encontrei uma resposta nos nossos artigos de ajuda. Uma pessoa da nossa equipe pode ajudar.",
    "Nie znalazłem odpowiedzi w naszych artykułach pomocy. Ktoś z naszego zespołu może pomóc.",
    "Я не нашёл ответа в наших справочных статьях. Сотрудник нашей команды может помочь.",
    "我在帮助文章中没有找到答案。我们团队的工作人员可以帮助您。",
];

const ALWAYS_HUMAN: Row = [
    "A person from our team handles this. Leave your email and they will get back to you.",
    "Darum kümmert sich jemand aus unserem Team. Hinterlassen Sie Ihre E-Mail-Adresse, dann melden wir uns.",
    "Une personne de notre équipe s'en occupe. Laissez votre e-mail et elle vous répondra.",
    "De esto se encarga una persona de nuestro equipo. Deja tu correo y te responderá.",
    "Se ne occupa una persona del nostro team. Lascia la tua email e ti risponderà.",
    "Uma pessoa da nossa equipe cuida disso. Deixe o seu e-mail e ela vai responder.",
    "Tym zajmuje się ktoś z naszego zespołu. Zostaw swój e-mail, a odpowiemy.",
    "Этим занимается сотрудник нашей команды. Оставьте свой e-mail, и вам ответят.",
    "这个问题由我们团队的工作人员处理。请留下您的邮箱，他们会回复您。",
];

const FRUSTRATED: Row = [
    "I'm sorry this has been frustrating. A person from our team can take it from here.",
    "Das tut mir leid. Jemand aus unserem Team kann hier weiterhelfen.",
    "Je suis désolé pour ce désagrément. Une personne de notre équipe peut prendre le relais.",
    "Siento que esto haya sido frustrante. Una persona de nuestro equipo puede encargarse.",
    "Mi dispiace per il disagio. Una persona del nostro team può occuparsene.",
    "Sinto muito pelo incômodo. Uma pessoa da nossa equipe pode continuar daqui.",
    "Przykro mi, że to frustrujące. Ktoś z naszego zespołu może się tym zająć.",
    "Извините за неудобства. Сотрудник нашей команды может помочь дальше.",
    "很抱歉给您带来困扰。我们团队的工作人员可以接手处理。",
];

const UNRESOLVED: Row = [
    "I haven't been able to help with this. A person from our team can.",
    "Hier konnte ich leider nicht helfen. Jemand aus unserem Team kann es.",
    "Je n'ai pas réussi à vous aider. Une personne de notre équipe le peut.",
    "No he podido ayudarte con esto. Una persona de nuestro equipo sí puede.",
    "Non sono riuscito ad aiutarti. Una persona del nostro team può farlo.",
    "Não consegui ajudar com isso. Uma pessoa da nossa equipe pode.",
    "Nie udało mi się pomóc. Ktoś z naszego zespołu może to zrobić.",
    "Мне не удалось помочь. Сотрудник нашей команды сможет.",
    "我没能帮上忙。我们团队的工作人员可以帮助您。",
];

const GREETING: Row = [
    "Hello! Ask me anything about our product. A person from our team is one click away too.",
    "Hallo! Fragen Sie mich alles zu unserem Produkt. Auch jemand aus unserem Team ist nur einen Klick entfernt.",
    "Bonjour ! Posez-moi vos questions sur notre produit. Une personne de notre équipe est aussi à un clic.",
    "¡Hola! Pregúntame lo que quieras sobre nuestro producto. Una persona de nuestro equipo también está a un clic.",
    "Ciao! Chiedimi qualsiasi cosa sul nostro prodotto. Anche una persona del nostro team è a un clic.",
    "Olá! Pergunte-me o que quiser sobre o nosso produto. Uma pessoa da nossa equipe também está a um clique.",
    "Cześć! Zapytaj mnie o nasz produkt. Ktoś z naszego zespołu jest też o jedno kliknięcie.",
    "Здравствуйте! Спросите меня о нашем продукте. Сотрудник нашей команды тоже в одном клике.",
    "您好！关于我们的产品，欢迎随时提问。也可以一键联系我们的工作人员。",
];

const THANKS: Row = [
    "You're welcome! Anything else I can help with?",
    "Gern geschehen! Kann ich sonst noch helfen?",
    "Avec plaisir ! Puis-je vous aider pour autre chose ?",
    "¡De nada! ¿Puedo ayudarte con algo más?",
    "Prego! Posso aiutarti con qualcos'altro?",
    "De nada! Posso ajudar com mais alguma coisa?",
    "Proszę bardzo! Czy mogę pomóc w czymś jeszcze?",
    "Пожалуйста! Могу ли я помочь чем-то ещё?",
    "不客气！还有什么可以帮您的吗？",
];

const GOODBYE: Row = [
    "Goodbye! Come back any time.",
    "Auf Wiedersehen! Melden Sie sich jederzeit wieder.",
    "Au revoir ! Revenez quand vous voulez.",
    "¡Adiós! Vuelve cuando quieras.",
    "Arrivederci! Torna quando vuoi.",
    "Tchau! Volte quando quiser.",
    "Do widzenia! Wracaj, kiedy chcesz.",
    "До свидания! Возвращайтесь в любое время.",
    "再见！欢迎随时回来。",
];

const BOT: Row = [
    "I'm an automated assistant: I answer from our help articles. A person from our team is one click away.",
    "Ich bin ein automatischer Assistent und antworte aus unseren Hilfeartikeln. Jemand aus unserem Team ist nur einen Klick entfernt.",
    "Je suis un assistant automatique : je réponds à partir de nos articles d'aide. Une personne de notre équipe est à un clic.",
    "Soy un asistente automático: respondo a partir de nuestros artículos de ayuda. Una persona de nuestro equipo está a un clic.",
    "Sono un assistente automatico: rispondo dai nostri articoli di aiuto. Una persona del nostro team è a un clic.",
    "Sou um assistente automático: respondo a partir dos nossos artigos de ajuda. Uma pessoa da nossa equipe está a um clique.",
    "Jestem automatycznym asystentem: odpowiadam na podstawie naszych artykułów pomocy. Ktoś z naszego zespołu jest o jedno kliknięcie.",
    "Я автоматический помощник и отвечаю по нашим справочным статьям. Сотрудник нашей команды — в одном клике.",
    "我是自动助手，根据帮助文章回答问题。也可以一键联系我们的工作人员。",
];

const OTHER_LANGUAGE: Row = [
    "Our help article on this is only available in another language. Here is the relevant part:",
    "Unser Hilfeartikel dazu ist nur in einer anderen Sprache verfügbar. Hier der passende Abschnitt:",
    "Notre article d'aide sur ce sujet n'existe que dans une autre langue. Voici le passage utile :",
    "Nuestro artículo de ayuda sobre esto solo está disponible en otro idioma. Esta es la parte relevante:",
    "Il nostro articolo di aiuto su questo è disponibile solo in un'altra lingua. Ecco la parte rilevante:",
    "O nosso artigo de ajuda sobre isso só está disponível em outro idioma. Esta é a parte relevante:",
    "Nasz artykuł pomocy na ten temat jest dostępny tylko w innym języku. Oto odpowiedni fragment:",
    "Наша справочная статья об этом есть только на другом языке. Вот нужный фрагмент:",
    "我们关于此问题的帮助文章仅有其他语言版本。以下是相关内容：",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_differs_per_language_and_falls_back_to_english() {
        let lines = [
            Line::Suggest,
            Line::EscalateRequested,
            Line::EscalateNoMatch,
            Line::AlwaysHuman,
            Line::Frustrated,
            Line::Unresolved,
            Line::Greeting,
            Line::Thanks,
            Line::Goodbye,
            Line::AreYouABot,
            Line::OtherLanguage,
        ];
        let langs = [
            Lang::En,
            Lang::De,
            Lang::Fr,
            Lang::Es,
            Lang::It,
            Lang::Pt,
            Lang::Pl,
            Lang::Ru,
            Lang::Zh,
        ];
        for line in lines {
            let mut seen: Vec<&str> = langs.iter().map(|&l| say(l, line)).collect();
            seen.sort();
            seen.dedup();
            assert_eq!(seen.len(), langs.len(), "{line:?} repeats a translation");
            assert_eq!(say(Lang::Ja, line), say(Lang::En, line));
        }
    }
}

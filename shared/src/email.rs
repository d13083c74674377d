//! Replies by e-mail, as pure logic: the message a visitor gets when an
//! agent's reply has not reached their widget ([`compose`], in their
//! language), the provider request the common HTTP e-mail APIs share
//! ([`request_body`]), the per-conversation reply address that cannot be
//! guessed ([`reply_token`], [`reply_address`], [`token_in`]), and the
//! visitor's answer read back from an e-mail ([`address_of`],
//! [`answer_text`]: quoted history and signature left out).

use serde_json::{json, Value};

use crate::text::Lang;

/// Characters of a reply token: 26 base32 letters carry the 128 random
/// bits the caller passes (130 bits of room).
pub const REPLY_TOKEN_CHARS: usize = 26;
/// Longest answer taken from an e-mail (as a chat message).
pub const MAX_ANSWER_CHARS: usize = 2000;

/// One e-mail to a visitor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// The sender (`EMAIL_FROM`, e.g. `Lumen support <support@lumen.example>`).
    pub from: String,
    /// The visitor's address (the one on their ticket).
    pub to: String,
    /// The conversation's reply address ([`reply_address`]).
    pub reply_to: String,
    /// In the visitor's language.
    pub subject: String,
    /// Plain text.
    pub text: String,
    /// The same as HTML, every piece of text escaped.
    pub html: String,
    /// The one-click unsubscribe URL (also the `List-Unsubscribe` header).
    pub unsubscribe: String,
}

/// What an e-mail says around the agent's reply, by language.
struct Words {
    subject: &'static str,
    intro: &'static str,
    link: &'static str,
    reply_only: &'static str,
    footer: &'static str,
}

fn words(lang: Lang) -> &'static Words {
    match lang {
        Lang::De => &Words {
            subject: "{site}: eine Antwort auf Ihre Frage",
            intro: "Unser Team hat auf Ihre Frage geantwortet:",
            link: "Antworten Sie einfach auf diese E-Mail oder setzen Sie das Gespräch hier fort:",
            reply_only: "Antworten Sie einfach auf diese E-Mail.",
            footer: "Sie erhalten diese E-Mail, weil Sie {site} um Hilfe gebeten haben. Keine solchen E-Mails mehr:",
        },
        Lang::Fr => &Words {
            subject: "{site} : une réponse à votre question",
            intro: "Notre équipe a répondu à votre question :",
            link: "Répondez simplement à cet e-mail, ou poursuivez la conversation ici :",
            reply_only: "Répondez simplement à cet e-mail.",
            footer: "Vous recevez cet e-mail car vous avez demandé de l'aide à {site}. Ne plus recevoir ces e-mails :",
        },
        Lang::Es => &Words {
            subject: "{site}: una respuesta a tu pregunta",
            intro: "Nuestro equipo ha respondido a tu pregunta:",
            link: "Responde a este correo o continúa la conversación aquí:",
            reply_only: "Responde a este correo.",
            footer: "Recibes este correo porque pediste ayuda a {site}. Dejar de recibir estos correos:",
        },
        Lang::It => &Words {
            subject: "{site}: una risposta alla tua domanda",
            intro: "Il nostro team ha risposto alla tua domanda:",
            link: "Rispondi a questa e-mail oppure continua la conversazione qui:",
            reply_only: "Rispondi a questa e-mail.",
            footer: "Ricevi questa e-mail perché hai chiesto aiuto a {site}. Non ricevere più queste e-mail:",
        },
        Lang::Pt => &Words {
            subject: "{site}: uma resposta à sua pergunta",
            intro: "A nossa equipa respondeu à sua pergunta:",
            link: "Responda a este e-mail ou continue a conversa aqui:",
            reply_only: "Responda a este e-mail.",
            footer: "Recebe este e-mail porque pediu ajuda a {site}. Deixar de receber estes e-mails:",
        },
        Lang::Pl => &Words {
            subject: "{site}: odpowiedź na Twoje pytanie",
            intro: "Nasz zespół odpowiedział na Twoje pytanie:",
            link: "Odpowiedz na tę wiadomość albo kontynuuj rozmowę tutaj:",
            reply_only: "Odpowiedz na tę wiadomość.",
            footer: "Otrzymujesz tę wiadomość, bo poprosiłeś {site} o pomoc. Nie chcę więcej takich wiadomości:",
        },
        Lang::Ru => &Words {
            subject: "{site}: ответ на ваш вопрос",
            intro: "Наша команда ответила на ваш вопрос:",
            link: "Ответьте на это письмо или продолжите разговор здесь:",
            reply_only: "Ответьте на это письмо.",
            footer: "Вы получили это письмо, потому что обратились за помощью в {site}. Отписаться от таких писем:",
        },
        Lang::Zh => &Words {
            subject: "{site}：您的问题有了回复",
            intro: "我们的团队回复了您的问题：",
            link: "直接回复此邮件，或在此继续对话：",
            reply_only: "直接回复此邮件。",
            footer: "您收到此邮件是因为您向 {site} 寻求了帮助。不再接收此类邮件：",
        },
        Lang::Ja => &Words {
            subject: "{site}：ご質問への返信",
            intro: "担当者がご質問に返信しました：",
            link: "このメールに返信するか、こちらで会話を続けてください：",
            reply_only: "このメールに返信してください。",
            footer: "{site} にお問い合わせいただいたため、このメールをお送りしています。配信停止：",
        },
        Lang::En | Lang::Other => &Words {
            subject: "{site}: a reply to your question",
            intro: "Our team replied to your question:",
            link: "Answer by replying to this e-mail, or continue the conversation here:",
            reply_only: "Answer by replying to this e-mail.",
            footer: "You get this e-mail because you asked {site} for help. Stop these e-mails:",
        },
    }
}

/// The e-mail telling a visitor of an agent's `reply`, in `lang`: the
/// reply, how to answer (this e-mail, or the page at `link`), and how to
/// stop these e-mails (`unsubscribe`).
#[allow(clippy::too_many_arguments)]
pub fn compose(
    lang: Lang,
    site: &str,
    reply: &str,
    link: Option<&str>,
    unsubscribe: &str,
    from: &str,
    to: &str,
    reply_to: &str,
) -> Outgoing {
    let w = words(lang);
    let site_line = |s: &str| s.replace("{site}", site);
    let subject = one_line(&site_line(w.subject));
    let answer = match link {
        Some(link) => format!("{}\n{link}", w.link),
        None => w.reply_only.to_owned(),
    };
    let text = format!(
        "{}\n\n{}\n\n{answer}\n\n--\n{}\n{unsubscribe}\n",
        w.intro,
        reply.trim(),
        site_line(w.footer)
    );
    let paragraphs: String = reply
        .trim()
        .split("\n\n")
        .map(|p| format!("<p>{}</p>", escape(p).replace('\n', "<br>")))
        .collect();
    let cta = match link {
        Some(link) => format!(
            "<p>{} <a href=\"{}\">{}</a></p>",
            escape(w.link),
            escape(link),
            escape(link)
        ),
        None => format!("<p>{}</p>", escape(w.reply_only)),
    };
    let html = format!(
        "<!doctype html><html lang=\"{}\"><body><p>{}</p><blockquote>{paragraphs}</blockquote>{cta}\
         <hr><p><small>{} <a href=\"{}\">{}</a></small></p></body></html>",
        lang.code(),
        escape(w.intro),
        escape(&site_line(w.footer)),
        escape(unsubscribe),
        escape(unsubscribe)
    );
    Outgoing {
        from: from.to_owned(),
        to: to.to_owned(),
        reply_to: reply_to.to_owned(),
        subject,
        text,
        html,
        unsubscribe: unsubscribe.to_owned(),
    }
}

/// The JSON body the common HTTP e-mail APIs take (Resend's shape, which
/// others copy): `from`, `to` (a list), `subject`, `text`, `html`,
/// `reply_to`, and the one-click unsubscribe headers (RFC 8058).
pub fn request_body(e: &Outgoing) -> Value {
    json!({
        "from": e.from,
        "to": [e.to],
        "reply_to": e.reply_to,
        "subject": e.subject,
        "text": e.text,
        "html": e.html,
        "headers": {
            "List-Unsubscribe": format!("<{}>", e.unsubscribe),
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    })
}

/// A conversation's reply token from 16 random bytes: lowercase base32,
/// [`REPLY_TOKEN_CHARS`] letters (e-mail local parts are often lowercased).
pub fn reply_token(random: [u8; 16]) -> String {
    const ALPHABET: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";
    let mut out = String::with_capacity(REPLY_TOKEN_CHARS);
    let mut bits = 0u32;
    let mut held = 0u32;
    for byte in random {
        bits = (bits << 8) | u32::from(byte);
        held += 8;
        while held >= 5 {
            held -= 5;
            out.push(ALPHABET[((bits >> held) & 31) as usize] as char);
        }
    }
    if held > 0 {
        out.push(ALPHABET[((bits << (5 - held)) & 31) as usize] as char);
    }
    out
}

/// The address a visitor's answer goes to: `reply+<token>@<domain>`.
pub fn reply_address(token: &str, domain: &str) -> String {
    format!("reply+{token}@{domain}")
}

/// The reply token in a recipient list (`to` of an inbound e-mail: one
/// address or several, with or without display names), if one of them is
/// `reply+<token>@<domain>` with a well-formed token.
pub fn token_in(recipients: &str, domain: &str) -> Option<String> {
    recipients.split(',').find_map(|r| {
        let address = address_of(r)?;
        let (local, host) = address.rsplit_once('@')?;
        if !host.eq_ignore_ascii_case(domain) {
            return None;
        }
        let token = local.strip_prefix("reply+")?;
        let well_formed = token.len() == REPLY_TOKEN_CHARS
            && token
                .bytes()
                .all(|b| b.is_ascii_lowercase() || (b'2'..=b'7').contains(&b));
        well_formed.then(|| token.to_owned())
    })
}

/// The bare address in `Name <user@host>` or `user@host`, lowercased; `None`
/// for anything that is not one address.
pub fn address_of(field: &str) -> Option<String> {
    let field = field.trim();
    let bare = match (field.rfind('<'), field.rfind('>')) {
        (Some(open), Some(close)) if open < close => &field[open + 1..close],
        (None, None) => field,
        _ => return None,
    };
    let bare = bare.trim();
    let (local, host) = bare.split_once('@')?;
    let ok = !local.is_empty()
        && host.contains('.')
        && !host.contains('@')
        && bare.len() <= 254
        && !bare
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == ',');
    ok.then(|| bare.to_lowercase())
}

/// What the visitor wrote in an answer by e-mail: the text above the
/// quoted history ("On … wrote:", "-----Original Message-----", lines
/// starting with `>`) and the signature (`-- `), trimmed and cut to
/// [`MAX_ANSWER_CHARS`]; `None` when nothing is left.
pub fn answer_text(body: &str) -> Option<String> {
    let mut kept: Vec<&str> = Vec::new();
    for line in body.lines() {
        let t = line.trim();
        if t == "--"
            || line == "-- "
            || t.starts_with("-----Original Message")
            || t.starts_with('>')
        {
            break;
        }
        if quote_header(t) {
            break;
        }
        kept.push(line.trim_end());
    }
    let text = kept.join("\n").trim().to_owned();
    if text.is_empty() {
        return None;
    }
    Some(text.chars().take(MAX_ANSWER_CHARS).collect())
}

/// "On Tue, 1 Dec 2026, Support <…> wrote:" and its kin in the languages
/// the widget speaks ("Am … schrieb Support <…>:", "Le … a écrit :"): a
/// line that ends with a colon, names the verb, and opens like a date
/// line or carries an address.
fn quote_header(line: &str) -> bool {
    const OPENERS: &[&str] = &["On ", "Am ", "Le ", "El ", "Il ", "Em ", "W dniu ", "Dnia "];
    const VERBS: &[&str] = &[
        "wrote",
        "schrieb",
        "a écrit",
        "escribió",
        "ha scritto",
        "escreveu",
        "napisał",
        "пишет",
        "написал",
        "写道",
        "書きました",
    ];
    let colon = line.ends_with(':') || line.ends_with('：');
    let verb = VERBS.iter().any(|v| line.contains(v));
    let opens = OPENERS.iter().any(|o| line.starts_with(o));
    colon && verb && (opens || line.contains('@'))
}

/// An e-mail that came in: who sent it, to whom, and its plain text — or,
/// from a provider whose webhook carries only metadata (Resend's
/// `email.received`), the id to fetch the body by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inbound {
    /// The `From` field as given (`Name <user@host>` or `user@host`).
    pub from: String,
    /// Every recipient, comma-separated.
    pub to: String,
    /// The plain-text body (or, without one, the HTML's text).
    pub text: Option<String>,
    /// The provider's id of the received e-mail (`data.email_id`), when the
    /// body is not in the webhook.
    pub email_id: Option<String>,
}

/// An inbound e-mail webhook's JSON in the shapes providers send: flat
/// `from` / `to` / `text` (`to` a string, a list of strings, or of
/// `{"email"}` objects), the same under `data` (Resend's
/// `email.received`), Postmark's `From` / `To` / `TextBody`, and
/// Mailgun's `sender` / `recipient` / `body-plain`. Without plain text
/// the HTML's text is taken (tags dropped); with neither, an `email_id`
/// (a well-formed one: letters, digits, `-`, `_`, at most 64) says where
/// to fetch it. `None` when a part is missing.
pub fn inbound(v: &Value) -> Option<Inbound> {
    let v = v.get("data").filter(|d| d.is_object()).unwrap_or(v);
    let pick = |names: &[&str]| names.iter().find_map(|n| v.get(*n)).cloned();
    let from = match pick(&["from", "From", "sender"])? {
        Value::String(s) => s,
        Value::Object(o) => o.get("email").and_then(Value::as_str)?.to_owned(),
        _ => return None,
    };
    let to = match pick(&["to", "To", "recipient"])? {
        Value::String(s) => s,
        Value::Array(items) => items
            .iter()
            .filter_map(|i| match i {
                Value::String(s) => Some(s.clone()),
                Value::Object(o) => o.get("email").and_then(Value::as_str).map(str::to_owned),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join(", "),
        _ => return None,
    };
    let text = match pick(&["text", "TextBody", "body-plain"])
        .and_then(|t| t.as_str().map(str::to_owned))
    {
        Some(t) if !t.trim().is_empty() => Some(t),
        _ => pick(&["html", "HtmlBody", "body-html"]).and_then(|h| h.as_str().map(html_text)),
    };
    let email_id = v
        .get("email_id")
        .and_then(Value::as_str)
        .filter(|id| {
            !id.is_empty()
                && id.len() <= 64
                && id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .map(str::to_owned);
    if text.is_none() && email_id.is_none() {
        return None;
    }
    Some(Inbound {
        from,
        to,
        text,
        email_id,
    })
}

/// The text of a received e-mail as the provider's API returns it
/// (`{"text", "html", …}`, e.g. Resend's `GET /emails/receiving/{id}`):
/// the plain text, else the HTML's.
pub fn fetched_text(v: &Value) -> Option<String> {
    match v.get("text").and_then(Value::as_str) {
        Some(t) if !t.trim().is_empty() => Some(t.to_owned()),
        _ => v.get("html").and_then(Value::as_str).map(html_text),
    }
}

/// The text of an HTML body, roughly: tags dropped (`<br>`, `</p>` and
/// `</div>` end lines), the five entities read back.
fn html_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('>') else {
            rest = "";
            break;
        };
        let tag = rest[open + 1..open + close].to_ascii_lowercase();
        if tag.starts_with("br") || tag == "/p" || tag == "/div" {
            out.push('\n');
        }
        if tag.starts_with("blockquote") {
            // Quoted history: the rest is not the visitor's.
            rest = "";
            break;
        }
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
}

/// `s` on one line (a subject must not carry header breaks).
fn one_line(s: &str) -> String {
    s.split(['\r', '\n']).collect::<Vec<_>>().join(" ")
}

/// HTML text and attribute escaping.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests;

//! The scripted conversations of `suite.toml`, through the chat turn and
//! the confirm button, on the store site of frontdesk.toml with its API
//! scripted: by the built-in engine alone, and again with the scripted
//! model server (`e2e/fake-llm.mjs`, run with Node) choosing actions
//! through tool calling. Prints each failure and the score; at least 95 %
//! must pass.
//! Whatever else happens, no write reaches the API without a press of
//! Confirm, and no request is made for an unverified visitor.

use std::collections::VecDeque;

use frontdesk_api::error::ErrorCode;
use frontdesk_api::validate::ChatInput;
use frontdesk_api::wire::{ChatRequest, Decision, Reply};
use frontdesk_shared::config::actions::Method;
use serde::Deserialize;

use super::{confirm, ApiAnswer, CONFIRM_SECRET};
use crate::chat::{begin, finish, Begun};
use crate::db::sqlite::block_on;
use crate::ports::world::{site, World};
use crate::AppError;

#[derive(Deserialize)]
struct Suite {
    conversation: Vec<Conversation>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Conversation {
    name: String,
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    api: Vec<(u16, String)>,
    calls: usize,
    turns: Vec<(String, String, String)>,
    /// Played only with the scripted model: what the engine alone does not
    /// recognise.
    #[serde(default)]
    model: bool,
    /// With the model, these turns instead (where its choice rightly
    /// differs from the engine's).
    #[serde(default)]
    model_turns: Option<Vec<(String, String, String)>>,
}

/// How a conversation is played: the engine alone, or with a model
/// choosing actions (the address of a scripted model server).
#[derive(Clone, Copy)]
enum With<'a> {
    Engine,
    Model(&'a str),
}

/// What the bot did with one turn, as the suite names it.
fn kind(r: &Reply) -> &'static str {
    match (r.decision, r.confirm.is_some()) {
        (Decision::Action, true) => "confirm",
        (Decision::Action, false) => "action",
        (Decision::Escalate, _)
            if r.reason == Some(frontdesk_api::wire::EscalationReason::Unresolved) =>
        {
            "person"
        }
        (Decision::Escalate, _) => "escalate",
        (Decision::Answer, _) => "answer",
        (Decision::Suggest, _) => "suggest",
        (Decision::SmallTalk, _) => "small_talk",
    }
}

/// Plays one conversation; `Err` says where it went wrong.
fn play(c: &Conversation, with: With<'_>) -> Result<(), String> {
    let mut w = World::new();
    if let With::Model(addr) = with {
        let addr = addr.to_owned();
        w.model = Some(Box::new(move |request| fake_llm::post(&addr, request)));
    }
    w.secrets.borrow_mut().insert(
        "SHOP_API_SECRET".into(),
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".into(),
    );
    w.secrets.borrow_mut().insert(
        CONFIRM_SECRET.into(),
        "a-confirmation-key-of-32-bytes-or-more!!".into(),
    );
    *w.api_answers.borrow_mut() = c
        .api
        .iter()
        .map(|(status, body)| {
            ApiAnswer::Http(
                *status,
                Some("application/json".into()),
                Some(body.clone().into_bytes()),
            )
        })
        .collect::<VecDeque<_>>();
    let store = site("store");
    let user = c.user.as_deref();
    let mut conversation: Option<String> = None;
    let mut card: Option<String> = None;
    let mut presses = 0;
    let turns = match (with, &c.model_turns) {
        (With::Model(_), Some(turns)) => turns,
        _ => &c.turns,
    };
    for (i, (text, want, words)) in turns.iter().enumerate() {
        let at = format!("turn {} ({text:?})", i + 1);
        let got: Result<Reply, AppError> = match text.as_str() {
            "!confirm" | "!cancel" => {
                let token = card
                    .clone()
                    .ok_or(format!("{at}: no confirm card to press"))?;
                let accept = text == "!confirm";
                presses += usize::from(accept);
                let id = conversation.clone().unwrap_or_default();
                block_on(confirm(&w, store, &id, &token, accept, user)).map(|(_, r)| r)
            }
            _ => {
                let input = ChatInput::try_from(ChatRequest {
                    conversation_id: conversation.clone(),
                    message: text.clone(),
                    page_url: None,
                    locale: None,
                    idempotency_key: None,
                    identity: None,
                })
                .map_err(|e| format!("{at}: {e}"))?;
                let model = matches!(with, With::Model(_));
                match block_on(begin(&w, store, &input, None, model, user)) {
                    Ok(Begun::Replied(r)) => {
                        conversation = Some(r.conversation_id);
                        Ok(r.reply)
                    }
                    // The model writes the engine's answer from its
                    // articles; what it writes is not this suite's.
                    Ok(Begun::Generate(p)) if model => {
                        let reply = p.turn.reply.clone();
                        let r = block_on(finish(&w, store, p, reply))
                            .map_err(|e| format!("{at}: {e:?}"))?;
                        conversation = Some(r.conversation_id);
                        Ok(r.reply)
                    }
                    Ok(Begun::Generate(_)) => return Err(format!("{at}: a model turn")),
                    Err(e) => Err(e),
                }
            }
        };
        match got {
            Ok(reply) => {
                let k = kind(&reply);
                let kind_ok =
                    k == want || (want == "not_action" && !matches!(k, "action" | "confirm"));
                if !kind_ok || !reply.text.contains(words.as_str()) {
                    return Err(format!(
                        "{at}: wanted {want} {words:?}, got {k} {:?}",
                        reply.text
                    ));
                }
                if let Some(c) = &reply.confirm {
                    card = Some(c.token.clone());
                }
            }
            Err(AppError::Client(e)) if want == "refused" => {
                let code = serde_json::to_value(e.code).unwrap_or_default();
                if code != words.as_str() {
                    return Err(format!("{at}: refused with {code}, wanted {words}"));
                }
            }
            Err(e) => return Err(format!("{at}: {e:?}")),
        }
    }
    let calls = w.api_calls.borrow();
    let writes = calls.iter().filter(|r| r.method != Method::Get).count();
    // The two invariants hold for every conversation, passed or not.
    assert!(
        writes <= presses,
        "{}: {writes} writes for {presses} presses",
        c.name
    );
    assert!(
        user.is_some() || calls.is_empty(),
        "{}: a call for an unverified visitor",
        c.name
    );
    if calls.len() != c.calls {
        return Err(format!(
            "{} requests to the API, wanted {}",
            calls.len(),
            c.calls
        ));
    }
    let _ = ErrorCode::ConfirmationUsed;
    Ok(())
}

/// Plays the suite; the share passed.
fn score(with: With<'_>, name: &str) -> f64 {
    let suite: Suite = toml::from_str(include_str!("suite.toml")).unwrap();
    let played: Vec<&Conversation> = suite
        .conversation
        .iter()
        .filter(|c| matches!(with, With::Model(_)) || !c.model)
        .collect();
    let total = played.len();
    let mut passed = 0;
    for c in played {
        match play(c, with) {
            Ok(()) => passed += 1,
            Err(e) => println!("FAILED {:?}: {e}", c.name),
        }
    }
    let share = passed as f64 / total as f64;
    println!(
        "actions suite, {name}: {passed} of {total} conversations passed ({:.1} %)",
        share * 100.0
    );
    assert!(total >= 40, "{total} conversations");
    share
}

#[test]
fn the_scripted_conversations() {
    let share = score(With::Engine, "the built-in engine");
    assert!(share >= 0.95, "{share}");
}

#[test]
fn the_scripted_conversations_with_the_scripted_model_server() {
    let server = fake_llm::Server::start();
    let share = score(
        With::Model(&server.addr),
        "with the scripted model (e2e/fake-llm.mjs)",
    );
    let chosen = server.tool_calls();
    println!(
        "the model was asked {} times and chose an action {} times",
        chosen.0, chosen.1
    );
    assert!(chosen.1 >= 8, "{chosen:?}");
    assert!(share >= 0.95, "{share}");
}

/// The scripted model server (`e2e/fake-llm.mjs`) on a free loopback
/// port, for as long as the test holds it; spoken to in plain HTTP/1.0.
mod fake_llm {
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::process::{Child, Command, Stdio};
    use std::time::Duration;

    pub(super) struct Server {
        child: Child,
        pub addr: String,
    }

    impl Server {
        pub(super) fn start() -> Server {
            let port = TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("a free port")
                .port();
            let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../e2e/fake-llm.mjs");
            let child = Command::new("node")
                .arg(script)
                .arg(port.to_string())
                .stdout(Stdio::null())
                .spawn()
                .expect("node runs e2e/fake-llm.mjs (the test command puts Node on PATH)");
            let server = Server {
                child,
                addr: format!("127.0.0.1:{port}"),
            };
            for _ in 0..100 {
                if TcpStream::connect(&server.addr).is_ok() {
                    return server;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            panic!("fake-llm.mjs did not listen on {} within 5 s", server.addr);
        }

        /// How many tool requests it answered, and how many with a call.
        pub(super) fn tool_calls(&self) -> (usize, usize) {
            let body = exchange(&self.addr, "GET /__requests HTTP/1.0\r\n\r\n").unwrap();
            let requests: Vec<serde_json::Value> = serde_json::from_str(&body).unwrap();
            let tools: Vec<_> = requests
                .iter()
                .filter(|r| r["body"]["tools"].is_array())
                .collect();
            let called = tools.iter().filter(|r| r["tool"].is_object()).count();
            (tools.len(), called)
        }
    }

    impl Drop for Server {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    /// `POST /v1/chat/completions` with `request`: the body, and whether
    /// it is an event stream.
    pub(super) fn post(addr: &str, request: &serde_json::Value) -> Result<(String, bool), String> {
        let body = request.to_string();
        let head = format!(
            "POST /v1/chat/completions HTTP/1.0\r\nhost: {addr}\r\nauthorization: Bearer test-key\r\n\
             content-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        );
        let answer = exchange(addr, &head)?;
        Ok((answer, false))
    }

    /// Sends `request`, returns the answer's body (a non-2xx is an error).
    fn exchange(addr: &str, request: &str) -> Result<String, String> {
        let mut stream = TcpStream::connect(addr).map_err(|e| e.to_string())?;
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .map_err(|e| e.to_string())?;
        stream
            .write_all(request.as_bytes())
            .map_err(|e| e.to_string())?;
        let mut raw = String::new();
        stream.read_to_string(&mut raw).map_err(|e| e.to_string())?;
        let (head, body) = raw.split_once("\r\n\r\n").ok_or("no HTTP answer")?;
        let status = head.split_whitespace().nth(1).unwrap_or_default();
        if !status.starts_with('2') {
            return Err(format!("HTTP {status}: {body}"));
        }
        Ok(body.to_owned())
    }
}

//! The scripted conversations of `suite.toml`, through the chat turn and
//! the confirm button, on the store site of frontdesk.toml with its API
//! scripted. Prints each failure and the score; at least 95 % must pass.
//! Whatever else happens, no write reaches the API without a press of
//! Confirm, and no request is made for an unverified visitor.

use std::collections::VecDeque;

use frontdesk_api::error::ErrorCode;
use frontdesk_api::validate::ChatInput;
use frontdesk_api::wire::{ChatRequest, Decision, Reply};
use frontdesk_shared::config::actions::Method;
use serde::Deserialize;

use super::{confirm, ApiAnswer, CONFIRM_SECRET};
use crate::chat::{begin, Begun};
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
fn play(c: &Conversation) -> Result<(), String> {
    let w = World::new();
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
    for (i, (text, want, words)) in c.turns.iter().enumerate() {
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
                match block_on(begin(&w, store, &input, None, false, user)) {
                    Ok(Begun::Replied(r)) => {
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

#[test]
fn the_scripted_conversations() {
    let suite: Suite = toml::from_str(include_str!("suite.toml")).unwrap();
    let total = suite.conversation.len();
    let mut passed = 0;
    for c in &suite.conversation {
        match play(c) {
            Ok(()) => passed += 1,
            Err(e) => println!("FAILED {:?}: {e}", c.name),
        }
    }
    let share = passed as f64 / total as f64;
    println!(
        "actions suite: {passed} of {total} conversations passed ({:.1} %)",
        share * 100.0
    );
    assert!(total >= 40, "{total} conversations");
    assert!(share >= 0.95, "{passed} of {total}");
}

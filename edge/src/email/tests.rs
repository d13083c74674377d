//! Replies by e-mail natively (`ports::world`): when a reply is e-mailed,
//! what the provider is sent, and the answers that come back — each attack
//! refused with nothing stored.

use frontdesk_api::error::ErrorCode;
use frontdesk_api::wire::{LiveEvent, Role};
use frontdesk_shared::tickets::webhook;
use serde_json::{json, Value};

use super::{answer, send, unsubscribe, Job, Signed};
use crate::db::sqlite::block_on;
use crate::deliver::Outcome;
use crate::inbox;
use crate::limits::Who;
use crate::ports::world::{new_ticket, World};
use crate::replies;
use crate::room::INBOX;
use crate::settings::EmailSettings;
use crate::AppError;

const BASE: &str = "https://support.example";
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const OTHER_SECRET: &str = "whsec_c2hvcC1hcGktc2VjcmV0LWZvci1lMmUtdGVzdHM=";
const DOMAIN: &str = "reply.lumen.example";

fn world() -> World {
    let mut w = World::new();
    w.email = Some(EmailSettings {
        url: "https://api.mail.example/emails".into(),
        key: "re_test".into(),
        from: "Lumen support <support@lumen.example>".into(),
        reply_domain: DOMAIN.into(),
        after_secs: 180,
        inbound_secret: Some(SECRET.into()),
    });
    w
}

fn code<T: std::fmt::Debug>(result: Result<T, AppError>) -> ErrorCode {
    match result {
        Err(AppError::Client(e)) => e.code,
        other => panic!("expected a client error, got {other:?}"),
    }
}

/// A ticket (for ada@example.com), and an agent's reply no widget took:
/// the reference, conversation, and the e-mail job it queued.
async fn unseen_reply(w: &World, text: &str) -> (String, String, Job) {
    let (ticket, _) = new_ticket(w).await;
    inbox::reply(w, &ticket.reference, text, BASE)
        .await
        .unwrap();
    let (job, delay) = w.emails_queued.borrow_mut().pop().expect("queued");
    assert_eq!(delay, 180);
    (ticket.reference, ticket.conversation_id, job)
}

fn last_post(w: &World) -> (Value, Vec<(String, String)>) {
    let posts = w.posts.borrow();
    let post = posts.last().expect("an e-mail was sent");
    assert_eq!(post.url, "https://api.mail.example/emails");
    (
        serde_json::from_str(&post.body).unwrap(),
        post.headers.clone(),
    )
}

/// The thread's reply token, read back.
fn token(w: &World, conversation: &str) -> String {
    w.db.with(|c| {
        c.query_row(
            "SELECT token FROM email_threads WHERE conversation_id = ?1",
            [conversation],
            |r| r.get(0),
        )
        .unwrap()
    })
}

#[test]
fn an_unseen_reply_is_e_mailed_once_in_the_visitors_language_from_the_conversations_address() {
    let w = world();
    block_on(async {
        let (_, conversation, job) = unseen_reply(&w, "Hallo Ada, ich habe es repariert.").await;
        assert_eq!(
            job,
            Job {
                conversation: conversation.clone(),
                base: BASE.into(),
                attempt: 0
            }
        );
        w.db.with(|c| c.execute("UPDATE tickets SET language = 'de'", []).unwrap());
        assert_eq!(send(&w, &job).await.unwrap(), Outcome::Done);
        let (body, headers) = last_post(&w);
        let token = token(&w, &conversation);
        assert_eq!(token.len(), 26);
        println!("e-mail sent: {body:#}");
        assert_eq!(body["to"], json!(["ada@example.com"]));
        assert_eq!(body["from"], "Lumen support <support@lumen.example>");
        assert_eq!(body["reply_to"], format!("reply+{token}@{DOMAIN}"));
        let text = body["text"].as_str().unwrap();
        assert!(text.contains("Hallo Ada, ich habe es repariert."), "{text}");
        let subject = body["subject"].as_str().unwrap();
        assert!(!subject.contains("{site}"), "{subject}");
        let unsubscribe = format!("{BASE}/api/v1/email/unsubscribe?token={token}");
        assert_eq!(
            body["headers"]["List-Unsubscribe"],
            format!("<{unsubscribe}>")
        );
        assert!(text.contains(&unsubscribe));
        assert!(headers.contains(&("Authorization".into(), "Bearer re_test".into())));

        // The German words, not the English ones.
        let english = frontdesk_shared::email::compose(
            frontdesk_shared::text::Lang::En,
            "x",
            "r",
            None,
            "u",
            "f",
            "t",
            "r",
        );
        assert_ne!(subject, english.subject.replace('x', ""));

        // Sent once: the same job again, or the next one, sends nothing.
        assert_eq!(send(&w, &job).await.unwrap(), Outcome::Done);
        assert_eq!(w.posts.borrow().len(), 1);
    });
}

#[test]
fn a_reply_the_widget_showed_is_never_e_mailed() {
    let w = world();
    block_on(async {
        // Shown by a live connection (its `seen`, marked as the room does):
        // the job finds nothing owed.
        let (_, conversation, job) = unseen_reply(&w, "Live reply").await;
        let id = w.count("SELECT MAX(id) FROM messages WHERE role = 'agent'");
        crate::db::emails::delivered(&w.db, &conversation, id, w.now.get())
            .await
            .unwrap();
        assert_eq!(send(&w, &job).await.unwrap(), Outcome::Done);

        // Read by the long poll before the job runs: nothing sent.
        let (_, conversation, job) = unseen_reply(&w, "Polled reply").await;
        let who = Who {
            visitor: Some(conversation.clone()),
            ip: None,
            site: "demo".into(),
            established: true,
        };
        // The loader's unread check (no wait) only peeks: a badge is not
        // the reply.
        let peeked = replies::wait(&w, &conversation, true, &who, 0, 0)
            .await
            .unwrap();
        assert_eq!(peeked.len(), 1);
        let delivered = || w.count("SELECT COUNT(*) FROM messages WHERE delivered_at IS NOT NULL");
        assert_eq!(delivered(), 1);
        // The widget's wait shows it.
        let got = replies::wait(&w, &conversation, true, &who, 0, 20)
            .await
            .unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(delivered(), 2);
        assert_eq!(send(&w, &job).await.unwrap(), Outcome::Done);
        assert!(w.posts.borrow().iter().all(|p| !p.url.contains("mail")));
        assert_eq!(
            w.count("SELECT COUNT(*) FROM messages WHERE delivered_at IS NOT NULL"),
            2
        );
        assert_eq!(
            w.count("SELECT COUNT(*) FROM messages WHERE emailed_at IS NOT NULL"),
            0
        );
    });
}

#[test]
fn two_unseen_replies_are_one_e_mail() {
    let w = world();
    block_on(async {
        let (reference, conversation, first) = unseen_reply(&w, "First part.").await;
        inbox::reply(&w, &reference, "Second part.", BASE)
            .await
            .unwrap();
        let second = w.emails_queued.borrow_mut().pop().unwrap().0;
        assert_eq!(send(&w, &first).await.unwrap(), Outcome::Done);
        assert_eq!(send(&w, &second).await.unwrap(), Outcome::Done);
        assert_eq!(w.posts.borrow().len(), 1);
        let (body, headers) = last_post(&w);
        let text = body["text"].as_str().unwrap();
        assert!(text.contains("First part.\n\nSecond part."), "{text}");
        let key = headers
            .iter()
            .find(|(k, _)| k == "Idempotency-Key")
            .unwrap();
        assert!(key.1.starts_with(&format!("fd-{conversation}-")));
    });
}

#[test]
fn a_failed_send_is_tried_again_marks_nothing_and_gives_up_after_five() {
    let w = world();
    block_on(async {
        let (_, _, job) = unseen_reply(&w, "Hi").await;
        w.answers
            .borrow_mut()
            .push_back(Err("HTTP 503: busy".into()));
        assert_eq!(send(&w, &job).await.unwrap(), Outcome::Retry(1));
        assert_eq!(
            w.count("SELECT COUNT(*) FROM messages WHERE emailed_at IS NOT NULL"),
            0
        );
        let last = Job { attempt: 4, ..job };
        w.answers.borrow_mut().push_back(Err("HTTP 503".into()));
        assert_eq!(send(&w, &last).await.unwrap(), Outcome::Done);
        assert!(w.logs.borrow().iter().any(|l| l.contains("given up")));
    });
}

#[test]
fn without_a_provider_or_after_unsubscribing_nothing_is_queued_or_sent() {
    let mut w = world();
    block_on(async {
        let (reference, conversation, job) = unseen_reply(&w, "Hi").await;
        assert_eq!(send(&w, &job).await.unwrap(), Outcome::Done);
        let token = token(&w, &conversation);
        // A forged token, then the real one (twice is fine).
        assert_eq!(
            code(unsubscribe(&w, "aaaaaaaaaaaaaaaaaaaaaaaaaa").await),
            ErrorCode::ThreadNotFound
        );
        assert_eq!(
            code(unsubscribe(&w, "../../etc").await),
            ErrorCode::ThreadNotFound
        );
        unsubscribe(&w, &token).await.unwrap();
        unsubscribe(&w, &token).await.unwrap();
        inbox::reply(&w, &reference, "Another", BASE).await.unwrap();
        assert!(w.emails_queued.borrow().is_empty());
        // A job queued before the unsubscribe sends nothing either.
        assert_eq!(send(&w, &job).await.unwrap(), Outcome::Done);
        assert_eq!(w.posts.borrow().len(), 1);
    });
    w.email = None;
    block_on(async {
        let (ticket, _) = new_ticket(&w).await;
        inbox::reply(&w, &ticket.reference, "Hi", BASE)
            .await
            .unwrap();
        assert!(w.emails_queued.borrow().is_empty());
    });
}

/// A signed inbound webhook for `body`, `now` in ms.
fn signed(id: &str, now: i64, body: &str, secret: &str) -> (String, String, String) {
    let ts = now / 1000;
    let sig = webhook::sign(secret, id, ts, body).unwrap();
    (id.to_owned(), ts.to_string(), sig)
}

async fn inbound(
    w: &World,
    id: &str,
    body: &Value,
    secret: &str,
) -> Result<super::Answered, AppError> {
    let body = body.to_string();
    let (id, ts, sig) = signed(id, w.now.get(), &body, secret);
    answer(
        w,
        &Signed {
            id: &id,
            timestamp: &ts,
            signature: &sig,
        },
        &body,
    )
    .await
}

fn visitor_messages(w: &World, conversation: &str) -> Vec<String> {
    w.db.with(|c| {
        let mut q = c
            .prepare(
                "SELECT body FROM messages WHERE conversation_id = ?1 AND role = 'visitor' ORDER BY id",
            )
            .unwrap();
        q.query_map([conversation], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    })
}

#[test]
fn an_answer_by_e_mail_lands_in_its_conversation_once_and_reopens_the_ticket() {
    let w = world();
    block_on(async {
        let (reference, conversation, job) = unseen_reply(&w, "Try a restart.").await;
        send(&w, &job).await.unwrap();
        let token = token(&w, &conversation);
        inbox::close(&w, &reference).await.unwrap();
        let before = visitor_messages(&w, &conversation);
        w.broadcasts.borrow_mut().clear();
        let mail = json!({
            "from": "Ada Lovelace <Ada@Example.com>",
            "to": [format!("Support <reply+{token}@{DOMAIN}>")],
            "text": "It worked, thanks!\n\nOn Tue, 1 Dec 2026, Lumen support <support@lumen.example> wrote:\n> Try a restart.",
        });
        let got = inbound(&w, "msg_1", &mail, SECRET).await.unwrap();
        assert!(got.stored);
        assert_eq!(got.conversation_id, conversation);
        let after = visitor_messages(&w, &conversation);
        assert_eq!(after.len(), before.len() + 1);
        assert_eq!(after.last().unwrap(), "It worked, thanks!");
        assert_eq!(
            w.count("SELECT COUNT(*) FROM tickets WHERE status = 'open'"),
            1
        );
        assert_eq!(
            *w.broadcasts.borrow(),
            [
                (conversation.clone(), LiveEvent::Changed, Some(Role::Agent)),
                (INBOX.to_owned(), LiveEvent::Changed, Some(Role::Agent)),
            ]
        );
        // The provider delivers it again: the same message, nothing new.
        let again = inbound(&w, "msg_1", &mail, SECRET).await.unwrap();
        assert_eq!((again.message_id, again.stored), (got.message_id, false));
        assert_eq!(visitor_messages(&w, &conversation).len(), after.len());
    });
}

#[test]
fn forged_misaddressed_and_empty_answers_are_refused_and_store_nothing() {
    let w = world();
    block_on(async {
        let (_, ada, job) = unseen_reply(&w, "Hi Ada").await;
        send(&w, &job).await.unwrap();
        let ada_token = token(&w, &ada);
        // A second conversation, Bob's.
        let (bob_ticket, _) = new_ticket(&w).await;
        let bob = bob_ticket.conversation_id.clone();
        w.db.with(|c| {
            c.execute(
                "UPDATE tickets SET email = 'bob@example.com' WHERE conversation_id = ?1",
                [&bob],
            )
            .unwrap()
        });
        inbox::reply(&w, &bob_ticket.reference, "Hi Bob", BASE)
            .await
            .unwrap();
        let bob_job = w.emails_queued.borrow_mut().pop().unwrap().0;
        send(&w, &bob_job).await.unwrap();
        let bob_token = token(&w, &bob);
        let count = || w.count("SELECT COUNT(*) FROM messages WHERE role = 'visitor'");
        let stored = count();

        let mail = |from: &str, token: &str, text: &str| json!({"from": from, "to": format!("reply+{token}@{DOMAIN}"), "text": text});
        let good = mail("ada@example.com", &ada_token, "Thanks");
        let cases: Vec<(&str, Result<super::Answered, AppError>, ErrorCode)> = vec![
            (
                "signed with another key",
                inbound(&w, "m1", &good, OTHER_SECRET).await,
                ErrorCode::SignatureInvalid,
            ),
            (
                "Ada's address on Bob's conversation",
                inbound(&w, "m2", &mail("ada@example.com", &bob_token, "Thanks"), SECRET).await,
                ErrorCode::SenderNotAllowed,
            ),
            (
                "a stranger on Ada's",
                inbound(&w, "m3", &mail("eve@evil.example", &ada_token, "Refund me"), SECRET).await,
                ErrorCode::SenderNotAllowed,
            ),
            (
                "a guessed token",
                inbound(
                    &w,
                    "m4",
                    &mail("ada@example.com", "abcdefghijklmnopqrstuvwxyz", "x"),
                    SECRET,
                )
                .await,
                ErrorCode::ThreadNotFound,
            ),
            (
                "another reply domain",
                inbound(
                    &w,
                    "m5",
                    &json!({"from": "ada@example.com", "to": format!("reply+{ada_token}@evil.example"), "text": "x"}),
                    SECRET,
                )
                .await,
                ErrorCode::ThreadNotFound,
            ),
            (
                "only the quote",
                inbound(&w, "m6", &mail("ada@example.com", &ada_token, "> Hi Ada"), SECRET).await,
                ErrorCode::MessageEmpty,
            ),
            (
                "no text",
                inbound(&w, "m7", &json!({"from": "ada@example.com"}), SECRET).await,
                ErrorCode::InvalidJson,
            ),
        ];
        for (what, result, want) in cases {
            let got = code(result.map(|_| ()));
            println!("attack: {what} -> {got:?}");
            assert_eq!(got, want, "{what}");
        }

        // One character changed in the body after signing.
        let body = good.to_string();
        let (id, ts, sig) = signed("m8", w.now.get(), &body, SECRET);
        let tampered = body.replace("Thanks", "Thankz");
        let forged = answer(
            &w,
            &Signed {
                id: &id,
                timestamp: &ts,
                signature: &sig,
            },
            &tampered,
        )
        .await;
        assert_eq!(code(forged), ErrorCode::SignatureInvalid);
        // Signed an hour ago (a replay of a captured delivery).
        let (id, ts, sig) = signed("m9", w.now.get() - 3_600_000, &body, SECRET);
        let stale = answer(
            &w,
            &Signed {
                id: &id,
                timestamp: &ts,
                signature: &sig,
            },
            &body,
        )
        .await;
        assert_eq!(code(stale), ErrorCode::SignatureInvalid);
        assert_eq!(count(), stored, "a refused answer stored something");
        // The good one still lands.
        assert!(inbound(&w, "m10", &good, SECRET).await.unwrap().stored);
        assert_eq!(count(), stored + 1);
    });
}

#[test]
fn answers_are_refused_where_inbound_e_mail_is_not_configured() {
    let mut w = world();
    if let Some(e) = w.email.as_mut() {
        e.inbound_secret = None;
    }
    block_on(async {
        let body = json!({"from": "a@b.example", "to": "x", "text": "y"});
        assert_eq!(
            code(inbound(&w, "m", &body, SECRET).await),
            ErrorCode::NotFound
        );
    });
}

#[test]
fn deleting_a_conversation_deletes_its_thread() {
    let w = world();
    block_on(async {
        let (_, conversation, job) = unseen_reply(&w, "Hi").await;
        send(&w, &job).await.unwrap();
        assert_eq!(w.count("SELECT COUNT(*) FROM email_threads"), 1);
        crate::db::conversations::delete(
            &w.db,
            &crate::db::conversations::Selection::One(&conversation),
        )
        .await
        .unwrap();
        assert_eq!(w.count("SELECT COUNT(*) FROM email_threads"), 0);
    });
}

#[test]
fn a_metadata_only_webhook_has_its_body_fetched_from_the_provider_after_the_checks() {
    let w = world();
    block_on(async {
        let (_, conversation, job) = unseen_reply(&w, "Try a restart.").await;
        send(&w, &job).await.unwrap();
        let token = token(&w, &conversation);
        // Resend's email.received: no body, an id to fetch it by.
        let meta = |from: &str, id: &str| {
            json!({"type": "email.received", "data": {"email_id": id, "from": from,
                "to": [format!("reply+{token}@{DOMAIN}")], "subject": "Re: your question"}})
        };
        w.got.borrow_mut().push_back(Ok(
            json!({"text": "Restarting fixed it.\n\nOn Tue, Lumen support wrote:\n> Try a restart."})
                .to_string(),
        ));
        let got = inbound(&w, "evt_1", &meta("ada@example.com", "em_123"), SECRET)
            .await
            .unwrap();
        assert!(got.stored);
        assert_eq!(
            visitor_messages(&w, &conversation).last().unwrap(),
            "Restarting fixed it."
        );
        let fetch = w.posts.borrow().last().cloned().unwrap();
        assert_eq!(
            fetch.url,
            "GET https://api.mail.example/emails/receiving/em_123"
        );
        assert!(fetch
            .headers
            .contains(&("Authorization".into(), "Bearer re_test".into())));
        // A stranger's is refused before anything is fetched.
        let before = w.posts.borrow().len();
        assert_eq!(
            code(inbound(&w, "evt_2", &meta("eve@evil.example", "em_124"), SECRET).await),
            ErrorCode::SenderNotAllowed
        );
        assert_eq!(w.posts.borrow().len(), before);
        // The provider failing is our error (the provider retries the
        // webhook); nothing is stored.
        w.got.borrow_mut().push_back(Err("HTTP 500: down".into()));
        let n = visitor_messages(&w, &conversation).len();
        assert!(matches!(
            inbound(&w, "evt_3", &meta("ada@example.com", "em_125"), SECRET).await,
            Err(AppError::Internal(_))
        ));
        assert_eq!(visitor_messages(&w, &conversation).len(), n);
    });
}

#[test]
fn an_agents_file_is_e_mailed_as_its_name_and_a_link_that_opens_it_for_a_week() {
    let w = world();
    w.secrets
        .borrow_mut()
        .insert("AGENT_TOKEN".into(), "agent-secret".into());
    block_on(async {
        let (ticket, _) = new_ticket(&w).await;
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0".to_vec();
        let file = inbox::attach(&w, &ticket.reference, "fix.png", png, BASE)
            .await
            .unwrap();
        let (job, delay) = w
            .emails_queued
            .borrow_mut()
            .pop()
            .expect("queued like a reply");
        assert_eq!(delay, 180);
        assert_eq!(send(&w, &job).await.unwrap(), Outcome::Done);
        let (body, _) = last_post(&w);
        let text = body["text"].as_str().unwrap();
        let expires = w.now.get() / 1000 + 7 * 24 * 3600;
        let link = format!(
            "{BASE}/api/v1/attachments/{}?expires={expires}&sig=",
            file.id
        );
        assert!(text.contains(&format!("📎 fix.png\n{link}")), "{text}");
        let html = body["html"].as_str().unwrap();
        assert!(html.contains(&link.replace('&', "&amp;")), "{html}");
    });
}

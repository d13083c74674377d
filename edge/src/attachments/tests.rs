//! Attachments natively (`ports::world`): what is kept, what is refused
//! (and then nothing is stored), the links agents get, an agent's file on
//! its way to the visitor, and deletion.

use frontdesk_api::error::ErrorCode;
use frontdesk_api::wire::{LiveEvent, Role};
use frontdesk_shared::attachments::{MAX_BYTES, MAX_PER_CONVERSATION};

use super::{delete_files, links, open, sign_links, upload};
use crate::db;
use crate::db::conversations::Selection;
use crate::db::sqlite::block_on;
use crate::ports::world::{new_ticket, World};
use crate::AppError;

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0";

fn code<T: std::fmt::Debug>(result: Result<T, AppError>) -> ErrorCode {
    match result {
        Err(AppError::Client(e)) => e.code,
        other => panic!("expected a client error, got {other:?}"),
    }
}

fn world() -> World {
    let w = World::new();
    w.secrets
        .borrow_mut()
        .insert("AGENT_TOKEN".into(), "agent-secret".into());
    w
}

fn stored(w: &World) -> (usize, i64, i64) {
    (
        w.blobs
            .keys()
            .iter()
            .filter(|k| k.starts_with("attachments/"))
            .count(),
        w.count("SELECT COUNT(*) FROM attachments"),
        w.count("SELECT COUNT(*) FROM messages WHERE body LIKE '📎 %'"),
    )
}

#[test]
fn a_screenshot_is_stored_with_its_message_and_agents_are_told() {
    let w = world();
    block_on(async {
        let (ticket, _) = new_ticket(&w).await;
        let c = &ticket.conversation_id;
        w.broadcasts.borrow_mut().clear();
        let got = upload(&w, c, "C:\\Users\\ada\\Screenshot 1.PNG", PNG.to_vec())
            .await
            .unwrap();
        assert_eq!(got.name, "Screenshot 1.png");
        assert_eq!(got.content_type, "image/png");
        assert_eq!(got.size, PNG.len());
        assert!(got.id.starts_with("att_"));
        assert_eq!(stored(&w), (1, 1, 1));
        let key = format!("attachments/{c}/{}", got.id);
        assert_eq!(
            w.blobs.objects.borrow().get(&key).map(|(b, _)| b.clone()),
            Some(PNG.to_vec())
        );
        let body: String = w.db.with(|db| {
            db.query_row(
                "SELECT body FROM messages WHERE id = ?1",
                [got.message_id],
                |r| r.get(0),
            )
            .unwrap()
        });
        assert_eq!(body, "📎 Screenshot 1.png");
        assert_eq!(
            *w.broadcasts.borrow(),
            [(c.clone(), LiveEvent::Changed, Some(Role::Agent))]
        );
    });
}

#[test]
fn disguised_oversized_empty_and_one_too_many_files_are_refused_and_store_nothing() {
    let w = world();
    block_on(async {
        let (ticket, _) = new_ticket(&w).await;
        let c = &ticket.conversation_id;
        let html = b"<html><script>fetch('/api/v1/agent/tickets')</script>".to_vec();
        let svg = b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>".to_vec();
        let mut big = PNG.to_vec();
        big.resize(MAX_BYTES + 1, 0);
        for (what, name, bytes, want) in [
            (
                "HTML named .png",
                "shot.png",
                html,
                ErrorCode::UnsupportedMediaType,
            ),
            ("SVG", "logo.svg", svg, ErrorCode::UnsupportedMediaType),
            (
                "a PNG over 5 MB",
                "big.png",
                big,
                ErrorCode::PayloadTooLarge,
            ),
            ("nothing", "empty.png", Vec::new(), ErrorCode::InvalidField),
        ] {
            let got = code(upload(&w, c, name, bytes).await);
            println!("attack: {what} -> {got:?}");
            assert_eq!(got, want, "{what}");
        }
        assert_eq!(stored(&w), (0, 0, 0));
        for i in 0..MAX_PER_CONVERSATION {
            upload(&w, c, &format!("{i}.png"), PNG.to_vec())
                .await
                .unwrap();
        }
        assert_eq!(
            code(upload(&w, c, "one-more.png", PNG.to_vec()).await),
            ErrorCode::TooManyAttachments
        );
        let n = MAX_PER_CONVERSATION as i64;
        assert_eq!(stored(&w), (MAX_PER_CONVERSATION, n, n));
    });
}

#[test]
fn agents_open_files_by_signed_links_that_expire_and_name_only_their_file() {
    let w = world();
    block_on(async {
        let (ticket, _) = new_ticket(&w).await;
        let c = &ticket.conversation_id;
        let a = upload(&w, c, "a.png", PNG.to_vec()).await.unwrap();
        let pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
        let b = upload(&w, c, "invoice.pdf", pdf.clone()).await.unwrap();
        let got = links(&w, c, "", 900).await.unwrap();
        assert_eq!(
            got.iter().map(|l| l.name.as_str()).collect::<Vec<_>>(),
            ["a.png", "invoice.pdf"]
        );
        let query = |url: &str, name: &str| {
            url.split(['?', '&'])
                .find_map(|p| p.strip_prefix(&format!("{name}=")))
                .unwrap()
                .to_owned()
        };
        let url = &got[1].url;
        assert!(
            url.starts_with(&format!("/api/v1/attachments/{}?", b.id)),
            "{url}"
        );
        let (expires, sig) = (query(url, "expires"), query(url, "sig"));
        let (row, kind, bytes) = open(&w, &b.id, &expires, &sig).await.unwrap();
        assert_eq!(
            (row.name.as_str(), kind.image(), bytes),
            ("invoice.pdf", false, pdf)
        );

        // Another file's id with this signature, a changed expiry, a bad
        // signature, garbage: refused.
        for (what, id, e, s) in [
            (
                "another file",
                a.id.as_str(),
                expires.as_str(),
                sig.as_str(),
            ),
            ("a later expiry", b.id.as_str(), "99999999999", sig.as_str()),
            ("no signature", b.id.as_str(), expires.as_str(), ""),
            (
                "a path for an id",
                "../../index",
                expires.as_str(),
                sig.as_str(),
            ),
        ] {
            let got = code(open(&w, id, e, s).await);
            println!("attack: link with {what} -> {got:?}");
            assert_eq!(got, ErrorCode::Unauthorized, "{what}");
        }
        // Past its time.
        w.now.set(w.now.get() + 901_000);
        assert_eq!(
            code(open(&w, &b.id, &expires, &sig).await),
            ErrorCode::Unauthorized
        );
        // Without AGENT_TOKEN no link is made, and none opens.
        w.secrets.borrow_mut().clear();
        assert!(links(&w, c, "", 900).await.unwrap().is_empty());
    });
}

#[test]
fn files_go_with_their_conversation_and_a_link_to_one_is_then_dead() {
    let w = world();
    block_on(async {
        let (ticket, _) = new_ticket(&w).await;
        let (other, _) = new_ticket(&w).await;
        let c = ticket.conversation_id.clone();
        let kept = upload(&w, &other.conversation_id, "kept.png", PNG.to_vec())
            .await
            .unwrap();
        upload(&w, &c, "one.png", PNG.to_vec()).await.unwrap();
        upload(&w, &c, "two.png", PNG.to_vec()).await.unwrap();
        let link = links(&w, &c, "", 900).await.unwrap().remove(0);
        let which = Selection::One(&c);
        assert_eq!(delete_files(&w.db, &w.blobs, &which).await.unwrap(), 2);
        assert_eq!(db::conversations::delete(&w.db, &which).await.unwrap(), 1);
        assert_eq!(stored(&w).0, 1);
        assert_eq!(w.count("SELECT COUNT(*) FROM attachments"), 1);
        let id = link.id.clone();
        let q = |name: &str| {
            link.url
                .split(['?', '&'])
                .find_map(|p| p.strip_prefix(&format!("{name}=")))
                .unwrap()
                .to_owned()
        };
        assert_eq!(
            code(open(&w, &id, &q("expires"), &q("sig")).await),
            ErrorCode::NotFound
        );
        // The other conversation's file is still there.
        assert!(w.blobs.keys().contains(&format!(
            "attachments/{}/{}",
            other.conversation_id, kept.id
        )));
    });
}

#[test]
fn the_retention_purge_deletes_old_conversations_files() {
    let w = world();
    block_on(async {
        let (ticket, _) = new_ticket(&w).await;
        upload(&w, &ticket.conversation_id, "old.png", PNG.to_vec())
            .await
            .unwrap();
        w.now.set(w.now.get() + 91 * 24 * 3_600_000);
        let purged = crate::housekeeping::purge(&w, 90).await;
        assert!(purged.iter().all(|(_, r)| r.is_ok()), "{purged:?}");
        assert_eq!(stored(&w), (0, 0, 0));
    });
}

#[test]
fn a_handoff_after_a_file_carries_a_weeks_link_to_it_for_the_sinks() {
    use frontdesk_api::validate::HandoffInput;
    use frontdesk_api::wire::HandoffRequest;
    use frontdesk_shared::tickets::Requester;
    let w = world();
    block_on(async {
        let (first, _) = new_ticket(&w).await;
        let c = first.conversation_id.clone();
        assert!(first.attachments.is_empty());
        upload(&w, &c, "screen.png", PNG.to_vec()).await.unwrap();
        let input = HandoffInput::try_from(HandoffRequest {
            conversation_id: Some(c.clone()),
            email: "ada@example.com".into(),
            note: None,
            page_url: None,
            idempotency_key: None,
            identity: None,
        })
        .unwrap();
        let opened = crate::handoff::open(
            &w,
            crate::ports::world::site("demo"),
            &input,
            Requester::unverified("ada@example.com"),
            None,
            "https://support.example",
        )
        .await
        .unwrap();
        let crate::handoff::Opened::Created { ticket, .. } = opened else {
            panic!("a new ticket")
        };
        assert_eq!(ticket.attachments.len(), 1);
        let link = &ticket.attachments[0];
        assert_eq!(link.name, "screen.png");
        assert!(link
            .url
            .starts_with("https://support.example/api/v1/attachments/att_"));
        let expires: i64 = link
            .url
            .split("expires=")
            .nth(1)
            .and_then(|r| r.split('&').next())
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(expires, w.now.get() / 1000 + 7 * 24 * 3600);
        // Stored with the ticket, so every delivery carries it.
        let stored: String = w.db.with(|db| {
            db.query_row(
                "SELECT document FROM tickets WHERE reference = ?1",
                [&ticket.reference],
                |r| r.get(0),
            )
            .unwrap()
        });
        assert!(stored.contains("screen.png"), "{stored}");
    });
}

const BASE: &str = "https://support.example";

fn query(url: &str, name: &str) -> String {
    url.split(['?', '&'])
        .find_map(|p| p.strip_prefix(&format!("{name}=")))
        .unwrap()
        .to_owned()
}

#[test]
fn an_agents_file_reaches_the_visitor_as_the_agents_message_with_a_link_that_opens_it() {
    let w = world();
    block_on(async {
        let (ticket, _) = new_ticket(&w).await;
        let c = ticket.conversation_id.clone();
        w.broadcasts.borrow_mut().clear();
        let pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
        let got = crate::inbox::attach(&w, &ticket.reference, "steps.pdf", pdf.clone(), BASE)
            .await
            .unwrap();
        assert_eq!(
            (got.name.as_str(), got.content_type.as_str()),
            ("steps.pdf", "application/pdf")
        );
        let role: String = w.db.with(|db| {
            db.query_row(
                "SELECT role FROM messages WHERE id = ?1",
                [got.message_id],
                |r| r.get(0),
            )
            .unwrap()
        });
        assert_eq!(role, "agent");

        // The open widget is sent the message with its link; the inbox is
        // told. The file's id is not part of what is sent.
        let told = w.broadcasts.borrow().clone();
        let [(room, LiveEvent::Message { message }, None), (inbox, LiveEvent::Changed, Some(Role::Agent))] =
            &told[..]
        else {
            panic!("a message to the conversation, then the inbox: {told:?}")
        };
        assert_eq!((room, inbox.as_str()), (&c, crate::room::INBOX));
        assert_eq!(
            (message.id, message.role, message.text.as_str()),
            (got.message_id, Role::Agent, "📎 steps.pdf")
        );
        let link = message.link.clone().expect("a link");
        assert!(
            link.starts_with(&format!("{BASE}/api/v1/attachments/{}?", got.id)),
            "{link}"
        );
        let sent = serde_json::to_value(message).unwrap();
        assert_eq!(sent["link"], link.as_str());
        assert!(sent.get("attachment").is_none(), "{sent}");
        let expires: i64 = query(&link, "expires").parse().unwrap();
        assert_eq!(expires, w.now.get() / 1000 + 7 * 24 * 3600);
        let (_, kind, bytes) = open(&w, &got.id, &query(&link, "expires"), &query(&link, "sig"))
            .await
            .unwrap();
        assert_eq!((kind.image(), bytes), (false, pdf));

        // A widget reading the conversation later (long poll, the live
        // catch-up, a restore) finds the file's message and signs afresh.
        w.now.set(w.now.get() + 3_600_000);
        let mut replies = db::messages::agent_replies(&w.db, &c, 0).await.unwrap();
        let mut view = db::conversations::view(&w.db, &c).await.unwrap().unwrap();
        for messages in [&mut replies[..], &mut view.messages[..]] {
            sign_links(Some("agent-secret"), BASE, w.now.get(), messages);
            let file = messages.iter().find(|m| m.id == got.message_id).unwrap();
            let fresh = file.link.clone().unwrap();
            assert_eq!(
                query(&fresh, "expires").parse::<i64>().unwrap(),
                expires + 3600
            );
            open(
                &w,
                &got.id,
                &query(&fresh, "expires"),
                &query(&fresh, "sig"),
            )
            .await
            .unwrap();
            // Messages without a file get no link.
            assert!(messages
                .iter()
                .filter(|m| m.id != got.message_id)
                .all(|m| m.link.is_none()));
        }
        // Without AGENT_TOKEN no link is made.
        let mut again = db::messages::agent_replies(&w.db, &c, 0).await.unwrap();
        sign_links(None, BASE, w.now.get(), &mut again);
        assert!(again.iter().all(|m| m.link.is_none()));
    });
}

#[test]
fn an_agents_file_for_an_unknown_ticket_or_that_is_not_a_picture_or_pdf_stores_and_sends_nothing() {
    let w = world();
    block_on(async {
        let (ticket, _) = new_ticket(&w).await;
        w.broadcasts.borrow_mut().clear();
        let html = b"<html><script>alert(1)</script></html>".to_vec();
        for (what, reference, bytes, expected) in [
            (
                "an unknown ticket",
                "FD-999999",
                PNG.to_vec(),
                ErrorCode::TicketNotFound,
            ),
            (
                "HTML named .png",
                ticket.reference.as_str(),
                html,
                ErrorCode::UnsupportedMediaType,
            ),
            (
                "an empty file",
                ticket.reference.as_str(),
                Vec::new(),
                ErrorCode::InvalidField,
            ),
            (
                "6 MB",
                ticket.reference.as_str(),
                vec![0x89; MAX_BYTES + 1],
                ErrorCode::PayloadTooLarge,
            ),
        ] {
            let got = code(crate::inbox::attach(&w, reference, "shot.png", bytes, BASE).await);
            println!("refused: an agent's file for {what} -> {got:?}");
            assert_eq!(got, expected, "{what}");
        }
        assert_eq!(stored(&w), (0, 0, 0));
        assert!(w.broadcasts.borrow().is_empty());
        assert!(w.emails_queued.borrow().is_empty());
    });
}

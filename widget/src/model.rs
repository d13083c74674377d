//! Plain data: the widget's configuration and the conversation as shown.
//! No DOM here, so it reads (and tests) like ordinary Rust.

use frontdesk_shared::wire::{ConversationView, HandoffResponse, Reply, Role};
use serde::{Deserialize, Serialize};

/// What the loader passes at mount, from its script tag.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Config {
    /// Base URL of the worker, ending in `/` (e.g. `https://support.example.com/`).
    pub api: String,
    /// Panel title.
    pub title: String,
    /// Open the panel as soon as it mounts (the visitor clicked the launcher).
    #[serde(default)]
    pub open: bool,
    /// The host page's URL, sent along for the agent's context.
    #[serde(default)]
    pub page_url: Option<String>,
    /// The visitor's language tag (`data-locale`, else the browser's).
    #[serde(default)]
    pub locale: Option<String>,
    /// What this browser kept from an earlier visit (see [`Saved`]); the
    /// loader reads it, the widget writes it.
    #[serde(default)]
    pub saved: Option<Saved>,
}

/// What the widget keeps in the visitor's `localStorage`, written only once
/// the visitor has started a conversation in the open widget.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Saved {
    /// The conversation id.
    pub c: String,
    /// The newest agent message the visitor has seen.
    #[serde(default)]
    pub s: i64,
    /// The conversation has a ticket, so agent replies may come.
    #[serde(default)]
    pub t: bool,
}

impl Config {
    /// Absolute URL for a path on the worker (`api/v1/chat`, `/help/x`).
    pub fn url(&self, path: &str) -> String {
        if path.starts_with("https://") || path.starts_with("http://") {
            return path.to_owned();
        }
        format!("{}{}", self.api.trim_end_matches('/'), ensure_slash(path))
    }
}

fn ensure_slash(path: &str) -> String {
    if path.starts_with('/') {
        path.to_owned()
    } else {
        format!("/{path}")
    }
}

/// Delivery state of a visitor's message.
#[derive(Debug, Clone, PartialEq)]
pub enum Delivery {
    Sending,
    Sent,
    /// Not delivered; the text is kept and can be sent again.
    Failed(String),
}

/// One line in the conversation.
#[derive(Debug, Clone, PartialEq)]
pub enum Entry {
    Visitor {
        text: String,
        delivery: Delivery,
    },
    Bot(Reply),
    Ticket(HandoffResponse),
    /// A person's reply; `new` until the visitor has had the panel open.
    Agent {
        text: String,
        new: bool,
    },
}

/// An entry with a stable key for keyed rendering.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub id: usize,
    pub entry: Entry,
}

/// The conversation as the widget shows it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Transcript {
    pub lines: Vec<Line>,
    next_id: usize,
}

impl Transcript {
    /// Appends an entry and returns its id.
    pub fn push(&mut self, entry: Entry) -> usize {
        let id = self.next_id;
        self.next_id += 1;
        self.lines.push(Line { id, entry });
        id
    }

    /// Sets the delivery state of the visitor message `id`.
    pub fn set_delivery(&mut self, id: usize, delivery: Delivery) {
        if let Some(Line {
            entry: Entry::Visitor { delivery: d, .. },
            ..
        }) = self.lines.iter_mut().find(|l| l.id == id)
        {
            *d = delivery;
        }
    }

    /// Marks every agent reply as read.
    pub fn mark_read(&mut self) {
        for line in &mut self.lines {
            if let Entry::Agent { new, .. } = &mut line.entry {
                *new = false;
            }
        }
    }

    /// The conversation as stored, after a reload: messages and ticket
    /// confirmations in time order; agent replies after message `seen` are
    /// new. Returns it with the newest agent message's id.
    pub fn restore(view: ConversationView, seen: i64) -> (Transcript, i64) {
        let mut t = Transcript::default();
        let mut last_agent = 0;
        let mut tickets = view.tickets.into_iter().peekable();
        for m in view.messages {
            while let Some(ticket) = tickets.next_if(|k| k.at <= m.at) {
                t.push(ticket_entry(&view.conversation_id, ticket));
            }
            t.push(match m.role {
                Role::Visitor => Entry::Visitor {
                    text: m.text,
                    delivery: Delivery::Sent,
                },
                Role::Agent => {
                    last_agent = last_agent.max(m.id);
                    Entry::Agent {
                        text: m.text,
                        new: m.id > seen,
                    }
                }
                Role::Bot => Entry::Bot(Reply {
                    decision: m
                        .decision
                        .unwrap_or(frontdesk_shared::wire::Decision::SmallTalk),
                    text: m.text,
                    sources: m.sources,
                    reason: m.reason,
                    lang: m.lang.unwrap_or_default(),
                }),
            });
        }
        for ticket in tickets {
            t.push(ticket_entry(&view.conversation_id, ticket));
        }
        (t, last_agent)
    }

    /// Agent replies that arrived while the widget was open; returns the
    /// newest one's id (or `last` if none is newer).
    pub fn add_replies(&mut self, view: ConversationView, last: i64, new: bool) -> i64 {
        let mut last = last;
        for m in view.messages {
            if m.role == Role::Agent && m.id > last {
                last = m.id;
                self.push(Entry::Agent { text: m.text, new });
            }
        }
        last
    }

    /// The visitor's most recent message, to prefill the handoff note.
    pub fn last_question(&self) -> Option<&str> {
        self.lines.iter().rev().find_map(|l| match &l.entry {
            Entry::Visitor { text, .. } => Some(text.as_str()),
            _ => None,
        })
    }
}

fn ticket_entry(conversation: &str, t: frontdesk_shared::wire::VisitorTicket) -> Entry {
    Entry::Ticket(HandoffResponse {
        reference: t.reference,
        conversation_id: conversation.to_owned(),
        email: t.email,
    })
}

/// A piece of a bot message: plain text, or a citation `[n]` of the
/// message's n-th source (1-based in the text, 0-based here).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Text(String),
    Cite(usize),
}

/// Splits `text` at citations of existing sources (`[1]` … `[sources]`);
/// anything else in brackets stays text.
pub fn segments(text: &str, sources: usize) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut plain = String::new();
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        let after = &rest[open + 1..];
        let cite = after.find(']').and_then(|close| {
            // Digits by hand: `str::parse` costs the wasm more than this function.
            let digits = &after.as_bytes()[..close];
            if digits.is_empty() || digits.len() > 3 || !digits.iter().all(u8::is_ascii_digit) {
                return None;
            }
            let n = digits
                .iter()
                .fold(0usize, |n, d| n * 10 + usize::from(d - b'0'));
            (1..=sources).contains(&n).then_some((n - 1, close))
        });
        match cite {
            Some((index, close)) => {
                plain.push_str(&rest[..open]);
                if !plain.is_empty() {
                    out.push(Segment::Text(std::mem::take(&mut plain)));
                }
                out.push(Segment::Cite(index));
                rest = &after[close + 1..];
            }
            None => {
                plain.push_str(&rest[..=open]);
                rest = after;
            }
        }
    }
    plain.push_str(rest);
    if !plain.is_empty() {
        out.push(Segment::Text(plain));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        serde_json::from_str(r#"{"api":"https://s.example/","title":"Help"}"#).unwrap()
    }

    #[test]
    fn urls_resolve_against_the_worker() {
        let c = config();
        assert_eq!(c.url("api/v1/chat"), "https://s.example/api/v1/chat");
        assert_eq!(c.url("/help/x"), "https://s.example/help/x");
        assert_eq!(c.url("https://docs.example/a"), "https://docs.example/a");
    }

    #[test]
    fn transcript_tracks_delivery_and_last_question() {
        let mut t = Transcript::default();
        assert_eq!(t.last_question(), None);
        let a = t.push(Entry::Visitor {
            text: "one".into(),
            delivery: Delivery::Sending,
        });
        let b = t.push(Entry::Visitor {
            text: "two".into(),
            delivery: Delivery::Sending,
        });
        t.set_delivery(a, Delivery::Failed("offline".into()));
        assert_ne!(a, b);
        assert_eq!(t.last_question(), Some("two"));
        assert!(matches!(
            &t.lines[0].entry,
            Entry::Visitor {
                delivery: Delivery::Failed(_),
                ..
            }
        ));
    }

    #[test]
    fn citations_of_existing_sources_become_segments() {
        use Segment::{Cite, Text};
        assert_eq!(
            segments("Pick PDF [1]. Or [2][3]; see [x] and [9].", 2),
            [
                Text("Pick PDF ".into()),
                Cite(0),
                Text(". Or ".into()),
                Cite(1),
                Text("[3]; see [x] and [9].".into()),
            ]
        );
        assert_eq!(
            segments("no sources [1]", 0),
            [Text("no sources [1]".into())]
        );
        assert_eq!(segments("", 1), []);
        assert_eq!(segments("[1", 1), [Text("[1".into())]);
    }

    fn view(json: &str) -> ConversationView {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn a_reload_restores_the_conversation_in_order_with_new_replies_marked() {
        let v = view(
            r#"{"conversation_id":"c","messages":[
                {"id":1,"role":"visitor","text":"refund?","at":10},
                {"id":2,"role":"bot","text":"See this","at":11,"decision":"suggest",
                 "sources":[{"title":"Refunds","url":"/help/refunds"}],"lang":"en"},
                {"id":3,"role":"agent","text":"Hi, Sam here","at":30},
                {"id":5,"role":"agent","text":"Done!","at":40}],
              "tickets":[{"reference":"FD-1","email":"a@b.co","status":"open","at":20}]}"#,
        );
        let (t, last) = Transcript::restore(v, 3);
        assert_eq!(last, 5);
        let kinds: Vec<String> = t
            .lines
            .iter()
            .map(|l| match &l.entry {
                Entry::Visitor { text, delivery } => format!("v:{text}:{delivery:?}"),
                Entry::Bot(r) => format!("b:{}:{}", r.decision.as_str(), r.sources.len()),
                Entry::Ticket(k) => format!("t:{}:{}", k.reference, k.conversation_id),
                Entry::Agent { text, new } => format!("a:{text}:{new}"),
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "v:refund?:Sent",
                "b:suggest:1",
                "t:FD-1:c",
                "a:Hi, Sam here:false",
                "a:Done!:true"
            ]
        );
        assert_eq!(t.last_question(), Some("refund?"));
    }

    #[test]
    fn replies_are_added_once_and_marked_read() {
        let mut t = Transcript::default();
        let batch = r#"{"conversation_id":"c","messages":[
            {"id":4,"role":"agent","text":"one","at":1},{"id":6,"role":"agent","text":"two","at":2}]}"#;
        assert_eq!(t.add_replies(view(batch), 0, true), 6);
        // A repeated answer (a retried poll) adds nothing.
        assert_eq!(t.add_replies(view(batch), 6, true), 6);
        assert_eq!(t.lines.len(), 2);
        t.mark_read();
        assert!(t
            .lines
            .iter()
            .all(|l| matches!(l.entry, Entry::Agent { new: false, .. })));
    }

    #[test]
    fn saved_state_round_trips_and_tolerates_missing_fields() {
        let s: Saved = serde_json::from_str(r#"{"c":"abc"}"#).unwrap();
        assert_eq!((s.s, s.t), (0, false));
        let c: Config = serde_json::from_str(
            r#"{"api":"https://s.example/","title":"Help","saved":{"c":"abc","s":9,"t":true}}"#,
        )
        .unwrap();
        assert_eq!(c.saved.map(|s| (s.s, s.t)), Some((9, true)));
    }
}

//! Plain data: the widget's configuration and the conversation as shown.
//! No DOM here, so it reads (and tests) like ordinary Rust.

use frontdesk_api::wire::{HandoffResponse, Reply};

/// What the loader passes at mount, from its script tag.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config {
    /// Base URL of the worker, ending in `/` (e.g. `https://support.example.com/`).
    pub api: String,
    /// Panel title (`data-title`; empty: the default).
    pub title: String,
    /// The first line in the panel (`data-greeting`; empty: the default).
    pub greeting: String,
    /// The UI's language (picked by the loader from `data-locale` and the
    /// browser's preferences; one of `i18n::LANGS`).
    pub lang: String,
    /// Open the panel as soon as it mounts (the visitor clicked the launcher).
    pub open: bool,
    /// The host page's URL, sent along for the agent's context.
    pub page_url: Option<String>,
    /// The visitor's language tag (`data-locale`, else the browser's).
    pub locale: Option<String>,
    /// What this browser kept from an earlier visit (the loader reads it
    /// from `localStorage`, the widget writes it with `api::save`): the
    /// conversation, the newest agent reply seen, whether it has a ticket.
    pub conversation: Option<String>,
    pub seen: f64,
    pub ticket: bool,
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
pub(crate) enum Delivery {
    Sending,
    Sent,
    /// In the outbox: the worker could not be reached; sent again on its
    /// own (when the browser is back online, or after a backoff), also
    /// after a reload.
    Queued,
    /// In the outbox because the worker said too many, too fast (429);
    /// sent again when its `Retry-After` has passed.
    Limited,
    /// Not delivered; the text is kept and can be sent again.
    Failed(String),
}

/// One line in the conversation.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Entry {
    Visitor {
        text: String,
        delivery: Delivery,
    },
    /// The bot's turn, with its stored message id (0: not stored, cannot be
    /// rated) and the visitor's rating of it (`Some(true)`: helpful).
    Bot(Reply, i64, Option<bool>),
    Ticket(HandoffResponse),
    /// A person's reply; `new` until the visitor has had the panel open.
    Agent {
        text: String,
        new: bool,
    },
}

/// An entry with a stable key for keyed rendering.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Line {
    pub id: usize,
    pub entry: Entry,
}

/// The conversation as the widget shows it.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Transcript {
    pub lines: Vec<Line>,
    next_id: usize,
}

impl Transcript {
    /// Appends an entry and returns its id.
    pub(crate) fn push(&mut self, entry: Entry) -> usize {
        let id = self.next_id;
        self.next_id += 1;
        self.lines.push(Line { id, entry });
        id
    }

    /// Sets the delivery state of the visitor message `id`.
    pub(crate) fn set_delivery(&mut self, id: usize, delivery: Delivery) {
        if let Some(Line {
            entry: Entry::Visitor { delivery: d, .. },
            ..
        }) = self.lines.iter_mut().find(|l| l.id == id)
        {
            *d = delivery;
        }
    }

    /// Marks every agent reply as read.
    pub(crate) fn mark_read(&mut self) {
        for line in &mut self.lines {
            if let Entry::Agent { new, .. } = &mut line.entry {
                *new = false;
            }
        }
    }

    /// A line of the stored conversation, read back after a reload (in
    /// time order); an agent reply (message `id`) after message `seen` is
    /// new. Returns the agent reply's id, or 0 for other lines.
    pub(crate) fn restore(&mut self, mut entry: Entry, id: i64, seen: i64) -> i64 {
        let agent = match &mut entry {
            Entry::Agent { new, .. } => {
                *new = id > seen;
                id
            }
            _ => 0,
        };
        self.push(entry);
        agent
    }

    /// An agent reply that arrived while the widget is open, unless it is
    /// one already shown (ids at or below `last`); returns the newest id.
    pub(crate) fn add_reply(&mut self, id: i64, text: String, last: i64, new: bool) -> i64 {
        if id <= last {
            return last;
        }
        self.push(Entry::Agent { text, new });
        id
    }

    /// The visitor's most recent message, to prefill the handoff note.
    pub(crate) fn last_question(&self) -> Option<&str> {
        self.lines.iter().rev().find_map(|l| match &l.entry {
            Entry::Visitor { text, .. } => Some(text.as_str()),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> Config {
        Config {
            api: "https://s.example/".into(),
            title: "Help".into(),
            ..Config::default()
        }
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
    fn a_reload_restores_lines_in_order_with_new_replies_marked() {
        let mut t = Transcript::default();
        let visitor = Entry::Visitor {
            text: "refund?".into(),
            delivery: Delivery::Sent,
        };
        let agent = |text: &str| Entry::Agent {
            text: text.into(),
            new: false,
        };
        assert_eq!(t.restore(visitor, 0, 3), 0);
        assert_eq!(t.restore(agent("Hi, Sam here"), 3, 3), 3);
        assert_eq!(t.restore(agent("Done!"), 5, 3), 5);
        let kinds: Vec<String> = t
            .lines
            .iter()
            .map(|l| match &l.entry {
                Entry::Visitor { text, .. } => format!("v:{text}"),
                Entry::Agent { text, new } => format!("a:{text}:{new}"),
                _ => "other".into(),
            })
            .collect();
        assert_eq!(kinds, ["v:refund?", "a:Hi, Sam here:false", "a:Done!:true"]);
        assert_eq!(t.last_question(), Some("refund?"));
    }

    #[test]
    fn replies_are_added_once_and_marked_read() {
        let mut t = Transcript::default();
        let last = t.add_reply(4, "one".into(), 0, true);
        let last = t.add_reply(6, "two".into(), last, true);
        assert_eq!(last, 6);
        // A repeated reply (a retried poll) adds nothing.
        assert_eq!(t.add_reply(6, "two".into(), last, true), 6);
        assert_eq!(t.lines.len(), 2);
        t.mark_read();
        assert!(t
            .lines
            .iter()
            .all(|l| matches!(l.entry, Entry::Agent { new: false, .. })));
    }
}

//! The outbox: the visitor's messages the worker has not taken yet, oldest
//! first. They go one at a time, in order, each sent again with the same
//! idempotency key (so the worker stores it once) until the worker takes
//! it or refuses it for good. Pure data and policy: when to send again and
//! what the visitor sees meanwhile. `state.rs` runs it; boot.js only
//! fetches, waits and stores.

use crate::model::Delivery;
use crate::retry::{self, Backoff};

/// A message waiting to be taken.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Item {
    /// Its line in the transcript.
    pub(crate) line: usize,
    pub(crate) text: String,
    /// Its idempotency key.
    pub(crate) key: String,
}

/// What to do after an attempt to send the front message.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Next {
    /// It left the outbox: the worker took it (2xx) or refused it for good
    /// (4xx; the visitor may send it again by hand).
    Done,
    /// Send it again after `ms` (boot.js also wakes when the browser is back
    /// online); meanwhile the waiting messages show `shown`.
    Again { ms: u32, shown: Delivery },
    /// It is no longer in the outbox (the conversation was forgotten).
    Gone,
}

/// The messages not taken yet, and how their sending goes.
#[derive(Debug, Default)]
pub(crate) struct Outbox {
    items: Vec<Item>,
    /// Why the outbox waits (`Queued`: unreachable or busy; `Limited`: a
    /// 429), while it does: a message added then shows it at once.
    pub(crate) waiting: Option<Delivery>,
    /// A task is sending the outbox (there is only ever one, which keeps
    /// the order).
    pub(crate) running: bool,
    /// Waits after failures since the last message went.
    backoff: Backoff,
}

impl Outbox {
    /// Adds a message at the back, unless one with its key is already
    /// waiting (then only its line is updated). Returns what it shows now.
    pub(crate) fn push(&mut self, item: Item) -> Delivery {
        match self.items.iter_mut().find(|i| i.key == item.key) {
            Some(same) => same.line = item.line,
            None => self.items.push(item),
        }
        self.waiting.clone().unwrap_or(Delivery::Sending)
    }

    /// The message to send next.
    pub(crate) fn front(&self) -> Option<&Item> {
        self.items.first()
    }

    /// The waiting messages' transcript lines.
    pub(crate) fn lines(&self) -> impl Iterator<Item = usize> + '_ {
        self.items.iter().map(|i| i.line)
    }

    /// The attempt to send message `key` ended with HTTP `status` (0: the
    /// network failed, or the answer was cut off before its final event)
    /// and a `Retry-After` of `retry_after` seconds (0: none). A 429 (the
    /// worker stored nothing) waits as long as it asks, at least a second;
    /// a 409 (the same message still being answered, after a lost answer)
    /// its `Retry-After` or 2 s; no answer or a 5xx backs off 1, 2, 4 … 30 s.
    /// Anything else takes the message out.
    pub(crate) fn after(&mut self, key: &str, status: u16, retry_after: u32) -> Next {
        let Some(at) = self.items.iter().position(|i| i.key == key) else {
            return Next::Gone;
        };
        let (ms, shown) = match status {
            429 => (retry::limited(retry_after), Delivery::Limited),
            409 if retry_after > 0 => (retry::limited(retry_after), Delivery::Queued),
            409 => (2000, Delivery::Queued),
            0 | 500.. => (self.backoff.next(), Delivery::Queued),
            _ => {
                self.items.remove(at);
                self.backoff.reset();
                self.waiting = None;
                return Next::Done;
            }
        };
        self.waiting = Some(shown.clone());
        Next::Again { ms, shown }
    }

    /// Forgets every message (the conversation was deleted or reset).
    pub(crate) fn clear(&mut self) {
        self.items.clear();
        self.waiting = None;
        self.backoff.reset();
    }

    /// The waiting messages for storage, text and key each followed by a
    /// NUL (boot.js splits them: cheaper than building an array).
    pub(crate) fn stored(&self) -> String {
        let mut out = String::new();
        for i in &self.items {
            out.push_str(&i.text);
            out.push('\0');
            out.push_str(&i.key);
            out.push('\0');
        }
        out
    }
}

/// Messages an earlier page stored (`Outbox::stored`'s form), as (text,
/// key) pairs, oldest first.
pub(crate) fn parse_stored(joined: &str) -> Vec<(String, String)> {
    let mut parts = joined.split('\0');
    let mut out = Vec::new();
    while let (Some(text), Some(key)) = (parts.next(), parts.next()) {
        out.push((text.to_owned(), key.to_owned()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(line: usize, key: &str) -> Item {
        Item {
            line,
            text: format!("message {line}"),
            key: key.into(),
        }
    }

    fn outbox(keys: &[&str]) -> Outbox {
        let mut o = Outbox::default();
        for (line, key) in keys.iter().enumerate() {
            o.push(item(line, key));
        }
        o
    }

    fn waits(next: Next) -> u32 {
        match next {
            Next::Again { ms, .. } => ms,
            other => panic!("expected a wait, got {other:?}"),
        }
    }

    #[test]
    fn messages_go_in_order_and_leave_once_taken() {
        let mut o = outbox(&["a", "b", "c"]);
        assert_eq!(o.front().unwrap().key, "a");
        assert_eq!(o.after("a", 200, 0), Next::Done);
        assert_eq!(o.front().unwrap().key, "b");
        // A refusal for good (a 4xx other than 409 and 429) also takes it out.
        assert_eq!(o.after("b", 400, 0), Next::Done);
        assert_eq!(o.lines().collect::<Vec<_>>(), vec![2]);
        assert_eq!(o.after("c", 200, 0), Next::Done);
        assert!(o.front().is_none());
    }

    #[test]
    fn the_same_key_waits_once() {
        let mut o = outbox(&["a"]);
        assert_eq!(o.push(item(7, "a")), Delivery::Sending);
        assert_eq!(o.lines().collect::<Vec<_>>(), vec![7]);
        assert_eq!(o.stored(), "message 0\0a\0");
    }

    #[test]
    fn failures_back_off_to_thirty_seconds_and_reset_once_one_goes() {
        let mut o = outbox(&["a", "b"]);
        let got: Vec<u32> = [0, 503, 0, 500, 0, 0, 0]
            .iter()
            .map(|&s| waits(o.after("a", s, 0)))
            .collect();
        assert_eq!(got, [1000, 2000, 4000, 8000, 16000, 30000, 30000]);
        assert_eq!(o.waiting, Some(Delivery::Queued));
        assert_eq!(o.after("a", 200, 0), Next::Done);
        assert_eq!(o.waiting, None);
        assert_eq!(waits(o.after("b", 0, 0)), 1000);
    }

    #[test]
    fn a_429_waits_its_retry_after_and_shows_limited() {
        let mut o = outbox(&["a"]);
        assert_eq!(
            o.after("a", 429, 7),
            Next::Again {
                ms: 7000,
                shown: Delivery::Limited
            }
        );
        // Without a Retry-After: a second.
        assert_eq!(waits(o.after("a", 429, 0)), 1000);
        // A message added meanwhile shows the wait at once.
        assert_eq!(o.push(item(1, "b")), Delivery::Limited);
        // The message is still there, first.
        assert_eq!(o.front().unwrap().key, "a");
    }

    #[test]
    fn a_409_waits_for_the_answer_in_progress() {
        let mut o = outbox(&["a"]);
        assert_eq!(
            o.after("a", 409, 0),
            Next::Again {
                ms: 2000,
                shown: Delivery::Queued
            }
        );
        assert_eq!(waits(o.after("a", 409, 3)), 3000);
        assert_eq!(waits(o.after("a", 409, 86_400)), 3_600_000);
        // Busy answers are not failures: no backoff built up.
        assert_eq!(waits(o.after("a", 0, 0)), 1000);
    }

    #[test]
    fn a_forgotten_message_is_gone() {
        let mut o = outbox(&["a", "b"]);
        o.after("a", 0, 0);
        o.clear();
        assert_eq!(o.after("a", 200, 0), Next::Gone);
        assert_eq!(o.waiting, None);
        assert_eq!(o.stored(), "");
        assert_eq!(o.push(item(3, "c")), Delivery::Sending);
    }

    #[test]
    fn stored_messages_read_back_in_order() {
        let o = outbox(&["k1", "k2"]);
        assert_eq!(
            parse_stored(&o.stored()),
            vec![
                ("message 0".to_owned(), "k1".to_owned()),
                ("message 1".to_owned(), "k2".to_owned())
            ]
        );
        assert!(parse_stored("").is_empty());
        // A cut-off entry (text without its key) is dropped.
        assert_eq!(parse_stored("x\0k\0y").len(), 1);
    }
}

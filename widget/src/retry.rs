//! When to ask the worker again: after a failure, 1, 2, 4 … 30 s (or as
//! soon as the browser is back online, which boot.js's `nap` watches); after
//! a 429, as long as its `Retry-After` says. Pure policy, shared by the
//! outbox (`outbox.rs`), the long poll for agent replies and reading a
//! conversation back (`state.rs`).

/// The longest wait between two attempts after failures, in ms.
const MAX_BACKOFF_MS: u32 = 30_000;

/// Waits after consecutive failures, doubling from a second to
/// [`MAX_BACKOFF_MS`].
#[derive(Debug, Default)]
pub(crate) struct Backoff(u32);

impl Backoff {
    /// How long to wait after one more failure, in ms.
    pub(crate) fn next(&mut self) -> u32 {
        self.0 = (self.0 * 2).clamp(1000, MAX_BACKOFF_MS);
        self.0
    }

    /// Something went through: the next failure waits a second again.
    pub(crate) fn reset(&mut self) {
        self.0 = 0;
    }
}

/// How long a 429 asks to wait, in ms: its `Retry-After` (seconds; 0 when
/// missing), at least a second.
pub(crate) fn limited(retry_after: u32) -> u32 {
    retry_after.clamp(1, 3600) * 1000
}

/// What to do after a long poll for agent replies.
#[derive(Debug, PartialEq)]
pub(crate) enum Poll {
    /// It answered: show its replies and ask again at once.
    Replies,
    /// The conversation is gone (404): stop, and forget it here.
    Gone,
    /// Wait this long (ms), then ask again.
    Wait(u32),
}

/// A long poll answered HTTP `status` (0: no answer, or one that could not
/// be read) with a `Retry-After` of `retry_after` seconds.
pub(crate) fn after_poll(status: u16, retry_after: u32, backoff: &mut Backoff) -> Poll {
    match status {
        200..=299 => {
            backoff.reset();
            Poll::Replies
        }
        404 => Poll::Gone,
        429 => Poll::Wait(limited(retry_after)),
        _ => Poll::Wait(backoff.next()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_thirty_seconds_and_resets() {
        let mut b = Backoff::default();
        let got: Vec<u32> = (0..7).map(|_| b.next()).collect();
        assert_eq!(got, [1000, 2000, 4000, 8000, 16000, 30000, 30000]);
        b.reset();
        assert_eq!(b.next(), 1000);
    }

    #[test]
    fn a_429_waits_its_retry_after_within_bounds() {
        assert_eq!(limited(0), 1000);
        assert_eq!(limited(7), 7000);
        // A Retry-After of days would silence the widget for good.
        assert_eq!(limited(1_000_000), 3_600_000);
    }

    #[test]
    fn polls_read_replies_stop_when_gone_and_wait_otherwise() {
        let mut b = Backoff::default();
        assert_eq!(after_poll(0, 0, &mut b), Poll::Wait(1000));
        assert_eq!(after_poll(503, 0, &mut b), Poll::Wait(2000));
        // A 429 waits what it asks and builds no backoff.
        assert_eq!(after_poll(429, 5, &mut b), Poll::Wait(5000));
        assert_eq!(after_poll(500, 0, &mut b), Poll::Wait(4000));
        assert_eq!(after_poll(200, 0, &mut b), Poll::Replies);
        assert_eq!(after_poll(0, 0, &mut b), Poll::Wait(1000));
        assert_eq!(after_poll(404, 0, &mut b), Poll::Gone);
    }
}

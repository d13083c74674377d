//! Abuse limits: how many messages, tickets, model tokens, conversation
//! reads, long-poll seconds and ratings a visitor, an IP address (an IPv6
//! /64) and a site may use, and the pure arithmetic that enforces them. The
//! edge keeps one counter per (scope, kind) in a Durable Object and asks
//! this module whether a request fits; nothing here reads a clock.
//!
//! Each limit is a bucket of `limit` units that refills evenly over its
//! period (the generic cell rate algorithm, GCRA): a visitor may send 10
//! messages at once, then one every 6 seconds, and never more than 10 in a
//! burst. One number per counter is stored: the *theoretical arrival time*
//! (`tat`, microseconds since the epoch) at which the bucket is full again.
//! The exact wait until a refused request would fit is known, which is what
//! `Retry-After` tells.

use serde::{Deserialize, Serialize};
use std::net::{IpAddr, Ipv6Addr};

/// Microseconds in a millisecond: counters are kept in µs so that a limit
/// of two million tokens a day still refills in whole steps (43,200 µs).
const US_PER_MS: i64 = 1000;

/// What a limit counts; each has its own period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Chat messages, per minute.
    Messages,
    /// Tickets (handoffs), per hour.
    Tickets,
    /// Model tokens (prompt and answer), per day.
    Tokens,
    /// Reads of a conversation (`GET`/`DELETE /conversations/{id}`, each
    /// `GET …/replies`, held or not), per minute.
    Reads,
    /// Seconds of long polling (a `replies` request with `wait=S` costs S;
    /// what it did not use is given back), per minute: how many polls are
    /// held at once, on average.
    Polls,
    /// Ratings (`POST /feedback`), per minute.
    Feedback,
    /// Requests an action makes to the site's API (a look-up, or a
    /// confirmed change), per hour.
    Actions,
}

impl Kind {
    /// Every kind, in declaration order.
    pub const ALL: [Kind; 7] = [
        Kind::Messages,
        Kind::Tickets,
        Kind::Tokens,
        Kind::Reads,
        Kind::Polls,
        Kind::Feedback,
        Kind::Actions,
    ];

    /// The period the limit is counted over, in milliseconds.
    pub fn period_ms(self) -> u64 {
        match self {
            Kind::Messages | Kind::Reads | Kind::Polls | Kind::Feedback => 60_000,
            Kind::Tickets | Kind::Actions => 3_600_000,
            Kind::Tokens => 86_400_000,
        }
    }

    /// The setting's middle word (`LIMIT_<KIND>_<SCOPE>`).
    pub fn name(self) -> &'static str {
        match self {
            Kind::Messages => "MESSAGES",
            Kind::Tickets => "TICKETS",
            Kind::Tokens => "TOKENS",
            Kind::Reads => "READS",
            Kind::Polls => "POLLS",
            Kind::Feedback => "FEEDBACK",
            Kind::Actions => "ACTIONS",
        }
    }
}

/// Who a limit applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// One conversation (the visitor's capability; a new one has none yet).
    Visitor,
    /// One client IP address (`CF-Connecting-IP`).
    Ip,
    /// The whole site.
    Site,
}

impl Scope {
    /// Every scope, narrowest first.
    pub const ALL: [Scope; 3] = [Scope::Visitor, Scope::Ip, Scope::Site];

    /// The setting's last word, and the prefix of the counter's name.
    pub fn name(self) -> &'static str {
        match self {
            Scope::Visitor => "VISITOR",
            Scope::Ip => "IP",
            Scope::Site => "SITE",
        }
    }

    /// The name of this scope's counter object for `value`
    /// (`visitor:<conversation id>`, `ip:<address>` — see [`ip_key`] —,
    /// `site:<site>`).
    pub fn key(self, value: &str) -> String {
        format!("{}:{value}", self.name().to_ascii_lowercase())
    }
}

/// `limit` units per period; 0 means no limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rate {
    /// Units per period, and the most taken at once; 0 turns the limit off.
    pub limit: u64,
    /// The period the bucket refills over, in milliseconds (the kind's,
    /// or a multiple of it for a site's reserve); 0 also turns it off.
    pub period_ms: u64,
}

impl Rate {
    /// True when this rate limits nothing: every take fits, nothing moves.
    pub fn off(self) -> bool {
        self.limit == 0 || self.period_ms == 0
    }

    /// The same refill (`limit` per period) with room for `factor` times
    /// as much at once: a counter this rate may fill up to `factor` periods
    /// ahead. Used for a site's reserve ([`Limits::take_rate`]); a take,
    /// charge or refund moves the counter exactly as much as with `self`.
    pub fn stretched(self, factor: u64) -> Rate {
        Rate {
            limit: self.limit.saturating_mul(factor),
            period_ms: self.period_ms.saturating_mul(factor),
        }
    }

    fn period_us(self) -> i64 {
        (self.period_ms as i64).saturating_mul(US_PER_MS)
    }

    /// How far `cost` units move the counter: `cost / limit` of a period.
    fn step_us(self, cost: u64) -> i64 {
        let us = u128::from(cost) * self.period_us() as u128 / u128::from(self.limit.max(1));
        i64::try_from(us).unwrap_or(i64::MAX)
    }

    /// Takes `cost` units if they fit: the new counter, or the
    /// milliseconds until they would fit.
    pub fn take(self, tat: i64, now_ms: i64, cost: u64) -> Result<i64, u64> {
        if self.off() {
            return Ok(tat);
        }
        let now = now_ms.saturating_mul(US_PER_MS);
        let next = tat.max(now).saturating_add(self.step_us(cost));
        let over = next - now - self.period_us();
        if over <= 0 {
            Ok(next)
        } else {
            Err(ceil_ms(over))
        }
    }

    /// Whether any budget is left (a charge after the fact may have
    /// overdrawn it): `Ok`, or the milliseconds until some is.
    pub fn check(self, tat: i64, now_ms: i64) -> Result<(), u64> {
        if self.off() {
            return Ok(());
        }
        let over = tat - now_ms.saturating_mul(US_PER_MS) - self.period_us();
        if over < 0 {
            Ok(())
        } else {
            Err(ceil_ms(over + 1))
        }
    }

    /// Charges `cost` units whether or not they fit (model tokens are
    /// known only after the model answered); the budget may go negative
    /// and then refills before anything more is allowed.
    pub fn charge(self, tat: i64, now_ms: i64, cost: u64) -> i64 {
        if self.off() {
            return tat;
        }
        let now = now_ms.saturating_mul(US_PER_MS);
        tat.max(now).saturating_add(self.step_us(cost))
    }

    /// Gives back `cost` units taken for a request another scope refused,
    /// so a refused request counts nowhere.
    pub fn refund(self, tat: i64, now_ms: i64, cost: u64) -> i64 {
        if self.off() {
            return tat;
        }
        (tat - self.step_us(cost)).max(now_ms.saturating_mul(US_PER_MS))
    }
}

fn ceil_ms(us: i64) -> u64 {
    (us as u64).div_ceil(US_PER_MS as u64)
}

/// Whole seconds for a `Retry-After` header: rounded up, at least 1.
pub fn retry_after_secs(ms: u64) -> u64 {
    ms.div_ceil(1000).max(1)
}

/// The default limits: (kind, scope, units per period).
///
/// Reads, polls and ratings are sized for a real widget: a page view of a
/// returning visitor with a ticket reads once (the loader's unread check),
/// opening the panel once more (the conversation); while a ticket is open
/// the widget holds one 20 s poll at a time (3 a minute, one more per agent
/// reply). 60 reads and 180 poll-seconds a minute per visitor leave room
/// for several tabs and quick page changes; an address holds 20 polls at
/// once (an office behind one NAT), a site 10,000. Actions: a visitor
/// checks a few orders and changes one or two in an hour; 20 calls leave
/// room, and stop a script walking through order numbers.
pub const DEFAULTS: [(Kind, Scope, u64); 21] = [
    (Kind::Messages, Scope::Visitor, 10),
    (Kind::Messages, Scope::Ip, 30),
    (Kind::Messages, Scope::Site, 600),
    (Kind::Tickets, Scope::Visitor, 3),
    (Kind::Tickets, Scope::Ip, 10),
    (Kind::Tickets, Scope::Site, 200),
    (Kind::Tokens, Scope::Visitor, 20_000),
    (Kind::Tokens, Scope::Ip, 100_000),
    (Kind::Tokens, Scope::Site, 2_000_000),
    (Kind::Reads, Scope::Visitor, 60),
    (Kind::Reads, Scope::Ip, 300),
    (Kind::Reads, Scope::Site, 30_000),
    (Kind::Polls, Scope::Visitor, 180),
    (Kind::Polls, Scope::Ip, 1_200),
    (Kind::Polls, Scope::Site, 600_000),
    (Kind::Feedback, Scope::Visitor, 30),
    (Kind::Feedback, Scope::Ip, 120),
    (Kind::Feedback, Scope::Site, 3_000),
    (Kind::Actions, Scope::Visitor, 20),
    (Kind::Actions, Scope::Ip, 60),
    (Kind::Actions, Scope::Site, 3_000),
];

/// How long ago a conversation must have started for its requests to be
/// *established*: they may use the site's reserve ([`SITE_RESERVE`]).
pub const ESTABLISHED_AFTER_MS: i64 = 2 * 60_000;

/// How far a site's bucket stretches for established conversations: a
/// request of a new one (a first message, or a conversation younger than
/// [`ESTABLISHED_AFTER_MS`]) is refused once the site has used its limit;
/// one of an established conversation only at this many times the limit.
/// So traffic without a history — what anyone can make from many addresses
/// — can fill the site's bucket but never its reserve, and visitors already
/// talking go on; the refill rate is the same for both.
pub const SITE_RESERVE: u64 = 2;

/// Whether a request continues a conversation that started at
/// `started_ms` (`None`: a new one) long enough before `now_ms`.
pub fn established(started_ms: Option<i64>, now_ms: i64) -> bool {
    started_ms.is_some_and(|t| now_ms.saturating_sub(t) >= ESTABLISHED_AFTER_MS)
}

/// The deployment's limits, from `LIMIT_<KIND>_<SCOPE>` settings
/// (e.g. `LIMIT_MESSAGES_VISITOR = "10"`; `0` turns one off).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    rates: [u64; DEFAULTS.len()],
}

impl Limits {
    /// Reads each setting through `lookup`; an unset one takes its default,
    /// a bad one too, named in the returned warnings.
    pub fn from_settings(lookup: impl Fn(&str) -> Option<String>) -> (Limits, Vec<String>) {
        let mut warnings = Vec::new();
        let mut rates = [0; DEFAULTS.len()];
        for (slot, &(kind, scope, default)) in rates.iter_mut().zip(DEFAULTS.iter()) {
            let name = setting_name(kind, scope);
            *slot = match lookup(&name) {
                None => default,
                Some(v) => v.trim().replace('_', "").parse().unwrap_or_else(|_| {
                    warnings.push(format!(
                        "{name}={v:?} is not a whole number; using {default}"
                    ));
                    default
                }),
            };
        }
        (Limits { rates }, warnings)
    }

    /// Sets one limit (a site's override, see `crate::config::settings`).
    pub fn set(&mut self, kind: Kind, scope: Scope, limit: u64) {
        if let Some(i) = DEFAULTS
            .iter()
            .position(|&(k, s, _)| k == kind && s == scope)
        {
            self.rates[i] = limit;
        }
    }

    /// The rate for one kind and scope.
    pub fn rate(&self, kind: Kind, scope: Scope) -> Rate {
        let i = DEFAULTS
            .iter()
            .position(|&(k, s, _)| k == kind && s == scope)
            .unwrap_or(0);
        Rate {
            limit: self.rates[i],
            period_ms: kind.period_ms(),
        }
    }

    /// The rate a take (a message, ticket, read, poll or rating) is held
    /// to: the site's stretched to its reserve for an `established`
    /// request ([`SITE_RESERVE`]), every other as set.
    pub fn take_rate(&self, kind: Kind, scope: Scope, established: bool) -> Rate {
        let rate = self.rate(kind, scope);
        if scope == Scope::Site && established {
            rate.stretched(SITE_RESERVE)
        } else {
            rate
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits::from_settings(|_| None).0
    }
}

/// `LIMIT_<KIND>_<SCOPE>`.
pub fn setting_name(kind: Kind, scope: Scope) -> String {
    format!("LIMIT_{}_{}", kind.name(), scope.name())
}

/// The tokens a model call is charged when the provider reports no usage:
/// about four characters a token, for the prompt and the answer.
pub fn estimate_tokens(prompt_chars: usize, answer_chars: usize) -> u64 {
    (prompt_chars + answer_chars).div_ceil(4) as u64
}

/// The counter key of a client address (`CF-Connecting-IP`): an IPv4
/// address as written (`192.0.2.1`); an IPv6 address by its /64, the
/// block one subscriber gets and can rotate addresses within freely
/// (`2001:db8:1:2::/64`), in canonical form whatever the spelling
/// (compressed or full, any case, a `%zone` suffix or `[brackets]`); an
/// IPv4-mapped IPv6 address (`::ffff:192.0.2.1`) as its IPv4 address.
/// Anything else — never the case behind Cloudflare, which sets the header
/// — is `"invalid"`: such requests share one counter, so a made-up value
/// neither escapes the per-address limit nor makes a counter per string.
pub fn ip_key(raw: &str) -> String {
    let s = raw.trim();
    let s = s
        .strip_prefix('[')
        .and_then(|s| s.strip_suffix(']'))
        .unwrap_or(s);
    // A zone id (`fe80::1%eth0`) names the client's interface, not the client.
    let s = match s.split_once('%') {
        Some((addr, _)) if addr.contains(':') => addr,
        _ => s,
    };
    match s.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => v4.to_string(),
        Ok(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let net = u128::from(v6) & !((1u128 << 64) - 1);
                format!("{}/64", Ipv6Addr::from(net))
            }
        },
        Err(_) => "invalid".to_owned(),
    }
}

/// The first pause between two looks at D1 in a held `replies` request.
pub const POLL_FIRST_MS: u64 = 500;
/// The longest pause: a reply that arrives while nothing else does reaches
/// an open widget within about this.
pub const POLL_MAX_MS: u64 = 2_000;

/// The pause after one of `prev_ms` (0: the first): half as long again
/// each time, from [`POLL_FIRST_MS`] up to [`POLL_MAX_MS`]. A 25 s poll
/// looks at most 16 times (`poll_looks`), where one every 500 ms looked 50.
pub fn next_poll_ms(prev_ms: u64) -> u64 {
    (prev_ms.saturating_mul(3) / 2).clamp(POLL_FIRST_MS, POLL_MAX_MS)
}

/// How many times a poll held `wait_ms` looks at D1 when each look takes
/// no time (the most it can): at once, after each pause, and at the end.
pub fn poll_looks(wait_ms: u64) -> u64 {
    let (mut at, mut pause, mut looks) = (0, 0, 1);
    while at < wait_ms {
        pause = next_poll_ms(pause);
        at = (at + pause).min(wait_ms);
        looks += 1;
    }
    looks
}

/// How long a counter object may stay untouched after every bucket it
/// holds is full again before its storage is deleted: the longest period
/// (a day). Deleting a full bucket loses nothing (an absent counter and a
/// full one answer alike); the wait only avoids rewriting a counter that
/// is used now and then.
pub fn idle_after_ms() -> i64 {
    Kind::ALL.iter().map(|k| k.period_ms()).max().unwrap_or(0) as i64
}

/// When a counter object holding counters `tats` (µs, see [`Rate`]) may
/// be deleted: [`idle_after_ms`] after the last of them is full again
/// (milliseconds since the epoch). An object with no counters: at once.
pub fn idle_at_ms(tats: &[i64]) -> i64 {
    let full = tats
        .iter()
        .copied()
        .max()
        .unwrap_or(0)
        .div_euclid(US_PER_MS);
    full.saturating_add(idle_after_ms())
}

/// Whether a counter object holding `tats` is idle at `now_ms`: every
/// bucket full again for at least [`idle_after_ms`], so deleting it changes
/// no answer.
pub fn is_idle(tats: &[i64], now_ms: i64) -> bool {
    now_ms >= idle_at_ms(tats)
}

#[cfg(test)]
mod tests;

//! Abuse limits: how many messages, tickets and model tokens a visitor, an
//! IP address and a site may use, and the pure arithmetic that enforces
//! them. The edge keeps one counter per (scope, kind) in a Durable Object
//! and asks this module whether a request fits; nothing here reads a clock.
//!
//! Each limit is a bucket of `limit` units that refills evenly over its
//! period (the generic cell rate algorithm, GCRA): a visitor may send 10
//! messages at once, then one every 6 seconds, and never more than 10 in a
//! burst. One number per counter is stored: the *theoretical arrival time*
//! (`tat`, microseconds since the epoch) at which the bucket is full again.
//! The exact wait until a refused request would fit is known, which is what
//! `Retry-After` tells.

use serde::{Deserialize, Serialize};

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
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Messages, Kind::Tickets, Kind::Tokens];

    /// The period the limit is counted over, in milliseconds.
    pub fn period_ms(self) -> u64 {
        match self {
            Kind::Messages => 60_000,
            Kind::Tickets => 3_600_000,
            Kind::Tokens => 86_400_000,
        }
    }

    /// The setting's middle word (`LIMIT_<KIND>_<SCOPE>`).
    pub fn name(self) -> &'static str {
        match self {
            Kind::Messages => "MESSAGES",
            Kind::Tickets => "TICKETS",
            Kind::Tokens => "TOKENS",
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
    /// (`visitor:<conversation id>`, `ip:<address>`, `site:<site>`).
    pub fn key(self, value: &str) -> String {
        format!("{}:{value}", self.name().to_ascii_lowercase())
    }
}

/// `limit` units per period; 0 means no limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rate {
    pub limit: u64,
    pub period_ms: u64,
}

impl Rate {
    pub fn off(self) -> bool {
        self.limit == 0 || self.period_ms == 0
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
pub const DEFAULTS: [(Kind, Scope, u64); 9] = [
    (Kind::Messages, Scope::Visitor, 10),
    (Kind::Messages, Scope::Ip, 30),
    (Kind::Messages, Scope::Site, 600),
    (Kind::Tickets, Scope::Visitor, 3),
    (Kind::Tickets, Scope::Ip, 10),
    (Kind::Tickets, Scope::Site, 200),
    (Kind::Tokens, Scope::Visitor, 20_000),
    (Kind::Tokens, Scope::Ip, 100_000),
    (Kind::Tokens, Scope::Site, 2_000_000),
];

/// The deployment's limits, from `LIMIT_<KIND>_<SCOPE>` settings
/// (e.g. `LIMIT_MESSAGES_VISITOR = "10"`; `0` turns one off).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    rates: [u64; 9],
}

impl Limits {
    /// Reads each setting through `lookup`; an unset one takes its default,
    /// a bad one too, named in the returned warnings.
    pub fn from_settings(lookup: impl Fn(&str) -> Option<String>) -> (Limits, Vec<String>) {
        let mut warnings = Vec::new();
        let mut rates = [0; 9];
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

    /// The rate for one kind and scope.
    /// Sets one limit (a site's override, see `crate::siteconf`).
    pub fn set(&mut self, kind: Kind, scope: Scope, limit: u64) {
        if let Some(i) = DEFAULTS
            .iter()
            .position(|&(k, s, _)| k == kind && s == scope)
        {
            self.rates[i] = limit;
        }
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    const MINUTE_OF_10: Rate = Rate {
        limit: 10,
        period_ms: 60_000,
    };

    /// Takes one unit at each time, returning the counter and the results.
    fn run(rate: Rate, times: &[i64]) -> (i64, Vec<Result<(), u64>>) {
        let mut tat = 0;
        let mut out = Vec::new();
        for &t in times {
            match rate.take(tat, t, 1) {
                Ok(next) => {
                    tat = next;
                    out.push(Ok(()));
                }
                Err(ms) => out.push(Err(ms)),
            }
        }
        (tat, out)
    }

    #[test]
    fn a_burst_of_limit_then_one_per_interval() {
        let now = 1_700_000_000_000;
        let (_, got) = run(MINUTE_OF_10, &[now; 11]);
        assert!(got[..10].iter().all(Result::is_ok), "{got:?}");
        // The 11th waits one interval: 60 s / 10.
        assert_eq!(got[10], Err(6000));
        // Half way there, it still waits the other half.
        let (tat, _) = run(MINUTE_OF_10, &[now; 10]);
        assert_eq!(MINUTE_OF_10.take(tat, now + 3000, 1), Err(3000));
        // Once the interval has passed, exactly one more fits.
        let tat = MINUTE_OF_10.take(tat, now + 6000, 1).unwrap();
        assert_eq!(MINUTE_OF_10.take(tat, now + 6000, 1), Err(6000));
    }

    #[test]
    fn a_refused_request_changes_nothing_and_an_idle_bucket_refills() {
        let now = 5_000_000;
        let (tat, _) = run(MINUTE_OF_10, &[now; 10]);
        assert!(MINUTE_OF_10.take(tat, now, 1).is_err());
        // After a full period it holds a whole burst again, not more.
        let later = now + 60_000;
        let (_, got) = {
            let mut t = tat;
            let mut out = Vec::new();
            for _ in 0..11 {
                match MINUTE_OF_10.take(t, later, 1) {
                    Ok(n) => {
                        t = n;
                        out.push(true)
                    }
                    Err(_) => out.push(false),
                }
            }
            (t, out)
        };
        assert_eq!(got.iter().filter(|&&ok| ok).count(), 10);
        // Hours idle do not bank more than one burst either.
        let (_, got) = run(MINUTE_OF_10, &[later + 3_600_000; 11]);
        assert_eq!(got.iter().filter(|r| r.is_ok()).count(), 10);
    }

    #[test]
    fn tokens_are_charged_after_the_fact_and_may_overdraw() {
        let day = Rate {
            limit: 1000,
            period_ms: Kind::Tokens.period_ms(),
        };
        let now = 10_000_000;
        assert_eq!(day.check(0, now), Ok(()));
        let tat = day.charge(0, now, 600);
        assert_eq!(day.check(tat, now), Ok(()));
        // 1,200 of 1,000: spent, until 200 tokens' worth has refilled
        // (and then a little more, so something is left).
        let tat = day.charge(tat, now, 600);
        let wait = day.check(tat, now).unwrap_err();
        assert_eq!(wait, 200 * 86_400 + 1);
        assert!(day.check(tat, now + wait as i64).is_ok());
    }

    #[test]
    fn refund_undoes_a_take() {
        let now = 42_000;
        let tat = MINUTE_OF_10.take(0, now, 1).unwrap();
        assert_eq!(MINUTE_OF_10.refund(tat, now, 1), now * 1000);
        let (tat, _) = run(MINUTE_OF_10, &[now; 10]);
        let back = MINUTE_OF_10.refund(tat, now, 1);
        assert!(MINUTE_OF_10.take(back, now, 1).is_ok());
    }

    #[test]
    fn zero_turns_a_limit_off() {
        let off = Rate {
            limit: 0,
            period_ms: 60_000,
        };
        assert_eq!(off.take(7, 1, 1_000_000), Ok(7));
        assert_eq!(off.check(i64::MAX, 0), Ok(()));
    }

    #[test]
    fn big_limits_refill_in_whole_steps() {
        let site = Rate {
            limit: 2_000_000,
            period_ms: Kind::Tokens.period_ms(),
        };
        assert_eq!(site.step_us(1), 43_200);
        assert_eq!(site.charge(0, 0, 2_000_000), 86_400_000_000);
    }

    #[test]
    fn retry_after_is_whole_seconds_at_least_one() {
        assert_eq!(retry_after_secs(1), 1);
        assert_eq!(retry_after_secs(6000), 6);
        assert_eq!(retry_after_secs(6001), 7);
        assert_eq!(retry_after_secs(0), 1);
    }

    #[test]
    fn settings_override_defaults_and_bad_ones_are_named() {
        let (limits, warnings) = Limits::from_settings(|name| match name {
            "LIMIT_MESSAGES_VISITOR" => Some("3".into()),
            "LIMIT_TOKENS_SITE" => Some("5_000_000".into()),
            "LIMIT_TICKETS_IP" => Some("lots".into()),
            "LIMIT_MESSAGES_SITE" => Some("0".into()),
            _ => None,
        });
        assert_eq!(limits.rate(Kind::Messages, Scope::Visitor).limit, 3);
        assert_eq!(
            limits.rate(Kind::Messages, Scope::Visitor).period_ms,
            60_000
        );
        assert_eq!(limits.rate(Kind::Tokens, Scope::Site).limit, 5_000_000);
        assert_eq!(limits.rate(Kind::Tickets, Scope::Ip).limit, 10);
        assert!(limits.rate(Kind::Messages, Scope::Site).off());
        assert_eq!(limits.rate(Kind::Messages, Scope::Ip).limit, 30);
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("LIMIT_TICKETS_IP"), "{warnings:?}");
        assert_eq!(
            Limits::default().rate(Kind::Tickets, Scope::Visitor).limit,
            3
        );
        assert_eq!(Scope::Ip.key("192.0.2.1"), "ip:192.0.2.1");
    }

    #[test]
    fn estimates_four_characters_a_token() {
        assert_eq!(estimate_tokens(0, 0), 0);
        assert_eq!(estimate_tokens(3, 2), 2);
        assert_eq!(estimate_tokens(4000, 400), 1100);
    }
}

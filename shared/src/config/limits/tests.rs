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
                    out.push(true);
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
fn every_kind_has_a_setting_per_scope_and_its_own_period() {
    for kind in Kind::ALL {
        for scope in Scope::ALL {
            let n = DEFAULTS
                .iter()
                .filter(|&&(k, s, v)| k == kind && s == scope && v > 0)
                .count();
            assert_eq!(n, 1, "{kind:?} {scope:?}");
        }
    }
    let (limits, warnings) = Limits::from_settings(|name| match name {
        "LIMIT_READS_VISITOR" => Some("6".into()),
        "LIMIT_POLLS_IP" => Some("0".into()),
        "LIMIT_FEEDBACK_SITE" => Some("many".into()),
        _ => None,
    });
    assert_eq!(limits.rate(Kind::Reads, Scope::Visitor).limit, 6);
    assert!(limits.rate(Kind::Polls, Scope::Ip).off());
    assert_eq!(limits.rate(Kind::Feedback, Scope::Site).limit, 3_000);
    assert_eq!(limits.rate(Kind::Polls, Scope::Visitor).period_ms, 60_000);
    assert_eq!(warnings.len(), 1);
    assert_eq!(setting_name(Kind::Feedback, Scope::Ip), "LIMIT_FEEDBACK_IP");
}

/// A widget on one page with a ticket open: a reload reads the
/// conversation once, the loader's unread check once, then one 20 s
/// poll at a time, ended early by each agent reply. Ten minutes of a
/// visitor with three such tabs, reloading each every 20 s and getting
/// an agent reply every 10 s, never meets a default limit.
#[test]
fn the_defaults_leave_a_busy_real_widget_alone() {
    let limits = Limits::default();
    let reads = limits.rate(Kind::Reads, Scope::Visitor);
    let polls = limits.rate(Kind::Polls, Scope::Visitor);
    let (mut r, mut p) = (0, 0);
    let start = 1_700_000_000_000;
    for second in 0..600 {
        let now = start + second * 1000;
        for _tab in 0..3 {
            // A reload: the unread check and the conversation.
            if second % 20 == 0 {
                for _ in 0..2 {
                    r = reads.take(r, now, 1).expect("reload read");
                }
            }
            // A poll begins every 10 s (a reply ends the one before);
            // it is charged its 20 s and given back the 10 it did not use.
            if second % 10 == 0 {
                r = reads.take(r, now, 1).expect("poll read");
                p = polls.take(p, now, 20).expect("poll seconds");
                p = polls.refund(p, now, 10);
            }
        }
    }
}

/// The attack of issue 15, finding 4: 60 polls of 5 s held at once for
/// one conversation, 150 ratings and 150 reads in a row.
#[test]
fn the_defaults_refuse_floods_of_reads_polls_and_ratings() {
    let limits = Limits::default();
    let now = 1_700_000_000_000;
    let admitted = |kind: Kind, scope: Scope, n: usize, cost: u64| {
        let rate = limits.rate(kind, scope);
        let mut tat = 0;
        (0..n)
            .filter(|_| match rate.take(tat, now, cost) {
                Ok(next) => {
                    tat = next;
                    true
                }
                Err(_) => false,
            })
            .count()
    };
    assert_eq!(admitted(Kind::Polls, Scope::Visitor, 60, 5), 36);
    assert_eq!(admitted(Kind::Feedback, Scope::Visitor, 150, 1), 30);
    assert_eq!(admitted(Kind::Feedback, Scope::Ip, 150, 1), 120);
    assert_eq!(admitted(Kind::Reads, Scope::Visitor, 150, 1), 60);
    // One address holds at most 20 polls of 20 s a minute, sustained.
    let polls = limits.rate(Kind::Polls, Scope::Ip);
    let mut tat = 0;
    let mut held = 0;
    for second in 0..600 {
        while let Ok(next) = polls.take(tat, now + second * 1000, 20) {
            tat = next;
            held += 1;
        }
    }
    // 10 minutes: the burst (60) and 20 × 3 a minute after it.
    assert!((600..=661).contains(&held), "{held}");
}

#[test]
fn a_stretched_rate_refills_alike_and_holds_more() {
    let site = Rate {
        limit: 600,
        period_ms: 60_000,
    };
    let reserve = site.stretched(SITE_RESERVE);
    assert_eq!(reserve.step_us(1), site.step_us(1));
    assert_eq!(reserve.step_us(7), site.step_us(7));
    let now = 1_000_000;
    assert_eq!(
        site.refund(5_000_000_000, now, 3),
        reserve.refund(5_000_000_000, now, 3)
    );
    assert!(Rate {
        limit: 0,
        period_ms: 60_000
    }
    .stretched(2)
    .off());
}

/// Finding 9: anyone can fill a site's bucket with new conversations
/// from many addresses; visitors already talking keep its reserve.
#[test]
fn the_site_reserve_keeps_established_visitors_going() {
    let limits = Limits::default();
    let now = 1_700_000_000_000;
    let new = limits.take_rate(Kind::Messages, Scope::Site, false);
    let old = limits.take_rate(Kind::Messages, Scope::Site, true);
    assert_eq!(new, limits.rate(Kind::Messages, Scope::Site));
    // 20 addresses × 30 new conversations: the whole site limit.
    let mut tat = 0;
    for _ in 0..600 {
        tat = new.take(tat, now, 1).unwrap();
    }
    // The next new conversation is refused, for one message's refill.
    assert_eq!(new.take(tat, now, 1), Err(100));
    // A visitor with a history is not: up to the reserve, at once.
    let mut admitted = 0;
    while let Ok(next) = old.take(tat, now, 1) {
        tat = next;
        admitted += 1;
    }
    assert_eq!(admitted, 600);
    // Then they wait like anyone, and new ones wait for the site to be
    // back under its limit: the reserve's 600 messages, a minute.
    assert_eq!(old.take(tat, now, 1), Err(100));
    assert_eq!(new.take(tat, now, 1), Err(60_000 + 100));
    // New conversations never reach the reserve however many try.
    let mut tat = 0;
    for second in 0..120 {
        for _ in 0..1000 {
            if let Ok(next) = new.take(tat, now + second * 1000, 1) {
                tat = next;
            }
        }
    }
    assert!(old.take(tat, now + 120_000, 1).is_ok());
    // The reserve is only the site's: visitor and address buckets are
    // the same for everyone.
    for scope in [Scope::Visitor, Scope::Ip] {
        assert_eq!(
            limits.take_rate(Kind::Messages, scope, true),
            limits.rate(Kind::Messages, scope)
        );
    }
}

#[test]
fn a_conversation_is_established_after_two_minutes() {
    let now = 1_700_000_000_000;
    assert!(!established(None, now));
    assert!(!established(Some(now), now));
    assert!(!established(Some(now - ESTABLISHED_AFTER_MS + 1), now));
    assert!(established(Some(now - ESTABLISHED_AFTER_MS), now));
    assert!(established(Some(0), now));
    // A clock that went backwards makes nothing established.
    assert!(!established(Some(now + 5_000), now));
    assert!(!established(Some(i64::MIN), i64::MIN));
}

#[test]
fn ipv6_addresses_count_by_their_64_and_ipv4_as_written() {
    let same = [
        "2001:db8:85a3:8d3:1319:8a2e:370:7348",
        "2001:0db8:85a3:08d3:1319:8a2e:0370:7348",
        "2001:DB8:85A3:8D3::1",
        "2001:db8:85a3:8d3::",
        "2001:db8:85a3:8d3:ffff:ffff:ffff:ffff",
        " 2001:db8:85a3:8d3:0:0:0:1 ",
        "[2001:db8:85a3:8d3::42]",
        "2001:db8:85a3:8d3::42%eth0",
        "2001:db8:85a3:8d3:1:2:192.0.2.1",
    ];
    for ip in same {
        assert_eq!(ip_key(ip), "2001:db8:85a3:8d3::/64", "{ip}");
    }
    // The next /64 is another subscriber.
    assert_eq!(ip_key("2001:db8:85a3:8d4::1"), "2001:db8:85a3:8d4::/64");
    assert_eq!(ip_key("fe80::1%25en0"), "fe80::/64");
    assert_eq!(ip_key("::1"), "::/64");
    assert_eq!(ip_key("::"), "::/64");
    assert_eq!(ip_key("2001:db8::"), "2001:db8::/64");
    // IPv4, and IPv4 inside IPv6, is the IPv4 address.
    assert_eq!(ip_key("192.0.2.1"), "192.0.2.1");
    assert_eq!(ip_key(" 10.1.2.3\t"), "10.1.2.3");
    assert_eq!(ip_key("::ffff:192.0.2.1"), "192.0.2.1");
    assert_eq!(ip_key("::FFFF:c000:201"), "192.0.2.1");
    assert_eq!(ip_key("0:0:0:0:0:ffff:192.0.2.1"), "192.0.2.1");
    assert_eq!(ip_key("[::ffff:192.0.2.1]"), "192.0.2.1");
    assert_ne!(ip_key("192.0.2.1"), ip_key("192.0.2.2"));
    // Not an address: one shared counter, whatever it says.
    for bad in [
        "",
        "   ",
        "unknown",
        "192.0.2.1, 198.51.100.7",
        "192.0.2.256",
        "192.0.2",
        "010.0.0.1",
        "192.0.2.1:443",
        "[2001:db8::1]:443",
        "2001:db8::1::2",
        "2001:db8:0:0:0:0:0:0:1",
        "gggg::1",
        "%eth0",
        "192.0.2.1%eth0",
        "visitor:abc",
        "::ffff:192.0.2.1.5",
    ] {
        assert_eq!(ip_key(bad), "invalid", "{bad:?}");
    }
    assert_eq!(Scope::Ip.key(&ip_key("2001:db8::7")), "ip:2001:db8::/64");
}

#[test]
fn long_polls_look_at_d1_less_often_as_they_wait() {
    let mut pauses = vec![];
    let mut pause = 0;
    for _ in 0..7 {
        pause = next_poll_ms(pause);
        pauses.push(pause);
    }
    assert_eq!(pauses, [500, 750, 1125, 1687, 2000, 2000, 2000]);
    assert_eq!(poll_looks(0), 1);
    assert_eq!(poll_looks(1_000), 3);
    assert_eq!(poll_looks(20_000), 13);
    assert_eq!(poll_looks(25_000), 16);
    // Every wait a client may ask for (0–25 s) is bounded by the
    // longest: 16 looks, where one every 500 ms made 51.
    assert!((0..=25_000).step_by(250).all(|w| poll_looks(w) <= 16));
    assert!(poll_looks(60_000) <= 60_000 / POLL_MAX_MS + 6);
}

#[test]
fn a_counter_object_is_idle_a_day_after_its_buckets_are_full() {
    let now = 1_700_000_000_000;
    let day = 86_400_000;
    assert_eq!(idle_after_ms(), day);
    // Nothing stored: idle.
    assert!(is_idle(&[], now));
    // A message a moment ago: its bucket is full again in 6 s, the
    // object idle a day after that.
    let tat = MINUTE_OF_10.take(0, now, 1).unwrap();
    assert_eq!(idle_at_ms(&[tat]), now + 6_000 + day);
    assert!(!is_idle(&[tat], now + day));
    assert!(!is_idle(&[tat], now + 6_000 + day - 1));
    assert!(is_idle(&[tat], now + 6_000 + day));
    // The counter furthest ahead decides: tokens overdrawn for days.
    let tokens = Rate {
        limit: 1000,
        period_ms: Kind::Tokens.period_ms(),
    };
    let overdrawn = tokens.charge(0, now, 3000);
    assert!(!is_idle(&[tat, overdrawn], now + 2 * day));
    assert!(!is_idle(&[overdrawn, tat], now + 3 * day));
    assert!(is_idle(&[overdrawn, tat], now + 4 * day));
    // Deleting an idle object changes no answer: its counters take as
    // an absent (zero) one does.
    let later = now + 6_000 + day;
    assert_eq!(
        MINUTE_OF_10.take(tat, later, 1),
        MINUTE_OF_10.take(0, later, 1)
    );
    assert_eq!(
        tokens.check(overdrawn, now + 4 * day),
        tokens.check(0, now + 4 * day)
    );
}

#[test]
fn estimates_four_characters_a_token() {
    assert_eq!(estimate_tokens(0, 0), 0);
    assert_eq!(estimate_tokens(3, 2), 2);
    assert_eq!(estimate_tokens(4000, 400), 1100);
}

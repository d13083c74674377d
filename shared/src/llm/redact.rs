//! Personal data taken out of visitor text before it goes to an external
//! model (answer prompt, ticket-summary prompt, embedding of a question):
//! e-mail addresses, phone numbers, payment card numbers (Luhn-valid only)
//! and IBANs (mod-97-valid only) become stable placeholders — `[email]`,
//! `[phone]`, `[card]`, `[iban]`. What is stored for the human agent keeps
//! the original; only the copy sent out is redacted.
//!
//! Phone numbers are the fuzzy kind. The rules, chosen to leave dates,
//! years, versions, prices, IP addresses and order numbers alone:
//! - `+` or `00` then 8–15 digits (spaces, `-`, `.` and parentheses
//!   between them) is international;
//! - otherwise 7–12 digits in at least two groups, or 10–11 digits in one
//!   run starting with a single `0` (a national number written compactly);
//! - never: a run that starts right after a letter, digit, `#`, `$`, `€`,
//!   `£` or `/` (order `#123-4567`, `FD-…`, prices), one containing `/`,
//!   a date shape (`15.01.2024`, `2024-01-15`), year ranges (`2019-2024`),
//!   thousands grouping (`12.345.678`), a dotted quad (`192.168.100.200`).
//!
//! Pure: no IO.

use std::borrow::Cow;

use crate::error::SettingError;

/// Which kinds of personal data are redacted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PiiKinds {
    /// E-mail addresses become `[email]`.
    pub email: bool,
    /// Phone numbers (the rules above) become `[phone]`.
    pub phone: bool,
    /// Luhn-valid payment card numbers become `[card]`.
    pub card: bool,
    /// Mod-97-valid IBANs become `[iban]`.
    pub iban: bool,
}

/// The names `REDACT_PII` takes, in order.
pub const KIND_NAMES: [&str; 4] = ["email", "phone", "card", "iban"];

impl PiiKinds {
    /// Everything (the default).
    pub const ALL: PiiKinds = PiiKinds {
        email: true,
        phone: true,
        card: true,
        iban: true,
    };
    /// Nothing (`REDACT_PII=off`).
    pub const NONE: PiiKinds = PiiKinds {
        email: false,
        phone: false,
        card: false,
        iban: false,
    };

    /// Reads a setting: unset, empty or `all` is everything; `off` (or
    /// `none`) nothing; else a comma-separated list of `email`, `phone`,
    /// `card`, `iban` (case-insensitive, spaces allowed). Anything else is
    /// an error that names the bad word and the allowed ones.
    pub fn parse(value: Option<&str>) -> Result<PiiKinds, SettingError> {
        let value = value.map_or("", str::trim);
        match value.to_ascii_lowercase().as_str() {
            "" | "all" => return Ok(PiiKinds::ALL),
            "off" | "none" => return Ok(PiiKinds::NONE),
            _ => {}
        }
        let mut kinds = PiiKinds::NONE;
        for word in value.split(',') {
            let word = word.trim().to_ascii_lowercase();
            match word.as_str() {
                "email" => kinds.email = true,
                "phone" => kinds.phone = true,
                "card" => kinds.card = true,
                "iban" => kinds.iban = true,
                _ => {
                    return Err(SettingError {
                        setting: "REDACT_PII",
                        problem: format!(
                            "unknown kind {word:?}: use a comma list of {}, or all, or off",
                            KIND_NAMES.join(", ")
                        ),
                    })
                }
            }
        }
        Ok(kinds)
    }

    /// Whether anything is redacted at all.
    pub fn any(self) -> bool {
        self.email || self.phone || self.card || self.iban
    }

    /// The kinds on, by name (for logs).
    pub fn names(self) -> Vec<&'static str> {
        let on = [self.email, self.phone, self.card, self.iban];
        KIND_NAMES
            .iter()
            .zip(on)
            .filter(|(_, on)| *on)
            .map(|(n, _)| *n)
            .collect()
    }
}

impl Default for PiiKinds {
    fn default() -> Self {
        PiiKinds::ALL
    }
}

/// `text` with the personal data of `kinds` replaced by placeholders;
/// borrowed when there was nothing to replace.
pub fn redact(text: &str, kinds: PiiKinds) -> Cow<'_, str> {
    if !kinds.any() {
        return Cow::Borrowed(text);
    }
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut spans: Vec<(usize, usize, &'static str)> = Vec::new();
    if kinds.email {
        emails(&chars, text.len(), &mut spans);
    }
    if kinds.iban {
        ibans(&chars, text.len(), &mut spans);
    }
    if kinds.card {
        cards(&chars, text.len(), &mut spans);
    }
    if kinds.phone {
        phones(&chars, text.len(), &mut spans);
    }
    if spans.is_empty() {
        return Cow::Borrowed(text);
    }
    spans.sort_by_key(|s| s.0);
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (start, end, placeholder) in spans {
        if start < at {
            continue; // overlaps one already replaced
        }
        out.push_str(&text[at..start]);
        out.push_str(placeholder);
        at = end;
    }
    out.push_str(&text[at..]);
    Cow::Owned(out)
}

/// Whether the byte range `[start, end)` overlaps a span found before.
fn taken(spans: &[(usize, usize, &str)], start: usize, end: usize) -> bool {
    spans.iter().any(|&(s, e, _)| start < e && s < end)
}

/// Byte offset of char index `i` (or the end).
fn byte(chars: &[(usize, char)], len: usize, i: usize) -> usize {
    chars.get(i).map_or(len, |c| c.0)
}

fn is_local(c: char) -> bool {
    c.is_alphanumeric() || "._%+-'".contains(c)
}

fn is_domain(c: char) -> bool {
    c.is_alphanumeric() || c == '.' || c == '-'
}

fn emails(chars: &[(usize, char)], len: usize, spans: &mut Vec<(usize, usize, &'static str)>) {
    let mut i = 0;
    while i < chars.len() {
        if chars[i].1 != '@' {
            i += 1;
            continue;
        }
        let mut start = i;
        while start > 0 && is_local(chars[start - 1].1) {
            start -= 1;
        }
        while start < i && !chars[start].1.is_alphanumeric() {
            start += 1; // "(.kim@…" → "kim@…"
        }
        let mut end = i + 1;
        while end < chars.len() && is_domain(chars[end].1) {
            end += 1;
        }
        while end > i + 1 && !chars[end - 1].1.is_alphanumeric() {
            end -= 1; // "…example.com." at the end of a sentence
        }
        let domain: String = chars[i + 1..end].iter().map(|c| c.1).collect();
        let tld_ok = domain.rsplit_once('.').is_some_and(|(host, tld)| {
            !host.is_empty() && tld.chars().count() >= 2 && tld.chars().all(char::is_alphabetic)
        });
        if start < i && tld_ok {
            spans.push((byte(chars, len, start), byte(chars, len, end), "[email]"));
            i = end;
        } else {
            i += 1;
        }
    }
}

/// A run of digits with single separators from `seps` between them,
/// starting at char `i`: the char index after it and its groups of digits
/// (with the char index each group ends at).
fn digit_groups(chars: &[(usize, char)], i: usize, seps: &str) -> (usize, Vec<(String, usize)>) {
    let mut groups: Vec<(String, usize)> = Vec::new();
    let mut cur = String::new();
    let mut j = i;
    while j < chars.len() {
        let c = chars[j].1;
        if c.is_ascii_digit() {
            cur.push(c);
            j += 1;
        } else if seps.contains(c)
            && !cur.is_empty()
            && chars.get(j + 1).is_some_and(|n| n.1.is_ascii_digit())
        {
            groups.push((std::mem::take(&mut cur), j));
            j += 1;
        } else {
            break;
        }
    }
    if !cur.is_empty() {
        groups.push((cur, j));
    }
    (j, groups)
}

/// The Luhn checksum of a digit string is valid.
pub fn luhn_valid(digits: &str) -> bool {
    let mut sum = 0;
    for (k, c) in digits.bytes().rev().enumerate() {
        let mut d = u32::from(c - b'0');
        if k % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    !digits.is_empty() && sum % 10 == 0
}

fn word_start(chars: &[(usize, char)], i: usize) -> bool {
    i == 0 || !chars[i - 1].1.is_alphanumeric()
}

fn cards(chars: &[(usize, char)], len: usize, spans: &mut Vec<(usize, usize, &'static str)>) {
    let mut i = 0;
    while i < chars.len() {
        // Not after "+": "+8613812345678" is a phone number.
        let after_plus = i > 0 && chars[i - 1].1 == '+';
        if !chars[i].1.is_ascii_digit() || !word_start(chars, i) || after_plus {
            i += 1;
            continue;
        }
        let (after, groups) = digit_groups(chars, i, " -");
        // The longest prefix of whole groups with 13–19 digits that passes
        // Luhn ("4111 1111 1111 1111 12" is a card and a number after it).
        let mut found = None;
        let mut digits = String::new();
        let mut candidates = Vec::new();
        for (g, end) in &groups {
            digits.push_str(g);
            if (13..=19).contains(&digits.len()) {
                candidates.push((digits.clone(), *end));
            }
        }
        for (d, end) in candidates.into_iter().rev() {
            let ends_word = chars.get(end).is_none_or(|c| !c.1.is_alphanumeric());
            if ends_word && luhn_valid(&d) {
                found = Some(end);
                break;
            }
        }
        match found {
            Some(end) if !taken(spans, byte(chars, len, i), byte(chars, len, end)) => {
                spans.push((byte(chars, len, i), byte(chars, len, end), "[card]"));
                i = end;
            }
            _ => i = after.max(i + 1),
        }
    }
}

/// ISO 13616 check: move the first four to the end, letters to numbers,
/// the whole mod 97 is 1.
pub fn iban_valid(compact: &str) -> bool {
    let b = compact.as_bytes();
    if !(15..=34).contains(&b.len())
        || !b[..2].iter().all(u8::is_ascii_uppercase)
        || !b[2..4].iter().all(u8::is_ascii_digit)
        || !b
            .iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
    {
        return false;
    }
    let mut rem: u32 = 0;
    for &c in b[4..].iter().chain(&b[..4]) {
        let v = if c.is_ascii_digit() {
            u32::from(c - b'0')
        } else {
            u32::from(c - b'A') + 10
        };
        rem = if v >= 10 {
            (rem * 100 + v) % 97
        } else {
            (rem * 10 + v) % 97
        };
    }
    rem == 1
}

fn ibans(chars: &[(usize, char)], len: usize, spans: &mut Vec<(usize, usize, &'static str)>) {
    let mut i = 0;
    while i + 4 <= chars.len() {
        let starts = word_start(chars, i)
            && chars[i].1.is_ascii_uppercase()
            && chars[i + 1].1.is_ascii_uppercase()
            && chars[i + 2].1.is_ascii_digit()
            && chars[i + 3].1.is_ascii_digit();
        if !starts {
            i += 1;
            continue;
        }
        // Upper-case letters and digits, single spaces between groups;
        // the longest prefix ending at a group's end that checks out.
        let mut compact = String::new();
        let mut ends = Vec::new();
        let mut j = i;
        while j < chars.len() && compact.len() < 34 {
            let c = chars[j].1;
            if c.is_ascii_uppercase() || c.is_ascii_digit() {
                compact.push(c);
                j += 1;
                if chars
                    .get(j)
                    .is_none_or(|n| !(n.1.is_ascii_uppercase() || n.1.is_ascii_digit()))
                {
                    ends.push((compact.clone(), j));
                }
            } else if c == ' '
                && chars
                    .get(j + 1)
                    .is_some_and(|n| n.1.is_ascii_uppercase() || n.1.is_ascii_digit())
            {
                j += 1;
            } else {
                break;
            }
        }
        let found = ends.into_iter().rev().find(|(c, end)| {
            iban_valid(c) && chars.get(*end).is_none_or(|n| !n.1.is_alphanumeric())
        });
        match found {
            Some((_, end)) => {
                spans.push((byte(chars, len, i), byte(chars, len, end), "[iban]"));
                i = end;
            }
            None => i += 1,
        }
    }
}

fn phones(chars: &[(usize, char)], len: usize, spans: &mut Vec<(usize, usize, &'static str)>) {
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i].1;
        let opens = c.is_ascii_digit()
            || ((c == '+' || c == '(') && chars.get(i + 1).is_some_and(|n| n.1.is_ascii_digit()));
        let blocked = i > 0 && {
            let p = chars[i - 1].1;
            p.is_alphanumeric() || "#$€£¥/+.,_".contains(p) || (p == '-' && c != '+')
        };
        if !opens || blocked {
            i += 1;
            continue;
        }
        match phone_at(chars, i) {
            Some(end) if !taken(spans, byte(chars, len, i), byte(chars, len, end)) => {
                spans.push((byte(chars, len, i), byte(chars, len, end), "[phone]"));
                i = end;
            }
            _ => {
                // Skip the rest of this number so a tail is not read as one.
                let mut j = i + 1;
                while j < chars.len()
                    && (chars[j].1.is_ascii_digit() || "+()-. ".contains(chars[j].1))
                {
                    if chars[j].1 == ' '
                        && chars
                            .get(j + 1)
                            .is_some_and(|n| !n.1.is_ascii_digit() && n.1 != '(')
                    {
                        break;
                    }
                    j += 1;
                }
                i = j;
            }
        }
    }
}

/// The char index a phone number starting at `i` ends at, if it is one.
fn phone_at(chars: &[(usize, char)], i: usize) -> Option<usize> {
    let plus = chars[i].1 == '+';
    let mut j = if plus { i + 1 } else { i };
    let mut groups: Vec<String> = Vec::new();
    let mut seps: Vec<char> = Vec::new();
    let mut cur = String::new();
    let mut parens = 0;
    let mut pending_sep: Option<char> = None;
    let mut end = j;
    while j < chars.len() {
        let c = chars[j].1;
        if c.is_ascii_digit() {
            if let Some(s) = pending_sep.take() {
                if !cur.is_empty() {
                    groups.push(std::mem::take(&mut cur));
                    seps.push(s);
                }
            }
            cur.push(c);
            j += 1;
            end = j;
        } else if c == '(' && parens == 0 {
            if !cur.is_empty() {
                groups.push(std::mem::take(&mut cur));
                seps.push(pending_sep.unwrap_or('('));
            }
            pending_sep = None;
            parens = 1;
            j += 1;
        } else if c == ')' && parens == 1 && !cur.is_empty() {
            parens = 2;
            groups.push(std::mem::take(&mut cur));
            seps.push('(');
            j += 1;
            end = j;
            if chars.get(j).is_some_and(|n| n.1 == ' ') {
                j += 1;
            }
        } else if " -.".contains(c) && pending_sep.is_none() && !cur.is_empty() {
            pending_sep = Some(c);
            j += 1;
        } else if c == '/' {
            return None;
        } else {
            break;
        }
    }
    if !cur.is_empty() {
        groups.push(cur);
    }
    if parens == 1 {
        return None;
    }
    // What follows must not continue a word ("12345678abc").
    if chars.get(end).is_some_and(|n| n.1.is_alphanumeric()) {
        return None;
    }
    let digits: usize = groups.iter().map(String::len).sum();
    let all: String = groups.concat();
    let intl = plus || all.starts_with("00");
    if intl {
        return (8..=15 + usize::from(!plus) * 2)
            .contains(&digits)
            .then_some(end);
    }
    let sizes: Vec<usize> = groups.iter().map(String::len).collect();
    if groups.len() == 1 {
        let compact_national =
            (10..=11).contains(&digits) && all.starts_with('0') && !all.starts_with("00");
        return compact_national.then_some(end);
    }
    if !(7..=12).contains(&digits) {
        return None;
    }
    let only = |s: char| seps.iter().all(|&x| x == s);
    // Dates: d.m.yyyy, yyyy-mm-dd, dd mm yyyy …
    let date = sizes.len() == 3
        && ((sizes[0] <= 2 && sizes[1] <= 2 && sizes[2] == 4)
            || (sizes[0] == 4 && sizes[1] <= 2 && sizes[2] <= 2));
    // Years and year ranges: 2019-2024, 2023 2024.
    let years = groups
        .iter()
        .all(|g| g.len() == 4 && (g.starts_with("19") || g.starts_with("20")));
    // Thousands: 12.345.678, 1 234 567.
    let thousands = (only('.') || only(' ')) && sizes[0] <= 3 && sizes[1..].iter().all(|&s| s == 3);
    // A dotted quad (IP address, version).
    let dotted = only('.') && sizes.len() >= 3 && !(sizes.len() == 3 && sizes == [3, 3, 4]);
    if date || years || thousands || dotted {
        return None;
    }
    Some(end)
}

#[cfg(test)]
mod tests;

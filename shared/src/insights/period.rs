//! A report's period: its bounds from the request (dates or times, UTC),
//! checked, and times written back as ISO 8601.

use serde::{Deserialize, Serialize};

use super::{DAY_MS, DEFAULT_DAYS, MAX_DAYS};
use frontdesk_api::error::{ApiError, ErrorCode};

/// A report's period: `[from_ms, to_ms)`, milliseconds since the epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    /// The first millisecond in the period.
    pub from_ms: i64,
    /// The first millisecond after it (exclusive).
    pub to_ms: i64,
}

/// Reads `from` and `to` (each an ISO date `YYYY-MM-DD`, UTC; a UTC time
/// `YYYY-MM-DDTHH:MM:SS[.sss]Z`; or a number of days before `now`, `30` or
/// `30d`; `to` as a date includes that whole day). Defaults: the last [`DEFAULT_DAYS`] days up to now. Refused with
/// `invalid_field` naming the parameter: anything else, a period that ends
/// before it starts, or one longer than [`MAX_DAYS`].
pub fn period(from: Option<&str>, to: Option<&str>, now_ms: i64) -> Result<Period, ApiError> {
    let to_ms = match to {
        None => now_ms,
        Some(v) => bound(v, now_ms, 1).ok_or_else(|| bad_bound("to"))?,
    };
    let from_ms = match from {
        None => to_ms - DEFAULT_DAYS * DAY_MS,
        Some(v) => bound(v, now_ms, 0).ok_or_else(|| bad_bound("from"))?,
    };
    if from_ms >= to_ms {
        return Err(ApiError::field(
            ErrorCode::InvalidField,
            "from",
            "from must be before to.",
        ));
    }
    if to_ms - from_ms > MAX_DAYS * DAY_MS {
        return Err(ApiError::field(
            ErrorCode::InvalidField,
            "from",
            format!("A report covers at most {MAX_DAYS} days."),
        ));
    }
    Ok(Period { from_ms, to_ms })
}

fn bad_bound(field: &str) -> ApiError {
    ApiError::field(
        ErrorCode::InvalidField,
        field,
        format!(
            "{field} must be a date (YYYY-MM-DD), a UTC time (YYYY-MM-DDTHH:MM:SSZ) or a number of days ago (0–3650)."
        ),
    )
}

/// One end of a period: a date's midnight (plus `extra_days`), or `now`
/// minus a number of days.
fn bound(v: &str, now_ms: i64, extra_days: i64) -> Option<i64> {
    let digits = v.strip_suffix('d').unwrap_or(v);
    if !digits.is_empty() && digits.len() <= 4 && digits.bytes().all(|b| b.is_ascii_digit()) {
        let days: i64 = digits.parse().ok()?;
        return (days <= 3650).then_some(now_ms - days * DAY_MS);
    }
    if v.len() == 10 {
        return Some((parse_date(v)? + extra_days) * DAY_MS);
    }
    parse_time(v)
}

/// Milliseconds since the epoch of a strict UTC `YYYY-MM-DDTHH:MM:SSZ`,
/// optionally with milliseconds (`.sss`), as JavaScript's `toISOString`.
pub fn parse_time(v: &str) -> Option<i64> {
    let (date, rest) = (v.get(..10)?, v.get(10..)?);
    let rest = rest.strip_prefix('T')?.strip_suffix('Z')?;
    let (hms, millis) = match rest.split_once('.') {
        Some((hms, ms)) if ms.len() == 3 && ms.bytes().all(|b| b.is_ascii_digit()) => {
            (hms, ms.parse::<i64>().ok()?)
        }
        Some(_) => return None,
        None => (rest, 0),
    };
    let b = hms.as_bytes();
    if b.len() != 8 || b[2] != b':' || b[5] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let s = hms.get(r)?;
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())?
    };
    let (h, m, sec) = (num(0..2)?, num(3..5)?, num(6..8)?);
    if h > 23 || m > 59 || sec > 59 {
        return None;
    }
    Some(parse_date(date)? * DAY_MS + ((h * 60 + m) * 60 + sec) * 1000 + millis)
}

/// Days since 1970-01-01 of a strict `YYYY-MM-DD` (years 1970–9999).
pub fn parse_date(v: &str) -> Option<i64> {
    let b = v.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let s = v.get(r)?;
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())?
    };
    let (y, m, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if y < 1970 || !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Howard Hinnant's `days_from_civil`.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `YYYY-MM-DDTHH:MM:SSZ` of milliseconds since the epoch (exports).
pub fn iso_time(ms: i64) -> String {
    let days = ms.div_euclid(DAY_MS);
    let secs = ms.rem_euclid(DAY_MS) / 1000;
    // Howard Hinnant's `civil_from_days`.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

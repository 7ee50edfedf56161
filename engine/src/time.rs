//! Calendar arithmetic on injected time. The engine never reads a clock:
//! hosts pass `now_ms` (milliseconds since the Unix epoch, as `Date.now()`)
//! and the visitor's UTC offset in minutes east of UTC (Paris in winter: +60).
//!
//! Dates use the proleptic Gregorian calendar through Howard Hinnant's
//! `days_from_civil` / `civil_from_days` algorithms (no date crate: wasm size).
//! Every function is total: NaN, infinities and absurd offsets are clamped,
//! never a panic.

/// Milliseconds in a day.
pub const DAY_MS: f64 = 86_400_000.0;

/// The moment a decision or a trait read happens: epoch ms, the visitor's
/// UTC offset, and the local day they give (caps and windows count days).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Now {
    /// Epoch ms.
    pub ms: f64,
    /// Minutes east of UTC.
    pub tz_offset_min: i32,
    /// Local days since 1970-01-01 ([`local_day`]).
    pub day: i64,
}

impl Now {
    /// `ms` seen from `tz_offset_min`.
    pub fn new(ms: f64, tz_offset_min: i32) -> Now {
        Now {
            ms,
            tz_offset_min,
            day: local_day(ms, tz_offset_min),
        }
    }
}

/// Times are clamped to ±10^15 ms (about ±31,700 years) so integer day
/// arithmetic can never overflow.
const MAX_MS: f64 = 1e15;

/// A local calendar date and time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Civil {
    /// e.g. 2026.
    pub year: i32,
    /// 1–12.
    pub month: u32,
    /// 1–31.
    pub day: u32,
    /// 0–23.
    pub hour: u32,
    /// 0–59.
    pub minute: u32,
    /// 0 = Sunday … 6 = Saturday (as JS `getDay`).
    pub weekday: u32,
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Hinnant's `days_from_civil`).
///
/// ```
/// use parcours_engine::time::days_from_civil;
/// assert_eq!(days_from_civil(1970, 1, 1), 0);
/// assert_eq!(days_from_civil(2000, 3, 1), 11_017);
/// ```
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let (m, d) = (i64::from(month), i64::from(day));
    let y = if m <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The `(year, month, day)` of a count of days since 1970-01-01
/// (Hinnant's `civil_from_days`).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    // d in 1..=31 and m in 1..=12 by construction.
    (y, m as u32, d as u32)
}

/// Whether `year` is a Gregorian leap year.
pub fn is_leap_year(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// Days in `month` (1–12) of `year`; 0 for an invalid month.
pub fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Local epoch ms, clamped to a safe range; NaN counts as 0.
fn local_ms(ms: f64, tz_offset_min: i32) -> f64 {
    let tz = f64::from(tz_offset_min.clamp(-24 * 60, 24 * 60));
    let local = ms + tz * 60_000.0;
    if local.is_nan() {
        0.0
    } else {
        local.clamp(-MAX_MS, MAX_MS)
    }
}

/// The local calendar date and time of `ms` at `tz_offset_min`.
///
/// ```
/// use parcours_engine::time::civil;
/// // 2026-11-24T23:30:00Z is already Wednesday 00:30 in Paris (+60).
/// let c = civil(1_795_563_000_000.0, 60);
/// assert_eq!((c.year, c.month, c.day, c.hour, c.minute, c.weekday), (2026, 11, 25, 0, 30, 3));
/// ```
pub fn civil(ms: f64, tz_offset_min: i32) -> Civil {
    let local = local_ms(ms, tz_offset_min);
    let days = (local / DAY_MS).floor();
    let in_day = (local - days * DAY_MS).clamp(0.0, DAY_MS - 1.0);
    let days = days as i64;
    let (y, month, day) = civil_from_days(days);
    let minutes = (in_day / 60_000.0).floor() as u32;
    Civil {
        year: y as i32,
        month,
        day,
        hour: minutes / 60,
        minute: minutes % 60,
        weekday: (days + 4).rem_euclid(7) as u32,
    }
}

/// Local days since 1970-01-01 (floor), for "same day" and day counts.
pub fn local_day(ms: f64, tz_offset_min: i32) -> i64 {
    (local_ms(ms, tz_offset_min) / DAY_MS).floor() as i64
}

/// Parses the date part `YYYY-MM-DD` at the start of `s` (anything may
/// follow, e.g. a time): `(year, month, day)` when it is a real date.
pub fn parse_date(s: &str) -> Option<(i32, u32, u32)> {
    let b = s.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let y = digits(b, 0, 4)? as i32;
    let m = digits(b, 5, 2)?;
    let d = digits(b, 8, 2)?;
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(i64::from(y), m) {
        return None;
    }
    Some((y, m, d))
}

/// The number written by the `n` ASCII digits at `b[at..at + n]`.
fn digits(b: &[u8], at: usize, n: usize) -> Option<u32> {
    let part = b.get(at..at + n)?;
    part.iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

/// Parses `2026-11-24`, `2026-11-24T10:00:00Z`, `…T10:00:00.123+01:00` into epoch ms.
///
/// A date alone is midnight UTC (as JavaScript's `Date.parse`); a date-time
/// without a zone is read as UTC too (the engine has no local zone).
/// `T` may be a space; seconds and fractions are optional; offsets are
/// `Z`, `±HH:MM` or `±HHMM`.
///
/// ```
/// use parcours_engine::time::parse_iso8601;
/// assert_eq!(parse_iso8601("1970-01-02"), Some(86_400_000.0));
/// assert_eq!(parse_iso8601("1970-01-01T01:00:00+01:00"), Some(0.0));
/// assert_eq!(parse_iso8601("2026-02-30"), None);
/// ```
pub fn parse_iso8601(s: &str) -> Option<f64> {
    let s = s.trim();
    let (y, mo, d) = parse_date(s)?;
    let day_ms = days_from_civil(i64::from(y), mo, d) as f64 * DAY_MS;
    let b = s.as_bytes();
    if b.len() == 10 {
        return Some(day_ms);
    }
    if b[10] != b'T' && b[10] != b't' && b[10] != b' ' {
        return None;
    }
    let h = digits(b, 11, 2)?;
    if b.get(13) != Some(&b':') {
        return None;
    }
    let mi = digits(b, 14, 2)?;
    let mut i = 16;
    let mut sec = 0.0;
    if b.get(i) == Some(&b':') {
        sec = f64::from(digits(b, i + 1, 2)?);
        i += 3;
        if b.get(i) == Some(&b'.') || b.get(i) == Some(&b',') {
            let start = i + 1;
            i = start;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            let frac = s.get(start..i).filter(|f| !f.is_empty())?;
            sec += crate::number::parse(&["0.", frac].concat())?;
        }
    }
    if h > 24 || mi > 59 || sec >= 61.0 || (h == 24 && (mi > 0 || sec > 0.0)) {
        return None;
    }
    let offset_min = match b.get(i) {
        None => 0i64,
        Some(b'Z' | b'z') if i + 1 == b.len() => 0,
        Some(&sign @ (b'+' | b'-')) => {
            let oh = digits(b, i + 1, 2)?;
            let rest = &b[i + 3..];
            let om = match rest {
                [] => 0,
                [b':', _, _] => digits(b, i + 4, 2)?,
                [_, _] => digits(b, i + 3, 2)?,
                _ => return None,
            };
            if oh > 23 || om > 59 {
                return None;
            }
            let o = i64::from(oh * 60 + om);
            if sign == b'-' {
                -o
            } else {
                o
            }
        }
        Some(_) => return None,
    };
    let t = f64::from(h) * 3_600_000.0 + f64::from(mi) * 60_000.0 + (sec * 1000.0).round();
    Some(day_ms + t - offset_min as f64 * 60_000.0)
}

/// `YYYY-MM-DD` of `ms` at `tz_offset_min`.
pub fn format_date(ms: f64, tz_offset_min: i32) -> String {
    let c = civil(ms, tz_offset_min);
    format!("{:04}-{:02}-{:02}", c.year, c.month, c.day)
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` of `ms` in UTC, as JavaScript's `toISOString`
/// (for wire timestamps).
pub fn format_iso8601(ms: f64) -> String {
    let c = civil(ms, 0);
    let local = local_ms(ms, 0);
    let in_minute = local - (local / 60_000.0).floor() * 60_000.0;
    let millis = in_minute.floor() as u32;
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        c.year,
        c.month,
        c.day,
        c.hour,
        c.minute,
        millis / 1000,
        millis % 1000
    )
}

/// Days from `today` (local days since the epoch) until the next
/// anniversary of `(month, day)` that falls strictly after `origin` (the
/// local day of the original date, when known): 0 when it is today.
/// 29 February is celebrated on 28 February in common years.
pub fn days_until_anniversary(today: i64, month: u32, day: u32, origin: Option<i64>) -> i64 {
    let (year, _, _) = civil_from_days(today);
    let on = |y: i64| {
        let d = day.min(days_in_month(y, month)).max(1);
        days_from_civil(y, month, d)
    };
    let mut y = year;
    // At most two steps: this year's date passed, or it is the origin itself.
    for _ in 0..3 {
        let at = on(y);
        if at >= today && origin.is_none_or(|o| at > o) {
            return at - today;
        }
        y += 1;
    }
    on(y) - today
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trips_every_day_of_four_centuries() {
        for days in (-146_097 * 2)..(146_097 * 2) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn weekday_counts_from_sunday() {
        assert_eq!(civil(0.0, 0).weekday, 4); // 1970-01-01 was a Thursday
        let sunday = parse_iso8601("2026-11-29T12:00:00Z").unwrap_or(f64::NAN);
        assert_eq!(civil(sunday, 0).weekday, 0);
    }

    #[test]
    fn offsets_move_the_local_date() {
        let t = parse_iso8601("2026-01-01T23:30:00Z").unwrap_or(f64::NAN);
        assert_eq!(format_date(t, 0), "2026-01-01");
        assert_eq!(format_date(t, 60), "2026-01-02");
        assert_eq!(local_day(t, 60) - local_day(t, 0), 1);
        assert_eq!(format_date(t, -600), "2026-01-01");
    }

    #[test]
    fn parse_accepts_common_iso_forms_and_rejects_the_rest() {
        let base = parse_iso8601("2026-11-24T10:00:00Z");
        assert!(base.is_some());
        assert_eq!(parse_iso8601("2026-11-24T11:00:00+01:00"), base);
        assert_eq!(parse_iso8601("2026-11-24T1100+0100"), None);
        assert_eq!(parse_iso8601("2026-11-24T11:00+0100"), base);
        assert_eq!(parse_iso8601("2026-11-24 10:00"), base);
        assert_eq!(
            parse_iso8601("2026-11-24T10:00:00.250Z")
                .zip(base)
                .map(|(a, b)| a - b),
            Some(250.0)
        );
        for bad in [
            "",
            "2026",
            "2026-13-01",
            "2026-11-24T",
            "2026-11-24T25:00",
            "x026-11-24",
            "2026-11-24Tab:00",
            "2026-11-24T10:00:00Zjunk",
            "2026-11-24T10:00:00.Z",
        ] {
            assert_eq!(parse_iso8601(bad), None, "{bad}");
        }
    }

    #[test]
    fn non_finite_times_do_not_panic() {
        for t in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 1e300, -1e300] {
            let _ = civil(t, i32::MAX);
            let _ = local_day(t, i32::MIN);
            let _ = format_iso8601(t);
        }
    }

    #[test]
    fn iso_format_matches_javascript() {
        assert_eq!(format_iso8601(0.0), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            format_iso8601(1_795_563_000_123.0),
            "2026-11-24T23:30:00.123Z"
        );
    }

    #[test]
    fn anniversary_counts_to_the_next_occurrence() {
        let today = days_from_civil(2026, 11, 24);
        assert_eq!(days_until_anniversary(today, 11, 24, None), 0);
        assert_eq!(days_until_anniversary(today, 11, 25, None), 1);
        assert_eq!(days_until_anniversary(today, 11, 23, None), 364);
        // A first purchase made today has its anniversary in a year.
        assert_eq!(days_until_anniversary(today, 11, 24, Some(today)), 365);
        let feb = days_from_civil(2027, 2, 1);
        assert_eq!(days_until_anniversary(feb, 2, 29, None), 27);
    }
}

//! Calendar arithmetic on injected time. The engine never reads a clock:
//! hosts pass `now_ms` (milliseconds since the Unix epoch, as `Date.now()`)
//! and the visitor's UTC offset in minutes east of UTC (Paris in winter: +60).
//!
//! STUB: signatures fixed, bodies to be written.

/// Milliseconds in a day.
pub const DAY_MS: f64 = 86_400_000.0;

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

/// The local calendar date and time of `ms` at `tz_offset_min`.
pub fn civil(ms: f64, tz_offset_min: i32) -> Civil {
    let _ = (ms, tz_offset_min);
    todo!()
}

/// Local days since 1970-01-01 (floor), for "same day" and day counts.
pub fn local_day(ms: f64, tz_offset_min: i32) -> i64 {
    let _ = (ms, tz_offset_min);
    todo!()
}

/// Parses `2026-11-24`, `2026-11-24T10:00:00Z`, `…T10:00:00.123+01:00` into epoch ms.
pub fn parse_iso8601(s: &str) -> Option<f64> {
    let _ = s;
    todo!()
}

/// `YYYY-MM-DD` of `ms` at `tz_offset_min`.
pub fn format_date(ms: f64, tz_offset_min: i32) -> String {
    let _ = (ms, tz_offset_min);
    todo!()
}

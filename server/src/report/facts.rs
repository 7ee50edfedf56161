//! What one stored event means to the campaign reports: an exposure, an
//! impression, a click, a dismissal, or a possible goal; and whether it may
//! be counted at all (never preview traffic, never known bots).

use parcours_engine::Value;
use serde::Deserialize;

/// The first of these for a campaign is the person's exposure.
pub const EXPERIMENT_VIEWED: &str = "Experiment Viewed";
/// An impression of a variant.
pub const PROMOTION_VIEWED: &str = "Promotion Viewed";
/// A click on a variant.
pub const PROMOTION_CLICKED: &str = "Promotion Clicked";
/// A dismissal of a variant.
pub const PROMOTION_DISMISSED: &str = "Promotion Dismissed";

/// Case-insensitive substrings of `context.userAgent` that mark a known
/// bot, crawler or link previewer: such events are never counted. `bot`
/// covers Googlebot, bingbot, DuckDuckBot, Applebot, YandexBot, AhrefsBot,
/// SemrushBot, GPTBot, Twitterbot, LinkedInBot, Slackbot, Discordbot…
/// Headless Chrome is deliberately not listed: it is what the project's own
/// end-to-end tests drive, and real shoppers' automation tools too.
pub const BOT_MARKERS: &[&str] = &[
    "bot",
    "crawl",
    "spider",
    "slurp",
    "mediapartners-google",
    "facebookexternalhit",
    "embedly",
    "bingpreview",
    "lighthouse",
    "pingdom",
    "gtmetrix",
    "phantomjs",
    "prerender",
];

/// Whether a user agent is a known bot or crawler ([`BOT_MARKERS`]).
pub fn is_bot(user_agent: &str) -> bool {
    let ua = user_agent.to_ascii_lowercase();
    BOT_MARKERS.iter().any(|m| ua.contains(m))
}

/// Which daily counter a promotion event adds to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counter {
    /// `Promotion Viewed`.
    Impression,
    /// `Promotion Clicked`.
    Click,
    /// `Promotion Dismissed`.
    Dismissal,
}

impl Counter {
    /// The counter of an event name.
    pub fn of(name: &str) -> Option<Counter> {
        match name {
            PROMOTION_VIEWED => Some(Counter::Impression),
            PROMOTION_CLICKED => Some(Counter::Click),
            PROMOTION_DISMISSED => Some(Counter::Dismissal),
            _ => None,
        }
    }

    /// `[impressions, clicks, dismissals]` deltas of one such event.
    pub fn deltas(self, n: i64) -> [i64; 3] {
        match self {
            Counter::Impression => [n, 0, 0],
            Counter::Click => [0, n, 0],
            Counter::Dismissal => [0, 0, n],
        }
    }
}

#[derive(Deserialize)]
struct Payload {
    #[serde(default)]
    properties: Option<Value>,
    #[serde(default)]
    context: Option<Context>,
}

#[derive(Deserialize)]
struct Context {
    #[serde(default)]
    preview: Option<serde_json::Value>,
    #[serde(rename = "userAgent", default)]
    user_agent: Option<serde_json::Value>,
}

/// A countable event's properties; `None` when it was sent from a preview
/// link (`context.preview` is `true`), by a known bot, or is not JSON.
pub fn countable_properties(payload: &str) -> Option<Value> {
    let p: Payload = serde_json::from_str(payload).ok()?;
    if let Some(c) = &p.context {
        if c.preview == Some(serde_json::Value::Bool(true)) {
            return None;
        }
        if let Some(serde_json::Value::String(ua)) = &c.user_agent {
            if is_bot(ua) {
                return None;
            }
        }
    }
    Some(p.properties.unwrap_or_else(Value::object))
}

/// A property as text (numbers as JavaScript prints them); `None` when absent or empty.
pub fn prop(props: &Value, key: &str) -> Option<String> {
    match props.get(key)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        v @ Value::Number(_) => Some(v.to_js_string()),
        _ => None,
    }
}

/// The `revenue` property as a number (a numeric string counts); 0 otherwise.
pub fn revenue(props: &Value) -> f64 {
    match props.get("revenue") {
        Some(Value::Number(n)) if n.is_finite() => *n,
        Some(Value::String(s)) => s
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .unwrap_or(0.0),
        _ => 0.0,
    }
}

/// Epoch milliseconds of a stored timestamp (RFC 3339 UTC).
pub fn epoch_ms(timestamp: &str) -> Option<i64> {
    parcours_engine::time::parse_iso8601(timestamp).map(|ms| ms as i64)
}

/// The UTC day (`YYYY-MM-DD`) of epoch milliseconds.
pub fn utc_day(ms: i64) -> String {
    parcours_engine::time::format_date(ms as f64, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bots_preview_and_plain_traffic() {
        assert!(is_bot(
            "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
        ));
        assert!(is_bot("facebookexternalhit/1.1"));
        assert!(!is_bot(
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120 Safari/537.36"
        ));
        let p = countable_properties(
            r#"{"properties":{"revenue":"12.5"},"context":{"userAgent":"Mozilla/5.0"}}"#,
        )
        .unwrap();
        assert_eq!(revenue(&p), 12.5);
        assert!(countable_properties(r#"{"context":{"preview":true}}"#).is_none());
        assert!(countable_properties(r#"{"context":{"userAgent":"Baiduspider"}}"#).is_none());
        assert!(countable_properties(r#"{"context":{"preview":"true"}}"#).is_some());
    }

    #[test]
    fn days_and_times() {
        let ms = epoch_ms("2026-11-24T23:59:59.999Z").unwrap();
        assert_eq!(utc_day(ms), "2026-11-24");
        assert_eq!(utc_day(ms + 1), "2026-11-25");
    }
}

//! The evaluation context that every condition reads (see `docs/context.md`).
//!
//! [`build`] assembles `anonymous_id`, `user_id`, `traits`, `computed`,
//! `lifecycle`, `visit`, `session`, `page`, `device`, `now` and `event`;
//! the engine adds `segments` and `campaigns`. Building costs O(number of
//! computed traits + their live day buckets), independent of history size.

use crate::env::{Env, Page};
use crate::event::{Event, EventKind};
use crate::profile::{Profile, ProfileRules};
use crate::session::{page_query, parse_query, Source, SESSION_IDLE_MS};
use crate::time::{civil, format_date, local_day};
use crate::value::Value;

fn s(x: &str) -> Value {
    Value::from(x)
}

/// `visit.*`: count, first_seen, days_since_first, days_since_previous.
fn visit(profile: &Profile, now: f64, tz: i32) -> Value {
    let days_since_first = local_day(now, tz) - local_day(profile.first_seen_ms(), tz);
    Value::from_pairs([
        ("count", Value::from(profile.visits() as f64)),
        (
            "first_seen",
            format_date(profile.first_seen_ms(), tz).into(),
        ),
        ("days_since_first", (days_since_first.max(0) as f64).into()),
        (
            "days_since_previous",
            profile
                .days_since_previous(now, tz)
                .map(|d| d as f64)
                .into(),
        ),
    ])
}

/// `session.*`; before any event, what the current page would start.
fn session(profile: &Profile, env: &Env, now: f64) -> Value {
    let Some(sess) = profile.session() else {
        let src = Source::detect(&env.page);
        let channel = if src.channel == "internal" {
            "direct"
        } else {
            src.channel
        };
        return Value::from_pairs([
            ("id", s("")),
            ("channel", s(channel)),
            ("utm", src.utm.to_value(true)),
            ("referrer", s(&src.referrer)),
            ("landing_path", s(&env.page.path)),
            ("pageviews", Value::Number(0.0)),
            ("duration_s", Value::Number(0.0)),
            ("is_first", Value::Bool(true)),
        ]);
    };
    let end = if now - sess.last_ms < SESSION_IDLE_MS {
        now.max(sess.last_ms)
    } else {
        sess.last_ms
    };
    let duration = ((end - sess.start_ms) / 1000.0).floor().max(0.0);
    Value::from_pairs([
        ("id", s(&sess.id)),
        ("channel", s(&sess.channel)),
        ("utm", sess.utm.to_value(true)),
        ("referrer", s(&sess.referrer)),
        ("landing_path", s(&sess.landing_path)),
        ("pageviews", f64::from(sess.pageviews).into()),
        ("duration_s", duration.into()),
        ("is_first", (profile.visits() <= 1).into()),
    ])
}

/// `page.*`: url, path, query (object), query_string, title, referrer.
fn page(p: &Page) -> Value {
    let raw = page_query(p);
    Value::from_pairs([
        ("url", s(&p.url)),
        ("path", s(&p.path)),
        ("query", Value::Object(parse_query(raw))),
        ("query_string", s(raw)),
        ("title", s(&p.title)),
        ("referrer", s(&p.referrer)),
    ])
}

/// The context for conditions: everything but `segments` and `campaigns`,
/// which the engine adds.
pub fn build(profile: &Profile, env: &Env, rules: &ProfileRules, event: Option<&Event>) -> Value {
    let now = if env.now_ms.is_finite() {
        env.now_ms
    } else {
        0.0
    };
    let tz = env.tz_offset_min;
    let c = civil(now, tz);
    let (computed, stage) = profile.computed_and_stage(rules, now, tz);
    let mut ctx = Value::from_pairs([
        ("anonymous_id", s(&profile.anonymous_id)),
        ("user_id", profile.user_id.as_deref().map(s).into()),
        ("traits", Value::Object(profile.traits.clone())),
        ("computed", Value::Object(computed)),
        ("lifecycle", s(stage.as_str())),
        ("visit", visit(profile, now, tz)),
        ("session", session(profile, env, now)),
        ("page", page(&env.page)),
        (
            "device",
            Value::from_pairs([
                ("type", s(&env.device.kind)),
                ("language", s(&env.device.language)),
            ]),
        ),
        (
            "now",
            Value::from_pairs([
                ("hour", c.hour.into()),
                ("minute", c.minute.into()),
                ("weekday", c.weekday.into()),
                ("date", format_date(now, tz).into()),
            ]),
        ),
    ]);
    if let Some(e) = event {
        let kind = match e.kind {
            EventKind::Track => "track",
            EventKind::Page => "page",
        };
        ctx.insert(
            "event",
            Value::from_pairs([
                ("name", s(&e.name)),
                ("type", s(kind)),
                ("properties", e.properties.clone()),
            ]),
        );
    }
    ctx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_before_any_event_reads_the_landing_page() {
        let p = Profile::new("a1".into(), 0.0);
        let env = Env {
            now_ms: 0.0,
            page: Page {
                url: "https://shop.example/?utm_medium=qr&utm_source=store".into(),
                path: "/".into(),
                ..Page::default()
            },
            ..Env::default()
        };
        let ctx = build(&p, &env, &ProfileRules::default(), None);
        assert_eq!(ctx.get_dotted("session.channel").as_str(), Some("store_qr"));
        assert_eq!(ctx.get_dotted("page.query.utm_medium").as_str(), Some("qr"));
        assert_eq!(ctx.get_dotted("lifecycle").as_str(), Some("new"));
        assert_eq!(ctx.get_dotted("now.date").as_str(), Some("1970-01-01"));
        assert_eq!(ctx.get_dotted("now.weekday").as_f64(), Some(4.0));
        assert!(ctx.get_dotted("user_id").is_null());
        assert!(ctx.get("event").is_none());
    }
}

//! The signed profile (`GET /v1/profile`): what the other channels recorded
//! about one person (a store purchase, an e-mail click, another device), so
//! the browser can join it to its local profile and an offer can depend on
//! it.
//!
//! Built from every stored event of the person of the token's user id in
//! the identity graph ([`crate::report::graph`]):
//! - `traits`: the `traits` of its `identify` messages merged in time order
//!   (a later value wins);
//! - `events`: its last [`MAX_EVENTS`] `track`, `page` and `screen`
//!   messages, newest first, leaving out those of the anonymous ids the
//!   browser says are its own (it has them already) and preview traffic;
//! - `updated_at`: the time of the person's newest event.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::store::{EventRow, StoredEvent};

/// How many events a profile carries at most.
pub const MAX_EVENTS: usize = 100;

/// The answer of `GET /v1/profile`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Profile {
    /// The token's user id.
    pub user_id: String,
    /// Merged `identify` traits.
    pub traits: Map<String, Value>,
    /// Newest first; see the module docs.
    pub events: Vec<Value>,
    /// The newest event's time (RFC 3339 UTC); `None` when nothing is stored.
    pub updated_at: Option<String>,
}

/// The profile of `user_id` from its person's events (any order), leaving
/// out the events of the anonymous ids in `own`.
pub fn build(user_id: &str, rows: Vec<EventRow>, own: &[&str]) -> Profile {
    let mut rows: Vec<(EventRow, Value)> = rows
        .into_iter()
        .map(|mut r| {
            let payload = StoredEvent::parse_payload(std::mem::take(&mut r.payload));
            (r, payload)
        })
        .collect();
    rows.sort_by(|(a, _), (b, _)| (&a.timestamp, a.id).cmp(&(&b.timestamp, b.id)));
    let mut traits = Map::new();
    for (_, p) in rows.iter().filter(|(r, _)| r.kind == "identify") {
        if let Some(t) = p.get("traits").and_then(Value::as_object) {
            traits.extend(t.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
    }
    let updated_at = rows.last().map(|(r, _)| r.timestamp.clone());
    let events = rows
        .iter()
        .rev()
        .filter(|(r, p)| {
            matches!(r.kind.as_str(), "track" | "page" | "screen")
                && !StoredEvent::is_preview(p)
                && !p
                    .get("anonymousId")
                    .and_then(Value::as_str)
                    .is_some_and(|a| own.contains(&a))
        })
        .take(MAX_EVENTS)
        .map(|(r, p)| wire_event(r, p))
        .collect();
    Profile {
        user_id: user_id.to_owned(),
        traits,
        events,
        updated_at,
    }
}

/// The part of a stored message the browser uses.
fn wire_event(r: &EventRow, p: &Value) -> Value {
    let mut e = Map::new();
    e.insert("type".into(), r.kind.clone().into());
    e.insert("timestamp".into(), r.timestamp.clone().into());
    let fields = [
        ("messageId", p.get("messageId")),
        ("event", p.get("event")),
        ("name", p.get("name")),
        ("properties", p.get("properties")),
        ("channel", p.pointer("/context/channel")),
    ];
    for (k, v) in fields {
        if let Some(v) = v {
            e.insert(k.into(), v.clone());
        }
    }
    Value::Object(e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row(id: i64, kind: &str, at: &str, payload: Value) -> EventRow {
        EventRow {
            id,
            kind: kind.into(),
            event: payload["event"].as_str().map(str::to_owned),
            user_id: payload["userId"].as_str().map(str::to_owned),
            timestamp: at.into(),
            payload: payload.to_string(),
        }
    }

    #[test]
    fn traits_merge_in_time_order_and_events_leave_out_the_browsers_own() {
        let rows = vec![
            // Stored first, happened last: its trait wins.
            row(
                1,
                "identify",
                "2026-03-03T00:00:00.000Z",
                json!({"messageId": "i2", "traits": {"tier": "gold"}}),
            ),
            row(
                2,
                "identify",
                "2026-03-01T00:00:00.000Z",
                json!({"messageId": "i1", "traits": {"tier": "silver", "city": "Lyon"}}),
            ),
            row(
                3,
                "track",
                "2026-03-02T00:00:00.000Z",
                json!({"messageId": "pos-1", "userId": "u", "event": "Order Completed",
                       "properties": {"total": 80}, "context": {"channel": "store"}}),
            ),
            row(
                4,
                "track",
                "2026-03-04T00:00:00.000Z",
                json!({"messageId": "web-1", "anonymousId": "mine", "event": "Product Viewed"}),
            ),
            row(
                5,
                "page",
                "2026-03-05T00:00:00.000Z",
                json!({"messageId": "tab-2", "anonymousId": "phone", "name": "Home"}),
            ),
            row(
                6,
                "track",
                "2026-03-06T00:00:00.000Z",
                json!({"messageId": "pv", "event": "Order Completed", "context": {"preview": true}}),
            ),
        ];
        let p = build("u", rows, &["mine"]);
        assert_eq!(
            p.traits,
            json!({"tier": "gold", "city": "Lyon"})
                .as_object()
                .cloned()
                .unwrap()
        );
        let ids: Vec<&str> = p
            .events
            .iter()
            .map(|e| e["messageId"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["tab-2", "pos-1"]);
        assert_eq!(
            p.events[1],
            json!({"messageId": "pos-1", "type": "track", "event": "Order Completed",
                   "properties": {"total": 80}, "timestamp": "2026-03-02T00:00:00.000Z",
                   "channel": "store"})
        );
        assert_eq!(p.updated_at.as_deref(), Some("2026-03-06T00:00:00.000Z"));
    }

    #[test]
    fn at_most_the_newest_hundred_events() {
        let rows = (0..150)
            .map(|i| {
                let at = format!("2026-01-01T00:{:02}:{:02}.000Z", i / 60, i % 60);
                row(
                    i,
                    "track",
                    &at,
                    json!({"messageId": format!("m{i}"), "event": "E"}),
                )
            })
            .collect();
        let p = build("u", rows, &[]);
        assert_eq!(p.events.len(), MAX_EVENTS);
        assert_eq!(p.events[0]["messageId"], "m149");
        assert_eq!(p.events[99]["messageId"], "m50");
    }
}

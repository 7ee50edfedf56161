//! Validation of Segment-shaped messages (`POST /v1/batch`).
//!
//! Each message is checked on its own: a bad message is reported with its
//! index, the offending field and what is wrong, and the others are kept.
//! `null` counts as absent, as JSON serializers commonly write it.

use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use std::borrow::Cow;
use time::format_description::well_known::{Iso8601, Rfc3339};
use time::{Date, OffsetDateTime, PrimitiveDateTime};

use crate::store::NewEvent;

/// Message types the collector accepts.
pub const TYPES: &[&str] = &["track", "page", "identify", "alias", "screen", "group"];

/// Longest accepted `messageId`.
pub const MAX_MESSAGE_ID: usize = 128;

/// Why one message of a batch was not stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejected {
    /// Position in `batch`.
    pub index: usize,
    /// The message's id, when it had a usable one.
    #[serde(rename = "messageId")]
    pub message_id: Option<String>,
    /// The offending field (`"message"` when the message is not an object).
    pub field: &'static str,
    /// What is wrong.
    pub error: String,
}

/// Checks message `index` of a batch. `raw` is its JSON text, stored as the payload.
pub fn message(index: usize, msg: &Value, raw: &str) -> Result<NewEvent, Rejected> {
    let Some(obj) = msg.as_object() else {
        return Err(reject(
            index,
            None,
            "message",
            "message is not a JSON object",
        ));
    };
    let message_id = match present(obj, "messageId") {
        Some(Value::String(id)) if !id.is_empty() && id.len() <= MAX_MESSAGE_ID => id.clone(),
        Some(Value::String(id)) if !id.is_empty() => {
            return Err(reject(
                index,
                None,
                "messageId",
                format!("messageId is longer than {MAX_MESSAGE_ID} characters"),
            ))
        }
        Some(Value::String(_)) | None => {
            return Err(reject(index, None, "messageId", "missing messageId"))
        }
        Some(_) => {
            return Err(reject(
                index,
                None,
                "messageId",
                "messageId must be a string",
            ))
        }
    };
    match check(obj, &message_id) {
        Ok(event) => Ok(NewEvent {
            payload: raw.to_owned(),
            ..event
        }),
        Err((field, error)) => Err(reject(index, Some(message_id), field, error)),
    }
}

type Problem = (&'static str, String);

/// The fields validation looks at, borrowed from the message text: the
/// fast path of ingestion (no `serde_json::Value` tree; properties, traits
/// and context stay raw JSON text). Anything unusual (wrong type, duplicate
/// key) fails to deserialize, and [`fast`] leaves that message to [`message`].
#[derive(serde::Deserialize)]
struct Fields<'a> {
    #[serde(rename = "messageId", borrow)]
    message_id: Option<Cow<'a, str>>,
    #[serde(rename = "type", borrow)]
    kind: Option<Cow<'a, str>>,
    #[serde(rename = "anonymousId", borrow)]
    anonymous_id: Option<Cow<'a, str>>,
    #[serde(rename = "userId", borrow)]
    user_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    event: Option<Cow<'a, str>>,
    #[serde(borrow)]
    name: Option<Cow<'a, str>>,
    #[serde(rename = "previousId", borrow)]
    previous_id: Option<Cow<'a, str>>,
    #[serde(rename = "groupId", borrow)]
    group_id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    properties: Option<&'a RawValue>,
    #[serde(borrow)]
    traits: Option<&'a RawValue>,
    #[serde(borrow)]
    context: Option<&'a RawValue>,
    #[serde(borrow)]
    timestamp: Option<Cow<'a, str>>,
}

#[derive(serde::Deserialize)]
struct Context<'a> {
    #[serde(borrow)]
    channel: Option<Cow<'a, str>>,
}

/// A message that passed the fast path: the event, and whether its
/// `context.channel` is `"store"` (which only source keys may send).
pub struct Fast {
    /// Ready to store.
    pub event: NewEvent,
    /// `context.channel == "store"`.
    pub store_channel: bool,
}

/// Validates one message's JSON text without building a `Value`; `None`
/// when it is not plainly valid (then [`message`] decides and explains).
/// Accepts exactly what [`message`] accepts, with the same result.
pub fn fast(raw: &str) -> Option<Fast> {
    let f: Fields = serde_json::from_str(raw).ok()?;
    let nonempty = |v: &Option<Cow<str>>| v.as_deref().filter(|s| !s.is_empty()).map(str::to_owned);
    let message_id = f
        .message_id
        .as_deref()
        .filter(|id| !id.is_empty() && id.len() <= MAX_MESSAGE_ID)?;
    let kind = f.kind.as_deref().filter(|t| TYPES.contains(t))?;
    let anonymous_id = nonempty(&f.anonymous_id);
    let user_id = nonempty(&f.user_id);
    if anonymous_id.is_none() && user_id.is_none() {
        return None;
    }
    let event = match kind {
        "track" => Some(nonempty(&f.event)?),
        "page" | "screen" => f.name.as_deref().map(str::to_owned),
        _ => None,
    };
    if (kind == "alias" && nonempty(&f.previous_id).is_none())
        || (kind == "group" && nonempty(&f.group_id).is_none())
    {
        return None;
    }
    for v in [f.properties, f.traits, f.context].into_iter().flatten() {
        if !v.get().starts_with('{') {
            return None;
        }
    }
    let store_channel = match f.context {
        Some(c) => {
            let c: Context = serde_json::from_str(c.get()).ok()?;
            c.channel.as_deref() == Some("store")
        }
        None => false,
    };
    let timestamp = match f.timestamp.as_deref() {
        None => crate::store::now_rfc3339(),
        // Already in the stored form: checked, kept as is.
        Some(t) if is_canonical(t) => {
            OffsetDateTime::parse(t, &Rfc3339).ok()?;
            t.to_owned()
        }
        Some(t) => format_utc(parse_timestamp(t)?),
    };
    Some(Fast {
        event: NewEvent {
            message_id: message_id.to_owned(),
            kind: kind.to_owned(),
            event,
            anonymous_id,
            user_id,
            timestamp,
            payload: raw.to_owned(),
            source: false,
        },
        store_channel,
    })
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ`, the form [`format_utc`] writes.
fn is_canonical(t: &str) -> bool {
    let b = t.as_bytes();
    b.len() == 24
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            19 => *c == b'.',
            23 => *c == b'Z',
            _ => c.is_ascii_digit(),
        })
}

fn check(obj: &Map<String, Value>, message_id: &str) -> Result<NewEvent, Problem> {
    let kind = match present(obj, "type") {
        Some(Value::String(t)) if TYPES.contains(&t.as_str()) => t.clone(),
        Some(Value::String(t)) => {
            return Err((
                "type",
                format!("unknown type {t:?}; expected one of {}", TYPES.join(", ")),
            ))
        }
        None => return Err(("type", "missing type".into())),
        Some(_) => return Err(("type", "type must be a string".into())),
    };
    let anonymous_id = opt_id(obj, "anonymousId")?;
    let user_id = opt_id(obj, "userId")?;
    if anonymous_id.is_none() && user_id.is_none() {
        return Err(("anonymousId", "missing anonymousId or userId".into()));
    }
    let event = match kind.as_str() {
        "track" => match opt_string(obj, "event")? {
            Some(name) if !name.is_empty() => Some(name),
            _ => return Err(("event", "missing event name".into())),
        },
        "page" | "screen" => opt_string(obj, "name")?,
        _ => None,
    };
    if kind == "alias" && opt_id(obj, "previousId")?.is_none() {
        return Err(("previousId", "missing previousId".into()));
    }
    if kind == "group" && opt_id(obj, "groupId")?.is_none() {
        return Err(("groupId", "missing groupId".into()));
    }
    for field in ["properties", "traits", "context"] {
        if present(obj, field).is_some_and(|v| !v.is_object()) {
            return Err((field, format!("{field} must be an object")));
        }
    }
    let timestamp = match present(obj, "timestamp") {
        None => None,
        Some(Value::String(s)) => Some(parse_timestamp(s).ok_or_else(|| {
            (
                "timestamp",
                format!("timestamp {s:?} is not an ISO-8601 date"),
            )
        })?),
        Some(_) => return Err(("timestamp", "timestamp must be an ISO-8601 string".into())),
    };
    Ok(NewEvent {
        message_id: message_id.to_owned(),
        kind,
        event,
        anonymous_id,
        user_id,
        timestamp: timestamp.map_or_else(crate::store::now_rfc3339, format_utc),
        payload: String::new(),
        source: false,
    })
}

fn reject(
    index: usize,
    message_id: Option<String>,
    field: &'static str,
    error: impl Into<String>,
) -> Rejected {
    Rejected {
        index,
        message_id,
        field,
        error: error.into(),
    }
}

/// The field's value, `None` when absent or `null`.
fn present<'a>(obj: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    obj.get(key).filter(|v| !v.is_null())
}

fn opt_string(obj: &Map<String, Value>, key: &'static str) -> Result<Option<String>, Problem> {
    match present(obj, key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err((key, format!("{key} must be a string"))),
    }
}

/// A non-empty string id; an empty string counts as absent.
fn opt_id(obj: &Map<String, Value>, key: &'static str) -> Result<Option<String>, Problem> {
    Ok(opt_string(obj, key)?.filter(|s| !s.is_empty()))
}

/// Parses an ISO-8601 date or date-time: RFC 3339 (`2026-11-24T10:00:00.123Z`,
/// `…+01:00`), basic offsets (`+0100`), no offset (taken as UTC), or a date.
pub fn parse_timestamp(s: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(s, &Rfc3339)
        .or_else(|_| OffsetDateTime::parse(s, &Iso8601::DEFAULT))
        .ok()
        .or_else(|| {
            PrimitiveDateTime::parse(s, &Iso8601::DEFAULT)
                .ok()
                .map(|t| t.assume_utc())
        })
        .or_else(|| {
            Date::parse(s, &Iso8601::DEFAULT)
                .ok()
                .map(|d| d.midnight().assume_utc())
        })
}

/// `2026-11-24T10:00:00.000Z`: what the server stores and what JS `toISOString` writes.
pub fn format_utc(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second(),
        t.millisecond()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check_msg(v: Value) -> Result<NewEvent, Rejected> {
        message(0, &v, &v.to_string())
    }

    fn field_of(v: Value) -> &'static str {
        check_msg(v).unwrap_err().field
    }

    fn track() -> Value {
        json!({ "type": "track", "messageId": "m1", "anonymousId": "a1", "event": "Product Viewed",
                "properties": { "sku": "T1" }, "timestamp": "2026-11-24T10:00:00.5+01:00" })
    }

    #[test]
    fn a_valid_track_is_normalised() {
        let e = check_msg(track()).unwrap();
        assert_eq!(e.event.as_deref(), Some("Product Viewed"));
        assert_eq!(e.timestamp, "2026-11-24T09:00:00.500Z");
        assert_eq!(e.anonymous_id.as_deref(), Some("a1"));
    }

    #[test]
    fn every_required_field_is_named_when_wrong() {
        let with = |k: &str, v: Value| {
            let mut m = track();
            m[k] = v;
            m
        };
        assert_eq!(field_of(json!([1])), "message");
        assert_eq!(field_of(with("messageId", json!(""))), "messageId");
        assert_eq!(
            field_of(with("messageId", json!("x".repeat(129)))),
            "messageId"
        );
        assert_eq!(field_of(with("messageId", json!(7))), "messageId");
        assert_eq!(field_of(with("type", json!("purchase"))), "type");
        assert_eq!(field_of(with("anonymousId", Value::Null)), "anonymousId");
        assert_eq!(field_of(with("anonymousId", json!(12))), "anonymousId");
        assert_eq!(field_of(with("event", json!(""))), "event");
        assert_eq!(field_of(with("properties", json!([]))), "properties");
        assert_eq!(field_of(with("context", json!("x"))), "context");
        assert_eq!(field_of(with("timestamp", json!("yesterday"))), "timestamp");
        assert_eq!(
            field_of(json!({ "type": "alias", "messageId": "m", "userId": "u" })),
            "previousId"
        );
        assert_eq!(
            field_of(json!({ "type": "group", "messageId": "m", "userId": "u" })),
            "groupId"
        );
    }

    #[test]
    fn a_user_id_alone_is_enough_and_page_names_are_kept() {
        let e =
            check_msg(json!({ "type": "page", "messageId": "m", "userId": "u", "name": "Home" }))
                .unwrap();
        assert_eq!(
            (e.event.as_deref(), e.user_id.as_deref()),
            (Some("Home"), Some("u"))
        );
        assert!(check_msg(
            json!({ "type": "identify", "messageId": "m", "userId": "u", "traits": {} })
        )
        .is_ok());
        assert!(check_msg(
            json!({ "type": "alias", "messageId": "m", "userId": "u", "previousId": "a" })
        )
        .is_ok());
    }

    #[test]
    fn iso8601_forms_are_accepted() {
        for s in [
            "2026-11-24",
            "2026-11-24T10:00:00Z",
            "2026-11-24T10:00:00.123Z",
            "2026-11-24T10:00:00+01:00",
            "2026-11-24T10:00:00",
        ] {
            assert!(parse_timestamp(s).is_some(), "{s}");
        }
        for s in ["", "24/11/2026", "2026-13-01T00:00:00Z", "now"] {
            assert!(parse_timestamp(s).is_none(), "{s}");
        }
        assert_eq!(
            format_utc(parse_timestamp("2026-11-24").unwrap()),
            "2026-11-24T00:00:00.000Z"
        );
    }

    #[test]
    fn the_fast_path_accepts_only_what_the_value_path_accepts_and_agrees() {
        let ts = r#""timestamp":"2026-11-24T10:00:00.000Z""#;
        let cases = [
            format!(r#"{{"type":"track","event":"E","messageId":"m","anonymousId":"a",{ts}}}"#),
            format!(r#"{{"type":"track","event":"","messageId":"m","anonymousId":"a",{ts}}}"#),
            r#"{"type":"page","name":"Home","messageId":"m","userId":"u","timestamp":"2026-11-24T11:00:00+01:00"}"#.into(),
            r#"{"type":"track","event":"E","messageId":"m","anonymousId":"a","timestamp":"2026-13-24T10:00:00.000Z"}"#.into(),
            r#"{"type":"track","event":"E","messageId":"m","anonymousId":"a","properties":[1]}"#.into(),
            r#"{"type":"track","event":"E","messageId":"m","anonymousId":"a","properties":null,"context":{"channel":"web"}}"#.into(),
            r#"{"type":"alias","messageId":"m","userId":"u","previousId":""}"#.into(),
            r#"{"type":"group","messageId":"m","userId":"u","groupId":"g"}"#.into(),
            r#"{"type":"track","event":"E","messageId":7,"anonymousId":"a"}"#.into(),
            r#"{"type":"track","event":"E","messageId":"m","messageId":"n","anonymousId":"a"}"#.into(),
            r#"{"type":"identify","messageId":"m","anonymousId":"","userId":"","traits":{}}"#.into(),
            r#"{"type":"screen","messageId":"m\u0041","anonymousId":"a","name":"S"}"#.into(),
        ];
        let mut fast_count = 0;
        for raw in &cases {
            let value: Value = serde_json::from_str(raw).unwrap();
            let slow = message(0, &value, raw);
            if let Some(f) = fast(raw) {
                fast_count += 1;
                let slow = slow
                    .unwrap_or_else(|e| panic!("fast accepted what message rejects: {raw}: {e:?}"));
                assert_eq!(format!("{:?}", f.event), format!("{slow:?}"), "{raw}");
            }
        }
        assert_eq!(fast_count, 5);
    }
}

//! The bounded event history: at most `max_events` events, none older than
//! `max_age_days`; the oldest go first. Pushing is amortised O(1).

use std::collections::VecDeque;

use crate::decode::Obj;
use crate::error::{RuleError, RuleErrorKind};
use crate::event::{Event, EventKind};
use crate::packed;
use crate::time::DAY_MS;
use crate::value::Value;

/// The `history` section of the rules document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HistoryRules {
    /// Most events kept (default 1000).
    pub max_events: usize,
    /// Oldest event kept, in days (default 400).
    pub max_age_days: u32,
}

impl Default for HistoryRules {
    fn default() -> Self {
        HistoryRules {
            max_events: 1000,
            max_age_days: 400,
        }
    }
}

impl HistoryRules {
    /// Largest `max_events` accepted (storage quota).
    pub const MAX_EVENTS_LIMIT: usize = 20_000;
    /// Largest `max_age_days` accepted (ten years).
    pub const MAX_AGE_LIMIT: u32 = 3650;

    /// Decodes `{max_events?, max_age_days?}` at `obj`, reporting errors.
    pub fn decode(obj: &Obj, errors: &mut Vec<RuleError>) -> HistoryRules {
        obj.deny_unknown(&["max_events", "max_age_days"], errors);
        let mut h = HistoryRules::default();
        if let Some(n) = whole(
            obj,
            "max_events",
            1.0,
            Self::MAX_EVENTS_LIMIT as f64,
            errors,
        ) {
            h.max_events = n as usize;
        }
        if let Some(n) = whole(
            obj,
            "max_age_days",
            1.0,
            f64::from(Self::MAX_AGE_LIMIT),
            errors,
        ) {
            h.max_age_days = n as u32;
        }
        h
    }
}

/// An optional whole number in `lo..=hi` at `obj.key`, or an error.
pub(crate) fn whole(
    obj: &Obj,
    key: &str,
    lo: f64,
    hi: f64,
    errors: &mut Vec<RuleError>,
) -> Option<f64> {
    let n = obj.opt_f64(key, errors)?;
    if n.fract() != 0.0 || n < lo || n > hi {
        errors.push(RuleError::new(
            obj.at(key),
            RuleErrorKind::Invalid,
            // JS number formatting (already in the build) prints these whole
            // bounds exactly as `{lo}` did, without `f64`'s `Display`.
            crate::msg!(
                "`{key}` must be a whole number from {} to {}",
                crate::value::number_to_string(lo),
                crate::value::number_to_string(hi)
            ),
        ));
        return None;
    }
    Some(n)
}

/// One recorded event with the visitor's UTC offset at the time (for local
/// days). Its name and properties are kept [`packed`](crate::packed), one
/// allocation instead of one per key and string.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    kind: EventKind,
    at_ms: f64,
    tz_offset_min: i32,
    /// The name ([`packed::pack_str`]), then the properties.
    packed: Box<[u8]>,
}

impl Entry {
    /// Packs `event`, recorded at `tz_offset_min`.
    pub fn new(event: &Event, tz_offset_min: i32) -> Entry {
        Entry::pack(
            event.kind,
            &event.name,
            &event.properties,
            event.at_ms,
            tz_offset_min,
        )
    }

    fn pack(kind: EventKind, name: &str, properties: &Value, at_ms: f64, tz: i32) -> Entry {
        let mut b = Vec::with_capacity(64);
        packed::pack_str(name, &mut b);
        packed::pack(properties, &mut b);
        Entry {
            kind,
            at_ms,
            tz_offset_min: tz,
            packed: b.into_boxed_slice(),
        }
    }

    /// Track or page.
    pub fn kind(&self) -> EventKind {
        self.kind
    }

    /// When it happened, epoch ms.
    pub fn at_ms(&self) -> f64 {
        self.at_ms
    }

    /// Minutes east of UTC when it was recorded.
    pub fn tz_offset_min(&self) -> i32 {
        self.tz_offset_min
    }

    /// The event's name, without unpacking its properties.
    pub fn name(&self) -> &str {
        packed::unpack_str(&self.packed).map_or("", |(n, _)| n)
    }

    /// The event, unpacked.
    pub fn event(&self) -> Event {
        let (name, rest) = packed::unpack_str(&self.packed).unwrap_or(("", &[]));
        let properties = packed::unpack(rest).map_or_else(Value::object, |(v, _)| v);
        Event {
            kind: self.kind,
            name: name.to_owned(),
            properties,
            at_ms: self.at_ms,
        }
    }

    /// The stored row `[type, name, properties, at_ms, tz]` ([`History::to_value`]).
    pub fn to_row(&self) -> Value {
        let kind = match self.kind {
            EventKind::Track => "t",
            EventKind::Page => "p",
        };
        let e = self.event();
        Value::Array(vec![
            kind.into(),
            e.name.into(),
            e.properties,
            self.at_ms.into(),
            f64::from(self.tz_offset_min).into(),
        ])
    }

    /// Reads a [`to_row`](Self::to_row) back; `None` when unreadable.
    pub fn from_row(row: &Value) -> Option<Entry> {
        let r = row.as_array()?;
        let kind = match r.first()?.as_str()? {
            "t" => EventKind::Track,
            "p" => EventKind::Page,
            _ => return None,
        };
        let at_ms = r.get(3)?.as_f64().filter(|t| t.is_finite())?;
        let tz = r.get(4).and_then(Value::as_f64).unwrap_or(0.0);
        let name = r.get(1)?.as_str()?;
        let empty = Value::object();
        let props = r.get(2).filter(|p| p.as_object().is_some());
        let tz = tz.clamp(-1440.0, 1440.0) as i32;
        Some(Entry::pack(kind, name, props.unwrap_or(&empty), at_ms, tz))
    }
}

/// The bounded history, oldest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    entries: VecDeque<Entry>,
}

impl History {
    /// Appends an event, then drops what exceeds the bounds.
    pub fn push(&mut self, event: &Event, tz_offset_min: i32, rules: &HistoryRules) {
        self.entries.push_back(Entry::new(event, tz_offset_min));
        self.compact(rules);
    }

    /// Appends stored entries as they come, oldest first, as
    /// [`from_value`](Self::from_value) reads them (no bounds applied).
    pub fn extend(&mut self, entries: impl IntoIterator<Item = Entry>) {
        self.entries.extend(entries);
    }

    /// Inserts an event in time order (after those at the same time), then
    /// drops what exceeds the bounds: for events recorded elsewhere and
    /// learnt late ([`crate::Profile::merge_remote`]).
    pub fn insert(&mut self, event: &Event, tz_offset_min: i32, rules: &HistoryRules) {
        let at = event.at_ms;
        let pos = self
            .entries
            .iter()
            .rposition(|e| e.at_ms <= at)
            .map_or(0, |i| i + 1);
        self.entries.insert(pos, Entry::new(event, tz_offset_min));
        self.compact(rules);
    }

    /// Drops the oldest events beyond `max_events` and those older than
    /// `max_age_days` before the newest event.
    pub fn compact(&mut self, rules: &HistoryRules) {
        while self.entries.len() > rules.max_events.max(1) {
            self.entries.pop_front();
        }
        let Some(newest) = self.entries.back().map(|e| e.at_ms) else {
            return;
        };
        let oldest = newest - f64::from(rules.max_age_days) * DAY_MS;
        while self.entries.front().is_some_and(|e| e.at_ms < oldest) {
            self.entries.pop_front();
        }
    }

    /// The events, oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Entry> + ExactSizeIterator {
        self.entries.iter()
    }

    /// How many events are kept.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// As a compact array of `[type, name, properties, at_ms, tz]` rows.
    pub fn to_value(&self) -> Value {
        Value::Array(self.entries.iter().map(Entry::to_row).collect())
    }

    /// Reads [`History::to_value`] back, skipping unreadable rows.
    pub fn from_value(v: &Value) -> History {
        let rows = v.as_array().map(Vec::as_slice).unwrap_or(&[]);
        History {
            entries: rows.iter().filter_map(Entry::from_row).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(at_ms: f64) -> Event {
        Event {
            kind: EventKind::Track,
            name: "x".into(),
            properties: Value::object(),
            at_ms,
        }
    }

    #[test]
    fn out_of_range_limits_name_the_bounds_as_whole_numbers() {
        let doc = Value::from_pairs([("max_events", Value::Number(0.5))]);
        let obj = Obj::new(&doc, "$.history", &mut Vec::new()).unwrap();
        let mut errors = Vec::new();
        HistoryRules::decode(&obj, &mut errors);
        assert_eq!(
            errors[0].message,
            "`max_events` must be a whole number from 1 to 20000"
        );
    }

    #[test]
    fn history_keeps_at_most_max_events_dropping_the_oldest() {
        let rules = HistoryRules {
            max_events: 3,
            max_age_days: 400,
        };
        let mut h = History::default();
        for i in 0..5 {
            h.push(&ev(f64::from(i)), 0, &rules);
        }
        let kept: Vec<f64> = h.iter().map(Entry::at_ms).collect();
        assert_eq!(kept, [2.0, 3.0, 4.0]);
    }

    #[test]
    fn history_forgets_events_older_than_max_age() {
        let rules = HistoryRules {
            max_events: 100,
            max_age_days: 2,
        };
        let mut h = History::default();
        h.push(&ev(0.0), 0, &rules);
        h.push(&ev(DAY_MS), 0, &rules);
        h.push(&ev(2.5 * DAY_MS), 0, &rules);
        assert_eq!(h.len(), 2);
    }

    #[test]
    fn history_round_trips_and_skips_garbage_rows() {
        let mut h = History::default();
        h.push(&ev(5.0), 60, &HistoryRules::default());
        let mut v = h.to_value();
        if let Value::Array(rows) = &mut v {
            rows.push(Value::from("junk"));
            rows.push(Value::Array(vec![
                "t".into(),
                "n".into(),
                Value::Null,
                f64::NAN.into(),
            ]));
        }
        assert_eq!(History::from_value(&v), h);
    }

    #[test]
    fn an_entry_gives_back_the_event_it_packed() {
        let e = Event {
            kind: EventKind::Page,
            name: "Pricing".into(),
            properties: Value::from_pairs([("path", "/pricing".into()), ("n", 1.5.into())]),
            at_ms: 7.0,
        };
        let entry = Entry::new(&e, -300);
        assert_eq!((entry.name(), entry.tz_offset_min()), ("Pricing", -300));
        assert_eq!(entry.event(), e);
    }
}

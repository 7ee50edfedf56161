//! Computed traits: aggregates over the visitor's events, kept incrementally.
//!
//! Each definition (`{id, event?, aggregate, property?, window_days?, where?,
//! trait?}`) owns a small state updated on every matching event: running
//! values when unwindowed, per-local-day buckets when windowed (buckets that
//! leave the window are dropped). Values are read at context time relative
//! to `now`, so windows slide without new events. Nothing here rescans the
//! history except [`ComputedState::rebuild`], run once when definitions change.

use std::collections::VecDeque;
use std::rc::Rc;

use crate::condition::Condition;
use crate::event::{Event, EventKind};
use crate::history::History;
use crate::map::StrMap;
use crate::time::{civil, days_until_anniversary, local_day, parse_date, Now};
use crate::value::{string_to_number, Map, Value};

mod decode;
mod store;

pub use decode::decode_traits;

/// No saved groups: `where` filters read only the event's properties.
static NO_GROUPS: Map = Map::new();

/// Distinct values kept per state for `most_frequent` and `count_distinct`;
/// further new values are ignored (bounded storage).
pub const MAX_DISTINCT: usize = 500;

/// The event name that matches every page view.
pub const PAGE_VIEWED: &str = "Page Viewed";

/// How a computed trait folds its events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregate {
    /// Number of matching events.
    Count,
    /// Sum of a numeric property.
    Sum,
    /// Smallest numeric property.
    Min,
    /// Largest numeric property.
    Max,
    /// Mean of a numeric property.
    Avg,
    /// The property of the latest event that has it.
    Last,
    /// The property of the earliest event that has it.
    First,
    /// The most frequent value (ties: the most recently seen).
    MostFrequent,
    /// Number of distinct values.
    CountDistinct,
    /// Local days since the latest matching event.
    DaysSince,
    /// Days until the next anniversary of a date trait or of the first matching event.
    DaysUntilAnniversary,
}

impl Aggregate {
    /// Every aggregate with its name in the rules document.
    pub const ALL: [(Aggregate, &'static str); 11] = [
        (Aggregate::Count, "count"),
        (Aggregate::Sum, "sum"),
        (Aggregate::Min, "min"),
        (Aggregate::Max, "max"),
        (Aggregate::Avg, "avg"),
        (Aggregate::Last, "last"),
        (Aggregate::First, "first"),
        (Aggregate::MostFrequent, "most_frequent"),
        (Aggregate::CountDistinct, "count_distinct"),
        (Aggregate::DaysSince, "days_since"),
        (Aggregate::DaysUntilAnniversary, "days_until_anniversary"),
    ];

    /// The aggregate named `s`.
    pub fn parse(s: &str) -> Option<Aggregate> {
        Self::ALL.iter().find(|(_, n)| *n == s).map(|(a, _)| *a)
    }

    /// Its name in the rules document.
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(a, _)| *a == self)
            .map_or("count", |(_, n)| n)
    }

    /// Whether it reads a `property` of the events.
    pub fn needs_property(self) -> bool {
        !matches!(
            self,
            Aggregate::Count | Aggregate::DaysSince | Aggregate::DaysUntilAnniversary
        )
    }
}

/// A compiled `where` filter, with its source for fingerprints and debugging.
#[derive(Clone)]
pub struct Filter {
    cond: Rc<Condition>,
    source: Value,
}

impl Filter {
    /// Wraps a compiled condition and the JSON it came from.
    pub fn new(cond: Condition, source: Value) -> Filter {
        Filter {
            cond: Rc::new(cond),
            source,
        }
    }

    /// The condition as written in the rules.
    pub fn source(&self) -> &Value {
        &self.source
    }
}

impl std::fmt::Debug for Filter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Filter({:?})", self.source)
    }
}

/// One computed-trait definition.
#[derive(Debug, Clone)]
pub struct TraitDef {
    /// Read as `computed.<id>`.
    pub id: String,
    /// The event name it folds; `None` for every event; `"Page Viewed"` also
    /// matches every page view.
    pub event: Option<String>,
    /// How it folds.
    pub aggregate: Aggregate,
    /// Dotted path into the event's properties.
    pub property: Option<String>,
    /// Only events of the last `window_days` local days (today included).
    pub window_days: Option<u32>,
    /// Only events whose properties pass this GrowthBook condition.
    pub filter: Option<Filter>,
    /// For `days_until_anniversary`: the date trait (`birthday`).
    pub trait_name: Option<String>,
}

impl TraitDef {
    /// A definition without event, property, window, filter or trait.
    pub fn new(id: &str, aggregate: Aggregate) -> TraitDef {
        TraitDef {
            id: id.into(),
            event: None,
            aggregate,
            property: None,
            window_days: None,
            filter: None,
            trait_name: None,
        }
    }

    /// Whether `e` counts for this trait.
    pub fn matches(&self, e: &Event) -> bool {
        if self.trait_name.is_some() {
            return false;
        }
        let name_ok = match &self.event {
            None => true,
            Some(n) => *n == e.name || (n == PAGE_VIEWED && e.kind == EventKind::Page),
        };
        name_ok
            && self
                .filter
                .as_ref()
                .is_none_or(|f| f.cond.eval(&e.properties, &NO_GROUPS))
    }

    /// The value this definition reads from `e`.
    fn read<'a>(&self, e: &'a Event) -> &'a Value {
        match &self.property {
            Some(p) if self.aggregate.needs_property() => e.properties.get_dotted(p),
            _ => &crate::value::NULL,
        }
    }

    /// A canonical text of the definition, for fingerprints.
    pub(crate) fn canonical(&self, out: &mut String) {
        use std::fmt::Write;
        let opt = |o: &Option<String>| o.clone().unwrap_or_else(|| "\u{0}".into());
        // `Some(7)` / `None`, as `{:?}` wrote it (stored fingerprints depend on
        // it), without pulling `Debug` formatting into the wasm.
        let window = match self.window_days {
            Some(w) => format!("Some({w})"),
            None => "None".to_owned(),
        };
        let _ = write!(
            out,
            "{}\u{1}{}\u{1}{}\u{1}{}\u{1}{}\u{1}{}\u{1}",
            self.id,
            opt(&self.event),
            self.aggregate.name(),
            opt(&self.property),
            window,
            opt(&self.trait_name)
        );
        if let Some(f) = &self.filter {
            store::canonical_value(&f.source, out);
        }
        out.push('\u{2}');
    }
}

/// A numeric reading of a property: numbers, and numeric strings (`"25.00"`).
fn numeric(v: &Value) -> Option<f64> {
    let n = match v {
        Value::Number(n) => *n,
        Value::String(s) if !s.trim().is_empty() => string_to_number(s),
        _ => return None,
    };
    n.is_finite().then_some(n)
}

/// The key of a scalar for counting values; `None` for null, arrays, objects.
fn scalar_key(v: &Value) -> Option<String> {
    match v {
        Value::Bool(_) | Value::Number(_) | Value::String(_) => Some(v.to_js_string()),
        _ => None,
    }
}

/// How often a value was seen, and its latest sighting.
#[derive(Debug, Clone, PartialEq)]
pub struct Freq {
    /// Occurrences.
    pub count: f64,
    /// Latest occurrence, epoch ms.
    pub last_ms: f64,
    /// The value as last seen.
    pub value: Value,
}

/// Counts `key` in `freq`; `false` when a new key is refused (map full).
fn put_freq(freq: &mut StrMap<Freq>, key: String, count: f64, at: f64, v: &Value) -> bool {
    if let Some(f) = freq.get_mut(&key) {
        f.count += count;
        if at >= f.last_ms {
            f.last_ms = at;
            f.value = v.clone();
        }
    } else if freq.len() < MAX_DISTINCT {
        freq.insert(
            key,
            Freq {
                count,
                last_ms: at,
                value: v.clone(),
            },
        );
    } else {
        return false;
    }
    true
}

/// Whether an aggregate counts values (kept as a window-wide total too).
fn counts_values(agg: Aggregate) -> bool {
    matches!(agg, Aggregate::MostFrequent | Aggregate::CountDistinct)
}

/// The running fold of one trait (over all time, or over one local day).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Acc {
    /// Events counted (for `count`), or numeric values (for `sum`/`avg`).
    pub n: f64,
    /// Sum of numeric values.
    pub sum: f64,
    /// Smallest numeric value.
    pub min: Option<f64>,
    /// Largest numeric value.
    pub max: Option<f64>,
    /// Earliest value (or event, for anniversaries) with its time.
    pub first: Option<(f64, Value)>,
    /// Latest value (or event, for `days_since`) with its time.
    pub last: Option<(f64, Value)>,
    /// Value counts for `most_frequent` and `count_distinct`.
    pub freq: StrMap<Freq>,
}

impl Acc {
    fn put_first(&mut self, at: f64, v: Value) {
        if self.first.as_ref().is_none_or(|(t, _)| at < *t) {
            self.first = Some((at, v));
        }
    }

    fn put_last(&mut self, at: f64, v: Value) {
        if self.last.as_ref().is_none_or(|(t, _)| at >= *t) {
            self.last = Some((at, v));
        }
    }

    fn put_freq(&mut self, key: String, count: f64, at: f64, v: &Value) {
        put_freq(&mut self.freq, key, count, at, v);
    }

    /// Folds one event's value `v` at `at_ms` in.
    pub fn add(&mut self, agg: Aggregate, at_ms: f64, v: &Value) {
        match agg {
            Aggregate::Count => self.n += 1.0,
            Aggregate::Sum | Aggregate::Avg | Aggregate::Min | Aggregate::Max => {
                if let Some(x) = numeric(v) {
                    self.n += 1.0;
                    self.sum += x;
                    self.min = Some(self.min.map_or(x, |m| m.min(x)));
                    self.max = Some(self.max.map_or(x, |m| m.max(x)));
                }
            }
            Aggregate::Last if !v.is_null() => self.put_last(at_ms, v.clone()),
            Aggregate::First if !v.is_null() => self.put_first(at_ms, v.clone()),
            Aggregate::DaysSince => self.put_last(at_ms, Value::Null),
            Aggregate::DaysUntilAnniversary => self.put_first(at_ms, Value::Null),
            Aggregate::MostFrequent => {
                if let Some(k) = scalar_key(v) {
                    self.put_freq(k, 1.0, at_ms, v);
                }
            }
            Aggregate::CountDistinct => {
                if let Some(k) = scalar_key(v) {
                    self.put_freq(k, 1.0, at_ms, &Value::Null);
                }
            }
            Aggregate::Last | Aggregate::First => {}
        }
    }
}

/// The state of one trait.
#[derive(Debug, Clone, PartialEq)]
pub enum TraitState {
    /// Unwindowed: one running fold.
    Running(Acc),
    /// Windowed: one fold per local day, oldest first, and (for
    /// `most_frequent` / `count_distinct`) the value counts of all those days.
    Windowed(VecDeque<(i64, Acc)>, StrMap<Freq>),
}

impl TraitState {
    /// The empty state for `def`.
    pub fn empty(def: &TraitDef) -> TraitState {
        match def.window_days {
            Some(_) => TraitState::Windowed(VecDeque::new(), StrMap::new()),
            None => TraitState::Running(Acc::default()),
        }
    }

    /// Folds `e` (recorded at `tz_offset_min`) in when `def` matches it.
    pub fn update(&mut self, def: &TraitDef, e: &Event, tz_offset_min: i32) {
        if !def.matches(e) {
            return;
        }
        let v = def.read(e);
        match (self, def.window_days) {
            (TraitState::Windowed(buckets, total), Some(w)) => {
                let day = local_day(e.at_ms, tz_offset_min);
                if buckets
                    .back()
                    .is_some_and(|(d, _)| day <= *d - i64::from(w))
                {
                    return; // a day already out of the window (a clock or zone moved back)
                }
                if counts_values(def.aggregate) {
                    let counted = match scalar_key(v) {
                        Some(k) if def.aggregate == Aggregate::CountDistinct => {
                            put_freq(total, k, 1.0, e.at_ms, &Value::Null)
                        }
                        Some(k) => put_freq(total, k, 1.0, e.at_ms, v),
                        None => false,
                    };
                    if !counted {
                        return;
                    }
                }
                let i = buckets.partition_point(|(d, _)| *d < day);
                if buckets.get(i).is_none_or(|(d, _)| *d != day) {
                    buckets.insert(i, (day, Acc::default()));
                }
                if let Some((_, acc)) = buckets.get_mut(i) {
                    acc.add(def.aggregate, e.at_ms, v);
                }
                let newest = buckets.back().map_or(day, |(d, _)| *d);
                while buckets
                    .front()
                    .is_some_and(|(d, _)| *d <= newest - i64::from(w))
                {
                    if let Some((_, gone)) = buckets.pop_front() {
                        subtract(total, &gone.freq, buckets);
                    }
                }
            }
            (TraitState::Running(acc), None) => acc.add(def.aggregate, e.at_ms, v),
            (state, _) => {
                // Kind mismatch (corrupted storage): start over for this trait.
                *state = TraitState::empty(def);
                state.update(def, e, tz_offset_min);
            }
        }
    }

    /// The fold over the window ending `today` (or all of it), borrowed.
    fn fold(&self, def: &TraitDef, today: i64) -> View<'_> {
        let mut view = View::default();
        match self {
            TraitState::Running(acc) => view.add(acc),
            TraitState::Windowed(buckets, _) => {
                let from = today - i64::from(def.window_days.unwrap_or(u32::MAX)) + 1;
                let start = buckets.partition_point(|(d, _)| *d < from);
                for (_, acc) in buckets.range(start..) {
                    view.add(acc);
                }
            }
        }
        view
    }
}

impl TraitState {
    /// Value counts `(count, last_ms, value)` within the window ending
    /// `today`, in key order: the window-wide total minus the days that
    /// slid out since the last event.
    fn counts(&self, def: &TraitDef, today: i64) -> Vec<(f64, f64, &Value)> {
        fn row(f: &Freq) -> (f64, f64, &Value) {
            (f.count, f.last_ms, &f.value)
        }
        match self {
            TraitState::Running(acc) => acc.freq.values().map(row).collect(),
            TraitState::Windowed(buckets, total) => {
                let from = today - i64::from(def.window_days.unwrap_or(u32::MAX)) + 1;
                let stale = buckets.partition_point(|(d, _)| *d < from);
                if stale == 0 {
                    return total.values().map(row).collect();
                }
                let mut gone: StrMap<(f64, f64)> = StrMap::new();
                for (_, acc) in buckets.range(..stale) {
                    for (k, f) in &acc.freq {
                        let g = gone.get_or_insert_with(k, || (0.0, f64::NEG_INFINITY));
                        g.0 += f.count;
                        g.1 = g.1.max(f.last_ms);
                    }
                }
                let live = buckets.range(stale..);
                total
                    .iter()
                    .filter_map(|(k, f)| {
                        let Some(&(count, last)) = gone.get(k.as_str()) else {
                            return Some(row(f));
                        };
                        let left = f.count - count;
                        if left <= 0.0 {
                            return None;
                        }
                        if last < f.last_ms {
                            return Some((left, f.last_ms, &f.value));
                        }
                        // The latest sighting slid out: the latest one left.
                        let (at, v) = latest(live.clone().map(|(_, a)| a), k)?;
                        Some((left, at, v))
                    })
                    .collect()
            }
        }
    }
}

/// Folds merged without copying values (reading a trait allocates little).
#[derive(Default)]
struct View<'a> {
    n: f64,
    sum: f64,
    min: Option<f64>,
    max: Option<f64>,
    first: Option<(f64, &'a Value)>,
    last: Option<(f64, &'a Value)>,
}

impl<'a> View<'a> {
    /// Adds a later (or same-day) fold.
    fn add(&mut self, o: &'a Acc) {
        self.n += o.n;
        self.sum += o.sum;
        self.min = match (self.min, o.min) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.max = match (self.max, o.max) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        if let Some((t, v)) = &o.first {
            if self.first.is_none_or(|(f, _)| *t < f) {
                self.first = Some((*t, v));
            }
        }
        if let Some((t, v)) = &o.last {
            if self.last.is_none_or(|(l, _)| *t >= l) {
                self.last = Some((*t, v));
            }
        }
    }
}

/// Removes `gone`'s counts from `total`.
fn subtract(total: &mut StrMap<Freq>, gone: &StrMap<Freq>, rest: &VecDeque<(i64, Acc)>) {
    for (k, f) in gone {
        let Some(t) = total.get_mut(k) else { continue };
        t.count -= f.count;
        if t.count <= 0.0 {
            total.remove(k);
        } else if f.last_ms >= t.last_ms {
            // Zones differ between events, so a later day can hold an earlier
            // time: the latest sighting is then in the days left.
            if let Some((at, v)) = latest(rest.iter().map(|(_, a)| a), k) {
                t.last_ms = at;
                t.value = v.clone();
            }
        }
    }
}

/// The latest sighting of `key` in `accs` (a later fold wins a tie).
fn latest<'a>(accs: impl Iterator<Item = &'a Acc>, key: &str) -> Option<(f64, &'a Value)> {
    accs.filter_map(|a| a.freq.get(key))
        .fold(None, |best: Option<(f64, &Value)>, f| match best {
            Some((t, _)) if t > f.last_ms => best,
            _ => Some((f.last_ms, &f.value)),
        })
}

/// The value of `def` with state `state` now; `null` when there is none.
/// `traits` are the profile's (for date traits such as `birthday`).
pub fn value(def: &TraitDef, state: &TraitState, now: &Now, traits: &Map) -> Value {
    let today = now.day;
    if let (Aggregate::DaysUntilAnniversary, Some(t)) = (def.aggregate, &def.trait_name) {
        let date = match t.split_once('.') {
            None => traits.get(t.as_str()),
            Some((head, rest)) => traits.get(head).map(|v| v.get_dotted(rest)),
        };
        return date
            .and_then(Value::as_str)
            .and_then(parse_date)
            .map_or(Value::Null, |(_, m, d)| {
                (days_until_anniversary(today, m, d, None) as f64).into()
            });
    }
    if counts_values(def.aggregate) {
        let counts = state.counts(def, today);
        if def.aggregate == Aggregate::CountDistinct {
            return (counts.len() as f64).into();
        }
        let best = counts
            .iter()
            .fold(None::<&(f64, f64, &Value)>, |best, f| match best {
                Some(b) if (b.0, b.1) >= (f.0, f.1) => Some(b),
                _ => Some(f),
            });
        return best.map_or(Value::Null, |f| f.2.clone());
    }
    let acc = state.fold(def, today);
    let some = |x: Option<f64>| x.map_or(Value::Null, Value::Number);
    match def.aggregate {
        Aggregate::Count => acc.n.into(),
        Aggregate::Sum => acc.sum.into(),
        Aggregate::Avg => some((acc.n > 0.0).then(|| acc.sum / acc.n)),
        Aggregate::Min => some(acc.min),
        Aggregate::Max => some(acc.max),
        Aggregate::First => acc.first.map_or(Value::Null, |(_, v)| v.clone()),
        Aggregate::Last => acc.last.map_or(Value::Null, |(_, v)| v.clone()),
        Aggregate::CountDistinct | Aggregate::MostFrequent => Value::Null, // handled above
        Aggregate::DaysSince => some(
            acc.last
                .map(|(t, _)| (today - local_day(t, now.tz_offset_min)) as f64),
        ),
        Aggregate::DaysUntilAnniversary => some(acc.first.map(|(t, _)| {
            let c = civil(t, now.tz_offset_min);
            let origin = local_day(t, now.tz_offset_min);
            days_until_anniversary(today, c.month, c.day, Some(origin)) as f64
        })),
    }
}

/// The states of every definition, with the fingerprint of the definitions
/// they were built for.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ComputedState {
    /// Fingerprint of the definitions (see [`fingerprint`]).
    pub fingerprint: String,
    /// One state per definition, in order.
    pub states: Vec<TraitState>,
}

impl ComputedState {
    /// Whether this state was built for `defs` with `fingerprint`.
    pub fn is_for(&self, fingerprint: &str, defs: &[TraitDef]) -> bool {
        self.fingerprint == fingerprint && self.states.len() == defs.len()
    }

    /// Folds `e` into every state.
    pub fn update(&mut self, defs: &[TraitDef], e: &Event, tz_offset_min: i32) {
        for (def, state) in defs.iter().zip(self.states.iter_mut()) {
            state.update(def, e, tz_offset_min);
        }
    }

    /// Rebuilds every state from the history (once, when definitions change).
    pub fn rebuild(defs: &[TraitDef], fingerprint: &str, history: &History) -> ComputedState {
        let mut s = ComputedState {
            fingerprint: fingerprint.into(),
            states: defs.iter().map(TraitState::empty).collect(),
        };
        for entry in history.iter() {
            s.update(defs, &entry.event(), entry.tz_offset_min());
        }
        s
    }
}

/// A 64-bit FNV-1a fingerprint of definitions, as 16 hex digits.
pub fn fingerprint(defs: &[TraitDef]) -> String {
    let mut text = String::new();
    for d in defs {
        d.canonical(&mut text);
    }
    let h = text.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    format!("{h:016x}")
}

#[cfg(test)]
mod tests;

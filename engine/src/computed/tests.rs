use super::*;
use crate::history::HistoryRules;
use crate::time::DAY_MS;
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

fn ev(name: &str, props: Value, at_ms: f64) -> Event {
    Event {
        kind: EventKind::Track,
        name: name.into(),
        properties: props,
        at_ms,
    }
}

fn order(revenue: f64, at_ms: f64) -> Event {
    ev(
        "Order Completed",
        Value::from_pairs([("revenue", revenue.into())]),
        at_ms,
    )
}

fn def(
    id: &str,
    event: &str,
    agg: Aggregate,
    property: Option<&str>,
    window: Option<u32>,
) -> TraitDef {
    TraitDef {
        event: Some(event.into()),
        property: property.map(str::to_owned),
        window_days: window,
        ..TraitDef::new(id, agg)
    }
}

fn eval(d: &TraitDef, events: &[Event], now_ms: f64) -> Value {
    let mut st = TraitState::empty(d);
    for e in events {
        st.update(d, e, 0);
    }
    value(d, &st, &Now::new(now_ms, 0), &Map::new())
}

#[test]
fn windowed_count_forgets_events_older_than_window() {
    let d = def("p7", "Order Completed", Aggregate::Count, None, Some(7));
    let events = [
        order(1.0, 0.0),
        order(1.0, 3.0 * DAY_MS),
        order(1.0, 6.0 * DAY_MS),
    ];
    assert_eq!(eval(&d, &events, 6.0 * DAY_MS), Value::Number(3.0));
    // Day 7: the day-0 order has left the 7-day window (days 1..=7).
    assert_eq!(eval(&d, &events, 7.0 * DAY_MS), Value::Number(2.0));
    assert_eq!(eval(&d, &events, 30.0 * DAY_MS), Value::Number(0.0));
}

#[test]
fn sum_and_avg_read_numeric_strings_and_skip_the_rest() {
    let e = |r: Value| ev("Order Completed", Value::from_pairs([("revenue", r)]), 0.0);
    let events = [
        e(10.0.into()),
        e("15".into()),
        e("n/a".into()),
        e(Value::Null),
        e(true.into()),
    ];
    let sum = def(
        "s",
        "Order Completed",
        Aggregate::Sum,
        Some("revenue"),
        None,
    );
    let avg = def(
        "a",
        "Order Completed",
        Aggregate::Avg,
        Some("revenue"),
        None,
    );
    assert_eq!(eval(&sum, &events, 0.0), Value::Number(25.0));
    assert_eq!(eval(&avg, &events, 0.0), Value::Number(12.5));
    assert_eq!(eval(&avg, &[], 0.0), Value::Null);
}

#[test]
fn most_frequent_prefers_the_most_recent_on_ties() {
    let d = def(
        "top",
        "Product Viewed",
        Aggregate::MostFrequent,
        Some("category"),
        Some(30),
    );
    let v = |c: &str, t: f64| {
        ev(
            "Product Viewed",
            Value::from_pairs([("category", c.into())]),
            t,
        )
    };
    let events = [
        v("shoes", 0.0),
        v("bags", 1.0),
        v("shoes", 2.0),
        v("bags", 3.0),
    ];
    assert_eq!(eval(&d, &events, 4.0), Value::from("bags"));
    let more = [v("shoes", 0.0), v("shoes", 1.0), v("bags", 2.0)];
    assert_eq!(eval(&d, &more, 4.0), Value::from("shoes"));
}

#[test]
fn days_since_counts_local_days_and_slides_with_time() {
    let d = def("since", "Order Completed", Aggregate::DaysSince, None, None);
    let events = [order(1.0, 10.0 * DAY_MS + 5.0)];
    assert_eq!(eval(&d, &events, 10.0 * DAY_MS + 9.0), Value::Number(0.0));
    assert_eq!(eval(&d, &events, 13.0 * DAY_MS), Value::Number(3.0));
    assert_eq!(eval(&d, &[], 0.0), Value::Null);
}

#[test]
fn first_purchase_anniversary_is_a_year_after_the_first_order() {
    let d = def(
        "anniv",
        "Order Completed",
        Aggregate::DaysUntilAnniversary,
        None,
        None,
    );
    let events = [order(1.0, 0.0), order(1.0, 40.0 * DAY_MS)];
    assert_eq!(eval(&d, &events, 0.0), Value::Number(365.0));
    assert_eq!(eval(&d, &events, 360.0 * DAY_MS), Value::Number(5.0));
}

#[test]
fn birthday_trait_gives_days_to_birthday() {
    let d = TraitDef {
        trait_name: Some("birthday".into()),
        ..TraitDef::new("bd", Aggregate::DaysUntilAnniversary)
    };
    let mut traits = Map::new();
    traits.insert("birthday".into(), "1990-01-05".into());
    let now = Now::new(0.0, 0); // 1970-01-01
    assert_eq!(
        value(&d, &TraitState::empty(&d), &now, &traits),
        Value::Number(4.0)
    );
    traits.insert("birthday".into(), "not a date".into());
    assert_eq!(
        value(&d, &TraitState::empty(&d), &now, &traits),
        Value::Null
    );
}

#[test]
fn page_viewed_matches_every_page_view() {
    let d = def("pv", PAGE_VIEWED, Aggregate::Count, None, None);
    let page = Event {
        kind: EventKind::Page,
        name: "".into(),
        properties: Value::object(),
        at_ms: 0.0,
    };
    assert_eq!(eval(&d, &[page.clone(), page], 0.0), Value::Number(2.0));
}

#[test]
fn fingerprint_changes_with_any_field() {
    let a = def("x", "Order Completed", Aggregate::Count, None, Some(7));
    let b = TraitDef {
        window_days: Some(8),
        ..a.clone()
    };
    assert_ne!(fingerprint(std::slice::from_ref(&a)), fingerprint(&[b]));
    assert_eq!(fingerprint(std::slice::from_ref(&a)), fingerprint(&[a]));
}

#[test]
fn canonical_text_writes_the_window_as_debug_did() {
    // Stored fingerprints hash this text: it must not change.
    for window in [Some(7), Some(3650), None] {
        let d = def("x", "Order Completed", Aggregate::Count, None, window);
        let mut text = String::new();
        d.canonical(&mut text);
        let expected = format!(
            "x\u{1}Order Completed\u{1}{}\u{1}\u{0}\u{1}{:?}\u{1}\u{0}\u{1}\u{2}",
            Aggregate::Count.name(),
            window
        );
        assert_eq!(text, expected);
    }
}

// ---- incremental = full recomputation --------------------------------------

const NAMES: [&str; 3] = ["Order Completed", "Product Viewed", "Session Started"];
const CATS: [&str; 4] = ["shoes", "bags", "hats", "5"];

fn arb_event() -> impl Strategy<Value = (u8, u8, Option<i32>, bool, u64, i32)> {
    (
        0..3u8,
        0..4u8,
        proptest::option::of(0..500i32),
        any::<bool>(),
        1..(3 * DAY_MS as u64),
        -720..840i32,
    )
}

fn arb_def() -> impl Strategy<Value = TraitDef> {
    let agg = (0..10usize).prop_map(|i| {
        if i == 9 {
            Aggregate::DaysUntilAnniversary
        } else {
            Aggregate::ALL[i].0
        }
    });
    let event = proptest::option::of(0..3usize);
    let prop = prop_oneof![Just("revenue"), Just("category"), Just("nested.x")];
    let window = proptest::option::of(1..60u32);
    (agg, event, prop, window).prop_map(|(agg, event, prop, window)| TraitDef {
        event: event.map(|i| NAMES[i].to_owned()),
        property: agg.needs_property().then(|| prop.to_owned()),
        window_days: window,
        ..TraitDef::new("t", agg)
    })
}

/// An independent, slow computation straight from the events.
fn naive(d: &TraitDef, events: &[(Event, i32)], now: f64, tz: i32) -> Value {
    let today = local_day(now, tz);
    let from = d.window_days.map_or(i64::MIN, |w| today - i64::from(w) + 1);
    let m: Vec<&Event> = events
        .iter()
        .filter(|(e, etz)| d.matches(e) && local_day(e.at_ms, *etz) >= from)
        .map(|(e, _)| e)
        .collect();
    let val = |e: &Event| {
        d.property
            .as_ref()
            .map_or(Value::Null, |p| e.properties.get_dotted(p).clone())
    };
    let nums: Vec<f64> = m.iter().filter_map(|e| numeric(&val(e))).collect();
    let present: Vec<(f64, Value)> = m
        .iter()
        .map(|e| (e.at_ms, val(e)))
        .filter(|(_, v)| !v.is_null())
        .collect();
    let scalars: Vec<(String, f64, Value)> = present
        .iter()
        .filter_map(|(t, v)| scalar_key(v).map(|k| (k, *t, v.clone())))
        .collect();
    let opt = |x: Option<f64>| x.map_or(Value::Null, Value::Number);
    match d.aggregate {
        Aggregate::Count => (m.len() as f64).into(),
        Aggregate::Sum => nums.iter().sum::<f64>().into(),
        Aggregate::Avg => {
            opt((!nums.is_empty()).then(|| nums.iter().sum::<f64>() / nums.len() as f64))
        }
        Aggregate::Min => opt(nums.iter().copied().reduce(f64::min)),
        Aggregate::Max => opt(nums.iter().copied().reduce(f64::max)),
        Aggregate::Last => present.last().map_or(Value::Null, |(_, v)| v.clone()),
        Aggregate::First => present.first().map_or(Value::Null, |(_, v)| v.clone()),
        Aggregate::CountDistinct => (scalars
            .iter()
            .map(|(k, _, _)| k)
            .collect::<BTreeSet<_>>()
            .len() as f64)
            .into(),
        Aggregate::MostFrequent => {
            let mut by: BTreeMap<&str, (f64, f64, &Value)> = BTreeMap::new();
            for (k, t, v) in &scalars {
                let e = by.entry(k).or_insert((0.0, *t, v));
                e.0 += 1.0;
                (e.1, e.2) = (*t, v);
            }
            let best = by
                .values()
                .fold(None::<&(f64, f64, &Value)>, |b, x| match b {
                    Some(b) if (b.0, b.1) >= (x.0, x.1) => Some(b),
                    _ => Some(x),
                });
            best.map_or(Value::Null, |b| b.2.clone())
        }
        Aggregate::DaysSince => opt(m.last().map(|e| (today - local_day(e.at_ms, tz)) as f64)),
        Aggregate::DaysUntilAnniversary => opt(m.first().map(|e| {
            let c = civil(e.at_ms, tz);
            days_until_anniversary(today, c.month, c.day, Some(local_day(e.at_ms, tz))) as f64
        })),
    }
}

proptest! {
    #[test]
    fn incremental_traits_equal_a_full_recomputation(
        raw in proptest::collection::vec(arb_event(), 0..120),
        defs in proptest::collection::vec(arb_def(), 1..6),
        later in 2 * DAY_MS as u64..(90 * DAY_MS as u64),
        tz in -720..840i32,
    ) {
        let mut t = 1_700_000_000_000.0;
        let mut events = Vec::new();
        for (name, cat, revenue, as_string, step, etz) in raw {
            t += step as f64;
            let mut props = Value::from_pairs([("category", CATS[cat as usize].into())]);
            if let Some(r) = revenue {
                props.insert("revenue", if as_string { Value::from(r.to_string()) } else { f64::from(r).into() });
                props.insert("nested", Value::from_pairs([("x", f64::from(r % 3).into())]));
            }
            events.push((ev(NAMES[name as usize], props, t), etz));
        }
        let now = t + later as f64;
        let fp = fingerprint(&defs);
        let mut state = ComputedState { fingerprint: fp.clone(), states: defs.iter().map(TraitState::empty).collect() };
        let mut history = History::default();
        let bounds = HistoryRules { max_events: 1000, max_age_days: 3650 };
        for (e, etz) in &events {
            state.update(&defs, e, *etz);
            history.push(e, *etz, &bounds);
        }
        prop_assert_eq!(&ComputedState::rebuild(&defs, &fp, &history), &state);
        prop_assert_eq!(&ComputedState::from_value(&state.to_value()), &state);
        let traits = Map::new();
        let at = Now::new(now, tz);
        for (d, s) in defs.iter().zip(&state.states) {
            prop_assert_eq!(value(d, s, &at, &traits), naive(d, &events, now, tz), "{:?}", d);
        }
    }
}

#[test]
fn where_filter_keeps_only_matching_events() {
    let cond = Value::from_pairs([("revenue", Value::from_pairs([("$gte", 100.0.into())]))]);
    let mut warnings = Vec::new();
    let compiled = Condition::compile(
        &cond,
        "$.traits[0].where",
        &crate::regex::EcmaRegex,
        &mut warnings,
    );
    let d = TraitDef {
        filter: Some(Filter::new(compiled, cond)),
        ..def("big", "Order Completed", Aggregate::Count, None, None)
    };
    let events = [order(50.0, 0.0), order(150.0, 1.0), order(100.0, 2.0)];
    assert_eq!(eval(&d, &events, 3.0), Value::Number(2.0));
    assert!(warnings.is_empty());
}

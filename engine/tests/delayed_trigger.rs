//! The delayed event trigger: `{ on: "event", event, delay_minutes }` shows
//! a campaign on the first page view at least that long after the event,
//! in a later visit too, with the event's properties as `event.*`.

mod decide_support;

use decide_support::*;
use parcours_engine::{Env, Event, EventKind, RuleErrorKind, Trigger, Visitor};
use serde_json::json;

fn env(now: f64) -> Env {
    Env {
        now_ms: now,
        ..Env::default()
    }
}

fn event(kind: EventKind, name: &str, props: serde_json::Value, at: f64) -> Event {
    Event {
        kind,
        name: name.into(),
        properties: v(props),
        at_ms: at,
    }
}

fn doc() -> serde_json::Value {
    json!({ "campaigns": [campaign("review", json!({
        "trigger": { "on": "event", "event": "Order Completed", "where": { "revenue": { "$gt": 0 } }, "delay_minutes": 2880 },
        "audience": { "condition": { "event.properties.order_id": { "$exists": true } } },
        "variants": [{ "id": "r", "content": { "title": "How was order {{ event.properties.order_id }}?" } }]
    }))]})
}

fn titles(e: &parcours_engine::Engine, vis: &Visitor, at: f64, t: &Trigger) -> Vec<String> {
    e.decide(vis, &env(at), t)
        .into_iter()
        .map(|d| d.content.get_dotted("title").to_js_string())
        .collect()
}

#[test]
fn a_delayed_trigger_waits_for_a_page_view_two_days_after_the_event() {
    let e = engine(doc());
    let mut vis = Visitor::new("anon".into(), NOW);
    let order = event(
        EventKind::Track,
        "Order Completed",
        json!({ "order_id": "o-7", "revenue": 40 }),
        NOW,
    );
    e.record(&mut vis, &order, &env(NOW));
    let on_order = Trigger::Event {
        name: order.name.clone(),
        properties: order.properties.clone(),
    };
    assert!(
        titles(&e, &vis, NOW, &on_order).is_empty(),
        "not on the event itself"
    );
    assert!(
        titles(&e, &vis, NOW + HOUR, &Trigger::PageView).is_empty(),
        "not before the delay"
    );
    let later = NOW + 48.0 * HOUR + 1.0; // a later visit
    e.record(
        &mut vis,
        &event(EventKind::Page, "", json!({}), later),
        &env(later),
    );
    assert_eq!(
        titles(&e, &vis, later, &Trigger::PageView),
        ["How was order o-7?"]
    );
    assert!(
        titles(&e, &vis, later, &Trigger::ExitIntent).is_empty(),
        "only page views"
    );

    let viewed = event(
        EventKind::Track,
        "Promotion Viewed",
        json!({ "promotion_id": "review", "creative": "r" }),
        later + 1.0,
    );
    e.record(&mut vis, &viewed, &env(later + 1.0));
    assert!(
        titles(&e, &vis, later + 2.0, &Trigger::PageView).is_empty(),
        "once per event"
    );
}

#[test]
fn events_failing_the_where_condition_are_not_waited_for() {
    let e = engine(doc());
    let mut vis = Visitor::new("anon".into(), NOW);
    let free = event(
        EventKind::Track,
        "Order Completed",
        json!({ "order_id": "o-0", "revenue": 0 }),
        NOW,
    );
    e.record(&mut vis, &free, &env(NOW));
    assert!(titles(&e, &vis, NOW + 49.0 * HOUR, &Trigger::PageView).is_empty());
}

#[test]
fn delay_minutes_is_validated() {
    let errs = errors(json!({ "campaigns": [
        campaign("neg", json!({ "trigger": { "on": "event", "event": "X", "delay_minutes": -1 } })),
        campaign("scroll", json!({ "trigger": { "on": "scroll", "delay_minutes": 5 } })),
    ]}));
    let paths: Vec<(String, RuleErrorKind)> = errs
        .iter()
        .map(|e| (e.path.clone(), e.kind.clone()))
        .collect();
    assert!(
        paths
            .iter()
            .any(|(p, _)| p == "$.campaigns[0].trigger.delay_minutes"),
        "{paths:?}"
    );
    assert!(
        paths
            .iter()
            .any(|(p, _)| p == "$.campaigns[1].trigger.delay_minutes"),
        "{paths:?}"
    );
}

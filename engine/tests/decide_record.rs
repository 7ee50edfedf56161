//! Recording: promotion and experiment events update exposures; goals convert.

mod decide_support;

use decide_support::*;
use parcours_engine::{Env, Event, EventKind, Trigger, Visitor};
use serde_json::json;

fn env(now: f64) -> Env {
    Env {
        now_ms: now,
        ..Env::default()
    }
}

fn track(name: &str, props: serde_json::Value, at: f64) -> Event {
    Event {
        kind: EventKind::Track,
        name: name.into(),
        properties: v(props),
        at_ms: at,
    }
}

fn page(at: f64) -> Event {
    Event {
        kind: EventKind::Page,
        name: String::new(),
        properties: v(json!({})),
        at_ms: at,
    }
}

fn doc() -> serde_json::Value {
    json!({ "campaigns": [
        campaign("once", json!({
            "frequency": { "max_per_session": 1, "stop_after": ["clicked"] },
            "goal": { "event": "Order Completed", "where": { "revenue": { "$gt": 0 } }, "within_hours": 72 }
        })),
        campaign("held", json!({ "holdout_percent": 100, "placement": "none", "frequency": { "max_impressions": 1 } })),
    ]})
}

#[test]
fn a_promotion_viewed_counts_towards_the_campaign_caps() {
    let e = engine(doc());
    let mut vis = Visitor::new("anon".into(), NOW);
    e.record(&mut vis, &page(NOW), &env(NOW));
    let ids = |vis: &Visitor, t: f64| -> Vec<String> {
        e.decide(vis, &env(t), &Trigger::PageView)
            .into_iter()
            .filter(|d| !d.holdout)
            .map(|d| d.campaign_id)
            .collect()
    };
    assert_eq!(ids(&vis, NOW + 1000.0), ["once"]);
    let viewed = track(
        "Promotion Viewed",
        json!({ "promotion_id": "once", "creative": "a" }),
        NOW + 2000.0,
    );
    e.record(&mut vis, &viewed, &env(NOW + 2000.0));
    assert!(ids(&vis, NOW + 3000.0).is_empty());
    let st = vis.exposures.campaign("once").cloned().unwrap_or_default();
    assert_eq!((st.impressions, st.variant.as_deref()), (1, Some("a")));
    assert_eq!(
        vis.exposures.shown().len(),
        1,
        "a pop-in counts for pressure"
    );
}

#[test]
fn a_goal_within_its_window_marks_the_campaign_converted() {
    let e = engine(doc());
    let mut vis = Visitor::new("anon".into(), NOW);
    let viewed = track(
        "Promotion Viewed",
        json!({ "promotion_id": "once", "creative": "a" }),
        NOW,
    );
    e.record(&mut vis, &viewed, &env(NOW));
    let free = track("Order Completed", json!({ "revenue": 0 }), NOW + HOUR);
    e.record(&mut vis, &free, &env(NOW + HOUR));
    assert!(
        !vis.exposures.campaign("once").is_some_and(|c| c.converted),
        "the goal's where fails"
    );
    let order = track(
        "Order Completed",
        json!({ "revenue": 30 }),
        NOW + 2.0 * HOUR,
    );
    e.record(&mut vis, &order, &env(NOW + 2.0 * HOUR));
    assert!(vis.exposures.campaign("once").is_some_and(|c| c.converted));
}

#[test]
fn a_goal_after_its_window_does_not_convert() {
    let e = engine(doc());
    let mut vis = Visitor::new("anon".into(), NOW);
    e.record(
        &mut vis,
        &track(
            "Promotion Viewed",
            json!({ "promotion_id": "once", "creative": "a" }),
            NOW,
        ),
        &env(NOW),
    );
    let late = NOW + 73.0 * HOUR;
    e.record(
        &mut vis,
        &track("Order Completed", json!({ "revenue": 30 }), late),
        &env(late),
    );
    assert!(!vis.exposures.campaign("once").is_some_and(|c| c.converted));
}

#[test]
fn a_click_stops_a_campaign_with_stop_after_clicked() {
    let e = engine(doc());
    let mut vis = Visitor::new("anon".into(), NOW);
    e.record(
        &mut vis,
        &track("Promotion Clicked", json!({ "promotion_id": "once" }), NOW),
        &env(NOW),
    );
    let d = e.decide(&vis, &env(NOW + 1.0), &Trigger::PageView);
    assert!(d.iter().all(|d| d.campaign_id != "once"));
    let c = e.context(&vis, &env(NOW + 1.0), None);
    assert_eq!(
        c.get_dotted("campaigns.once.clicked"),
        &parcours_engine::Value::Bool(true)
    );
}

#[test]
fn a_holdout_exposure_is_recorded_from_experiment_viewed() {
    let e = engine(doc());
    let mut vis = Visitor::new("anon".into(), NOW);
    let d = e.decide(&vis, &env(NOW), &Trigger::PageView);
    let held = d.iter().find(|d| d.campaign_id == "held").cloned();
    assert_eq!(
        held.map(|d| (d.variant_id, d.holdout)),
        Some(("holdout".to_owned(), true))
    );
    let ev = track(
        "Experiment Viewed",
        json!({ "experiment_id": "held", "variation_id": "holdout" }),
        NOW,
    );
    e.record(&mut vis, &ev, &env(NOW));
    let d = e.decide(&vis, &env(NOW + 1.0), &Trigger::PageView);
    assert!(
        d.iter().all(|d| d.campaign_id != "held"),
        "max_impressions counts the holdout exposure"
    );
    assert!(vis.exposures.shown().is_empty());
}

#[test]
fn a_visitor_survives_a_round_trip_through_storage() {
    let e = engine(doc());
    let mut vis = Visitor::new("anon".into(), NOW);
    e.record(
        &mut vis,
        &track(
            "Promotion Viewed",
            json!({ "promotion_id": "once", "creative": "a" }),
            NOW,
        ),
        &env(NOW),
    );
    let back = Visitor::from_value(&vis.to_value(), NOW).expect("readable");
    assert_eq!(back.exposures, vis.exposures);
    assert_eq!(back.profile.anonymous_id, "anon");
    assert!(Visitor::from_value(&v(json!({ "exposures": 3 })), NOW).is_none());
}

#[test]
fn the_context_carries_segments_and_campaign_state() {
    let e = engine(json!({
        "segments": [{ "id": "all", "condition": {} }],
        "campaigns": [campaign("c", json!({}))]
    }));
    let mut vis = Visitor::new("anon".into(), NOW);
    e.record(
        &mut vis,
        &track(
            "Promotion Viewed",
            json!({ "promotion_id": "c", "creative": "a" }),
            NOW,
        ),
        &env(NOW),
    );
    let c = e.context(&vis, &env(NOW + 1.0), None);
    assert_eq!(c.get("segments"), Some(&v(json!(["all"]))));
    assert_eq!(
        c.get_dotted("campaigns.c.impressions"),
        &parcours_engine::Value::Number(1.0)
    );
    assert_eq!(c.get_dotted("campaigns.c.variant").as_str(), Some("a"));
    assert_eq!(
        c.get_dotted("campaigns.c.last_shown").as_str(),
        Some("2026-11-24T10:00:00.000Z")
    );
}

#[test]
fn a_goal_counts_from_the_first_exposure_and_derives_promotion_converted() {
    let e = engine(doc());
    let mut vis = Visitor::new("anon".into(), NOW);
    let viewed = |at: f64| {
        track(
            "Promotion Viewed",
            json!({ "promotion_id": "once", "creative": "a" }),
            at,
        )
    };
    e.record(&mut vis, &viewed(NOW), &env(NOW));
    e.record(
        &mut vis,
        &viewed(NOW + 48.0 * HOUR),
        &env(NOW + 48.0 * HOUR),
    );
    let late = NOW + 73.0 * HOUR;
    let order = track(
        "Order Completed",
        json!({ "revenue": 30, "order_id": "o-1" }),
        late,
    );
    let derived = e.record(&mut vis, &order, &env(late));
    assert!(
        !vis.exposures.campaign("once").is_some_and(|c| c.converted),
        "73 h after the first exposure is outside the 72 h window, though 25 h after the last"
    );
    assert!(derived.iter().all(|d| d.name != "Promotion Converted"));

    let mut vis = Visitor::new("anon".into(), NOW);
    e.record(&mut vis, &viewed(NOW), &env(NOW));
    let derived = e.record(
        &mut vis,
        &track(
            "Order Completed",
            json!({ "revenue": 30, "order_id": "o-1" }),
            NOW + HOUR,
        ),
        &env(NOW + HOUR),
    );
    let conv: Vec<_> = derived
        .iter()
        .filter(|d| d.name == "Promotion Converted")
        .collect();
    assert_eq!(conv.len(), 1);
    assert_eq!(
        conv[0].properties,
        v(
            json!({ "promotion_id": "once", "creative": "a", "goal_event": "Order Completed",
                  "order_id": "o-1", "revenue": 30 })
        )
    );
    let again = e.record(
        &mut vis,
        &track("Order Completed", json!({ "revenue": 5 }), NOW + 2.0 * HOUR),
        &env(NOW + 2.0 * HOUR),
    );
    assert!(
        again.iter().all(|d| d.name != "Promotion Converted"),
        "converts once"
    );
}

#[test]
fn experiment_viewed_marks_the_first_exposure_and_is_remembered() {
    let e = engine(doc());
    let mut vis = Visitor::new("anon".into(), NOW);
    let ev = track(
        "Experiment Viewed",
        json!({ "experiment_id": "once", "variation_id": "a" }),
        NOW,
    );
    e.record(&mut vis, &ev, &env(NOW));
    let st = vis.exposures.campaign("once").cloned().unwrap_or_default();
    assert_eq!(
        (
            st.viewed,
            st.first_exposed_ms,
            st.impressions,
            st.variant.as_deref()
        ),
        (true, Some(NOW), 0, Some("a"))
    );
    let back = Visitor::from_value(&vis.to_value(), NOW).map(|v| v.exposures);
    assert_eq!(back.as_ref(), Some(&vis.exposures), "survives storage");
    let order = track("Order Completed", json!({ "revenue": 3 }), NOW + HOUR);
    e.record(&mut vis, &order, &env(NOW + HOUR));
    assert!(
        vis.exposures.campaign("once").is_some_and(|c| c.converted),
        "an evaluation without impression is an exposure goals count from"
    );
}

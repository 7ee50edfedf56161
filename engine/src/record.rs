//! How tracked events change exposure state: `Promotion Viewed`, `Promotion
//! Clicked`, `Promotion Dismissed`, `Experiment Viewed` (with `flag: true`
//! from a feature flag's evaluation, which rendered nothing), and campaign
//! goals (a goal reached derives `Promotion Converted`).

use crate::assign::{GLOBAL, HOLDOUT};
use crate::event::{Event, EventKind};
use crate::exposure::{Exposure, Exposures};
use crate::rules::Rules;
use crate::time;
use crate::value::Value;

/// A property as a string (numbers as JavaScript prints them); `None` when absent or empty.
fn prop(e: &Event, key: &str) -> Option<String> {
    match e.properties.get(key)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        v @ Value::Number(_) => Some(v.to_js_string()),
        _ => None,
    }
}

/// The event derived when a campaign's goal is reached.
pub const PROMOTION_CONVERTED: &str = "Promotion Converted";

/// Applies `event` (already recorded into the profile) to `ex`. Returns a
/// `Promotion Converted` `{promotion_id, creative, goal_event, order_id?,
/// revenue?}` for each campaign whose goal it reached.
pub fn apply(
    rules: &Rules,
    ex: &mut Exposures,
    event: &Event,
    session_id: &str,
    tz_offset_min: i32,
) -> Vec<Event> {
    if event.kind != EventKind::Track || !event.at_ms.is_finite() {
        return Vec::new();
    }
    let at = || Exposure {
        at_ms: event.at_ms,
        session_id: session_id.to_owned(),
        day: time::local_day(event.at_ms, tz_offset_min),
    };
    match event.name.as_str() {
        "Promotion Viewed" => {
            if let Some(id) = prop(event, "promotion_id") {
                let variant = prop(event, "creative").unwrap_or_default();
                if variant == HOLDOUT {
                    ex.holdout_exposure(&id, at());
                } else {
                    let pressure = rules
                        .campaign(&id)
                        .is_some_and(|c| c.placement.counts_for_pressure());
                    ex.impression(&id, &variant, at(), pressure);
                }
            }
        }
        "Promotion Clicked" => {
            if let Some(id) = prop(event, "promotion_id") {
                ex.click(&id);
            }
        }
        "Promotion Dismissed" => {
            if let Some(id) = prop(event, "promotion_id") {
                ex.dismiss(&id);
            }
        }
        "Experiment Viewed" => {
            if let (Some(id), Some(variant)) =
                (prop(event, "experiment_id"), prop(event, "variation_id"))
            {
                // A flag's evaluation (`flag: true`) rendered nothing: the
                // first exposure, but no holdout exposure for the caps.
                let flag = event.properties.get("flag") == Some(&Value::Bool(true));
                // The site-wide control group is no campaign: nothing to cap.
                if variant == HOLDOUT && !flag && id != GLOBAL {
                    ex.holdout_exposure(&id, at());
                }
                ex.viewed(&id, &variant, event.at_ms);
            }
        }
        _ => {}
    }
    goals(rules, ex, event)
}

/// Marks converted every campaign whose goal `event` matches within its window
/// after the visitor's first exposure, and derives its `Promotion Converted`.
fn goals(rules: &Rules, ex: &mut Exposures, event: &Event) -> Vec<Event> {
    let mut out = Vec::new();
    for c in &rules.campaigns {
        let Some(goal) = &c.goal else { continue };
        if goal.event != event.name {
            continue;
        }
        let Some(st) = ex.campaign(&c.id) else {
            continue;
        };
        let Some(first) = st.first_ms() else {
            continue;
        };
        let elapsed = event.at_ms - first;
        if st.converted || !(0.0..=goal.within_ms).contains(&elapsed) {
            continue;
        }
        if goal
            .filter
            .as_ref()
            .is_some_and(|f| !f.eval(&event.properties, &rules.saved_groups))
        {
            continue;
        }
        let creative = st.variant.clone().unwrap_or_default();
        ex.convert(&c.id);
        let mut props = Value::from_pairs([
            ("promotion_id", c.id.as_str().into()),
            ("creative", creative.into()),
            ("goal_event", event.name.as_str().into()),
        ]);
        for key in ["order_id", "revenue"] {
            if let Some(v) = event.properties.get(key) {
                props.insert(key, v.clone());
            }
        }
        out.push(Event {
            kind: EventKind::Track,
            name: PROMOTION_CONVERTED.to_owned(),
            properties: props,
            at_ms: event.at_ms,
        });
    }
    out
}

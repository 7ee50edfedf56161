//! The full evaluation context: what [`context::build`](crate::context::build)
//! gives, plus `event` (from the trigger, when absent), `campaigns.<id>.*`
//! (from exposures) and `segments` (evaluated last, so segment conditions
//! can read `campaigns`).

use crate::exposure::{CampaignState, Exposures};
use crate::rules::Rules;
use crate::segment;
use crate::time;
use crate::trigger::Trigger;
use crate::value::{Map, Value};

/// Adds `event`, `campaigns` and `segments` to `ctx`; returns segment
/// membership by index (see [`segment::ids`]).
///
/// `campaigns.<id>` entries already in `ctx` are kept (preview tools may
/// write them by hand); the others come from `exposures`.
pub fn enrich(
    rules: &Rules,
    ctx: &mut Value,
    exposures: &Exposures,
    trigger: Option<&Trigger>,
) -> Vec<bool> {
    if !matches!(ctx, Value::Object(_)) {
        *ctx = Value::object();
    }
    if let Some(Trigger::Event { name, properties }) = trigger {
        if ctx.get("event").is_none_or(Value::is_null) {
            let event = Value::from_pairs([
                ("name", name.as_str().into()),
                ("type", "track".into()),
                ("properties", properties.clone()),
            ]);
            ctx.insert("event", event);
        }
    }
    let mut campaigns = match ctx.get("campaigns") {
        Some(Value::Object(m)) => m.clone(),
        _ => Map::new(),
    };
    let empty = CampaignState::default();
    for c in &rules.campaigns {
        if !campaigns.contains_key(&c.id) {
            let st = exposures.campaign(&c.id).unwrap_or(&empty);
            campaigns.insert(c.id.clone(), state_value(st));
        }
    }
    ctx.insert("campaigns", Value::Object(campaigns));
    segment::evaluate_into(&rules.segments, ctx, &rules.saved_groups)
}

/// `{impressions, clicked, dismissed, converted, last_shown, variant}`.
pub fn state_value(st: &CampaignState) -> Value {
    Value::from_pairs([
        ("impressions", st.impressions.into()),
        ("clicked", st.clicked.into()),
        ("dismissed", st.dismissed.into()),
        ("converted", st.converted.into()),
        (
            "last_shown",
            st.last_shown_ms.map(time::format_iso8601).into(),
        ),
        ("variant", st.variant.as_deref().into()),
    ])
}

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
/// write them by hand); the others come from `exposures`: for `every`
/// campaign (a context to show), else only those the rules can read
/// ([`Rules::read_campaigns`]), as 200 campaigns' states built for each
/// decision cost more than their conditions.
pub fn enrich(
    rules: &Rules,
    ctx: &mut Value,
    exposures: &Exposures,
    trigger: Option<&Trigger>,
    every: bool,
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
    let read = |i: usize| {
        every
            || rules
                .read_campaigns
                .as_ref()
                .is_none_or(|r| r.get(i).copied().unwrap_or(true))
    };
    for (i, c) in rules.campaigns.iter().enumerate() {
        if read(i) && !campaigns.contains_key(&c.id) {
            let st = exposures.campaign(&c.id).unwrap_or(&empty);
            campaigns.insert(c.id.clone(), state_value(st));
        }
    }
    ctx.insert("campaigns", Value::Object(campaigns));
    segment::evaluate_into(&rules.segments, ctx, &rules.saved_groups)
}

/// Per campaign (in the order of `ids`), whether the rules document `doc`
/// can read its `campaigns.<id>.*`; `None` when it may read any. A path
/// can only be written as an object key (a condition) or inside a string
/// (a template), so: a key
/// `campaigns.<id>…` reads that campaign; the key `campaigns` below the
/// root, or a string that names `campaigns`, may read any (conservative: a
/// content text saying "campaigns" only costs speed).
pub fn read_campaigns(doc: &Value, ids: &[&str]) -> Option<Vec<bool>> {
    fn walk(v: &Value, ids: &[&str], out: &mut [bool], root: bool) -> Option<()> {
        match v {
            Value::String(s) if s.contains("campaigns") => None,
            Value::Array(items) => items.iter().try_for_each(|x| walk(x, ids, out, false)),
            Value::Object(m) => m.iter().try_for_each(|(k, x)| {
                if let Some(rest) = k.strip_prefix("campaigns.") {
                    for (read, id) in out.iter_mut().zip(ids) {
                        *read |= rest
                            .strip_prefix(id)
                            .is_some_and(|r| r.is_empty() || r.starts_with('.'));
                    }
                } else if k.contains("campaigns") && !(root && k == "campaigns") {
                    return None;
                }
                walk(x, ids, out, false)
            }),
            _ => Some(()),
        }
    }
    let mut out = vec![false; ids.len()];
    walk(doc, ids, &mut out, true)?;
    Some(out)
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

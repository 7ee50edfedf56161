//! Helpers shared by the decide and rules tests.
#![allow(dead_code)]

use parcours_engine::regex::EcmaRegex;
use parcours_engine::{Engine, Exposures, RuleError, Trigger, Value};

/// 2026-11-24T10:00:00Z.
pub const NOW: f64 = 1_795_514_400_000.0;
/// One hour, ms.
pub const HOUR: f64 = 3_600_000.0;

/// A `Value` from `serde_json::json!`.
pub fn v(j: serde_json::Value) -> Value {
    serde_json::from_value(j).expect("json converts")
}

/// The engine, or panic with every error.
pub fn engine(doc: serde_json::Value) -> Engine {
    match Engine::from_rules(&v(doc), &EcmaRegex) {
        Ok(e) => e,
        Err(errs) => panic!("rules rejected: {errs:#?}"),
    }
}

/// The errors of a document that must be rejected.
pub fn errors(doc: serde_json::Value) -> Vec<RuleError> {
    match Engine::from_rules(&v(doc), &EcmaRegex) {
        Ok(_) => panic!("rules accepted"),
        Err(errs) => errs,
    }
}

/// A campaign with sensible defaults, overridden by `extra`'s fields.
pub fn campaign(id: &str, extra: serde_json::Value) -> serde_json::Value {
    let mut c = serde_json::json!({
        "id": id,
        "status": "active",
        "trigger": { "on": "page_view" },
        "placement": "popin",
        "variants": [{ "id": "a", "weight": 100, "content": { "title": id } }]
    });
    if let (Some(m), Some(e)) = (c.as_object_mut(), extra.as_object()) {
        for (k, x) in e {
            m.insert(k.clone(), x.clone());
        }
    }
    c
}

/// A context for visitor `vid`.
pub fn ctx(vid: &str, extra: serde_json::Value) -> Value {
    let mut c = serde_json::json!({ "anonymous_id": vid, "traits": {}, "page": { "path": "/" } });
    if let (Some(m), Some(e)) = (c.as_object_mut(), extra.as_object()) {
        for (k, x) in e {
            m.insert(k.clone(), x.clone());
        }
    }
    v(c)
}

/// Campaign ids decided for a page view.
pub fn shown(e: &Engine, ctx: &Value, ex: &Exposures, now: f64) -> Vec<String> {
    e.decide_context(ctx, ex, "s1", now, 0, &Trigger::PageView)
        .into_iter()
        .map(|d| d.campaign_id)
        .collect()
}

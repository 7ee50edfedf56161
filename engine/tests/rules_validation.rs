//! Validation: every error, each with its exact JSON path.

mod decide_support;

use decide_support::*;
use parcours_engine::error::RuleErrorKind;
use parcours_engine::regex::EcmaRegex;
use parcours_engine::{Engine, Value};
use serde_json::json;

fn paths(doc: serde_json::Value) -> Vec<(String, RuleErrorKind)> {
    let mut p: Vec<_> = errors(doc).into_iter().map(|e| (e.path, e.kind)).collect();
    p.sort_by(|a, b| a.0.cmp(&b.0));
    p
}

fn has(errs: &[(String, RuleErrorKind)], path: &str, kind: RuleErrorKind) {
    assert!(
        errs.iter().any(|(p, k)| p == path && *k == kind),
        "no {kind:?} at {path} in {errs:#?}"
    );
}

#[test]
fn an_empty_document_is_valid() {
    let e = engine(json!({}));
    assert_eq!(e.version(), "");
    assert!(e.warnings().is_empty());
}

#[test]
fn a_document_that_is_not_an_object_is_rejected_at_the_root() {
    let errs = Engine::from_rules(&Value::from("x"), &EcmaRegex)
        .err()
        .unwrap_or_default();
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].path, "$");
}

#[test]
fn every_error_is_reported_with_its_path() {
    let errs = paths(json!({
        "version": "v1",
        "colour": "red",
        "segments": [
            { "id": "vip", "condition": {} },
            { "id": "vip", "condition": {} },
            { "id": "x" },
        ],
        "pressure": { "max_per_session": -1 },
        "campaigns": [
            campaign("c0", json!({
                "audience": { "segments": { "any": ["vip", "ghost"] } },
                "variants": [{ "id": "a", "weight": 60 }, { "id": "a", "weight": 30 }],
                "holdout_percent": 120,
                "schedule": { "start": "2026-13-01", "end": "2026-11-01" },
            })),
            campaign("c0", json!({ "variants": [], "trigger": { "on": "hover" }, "placement": "modal" })),
            campaign("c2", json!({ "schedule": { "start": "2026-11-02", "end": "2026-11-01" }, "prio": 1 })),
            campaign("c3", json!({ "placement": { "type": "slot" }, "trigger": { "on": "event" } })),
        ]
    }));
    use RuleErrorKind::*;
    has(&errs, "$.colour", UnknownField);
    has(&errs, "$.segments[1].id", Duplicate);
    has(&errs, "$.segments[2].condition", Missing);
    has(&errs, "$.pressure.max_per_session", Invalid);
    has(
        &errs,
        "$.campaigns[0].audience.segments.any[1]",
        UnknownReference,
    );
    has(&errs, "$.campaigns[0].variants", Invalid);
    has(&errs, "$.campaigns[0].variants[1].id", Duplicate);
    has(&errs, "$.campaigns[0].holdout_percent", Invalid);
    has(&errs, "$.campaigns[0].schedule.start", Invalid);
    has(&errs, "$.campaigns[1].id", Duplicate);
    has(&errs, "$.campaigns[1].variants", Invalid);
    has(&errs, "$.campaigns[1].trigger.on", Invalid);
    has(&errs, "$.campaigns[1].placement", Invalid);
    has(&errs, "$.campaigns[2].schedule.end", Invalid);
    has(&errs, "$.campaigns[2].prio", UnknownField);
    has(&errs, "$.campaigns[3].placement.selector", Missing);
    has(&errs, "$.campaigns[3].trigger.event", Missing);
    assert_eq!(errs.len(), 17, "{errs:#?}");
}

#[test]
fn duplicate_campaign_ids_are_reported_on_the_second() {
    let errs = paths(json!({ "campaigns": [campaign("a", json!({})), campaign("a", json!({}))] }));
    assert_eq!(
        errs,
        [("$.campaigns[1].id".to_owned(), RuleErrorKind::Duplicate)]
    );
}

#[test]
fn weights_not_summing_to_100_are_rejected_with_the_sum() {
    let errs = errors(json!({ "campaigns": [campaign("a", json!({ "variants": [
        { "id": "a", "weight": 50 }, { "id": "b", "weight": 40 }
    ] }))] }));
    assert_eq!(errs.len(), 1);
    assert_eq!(
        errs[0].to_string(),
        "$.campaigns[0].variants: variant weights sum to 90, not 100"
    );
}

#[test]
fn variants_without_weights_split_evenly() {
    let e = engine(
        json!({ "campaigns": [campaign("a", json!({ "variants": [{ "id": "a" }, { "id": "b" }, { "id": "c" }] }))] }),
    );
    let w: Vec<f64> = e.rules().campaigns[0]
        .variants
        .iter()
        .map(|v| v.weight)
        .collect();
    assert!((w.iter().sum::<f64>() - 100.0).abs() < 1e-9);
}

#[test]
fn trigger_fields_must_fit_the_trigger_kind() {
    let errs = paths(
        json!({ "campaigns": [campaign("a", json!({ "trigger": { "on": "page_view", "percent": 50 } }))] }),
    );
    assert_eq!(
        errs,
        [(
            "$.campaigns[0].trigger.percent".to_owned(),
            RuleErrorKind::Invalid
        )]
    );
}

#[test]
fn form_fields_need_a_trait_and_a_known_type() {
    let errs = paths(
        json!({ "campaigns": [campaign("a", json!({ "variants": [{ "id": "a", "content": {
        "form": { "fields": [{ "label": "Email", "type": "email" }, { "trait": "phone", "label": "Phone", "type": "phone" }] }
    } }] }))] }),
    );
    assert_eq!(
        errs,
        [
            (
                "$.campaigns[0].variants[0].content.form.fields[0].trait".to_owned(),
                RuleErrorKind::Missing
            ),
            (
                "$.campaigns[0].variants[0].content.form.fields[1].type".to_owned(),
                RuleErrorKind::Invalid
            ),
        ]
    );
}

#[test]
fn campaign_ids_cannot_contain_dots() {
    let errs = paths(json!({ "campaigns": [campaign("a.b", json!({}))] }));
    assert_eq!(
        errs,
        [("$.campaigns[0].id".to_owned(), RuleErrorKind::Invalid)]
    );
}

#[test]
fn unknown_operators_warn_but_do_not_stop_the_load() {
    let e = engine(
        json!({ "segments": [{ "id": "s", "condition": { "page.path": { "$startsWith": "/x" } } }] }),
    );
    assert!(!e.warnings().is_empty());
    assert!(
        e.warnings()
            .iter()
            .all(|w| w.path.starts_with("$.segments[0].condition")),
        "{:?}",
        e.warnings()
    );
    assert!(
        e.segments(&ctx("v", json!({ "page": { "path": "/x" } })))
            .is_empty(),
        "fails closed"
    );
}

#[test]
fn saved_groups_must_be_arrays() {
    let errs = paths(json!({ "saved_groups": { "staff": ["a"], "bad": 3 } }));
    assert_eq!(
        errs,
        [(
            "$.saved_groups.bad".to_owned(),
            RuleErrorKind::WrongType { expected: "array" }
        )]
    );
}

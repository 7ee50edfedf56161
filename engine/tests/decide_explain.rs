//! Explaining: the first reason each campaign fails, in order.

mod decide_support;

use decide_support::*;
use parcours_engine::exposure::Exposure;
use parcours_engine::{Exposures, Trigger, Value};
use serde_json::json;

fn reasons(doc: serde_json::Value, c: Value, ex: &Exposures, t: Trigger) -> Vec<Value> {
    let e = engine(doc);
    e.explain_context(&c, ex, "s1", NOW, 0, &t)
        .iter()
        .map(|x| x.to_value())
        .collect()
}

#[test]
fn explanations_name_the_first_failing_step() {
    let doc = json!({
        "segments": [{ "id": "vip", "condition": { "traits.tier": "gold" } }],
        "campaigns": [
            campaign("draft", json!({ "status": "draft", "schedule": { "end": "2020-01-01" } })),
            campaign("ended", json!({ "schedule": { "end": "2026-01-01" }, "trigger": { "on": "scroll" } })),
            campaign("scroll", json!({ "trigger": { "on": "scroll" } })),
            campaign("seg", json!({ "audience": { "segments": { "all": ["vip"] } } })),
            campaign("cond", json!({ "audience": { "condition": { "page.path": { "$regex": "^/cart" } } } })),
            campaign("freq", json!({ "frequency": { "max_impressions": 1 } })),
            campaign("win", json!({ "priority": 2 })),
            campaign("lose", json!({ "priority": 1 })),
        ]
    });
    let mut ex = Exposures::default();
    ex.impression(
        "freq",
        "a",
        Exposure {
            at_ms: 0.0,
            session_id: "old".into(),
            day: 0,
        },
        false,
    );
    let r = reasons(doc, ctx("v", json!({})), &ex, Trigger::PageView);
    let step = |i: usize| {
        r[i].get_dotted("reason.step")
            .as_str()
            .unwrap_or("")
            .to_owned()
    };
    assert_eq!(
        r[0].get_dotted("reason"),
        &v(json!({ "step": "status", "status": "draft" }))
    );
    assert_eq!(step(1), "schedule");
    assert_eq!(
        r[2].get_dotted("reason"),
        &v(json!({ "step": "trigger", "expected": "scroll", "actual": "page_view" }))
    );
    assert_eq!(
        r[3].get_dotted("reason"),
        &v(json!({ "step": "segments", "clause": "all", "segments": ["vip"] }))
    );
    assert_eq!(step(4), "condition");
    assert_eq!(r[4].get_dotted("reason.path").as_str(), Some("page.path"));
    assert_eq!(r[4].get_dotted("reason.actual").as_str(), Some("/"));
    assert_eq!(
        r[5].get_dotted("reason"),
        &v(json!({ "step": "frequency", "cap": "max_impressions", "count": 1, "limit": 1 }))
    );
    assert_eq!(
        r[6],
        v(
            json!({ "campaign_id": "win", "verdict": "shown", "shown": true, "holdout": false, "variant_id": "a", "placement": "popin" })
        )
    );
    assert_eq!(
        r[7].get_dotted("reason"),
        &v(json!({ "step": "priority", "lost_to": "win" }))
    );
}

#[test]
fn explanation_reports_a_holdout_last() {
    let doc = json!({ "campaigns": [campaign("h", json!({ "holdout_percent": 100 }))] });
    let r = reasons(
        doc,
        ctx("v", json!({})),
        &Exposures::default(),
        Trigger::PageView,
    );
    assert_eq!(
        r[0],
        v(
            json!({ "campaign_id": "h", "verdict": "holdout", "shown": false, "holdout": true, "variant_id": "holdout" })
        )
    );
}

#[test]
fn stop_after_is_explained_as_frequency() {
    let doc = json!({ "campaigns": [campaign("c", json!({ "frequency": { "stop_after": ["dismissed"] } }))] });
    let mut ex = Exposures::default();
    ex.dismiss("c");
    let r = reasons(doc, ctx("v", json!({})), &ex, Trigger::PageView);
    assert_eq!(
        r[0].get_dotted("reason"),
        &v(json!({ "step": "frequency", "cap": "stop_after", "after": "dismissed" }))
    );
}

#[test]
fn event_filter_failure_names_the_property_clause() {
    let doc = json!({ "campaigns": [campaign("c", json!({ "trigger": { "on": "event", "event": "Product Added", "where": { "price": { "$gte": 20 } } } }))] });
    let t = Trigger::Event {
        name: "Product Added".into(),
        properties: v(json!({ "price": 5 })),
    };
    let r = reasons(doc, ctx("v", json!({})), &Exposures::default(), t);
    assert_eq!(r[0].get_dotted("reason.step").as_str(), Some("trigger"));
    assert_eq!(r[0].get_dotted("reason.path").as_str(), Some("price"));
    assert_eq!(r[0].get_dotted("reason.actual"), &Value::Number(5.0));
}

#[test]
fn a_form_campaign_with_nothing_left_to_ask_is_not_shown_and_says_so() {
    let form = |traits: &[&str]| {
        let fields: Vec<_> = traits
            .iter()
            .map(|t| json!({ "trait": t, "label": t, "type": "text" }))
            .collect();
        json!({ "title": "Tell us", "form": { "fields": fields } })
    };
    let doc = json!({
        "campaigns": [
            campaign("ask", json!({ "variants": [
                { "id": "a", "weight": 50, "content": form(&["email"]) },
                { "id": "b", "weight": 50, "content": form(&["email", "city"]) }
            ] })),
            campaign("mixed", json!({ "variants": [
                { "id": "a", "weight": 50, "content": form(&["email"]) },
                { "id": "b", "weight": 50, "content": { "title": "no form" } }
            ] })),
        ]
    });
    let e = engine(doc.clone());
    let ex = Exposures::default();
    let known = ctx("v", json!({ "traits": { "email": "a@b.c" } }));
    assert_eq!(
        shown(&e, &known, &ex, NOW),
        vec!["ask"],
        "city is still to ask"
    );
    let all = ctx(
        "v",
        json!({ "traits": { "email": "a@b.c", "city": "Lyon" } }),
    );
    assert_eq!(
        shown(&e, &all, &ex, NOW),
        vec!["mixed"],
        "ask has nothing left; mixed has a variant that is no form, so it may show"
    );
    let r = reasons(doc, all, &ex, Trigger::PageView);
    assert_eq!(
        r[0].get_dotted("reason"),
        &v(json!({ "step": "form", "answered": true }))
    );
}

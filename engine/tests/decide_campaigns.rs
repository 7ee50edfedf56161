//! Deciding: schedule, trigger, audience, priority, pressure, holdout, content.

mod decide_support;

use decide_support::*;
use parcours_engine::exposure::Exposure;
use parcours_engine::{Exposures, Trigger};
use serde_json::json;

fn at(ms: f64) -> Exposure {
    Exposure {
        at_ms: ms,
        session_id: "s1".into(),
        day: (ms / 86_400_000.0).floor() as i64,
    }
}

#[test]
fn expired_campaign_is_never_shown() {
    let e = engine(json!({ "campaigns": [
        campaign("old", json!({ "schedule": { "start": "2026-01-01", "end": "2026-11-24T10:00:00Z" } })),
        campaign("live", json!({ "schedule": { "start": "2026-01-01", "end": null }, "placement": "none" })),
    ]}));
    assert_eq!(
        shown(&e, &ctx("v", json!({})), &Exposures::default(), NOW),
        ["live"]
    );
}

#[test]
fn campaign_waits_for_its_start_and_status() {
    let e = engine(json!({ "campaigns": [
        campaign("later", json!({ "schedule": { "start": "2026-12-01" } })),
        campaign("paused", json!({ "status": "paused" })),
    ]}));
    assert!(shown(&e, &ctx("v", json!({})), &Exposures::default(), NOW).is_empty());
}

#[test]
fn trigger_kind_event_name_and_properties_must_match() {
    let e = engine(json!({ "campaigns": [
        campaign("cart", json!({ "trigger": { "on": "event", "event": "Product Added", "where": { "price": { "$gte": 20 } } } })),
        campaign("scroll", json!({ "trigger": { "on": "scroll", "percent": 60 }, "placement": "none" })),
    ]}));
    let c = ctx("v", json!({}));
    let ex = Exposures::default();
    let decide = |t: Trigger| -> Vec<String> {
        e.decide_context(&c, &ex, "s1", NOW, 0, &t)
            .into_iter()
            .map(|d| d.campaign_id)
            .collect()
    };
    let added = |price: f64| Trigger::Event {
        name: "Product Added".into(),
        properties: v(json!({ "price": price })),
    };
    assert_eq!(decide(added(25.0)), ["cart"]);
    assert!(decide(added(5.0)).is_empty());
    assert!(decide(Trigger::Event {
        name: "Other".into(),
        properties: v(json!({ "price": 99 }))
    })
    .is_empty());
    assert!(decide(Trigger::Scroll { percent: 40.0 }).is_empty());
    assert_eq!(decide(Trigger::Scroll { percent: 60.0 }), ["scroll"]);
    assert!(decide(Trigger::PageView).is_empty());
}

#[test]
fn audience_segments_any_all_none_are_honoured() {
    let e = engine(json!({
        "segments": [
            { "id": "vip", "condition": { "traits.tier": "gold" } },
            { "id": "fr", "condition": { "traits.country": "FR" } },
        ],
        "campaigns": [
            campaign("any", json!({ "audience": { "segments": { "any": ["vip", "fr"] } }, "placement": "none" })),
            campaign("all", json!({ "audience": { "segments": { "all": ["vip", "fr"] } }, "placement": "none" })),
            campaign("none", json!({ "audience": { "segments": { "none": ["vip"] } }, "placement": "none" })),
        ]
    }));
    let ex = Exposures::default();
    assert_eq!(
        shown(
            &e,
            &ctx("v", json!({ "traits": { "country": "FR" } })),
            &ex,
            NOW
        ),
        ["any", "none"]
    );
    assert_eq!(
        shown(
            &e,
            &ctx(
                "v",
                json!({ "traits": { "country": "FR", "tier": "gold" } })
            ),
            &ex,
            NOW
        ),
        ["all", "any"]
    );
    assert_eq!(shown(&e, &ctx("v", json!({})), &ex, NOW), ["none"]);
}

#[test]
fn segments_can_build_on_earlier_segments() {
    let e = engine(json!({ "segments": [
        { "id": "vip", "condition": { "traits.tier": "gold" } },
        { "id": "vip_fr", "condition": { "segments": { "$elemMatch": { "$eq": "vip" } }, "traits.country": "FR" } },
    ]}));
    let c = ctx(
        "v",
        json!({ "traits": { "tier": "gold", "country": "FR" } }),
    );
    assert_eq!(e.segments(&c), ["vip", "vip_fr"]);
}

#[test]
fn audience_condition_reads_campaign_state() {
    let e = engine(json!({ "campaigns": [
        campaign("first", json!({ "placement": "none" })),
        campaign("second", json!({ "placement": "none", "audience": { "condition": { "campaigns.first.clicked": true } } })),
    ]}));
    let mut ex = Exposures::default();
    assert_eq!(shown(&e, &ctx("v", json!({})), &ex, NOW), ["first"]);
    ex.click("first");
    assert_eq!(
        shown(&e, &ctx("v", json!({})), &ex, NOW),
        ["first", "second"]
    );
}

#[test]
fn highest_priority_wins_and_ties_go_to_the_smaller_id() {
    let e = engine(json!({ "campaigns": [
        campaign("b", json!({ "priority": 5 })),
        campaign("a", json!({ "priority": 5 })),
        campaign("c", json!({ "priority": { "business_value": 3, "customer_interest": 2, "feasibility": 1 } })),
    ]}));
    assert_eq!(
        shown(&e, &ctx("v", json!({})), &Exposures::default(), NOW),
        ["c"]
    );
    let e = engine(
        json!({ "campaigns": [campaign("b", json!({ "priority": 5 })), campaign("a", json!({ "priority": 5 }))] }),
    );
    assert_eq!(
        shown(&e, &ctx("v", json!({})), &Exposures::default(), NOW),
        ["a"]
    );
}

#[test]
fn one_decision_holds_at_most_one_popin_but_slots_are_exempt() {
    let e = engine(json!({ "pressure": { "max_per_session": 1 }, "campaigns": [
        campaign("p1", json!({ "priority": 3 })),
        campaign("p2", json!({ "priority": 2 })),
        campaign("top", json!({ "priority": 1, "placement": { "type": "banner", "position": "top" } })),
        campaign("slot", json!({ "placement": { "type": "slot", "selector": "#hero" } })),
    ]}));
    let d = e.decide_context(
        &ctx("v", json!({})),
        &Exposures::default(),
        "s1",
        NOW,
        0,
        &Trigger::PageView,
    );
    let ids: Vec<&str> = d.iter().map(|d| d.campaign_id.as_str()).collect();
    assert_eq!(ids, ["p1", "slot"]);
    assert_eq!(d[1].selector.as_deref(), Some("#hero"));
}

#[test]
fn pressure_caps_what_was_already_shown_this_session() {
    let e = engine(
        json!({ "pressure": { "max_per_session": 1, "min_gap_minutes": 10 }, "campaigns": [
            campaign("p", json!({})),
            campaign("s", json!({ "placement": { "type": "slot", "selector": "#x" } })),
        ]}),
    );
    let mut ex = Exposures::default();
    ex.impression("other", "a", at(NOW - 3.0 * HOUR), true);
    assert_eq!(shown(&e, &ctx("v", json!({})), &ex, NOW), ["s"]);
    let why = e.explain_context(&ctx("v", json!({})), &ex, "s1", NOW, 0, &Trigger::PageView);
    let reason = why[0].reason.as_ref().map(|r| r.to_value());
    assert_eq!(
        reason,
        Some(v(
            json!({ "step": "pressure", "cap": "max_per_session", "count": 1, "limit": 1 })
        ))
    );
    // A new session, but within the gap.
    let d = e.decide_context(
        &ctx("v", json!({})),
        &ex,
        "s2",
        NOW - 3.0 * HOUR + 60_000.0,
        0,
        &Trigger::PageView,
    );
    assert_eq!(d.len(), 1);
    assert_eq!(
        shown(&e, &ctx("v", json!({})), &Exposures::default(), NOW),
        ["p", "s"]
    );
}

#[test]
fn holdout_visitor_sees_nothing_but_is_recorded() {
    let e = engine(json!({ "campaigns": [
        campaign("held", json!({ "holdout_percent": 100, "priority": 9 })),
        campaign("next", json!({})),
    ]}));
    let d = e.decide_context(
        &ctx("v", json!({})),
        &Exposures::default(),
        "s1",
        NOW,
        0,
        &Trigger::PageView,
    );
    assert_eq!(
        d.len(),
        2,
        "the holdout does not take the pop-in's place: {d:?}"
    );
    assert_eq!(
        (
            d[0].campaign_id.as_str(),
            d[0].variant_id.as_str(),
            d[0].holdout
        ),
        ("held", "holdout", true)
    );
    assert!(d[0].content.is_null());
    assert_eq!(d[1].campaign_id, "next");
}

#[test]
fn holdout_exposure_counts_for_frequency_not_for_pressure() {
    let e = engine(json!({ "pressure": { "max_per_session": 1 }, "campaigns": [
        campaign("held", json!({ "holdout_percent": 100, "frequency": { "max_per_session": 1 } })),
        campaign("other", json!({})),
    ]}));
    let mut ex = Exposures::default();
    ex.holdout_exposure("held", at(NOW - 1.0));
    assert_eq!(shown(&e, &ctx("v", json!({})), &ex, NOW), ["other"]);
}

#[test]
fn the_same_visitor_always_gets_the_same_variant() {
    let e = engine(json!({ "campaigns": [campaign("ab", json!({ "variants": [
        { "id": "a", "weight": 50, "content": {} }, { "id": "b", "weight": 50, "content": {} }
    ] }))]}));
    let mut seen = std::collections::BTreeSet::new();
    for i in 0..200 {
        let vid = format!("visitor-{i}");
        let c = ctx(&vid, json!({}));
        let first = e.decide_context(&c, &Exposures::default(), "s1", NOW, 0, &Trigger::PageView);
        let again = e.decide_context(
            &c,
            &Exposures::default(),
            "s9",
            NOW + 99.0 * HOUR,
            0,
            &Trigger::PageView,
        );
        assert_eq!(first[0].variant_id, again[0].variant_id);
        seen.insert(first[0].variant_id.clone());
    }
    assert_eq!(seen.len(), 2, "both variants are used");
}

#[test]
fn a_recorded_assignment_wins_over_the_hash() {
    let e = engine(json!({ "campaigns": [campaign("ab", json!({ "variants": [
        { "id": "a", "weight": 50, "content": {} }, { "id": "b", "weight": 50, "content": {} }
    ] }))]}));
    let c = ctx("someone", json!({}));
    let hashed = e.decide_context(&c, &Exposures::default(), "s1", NOW, 0, &Trigger::PageView)[0]
        .variant_id
        .clone();
    let other = if hashed == "a" { "b" } else { "a" };
    let mut ex = Exposures::default();
    ex.assign("ab", other);
    assert_eq!(
        e.decide_context(&c, &ex, "s1", NOW, 0, &Trigger::PageView)[0].variant_id,
        other
    );
}

#[test]
fn content_is_templated_as_text_with_the_offer() {
    let e = engine(json!({ "campaigns": [campaign("w", json!({
        "offer": { "code": "RETOUR10" },
        "variants": [{ "id": "a", "weight": 100, "content": {
            "title": "Bonjour {{ traits.first_name | default: \"vous\" }} <b>!</b>",
            "body": "Code {{ offer.code }}",
            "cta": { "label": "Go", "url": "javascript:alert(1)" }
        } }]
    }))]}));
    let d = e.decide_context(
        &ctx("v", json!({})),
        &Exposures::default(),
        "s1",
        NOW,
        0,
        &Trigger::PageView,
    );
    assert_eq!(
        d[0].to_value(),
        v(
            json!({ "campaign_id": "w", "variant_id": "a", "holdout": false, "placement": "popin",
                  "content": { "title": "Bonjour vous <b>!</b>", "body": "Code RETOUR10", "cta": { "label": "Go" } } })
        )
    );
}

#[test]
fn a_segment_and_a_template_still_read_the_campaign_state_they_name() {
    // Only the segment names another campaign: the context holds that one's state alone.
    let e = engine(json!({
        "segments": [{ "id": "clicker", "condition": { "campaigns.first.clicked": true } }],
        "campaigns": [
            campaign("first", json!({ "placement": "none" })),
            campaign("second", json!({ "placement": "none", "audience": { "segments": { "any": ["clicker"] } } })),
        ]
    }));
    assert_eq!(e.rules().read_campaigns, Some(vec![true, false]));
    let mut ex = Exposures::default();
    ex.click("first");
    let d = e.decide_context(&ctx("v", json!({})), &ex, "s1", NOW, 0, &Trigger::PageView);
    let ids: Vec<_> = d.iter().map(|d| d.campaign_id.as_str()).collect();
    assert_eq!(ids, ["first", "second"]);
    // A template that names `campaigns`: every campaign's state, read as before.
    let e = engine(json!({
        "segments": [{ "id": "clicker", "condition": { "campaigns.first.clicked": true } }],
        "campaigns": [
            campaign("first", json!({ "placement": "none" })),
            campaign("second", json!({ "placement": "none", "audience": { "segments": { "any": ["clicker"] } } })),
            campaign("third", json!({ "placement": "none", "variants": [{ "id": "a", "weight": 100,
                "content": { "title": "seen {{ campaigns.first.impressions }} times" } }] })),
        ]
    }));
    let mut ex = Exposures::default();
    ex.click("first");
    ex.impression("first", "a", at(NOW - HOUR), false);
    assert_eq!(e.rules().read_campaigns, None);
    let d = e.decide_context(&ctx("v", json!({})), &ex, "s1", NOW, 0, &Trigger::PageView);
    let ids: Vec<_> = d.iter().map(|d| d.campaign_id.as_str()).collect();
    assert_eq!(ids, ["first", "second", "third"]);
    assert_eq!(
        d[2].content
            .get("title")
            .and_then(parcours_engine::Value::as_str),
        Some("seen 1 times")
    );
}

#[test]
fn the_campaigns_a_rules_document_reads_are_found_in_its_keys_and_strings() {
    use parcours_engine::evaluation::read_campaigns;
    let ids = ["a", "a.b", "c"];
    let read = |doc: serde_json::Value| read_campaigns(&v(doc), &ids);
    assert_eq!(
        read(json!({ "campaigns": [{ "id": "a" }] })),
        Some(vec![false; 3])
    );
    assert_eq!(
        read(json!({ "x": { "campaigns.c.clicked": true } })),
        Some(vec![false, false, true])
    );
    // A dotted id: the key names both `a` (its `b` field) and `a.b`.
    assert_eq!(
        read(json!({ "x": [{ "campaigns.a.b.impressions": 1 }] })),
        Some(vec![true, true, false])
    );
    // The whole map, or a string that may be a template path: any campaign.
    assert_eq!(
        read(json!({ "x": { "campaigns": { "$exists": true } } })),
        None
    );
    assert_eq!(read(json!({ "t": "{{ campaigns.a.impressions }}" })), None);
}

#[test]
fn content_is_rendered_only_for_the_campaigns_the_host_reads() {
    use parcours_engine::env::Env;
    use parcours_engine::Visitor;
    let e = engine(json!({ "campaigns": [
        campaign("pop", json!({})),
        campaign("quiet", json!({ "placement": "none" })),
    ]}));
    let visitor = Visitor::new("v".into(), NOW);
    let env = Env {
        now_ms: NOW,
        ..Env::default()
    };
    let all = e.decide(&visitor, &env, &Trigger::PageView);
    let some = e.decide_rendering(&visitor, &env, &Trigger::PageView, &|c| c.id == "pop");
    let ids = |d: &[parcours_engine::Decision]| {
        d.iter()
            .map(|d| (d.campaign_id.clone(), d.variant_id.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&all), ids(&some), "the same decisions");
    let title = |d: &parcours_engine::Decision| {
        d.content
            .get("title")
            .and_then(parcours_engine::Value::as_str)
            .map(str::to_owned)
    };
    assert_eq!(
        some.iter().map(title).collect::<Vec<_>>(),
        [Some("pop".into()), None]
    );
    assert_eq!(
        all.iter().map(title).collect::<Vec<_>>(),
        [Some("pop".into()), Some("quiet".into())]
    );
}

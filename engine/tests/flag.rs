//! A campaign as a feature flag: outside any moment (every trigger counts as
//! met, no priority), otherwise the steps of `decide`; unknown campaigns are
//! not found, and a flag's `Experiment Viewed` uses up no cap.

mod decide_support;

use decide_support::*;
use parcours_engine::assign::holdout_bucket;
use parcours_engine::exposure::Exposure;
use parcours_engine::{Engine, Env, Event, EventKind, Exposures, Flag, Page, Trigger, Visitor};
use serde_json::json;

fn flag(e: &Engine, c: &str, ctx: &parcours_engine::Value, ex: &Exposures) -> Option<Flag> {
    e.flag_context(ctx, ex, "s1", NOW, 0, c)
}

fn step(f: Option<Flag>) -> Option<&'static str> {
    f.and_then(|f| f.step())
}

fn variant(f: Option<Flag>) -> Option<String> {
    f.and_then(|f| f.variant_id().map(str::to_owned))
}

/// A visitor id in (or out of) the holdout of `campaign` at `percent`.
fn visitor_in_holdout(campaign: &str, percent: f64, held: bool) -> String {
    (0..10_000)
        .map(|i| ["v", &i.to_string()].concat())
        .find(|id| (holdout_bucket(campaign, id) < percent / 100.0) == held)
        .expect("some visitor falls on each side")
}

fn shown_at(session: &str, at_ms: f64) -> Exposure {
    Exposure {
        at_ms,
        session_id: session.into(),
        day: 0,
    }
}

#[test]
fn a_matching_visitor_gets_the_variant_and_a_single_variant_is_no_split() {
    let e = engine(json!({ "campaigns": [
        campaign("one", json!({ "audience": { "condition": { "traits.plan": "pro" } } })),
        campaign("ab", json!({ "variants": [
            { "id": "a", "weight": 50, "content": {} },
            { "id": "b", "weight": 50, "content": {} }
        ] })),
    ]}));
    let c = ctx("v1", json!({ "traits": { "plan": "pro" } }));
    let ex = Exposures::default();
    assert_eq!(
        flag(&e, "one", &c, &ex),
        Some(Flag::Variant {
            id: "a".into(),
            split: false
        })
    );
    match flag(&e, "ab", &c, &ex) {
        Some(Flag::Variant { id, split }) => {
            assert!(
                id == "a" || id == "b",
                "one of the campaign's variants: {id}"
            );
            assert!(split, "two variants with a share: the split assigned it");
        }
        other => panic!("expected a variant, got {other:?}"),
    }
}

#[test]
fn the_variant_is_the_one_decide_assigns_and_a_stored_one_is_sticky() {
    let e = engine(json!({ "campaigns": [campaign("ab", json!({ "variants": [
        { "id": "a", "weight": 50, "content": {} },
        { "id": "b", "weight": 50, "content": {} }
    ] }))]}));
    let ex = Exposures::default();
    for i in 0..40 {
        let id = ["visitor-", &i.to_string()].concat();
        let c = ctx(&id, json!({}));
        let decided = e.decide_context(&c, &ex, "s1", NOW, 0, &Trigger::PageView);
        assert_eq!(
            variant(flag(&e, "ab", &c, &ex)).as_deref(),
            Some(decided[0].variant_id.as_str()),
            "visitor {id}"
        );
    }
    let c = ctx("v1", json!({}));
    let fresh = variant(flag(&e, "ab", &c, &ex)).unwrap_or_default();
    let other = if fresh == "a" { "b" } else { "a" };
    let mut stored = Exposures::default();
    stored.assign("ab", other);
    assert_eq!(
        variant(flag(&e, "ab", &c, &stored)).as_deref(),
        Some(other),
        "the stored assignment wins over the hash"
    );
}

#[test]
fn a_held_out_visitor_gets_holdout_and_the_others_a_variant() {
    let e = engine(
        json!({ "campaigns": [campaign("exp", json!({ "holdout_percent": 50, "placement": "none" }))]}),
    );
    let ex = Exposures::default();
    let held = ctx(&visitor_in_holdout("exp", 50.0, true), json!({}));
    let treated = ctx(&visitor_in_holdout("exp", 50.0, false), json!({}));
    assert_eq!(flag(&e, "exp", &held, &ex), Some(Flag::Holdout));
    assert_eq!(
        variant(flag(&e, "exp", &held, &ex)).as_deref(),
        Some("holdout")
    );
    assert_eq!(
        flag(&e, "exp", &treated, &ex),
        Some(Flag::Variant {
            id: "a".into(),
            split: true
        }),
        "one variant, but a holdout: the visitor was split"
    );
}

#[test]
fn every_trigger_counts_as_met_outside_a_moment() {
    let e = engine(json!({ "campaigns": [
        campaign("exit", json!({ "trigger": { "on": "exit_intent" } })),
        campaign("scroll", json!({ "trigger": { "on": "scroll", "percent": 90 } })),
        campaign("event", json!({ "trigger": { "on": "event", "event": "Order Completed", "where": { "revenue": { "$gt": 100 } } } })),
        campaign("delayed", json!({ "trigger": { "on": "event", "event": "Order Completed", "delay_minutes": 60 } })),
        campaign("idle", json!({ "trigger": { "on": "inactivity", "seconds": 5 } })),
    ]}));
    let c = ctx("v1", json!({}));
    let ex = Exposures::default();
    for id in ["exit", "scroll", "event", "delayed", "idle"] {
        assert_eq!(
            variant(flag(&e, id, &c, &ex)).as_deref(),
            Some("a"),
            "{id}: assigned although no such moment happened"
        );
    }
    // On a page view, decide shows none of them: the trigger step is skipped for flags only.
    assert!(shown(&e, &c, &ex, NOW).is_empty());
}

#[test]
fn no_campaign_competes_with_a_flag_for_the_place() {
    let e = engine(json!({ "campaigns": [
        campaign("high", json!({ "priority": 10 })),
        campaign("low", json!({ "priority": 1 })),
    ]}));
    let c = ctx("v1", json!({}));
    let ex = Exposures::default();
    assert_eq!(
        shown(&e, &c, &ex, NOW),
        ["high"],
        "decide gives the one pop-in to the higher priority"
    );
    assert_eq!(variant(flag(&e, "low", &c, &ex)).as_deref(), Some("a"));
}

#[test]
fn a_blocked_flag_names_the_first_failing_step() {
    let e = engine(json!({
        "segments": [{ "id": "vip", "condition": { "traits.tier": "gold" } }],
        "campaigns": [
            campaign("paused", json!({ "status": "paused", "audience": { "segments": { "all": ["vip"] } } })),
            campaign("ended", json!({ "schedule": { "end": "2026-01-01" } })),
            campaign("later", json!({ "schedule": { "start": "2027-01-01" } })),
            campaign("vips", json!({ "audience": { "segments": { "all": ["vip"] } } })),
            campaign("cart", json!({ "audience": { "condition": { "page.path": { "$regex": "^/cart" } } } })),
            campaign("capped", json!({ "frequency": { "max_impressions": 1 } })),
            campaign("clicked", json!({ "frequency": { "stop_after": ["clicked"] } })),
        ]
    }));
    let c = ctx("v1", json!({}));
    let mut ex = Exposures::default();
    ex.impression("capped", "a", shown_at("old", 0.0), false);
    ex.click("clicked");
    let cases = [
        ("paused", "status"),
        ("ended", "schedule"),
        ("later", "schedule"),
        ("vips", "segments"),
        ("cart", "condition"),
        ("capped", "frequency"),
        ("clicked", "frequency"),
    ];
    for (id, want) in cases {
        let f = flag(&e, id, &c, &ex);
        assert_eq!(
            f.as_ref().and_then(Flag::variant_id),
            None,
            "{id}: not assigned"
        );
        assert_eq!(step(f), Some(want), "{id}");
    }
    let gold = ctx(
        "v1",
        json!({ "traits": { "tier": "gold" }, "page": { "path": "/cart" } }),
    );
    for id in ["vips", "cart"] {
        assert_eq!(
            variant(flag(&e, id, &gold, &ex)).as_deref(),
            Some("a"),
            "{id}: eligible once the audience matches"
        );
    }
}

#[test]
fn the_pressure_of_what_was_shown_blocks_pop_ins_and_banners_only() {
    let e = engine(json!({
        "pressure": { "max_per_session": 1 },
        "campaigns": [
            campaign("popin", json!({})),
            campaign("banner", json!({ "placement": "banner" })),
            campaign("slot", json!({ "placement": { "type": "slot", "selector": "#hero" } })),
            campaign("headless", json!({ "placement": "none" })),
        ]
    }));
    let c = ctx("v1", json!({}));
    let mut ex = Exposures::default();
    for id in ["popin", "banner", "slot", "headless"] {
        assert_eq!(
            variant(flag(&e, id, &c, &ex)).as_deref(),
            Some("a"),
            "{id} before anything was shown"
        );
    }
    ex.impression("other", "a", shown_at("s1", NOW - 1000.0), true);
    assert_eq!(step(flag(&e, "popin", &c, &ex)), Some("pressure"));
    assert_eq!(step(flag(&e, "banner", &c, &ex)), Some("pressure"));
    assert_eq!(variant(flag(&e, "slot", &c, &ex)).as_deref(), Some("a"));
    assert_eq!(variant(flag(&e, "headless", &c, &ex)).as_deref(), Some("a"));
}

#[test]
fn an_unknown_campaign_is_not_found() {
    let e = engine(json!({ "campaigns": [campaign("known", json!({}))] }));
    let ex = Exposures::default();
    assert_eq!(flag(&e, "unknown", &ctx("v1", json!({})), &ex), None);
    assert_eq!(flag(&e, "", &ctx("v1", json!({})), &ex), None);
}

fn experiment_viewed(campaign: &str, variation: &str, flag: bool, at: f64) -> Event {
    let mut props = json!({ "experiment_id": campaign, "variation_id": variation });
    if flag {
        props["flag"] = json!(true);
    }
    Event {
        kind: EventKind::Track,
        name: "Experiment Viewed".into(),
        properties: v(props),
        at_ms: at,
    }
}

#[test]
fn a_flags_experiment_viewed_is_the_first_exposure_but_uses_up_no_cap() {
    let e = engine(json!({ "campaigns": [campaign("exp", json!({
        "holdout_percent": 50,
        "placement": "none",
        "frequency": { "max_impressions": 1 },
        "goal": { "event": "Order Completed", "within_hours": 1 }
    }))]}));
    let env = Env {
        now_ms: NOW,
        ..Env::default()
    };
    let id = visitor_in_holdout("exp", 50.0, true);

    let mut by_flag = Visitor::new(id.clone(), NOW);
    assert_eq!(e.flag(&by_flag, &env, "exp"), Some(Flag::Holdout));
    e.record(
        &mut by_flag,
        &experiment_viewed("exp", "holdout", true, NOW),
        &env,
    );
    let st = by_flag.exposures.campaign("exp").expect("state recorded");
    assert!(st.viewed, "remembered as sent");
    assert_eq!(st.variant.as_deref(), Some("holdout"));
    assert_eq!(st.exposures, 0, "no holdout exposure: nothing rendered");
    assert_eq!(st.first_exposed_ms, Some(NOW), "the goal window starts");
    assert_eq!(
        e.flag(&by_flag, &env, "exp"),
        Some(Flag::Holdout),
        "asking again still answers holdout, not a capped default"
    );

    // The same event from a decision (no `flag`) is a holdout exposure, as before.
    let mut by_decision = Visitor::new(id, NOW);
    e.record(
        &mut by_decision,
        &experiment_viewed("exp", "holdout", false, NOW),
        &env,
    );
    assert_eq!(
        by_decision.exposures.campaign("exp").map(|s| s.exposures),
        Some(1)
    );
    assert_eq!(
        e.flag(&by_decision, &env, "exp")
            .as_ref()
            .and_then(Flag::step),
        Some("frequency")
    );
}

#[test]
fn the_visitor_form_reads_the_page_and_the_profile() {
    let e = engine(json!({ "campaigns": [campaign("products", json!({
        "audience": { "condition": { "page.path": { "$regex": "^/products" } } }
    }))]}));
    let vis = Visitor::new("v1".into(), NOW);
    let at = |path: &str| Env {
        now_ms: NOW,
        page: Page {
            path: path.into(),
            ..Page::default()
        },
        ..Env::default()
    };
    assert_eq!(
        e.flag(&vis, &at("/products/tee"), "products")
            .as_ref()
            .and_then(Flag::variant_id),
        Some("a")
    );
    assert_eq!(
        e.flag(&vis, &at("/"), "products")
            .as_ref()
            .and_then(Flag::step),
        Some("condition")
    );
}

#[test]
fn a_flag_trigger_is_never_decided_on_a_moment_only_asked_as_a_flag() {
    let e = engine(
        json!({ "campaigns": [campaign("code-only", json!({ "trigger": { "on": "flag" }, "placement": "none" }))] }),
    );
    let c = ctx("v1", json!({}));
    let ex = Exposures::default();
    for t in [
        Trigger::PageView,
        Trigger::ExitIntent,
        Trigger::Scroll { percent: 100.0 },
        Trigger::Event {
            name: "Order Completed".into(),
            properties: v(json!({})),
        },
    ] {
        assert!(
            e.decide_context(&c, &ex, "s1", NOW, 0, &t).is_empty(),
            "{t:?}"
        );
    }
    let why = e.explain_context(&c, &ex, "s1", NOW, 0, &Trigger::PageView);
    assert_eq!(
        why[0].to_value().get_dotted("reason"),
        &v(json!({ "step": "trigger", "expected": "flag", "actual": "page_view" }))
    );
    assert_eq!(
        variant(flag(&e, "code-only", &c, &ex)).as_deref(),
        Some("a")
    );
    let errs = errors(
        json!({ "campaigns": [campaign("x", json!({ "trigger": { "on": "flag", "seconds": 3 } }))] }),
    );
    assert!(
        errs.iter()
            .any(|e| e.path == "$.campaigns[0].trigger.seconds"),
        "{errs:?}"
    );
}

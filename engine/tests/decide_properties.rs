//! Properties: caps are never exceeded, assignment is stable, holdout shares
//! converge, and nothing panics on arbitrary input.

mod decide_support;

use decide_support::*;
use parcours_engine::assign::holdout_bucket;
use parcours_engine::exposure::Exposure;
use parcours_engine::regex::EcmaRegex;
use parcours_engine::{Engine, Exposures, Trigger, Value};
use proptest::prelude::*;
use serde_json::json;

const PLACEMENTS: [&str; 4] = ["popin", "banner", "slot", "none"];

fn opt_cap() -> impl Strategy<Value = Option<u8>> {
    prop::option::of(0u8..4)
}

prop_compose! {
    fn campaign_strategy(i: usize)(
        placement in 0usize..4,
        priority in 0u8..5,
        holdout in prop::sample::select(vec![0u8, 0, 30, 100]),
        max_impressions in opt_cap(),
        max_per_session in opt_cap(),
        max_per_day in opt_cap(),
        min_interval in prop::option::of(0u8..3),
        trigger in prop::sample::select(vec!["page_view", "scroll", "exit_intent"]),
    ) -> serde_json::Value {
        let mut freq = serde_json::Map::new();
        for (k, v) in [("max_impressions", max_impressions), ("max_per_session", max_per_session), ("max_per_day", max_per_day), ("min_interval_hours", min_interval)] {
            if let Some(v) = v { freq.insert(k.into(), json!(v)); }
        }
        let placement = match PLACEMENTS[placement] {
            "slot" => json!({ "type": "slot", "selector": "#s" }),
            p => json!(p),
        };
        campaign(&format!("c{i}"), json!({
            "placement": placement, "priority": priority, "holdout_percent": holdout,
            "frequency": freq, "trigger": { "on": trigger },
            "variants": [{ "id": "a", "weight": 50 }, { "id": "b", "weight": 50 }],
        }))
    }
}

fn rules_strategy() -> impl Strategy<Value = serde_json::Value> {
    (
        prop::collection::vec(0usize..1, 1..6),
        opt_cap(),
        opt_cap(),
        prop::option::of(0u8..90),
    )
        .prop_flat_map(|(n, s, d, g)| {
            let campaigns: Vec<_> = (0..n.len()).map(campaign_strategy).collect();
            campaigns.prop_map(move |cs| {
                let mut p = serde_json::Map::new();
                for (k, v) in [
                    ("max_per_session", s),
                    ("max_per_day", d),
                    ("min_gap_minutes", g),
                ] {
                    if let Some(v) = v {
                        p.insert(k.into(), json!(v));
                    }
                }
                json!({ "pressure": p, "campaigns": cs })
            })
        })
}

/// (minutes since the previous step, new session?, trigger kind)
fn steps() -> impl Strategy<Value = Vec<(u32, bool, u8)>> {
    prop::collection::vec((0u32..600, prop::bool::weighted(0.2), 0u8..3), 1..60)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn caps_are_never_exceeded(doc in rules_strategy(), steps in steps()) {
        let e = engine(doc.clone());
        let mut ex = Exposures::default();
        let mut now = NOW;
        let mut session = 0u32;
        let c = ctx("visitor-1", json!({}));
        for (mins, new_session, kind) in steps {
            now += f64::from(mins) * 60_000.0;
            if new_session { session += 1; }
            let sid = format!("s{session}");
            let trigger = match kind { 0 => Trigger::PageView, 1 => Trigger::Scroll { percent: 100.0 }, _ => Trigger::ExitIntent };
            let decisions = e.decide_context(&c, &ex, &sid, now, 0, &trigger);
            prop_assert!(decisions.iter().filter(|d| d.placement == "popin" && !d.holdout).count() <= 1);
            let day = (now / 86_400_000.0).floor() as i64;
            for d in decisions {
                let at = Exposure { at_ms: now, session_id: sid.clone(), day };
                if d.holdout {
                    ex.holdout_exposure(&d.campaign_id, at);
                } else {
                    ex.impression(&d.campaign_id, &d.variant_id, at, d.placement == "popin" || d.placement == "banner");
                }
            }
        }
        // Global pressure over the log.
        let p = &doc["pressure"];
        let shown = ex.shown();
        check_log(shown, p.get("max_per_session"), p.get("max_per_day"), p.get("min_gap_minutes").map(|g| g.as_f64().unwrap_or(0.0) * 60_000.0))?;
        for c in doc["campaigns"].as_array().into_iter().flatten() {
            let id = c["id"].as_str().unwrap_or("");
            let f = &c["frequency"];
            let Some(st) = ex.campaign(id) else { continue };
            if let Some(max) = f.get("max_impressions").and_then(|m| m.as_u64()) {
                prop_assert!(u64::from(st.exposures) <= max, "{id}: {} > {max}", st.exposures);
            }
            check_log(&st.recent, f.get("max_per_session"), f.get("max_per_day"), f.get("min_interval_hours").map(|h| h.as_f64().unwrap_or(0.0) * 3_600_000.0))?;
        }
    }

    #[test]
    fn the_same_visitor_always_gets_the_same_variant(vid in "[a-z0-9-]{1,24}", later in 0u32..1_000_000) {
        let e = engine(json!({ "campaigns": [campaign("ab", json!({ "holdout_percent": 20, "placement": "none", "variants": [
            { "id": "a", "weight": 30 }, { "id": "b", "weight": 70 }
        ] }))] }));
        let c = ctx(&vid, json!({}));
        let first = e.decide_context(&c, &Exposures::default(), "s1", NOW, 0, &Trigger::PageView);
        let again = e.decide_context(&c, &Exposures::default(), "s2", NOW + f64::from(later) * 1000.0, 60, &Trigger::PageView);
        prop_assert_eq!(first, again);
    }

    #[test]
    fn decide_never_panics_on_arbitrary_contexts(c in arb_json(), doc in rules_strategy(), t in 0u8..6, x in any::<f64>()) {
        let e = engine(doc);
        let trigger = match t {
            0 => Trigger::PageView,
            1 => Trigger::ExitIntent,
            2 => Trigger::Scroll { percent: x },
            3 => Trigger::TimeOnPage { seconds: x },
            4 => Trigger::Inactivity { seconds: x },
            _ => Trigger::Event { name: "e".into(), properties: v(c.clone()) },
        };
        let ctx = v(c);
        let _ = e.decide_context(&ctx, &Exposures::default(), "s", x, 0, &trigger);
        let _ = e.explain_context(&ctx, &Exposures::from_value(&ctx), "s", NOW, -600, &trigger);
        let _ = e.segments(&ctx);
    }

    #[test]
    fn loading_never_panics_on_arbitrary_documents(doc in arb_json(), campaigns in prop::collection::vec(arb_json(), 0..3)) {
        let _ = Engine::from_rules(&v(doc), &EcmaRegex);
        let _ = Engine::from_rules(&v(json!({ "campaigns": campaigns })), &EcmaRegex);
    }
}

fn check_log(
    log: &[Exposure],
    per_session: Option<&serde_json::Value>,
    per_day: Option<&serde_json::Value>,
    gap_ms: Option<f64>,
) -> Result<(), TestCaseError> {
    use std::collections::BTreeMap;
    if let Some(max) = per_session.and_then(|m| m.as_u64()) {
        let mut n: BTreeMap<&str, u64> = BTreeMap::new();
        for e in log {
            *n.entry(&e.session_id).or_default() += 1;
        }
        prop_assert!(n.values().all(|&c| c <= max), "per session {n:?} > {max}");
    }
    if let Some(max) = per_day.and_then(|m| m.as_u64()) {
        let mut n: BTreeMap<i64, u64> = BTreeMap::new();
        for e in log {
            *n.entry(e.day).or_default() += 1;
        }
        prop_assert!(n.values().all(|&c| c <= max), "per day {n:?} > {max}");
    }
    if let Some(gap) = gap_ms {
        for w in log.windows(2) {
            prop_assert!(
                w[1].at_ms - w[0].at_ms >= gap,
                "gap {} < {gap}",
                w[1].at_ms - w[0].at_ms
            );
        }
    }
    Ok(())
}

fn arb_json() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i32>().prop_map(serde_json::Value::from),
        (-1e6f64..1e6).prop_map(serde_json::Value::from),
        "[a-z$._]{0,8}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            prop::collection::btree_map(
                prop::sample::select(vec![
                    "$gt",
                    "$in",
                    "$or",
                    "$not",
                    "$regex",
                    "page",
                    "traits",
                    "segments",
                    "anonymous_id",
                    "campaigns",
                    "a.b",
                    "id",
                    "name",
                    "variants",
                    "trigger",
                    "on",
                    "placement"
                ])
                .prop_map(String::from),
                inner,
                0..4,
            )
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

#[test]
fn holdout_share_converges_to_its_percent() {
    for percent in [10.0, 33.0, 50.0] {
        let held = (0..100_000)
            .filter(|i| holdout_bucket("welcome-back", &format!("anon-{i}")) < percent / 100.0)
            .count();
        let share = held as f64 / 1000.0;
        assert!((share - percent).abs() <= 0.5, "{percent}%: got {share}%");
    }
}

#[test]
fn decided_holdout_share_matches_the_bucket() {
    let e = engine(
        json!({ "campaigns": [campaign("c", json!({ "holdout_percent": 25, "placement": "none" }))] }),
    );
    let held = (0..4000)
        .filter(|i| {
            let c: Value = ctx(&format!("id-{i}"), json!({}));
            e.decide_context(&c, &Exposures::default(), "s", NOW, 0, &Trigger::PageView)[0].holdout
        })
        .count();
    assert!((held as f64 / 40.0 - 25.0).abs() < 2.5, "{held}");
}

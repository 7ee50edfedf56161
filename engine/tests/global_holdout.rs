//! The site-wide control group (`global_holdout_percent`): a share of
//! visitors kept out of every campaign, by GrowthBook's hash v2 of the
//! visitor id with the seed `parcours-global`, sticky once recorded.

mod decide_support;

use decide_support::*;
use parcours_engine::assign::{global_holdout, GLOBAL_SEED};
use parcours_engine::hash::hash;
use parcours_engine::{Exposures, Trigger};
use serde_json::json;

fn doc(percent: f64) -> serde_json::Value {
    json!({
        "global_holdout_percent": percent,
        "campaigns": [campaign("a", json!({})), campaign("b", json!({ "placement": { "type": "slot", "selector": "#s" } }))]
    })
}

#[test]
fn a_held_out_visitor_gets_no_campaign_and_the_reason_says_why() {
    let e = engine(doc(100.0));
    let ex = Exposures::default();
    let c = ctx("v-1", json!({}));
    assert!(shown(&e, &c, &ex, NOW).is_empty());
    let r = e.explain_context(&c, &ex, "s1", NOW, 0, &Trigger::PageView);
    let steps: Vec<_> = r
        .iter()
        .map(|x| {
            x.to_value()
                .get_dotted("reason.step")
                .as_str()
                .unwrap_or("")
                .to_owned()
        })
        .collect();
    assert_eq!(steps, ["global_holdout", "global_holdout"]);
    assert_eq!(
        shown(&engine(doc(0.0)), &c, &ex, NOW),
        ["a", "b"],
        "no control group"
    );
}

#[test]
fn the_split_follows_the_documented_hash_and_share() {
    let mut held = 0;
    for i in 0..20_000 {
        let id = format!("visitor-{i}");
        let expected = hash(GLOBAL_SEED, &id, 2).unwrap() < 0.1;
        let got = global_holdout(10.0, None, &id).unwrap();
        assert_eq!(got, expected, "{id}");
        held += usize::from(got);
    }
    let share = held as f64 / 20_000.0;
    assert!((0.09..0.11).contains(&share), "{share}");
    assert_eq!(global_holdout(0.0, None, "x"), None);
}

#[test]
fn the_arm_once_recorded_is_kept() {
    // A visitor recorded as treatment stays treatment when the share grows.
    let mut ex = Exposures::default();
    ex.viewed("global", "treatment", NOW);
    assert_eq!(
        global_holdout(100.0, ex.campaign("global"), "v"),
        Some(false)
    );
    let mut held = Exposures::default();
    held.viewed("global", "holdout", NOW);
    assert_eq!(
        global_holdout(1.0, held.campaign("global"), "v"),
        Some(true)
    );
    let e = engine(doc(100.0));
    assert_eq!(shown(&e, &ctx("v", json!({})), &ex, NOW), ["a", "b"]);
}

#[test]
fn the_share_is_validated_and_the_id_global_is_reserved() {
    let kinds = |d: serde_json::Value| -> Vec<(String, &'static str)> {
        errors(d)
            .into_iter()
            .map(|e| (e.path, e.kind.name()))
            .collect()
    };
    assert_eq!(
        kinds(json!({ "global_holdout_percent": 101, "campaigns": [] })),
        [("$.global_holdout_percent".to_owned(), "invalid")]
    );
    assert_eq!(
        kinds(json!({ "global_holdout_percent": "10", "campaigns": [] })),
        [("$.global_holdout_percent".to_owned(), "wrong_type")]
    );
    assert_eq!(
        kinds(json!({ "campaigns": [campaign("global", json!({}))] })),
        [("$.campaigns[0].id".to_owned(), "invalid")]
    );
}

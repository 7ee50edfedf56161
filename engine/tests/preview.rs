//! Preview links: one campaign decided by id (and variant), whatever its
//! status, schedule, audience, caps, the pressure cap and the holdout say.

mod decide_support;

use decide_support::*;
use parcours_engine::env::{Device, Env, Page};
use parcours_engine::exposure::Exposure;
use parcours_engine::preview::PreviewError;
use parcours_engine::{Engine, Trigger, Visitor};
use serde_json::json;

fn env(device: &str, referrer: &str) -> Env {
    Env {
        now_ms: NOW,
        tz_offset_min: 0,
        page: Page {
            url: "https://shop.example/".into(),
            path: "/".into(),
            referrer: referrer.into(),
            ..Page::default()
        },
        device: Device {
            kind: device.into(),
            language: "en".into(),
        },
    }
}

/// A campaign nobody would see now: a draft, ended, for a segment the
/// visitor is not in, capped and already seen, all held out.
fn rules() -> Engine {
    engine(json!({
        "segments": [{ "id": "vip", "condition": { "traits.vip": true } }],
        "pressure": { "max_per_session": 1 },
        "campaigns": [
            campaign("other", json!({ "priority": 10 })),
            campaign("vip-offer", json!({
                "status": "draft",
                "schedule": { "start": "2020-01-01", "end": "2020-02-01" },
                "trigger": { "on": "exit_intent" },
                "audience": { "segments": { "any": ["vip"] } },
                "frequency": { "max_impressions": 1 },
                "holdout_percent": 100,
                "variants": [
                    { "id": "a", "weight": 50, "content": { "title": "A for {{ anonymous_id }}" } },
                    { "id": "b", "weight": 50, "content": { "title": "B {{ offer.code }}" } }
                ],
                "offer": { "code": "VIP20" }
            })),
            campaign("a:b", json!({ "placement": { "type": "slot", "selector": "#hero" } })),
        ]
    }))
}

/// A visitor who saw `other` (the session's pressure is used up) and
/// `vip-offer` once (its cap reached).
fn seen_everything() -> Visitor {
    let mut v = Visitor::new("visitor-1".into(), NOW);
    for id in ["other", "vip-offer"] {
        let at = Exposure {
            at_ms: NOW - 1000.0,
            session_id: v.profile.current_session_id().to_owned(),
            day: 0,
        };
        v.exposures.impression(id, "a", at, true);
    }
    v
}

#[test]
fn a_preview_shows_what_nothing_else_would_show() {
    let e = rules();
    let v = seen_everything();
    assert!(
        e.decide(&v, &env("desktop", ""), &Trigger::PageView)
            .iter()
            .all(|d| d.campaign_id != "vip-offer"),
        "the rules show it to nobody"
    );
    let p = e.preview(&v, &env("desktop", ""), "vip-offer:b").unwrap();
    assert_eq!(p.decision.campaign_id, "vip-offer");
    assert_eq!(p.decision.variant_id, "b");
    assert!(!p.decision.holdout, "a preview never shows the holdout");
    assert_eq!(p.decision.placement, "popin");
    assert_eq!(
        p.decision.content.get_dotted("title").as_str(),
        Some("B VIP20")
    );
    assert_eq!(p.unknown_variant, None);
}

#[test]
fn without_a_variant_the_visitor_gets_their_assigned_one() {
    let e = rules();
    let v = Visitor::new("visitor-1".into(), NOW);
    let p = e.preview(&v, &env("desktop", ""), "vip-offer").unwrap();
    // Held out by the rules (100 %), yet a variant shows: the one the
    // visitor's bucket falls in, the same on every preview.
    let again = e.preview(&v, &env("desktop", ""), "vip-offer").unwrap();
    assert!(["a", "b"].contains(&p.decision.variant_id.as_str()));
    assert_eq!(p.decision.variant_id, again.decision.variant_id);
    assert_eq!(p.unknown_variant, None);
    // A visitor whose sticky assignment is `b` gets `b`.
    let mut sticky = Visitor::new("visitor-2".into(), NOW);
    sticky.exposures.viewed("vip-offer", "b", NOW);
    let p = e
        .preview(&sticky, &env("desktop", ""), "vip-offer")
        .unwrap();
    assert_eq!(p.decision.variant_id, "b");
}

#[test]
fn an_unknown_variant_falls_back_to_the_assigned_one_with_a_warning() {
    let e = rules();
    let mut v = Visitor::new("visitor-3".into(), NOW);
    v.exposures.viewed("vip-offer", "a", NOW);
    let p = e.preview(&v, &env("desktop", ""), "vip-offer:zzz").unwrap();
    assert_eq!(p.decision.variant_id, "a");
    assert_eq!(
        p.decision.content.get_dotted("title").as_str(),
        Some("A for visitor-3")
    );
    assert_eq!(p.unknown_variant.as_deref(), Some("zzz"));
}

#[test]
fn an_unknown_campaign_is_an_error_naming_it() {
    let e = rules();
    let v = Visitor::new("visitor-1".into(), NOW);
    assert_eq!(
        e.preview(&v, &env("desktop", ""), "nope:b"),
        Err(PreviewError::UnknownCampaign("nope".into()))
    );
    assert_eq!(
        e.preview(&v, &env("desktop", ""), ""),
        Err(PreviewError::UnknownCampaign(String::new()))
    );
}

#[test]
fn a_campaign_id_with_a_colon_is_found_whole_first() {
    let e = rules();
    let v = Visitor::new("visitor-1".into(), NOW);
    let p = e.preview(&v, &env("desktop", ""), "a:b").unwrap();
    assert_eq!(
        (
            p.decision.campaign_id.as_str(),
            p.decision.placement.as_str()
        ),
        ("a:b", "slot")
    );
    assert_eq!(p.decision.selector.as_deref(), Some("#hero"));
}

#[test]
fn a_previewed_popin_follows_the_interstitial_rule() {
    let e = rules();
    let v = Visitor::new("visitor-1".into(), NOW);
    let p = e
        .preview(&v, &env("mobile", "https://www.google.com/"), "vip-offer:a")
        .unwrap();
    assert_eq!(
        (
            p.decision.placement.as_str(),
            p.decision.position.as_deref()
        ),
        ("banner", Some("bottom"))
    );
    let p = e
        .preview(
            &v,
            &env("desktop", "https://www.google.com/"),
            "vip-offer:a",
        )
        .unwrap();
    assert_eq!(p.decision.placement, "popin");
}

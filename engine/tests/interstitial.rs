//! The mobile interstitial rule: on a phone, the first page of a visit from
//! a search engine shows a pop-in as a bottom banner, unless the campaign
//! says `"interstitial": "allow"`; `explain` says so; the field is validated.

mod decide_support;

use decide_support::*;
use parcours_engine::env::{Device, Env, Page};
use parcours_engine::error::RuleErrorKind;
use parcours_engine::event::{Event, EventKind};
use parcours_engine::{Exposures, Trigger, Value, Visitor};
use serde_json::json;

fn landing(device: &str, channel: &str, pageviews: u32) -> Value {
    ctx(
        "v1",
        json!({
            "device": { "type": device, "language": "fr-FR" },
            "session": { "channel": channel, "pageviews": pageviews },
        }),
    )
}

fn placements(e: &parcours_engine::Engine, c: &Value) -> Vec<(String, String, Option<String>)> {
    e.decide_context(c, &Exposures::default(), "s1", NOW, 0, &Trigger::PageView)
        .into_iter()
        .map(|d| (d.campaign_id, d.placement, d.position))
        .collect()
}

fn banner(id: &str) -> (String, String, Option<String>) {
    (id.into(), "banner".into(), Some("bottom".into()))
}

fn popin(id: &str) -> (String, String, Option<String>) {
    (id.into(), "popin".into(), None)
}

#[test]
fn a_popin_on_a_phone_landing_from_search_is_a_bottom_banner() {
    let e = engine(json!({ "campaigns": [campaign("welcome", json!({}))] }));
    assert_eq!(
        placements(&e, &landing("mobile", "organic", 1)),
        [banner("welcome")]
    );
}

#[test]
fn the_next_page_another_device_or_channel_keeps_the_popin() {
    let e = engine(json!({ "campaigns": [campaign("welcome", json!({}))] }));
    assert_eq!(
        placements(&e, &landing("mobile", "organic", 2)),
        [popin("welcome")]
    );
    assert_eq!(
        placements(&e, &landing("desktop", "organic", 1)),
        [popin("welcome")]
    );
    assert_eq!(
        placements(&e, &landing("tablet", "organic", 1)),
        [popin("welcome")]
    );
    assert_eq!(
        placements(&e, &landing("mobile", "paid", 1)),
        [popin("welcome")]
    );
    assert_eq!(
        placements(&e, &landing("mobile", "direct", 1)),
        [popin("welcome")]
    );
}

#[test]
fn a_campaign_that_allows_interstitials_stays_a_popin() {
    let e = engine(json!({ "campaigns": [campaign("legal", json!({ "interstitial": "allow" }))] }));
    assert_eq!(
        placements(&e, &landing("mobile", "organic", 1)),
        [popin("legal")]
    );
    let e =
        engine(json!({ "campaigns": [campaign("welcome", json!({ "interstitial": "avoid" }))] }));
    assert_eq!(
        placements(&e, &landing("mobile", "organic", 1)),
        [banner("welcome")],
        "`avoid` is the default, written out"
    );
}

#[test]
fn slots_banners_and_headless_campaigns_are_untouched() {
    let e = engine(json!({ "campaigns": [
        campaign("top", json!({ "placement": { "type": "banner", "position": "top" } })),
        campaign("hero", json!({ "placement": { "type": "slot", "selector": "#hero" } })),
        campaign("api", json!({ "placement": "none" })),
    ]}));
    let got = placements(&e, &landing("mobile", "organic", 1));
    let kinds: Vec<(&str, &str)> = got
        .iter()
        .map(|(c, p, _)| (c.as_str(), p.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [("api", "none"), ("hero", "slot"), ("top", "banner")]
    );
    assert_eq!(got[2].2.as_deref(), Some("top"));
}

#[test]
fn a_popin_turned_banner_competes_for_the_bottom_banner_not_the_popin() {
    // On such a page the pop-in takes the bottom banner's place: the
    // higher-priority one wins it, and the other pop-in (allowed to stay
    // one) still shows as the page's pop-in.
    let e = engine(json!({
        "pressure": { "max_per_session": 5 },
        "campaigns": [
            campaign("welcome", json!({ "priority": 3 })),
            campaign("bar", json!({ "priority": 2, "placement": "banner" })),
            campaign("legal", json!({ "priority": 1, "interstitial": "allow" })),
        ]
    }));
    assert_eq!(
        placements(&e, &landing("mobile", "organic", 1)),
        [banner("welcome"), popin("legal")]
    );
    let why = e.explain_context(
        &landing("mobile", "organic", 1),
        &Exposures::default(),
        "s1",
        NOW,
        0,
        &Trigger::PageView,
    );
    let bar = why
        .iter()
        .find(|x| x.campaign_id == "bar")
        .unwrap()
        .to_value();
    assert_eq!(bar.get_dotted("reason.step").as_str(), Some("priority"));
    assert_eq!(bar.get_dotted("reason.lost_to").as_str(), Some("welcome"));
    // Elsewhere the two pop-ins compete for the pop-in and the banner shows.
    assert_eq!(
        placements(&e, &landing("mobile", "organic", 2)),
        [popin("welcome"), banner("bar")]
    );
}

#[test]
fn explain_says_the_popin_shows_as_a_banner() {
    let e = engine(json!({ "campaigns": [
        campaign("welcome", json!({})),
        campaign("legal", json!({ "interstitial": "allow", "priority": -1 })),
    ]}));
    let why = |c: &Value| -> Vec<Value> {
        e.explain_context(c, &Exposures::default(), "s1", NOW, 0, &Trigger::PageView)
            .iter()
            .map(|x| x.to_value())
            .collect()
    };
    let landing_page = why(&landing("mobile", "organic", 1));
    assert_eq!(
        landing_page[0].get_dotted("placement").as_str(),
        Some("banner")
    );
    assert_eq!(
        landing_page[0].get_dotted("interstitial").as_str(),
        Some("avoided")
    );
    // The welcome pop-in became a banner, so the pop-in's place is free for
    // the campaign that allows interstitials.
    assert_eq!(
        landing_page[1].get_dotted("verdict").as_str(),
        Some("shown")
    );
    assert_eq!(
        landing_page[1].get_dotted("placement").as_str(),
        Some("popin")
    );
    assert!(landing_page[1].get("interstitial").is_none());
    let next_page = why(&landing("mobile", "organic", 2));
    assert_eq!(next_page[0].get_dotted("placement").as_str(), Some("popin"));
    assert!(next_page[0].get("interstitial").is_none());
    assert_eq!(
        next_page[1].get_dotted("reason.lost_to").as_str(),
        Some("welcome")
    );
}

#[test]
fn an_unknown_interstitial_rule_is_an_error_with_its_path() {
    let errs = errors(json!({ "campaigns": [
        campaign("ok", json!({ "interstitial": "allow" })),
        campaign("bad", json!({ "interstitial": "never" })),
        campaign("typed", json!({ "interstitial": true })),
    ]}));
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert_eq!(errs[0].path, "$.campaigns[1].interstitial");
    assert_eq!(errs[0].kind, RuleErrorKind::Invalid);
    assert!(
        errs[0].message.contains("avoid, allow"),
        "{}",
        errs[0].message
    );
    assert_eq!(errs[1].path, "$.campaigns[2].interstitial");
    assert_eq!(
        errs[1].kind,
        RuleErrorKind::WrongType { expected: "string" }
    );
}

fn page_env(at_ms: f64, path: &str, referrer: &str) -> Env {
    Env {
        now_ms: at_ms,
        tz_offset_min: 0,
        page: Page {
            url: ["https://shop.example", path].concat(),
            path: path.into(),
            query: String::new(),
            title: String::new(),
            referrer: referrer.into(),
        },
        device: Device {
            kind: "mobile".into(),
            language: "en".into(),
        },
    }
}

fn page_view(at_ms: f64) -> Event {
    Event {
        kind: EventKind::Page,
        name: String::new(),
        properties: Value::object(),
        at_ms,
    }
}

#[test]
fn a_visit_from_google_on_a_phone_gets_a_banner_then_popins() {
    let e = engine(json!({ "campaigns": [campaign("welcome", json!({}))] }));
    let mut visitor = Visitor::new("v1".into(), NOW);
    let first = page_env(NOW, "/", "https://www.google.com/");
    e.record(&mut visitor, &page_view(NOW), &first);
    let d = e.decide(&visitor, &first, &Trigger::PageView);
    assert_eq!(
        (d[0].placement.as_str(), d[0].position.as_deref()),
        ("banner", Some("bottom"))
    );

    let second = page_env(NOW + 60_000.0, "/products", "https://shop.example/");
    e.record(&mut visitor, &page_view(NOW + 60_000.0), &second);
    let d = e.decide(&visitor, &second, &Trigger::PageView);
    assert_eq!(d[0].placement, "popin", "the second page of the visit");
}

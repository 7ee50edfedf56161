use super::*;
use crate::env::Page;
use crate::error::RuleErrorKind;
use crate::time::{parse_iso8601, DAY_MS};
use proptest::prelude::*;

const MIN: f64 = 60_000.0;

fn t0() -> f64 {
    parse_iso8601("2026-11-24T10:00:00Z").unwrap_or(0.0)
}

fn env_at(now_ms: f64, url: &str, referrer: &str) -> Env {
    let path = url
        .split("//")
        .nth(1)
        .and_then(|r| r.find('/').map(|i| &r[i..]))
        .unwrap_or("/");
    Env {
        now_ms,
        tz_offset_min: 60,
        page: Page {
            url: url.into(),
            path: path.split('?').next().unwrap_or("/").into(),
            referrer: referrer.into(),
            ..Page::default()
        },
        ..Env::default()
    }
}

fn page_at(at_ms: f64) -> Event {
    Event {
        kind: EventKind::Page,
        name: String::new(),
        properties: Value::object(),
        at_ms,
    }
}

fn view(p: &mut Profile, at: f64, url: &str, referrer: &str) -> Vec<Event> {
    p.record(
        &page_at(at),
        &env_at(at, url, referrer),
        &ProfileRules::default(),
    )
}

const SHOP: &str = "https://shop.example/";

#[test]
fn first_event_starts_a_session_and_derives_session_started() {
    let mut p = Profile::new("a".into(), t0());
    assert_eq!(p.current_session_id(), "");
    let derived = view(
        &mut p,
        t0(),
        "https://shop.example/?utm_medium=qr&utm_source=store_12",
        "",
    );
    assert_eq!(derived.len(), 1);
    assert_eq!(derived[0].name, SESSION_STARTED);
    assert_eq!(
        derived[0].properties.get_dotted("channel").as_str(),
        Some("store_qr")
    );
    assert_eq!(
        derived[0].properties.get_dotted("utm.source").as_str(),
        Some("store_12")
    );
    assert_eq!(
        derived[0].properties.get_dotted("landing_path").as_str(),
        Some("/")
    );
    assert_eq!(p.history().len(), 2);
    assert_eq!(p.visits(), 1);
    assert!(!p.current_session_id().is_empty());
}

#[test]
fn session_continues_within_thirty_minutes() {
    let mut p = Profile::new("a".into(), t0());
    view(&mut p, t0(), SHOP, "");
    let id = p.current_session_id().to_owned();
    assert!(view(&mut p, t0() + 29.0 * MIN, SHOP, SHOP).is_empty());
    assert_eq!(p.current_session_id(), id);
    assert_eq!(p.session().map(|s| s.pageviews), Some(2));
}

#[test]
fn session_restarts_after_thirty_minutes_idle() {
    let mut p = Profile::new("a".into(), t0());
    view(&mut p, t0(), SHOP, "");
    let id = p.current_session_id().to_owned();
    assert_eq!(view(&mut p, t0() + 30.0 * MIN, SHOP, SHOP).len(), 1);
    assert_ne!(p.current_session_id(), id);
    assert_eq!(p.visits(), 2);
}

#[test]
fn midnight_starts_a_new_session() {
    let mut p = Profile::new("a".into(), t0());
    // 22:50 UTC is 23:50 in Paris (+60); 23:05 UTC is 00:05 the next day.
    let late = parse_iso8601("2026-11-24T22:50:00Z").unwrap_or(0.0);
    view(&mut p, late, SHOP, "");
    assert_eq!(view(&mut p, late + 15.0 * MIN, SHOP, SHOP).len(), 1);
}

#[test]
fn new_campaign_source_starts_a_new_session_but_internal_navigation_does_not() {
    let mut p = Profile::new("a".into(), t0());
    view(&mut p, t0(), SHOP, "https://www.google.com/");
    assert!(view(&mut p, t0() + MIN, "https://shop.example/p", SHOP).is_empty());
    assert!(view(&mut p, t0() + 2.0 * MIN, "https://shop.example/p", "").is_empty());
    let again = view(
        &mut p,
        t0() + 3.0 * MIN,
        "https://shop.example/?utm_source=nl&utm_medium=email&utm_campaign=noel",
        "",
    );
    assert_eq!(again.len(), 1);
    assert_eq!(p.session().map(|s| s.channel.as_str()), Some("email"));
    assert!(view(
        &mut p,
        t0() + 4.0 * MIN,
        "https://shop.example/?utm_source=nl&utm_medium=email&utm_campaign=noel",
        ""
    )
    .is_empty());
}

#[test]
fn days_since_previous_counts_from_the_previous_session() {
    let mut p = Profile::new("a".into(), t0());
    view(&mut p, t0(), SHOP, "");
    assert_eq!(p.days_since_previous(t0() + MIN, 60), None);
    assert_eq!(p.days_since_previous(t0() + 5.0 * DAY_MS, 60), Some(5));
    view(&mut p, t0() + 5.0 * DAY_MS, SHOP, "");
    assert_eq!(
        p.days_since_previous(t0() + 5.0 * DAY_MS + MIN, 60),
        Some(5)
    );
}

#[test]
fn identify_with_another_user_asks_for_a_reset_and_changes_nothing() {
    let mut p = Profile::new("a".into(), t0());
    let mut traits = Map::new();
    traits.insert("first_name".into(), "Léa".into());
    assert!(!p.identify("u1", &traits, t0()));
    assert!(!p.identify("u1", &Map::new(), t0()));
    assert!(p.identify("u2", &Map::new(), t0()));
    assert_eq!(p.user_id.as_deref(), Some("u1"));
    assert_eq!(p.traits.get("first_name"), Some(&Value::from("Léa")));
}

#[test]
fn adopting_an_anonymous_id_remembers_the_old_one() {
    let mut p = Profile::new("a".into(), t0());
    p.adopt_anonymous_id("b".into());
    p.adopt_anonymous_id("b".into());
    assert_eq!(
        (p.anonymous_id.as_str(), p.previous_anonymous_ids.clone()),
        ("b", vec!["a".to_owned()])
    );
}

#[test]
fn profile_round_trips_through_its_value() {
    let mut p = Profile::new("a".into(), t0());
    p.identify("u1", &Map::new(), t0());
    view(&mut p, t0(), "https://shop.example/?gclid=x", "");
    view(&mut p, t0() + 2.0 * DAY_MS, SHOP, "https://t.co/x");
    let back = Profile::from_value(&p.to_value(), t0());
    assert_eq!(back.as_ref().map(Profile::to_value), Some(p.to_value()));
}

#[test]
fn changed_trait_definitions_are_rebuilt_once_from_history() {
    let mut p = Profile::new("a".into(), t0());
    view(&mut p, t0(), SHOP, "");
    view(&mut p, t0() + DAY_MS, SHOP, "");
    let def = TraitDef {
        event: Some(SESSION_STARTED.into()),
        ..TraitDef::new("sessions", computed::Aggregate::Count)
    };
    let rules = ProfileRules::new(
        vec![def],
        LifecycleRules::default(),
        HistoryRules::default(),
    );
    let (values, _) = p.computed_and_stage(&rules, t0() + DAY_MS, 60);
    assert_eq!(values.get("sessions"), Some(&Value::Number(2.0)));
    p.sync_rules(&rules);
    assert!(p.computed.is_for(rules.fingerprint(), &rules.defs));
}

#[test]
fn customer_without_purchase_for_seventy_days_is_at_risk() {
    let rules = ProfileRules::default();
    let mut p = Profile::new("a".into(), t0());
    let order = Event {
        kind: EventKind::Track,
        name: "Order Completed".into(),
        properties: Value::object(),
        at_ms: t0(),
    };
    p.record(&order, &env_at(t0(), SHOP, ""), &rules);
    assert_eq!(p.lifecycle(&rules, t0(), 60), Stage::Customer);
    view(&mut p, t0() + 70.0 * DAY_MS, SHOP, "");
    assert_eq!(p.lifecycle(&rules, t0() + 70.0 * DAY_MS, 60), Stage::AtRisk);
    assert_eq!(
        p.lifecycle(&rules, t0() + 200.0 * DAY_MS, 60),
        Stage::Lapsed
    );
}

fn doc(json: &str) -> Value {
    serde_json::from_str(json).unwrap_or_default()
}

fn decode(json: &str) -> (ProfileRules, Vec<RuleError>, Vec<RuleError>) {
    let v = doc(json);
    let (mut errors, mut warnings) = (Vec::new(), Vec::new());
    let obj = Obj::new(&v, "$", &mut errors);
    let rules = obj.map_or_else(ProfileRules::default, |o| {
        ProfileRules::from_doc(&o, &crate::regex::EcmaRegex, &mut errors, &mut warnings)
    });
    (rules, errors, warnings)
}

#[test]
fn from_doc_reads_the_spec_sketch() {
    let (rules, errors, warnings) = decode(
        r#"{"traits": [
            { "id": "purchases_90d", "event": "Order Completed", "aggregate": "count", "window_days": 90 },
            { "id": "spend_365d", "event": "Order Completed", "aggregate": "sum", "property": "revenue", "window_days": 365 },
            { "id": "top_category", "event": "Product Viewed", "aggregate": "most_frequent", "property": "category", "window_days": 30 },
            { "id": "preferred_channel", "event": "Session Started", "aggregate": "most_frequent", "property": "channel" },
            { "id": "days_to_birthday", "aggregate": "days_until_anniversary", "trait": "birthday" }
        ], "lifecycle": {"at_risk_days": 45}, "history": {"max_events": 5000}}"#,
    );
    assert_eq!(errors, []);
    assert_eq!(warnings, []);
    let ids: Vec<&str> = rules.trait_ids().collect();
    assert_eq!(
        ids,
        [
            "purchases_90d",
            "spend_365d",
            "top_category",
            "preferred_channel",
            "days_to_birthday"
        ]
    );
    assert_eq!(
        (rules.lifecycle().at_risk_days, rules.history().max_events),
        (45, 5000)
    );
}

#[test]
fn from_doc_reports_every_error_with_its_path() {
    let (rules, errors, warnings) = decode(
        r#"{"traits": [
            { "id": "a", "aggregate": "count" },
            { "id": "b", "aggregate": "median", "property": "x" },
            { "id": "c", "aggregate": "sum" },
            { "id": "a", "aggregate": "count" },
            { "id": "d", "aggregate": "count", "window_days": 0 },
            { "id": "e", "aggregate": "count", "colour": "red" },
            { "id": "f.g", "aggregate": "count" },
            { "id": "h", "aggregate": "days_until_anniversary" },
            { "id": "i", "aggregate": "count", "window_days": 500 },
            7
        ], "lifecycle": {"lapsed_days": -1, "x": 1}, "history": {"max_age_days": 1.5}}"#,
    );
    let got: Vec<(String, RuleErrorKind)> = errors
        .iter()
        .map(|e| (e.path.clone(), e.kind.clone()))
        .collect();
    for (path, kind) in [
        ("$.traits[1].aggregate", RuleErrorKind::Invalid),
        ("$.traits[2].property", RuleErrorKind::Missing),
        ("$.traits[3].id", RuleErrorKind::Duplicate),
        ("$.traits[4].window_days", RuleErrorKind::Invalid),
        ("$.traits[5].colour", RuleErrorKind::UnknownField),
        ("$.traits[6].id", RuleErrorKind::Invalid),
        ("$.traits[7].trait", RuleErrorKind::Missing),
        (
            "$.traits[9]",
            RuleErrorKind::WrongType { expected: "object" },
        ),
        ("$.lifecycle.lapsed_days", RuleErrorKind::Invalid),
        ("$.lifecycle.x", RuleErrorKind::UnknownField),
        ("$.history.max_age_days", RuleErrorKind::Invalid),
    ] {
        assert!(
            got.contains(&(path.to_owned(), kind.clone())),
            "missing {path} {kind:?} in {got:?}"
        );
    }
    assert_eq!(got.len(), 11, "{got:?}");
    assert_eq!(
        warnings.iter().map(|w| w.path.as_str()).collect::<Vec<_>>(),
        ["$.traits[8].window_days"]
    );
    assert_eq!(rules.trait_ids().collect::<Vec<_>>(), ["a", "i"]);
}

fn arb_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<f64>().prop_map(Value::Number),
        "[a-z_]{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::btree_map("[a-z_]{1,12}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn from_value_survives_arbitrary_garbage(v in arb_value(), field in 0usize..12, junk in arb_value()) {
        let _ = Profile::from_value(&v, t0());
        // Corrupt one field of a real profile at a time: the rest must survive.
        let mut p = Profile::new("a".into(), t0());
        view(&mut p, t0(), SHOP, "");
        let mut stored = p.to_value();
        let key = stored.as_object().and_then(|m| m.keys().nth(field).cloned()).unwrap_or_default();
        if key != "anonymous_id" {
            stored.insert(key, junk);
            let back = Profile::from_value(&stored, t0());
            prop_assert!(back.is_some());
            if let Some(mut back) = back {
                let rules = ProfileRules::default();
                let _ = crate::context::build(&back, &env_at(t0() + DAY_MS, SHOP, ""), &rules, None);
                let _ = back.record(&page_at(t0() + DAY_MS), &env_at(t0() + DAY_MS, SHOP, ""), &rules);
            }
        }
    }
}

//! A realistic journey through the profile and the evaluation context:
//! a first visit from a store QR code, product views, a purchase, seventy
//! days away (at risk), a birthday, and a large history staying cheap.

use std::time::Instant;

use parcours_engine::context::build;
use parcours_engine::decode::Obj;
use parcours_engine::env::{Device, Env, Page};
use parcours_engine::event::{Event, EventKind};
use parcours_engine::profile::{Profile, ProfileRules};
use parcours_engine::regex::EcmaRegex;
use parcours_engine::time::{parse_iso8601, DAY_MS};
use parcours_engine::value::{Map, Value};

const RULES: &str = r#"{
  "traits": [
    { "id": "purchases_90d", "event": "Order Completed", "aggregate": "count", "window_days": 90 },
    { "id": "spend_365d", "event": "Order Completed", "aggregate": "sum", "property": "revenue", "window_days": 365 },
    { "id": "top_category", "event": "Product Viewed", "aggregate": "most_frequent", "property": "category", "window_days": 30 },
    { "id": "preferred_channel", "event": "Session Started", "aggregate": "most_frequent", "property": "channel" },
    { "id": "days_to_birthday", "aggregate": "days_until_anniversary", "trait": "birthday" },
    { "id": "days_to_first_order_anniversary", "event": "Order Completed", "aggregate": "days_until_anniversary" },
    { "id": "days_since_order", "event": "Order Completed", "aggregate": "days_since" }
  ]
}"#;

fn rules() -> ProfileRules {
    let doc: Value = serde_json::from_str(RULES).expect("rules JSON");
    let (mut errors, mut warnings) = (Vec::new(), Vec::new());
    let obj = Obj::new(&doc, "$", &mut errors).expect("object");
    let rules = ProfileRules::from_doc(&obj, &EcmaRegex, &mut errors, &mut warnings);
    assert!(
        errors.is_empty() && warnings.is_empty(),
        "{errors:?} {warnings:?}"
    );
    rules
}

fn env(now_ms: f64, url: &str, referrer: &str) -> Env {
    let after_host = url.splitn(4, '/').nth(3).unwrap_or("");
    let (path, query) = after_host.split_once('?').unwrap_or((after_host, ""));
    Env {
        now_ms,
        tz_offset_min: 60,
        page: Page {
            url: url.into(),
            path: format!("/{path}"),
            query: query.into(),
            title: "Boutique".into(),
            referrer: referrer.into(),
        },
        device: Device {
            kind: "mobile".into(),
            language: "fr-FR".into(),
        },
    }
}

fn track(name: &str, props: &[(&str, Value)], at_ms: f64) -> Event {
    let properties = Value::from_pairs(props.iter().map(|(k, v)| (*k, v.clone())));
    Event {
        kind: EventKind::Track,
        name: name.into(),
        properties,
        at_ms,
    }
}

fn page(at_ms: f64) -> Event {
    Event {
        kind: EventKind::Page,
        name: String::new(),
        properties: Value::object(),
        at_ms,
    }
}

const MIN: f64 = 60_000.0;

#[test]
fn qr_visitor_buys_then_goes_quiet_and_becomes_at_risk() {
    let rules = rules();
    let t0 = parse_iso8601("2026-03-10T09:00:00Z").expect("date");
    let mut p = Profile::new("anon-1".into(), t0);

    // First visit from a QR code in the store.
    let qr = env(
        t0,
        "https://shop.example/?utm_source=store_paris&utm_medium=qr",
        "",
    );
    let derived = p.record(&page(t0), &qr, &rules);
    assert_eq!(derived.len(), 1);
    let ctx = build(&p, &qr, &rules, Some(&page(t0)));
    assert_eq!(ctx.get_dotted("session.channel").as_str(), Some("store_qr"));
    assert_eq!(ctx.get_dotted("session.is_first"), &Value::Bool(true));
    assert_eq!(
        ctx.get_dotted("session.utm.source").as_str(),
        Some("store_paris")
    );
    assert!(ctx.get_dotted("session.utm.campaign").is_null());
    assert_eq!(ctx.get_dotted("lifecycle").as_str(), Some("new"));
    assert_eq!(
        ctx.get_dotted("visit.first_seen").as_str(),
        Some("2026-03-10")
    );
    assert_eq!(ctx.get_dotted("event.type").as_str(), Some("page"));
    assert_eq!(ctx.get_dotted("now.hour").as_f64(), Some(10.0));

    // Product views, then a purchase.
    let mut t = t0;
    for cat in ["shoes", "bags", "shoes"] {
        t += 2.0 * MIN;
        let e = env(
            t,
            "https://shop.example/products/x",
            "https://shop.example/",
        );
        p.record(&page(t), &e, &rules);
        p.record(
            &track("Product Viewed", &[("category", cat.into())], t),
            &e,
            &rules,
        );
    }
    t += 5.0 * MIN;
    let checkout = env(
        t,
        "https://shop.example/checkout",
        "https://shop.example/cart",
    );
    let order = track(
        "Order Completed",
        &[("order_id", "o1".into()), ("revenue", 120.0.into())],
        t,
    );
    assert!(p.record(&order, &checkout, &rules).is_empty());
    let mut traits = Map::new();
    traits.insert("birthday".into(), "1990-03-15".into());
    assert!(!p.identify("u-42", &traits, t));

    let ctx = build(&p, &checkout, &rules, Some(&order));
    assert_eq!(ctx.get_dotted("user_id").as_str(), Some("u-42"));
    assert_eq!(ctx.get_dotted("computed.purchases_90d").as_f64(), Some(1.0));
    assert_eq!(ctx.get_dotted("computed.spend_365d").as_f64(), Some(120.0));
    assert_eq!(
        ctx.get_dotted("computed.top_category").as_str(),
        Some("shoes")
    );
    assert_eq!(
        ctx.get_dotted("computed.preferred_channel").as_str(),
        Some("store_qr")
    );
    assert_eq!(
        ctx.get_dotted("computed.days_to_birthday").as_f64(),
        Some(5.0)
    );
    assert_eq!(
        ctx.get_dotted("computed.days_to_first_order_anniversary")
            .as_f64(),
        Some(365.0)
    );
    assert_eq!(ctx.get_dotted("lifecycle").as_str(), Some("customer"));
    assert_eq!(ctx.get_dotted("session.pageviews").as_f64(), Some(4.0));
    assert_eq!(ctx.get_dotted("session.duration_s").as_f64(), Some(660.0));
    assert_eq!(
        ctx.get_dotted("event.properties.order_id").as_str(),
        Some("o1")
    );

    // Seventy days away; back through a newsletter.
    let back = t + 70.0 * DAY_MS;
    let nl = env(
        back,
        "https://shop.example/?utm_source=nl&utm_medium=email&utm_campaign=printemps",
        "",
    );
    let derived = p.record(&page(back), &nl, &rules);
    assert_eq!(
        derived[0].properties.get_dotted("channel").as_str(),
        Some("email")
    );
    let ctx = build(&p, &nl, &rules, None);
    assert_eq!(ctx.get_dotted("lifecycle").as_str(), Some("at_risk"));
    assert_eq!(ctx.get_dotted("visit.count").as_f64(), Some(2.0));
    assert_eq!(
        ctx.get_dotted("visit.days_since_previous").as_f64(),
        Some(70.0)
    );
    assert_eq!(
        ctx.get_dotted("visit.days_since_first").as_f64(),
        Some(70.0)
    );
    assert_eq!(ctx.get_dotted("session.is_first"), &Value::Bool(false));
    assert_eq!(ctx.get_dotted("computed.purchases_90d").as_f64(), Some(1.0));
    assert_eq!(
        ctx.get_dotted("computed.days_since_order").as_f64(),
        Some(70.0)
    );
    // Windows slide with time, without new events.
    let later = env(back + 25.0 * DAY_MS, "https://shop.example/", "");
    let ctx = build(&p, &later, &rules, None);
    assert_eq!(ctx.get_dotted("computed.purchases_90d").as_f64(), Some(0.0));
    assert!(ctx.get_dotted("computed.top_category").is_null());

    // Storage round trip keeps every value.
    let stored = Profile::from_value(&p.to_value(), back).expect("profile");
    assert_eq!(build(&stored, &later, &rules, None), ctx);
}

#[test]
fn a_five_thousand_event_history_keeps_recording_and_building_cheap() {
    let mut doc = String::from(r#"{"history": {"max_events": 5000}, "traits": ["#);
    let aggs = [
        "count",
        "sum",
        "most_frequent",
        "count_distinct",
        "max",
        "avg",
        "last",
        "days_since",
    ];
    for i in 0..50 {
        let agg = aggs[i % aggs.len()];
        let window = if i % 2 == 0 {
            r#", "window_days": 90"#
        } else {
            ""
        };
        doc.push_str(&format!(
            r#"{}{{"id": "t{i}", "event": "Product Viewed", "aggregate": "{agg}", "property": "price"{window}}}"#,
            if i == 0 { "" } else { "," }
        ));
    }
    doc.push_str("]}");
    let doc: Value = serde_json::from_str(&doc).expect("json");
    let (mut errors, mut warnings) = (Vec::new(), Vec::new());
    let obj = Obj::new(&doc, "$", &mut errors).expect("object");
    let rules = ProfileRules::from_doc(&obj, &EcmaRegex, &mut errors, &mut warnings);
    assert!(errors.is_empty(), "{errors:?}");

    let t0 = parse_iso8601("2026-01-01T08:00:00Z").expect("date");
    let mut p = Profile::new("anon".into(), t0);
    let mut t = t0;
    for i in 0..5000 {
        t += 90.0 * MIN;
        let e = env(
            t,
            "https://shop.example/products/x",
            "https://shop.example/",
        );
        p.record(
            &track("Product Viewed", &[("price", f64::from(i % 97).into())], t),
            &e,
            &rules,
        );
    }
    assert_eq!(p.history().len(), 5000);
    let e = env(
        t,
        "https://shop.example/products/x",
        "https://shop.example/",
    );
    let n = 200;
    let start = Instant::now();
    for i in 0..n {
        let at = t + f64::from(i);
        p.record(
            &track("Product Viewed", &[("price", 10.0.into())], at),
            &e,
            &rules,
        );
        let _ = build(&p, &e, &rules, None);
    }
    let per = start.elapsed() / n;
    let s2 = Instant::now();
    for _ in 0..n {
        let _ = build(&p, &e, &rules, None);
    }
    eprintln!("build alone: {:?}", s2.elapsed() / n);
    eprintln!("record + build with 50 traits over 5,000 events: {per:?}");
    // Generous bound for unoptimised debug builds on a shared machine.
    assert!(per.as_millis() < 20, "{per:?}");
}

#[test]
fn a_store_purchase_learnt_from_the_server_counts_once_and_makes_a_customer() {
    use parcours_engine::profile::RemoteEvent;
    let rules = rules();
    let t0 = parse_iso8601("2026-03-10T09:00:00Z").expect("date");
    let mut p = Profile::new("anon-1".into(), t0);
    let web = env(t0, "https://shop.example/", "");
    p.record(&page(t0), &web, &rules);
    p.record(&page(t0 + 5.0 * MIN), &web, &rules);
    let ctx = build(&p, &web, &rules, None);
    assert_eq!(ctx.get_dotted("lifecycle").as_str(), Some("new"));

    // Bought in the store between the two page views; learnt later.
    let store = RemoteEvent {
        message_id: "pos-1".into(),
        event: track(
            "Order Completed",
            &[("revenue", Value::Number(80.0))],
            t0 + MIN,
        ),
    };
    assert_eq!(p.merge_remote(std::slice::from_ref(&store), 60, &rules), 1);
    let names: Vec<&str> = p.history().iter().map(|e| e.name()).collect();
    assert_eq!(names, ["Session Started", "", "Order Completed", ""]);
    let now = env(t0 + 10.0 * MIN, "https://shop.example/", "");
    let ctx = build(&p, &now, &rules, None);
    assert_eq!(ctx.get_dotted("lifecycle").as_str(), Some("customer"));
    assert_eq!(ctx.get_dotted("computed.purchases_90d").as_f64(), Some(1.0));
    assert_eq!(ctx.get_dotted("computed.spend_365d").as_f64(), Some(80.0));
    // Sessions and visits stay this browser's.
    assert_eq!(ctx.get_dotted("visit.count").as_f64(), Some(1.0));

    // The same profile fetched again, or from storage: nothing twice.
    let stored = Profile::from_value(&p.to_value(), t0).expect("profile");
    let mut p = stored;
    assert_eq!(p.merge_remote(&[store], 60, &rules), 0);
    let ctx = build(&p, &now, &rules, None);
    assert_eq!(ctx.get_dotted("computed.purchases_90d").as_f64(), Some(1.0));
}

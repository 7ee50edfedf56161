//! Deciding at scale: 200 campaigns, 200 segments, 50 computed traits and a
//! visitor with a 5,000-event history, all generated deterministically.
//!
//! `CARGO_TARGET_DIR=… cargo bench -p parcours-engine --bench decide`

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use parcours_engine::regex::EcmaRegex;
use parcours_engine::{Engine, Env, Event, EventKind, Page, Trigger, Value, Visitor};

/// 2026-11-24T10:00:00Z.
const NOW: f64 = 1_795_514_400_000.0;
const EVENTS: [&str; 5] = [
    "Product Viewed",
    "Product Added",
    "Order Completed",
    "Cart Viewed",
    "Search",
];
const CATEGORIES: [&str; 6] = ["tshirts", "shoes", "hats", "bags", "socks", "coats"];

/// A small deterministic generator (xorshift).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn j(text: &str) -> Value {
    serde_json::from_str(text).expect("bench JSON")
}

fn rules(rng: &mut Rng) -> Value {
    let aggregates = ["count", "sum", "most_frequent", "max", "count_distinct"];
    let traits: Vec<String> = (0..50)
        .map(|i| {
            let agg = aggregates[i % aggregates.len()];
            let event = EVENTS[i % EVENTS.len()];
            let prop = if agg == "count" { String::new() } else if agg == "most_frequent" || agg == "count_distinct" {
                r#", "property": "category""#.into()
            } else {
                r#", "property": "price""#.into()
            };
            let window = [7, 30, 90, 365][i % 4];
            format!(r#"{{ "id": "t{i}", "event": "{event}", "aggregate": "{agg}"{prop}, "window_days": {window} }}"#)
        })
        .collect();
    let segments: Vec<String> = (0..200)
        .map(|i| {
            let t = rng.below(50);
            let cond = match t % 5 {
                0 | 4 => format!(r#"{{ "computed.t{t}": {{ "$gte": {} }} }}"#, rng.below(40)),
                1 | 3 => format!(
                    r#"{{ "computed.t{t}": {{ "$gt": {} }}, "device.type": "desktop" }}"#,
                    rng.below(500)
                ),
                _ => format!(
                    r#"{{ "computed.t{t}": {{ "$in": ["{}", "{}"] }} }}"#,
                    CATEGORIES[(i % 6) as usize],
                    CATEGORIES[((i + 1) % 6) as usize]
                ),
            };
            format!(r#"{{ "id": "s{i}", "condition": {cond} }}"#)
        })
        .collect();
    let placements = [
        r#""popin""#,
        r#""banner""#,
        r##"{ "type": "slot", "selector": "#s" }"##,
        r#""none""#,
    ];
    let campaigns: Vec<String> = (0..200)
        .map(|i| {
            let trigger = if i % 4 == 0 { r#"{ "on": "scroll", "percent": 50 }"# } else { r#"{ "on": "page_view" }"# };
            format!(
                r#"{{ "id": "c{i}", "trigger": {trigger}, "placement": {p}, "priority": {prio}, "holdout_percent": 10,
                    "audience": {{ "segments": {{ "any": ["s{a}", "s{b}"], "none": ["s{c}"] }}, "condition": {{ "page.path": {{ "$regex": "^/(products|cart)" }} }} }},
                    "frequency": {{ "max_impressions": 5, "max_per_session": 1, "min_interval_hours": 12 }},
                    "variants": [
                        {{ "id": "a", "weight": 50, "content": {{ "title": "Hi {{{{ traits.first_name | default: \"there\" }}}}", "body": "{{{{ offer.code }}}}", "cta": {{ "label": "Go", "url": "/p" }} }} }},
                        {{ "id": "b", "weight": 50, "content": {{ "title": "Hello", "cta": {{ "label": "See", "url": "/q" }} }} }}
                    ],
                    "offer": {{ "code": "C{i}" }} }}"#,
                p = placements[i % 4],
                prio = rng.below(100),
                a = rng.below(200),
                b = rng.below(200),
                c = rng.below(200),
            )
        })
        .collect();
    j(&format!(
        r#"{{ "version": "bench", "history": {{ "max_events": 6000, "max_age_days": 400 }},
            "pressure": {{ "max_per_session": 2, "max_per_day": 4, "min_gap_minutes": 5 }},
            "traits": [{}], "segments": [{}], "campaigns": [{}] }}"#,
        traits.join(","),
        segments.join(","),
        campaigns.join(",")
    ))
}

fn env(now: f64) -> Env {
    Env {
        now_ms: now,
        tz_offset_min: 60,
        page: Page {
            url: "https://shop.example/products/x".into(),
            path: "/products/x".into(),
            ..Page::default()
        },
        ..Env::default()
    }
}

fn visitor(engine: &Engine, rng: &mut Rng) -> Visitor {
    let mut v = Visitor::new("anon-bench".into(), NOW - 300.0 * 86_400_000.0);
    for i in 0..5000u32 {
        // Sessions of 10 events, two minutes apart, every half day.
        let at = NOW - 260.0 * 86_400_000.0
            + f64::from(i / 10) * 43_200_000.0
            + f64::from(i % 10) * 120_000.0;
        let name = EVENTS[rng.below(5) as usize];
        let props = format!(
            r#"{{ "category": "{}", "price": {}, "revenue": {} }}"#,
            CATEGORIES[rng.below(6) as usize],
            rng.below(200),
            rng.below(300)
        );
        let event = Event {
            kind: EventKind::Track,
            name: name.into(),
            properties: j(&props),
            at_ms: at,
        };
        engine.record(&mut v, &event, &env(at));
    }
    v
}

fn bench(c: &mut Criterion) {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let engine = Engine::from_rules(&rules(&mut rng), &EcmaRegex).expect("bench rules are valid");
    let vis = visitor(&engine, &mut rng);
    let e = env(NOW);
    let ctx = engine.context(&vis, &e, None);
    let session = vis.profile.current_session_id().to_owned();
    eprintln!(
        "bench visitor: {} segments matched, {} decisions",
        engine.segments(&ctx).len(),
        engine.decide(&vis, &e, &Trigger::PageView).len()
    );
    c.bench_function(
        "decide page_view (visitor: context + segments + campaigns)",
        |b| b.iter(|| black_box(engine.decide(black_box(&vis), &e, &Trigger::PageView))),
    );
    c.bench_function("decide_context page_view (prebuilt context)", |b| {
        b.iter(|| {
            black_box(engine.decide_context(
                black_box(&ctx),
                &vis.exposures,
                &session,
                NOW,
                60,
                &Trigger::PageView,
            ))
        })
    });
    c.bench_function("explain page_view (visitor)", |b| {
        b.iter(|| black_box(engine.explain(black_box(&vis), &e, &Trigger::PageView)))
    });
    c.bench_function("segments (200)", |b| {
        b.iter(|| black_box(engine.segments(black_box(&ctx))))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);

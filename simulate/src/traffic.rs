//! One simulated visitor as the wire sees it: the batches its browser
//! sends, what the store's point of sale posts for it, and what the reports
//! must count for it ([`Tally`]).

use parcours_engine::assign::{Assignment, GLOBAL, HOLDOUT, TREATMENT};
use parcours_engine::campaign::Campaign;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

use crate::scenario::{self, GoalKind, Journey, Noise, Scenario, PLAIN_ORDER};

const HOUR: f64 = 3_600_000.0;
const DAY: f64 = 24.0 * HOUR;
/// The site-wide control group's window (the server's `global::WINDOW_DAYS`).
const GLOBAL_WINDOW: f64 = 30.0 * DAY;

const BROWSERS: &[&str] = &[
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.6; rv:133.0) Gecko/20100101 Firefox/133.0",
];
const BOT: &str = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";

/// What one visitor sends: its browser's batches in order, then the point
/// of sale's messages (posted with the source key).
#[derive(Debug, Default)]
pub struct Visit {
    /// Browser batches (each one `anonymousId`), in the order sent.
    pub web: Vec<Vec<Value>>,
    /// Point-of-sale messages (`userId` only, `context.channel: "store"`).
    pub store: Vec<Value>,
}

/// What the reports must count for one arm.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct ArmTally {
    /// Persons first exposed.
    pub exposed: u64,
    /// Of those, converted in the window.
    pub conversions: u64,
    /// Revenue of their goal events in the window.
    pub revenue: f64,
    /// `Promotion Viewed`.
    pub impressions: i64,
    /// `Promotion Clicked`.
    pub clicks: i64,
    /// `Promotion Dismissed`.
    pub dismissals: i64,
}

/// The counted traffic by `(campaign, arm)`; `global` for the control group.
#[derive(Debug, Default, Clone)]
pub struct Tally {
    /// Every arm that saw someone.
    pub arms: HashMap<(String, String), ArmTally>,
    /// Visitors simulated, of which bots and previews (never counted).
    pub visitors: u64,
    /// Bot visitors.
    pub bots: u64,
    /// Preview visitors.
    pub previews: u64,
    /// Messages sent.
    pub messages: u64,
}

impl Tally {
    fn arm(&mut self, campaign: &str, arm: &str) -> &mut ArmTally {
        self.arms
            .entry((campaign.to_owned(), arm.to_owned()))
            .or_default()
    }

    /// Adds another tally (from another worker).
    pub fn add(&mut self, o: &Tally) {
        for (k, v) in &o.arms {
            let a = self.arms.entry(k.clone()).or_default();
            a.exposed += v.exposed;
            a.conversions += v.conversions;
            a.revenue += v.revenue;
            a.impressions += v.impressions;
            a.clicks += v.clicks;
            a.dismissals += v.dismissals;
        }
        self.visitors += o.visitors;
        self.bots += o.bots;
        self.previews += o.previews;
        self.messages += o.messages;
    }
}

/// Where and when the simulation happens (the engine's compiled rules are
/// not `Sync`: one frame per sending thread).
pub struct Frame<'a> {
    /// The seed: the same seed gives the same visitors.
    pub seed: u64,
    /// First visits are spread over `[start_ms, start_ms + days)`.
    pub start_ms: f64,
    /// Days of first visits.
    pub days: u32,
    /// The rules' campaigns.
    pub campaigns: Vec<Campaign>,
    /// The rules' `global_holdout_percent`.
    pub global_percent: f64,
    /// What visitors do.
    pub scenario: &'a Scenario,
}

/// A message under construction.
struct Messages<'a> {
    anonymous_id: &'a str,
    context: Value,
    next: u32,
}

impl Messages<'_> {
    fn make(&mut self, kind: &str, at_ms: f64, extra: Value) -> Value {
        self.next += 1;
        let mut m = Map::new();
        m.insert("type".into(), kind.into());
        m.insert(
            "messageId".into(),
            format!("{}-{}", self.anonymous_id, self.next).into(),
        );
        m.insert("anonymousId".into(), self.anonymous_id.into());
        m.insert("timestamp".into(), iso(at_ms).into());
        m.insert("context".into(), self.context.clone());
        if let Value::Object(extra) = extra {
            m.extend(extra);
        }
        Value::Object(m)
    }

    fn track(&mut self, event: &str, at_ms: f64, properties: Value) -> Value {
        self.make(
            "track",
            at_ms,
            json!({ "event": event, "properties": properties }),
        )
    }
}

/// Visitor `n` of the frame: its messages, added to `tally` when countable.
pub fn visit(frame: &Frame, n: u64, tally: &mut Tally) -> Visit {
    let s = frame.scenario;
    let mut rng = ChaCha8Rng::seed_from_u64(frame.seed);
    rng.set_stream(n);
    let anonymous_id = format!("sim{}-{n:06}", frame.seed);
    let kind: f64 = rng.random();
    let (bot, preview) = (kind < s.bots, kind >= s.bots && kind < s.bots + s.previews);
    let counted = !bot && !preview;
    tally.visitors += 1;
    tally.bots += u64::from(bot);
    tally.previews += u64::from(preview);
    let journey = pick(&s.journeys, rng.random());
    let campaign = frame
        .campaigns
        .iter()
        .find(|c| c.id == journey.campaign)
        .expect("the scenario's campaigns are in the rules");
    let t0 = frame.start_ms + rng.random::<f64>() * f64::from(frame.days) * DAY;
    let qr = journey.campaign == "qr-store";
    let path = if qr {
        "/?utm_source=street&utm_medium=qr&utm_campaign=rue"
    } else {
        "/products.html"
    };
    let mut context = json!({
        "page": { "path": path.split('?').next(), "url": format!("https://maison-parcours.example{path}"), "referrer": "" },
        "userAgent": if bot { BOT } else { BROWSERS[rng.random_range(0..BROWSERS.len())] },
        "locale": "fr-FR",
        "library": { "name": "parcours", "version": env!("CARGO_PKG_VERSION") },
    });
    if qr {
        context["campaign"] = json!({ "source": "street", "medium": "qr", "name": "rue" });
    }
    if preview {
        context["preview"] = true.into();
    }
    let mut m = Messages {
        anonymous_id: &anonymous_id,
        context,
        next: 0,
    };
    let mut first = vec![m.make(
        "page",
        t0,
        json!({ "name": "Catalogue", "properties": { "path": path } }),
    )];
    let arm = scenario::arm(frame.global_percent, campaign, &anonymous_id);
    if frame.global_percent > 0.0 {
        let global_arm = if arm.is_none() { HOLDOUT } else { TREATMENT };
        first.push(m.track(
            "Experiment Viewed",
            t0 + 500.0,
            json!({ "experiment_id": GLOBAL, "variation_id": global_arm }),
        ));
        if counted {
            tally.arm(GLOBAL, global_arm).exposed += 1;
        }
    }
    let variant = match arm {
        Some(Assignment::Variant(i)) => Some(i),
        _ => None,
    };
    if let Some(a) = arm {
        let id = variant.map_or(HOLDOUT, |i| campaign.variants[i].id.as_str());
        first.push(m.track(
            "Experiment Viewed",
            t0 + 1000.0,
            json!({ "experiment_id": campaign.id, "variation_id": id }),
        ));
        let t = counted.then(|| tally.arm(&campaign.id, id));
        if let Some(t) = t {
            t.exposed += 1;
        }
        if let Assignment::Variant(_) = a {
            let promo = json!({ "promotion_id": campaign.id, "creative": id, "name": campaign.name, "position": "popin" });
            first.push(m.track("Promotion Viewed", t0 + 1100.0, promo.clone()));
            let (clicked, dismissed) = {
                let u: f64 = rng.random();
                (u < s.click, u >= s.click && rng.random::<f64>() < s.dismiss)
            };
            if clicked {
                first.push(m.track("Promotion Clicked", t0 + 6000.0, promo.clone()));
            } else if dismissed {
                first.push(m.track("Promotion Dismissed", t0 + 4000.0, promo));
            }
            if counted {
                let t = tally.arm(&campaign.id, id);
                t.impressions += 1;
                t.clicks += i64::from(clicked);
                t.dismissals += i64::from(dismissed);
            }
        }
    }
    let u: f64 = rng.random();
    let p = journey.p(variant);
    let converts = u < p;
    let noise = !converts && rng.random::<f64>() < journey.noise;
    let in_store = counted
        && converts
        && matches!(journey.goal, GoalKind::Order { .. })
        && rng.random::<f64>() < journey.in_store;
    let user_id = (in_store || rng.random::<f64>() < journey.identified)
        .then(|| format!("user-{anonymous_id}"));
    if let Some(u) = &user_id {
        first.push(m.make(
            "identify",
            t0 + 20_000.0,
            json!({ "userId": u, "traits": { "newsletter": true } }),
        ));
    }
    let mut visit = Visit {
        web: vec![first],
        store: Vec::new(),
    };
    let window = campaign.goal.as_ref().map_or(0.0, |g| g.within_ms);
    let mut later = Vec::new();
    // (revenue, at) of the order the control group's goal may count.
    let mut order: Option<(f64, f64)> = None;
    if converts {
        let at = t0 + window * rng.random_range(0.05..0.95);
        match journey.goal {
            GoalKind::Order { low, high } => {
                let revenue = price(&mut rng, low, high);
                let props = json!({ "order_id": format!("o-{anonymous_id}"), "revenue": revenue, "currency": "EUR" });
                if in_store {
                    visit.store.push(store_order(
                        &m,
                        user_id.as_deref().unwrap_or_default(),
                        at,
                        props,
                    ));
                } else {
                    later.push(m.track("Order Completed", at, props));
                }
                order = Some((revenue, at));
                if counted && arm.is_some() {
                    let t = tally.arm(&campaign.id, arm_id(campaign, variant));
                    t.conversions += 1;
                    t.revenue += revenue;
                }
            }
            GoalKind::Checkout { then_order } => {
                later.push(m.track(
                    "Checkout Started",
                    at,
                    json!({ "value": 64.9, "currency": "EUR" }),
                ));
                if counted && arm.is_some() {
                    tally
                        .arm(&campaign.id, arm_id(campaign, variant))
                        .conversions += 1;
                }
                if rng.random::<f64>() < then_order {
                    let revenue = price(&mut rng, PLAIN_ORDER.0, PLAIN_ORDER.1);
                    later.push(m.track(
                        "Order Completed",
                        at + 0.3 * HOUR,
                        json!({ "order_id": format!("o-{anonymous_id}"), "revenue": revenue, "currency": "EUR" }),
                    ));
                    order = Some((revenue, at + 0.3 * HOUR));
                }
            }
        }
    } else if noise {
        let (low, high) = journey.noise_range();
        let revenue = price(&mut rng, low, high);
        let at = match journey.noise_kind {
            Noise::Late => t0 + window + rng.random_range(1.0..72.0) * HOUR,
            Noise::Small { .. } => t0 + window * rng.random_range(0.05..0.95),
        };
        later.push(m.track(
            "Order Completed",
            at,
            json!({ "order_id": format!("o-{anonymous_id}"), "revenue": revenue, "currency": "EUR" }),
        ));
        order = Some((revenue, at));
    }
    if let Some((revenue, at)) = order {
        debug_assert!(at - t0 < GLOBAL_WINDOW);
        if counted && frame.global_percent > 0.0 {
            let t = tally.arm(GLOBAL, if arm.is_none() { HOLDOUT } else { TREATMENT });
            t.conversions += 1;
            t.revenue += revenue;
        }
    }
    if !later.is_empty() {
        visit.web.push(later);
    }
    tally.messages +=
        visit.web.iter().map(|b| b.len() as u64).sum::<u64>() + visit.store.len() as u64;
    visit
}

/// The arm id of a campaign's assignment (`holdout` or the variant's id).
fn arm_id(c: &Campaign, variant: Option<usize>) -> &str {
    variant.map_or(HOLDOUT, |i| c.variants[i].id.as_str())
}

/// The point of sale's `Order Completed` for a known customer.
fn store_order(m: &Messages, user_id: &str, at_ms: f64, properties: Value) -> Value {
    json!({
        "type": "track",
        "event": "Order Completed",
        "messageId": format!("pos-{}", m.anonymous_id),
        "userId": user_id,
        "timestamp": iso(at_ms),
        "properties": properties,
        "context": { "channel": "store", "library": { "name": "parcours-simulate-pos" } },
    })
}

/// The journey whose cumulative share holds `u`.
fn pick(journeys: &[Journey], u: f64) -> &Journey {
    let mut acc = 0.0;
    for j in journeys {
        acc += j.share;
        if u < acc {
            return j;
        }
    }
    journeys.last().expect("a scenario has journeys")
}

/// A price in `[low, high)`, in cents (never rounded up to `high`: a
/// goal's `where` threshold stays on the right side).
fn price(rng: &mut ChaCha8Rng, low: f64, high: f64) -> f64 {
    ((rng.random_range(low..high) * 100.0).round() / 100.0).min(high - 0.01)
}

/// Epoch ms as RFC 3339 UTC with milliseconds.
pub fn iso(ms: f64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .expect("a timestamp in range");
    t.format(&time::format_description::well_known::Rfc3339)
        .expect("formattable")
}

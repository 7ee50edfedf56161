//! `parcours-reports`: how fast `GET /v1/reports/campaigns` answers over
//! a million stored events (`cargo xtask bench reports`).
//!
//! For SQLite (a temporary file, WAL NORMAL) and PostgreSQL when
//! `PARCOURS_TEST_POSTGRES` names a server, it stores the rules of four
//! campaigns, loads `--events N` (1,000,000) seeded events through the
//! store's own insert path (batches of 500, so the identity graph and the
//! report aggregates are maintained as in production), then times the
//! report over every day of the data with the daily series: reading the
//! aggregates, the statistics, and the JSON and CSV texts. The median and
//! the worst of `--runs` (5) are printed, with the load rate.
//!
//! Visitors: 25 events each (an `Experiment Viewed` — 10 % holdout —,
//! impressions, a click now and then, product and page views, an order
//! for one in eight, half of them through the store by user id).

use parcours_server::report;
use parcours_server::store::{block_on, NewEvent, Store};
use parcours_server::Synchronous;
use std::time::Instant;

#[path = "../pg.rs"]
mod pg;
use pg::fresh_pg;

const KEY: &str = "bench";
const PER_VISITOR: usize = 25;
const CAMPAIGNS: [&str; 4] = ["welcome", "cart", "vip", "winback"];
const DAYS: u64 = 30;
const DAY0_MS: u64 = 1_795_000_000_000; // 2026-11-19

fn rules() -> String {
    let campaigns: Vec<String> = CAMPAIGNS
        .iter()
        .map(|id| {
            format!(
                r#"{{"id":"{id}","status":"active","trigger":{{"on":"page_view"}},"placement":"popin","holdout_percent":10,
                "variants":[{{"id":"a","weight":50,"content":{{"title":"A"}}}},{{"id":"b","weight":50,"content":{{"title":"B"}}}}],
                "goal":{{"event":"Order Completed","where":{{"revenue":{{"$gt":0}}}},"within_hours":72}}}}"#
            )
        })
        .collect();
    format!(
        r#"{{"version":"bench","campaigns":[{}]}}"#,
        campaigns.join(",")
    )
}

/// A small deterministic generator (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn iso(ms: u64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .expect("a valid time");
    parcours_server::validate::format_utc(t)
}

fn visitor(v: u64, rng: &mut Rng, out: &mut Vec<NewEvent>) {
    let anon = format!("anon-{v:08}");
    let user = (rng.below(3) == 0).then(|| format!("user-{v:08}"));
    let campaign = CAMPAIGNS[rng.below(CAMPAIGNS.len() as u64) as usize];
    let arm = match rng.below(10) {
        0 => "holdout",
        x if x % 2 == 1 => "a",
        _ => "b",
    };
    let start = DAY0_MS + rng.below(DAYS * 86_400_000);
    let mut n = 0u64;
    let mut push = |out: &mut Vec<NewEvent>,
                    kind: &str,
                    event: Option<&str>,
                    props: String,
                    at: u64,
                    by_user: bool| {
        n += 1;
        let id = format!("{v:08}-{n:02}");
        let (a, u) = if by_user {
            (None, user.clone())
        } else {
            (Some(anon.clone()), user.clone())
        };
        let mut payload = format!(
            r#"{{"type":"{kind}","messageId":"{id}","timestamp":"{}","properties":{props},"context":{{"userAgent":"Mozilla/5.0 (X11; Linux x86_64) Chrome/120","library":{{"name":"parcours","version":"0.1.0"}}}}"#,
            iso(at)
        );
        if let Some(e) = event {
            payload.push_str(&format!(r#","event":"{e}""#));
        }
        payload.push('}');
        out.push(NewEvent {
            message_id: id,
            kind: kind.into(),
            event: event.map(Into::into),
            anonymous_id: a,
            user_id: u,
            timestamp: iso(at),
            payload,
            source: by_user,
        });
    };
    let mut at = start;
    push(out, "page", None, r#"{"path":"/"}"#.into(), at, false);
    at += 1000;
    push(
        out,
        "track",
        Some("Experiment Viewed"),
        format!(r#"{{"experiment_id":"{campaign}","variation_id":"{arm}"}}"#),
        at,
        false,
    );
    let mut left = PER_VISITOR - 2;
    if arm != "holdout" {
        for _ in 0..2 {
            at += 5000;
            push(
                out,
                "track",
                Some("Promotion Viewed"),
                format!(r#"{{"promotion_id":"{campaign}","creative":"{arm}"}}"#),
                at,
                false,
            );
            left -= 1;
        }
        if rng.below(5) == 0 {
            at += 3000;
            push(
                out,
                "track",
                Some("Promotion Clicked"),
                format!(r#"{{"promotion_id":"{campaign}","creative":"{arm}"}}"#),
                at,
                false,
            );
            left -= 1;
        }
    }
    let buys = rng.below(8) == 0;
    if buys {
        left -= 1;
    }
    for i in 0..left {
        at += 20_000 + rng.below(60_000);
        push(
            out,
            "track",
            Some("Product Viewed"),
            format!(r#"{{"sku":"SKU-{}","price":{}}}"#, i % 7, 10 + i),
            at,
            false,
        );
    }
    if buys {
        at += rng.below(48 * 3_600_000);
        let store = user.is_some() && rng.below(2) == 0;
        let revenue = 20 + rng.below(180);
        push(
            out,
            "track",
            Some("Order Completed"),
            format!(r#"{{"order_id":"o-{v}","revenue":{revenue}}}"#),
            at,
            store,
        );
    }
}

fn bench(name: &str, database: &str, events: usize, runs: usize) {
    block_on(async {
        let db: Store = parcours_server::open_database(
            &parcours_server::Database::parse(database),
            Synchronous::Normal,
            8,
        )
        .await
        .unwrap();
        db.put_rules(KEY, &rules()).await.unwrap();
        let mut rng = Rng(15);
        let t0 = Instant::now();
        let mut loaded = 0;
        let mut batch = Vec::with_capacity(600);
        let mut v = 0;
        while loaded < events {
            visitor(v, &mut rng, &mut batch);
            v += 1;
            if batch.len() >= 500 || loaded + batch.len() >= events {
                loaded += batch.len();
                db.insert_events(KEY, std::mem::take(&mut batch))
                    .await
                    .unwrap()
                    .unwrap();
            }
        }
        let load_s = t0.elapsed().as_secs_f64();
        let stored = db.count_events().await.unwrap();
        let (from, to) = ("2026-11-01", "2027-01-31");
        let mut times = Vec::new();
        let mut exposed = 0;
        for _ in 0..runs {
            let t = Instant::now();
            let (exposures, counts, goals) = db.campaign_cells(KEY, from, to).await.unwrap();
            let period = report::Period {
                from: from.into(),
                to: to.into(),
                retained_from: None,
                retention_days: None,
            };
            let r = report::build(KEY, period, true, &goals, &exposures, &counts);
            let json = serde_json::to_vec(&r).unwrap();
            let csv = report::to_csv(&r);
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            exposed = r
                .campaigns
                .iter()
                .flat_map(|c| &c.arms)
                .map(|a| a.exposed)
                .sum::<u64>();
            assert!(!json.is_empty() && !csv.is_empty());
        }
        times.sort_by(f64::total_cmp);
        println!(
            "{name:<10} {stored:>9} events ({v} visitors) loaded in {load_s:.1} s ({:.0} events/s, graph and aggregates included); report over {exposed} exposed persons, 4 campaigns, daily series, JSON + CSV: median {:.1} ms, worst {:.1} ms ({runs} runs)",
            stored as f64 / load_s,
            times[times.len() / 2],
            times[times.len() - 1],
        );
        db.close().await;
    });
}

fn main() {
    let mut events = 1_000_000;
    let mut runs = 5;
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--events" => events = it.next().and_then(|v| v.parse().ok()).expect("--events N"),
            "--runs" => runs = it.next().and_then(|v| v.parse().ok()).expect("--runs N"),
            other => panic!("unknown argument {other}"),
        }
    }
    let tmp = tempfile::tempdir().unwrap();
    bench(
        "sqlite",
        &tmp.path().join("reports.sqlite3").display().to_string(),
        events,
        runs,
    );
    match std::env::var("PARCOURS_TEST_POSTGRES") {
        Ok(base) => bench("postgres", &fresh_pg(&base, "reports"), events, runs),
        Err(_) => println!("postgres   skipped: PARCOURS_TEST_POSTGRES is not set"),
    }
}

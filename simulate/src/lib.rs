//! `cargo xtask simulate`: traffic with a known answer.
//!
//! Seeded visitors follow the demo shop's journeys ([`scenario`]): a
//! welcome offer, a cart reminder, a win-back for lapsed customers (no true
//! effect), a VIP A/B test whose goal counts only orders from €80, a street
//! QR code whose visitors mostly buy in the store. Each campaign has a true
//! uplift chosen in advance, holdouts and the site-wide control group are
//! assigned by the engine's own hashes (as the SDK does), and a share of the
//! traffic is bots and preview links, which the reports must ignore.
//!
//! The traffic goes through the real HTTP API of a server started here
//! (`/v1/rules`, `/v1/batch` from the browsers, and from the store's point
//! of sale with the site's source key), then the campaign report is read
//! back and checked ([`check`]): every count equal to what was sent, and
//! every uplift interval against the true uplift.

pub mod check;
pub mod scenario;
pub mod traffic;

use parcours_engine::campaign::Campaign;
use parcours_engine::regex::EcmaRegex;
use parcours_engine::Rules;
use parcours_server::config::Secret;
use parcours_server::{Config, Database, Server, SiteConfig};
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

pub use check::{Check, Kind};
pub use scenario::{Scenario, Truth};
pub use traffic::Tally;

/// The simulation's rules: the demo shop's journeys with holdouts and goals.
pub const RULES: &str = include_str!("../rules.json");

/// The simulated site's write key.
pub const WRITE_KEY: &str = "simulate";

/// How big, where and when.
#[derive(Debug, Clone)]
pub struct Options {
    /// Same seed, same traffic.
    pub seed: u64,
    /// Visitors.
    pub visitors: u64,
    /// Days of first visits.
    pub days: u32,
    /// The first day (epoch ms of its UTC midnight).
    pub start_ms: f64,
    /// Concurrent senders.
    pub workers: u64,
}

/// A server to send to, and the site's keys there.
#[derive(Debug, Clone)]
pub struct Target {
    /// `http://127.0.0.1:PORT`.
    pub base_url: String,
    /// The site's admin token (rules, reports).
    pub admin_token: String,
    /// The site's source key (the point of sale).
    pub source_key: String,
}

/// What a run found.
#[derive(Debug)]
pub struct Outcome {
    /// The traffic, as sent.
    pub tally: Tally,
    /// The true effects.
    pub truths: Vec<Truth>,
    /// The report, as read back.
    pub report: Value,
    /// Every check.
    pub checks: Vec<Check>,
    /// Time spent sending.
    pub sending: Duration,
    /// Time the report took to answer.
    pub reporting: Duration,
}

impl Outcome {
    /// The checks of this kind that failed.
    pub fn failed(&self, kind: Kind) -> Vec<&Check> {
        self.checks
            .iter()
            .filter(|c| c.kind == kind && !c.ok)
            .collect()
    }
}

/// The campaigns and control-group share of [`RULES`].
pub fn campaigns() -> (Vec<Campaign>, f64) {
    let doc: parcours_engine::Value =
        serde_json::from_str(RULES).expect("simulate/rules.json is JSON");
    let (rules, _) = Rules::from_value(&doc, &EcmaRegex).expect("simulate/rules.json is valid");
    (rules.campaigns, rules.global_holdout_percent)
}

/// Publishes [`RULES`], sends the traffic, reads the report of its days
/// and checks it.
pub fn run(target: &Target, scenario: &Scenario, o: &Options) -> Result<Outcome, String> {
    let http = Http::new(target);
    http.put_rules(RULES)?;
    let frame = || {
        let (campaigns, global_percent) = campaigns();
        traffic::Frame {
            seed: o.seed,
            start_ms: o.start_ms,
            days: o.days,
            campaigns,
            global_percent,
            scenario,
        }
    };
    let started = Instant::now();
    let tallies: Vec<Result<Tally, String>> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..o.workers.max(1))
            .map(|w| {
                let (frame, http) = (&frame, &http);
                s.spawn(move || {
                    let frame = frame();
                    let mut tally = Tally::default();
                    for n in (w..o.visitors).step_by(o.workers.max(1) as usize) {
                        let visit = traffic::visit(&frame, n, &mut tally);
                        for batch in &visit.web {
                            http.batch(batch, false)?;
                        }
                        if !visit.store.is_empty() {
                            http.batch(&visit.store, true)?;
                        }
                    }
                    Ok(tally)
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().unwrap_or_else(|_| Err("a sender panicked".into())))
            .collect()
    });
    let mut tally = Tally::default();
    for t in tallies {
        tally.add(&t?);
    }
    let sending = started.elapsed();
    let from = traffic::iso(o.start_ms)[..10].to_owned();
    let to = traffic::iso(o.start_ms + (f64::from(o.days) - 1.0) * 86_400_000.0)[..10].to_owned();
    let started = Instant::now();
    let report = http.report(&from, &to)?;
    let reporting = started.elapsed();
    let truths = scenario.truth(&campaigns().0);
    let checks = check::report(&report, &truths, &tally);
    Ok(Outcome {
        tally,
        truths,
        report,
        checks,
        sending,
        reporting,
    })
}

/// The site's HTTP API, as browsers, the point of sale and the studio call it.
struct Http<'a> {
    agent: ureq::Agent,
    target: &'a Target,
}

impl Http<'_> {
    fn new(target: &Target) -> Http<'_> {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        Http { agent, target }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.target.base_url)
    }

    fn put_rules(&self, document: &str) -> Result<(), String> {
        let r = self
            .agent
            .put(self.url(&format!("/v1/rules?writeKey={WRITE_KEY}")))
            .header(
                "Authorization",
                format!("Bearer {}", self.target.admin_token),
            )
            .header("Content-Type", "application/json")
            .send(document);
        expect_ok("PUT /v1/rules", r).map(drop)
    }

    /// `POST /v1/batch`: from a browser (write key in the body), or from
    /// the point of sale (`source`: HTTP Basic `writeKey:sourceKey`).
    fn batch(&self, messages: &[Value], source: bool) -> Result<(), String> {
        let body = serde_json::json!({ "writeKey": WRITE_KEY, "batch": messages }).to_string();
        let mut req = self
            .agent
            .post(self.url("/v1/batch"))
            .header("Content-Type", "application/json");
        if source {
            use base64::Engine as _;
            let basic = base64::engine::general_purpose::STANDARD
                .encode(format!("{WRITE_KEY}:{}", self.target.source_key));
            req = req.header("Authorization", format!("Basic {basic}"));
        }
        expect_ok("POST /v1/batch", req.send(body)).map(drop)
    }

    fn report(&self, from: &str, to: &str) -> Result<Value, String> {
        let r = self
            .agent
            .get(self.url(&format!(
                "/v1/reports/campaigns?writeKey={WRITE_KEY}&from={from}&to={to}"
            )))
            .header(
                "Authorization",
                format!("Bearer {}", self.target.admin_token),
            )
            .call();
        let body = expect_ok("GET /v1/reports/campaigns", r)?;
        serde_json::from_str(&body).map_err(|e| format!("the report is not JSON: {e}"))
    }
}

fn expect_ok(
    what: &str,
    r: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
) -> Result<String, String> {
    let mut r = r.map_err(|e| format!("{what}: {e}"))?;
    let status = r.status().as_u16();
    let body = r
        .body_mut()
        .read_to_string()
        .map_err(|e| format!("{what}: reading the answer: {e}"))?;
    if status == 200 {
        Ok(body)
    } else {
        Err(format!("{what}: {status} {body}"))
    }
}

/// A Parcours server started in this process on a free loopback port, with
/// the simulated site configured (admin token, source key), rate limit off.
pub struct LocalServer {
    /// Where it listens and the site's keys.
    pub target: Target,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl LocalServer {
    /// Starts it on `database` (a SQLite file or a PostgreSQL URL).
    pub fn start(database: Database) -> Result<LocalServer, String> {
        let admin_token = secret();
        let source_key = secret();
        let site = SiteConfig {
            origins: vec![],
            admin_token: Some(Secret(admin_token.clone())),
            user_token_secret: None,
            source_key: Some(Secret(source_key.clone())),
        };
        let config = Config {
            listen: "127.0.0.1:0".into(),
            database,
            sites: BTreeMap::from([(WRITE_KEY.to_owned(), site)]),
            rate_limit: None,
            ..Config::default()
        };
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = match tokio::runtime::Runtime::new() {
                Ok(rt) => rt,
                Err(e) => return drop(ready_tx.send(Err(e.to_string()))),
            };
            rt.block_on(async move {
                let server = match Server::bind(config).await {
                    Ok(s) => s,
                    Err(e) => return drop(ready_tx.send(Err(e.to_string()))),
                };
                let _ = ready_tx.send(Ok(server.addr));
                if let Err(e) = server
                    .run(async {
                        let _ = stopped.await;
                    })
                    .await
                {
                    eprintln!("parcours-simulate: the server stopped: {e}");
                }
            });
        });
        let addr = ready_rx
            .recv()
            .map_err(|_| "the server thread ended before binding".to_owned())??;
        Ok(LocalServer {
            target: Target {
                base_url: format!("http://{addr}"),
                admin_token,
                source_key,
            },
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// Serves until the process is interrupted.
    pub fn wait(mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for LocalServer {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A random 128-bit token, hex.
fn secret() -> String {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).expect("the OS random source");
    b.iter().map(|x| format!("{x:02x}")).collect()
}

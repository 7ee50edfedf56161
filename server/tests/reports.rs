//! Campaign reports and the identity graph over real HTTP: a server on an
//! ephemeral port with a temporary database, for SQLite and PostgreSQL
//! (the PostgreSQL ones skip, saying why, without `PARCOURS_TEST_POSTGRES`).
//! The numbers are checked against a fixture computed by hand (see
//! `fixture` for the story and docs/reports.md for the formulas).

mod common;

use base64::Engine as _;
use parcours_server::config::Secret;
use parcours_server::user_token;
use parcours_server::{Config, Database, Server, SiteConfig, Store};
use serde_json::{json, Value};
use std::collections::BTreeMap;

const KEY: &str = "shop";
const ADMIN: &str = "admin-secret";
const SOURCE: &str = "source-secret";
const USER_SECRET: &str = "user-secret";
const RULES: &str = include_str!("fixtures/report_rules.json");

struct Running {
    addr: String,
    db: Store,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    _dir: Option<tempfile::TempDir>,
}

impl Running {
    async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }
}

async fn start(database: Database, dir: Option<tempfile::TempDir>) -> Running {
    let site = SiteConfig {
        origins: vec![],
        admin_token: Some(Secret(ADMIN.into())),
        user_token_secret: Some(Secret(USER_SECRET.into())),
        source_key: Some(Secret(SOURCE.into())),
    };
    let config = Config {
        listen: "127.0.0.1:0".into(),
        database,
        sites: BTreeMap::from([(KEY.to_owned(), site)]),
        rate_limit: None,
        pg_pool_size: 4,
        ..Config::default()
    };
    let server = Server::bind(config).await.unwrap();
    let addr = server.addr.to_string();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    // The server's store, reached through a second handle for direct checks.
    let db = server_store(&server);
    let task = tokio::spawn(async move {
        server
            .run(async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
    });
    let r = Running {
        addr,
        db,
        stop: Some(stop),
        task: Some(task),
        _dir: dir,
    };
    let (status, _) = call(
        &r,
        "PUT",
        "/v1/rules?writeKey=shop",
        &[("Authorization", &format!("Bearer {ADMIN}"))],
        RULES,
    )
    .await;
    assert_eq!(status, 200);
    r
}

fn server_store(server: &Server) -> Store {
    server.store().clone()
}

async fn sqlite() -> Option<Running> {
    let dir = tempfile::tempdir().unwrap();
    let db = Database::Sqlite(dir.path().join("r.sqlite3"));
    Some(start(db, Some(dir)).await)
}

async fn postgres() -> Option<Running> {
    let url = common::pg::fresh_database().await?;
    Some(start(Database::Postgres(url), None).await)
}

/// One HTTP/1.1 exchange on a blocking thread: status and body.
async fn call(
    r: &Running,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String) {
    let (addr, method, path, body) = (
        r.addr.clone(),
        method.to_owned(),
        path.to_owned(),
        body.to_owned(),
    );
    let headers: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    tokio::task::spawn_blocking(move || {
        let h: Vec<(&str, &str)> = headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let (status, _, body) = common::process::http(&addr, &method, &path, &h, &body);
        (status, body)
    })
    .await
    .unwrap()
}

fn basic(user: &str, password: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

/// Posts messages as a browser (write key only) or as a server-side source.
async fn send(r: &Running, source: bool, messages: Vec<Value>) {
    let auth = if source {
        basic(KEY, SOURCE)
    } else {
        basic(KEY, "")
    };
    let body = json!({ "batch": messages }).to_string();
    let (status, text) = call(
        r,
        "POST",
        "/v1/batch",
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/json"),
        ],
        &body,
    )
    .await;
    assert_eq!(status, 200, "{text}");
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["rejected"], json!([]), "{text}");
}

static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

fn mid() -> String {
    format!(
        "m{}",
        NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    )
}

fn msg(
    anon: Option<&str>,
    user: Option<&str>,
    kind: &str,
    event: Option<&str>,
    props: Value,
    at: &str,
) -> Value {
    let mut m = json!({
        "type": kind, "messageId": mid(), "timestamp": at, "properties": props,
        "context": { "userAgent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/120" },
    });
    if let Some(a) = anon {
        m["anonymousId"] = json!(a);
    }
    if let Some(u) = user {
        m["userId"] = json!(u);
    }
    if let Some(e) = event {
        m["event"] = json!(e);
    }
    m
}

fn exposed(anon: &str, arm: &str, at: &str) -> Value {
    msg(
        Some(anon),
        None,
        "track",
        Some("Experiment Viewed"),
        json!({ "experiment_id": "promo", "variation_id": arm }),
        at,
    )
}

fn promo(anon: &str, event: &str, at: &str) -> Value {
    msg(
        Some(anon),
        None,
        "track",
        Some(event),
        json!({ "promotion_id": "promo", "creative": "a" }),
        at,
    )
}

fn order(anon: Option<&str>, user: Option<&str>, revenue: f64, at: &str) -> Value {
    msg(
        anon,
        user,
        "track",
        Some("Order Completed"),
        json!({ "order_id": mid(), "revenue": revenue }),
        at,
    )
}

const D1: &str = "2026-11-24T10:00:00.000Z";
const D1_LATER: &str = "2026-11-24T20:00:00.000Z";
const D2: &str = "2026-11-25T09:00:00.000Z";
const D3_LATE: &str = "2026-11-26T11:00:00.000Z";

/// The fixture: holdout h1..h4 (h1 converts, 20); variant a t1..t5 with
/// t1 (10), t2 (30, in the store, as user u-t2 identified on the web) and
/// t3 (20 in the window, 50 after it) converting; t4's order of 5 fails
/// the goal's `where`; t5 bought before its exposure. Noise that must not
/// count: a preview visitor, a bot, a duplicate order.
async fn fixture(r: &Running) {
    let mut web = vec![
        exposed("h1", "holdout", D1),
        exposed("h2", "holdout", D1),
        exposed("h3", "holdout", D1),
        exposed("h4", "holdout", D2),
        order(Some("h1"), None, 20.0, D1_LATER),
        exposed("t1", "a", D1),
        exposed("t2", "a", D1),
        exposed("t3", "a", D1),
        exposed("t4", "a", D1),
        order(Some("t5"), None, 40.0, D1),
        exposed("t5", "a", D2),
        order(Some("t3"), None, 20.0, D1_LATER),
        order(Some("t3"), None, 50.0, D3_LATE),
        order(Some("t4"), None, 5.0, D1_LATER),
        msg(Some("t2"), Some("u-t2"), "identify", None, json!({}), D1),
    ];
    for t in ["t1", "t2", "t3", "t4", "t5"] {
        web.push(promo(t, "Promotion Viewed", D1));
    }
    web.push(promo("t1", "Promotion Clicked", D1));
    web.push(promo("t2", "Promotion Dismissed", D1));
    // Preview and bot traffic, never counted.
    let mut preview = exposed("p1", "a", D1);
    preview["context"]["preview"] = json!(true);
    let mut preview_view = promo("p1", "Promotion Viewed", D1);
    preview_view["context"]["preview"] = json!(true);
    let mut bot = exposed("bot1", "a", D1);
    bot["context"]["userAgent"] = json!("Mozilla/5.0 (compatible; Googlebot/2.1)");
    let mut bot_view = promo("bot1", "Promotion Viewed", D1);
    bot_view["context"]["userAgent"] = json!("Googlebot/2.1");
    let mut bot_order = order(Some("bot1"), None, 99.0, D1_LATER);
    bot_order["context"]["userAgent"] = json!("Googlebot/2.1");
    web.extend([
        preview,
        preview_view,
        bot,
        bot_view,
        bot_order,
        order(Some("p1"), None, 99.0, D1_LATER),
    ]);
    let t1_order = order(Some("t1"), None, 10.0, D1_LATER);
    web.push(t1_order.clone());
    send(r, false, web).await;
    // A retry of t1's order: a duplicate messageId, stored and counted once.
    send(r, false, vec![t1_order]).await;
    // The store's point of sale, by user id only, with the source key.
    let mut store = order(None, Some("u-t2"), 30.0, D2);
    store["context"]["channel"] = json!("store");
    send(r, true, vec![store]).await;
}

async fn report(r: &Running, query: &str) -> Value {
    let (status, body) = call(
        r,
        "GET",
        &format!("/v1/reports/campaigns?writeKey=shop&{query}"),
        &[("Authorization", &format!("Bearer {ADMIN}"))],
        "",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

fn close(got: &Value, want: f64) {
    let g = got
        .as_f64()
        .unwrap_or_else(|| panic!("not a number: {got}"));
    assert!((g - want).abs() < 1e-9, "got {g}, want {want}");
}

fn arm<'a>(report: &'a Value, variant: &str) -> &'a Value {
    report["campaigns"][0]["arms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["variant_id"] == variant)
        .unwrap_or_else(|| panic!("no arm {variant}: {report}"))
}

async fn report_numbers_match_the_hand_computed_fixture(r: Running) {
    fixture(&r).await;
    let rep = report(&r, "from=2026-11-24&to=2026-11-25").await;
    assert_eq!(rep["period"]["from"], "2026-11-24");
    assert_eq!(rep["period"]["retention_days"], 395);
    let c = &rep["campaigns"][0];
    assert_eq!(c["campaign_id"], "promo");
    assert_eq!(
        c["goal"],
        json!({ "event": "Order Completed", "within_hours": 24.0, "where": true })
    );
    let h = arm(&rep, "holdout");
    assert_eq!(
        (
            h["exposed"].as_u64(),
            h["conversions"].as_u64(),
            h["control"].as_bool()
        ),
        (Some(4), Some(1), Some(true))
    );
    close(&h["revenue"], 20.0);
    assert!(h["uplift"].is_null());
    let a = arm(&rep, "a");
    assert_eq!(
        [
            &a["exposed"],
            &a["impressions"],
            &a["clicks"],
            &a["dismissals"],
            &a["conversions"]
        ]
        .map(|v| v.as_u64().unwrap()),
        [5, 5, 1, 1, 3]
    );
    close(&a["revenue"], 60.0);
    close(&a["conversion_rate"]["estimate"], 0.6);
    // 0.6 ± 1.959964 · sqrt(0.6 · 0.4 / 5)
    close(&a["conversion_rate"]["ci"][0], 0.170_593_405_507_882_27);
    close(&a["revenue_per_exposed"]["estimate"], 12.0);
    let u = &a["uplift"];
    // 0.6 − 0.25 ± 1.959964 · sqrt(0.048 + 0.046875)
    close(&u["absolute"]["estimate"], 0.35);
    close(&u["absolute"]["ci"][0], -0.253_703_905_580_670_6);
    close(&u["absolute"]["ci"][1], 0.953_703_905_580_670_5);
    // m(9) = 20.649934 (n = 9 persons; N* = 5000)
    close(&u["absolute"]["ci_sequential"][0], -6.010_548_336_424_956);
    close(&u["absolute"]["ci_sequential"][1], 6.710_548_336_424_956);
    // 0.6 / 0.25 − 1 ± 1.959964 · sqrt(0.048 / 0.0625 + 0.36 · 0.046875 / 0.00390625)
    close(&u["relative"]["estimate"], 1.4);
    close(&u["relative"]["ci"][0], -3.021_011_476_991_629_4);
    // 12 − 5 ± 1.959964 · sqrt(170 / 5 + 100 / 4)
    close(&u["revenue_per_exposed"]["estimate"], 7.0);
    close(&u["revenue_per_exposed"]["ci"][0], -8.054_769_025_825_45);
    close(
        &u["revenue_per_exposed"]["ci_sequential"][0],
        -151.615_150_899_798_95,
    );
    // One day only: h4 and t5 were first exposed on the 25th.
    let one = report(&r, "from=2026-11-24&to=2026-11-24").await;
    assert_eq!(arm(&one, "holdout")["exposed"], 3);
    assert_eq!(arm(&one, "a")["exposed"], 4);
    assert!(one["campaigns"][0].get("daily").is_none());
    r.stop().await;
}

async fn csv_and_the_daily_series(r: Running) {
    fixture(&r).await;
    let rep = report(&r, "from=2026-11-24&to=2026-11-25&interval=day").await;
    let daily = rep["campaigns"][0]["daily"].as_array().unwrap();
    let cells: Vec<(String, String, u64, u64)> = daily
        .iter()
        .map(|d| {
            (
                d["day"].as_str().unwrap().into(),
                d["variant_id"].as_str().unwrap().into(),
                d["exposed"].as_u64().unwrap(),
                d["impressions"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        cells,
        [
            ("2026-11-24".into(), "a".into(), 4, 5),
            ("2026-11-24".into(), "holdout".into(), 3, 0),
            ("2026-11-25".into(), "a".into(), 1, 0),
            ("2026-11-25".into(), "holdout".into(), 1, 0),
        ]
    );
    for how in [("format=csv", None), ("", Some("text/csv"))] {
        let mut headers = vec![("Authorization".to_owned(), format!("Bearer {ADMIN}"))];
        if let Some(accept) = how.1 {
            headers.push(("Accept".into(), accept.into()));
        }
        let h: Vec<(&str, &str)> = headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let (status, body) = call(
            &r,
            "GET",
            &format!(
                "/v1/reports/campaigns?writeKey=shop&from=2026-11-24&to=2026-11-25&interval=day&{}",
                how.0
            ),
            &h,
            "",
        )
        .await;
        assert_eq!(status, 200);
        let lines: Vec<&str> = body.split("\r\n").filter(|l| !l.is_empty()).collect();
        assert_eq!(lines[0], parcours_server::report::CSV_HEADER);
        assert_eq!(lines.len(), 1 + 2 + 4, "{body}");
        let cols = lines[0].split(',').count();
        assert!(lines.iter().all(|l| l.split(',').count() == cols), "{body}");
        assert!(
            lines[1].starts_with("promo,holdout,,true,4,0,0,0,1,0.25,20,5,,"),
            "{}",
            lines[1]
        );
        assert!(
            lines[2].starts_with("promo,a,,false,5,5,1,1,3,0.6,60,12,0.35,-0.253704,0.953704,"),
            "{}",
            lines[2]
        );
        assert!(
            lines[3].starts_with("promo,a,2026-11-24,false,4,5,1,1,"),
            "{}",
            lines[3]
        );
    }
    r.stop().await;
}

async fn the_report_needs_the_admin_token_and_real_dates(r: Running) {
    let path = "/v1/reports/campaigns?writeKey=shop&from=2026-11-24&to=2026-11-25";
    assert_eq!(call(&r, "GET", path, &[], "").await.0, 401);
    assert_eq!(
        call(&r, "GET", path, &[("Authorization", "Bearer nope")], "")
            .await
            .0,
        401
    );
    let auth = [("Authorization", format!("Bearer {ADMIN}"))];
    let auth: Vec<(&str, &str)> = auth.iter().map(|(k, v)| (*k, v.as_str())).collect();
    for bad in [
        "from=2026-11-24",
        "from=2026-13-01&to=2026-13-02",
        "from=2026-11-25&to=2026-11-24",
        "from=24/11/2026&to=2026-11-25",
    ] {
        let (status, body) = call(
            &r,
            "GET",
            &format!("/v1/reports/campaigns?writeKey=shop&{bad}"),
            &auth,
            "",
        )
        .await;
        assert_eq!(status, 400, "{bad}: {body}");
    }
    let rep = report(&r, "from=2026-11-24&to=2026-11-25").await;
    assert_eq!(
        arm(&rep, "a")["exposed"],
        0,
        "a campaign with no data is listed with zeros"
    );
    r.stop().await;
}

async fn ids(r: &Running, anon: Option<&str>, user: Option<&str>) -> (Vec<String>, Vec<String>) {
    let l =
        r.db.linked_ids(KEY, anon, user)
            .await
            .unwrap()
            .unwrap_or_default();
    (l.anonymous_ids, l.user_ids)
}

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| (*x).to_owned()).collect()
}

async fn identity_rules(r: Running) {
    // Cross-device: browsing anonymously on a phone, then logging in there
    // as a user first seen on a laptop: one person.
    send(
        &r,
        false,
        vec![msg(
            Some("laptop"),
            Some("ann"),
            "identify",
            None,
            json!({}),
            D1,
        )],
    )
    .await;
    send(&r, false, vec![exposed("phone", "a", D1)]).await;
    send(
        &r,
        false,
        vec![msg(
            Some("phone"),
            Some("ann"),
            "identify",
            None,
            json!({}),
            D1_LATER,
        )],
    )
    .await;
    assert_eq!(
        ids(&r, None, Some("ann")).await,
        (s(&["laptop", "phone"]), s(&["ann"]))
    );
    // The phone's exposure now converts with a store purchase by ann.
    send(&r, true, vec![order(None, Some("ann"), 15.0, D2)]).await;
    let rep = report(&r, "from=2026-11-24&to=2026-11-24").await;
    assert_eq!(arm(&rep, "a")["conversions"], 1);
    // A shared computer: bob then carl log in; the anonymous id stays
    // with bob, carl is another person, and carl's events are his.
    send(
        &r,
        false,
        vec![msg(
            Some("shared"),
            Some("bob"),
            "identify",
            None,
            json!({}),
            D1,
        )],
    )
    .await;
    send(
        &r,
        false,
        vec![msg(
            Some("shared"),
            Some("carl"),
            "identify",
            None,
            json!({}),
            D1_LATER,
        )],
    )
    .await;
    assert_eq!(
        ids(&r, None, Some("bob")).await,
        (s(&["shared"]), s(&["bob"]))
    );
    assert_eq!(ids(&r, None, Some("carl")).await, (s(&[]), s(&["carl"])));
    assert_eq!(ids(&r, Some("shared"), None).await.1, s(&["bob"]));
    // Carl's exposure on the shared computer is carl's, not bob's.
    send(
        &r,
        false,
        vec![msg(
            Some("shared"),
            Some("carl"),
            "track",
            Some("Experiment Viewed"),
            json!({ "experiment_id": "promo", "variation_id": "holdout" }),
            D1,
        )],
    )
    .await;
    send(&r, true, vec![order(None, Some("bob"), 50.0, D1_LATER)]).await;
    let rep = report(&r, "from=2026-11-24&to=2026-11-24").await;
    assert_eq!(
        (
            arm(&rep, "holdout")["exposed"].as_u64(),
            arm(&rep, "holdout")["conversions"].as_u64()
        ),
        (Some(1), Some(0))
    );
    // Two user ids merge only through a server-side alias.
    send(
        &r,
        false,
        vec![
            msg(Some("shared"), Some("carl"), "alias", None, json!({}), D2)
                .as_object()
                .map(|o| {
                    let mut o = o.clone();
                    o.insert("previousId".into(), json!("bob"));
                    Value::Object(o)
                })
                .unwrap(),
        ],
    )
    .await;
    assert_eq!(
        ids(&r, None, Some("carl")).await.1,
        s(&["carl"]),
        "a client alias merges no users"
    );
    let mut alias = msg(None, Some("carl"), "alias", None, json!({}), D2);
    alias["previousId"] = json!("bob");
    send(&r, true, vec![alias]).await;
    assert_eq!(
        ids(&r, None, Some("carl")).await,
        (s(&["shared"]), s(&["bob", "carl"]))
    );
    // Now bob's purchase is carl's person's: carl's holdout exposure converts.
    let rep = report(&r, "from=2026-11-24&to=2026-11-24").await;
    assert_eq!(arm(&rep, "holdout")["conversions"], 1);
    r.stop().await;
}

async fn forget(r: &Running, body: Value, token: Option<&str>) -> (u16, Value) {
    let auth = token.map(|t| format!("Bearer {t}"));
    let mut headers = vec![("Content-Type", "application/json")];
    if let Some(a) = &auth {
        headers.push(("Authorization", a.as_str()));
    }
    let (status, text) = call(r, "POST", "/v1/forget", &headers, &body.to_string()).await;
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn forget_erases_a_merged_person(r: Running) {
    fixture(&r).await;
    // t2's person: anon t2 + user u-t2 (web identify), and another
    // device's anonymous id merged in when it logged in.
    send(
        &r,
        false,
        vec![msg(Some("t2-phone"), None, "page", None, json!({}), D1)],
    )
    .await;
    send(
        &r,
        false,
        vec![msg(
            Some("t2-phone"),
            Some("u-t2"),
            "identify",
            None,
            json!({ "email": "x@y" }),
            D1,
        )],
    )
    .await;
    let before = r.db.count_events().await.unwrap();
    let token = common::user_token(KEY, "u-t2", user_token::now_unix() + 600, USER_SECRET);
    // No token: refused, nothing erased.
    let (status, _) = forget(&r, json!({ "writeKey": KEY, "userId": "u-t2" }), None).await;
    assert_eq!(status, 401);
    let (status, erased) = forget(
        &r,
        json!({ "writeKey": KEY, "userId": "u-t2" }),
        Some(&token),
    )
    .await;
    assert_eq!(status, 200, "{erased}");
    assert_eq!(erased["anonymous_ids"], json!(["t2", "t2-phone"]));
    assert_eq!(erased["user_ids"], json!(["u-t2"]));
    assert_eq!(erased["persons"], 1);
    // t2: exposure, identify, view, dismissal; the phone's page and
    // identify; the store order.
    assert_eq!(erased["deleted"], 7);
    assert_eq!(r.db.count_events().await.unwrap(), before - 7);
    assert!(r
        .db
        .linked_ids(KEY, Some("t2-phone"), None)
        .await
        .unwrap()
        .is_none());
    let ev = r.db.events(Some(KEY)).await.unwrap();
    assert!(ev
        .iter()
        .all(|e| e.anonymous_id.as_deref() != Some("t2") && e.user_id.as_deref() != Some("u-t2")));
    let rep = report(&r, "from=2026-11-24&to=2026-11-25").await;
    let a = arm(&rep, "a");
    assert_eq!(
        [
            &a["exposed"],
            &a["conversions"],
            &a["impressions"],
            &a["dismissals"]
        ]
        .map(|v| v.as_u64().unwrap()),
        [4, 2, 4, 0]
    );
    close(&a["revenue"], 30.0);
    // Idempotent.
    let (status, again) = forget(
        &r,
        json!({ "writeKey": KEY, "userId": "u-t2" }),
        Some(&token),
    )
    .await;
    assert_eq!(
        (status, again["deleted"].as_u64(), again["persons"].as_u64()),
        (200, Some(0), Some(0))
    );
    // By anonymous id alone, an anonymous person is erased whole.
    let (status, erased) = forget(&r, json!({ "writeKey": KEY, "anonymousId": "h2" }), None).await;
    assert_eq!(
        (
            status,
            erased["deleted"].as_u64(),
            erased["persons"].as_u64()
        ),
        (200, Some(1), Some(1))
    );
    assert_eq!(
        arm(
            &report(&r, "from=2026-11-24&to=2026-11-25").await,
            "holdout"
        )["exposed"],
        3
    );
    r.stop().await;
}

async fn retention_drops_old_events_aggregates_and_empty_persons(r: Running) {
    fixture(&r).await;
    let kept =
        r.db.purge_events_before("2000-01-01T00:00:00.000Z")
            .await
            .unwrap();
    assert_eq!((kept.events, kept.persons), (0, 0));
    assert_eq!(
        arm(&report(&r, "from=2026-11-24&to=2026-11-25").await, "a")["exposed"],
        5
    );
    let total = r.db.count_events().await.unwrap() as usize;
    let purged =
        r.db.purge_events_before("9999-01-01T00:00:00.000Z")
            .await
            .unwrap();
    assert_eq!(purged.events, total);
    // h1..h4, t1..t5 (t2 with u-t2), p1, bot1.
    assert_eq!(purged.persons, 11);
    assert!(r
        .db
        .linked_ids(KEY, Some("t1"), None)
        .await
        .unwrap()
        .is_none());
    let rep = report(&r, "from=2026-11-24&to=2026-11-25").await;
    let a = arm(&rep, "a");
    assert_eq!(
        [&a["exposed"], &a["impressions"]].map(|v| v.as_u64().unwrap()),
        [0, 0]
    );
    r.stop().await;
}

async fn profile(r: &Running, query: &str, token: Option<&str>) -> (u16, Value) {
    let auth = token.map(|t| format!("Bearer {t}"));
    let headers: Vec<(&str, &str)> = auth.iter().map(|a| ("Authorization", a.as_str())).collect();
    let path = format!("/v1/profile?writeKey={KEY}&{query}");
    let (status, text) = call(r, "GET", &path, &headers, "").await;
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn the_signed_profile_joins_every_channel_of_the_person(r: Running) {
    fixture(&r).await;
    // u-t2 logs in on a phone too, with a trait, and browses there.
    send(
        &r,
        false,
        vec![
            msg(
                Some("t2-phone"),
                Some("u-t2"),
                "identify",
                None,
                json!({}),
                D2,
            ),
            msg(
                Some("t2-phone"),
                None,
                "page",
                None,
                json!({ "path": "/" }),
                D3_LATE,
            ),
        ],
    )
    .await;
    let mut traits = msg(
        Some("t2-phone"),
        Some("u-t2"),
        "identify",
        None,
        json!({}),
        D2,
    );
    traits["traits"] = json!({ "tier": "gold" });
    send(&r, false, vec![traits]).await;
    let later = user_token::now_unix() + 600;
    let token = common::user_token(KEY, "u-t2", later, USER_SECRET);
    let (status, p) = profile(&r, "anonymousId=t2", Some(&token)).await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(p["user_id"], "u-t2");
    assert_eq!(p["traits"], json!({ "tier": "gold" }));
    assert_eq!(p["updated_at"], D3_LATE);
    // Newest first, the browser's own anonymous id (t2) left out: the
    // phone's page view, then the store's order.
    let events = p["events"].as_array().unwrap();
    let kinds: Vec<(&str, &str)> = events
        .iter()
        .map(|e| {
            let name = e["event"].as_str().unwrap_or("");
            (e["type"].as_str().unwrap(), name)
        })
        .collect();
    assert_eq!(kinds, [("page", ""), ("track", "Order Completed")]);
    assert_eq!(events[1]["channel"], "store");
    assert_eq!(events[1]["properties"]["revenue"], 30.0);
    assert!(events[1]["messageId"].is_string());
    // Without the browser's ids, its events come too: t2's exposure,
    // view and dismissal besides those two.
    let (_, all) = profile(&r, "", Some(&token)).await;
    assert_eq!(all["events"].as_array().unwrap().len(), 5);

    // A user the graph does not know: an empty profile.
    let nobody = common::user_token(KEY, "u-nobody", later, USER_SECRET);
    let (status, empty) = profile(&r, "", Some(&nobody)).await;
    assert_eq!(status, 200);
    assert_eq!(empty["events"], json!([]));
    assert_eq!(empty["updated_at"], Value::Null);

    // Refused: no token, another secret, expired, another site, garbage.
    let forged = common::user_token(KEY, "u-t2", later, "not-the-secret");
    let expired = common::user_token(KEY, "u-t2", user_token::now_unix() - 1, USER_SECRET);
    let other_site = common::user_token("other", "u-t2", later, USER_SECRET);
    for (token, why) in [
        (None, "required"),
        (Some(forged.as_str()), "signature"),
        (Some(expired.as_str()), "expired"),
        (Some(other_site.as_str()), "another site"),
        (Some("v1.garbage"), "malformed"),
    ] {
        let (status, body) = profile(&r, "", token).await;
        assert_eq!(status, 401, "{why}: {body}");
        assert!(body.to_string().contains(why), "{why}: {body}");
    }
    r.stop().await;
}

fn global_exposed(anon: &str, arm: &str, at: &str) -> Value {
    msg(
        Some(anon),
        None,
        "track",
        Some("Experiment Viewed"),
        json!({ "experiment_id": "global", "variation_id": arm }),
        at,
    )
}

/// Before the exposures below: gt3's order does not count.
const D1_EARLY: &str = "2026-11-24T08:00:00.000Z";
/// 20 days after D1: inside the control group's 30-day window.
const D20: &str = "2026-12-14T10:00:00.000Z";
/// 31 days after D1: outside it.
const D31: &str = "2026-12-25T10:00:00.000Z";

/// The site-wide control group's fixture, with `global_holdout_percent`
/// 10 in the rules. Holdout gh1..gh4 (gh4 on the 25th): gh1 converts (40);
/// gh2's order of 100 is 31 days later; gh3's orders were sent from a
/// preview and by a bot. Treatment gt1..gt6 (gt6 on the 25th): gt1 (20
/// and 30 twenty days later; the 20 also converts gt1's promo exposure),
/// gt2 (60 in the store, as u-gt2 identified on the web before), gt4 (10
/// in the store two days later, as u-gt4, identified on the web only
/// afterwards) convert; gt3 bought before its exposure; gt5 re-sends its
/// exposure a day later. Noise: a preview visitor, a bot, a retried order.
async fn global_fixture(r: &Running) {
    let mut rules: Value = serde_json::from_str(RULES).unwrap();
    rules["global_holdout_percent"] = json!(10);
    let (status, body) = call(
        r,
        "PUT",
        "/v1/rules?writeKey=shop",
        &[("Authorization", &format!("Bearer {ADMIN}"))],
        &rules.to_string(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let mut web = vec![
        global_exposed("gh1", "holdout", D1),
        global_exposed("gh2", "holdout", D1),
        global_exposed("gh3", "holdout", D1),
        global_exposed("gh4", "holdout", D2),
        order(Some("gh1"), None, 40.0, D1_LATER),
        order(Some("gh2"), None, 100.0, D31),
        order(Some("gt3"), None, 15.0, D1_EARLY),
        global_exposed("gt1", "treatment", D1),
        global_exposed("gt2", "treatment", D1),
        global_exposed("gt3", "treatment", D1),
        global_exposed("gt4", "treatment", D1),
        global_exposed("gt5", "treatment", D1),
        global_exposed("gt6", "treatment", D2),
        global_exposed("gt5", "treatment", D2),
        exposed("gt1", "a", D1),
        order(Some("gt1"), None, 30.0, D20),
        msg(Some("gt2"), Some("u-gt2"), "identify", None, json!({}), D1),
    ];
    // Preview and bot traffic, never counted.
    let mut preview_order = order(Some("gh3"), None, 25.0, D1_LATER);
    preview_order["context"]["preview"] = json!(true);
    let mut bot_order = order(Some("gh3"), None, 70.0, D1_LATER);
    bot_order["context"]["userAgent"] = json!("Googlebot/2.1");
    let mut preview = global_exposed("gp", "treatment", D1);
    preview["context"]["preview"] = json!(true);
    let mut preview_buy = order(Some("gp"), None, 99.0, D1_LATER);
    preview_buy["context"]["preview"] = json!(true);
    let mut bot = global_exposed("gbot", "holdout", D1);
    bot["context"]["userAgent"] = json!("Mozilla/5.0 (compatible; bingbot/2.0)");
    let mut bot_buy = order(Some("gbot"), None, 99.0, D1_LATER);
    bot_buy["context"]["userAgent"] = json!("bingbot/2.0");
    web.extend([preview_order, bot_order, preview, preview_buy, bot, bot_buy]);
    let gt1_order = order(Some("gt1"), None, 20.0, D1_LATER);
    web.push(gt1_order.clone());
    send(r, false, web).await;
    // A retry of gt1's order: counted once.
    send(r, false, vec![gt1_order]).await;
    // The store, by user id only, with the source key: u-gt2 is already
    // gt2's person; u-gt4 is a person of its own until gt4 logs in.
    send(
        r,
        true,
        vec![
            order(None, Some("u-gt2"), 60.0, D2),
            order(None, Some("u-gt4"), 10.0, D3_LATE),
        ],
    )
    .await;
    send(
        r,
        false,
        vec![msg(
            Some("gt4"),
            Some("u-gt4"),
            "identify",
            None,
            json!({}),
            D3_LATE,
        )],
    )
    .await;
}

fn global_arm<'a>(report: &'a Value, variant: &str) -> &'a Value {
    report["global"]["arms"]
        .as_array()
        .unwrap_or_else(|| panic!("no global section: {report}"))
        .iter()
        .find(|a| a["variant_id"] == variant)
        .unwrap_or_else(|| panic!("no global arm {variant}: {report}"))
}

async fn the_site_wide_control_group(r: Running) {
    // Rules without a control group and no global exposure: no section.
    let rep = report(&r, "from=2026-11-24&to=2026-11-25").await;
    assert_eq!(rep["global"], Value::Null);
    global_fixture(&r).await;
    let rep = report(&r, "from=2026-11-24&to=2026-11-25").await;
    // Not a campaign: the campaigns list is the rules' only.
    let ids: Vec<&Value> = rep["campaigns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["campaign_id"])
        .collect();
    assert_eq!(ids, [&json!("promo")]);
    // gt1's order of 20 converts the promo too.
    let a = arm(&rep, "a");
    assert_eq!(
        (a["exposed"].as_u64(), a["conversions"].as_u64()),
        (Some(1), Some(1))
    );
    close(&a["revenue"], 20.0);
    let g = &rep["global"];
    close(&g["holdout_percent"], 10.0);
    assert_eq!(
        g["goal"],
        json!({ "event": "Order Completed", "within_hours": 720.0, "where": false })
    );
    let arms: Vec<&Value> = g["arms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["variant_id"])
        .collect();
    assert_eq!(arms, [&json!("holdout"), &json!("treatment")]);
    let h = global_arm(&rep, "holdout");
    assert_eq!(
        (
            h["exposed"].as_u64(),
            h["conversions"].as_u64(),
            h["control"].as_bool()
        ),
        (Some(4), Some(1), Some(true))
    );
    close(&h["revenue"], 40.0);
    close(&h["revenue_per_exposed"]["estimate"], 10.0);
    // 0.25 − 1.959964 · sqrt(0.25 · 0.75 / 4)
    close(&h["conversion_rate"]["ci"][0], -0.174_344_650_278_564_38);
    assert!(h["uplift"].is_null());
    let t = global_arm(&rep, "treatment");
    assert_eq!(
        [
            &t["exposed"],
            &t["conversions"],
            &t["impressions"],
            &t["clicks"],
            &t["dismissals"]
        ]
        .map(|v| v.as_u64().unwrap()),
        [6, 3, 0, 0, 0]
    );
    assert_eq!(t["control"], false);
    // gt1 50, gt2 60, gt4 10.
    close(&t["revenue"], 120.0);
    close(&t["conversion_rate"]["estimate"], 0.5);
    // 0.5 ± 1.959964 · sqrt(0.25 / 6)
    close(&t["conversion_rate"]["ci"][0], 0.099_924_026_970_390_82);
    close(&t["conversion_rate"]["ci"][1], 0.900_075_973_029_609_2);
    // m(6) = 24.7643 (one arm)
    close(
        &t["conversion_rate"]["ci_sequential"][0],
        -4.648_333_054_263_833,
    );
    close(&t["revenue_per_exposed"]["estimate"], 20.0);
    // 20 ± 1.959964 · sqrt(s² / 6), s² = (2500 + 3600 + 100 − 120² / 6) / 5 = 760
    close(&t["revenue_per_exposed"]["ci"][0], -2.058_666_867_120_262_4);
    let u = &t["uplift"];
    // 0.5 − 0.25 ± 1.959964 · sqrt(0.25 / 6 + 0.046875)
    close(&u["absolute"]["estimate"], 0.25);
    close(&u["absolute"]["ci"][0], -0.333_205_938_254_769_2);
    close(&u["absolute"]["ci"][1], 0.833_205_938_254_769_2);
    // m(10) = 19.608122 (n = 10 persons)
    close(&u["absolute"]["ci_sequential"][0], -5.584_583_196_211_073);
    close(&u["absolute"]["ci_sequential"][1], 6.084_583_196_211_073);
    // 0.5 / 0.25 − 1 ± 1.959964 · sqrt((0.25 / 6) / 0.0625 + 0.25 · 0.046875 / 0.00390625)
    close(&u["relative"]["estimate"], 1.0);
    close(&u["relative"]["ci"][0], -2.753_045_298_049_544);
    close(&u["relative"]["ci"][1], 4.753_045_298_049_544);
    close(&u["relative"]["ci_sequential"][1], 38.546_694_219_449_3);
    // 20 − 10 ± 1.959964 · sqrt(760 / 6 + 400 / 4)
    close(&u["revenue_per_exposed"]["estimate"], 10.0);
    close(&u["revenue_per_exposed"]["ci"][0], -19.508_145_757_129_533);
    close(&u["revenue_per_exposed"]["ci"][1], 39.508_145_757_129_53);
    close(
        &u["revenue_per_exposed"]["ci_sequential"][0],
        -285.209_153_564_353_5,
    );
    // One day: gh4 and gt6 were first exposed on the 25th (gt5 on the 24th).
    let one = report(&r, "from=2026-11-24&to=2026-11-24").await;
    assert_eq!(global_arm(&one, "holdout")["exposed"], 3);
    assert_eq!(global_arm(&one, "treatment")["exposed"], 5);
    // The daily series and the CSV rows, marked with the reserved id.
    let rep = report(&r, "from=2026-11-24&to=2026-11-25&interval=day").await;
    let cells: Vec<(String, String, u64, u64)> = rep["global"]["daily"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["day"].as_str().unwrap().into(),
                d["variant_id"].as_str().unwrap().into(),
                d["exposed"].as_u64().unwrap(),
                d["conversions"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        cells,
        [
            ("2026-11-24".into(), "holdout".into(), 3, 1),
            ("2026-11-24".into(), "treatment".into(), 5, 3),
            ("2026-11-25".into(), "holdout".into(), 1, 0),
            ("2026-11-25".into(), "treatment".into(), 1, 0),
        ]
    );
    let (status, body) = call(
        &r,
        "GET",
        "/v1/reports/campaigns?writeKey=shop&from=2026-11-24&to=2026-11-25&format=csv",
        &[("Authorization", &format!("Bearer {ADMIN}"))],
        "",
    )
    .await;
    assert_eq!(status, 200);
    let lines: Vec<&str> = body.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 1 + 2 + 2, "{body}");
    assert!(lines[1].starts_with("promo,holdout,"), "{body}");
    assert!(
        lines[3].starts_with("global,holdout,,true,4,0,0,0,1,0.25,40,10,,"),
        "{}",
        lines[3]
    );
    assert!(
        lines[4]
            .starts_with("global,treatment,,false,6,0,0,0,3,0.5,120,20,0.25,-0.333206,0.833206,"),
        "{}",
        lines[4]
    );
    r.stop().await;
}

/// Many requests at once merging the same persons from both ends (aliases
/// of a chain of users, logins, exposures and orders of their ids): on
/// PostgreSQL they lock overlapping persons in different orders. Every one
/// is stored (no 5xx: a deadlock is retried by the server) and the graph
/// ends as if they had come one by one: one person, exposed once,
/// converted once.
async fn concurrent_merges_all_land_and_agree(r: Running) {
    const N: usize = 16;
    let r = std::sync::Arc::new(r);
    for i in 0..N {
        let (d, u) = (format!("dev{i}"), format!("usr{i}"));
        send(
            &r,
            false,
            vec![msg(
                Some(&d),
                Some(&u),
                "identify",
                None,
                json!({}),
                D1_EARLY,
            )],
        )
        .await;
    }
    let mut tasks = Vec::new();
    for round in 0..8 {
        for i in 0..N {
            let r = r.clone();
            tasks.push(tokio::spawn(async move {
                let (d, u, next) = (format!("dev{i}"), format!("usr{i}"), format!("usr{}", (i + 1) % N));
                // Odd rounds alias the other way: each request locks its two ids, the
                // merge reaches every id of both persons.
                let (from, to) = if round % 2 == 0 { (&u, &next) } else { (&next, &u) };
                let at = if i == 0 { D1 } else { D1_LATER };
                let batches = [
                    (true, vec![json!({ "type": "alias", "messageId": mid(), "previousId": from, "userId": to, "timestamp": D1 })]),
                    (false, vec![exposed(&d, "a", at), promo(&d, "Promotion Viewed", at)]),
                    (true, vec![order(None, Some(&u), 10.0, D2)]),
                ];
                let mut statuses = Vec::new();
                for (source, messages) in batches {
                    let auth = if source { basic(KEY, SOURCE) } else { basic(KEY, "") };
                    let body = json!({ "batch": messages }).to_string();
                    let (status, text) = call(&r, "POST", "/v1/batch", &[("Authorization", &auth), ("Content-Type", "application/json")], &body).await;
                    statuses.push((status, text));
                }
                statuses
            }));
        }
    }
    for t in tasks {
        for (status, text) in t.await.unwrap() {
            assert_eq!(status, 200, "{text}");
            assert!(!text.contains("\"rejected\":[{"), "{text}");
        }
    }
    let (anon, users) = ids(&r, Some("dev3"), None).await;
    assert_eq!(anon.len(), N, "{anon:?}");
    assert_eq!(users.len(), N, "{users:?}");
    let rep = report(&r, "from=2026-11-24&to=2026-11-24").await;
    let a = arm(&rep, "a");
    assert_eq!(a["exposed"], 1, "{rep}");
    assert_eq!(a["conversions"], 1, "{rep}");
    assert_eq!(a["impressions"], 8 * N, "{rep}");
    // The first exposure (dev0's, the earliest) opens the window: each of
    // the person's orders in it counts once.
    assert_eq!(a["revenue"], 10.0 * (8 * N) as f64, "{rep}");
}

macro_rules! suite {
    ($($name:ident),* $(,)?) => {
        mod sqlite_backend {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::sqlite().await.unwrap()).await;
                }
            )*
        }
        mod postgres_backend {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(r) = super::postgres().await else { return };
                    super::$name(r).await;
                }
            )*
        }
    };
}

suite!(
    report_numbers_match_the_hand_computed_fixture,
    csv_and_the_daily_series,
    the_report_needs_the_admin_token_and_real_dates,
    identity_rules,
    forget_erases_a_merged_person,
    retention_drops_old_events_aggregates_and_empty_persons,
    the_signed_profile_joins_every_channel_of_the_person,
    the_site_wide_control_group,
    concurrent_merges_all_land_and_agree,
);

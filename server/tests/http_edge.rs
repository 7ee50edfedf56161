//! The server's edge over real HTTP: a [`Server`] on an ephemeral port with a
//! temporary database per test. Origins, admin tokens, body encodings and
//! limits, the rate limit, user tokens, source keys, the single-message
//! endpoints and `/healthz`.

mod common;

use common::{track, RULES};
use flate2::write::{GzEncoder, ZlibEncoder};
use flate2::Compression;
use parcours_server::config::Secret;
use parcours_server::store::{block_on, StoredEvent};
use parcours_server::user_token;
use parcours_server::{Config, Database, RateLimit, Server, SiteConfig};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;
use tempfile::TempDir;

const SECRET: &str = "user-secret";
const SOURCE: &str = "source-key";

struct Running {
    addr: String,
    tokens: Vec<(String, String)>,
    dir: TempDir,
    _stop: tokio::sync::oneshot::Sender<()>,
}

/// A server with site `shop` (origin https://shop.example, a user-token
/// secret, a source key) and site `demo` (the seed, generated admin token).
async fn start(tweak: impl FnOnce(&mut Config)) -> Running {
    let dir = tempfile::tempdir().unwrap();
    let shop = SiteConfig {
        origins: vec!["https://shop.example".into()],
        admin_token: Some(Secret("shop-admin".into())),
        user_token_secret: Some(Secret(SECRET.into())),
        source_key: Some(Secret(SOURCE.into())),
    };
    let seed = dir.path().join("rules.json");
    std::fs::write(&seed, RULES).unwrap();
    let mut config = Config {
        listen: "127.0.0.1:0".into(),
        database: Database::Sqlite(dir.path().join("db/parcours.sqlite3")),
        sites: [("shop".to_owned(), shop)].into(),
        seed_rules: Some(seed),
        ..Config::default()
    };
    tweak(&mut config);
    let server = Server::bind(config).await.unwrap();
    let (addr, tokens) = (server.addr.to_string(), server.new_tokens.clone());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server.run(async {
        let _ = rx.await;
    }));
    Running {
        addr,
        tokens,
        dir,
        _stop: tx,
    }
}

struct Res {
    status: u16,
    head: String,
    body: String,
}

impl Res {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|_| panic!("not JSON: {}", self.body))
    }
    fn header(&self, name: &str) -> Option<String> {
        self.head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            (k.eq_ignore_ascii_case(name)).then(|| v.trim().to_owned())
        })
    }
}

/// One HTTP/1.1 exchange on a blocking socket (off the runtime's threads).
async fn http(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> Res {
    let (addr, method, path) = (addr.to_owned(), method.to_owned(), path.to_owned());
    let headers: Vec<(String, String)> = headers
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    tokio::task::spawn_blocking(move || {
        let mut s = TcpStream::connect(&addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut req = format!(
            "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
            body.len()
        );
        for (k, v) in &headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str("\r\n");
        let mut bytes = req.into_bytes();
        bytes.extend_from_slice(&body);
        s.write_all(&bytes).unwrap();
        let mut raw = Vec::new();
        let _ = s.read_to_end(&mut raw);
        let raw = String::from_utf8_lossy(&raw).into_owned();
        let (head, body) = raw.split_once("\r\n\r\n").unwrap_or((&raw, ""));
        Res {
            status: head.split(' ').nth(1).unwrap_or("0").parse().unwrap(),
            head: head.to_owned(),
            body: body.to_owned(),
        }
    })
    .await
    .unwrap()
}

fn batch_of(key: &str, msgs: Vec<Value>) -> Vec<u8> {
    json!({ "writeKey": key, "batch": msgs })
        .to_string()
        .into_bytes()
}

fn stored(r: &Running, key: &str) -> Vec<StoredEvent> {
    let path = r.dir.path().join("db/parcours.sqlite3");
    let db = parcours_server::open_db_file(&path, Default::default()).unwrap();
    block_on(db.events(Some(key))).unwrap()
}

/// `PUT /v1/rules` of site `key`, with `auth` as the `Authorization` header.
async fn put_rules(addr: &str, key: &str, auth: &str) -> Res {
    let path = format!("/v1/rules?writeKey={key}");
    http(addr, "PUT", &path, &[("authorization", auth)], RULES.into()).await
}

fn basic(user: &str, password: &str) -> String {
    use base64::Engine as _;
    let b = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    format!("Basic {b}")
}

#[tokio::test]
async fn healthz_and_the_generated_admin_token_guard_rules_writes() {
    let r = start(|_| {}).await;
    assert_eq!(
        http(&r.addr, "GET", "/healthz", &[], vec![]).await.status,
        200
    );
    // Only the seed site had no configured token: one was made and is shown once.
    assert_eq!(r.tokens.len(), 1);
    let (site, token) = &r.tokens[0];
    assert_eq!(site, "demo");
    let put = |auth: String| {
        let addr = r.addr.clone();
        async move { put_rules(&addr, "demo", &auth).await }
    };
    assert_eq!(put(String::new()).await.status, 401);
    assert_eq!(put("Bearer wrong".into()).await.status, 401);
    assert_eq!(
        put("Bearer shop-admin".into()).await.status,
        401,
        "another site's token"
    );
    let ok = put(format!("Bearer {token}")).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    let res = put_rules(&r.addr, "shop", "Bearer shop-admin").await;
    assert_eq!(res.status, 200, "{}", res.body);
}

#[tokio::test]
async fn a_restart_keeps_the_token_and_prints_none() {
    let r = start(|_| {}).await;
    let path = r.dir.path().join("db/parcours.sqlite3");
    let again = start(|c| c.database = Database::Sqlite(path.clone())).await;
    assert!(again.tokens.is_empty(), "{:?}", again.tokens);
    let h = format!("Bearer {}", r.tokens[0].1);
    let res = put_rules(&again.addr, "demo", &h).await;
    assert_eq!(res.status, 200, "{}", res.body);
}

#[tokio::test]
async fn origins_are_access_control_even_for_text_plain_beacons() {
    let r = start(|_| {}).await;
    let own = format!("http://{}", r.addr);
    let beacon = |origin: String, key: &'static str, id: &'static str| {
        let addr = r.addr.clone();
        async move {
            let h = [("origin", origin.as_str()), ("content-type", "text/plain")];
            http(
                &addr,
                "POST",
                "/v1/batch",
                &h,
                batch_of(key, vec![track(id, "A")]),
            )
            .await
        }
    };
    let res = beacon("https://evil.example".into(), "shop", "m1").await;
    assert_eq!(res.status, 403, "{}", res.body);
    assert_eq!(res.header("access-control-allow-origin"), None);
    // shop.example is shop's origin, not demo's.
    assert_eq!(
        beacon("https://shop.example".into(), "demo", "m2")
            .await
            .status,
        403
    );
    let res = beacon("https://shop.example".into(), "shop", "m3").await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(
        res.header("access-control-allow-origin").as_deref(),
        Some("https://shop.example")
    );
    // The server's own pages (the demo) may call for any site.
    assert_eq!(beacon(own, "demo", "m4").await.status, 200);
    // No Origin: a server-side client, judged by its key.
    let res = http(
        &r.addr,
        "POST",
        "/v1/batch",
        &[],
        batch_of("demo", vec![track("m5", "A")]),
    )
    .await;
    assert_eq!(res.status, 200);
    let pre = [
        ("origin", "https://evil.example"),
        ("access-control-request-method", "POST"),
    ];
    assert_eq!(
        http(&r.addr, "OPTIONS", "/v1/batch", &pre, vec![])
            .await
            .status,
        403
    );
    assert_eq!(stored(&r, "shop").len(), 1);
    assert_eq!(stored(&r, "demo").len(), 2);
}

#[tokio::test]
async fn gzip_and_deflate_bodies_are_stored_and_a_zip_bomb_is_413() {
    let r = start(|_| {}).await;
    let body = batch_of("demo", vec![track("g1", "A")]);
    let mut gz = GzEncoder::new(Vec::new(), Compression::default());
    gz.write_all(&body).unwrap();
    let h = [
        ("content-encoding", "gzip"),
        ("content-type", "application/json"),
    ];
    let res = http(&r.addr, "POST", "/v1/batch", &h, gz.finish().unwrap()).await;
    assert_eq!(
        (res.status, res.json()["accepted"].as_u64()),
        (200, Some(1)),
        "{}",
        res.body
    );
    let mut z = ZlibEncoder::new(Vec::new(), Compression::default());
    z.write_all(&batch_of("demo", vec![track("d1", "A")]))
        .unwrap();
    let res = http(
        &r.addr,
        "POST",
        "/v1/batch",
        &[("content-encoding", "deflate")],
        z.finish().unwrap(),
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.body);

    // 10 MB of spaces inside a valid JSON batch: ~10 KB compressed.
    let mut bomb = GzEncoder::new(Vec::new(), Compression::best());
    bomb.write_all(b"{\"writeKey\":\"demo\",\"batch\":[")
        .unwrap();
    bomb.write_all(&vec![b' '; 10 << 20]).unwrap();
    bomb.write_all(b"]}").unwrap();
    let bomb = bomb.finish().unwrap();
    assert!(bomb.len() < 50_000, "{}", bomb.len());
    let res = http(
        &r.addr,
        "POST",
        "/v1/batch",
        &[("content-encoding", "gzip")],
        bomb,
    )
    .await;
    assert_eq!(res.status, 413, "{}", res.body);
    let mut big = track("big", "A");
    big["properties"]["blob"] = json!("x".repeat(600 * 1024));
    let res = http(
        &r.addr,
        "POST",
        "/v1/batch",
        &[],
        batch_of("demo", vec![big]),
    )
    .await;
    assert_eq!(res.status, 413);
    let ids: Vec<_> = stored(&r, "demo")
        .into_iter()
        .map(|e| e.message_id)
        .collect();
    assert_eq!(ids, ["g1", "d1"]);
}

#[tokio::test]
async fn the_rate_limit_answers_429_with_retry_after_and_spares_source_keys() {
    let r = start(|c| {
        c.rate_limit = Some(RateLimit {
            requests: 3,
            per: Duration::from_secs(60),
        })
    })
    .await;
    for i in 0..3 {
        let res = http(
            &r.addr,
            "POST",
            "/v1/batch",
            &[],
            batch_of("shop", vec![track(&format!("r{i}"), "A")]),
        )
        .await;
        assert_eq!(res.status, 200, "{}", res.body);
    }
    let res = http(
        &r.addr,
        "POST",
        "/v1/batch",
        &[],
        batch_of("shop", vec![track("r4", "A")]),
    )
    .await;
    assert_eq!(res.status, 429);
    let wait: u64 = res.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=20).contains(&wait), "{wait}");
    // Another site from the same address has its own budget; a source is exempt.
    let res = http(
        &r.addr,
        "POST",
        "/v1/batch",
        &[],
        batch_of("demo", vec![track("o1", "A")]),
    )
    .await;
    assert_eq!(res.status, 200);
    let auth = basic("shop", SOURCE);
    let res = http(
        &r.addr,
        "POST",
        "/v1/batch",
        &[("authorization", &auth)],
        batch_of("", vec![track("s1", "A")]),
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert_eq!(stored(&r, "shop").len(), 4);
}

#[tokio::test]
async fn only_the_source_key_may_send_user_only_and_store_messages() {
    let r = start(|_| {}).await;
    let user_only =
        json!({ "type": "track", "messageId": "u1", "userId": "u-1", "event": "Order Completed" });
    let store = json!({ "type": "track", "messageId": "st1", "anonymousId": "a", "event": "Order Completed",
                        "context": { "channel": "store" } });
    let res = http(
        &r.addr,
        "POST",
        "/v1/batch",
        &[],
        batch_of(
            "shop",
            vec![user_only.clone(), store.clone(), track("ok", "A")],
        ),
    )
    .await;
    let out = res.json();
    assert_eq!(out["accepted"], 1);
    let fields: Vec<_> = out["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["field"].clone())
        .collect();
    assert_eq!(fields, [json!("anonymousId"), json!("context.channel")]);
    let auth = basic("shop", SOURCE);
    let res = http(
        &r.addr,
        "POST",
        "/v1/batch",
        &[("authorization", &auth)],
        batch_of("", vec![user_only, store]),
    )
    .await;
    assert_eq!(res.json()["accepted"], 2, "{}", res.body);
    let wrong = basic("shop", "guess");
    let res = http(
        &r.addr,
        "POST",
        "/v1/batch",
        &[("authorization", &wrong)],
        batch_of("", vec![track("w", "A")]),
    )
    .await;
    assert_eq!(res.status, 401);
}

#[tokio::test]
async fn the_write_key_comes_from_basic_user_or_password_or_body_else_401() {
    let r = start(|_| {}).await;
    let user = basic("demo", "");
    let pass = basic("", "demo");
    for (i, auth) in [user, pass].iter().enumerate() {
        let body = json!({ "batch": [track(&format!("k{i}"), "A")] }).to_string();
        let res = http(
            &r.addr,
            "POST",
            "/v1/batch",
            &[("authorization", auth)],
            body.into(),
        )
        .await;
        assert_eq!(res.status, 200, "{}", res.body);
    }
    let body = json!({ "batch": [track("k9", "A")] }).to_string();
    assert_eq!(
        http(&r.addr, "POST", "/v1/batch", &[], body.into())
            .await
            .status,
        401
    );
    assert_eq!(stored(&r, "demo").len(), 2);
}

#[tokio::test]
async fn every_single_message_endpoint_stores_its_type() {
    let r = start(|_| {}).await;
    let auth = basic("demo", "");
    let msgs = [
        ("track", json!({ "event": "Viewed" })),
        ("page", json!({ "name": "Home" })),
        ("screen", json!({ "name": "Cart" })),
        ("identify", json!({ "traits": { "plan": "vip" } })),
        ("group", json!({ "groupId": "g1" })),
        ("alias", json!({ "previousId": "old" })),
    ];
    for (kind, mut m) in msgs {
        m["messageId"] = json!(format!("s-{kind}"));
        m["anonymousId"] = json!("anon-s");
        let res = http(
            &r.addr,
            "POST",
            &format!("/v1/{kind}"),
            &[("authorization", &auth)],
            m.to_string().into(),
        )
        .await;
        assert_eq!(
            (res.status, res.json()["accepted"].as_u64()),
            (200, Some(1)),
            "{kind}: {}",
            res.body
        );
    }
    let kinds: Vec<_> = stored(&r, "demo").into_iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        ["track", "page", "screen", "identify", "group", "alias"]
    );
}

#[tokio::test]
async fn forget_by_user_id_needs_a_valid_user_token() {
    let r = start(|_| {}).await;
    let auth = basic("shop", SOURCE);
    let mut known = track("f1", "A");
    known["anonymousId"] = json!("anon-other");
    known["userId"] = json!("u-1");
    let msgs = vec![track("f0", "A"), known];
    http(
        &r.addr,
        "POST",
        "/v1/batch",
        &[("authorization", &auth)],
        batch_of("", msgs),
    )
    .await;
    let token = common::user_token;
    let later = user_token::now_unix() + 600;
    let body = json!({ "writeKey": "shop", "userId": "u-1" }).to_string();
    let forget = |t: Option<String>| {
        let (addr, body) = (r.addr.clone(), body.clone());
        async move {
            let h = t.map(|t| format!("Bearer {t}"));
            let h: Vec<_> = h.iter().map(|v| ("authorization", v.as_str())).collect();
            http(&addr, "POST", "/v1/forget", &h, body.into()).await
        }
    };
    for (bad, why) in [
        (None, "required"),
        (Some(token("shop", "u-1", 1000, SECRET)), "expired"),
        (Some(token("demo", "u-1", later, SECRET)), "another site"),
        (Some(token("shop", "u-2", later, SECRET)), "another userId"),
        (
            Some(token("shop", "u-1", later, "not-the-secret")),
            "signature",
        ),
    ] {
        let res = forget(bad).await;
        assert_eq!(res.status, 401, "{why}");
        assert!(
            res.json()["error"].as_str().unwrap().contains(why),
            "{why}: {}",
            res.body
        );
    }
    assert_eq!(stored(&r, "shop").len(), 2);
    // Both ids, no token: the anonymous part goes, the refusal is said.
    let both = json!({ "writeKey": "shop", "anonymousId": "anon-1", "userId": "u-1" });
    let res = http(&r.addr, "POST", "/v1/forget", &[], both.to_string().into()).await;
    assert_eq!((res.status, res.json()["deleted"].as_u64()), (200, Some(1)));
    assert_eq!(res.json()["refused"]["field"], "userId");
    let res = forget(Some(token("shop", "u-1", later, SECRET))).await;
    assert_eq!(
        (res.status, res.json()["deleted"].as_u64()),
        (200, Some(1)),
        "{}",
        res.body
    );
    assert!(stored(&r, "shop").is_empty());
}

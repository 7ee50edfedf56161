//! The server binary under failure: SIGKILL during a load loses no
//! acknowledged event; SIGTERM lets the request in flight finish; a database from before the storage module migrates
//! and keeps everything; two servers on one PostgreSQL share events and rules.

mod common;

use common::process::{http, start, BIN};
use parcours_server::store::{block_on, sqlite::SqliteStore, Store};
use parcours_server::Synchronous;
use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

const RULES_FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/rules.json");

fn batch_body(ids: &[String]) -> String {
    let msgs: Vec<String> = ids
        .iter()
        .map(|id| {
            format!(
                r#"{{"type":"track","event":"Load","messageId":"{id}","anonymousId":"anon","timestamp":"2026-11-24T10:00:00.000Z","properties":{{"n":1}}}}"#
            )
        })
        .collect();
    format!(r#"{{"writeKey":"shop","batch":[{}]}}"#, msgs.join(","))
}

/// One keep-alive POST; `Some(status)` or `None` when the connection died.
fn post(conn: &mut BufReader<TcpStream>, addr: &str, body: &str) -> Option<u16> {
    let req = format!(
        "POST /v1/batch HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    conn.get_mut().write_all(req.as_bytes()).ok()?;
    let mut status_line = String::new();
    if conn.read_line(&mut status_line).ok()? == 0 {
        return None;
    }
    let status = status_line.split(' ').nth(1)?.parse().ok()?;
    let mut length = 0;
    loop {
        let mut line = String::new();
        if conn.read_line(&mut line).ok()? == 0 {
            return None;
        }
        if line == "\r\n" {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                length = v.trim().parse().ok()?;
            }
        }
    }
    let mut body = vec![0; length];
    conn.read_exact(&mut body).ok()?;
    Some(status)
}

/// The server on the SQLite file `db`, site `shop` seeded, rate limit off.
fn start_shop(db: &std::path::Path) -> (common::process::Server, String) {
    start(&[
        "--database",
        db.to_str().unwrap(),
        "--seed-rules",
        RULES_FILE,
        "--seed-write-key",
        "shop",
        "--rate-limit",
        "off",
    ])
}

/// The messageIds stored for `shop` in the SQLite file `db`.
fn stored_ids(db: &std::path::Path) -> HashSet<String> {
    let store = Store::Sqlite(SqliteStore::open(db, Synchronous::Normal).unwrap());
    block_on(store.events(Some("shop")))
        .unwrap()
        .into_iter()
        .map(|e| e.message_id)
        .collect()
}

#[test]
fn sigkill_during_a_load_loses_no_acknowledged_event() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("kill.sqlite3");
    let (mut server, addr) = start_shop(&db);
    let acked = Arc::new(Mutex::new(Vec::<String>::new()));
    let count = Arc::new(AtomicUsize::new(0));
    let dead = Arc::new(AtomicBool::new(false));
    let loaders: Vec<_> = (0..4)
        .map(|t| {
            let (acked, count, dead, addr) =
                (acked.clone(), count.clone(), dead.clone(), addr.clone());
            std::thread::spawn(move || {
                let mut conn = BufReader::new(TcpStream::connect(&addr).unwrap());
                for n in 0.. {
                    let ids: Vec<String> = (0..20).map(|i| format!("t{t}-{n}-{i}")).collect();
                    match post(&mut conn, &addr, &batch_body(&ids)) {
                        Some(200) => {
                            count.fetch_add(ids.len(), Ordering::Relaxed);
                            acked.lock().unwrap().extend(ids);
                        }
                        Some(other) if !dead.load(Ordering::Relaxed) => panic!("status {other}"),
                        _ => return,
                    }
                }
            })
        })
        .collect();
    while count.load(Ordering::Relaxed) < 4000 {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    dead.store(true, Ordering::Relaxed);
    // SIGKILL: no shutdown code runs.
    server.0.kill().unwrap();
    let _ = server.0.wait();
    for l in loaders {
        l.join().unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    assert!(acked.len() >= 4000);
    let stored = stored_ids(&db);
    let lost: Vec<&String> = acked.iter().filter(|id| !stored.contains(*id)).collect();
    assert!(
        lost.is_empty(),
        "{} acknowledged events lost, e.g. {:?}",
        lost.len(),
        &lost[..lost.len().min(5)]
    );
}

#[test]
fn a_database_from_before_the_storage_module_migrates_and_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.sqlite3");
    {
        // The schema main shipped: migration 1 (user_version 1) plus the
        // admin token table db_sites created outside the migrations.
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch(parcours_server::store::sqlite::MIGRATIONS[0])
            .unwrap();
        c.execute_batch(
            "CREATE TABLE IF NOT EXISTS site_admin_tokens (
                 write_key TEXT PRIMARY KEY NOT NULL, token_hash TEXT NOT NULL, created_at TEXT NOT NULL);
             PRAGMA user_version = 1;
             INSERT INTO sites VALUES ('shop', '2026-01-01T00:00:00.000Z');
             INSERT INTO rules VALUES ('shop', '{\"version\":\"old\"}', '\"e1\"', 3, '2026-01-01T00:00:00.000Z');
             INSERT INTO site_admin_tokens VALUES ('shop', 'hash', '2026-01-01T00:00:00.000Z');
             INSERT INTO events (write_key, message_id, type, event, anonymous_id, user_id, timestamp, received_at, payload)
                 VALUES ('shop', 'm1', 'track', 'Old', 'anon', NULL, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z', '{\"messageId\":\"m1\"}');",
        )
        .unwrap();
    }
    let (server, addr) = start(&["--database", path.to_str().unwrap()]);
    let (status, _, body) = http(&addr, "GET", "/v1/rules?writeKey=shop", &[], "");
    assert_eq!((status, body.as_str()), (200, r#"{"version":"old"}"#));
    let (status, _, _) = http(
        &addr,
        "POST",
        "/v1/batch",
        &[("Content-Type", "application/json")],
        &batch_body(&["m1".into(), "m2".into()]),
    );
    assert_eq!(status, 200);
    drop(server);
    let c = rusqlite::Connection::open(&path).unwrap();
    let version: i64 = c
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        version,
        parcours_server::store::sqlite::MIGRATIONS.len() as i64
    );
    let column = |sql: &str| -> Vec<String> {
        c.prepare(sql)
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    assert_eq!(
        column("SELECT message_id FROM events ORDER BY id"),
        ["m1", "m2"]
    );
    assert_eq!(
        column("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events' ORDER BY name"),
        [
            "events_server_message",
            "events_user_id",
            "events_visitor_message"
        ]
    );
    let (hash, rules_version): (String, i64) = c
        .query_row(
            "SELECT token_hash, version FROM site_admin_tokens JOIN rules USING (write_key)",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((hash.as_str(), rules_version), ("hash", 3));
}

#[test]
fn two_servers_on_one_postgres_store_once_and_share_rules() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let Some(url) = runtime.block_on(common::pg::fresh_database()) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let sites = dir.path().join("sites.toml");
    std::fs::write(
        &sites,
        "[sites.shop]\nadmin_token = \"admin-secret-token\"\n",
    )
    .unwrap();
    let args = [
        "--database",
        url.as_str(),
        "--sites",
        sites.to_str().unwrap(),
    ];
    // Started together: the migrations' advisory lock keeps them apart.
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| start(&args));
        let b = s.spawn(|| start(&args));
        (a.join().unwrap(), b.join().unwrap())
    });
    let ((_a, addr_a), (_b, addr_b)) = (a, b);
    let body = batch_body(&["same".into()]);
    let json = [("Content-Type", "application/json")];
    let (sa, _, ra) = http(&addr_a, "POST", "/v1/batch", &json, &body);
    let (sb, _, rb) = http(&addr_b, "POST", "/v1/batch", &json, &body);
    assert_eq!((sa, sb), (200, 200));
    assert!(ra.contains(r#""accepted":1"#), "{ra}");
    assert!(rb.contains(r#""duplicates":1"#), "{rb}");
    let rules = std::fs::read_to_string(RULES_FILE).unwrap();
    let auth = [("Authorization", "Bearer admin-secret-token")];
    let (put, _, _) = http(&addr_a, "PUT", "/v1/rules?writeKey=shop", &auth, &rules);
    assert_eq!(put, 200);
    let (got, head, served) = http(&addr_b, "GET", "/v1/rules?writeKey=shop", &[], "");
    assert_eq!((got, served.as_str()), (200, rules.as_str()));
    let etag = head
        .lines()
        .find_map(|l| l.strip_prefix("etag: "))
        .unwrap()
        .to_owned();
    // A second PUT through B is seen by A, with the new ETag (no stale cache).
    let changed = rules.replacen("#17", "#18", 1);
    assert_ne!(changed, rules);
    let (put2, _, _) = http(&addr_b, "PUT", "/v1/rules?writeKey=shop", &auth, &changed);
    let (got2, head2, served2) = http(
        &addr_a,
        "GET",
        "/v1/rules?writeKey=shop",
        &[("If-None-Match", etag.as_str())],
        "",
    );
    assert_eq!((put2, got2), (200, 200), "{served2}");
    assert_eq!(served2, changed);
    assert!(!head2.contains(&etag));
    let out = std::process::Command::new(BIN)
        .args(["events", "--database", &url])
        .output()
        .unwrap();
    let lines = String::from_utf8(out.stdout).unwrap();
    assert_eq!(lines.lines().count(), 1, "{lines}");
}

#[test]
fn sigterm_lets_the_request_in_flight_finish_and_stores_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("drain.sqlite3");
    let (mut server, addr) = start_shop(&db);
    let ids: Vec<String> = (0..20).map(|i| format!("drain-{i}")).collect();
    let body = batch_body(&ids);
    let (first, rest) = body.split_at(body.len() / 2);
    let mut conn = BufReader::new(TcpStream::connect(&addr).unwrap());
    let head = format!(
        "POST /v1/batch HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    conn.get_mut().write_all(head.as_bytes()).unwrap();
    conn.get_mut().write_all(first.as_bytes()).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(200));
    // SIGTERM while the request's body is half sent.
    let pid = server.0.id().to_string();
    assert!(std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    std::thread::sleep(std::time::Duration::from_millis(300));
    conn.get_mut().write_all(rest.as_bytes()).unwrap();
    let mut status_line = String::new();
    conn.read_line(&mut status_line).unwrap();
    assert!(
        status_line.starts_with("HTTP/1.1 200"),
        "the request in flight is answered: {status_line:?}"
    );
    let exit = server.0.wait().unwrap();
    assert!(exit.success(), "a clean exit after draining: {exit:?}");
    let stored = stored_ids(&db);
    assert!(ids.iter().all(|id| stored.contains(id)), "all 20 stored");
}

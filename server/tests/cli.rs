//! The `parcours-server` binary: `serve` on a real socket, `events`, arguments.

mod common;

use common::process::{http, start, BIN};
use common::{track, RULES};
use parcours_server::open_db;
use parcours_server::store::{block_on, NewEvent};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn events_dump(data_dir: &Path, write_key: Option<&str>) -> Vec<serde_json::Value> {
    let mut cmd = Command::new(BIN);
    cmd.arg("events").arg("--data-dir").arg(data_dir);
    if let Some(k) = write_key {
        cmd.args(["--write-key", k]);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn the_binary_serves_seeded_rules_stores_a_beacon_and_stops_on_sigterm() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data"); // created by the server
    let seed = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/rules.json");
    let (mut server, addr) = start(&["--data-dir", data.to_str().unwrap(), "--seed-rules", seed]);
    assert!(!addr.ends_with(":0"), "{addr}");

    let (status, head, body) = http(&addr, "GET", "/v1/rules?writeKey=demo", &[], "");
    assert_eq!(status, 200, "{head}");
    assert!(head.contains("etag: \""), "{head}");
    assert_eq!(body, RULES);

    let batch =
        serde_json::json!({ "writeKey": "demo", "batch": [track("m-1", "Order Completed")] });
    let (status, _, body) = http(
        &addr,
        "POST",
        "/v1/batch",
        &[("Content-Type", "text/plain;charset=UTF-8")],
        &batch.to_string(),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&body).unwrap()["accepted"],
        1
    );

    let pid = server.0.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(status) = server.0.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "server did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "{status}");

    let events = events_dump(&data, None);
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!(
        (
            e["message_id"].as_str(),
            e["type"].as_str(),
            e["event"].as_str()
        ),
        (Some("m-1"), Some("track"), Some("Order Completed"))
    );
    assert_eq!(e["anonymous_id"], "anon-1");
    assert_eq!(e["user_id"], serde_json::Value::Null);
    assert_eq!(e["timestamp"], "2026-11-24T10:00:00.000Z");
    assert!(e["received_at"].is_string());
    assert_eq!(e["payload"], track("m-1", "Order Completed"));
}

#[test]
fn seeding_keeps_rules_that_are_already_stored() {
    let tmp = tempfile::tempdir().unwrap();
    let db = open_db(tmp.path()).unwrap();
    block_on(db.put_rules("shop", r#"{"version":"mine"}"#)).unwrap();
    drop(db);
    let seed = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/rules.json");
    let (_server, addr) = start(&[
        "--data-dir",
        tmp.path().to_str().unwrap(),
        "--seed-rules",
        seed,
        "--seed-write-key",
        "shop",
    ]);
    let (status, _, body) = http(&addr, "GET", "/v1/rules?writeKey=shop", &[], "");
    assert_eq!((status, body.as_str()), (200, r#"{"version":"mine"}"#));
}

#[test]
fn events_prints_one_json_line_per_event_in_receive_order() {
    let tmp = tempfile::tempdir().unwrap();
    let db = open_db(tmp.path()).unwrap();
    let ev = |id: &str, key: &str| NewEvent {
        message_id: id.into(),
        kind: "page".into(),
        event: Some("Home".into()),
        anonymous_id: Some("a".into()),
        user_id: Some("u".into()),
        timestamp: "2026-11-24T10:00:00.000Z".into(),
        payload: format!(r#"{{"messageId":"{id}","site":"{key}"}}"#),
        source: false,
    };
    block_on(async {
        db.register_site("s1").await.unwrap();
        db.register_site("s2").await.unwrap();
        for (key, ids) in [("s1", &["z", "a"][..]), ("s2", &["m"]), ("s1", &["b"])] {
            let events = ids.iter().map(|id| ev(id, key)).collect();
            db.insert_events(key, events).await.unwrap().unwrap();
        }
    });
    drop(db);

    let all: Vec<_> = events_dump(tmp.path(), None)
        .iter()
        .map(|e| e["message_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(all, ["z", "a", "m", "b"]);
    let s1 = events_dump(tmp.path(), Some("s1"));
    let ids: Vec<_> = s1
        .iter()
        .map(|e| e["message_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["z", "a", "b"]);
    let keys = [
        "message_id",
        "type",
        "event",
        "anonymous_id",
        "user_id",
        "timestamp",
        "received_at",
        "payload",
    ];
    for k in keys {
        assert!(s1[0].get(k).is_some(), "missing {k}: {}", s1[0]);
    }
    assert_eq!(s1[0]["payload"]["site"], "s1");
}

#[test]
fn bad_arguments_exit_with_usage_and_a_missing_database_is_an_error() {
    let out = Command::new(BIN)
        .args(["serve", "--bogus", "1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Usage:"));
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .arg("events")
        .arg("--data-dir")
        .arg(tmp.path().join("none"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        !tmp.path().join("none").exists(),
        "events must not create a database"
    );
    let out = Command::new(BIN).arg("--help").output().unwrap();
    assert!(out.status.success() && String::from_utf8_lossy(&out.stdout).contains("events"));
}

#[test]
fn invalid_seed_rules_are_refused_at_start_with_their_json_paths() {
    let dir = tempfile::tempdir().unwrap();
    let seed = dir.path().join("rules.json");
    std::fs::write(
        &seed,
        r#"{"version": "1", "campaigns": [{"id": "c", "variants": []}]}"#,
    )
    .unwrap();
    let out = Command::new(BIN)
        .args(["serve", "--host", "127.0.0.1", "--port", "0", "--data-dir"])
        .arg(dir.path().join("data"))
        .arg("--seed-rules")
        .arg(&seed)
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "the server must not start on invalid seed rules"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("$.campaigns[0]"),
        "stderr names the JSON path: {stderr}"
    );
}

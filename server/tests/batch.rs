//! `POST /v1/batch`: storing, de-duplication, beacons, validation, limits.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{batch, track, TestApp, RULES};
use serde_json::json;

#[tokio::test]
async fn a_valid_batch_is_stored_with_every_column() {
    let t = TestApp::with_rules("site_1", RULES);
    let page = json!({ "type": "page", "messageId": "m2", "anonymousId": "anon-1", "userId": "u-9",
                       "name": "Home", "properties": { "path": "/" } });
    let res = t
        .batch(&batch("site_1", vec![track("m1", "Product Viewed"), page]))
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(
        res.json(),
        json!({ "accepted": 2, "duplicates": 0, "rejected": [] })
    );

    let events = t.events("site_1");
    assert_eq!(events.len(), 2);
    let (e, p) = (&events[0], &events[1]);
    assert_eq!((e.message_id.as_str(), e.kind.as_str()), ("m1", "track"));
    assert_eq!(e.event.as_deref(), Some("Product Viewed"));
    assert_eq!(e.anonymous_id.as_deref(), Some("anon-1"));
    assert_eq!(e.timestamp, "2026-11-24T10:00:00.000Z");
    assert_eq!(e.payload, track("m1", "Product Viewed"));
    assert!(
        e.received_at.ends_with('Z') && e.received_at.len() == 24,
        "{}",
        e.received_at
    );
    assert_eq!(
        (p.event.as_deref(), p.user_id.as_deref()),
        (Some("Home"), Some("u-9"))
    );
}

#[tokio::test]
async fn a_repeated_message_id_is_stored_once_within_and_across_requests() {
    let t = TestApp::with_rules("site_1", RULES);
    let body = batch(
        "site_1",
        vec![track("m1", "A"), track("m1", "A"), track("m2", "B")],
    );
    let first = t.batch(&body).await.json();
    assert_eq!(
        (first["accepted"].as_u64(), first["duplicates"].as_u64()),
        (Some(2), Some(1))
    );
    // A retry of the same batch (lost response, another tab) stores nothing new.
    let retry = t.batch(&body).await.json();
    assert_eq!(
        (retry["accepted"].as_u64(), retry["duplicates"].as_u64()),
        (Some(0), Some(3))
    );
    let ids: Vec<_> = t
        .events("site_1")
        .into_iter()
        .map(|e| e.message_id)
        .collect();
    assert_eq!(ids, ["m1", "m2"]);
}

#[tokio::test]
async fn the_same_message_id_on_two_sites_is_two_events() {
    let t = TestApp::with_rules("site_1", RULES);
    t.put_rules("site_2", RULES);
    t.batch(&batch("site_1", vec![track("m1", "A")])).await;
    let res = t.batch(&batch("site_2", vec![track("m1", "A")])).await;
    assert_eq!(res.json()["accepted"], 1);
}

#[tokio::test]
async fn a_text_plain_beacon_is_accepted() {
    let t = TestApp::with_rules("site_1", RULES);
    let body = batch("site_1", vec![track("m1", "Checkout Started")]).to_string();
    let res = t.post_batch("text/plain;charset=UTF-8", body).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.json()["accepted"], 1);
    assert_eq!(t.events("site_1").len(), 1);
}

#[tokio::test]
async fn invalid_messages_are_reported_and_valid_ones_kept() {
    let t = TestApp::with_rules("site_1", RULES);
    let no_name = json!({ "type": "track", "messageId": "bad-1", "anonymousId": "a" });
    let no_id = json!({ "type": "page", "anonymousId": "a" });
    let bad_type = json!({ "type": "purchase", "messageId": "bad-3", "anonymousId": "a" });
    let nobody = json!({ "type": "identify", "messageId": "bad-4", "traits": {} });
    let bad_time = json!({ "type": "page", "messageId": "bad-5", "anonymousId": "a", "timestamp": "yesterday" });
    let body = batch(
        "site_1",
        vec![
            no_name,
            track("ok-1", "A"),
            no_id,
            bad_type,
            nobody,
            bad_time,
            json!(42),
            track("ok-2", "B"),
        ],
    );
    let res = t.batch(&body).await;
    assert_eq!(res.status, StatusCode::OK);
    let out = res.json();
    assert_eq!(out["accepted"], 2);
    assert_eq!(
        out["rejected"][0],
        json!({ "index": 0, "messageId": "bad-1", "field": "event", "error": "missing event name" })
    );
    let fields: Vec<_> = out["rejected"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["index"].as_u64().unwrap(),
                r["field"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected = [
        (0, "event"),
        (2, "messageId"),
        (3, "type"),
        (4, "anonymousId"),
        (5, "timestamp"),
        (6, "message"),
    ];
    assert_eq!(fields, expected.map(|(i, f)| (i, f.to_owned())));
    let ids: Vec<_> = t
        .events("site_1")
        .into_iter()
        .map(|e| e.message_id)
        .collect();
    assert_eq!(ids, ["ok-1", "ok-2"]);
}

#[tokio::test]
async fn malformed_json_is_400_with_its_position() {
    let t = TestApp::with_rules("site_1", RULES);
    let res = t
        .post_batch(
            "application/json",
            "{\"writeKey\": \"site_1\",\n \"batch\": [ {,] }",
        )
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    let out = res.json();
    assert_eq!(out["error"], "malformed JSON");
    assert_eq!(
        (out["line"].as_u64(), out["column"].as_u64()),
        (Some(2), Some(14))
    );

    let res = t
        .post_batch("application/json", r#"{"writeKey": "site_1"}"#)
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert!(res.json()["message"].as_str().unwrap().contains("batch"));
}

#[tokio::test]
async fn an_unknown_or_missing_write_key_is_401() {
    let t = TestApp::with_rules("site_1", RULES);
    let res = t.batch(&batch("nope", vec![track("m1", "A")])).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        res.json(),
        json!({ "error": "unknown writeKey", "writeKey": "nope" })
    );
    let res = t.batch(&json!({ "batch": [track("m1", "A")] })).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert!(res.json()["error"]
        .as_str()
        .unwrap()
        .starts_with("missing writeKey"));
    assert!(t.events("nope").is_empty());
}

#[tokio::test]
async fn the_write_key_may_come_as_the_basic_auth_username() {
    let t = TestApp::with_rules("site_1", RULES);
    let req = Request::post("/v1/batch")
        .header("content-type", "application/json")
        .header("authorization", "Basic c2l0ZV8xOg==") // "site_1:"
        .body(Body::from(
            json!({ "batch": [track("m1", "A")] }).to_string(),
        ))
        .unwrap();
    let res = t.send(req).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(t.events("site_1").len(), 1);
}

#[tokio::test]
async fn a_body_over_500_kb_is_413() {
    let t = TestApp::with_rules("site_1", RULES);
    let mut big = track("m1", "A");
    big["properties"]["blob"] = json!("x".repeat(500 * 1024));
    let body = batch("site_1", vec![big]).to_string();
    let req = Request::post("/v1/batch")
        .header("content-type", "text/plain")
        .header("content-length", body.len())
        .body(Body::from(body))
        .unwrap();
    let res = t.send(req).await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(res.json()["limit"], 500 * 1024);
    assert!(t.events("site_1").is_empty());
}

#[tokio::test]
async fn a_batch_just_under_the_limit_is_accepted() {
    let t = TestApp::with_rules("site_1", RULES);
    let mut msg = track("m1", "A");
    msg["properties"]["blob"] = json!("x".repeat(490 * 1024));
    let res = t.batch(&batch("site_1", vec![msg])).await;
    assert_eq!(res.status, StatusCode::OK);
}

#[tokio::test]
async fn beacons_only_from_the_sites_origins_are_stored_and_get_cors_headers() {
    let mut t = TestApp::with_rules("site_1", RULES);
    t.allow_origins("site_1", &["https://shop.example"]);
    let beacon = |origin: &str, id: &str| {
        Request::post("/v1/batch")
            .header("origin", origin)
            .header("content-type", "text/plain")
            .body(Body::from(
                batch("site_1", vec![track(id, "A")]).to_string(),
            ))
            .unwrap()
    };
    let res = t.send(beacon("https://shop.example", "m1")).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(
        res.header("access-control-allow-origin"),
        Some("https://shop.example")
    );
    let res = t.send(beacon("https://evil.example", "m2")).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(res.header("access-control-allow-origin"), None);
    let ids: Vec<_> = t
        .events("site_1")
        .into_iter()
        .map(|e| e.message_id)
        .collect();
    assert_eq!(ids, ["m1"]);
}

//! `POST /v1/forget`: erasing one visitor's events, and only theirs.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{batch, track, TestApp, RULES};
use serde_json::json;

async fn forget(t: &TestApp, body: serde_json::Value) -> common::TestResponse {
    let req = Request::post("/v1/forget")
        .header("content-type", "text/plain")
        .body(Body::from(body.to_string()))
        .unwrap();
    t.send(req).await
}

#[tokio::test]
async fn forget_without_a_user_token_erases_only_the_anonymous_part_and_says_so() {
    let t = TestApp::with_rules("site_1", RULES);
    let mut known = track("m3", "Order Completed");
    known["anonymousId"] = json!("anon-other-device");
    known["userId"] = json!("u-1");
    let mut stranger = track("m4", "Product Viewed");
    stranger["anonymousId"] = json!("anon-2");
    let sent = batch(
        "site_1",
        vec![track("m1", "A"), track("m2", "B"), known, stranger],
    );
    assert_eq!(t.batch(&sent).await.status, StatusCode::OK);

    let res = forget(
        &t,
        json!({ "writeKey": "site_1", "anonymousId": "anon-1", "userId": "u-1" }),
    )
    .await;
    assert_eq!(res.status, StatusCode::OK);
    let out = res.json();
    assert_eq!(out["deleted"], 2);
    assert_eq!(out["refused"]["field"], "userId");
    let left: Vec<_> = t
        .events("site_1")
        .into_iter()
        .map(|e| e.message_id)
        .collect();
    assert_eq!(left, ["m3", "m4"]);
}

#[tokio::test]
async fn forget_needs_an_id_and_a_known_site() {
    let t = TestApp::with_rules("site_1", RULES);
    assert_eq!(
        forget(&t, json!({ "writeKey": "site_1" })).await.status,
        StatusCode::BAD_REQUEST
    );
    let unknown = forget(&t, json!({ "writeKey": "nope", "anonymousId": "anon-1" })).await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
}

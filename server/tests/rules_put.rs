//! `PUT /v1/rules`: validation by the engine, storage, If-Match, admin token.
//!
//! The tests marked "needs the engine" call `Engine::from_rules`, which panics
//! with `todo!()` until the engine's rules validation lands.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{TestApp, RULES};
use serde_json::json;

async fn put_rules(
    t: &TestApp,
    key: &str,
    body: &str,
    headers: &[(&str, &str)],
) -> common::TestResponse {
    let mut req = Request::put(format!("/v1/rules?writeKey={key}"))
        .header("content-type", "application/json");
    if !headers.iter().any(|(k, _)| *k == "authorization") {
        req = req.header("authorization", format!("Bearer {}", common::ADMIN));
    }
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    t.send(req.body(Body::from(body.to_owned())).unwrap()).await
}

#[tokio::test] // needs the engine
async fn valid_rules_are_stored_and_served_with_a_new_etag() {
    let t = TestApp::new();
    let res = put_rules(&t, "site_new", RULES, &[]).await;
    assert_eq!(
        res.status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&res.body)
    );
    let out = res.json();
    assert_eq!(out["version"], 1);
    assert_eq!(out["rulesVersion"], "2026-11-24T10:00:00Z#17");
    assert!(out["warnings"].is_array());
    let got = t.get("/v1/rules?writeKey=site_new").await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.body, RULES.as_bytes());
    assert_eq!(got.header("etag"), out["etag"].as_str());

    let again = put_rules(&t, "site_new", RULES.trim(), &[]).await.json();
    assert_eq!(again["version"], 2);
    assert_ne!(again["etag"], out["etag"]);
}

#[tokio::test] // needs the engine
async fn invalid_rules_are_422_with_every_error_and_its_path() {
    let t = TestApp::with_rules("site_1", RULES);
    let bad = json!({
        "version": "1",
        "segments": [{ "id": "vip", "condition": { "x": 1 } }, { "id": "vip", "condition": {} }],
        "campaigns": [{ "id": "c1", "variants": "not an array" }]
    });
    let res = put_rules(&t, "site_1", &bad.to_string(), &[]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let out = res.json();
    assert_eq!(out["error"], "invalid rules");
    let errors = out["errors"].as_array().unwrap();
    assert!(errors.len() >= 2, "{errors:?}");
    for e in errors {
        assert!(e["path"].as_str().unwrap().starts_with('$'), "{e}");
        assert!(!e["message"].as_str().unwrap().is_empty(), "{e}");
    }
    assert!(
        errors
            .iter()
            .any(|e| e["path"].as_str().unwrap().starts_with("$.campaigns[0]")),
        "{errors:?}"
    );
    // The stored rules are unchanged.
    assert_eq!(
        t.get("/v1/rules?writeKey=site_1").await.body,
        RULES.as_bytes()
    );
}

#[tokio::test]
async fn an_unknown_interstitial_rule_is_422_at_its_path() {
    let t = TestApp::with_rules("site_1", RULES);
    let campaign = |id: &str, rule: &str| {
        json!({
            "id": id, "interstitial": rule, "trigger": { "on": "page_view" },
            "placement": "popin", "variants": [{ "id": "a" }]
        })
    };
    let doc = json!({ "version": "1", "campaigns": [campaign("ok", "allow"), campaign("bad", "sometimes")] });
    let res = put_rules(&t, "site_1", &doc.to_string(), &[]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    let out = res.json();
    let errors = out["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["path"], "$.campaigns[1].interstitial");
    assert!(errors[0]["message"]
        .as_str()
        .unwrap()
        .contains("avoid, allow"));
}

#[tokio::test] // needs the engine
async fn a_stale_if_match_is_412_and_a_current_one_stores() {
    let t = TestApp::with_rules("site_1", RULES);
    let etag = t
        .get("/v1/rules?writeKey=site_1")
        .await
        .header("etag")
        .unwrap()
        .to_owned();
    let res = put_rules(&t, "site_1", RULES.trim(), &[("if-match", "\"stale\"")]).await;
    assert_eq!(res.status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(res.json()["etag"], etag.as_str());
    let res = put_rules(&t, "site_1", RULES.trim(), &[("if-match", &etag)]).await;
    assert_eq!(res.status, StatusCode::OK);
}

#[tokio::test]
async fn malformed_rules_json_is_400_with_its_position() {
    let t = TestApp::with_rules("site_1", RULES);
    let res = put_rules(&t, "site_1", "{\n  \"version\": }", &[]).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    let out = res.json();
    assert_eq!(out["error"], "malformed JSON");
    assert_eq!(out["line"], 2);
}

#[tokio::test]
async fn put_needs_the_sites_admin_token() {
    let t = TestApp::with_rules("site_1", RULES);
    for auth in [
        "",
        "Bearer wrong!",
        "Bearer test-admi",
        "Basic dGVzdC1hZG1pbg==",
    ] {
        let headers = [("authorization", auth)];
        let res = put_rules(&t, "site_1", "{}", &headers).await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{auth:?}");
    }
}

#[tokio::test]
async fn put_without_write_key_is_400() {
    let t = TestApp::new();
    let res = put_rules(&t, "", "{}", &[]).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
}

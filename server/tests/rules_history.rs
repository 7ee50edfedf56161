//! The studio's rules endpoints: versions, rollback (with `If-Match`) and
//! drafts, each behind the site's admin token; a draft readable only with
//! its token.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use common::{TestApp, ADMIN};
use serde_json::{json, Value};

fn doc(version: &str, title: &str) -> String {
    json!({
        "version": version,
        "campaigns": [{
            "id": "welcome", "status": "active", "trigger": { "on": "page_view" },
            "placement": "popin",
            "variants": [{ "id": "a", "weight": 100, "content": { "title": title } }]
        }]
    })
    .to_string()
}

async fn call(
    t: &TestApp,
    method: &str,
    uri: &str,
    body: &str,
    headers: &[(&str, &str)],
) -> common::TestResponse {
    let mut req = Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json");
    if !headers.iter().any(|(k, _)| *k == "authorization") {
        req = req.header("authorization", format!("Bearer {ADMIN}"));
    }
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    t.send(req.body(Body::from(body.to_owned())).unwrap()).await
}

async fn publish(t: &TestApp, document: &str) -> Value {
    let res = call(t, "PUT", "/v1/rules?writeKey=site_1", document, &[]).await;
    assert_eq!(res.status, StatusCode::OK, "{:?}", res.body);
    res.json()
}

#[tokio::test]
async fn versions_are_listed_newest_first_and_each_can_be_read() {
    let t = TestApp::new();
    publish(&t, &doc("one", "Hello")).await;
    let second = publish(&t, &doc("two", "Bonjour")).await;
    let res = call(&t, "GET", "/v1/rules/versions?writeKey=site_1", "", &[]).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.header("cache-control"), Some("no-store"));
    let v = res.json();
    let listed = v["versions"].as_array().unwrap();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0]["version"], 2);
    assert_eq!(listed[0]["current"], true);
    assert_eq!(listed[0]["etag"], second["etag"]);
    assert_eq!(listed[0]["rulesVersion"], "two");
    assert_eq!(listed[1]["current"], false);
    assert!(listed[1]["updated_at"].as_str().unwrap().ends_with('Z'));

    let res = call(&t, "GET", "/v1/rules/versions/1?writeKey=site_1", "", &[]).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(String::from_utf8_lossy(&res.body), doc("one", "Hello"));
    assert!(res.header("etag").is_some());
    let res = call(&t, "GET", "/v1/rules/versions/9?writeKey=site_1", "", &[]).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn rollback_publishes_an_old_version_again_and_honours_if_match() {
    let t = TestApp::new();
    publish(&t, &doc("one", "Hello")).await;
    let second = publish(&t, &doc("two", "Bonjour")).await;
    // Another editor published meanwhile: a stale If-Match is refused.
    let res = call(
        &t,
        "POST",
        "/v1/rules/rollback?writeKey=site_1",
        r#"{"version":1}"#,
        &[("if-match", "\"stale\"")],
    )
    .await;
    assert_eq!(res.status, StatusCode::PRECONDITION_FAILED);
    let etag = second["etag"].as_str().unwrap();
    let res = call(
        &t,
        "POST",
        "/v1/rules/rollback?writeKey=site_1",
        r#"{"version":1}"#,
        &[("if-match", etag)],
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{:?}", res.body);
    let out = res.json();
    assert_eq!(out["version"], 3, "a rollback is a new version");
    assert_eq!(out["rulesVersion"], "one");
    let served = t.get("/v1/rules?writeKey=site_1").await;
    assert_eq!(String::from_utf8_lossy(&served.body), doc("one", "Hello"));
    let v = call(&t, "GET", "/v1/rules/versions?writeKey=site_1", "", &[])
        .await
        .json();
    assert_eq!(v["versions"].as_array().unwrap().len(), 3);

    for (body, want) in [
        (r#"{"version":7}"#, "no version 7"),
        (r#"{"version":"1"}"#, "whole number"),
    ] {
        let res = call(&t, "POST", "/v1/rules/rollback?writeKey=site_1", body, &[]).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        assert!(
            String::from_utf8_lossy(&res.body).contains(want),
            "{:?}",
            res.body
        );
    }
}

#[tokio::test]
async fn every_history_endpoint_needs_the_admin_token() {
    let t = TestApp::new();
    publish(&t, &doc("one", "Hello")).await;
    for (method, uri, body) in [
        ("GET", "/v1/rules/versions?writeKey=site_1", ""),
        ("GET", "/v1/rules/versions/1?writeKey=site_1", ""),
        (
            "POST",
            "/v1/rules/rollback?writeKey=site_1",
            r#"{"version":1}"#,
        ),
        ("PUT", "/v1/rules/draft?writeKey=site_1", "{}"),
    ] {
        let res = call(&t, method, uri, body, &[("authorization", "Bearer wrong")]).await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{method} {uri}");
    }
}

#[tokio::test]
async fn a_draft_is_validated_kept_apart_and_read_only_with_its_token() {
    let t = TestApp::new();
    publish(&t, &doc("live", "Hello")).await;
    // Invalid drafts get the same errors as a publish, with their paths.
    let res = call(
        &t,
        "PUT",
        "/v1/rules/draft?writeKey=site_1",
        r#"{"campaigns":[{"id":"x","status":"sometimes"}]}"#,
        &[],
    )
    .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        res.json().to_string().contains("campaigns[0]"),
        "{:?}",
        res.body
    );

    let res = call(
        &t,
        "PUT",
        "/v1/rules/draft?writeKey=site_1",
        &doc("draft", "Psst"),
        &[],
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{:?}", res.body);
    let out = res.json();
    let token = out["token"].as_str().unwrap().to_owned();
    assert!(token.starts_with("d1.") && token.len() > 40, "{token}");
    assert_eq!(out["rulesVersion"], "draft");
    assert!(out["expires_at"].as_str().unwrap().ends_with('Z'));

    let res = t
        .get(&format!("/v1/rules/draft?writeKey=site_1&token={token}"))
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.header("cache-control"), Some("no-store"));
    assert_eq!(String::from_utf8_lossy(&res.body), doc("draft", "Psst"));
    // The published rules and their history are untouched.
    let live = t.get("/v1/rules?writeKey=site_1").await;
    assert_eq!(String::from_utf8_lossy(&live.body), doc("live", "Hello"));
    let v = call(&t, "GET", "/v1/rules/versions?writeKey=site_1", "", &[])
        .await
        .json();
    assert_eq!(v["versions"].as_array().unwrap().len(), 1);

    // The token is signed by the server (the site's admin token hash as
    // key): an altered one, one past its `exp`, one of another site, or
    // one signed before the admin token changed are all refused.
    let key = parcours_server::sites::token_hash(ADMIN);
    let (payload, _) = token["d1.".len()..].split_once('.').unwrap();
    let claims: parcours_server::user_token::Claims =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
    assert_eq!(claims.site, "site_1");
    let now = parcours_server::user_token::now_unix();
    assert!(
        (3500..=3600).contains(&(claims.exp - now)),
        "an hour: {claims:?}"
    );
    let sign = |c: &parcours_server::user_token::Claims, k: &str| {
        parcours_server::user_token::sign_as("d1.", k.as_bytes(), c)
    };
    assert_eq!(
        sign(&claims, &key),
        token,
        "HMAC-SHA256 with the admin token hash"
    );
    let later = parcours_server::user_token::Claims {
        exp: claims.exp + 86_400,
        ..claims.clone()
    };
    let altered = format!(
        "d1.{}.{}",
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&later).unwrap()),
        token.rsplit_once('.').unwrap().1
    );
    let expired = sign(
        &parcours_server::user_token::Claims {
            exp: now - 1,
            ..claims.clone()
        },
        &key,
    );
    let other_key = sign(
        &claims,
        &parcours_server::sites::token_hash("an-older-admin-token"),
    );
    for (uri, words) in [
        (
            "/v1/rules/draft?writeKey=site_1".to_owned(),
            "missing token",
        ),
        (
            "/v1/rules/draft?writeKey=site_1&token=d1.guess".to_owned(),
            "not a draft token",
        ),
        (
            format!("/v1/rules/draft?writeKey=site_1&token={altered}"),
            "not a draft token",
        ),
        (
            format!("/v1/rules/draft?writeKey=site_1&token={other_key}"),
            "not a draft token",
        ),
        (
            format!("/v1/rules/draft?writeKey=site_1&token={expired}"),
            "expired",
        ),
        (
            format!("/v1/rules/draft?writeKey=site_2&token={token}"),
            "not a draft token",
        ),
    ] {
        let res = t.get(&uri).await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{uri}");
        assert!(
            String::from_utf8_lossy(&res.body).contains(words),
            "{uri}: {:?}",
            res.body
        );
    }
}

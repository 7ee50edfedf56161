//! `GET /v1/rules`: the stored document, ETag revalidation, CORS, errors.

mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{TestApp, RULES};

fn get_with(uri: &str, header: (&str, &str)) -> Request<Body> {
    Request::get(uri)
        .header(header.0, header.1)
        .body(Body::empty())
        .unwrap()
}

#[tokio::test]
async fn stored_rules_are_served_with_a_strong_etag_and_no_cache() {
    let t = TestApp::with_rules("site_1", RULES);
    let res = t.get("/v1/rules?writeKey=site_1").await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.body, RULES.as_bytes());
    assert_eq!(res.header("content-type"), Some("application/json"));
    assert_eq!(res.header("cache-control"), Some("no-cache"));
    let etag = res.header("etag").unwrap();
    assert!(
        etag.starts_with('"') && etag.ends_with('"') && etag.len() > 10,
        "{etag}"
    );
}

#[tokio::test]
async fn a_matching_if_none_match_gets_304_without_a_body() {
    let t = TestApp::with_rules("site_1", RULES);
    let etag = t
        .get("/v1/rules?writeKey=site_1")
        .await
        .header("etag")
        .unwrap()
        .to_owned();
    for value in [
        etag.clone(),
        format!("W/{etag}"),
        format!("\"other\", {etag}"),
        "*".into(),
    ] {
        let res = t
            .send(get_with(
                "/v1/rules?writeKey=site_1",
                ("if-none-match", &value),
            ))
            .await;
        assert_eq!(res.status, StatusCode::NOT_MODIFIED, "{value}");
        assert!(res.body.is_empty());
        assert_eq!(res.header("etag"), Some(etag.as_str()));
        assert_eq!(res.header("cache-control"), Some("no-cache"));
    }
}

#[tokio::test]
async fn changed_rules_get_a_new_etag_and_a_stale_copy_is_replaced() {
    let t = TestApp::with_rules("site_1", RULES);
    let old = t
        .get("/v1/rules?writeKey=site_1")
        .await
        .header("etag")
        .unwrap()
        .to_owned();
    t.put_rules("site_1", r#"{"version":"2"}"#);
    let res = t
        .send(get_with(
            "/v1/rules?writeKey=site_1",
            ("if-none-match", &old),
        ))
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.body, r#"{"version":"2"}"#.as_bytes());
    assert_ne!(res.header("etag"), Some(old.as_str()));
}

#[tokio::test]
async fn an_unknown_write_key_is_404_and_a_missing_one_400() {
    let t = TestApp::with_rules("site_1", RULES);
    let res = t.get("/v1/rules?writeKey=nope").await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(
        res.json(),
        serde_json::json!({ "error": "unknown writeKey", "writeKey": "nope" })
    );
    for uri in [
        "/v1/rules",
        "/v1/rules?writeKey=",
        "/v1/rules?write_key=site_1",
    ] {
        let res = t.get(uri).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{uri}");
        assert_eq!(res.json()["error"], "missing writeKey query parameter");
    }
}

#[tokio::test]
async fn the_sites_origins_may_read_rules_and_revalidate_and_others_get_403() {
    let mut t = TestApp::with_rules("site_1", RULES);
    t.allow_origins("site_1", &["https://shop.example"]);
    let preflight = Request::options("/v1/rules?writeKey=site_1")
        .header("origin", "https://shop.example")
        .header("access-control-request-method", "GET")
        .header("access-control-request-headers", "if-none-match")
        .body(Body::empty())
        .unwrap();
    let res = t.send(preflight).await;
    assert!(res.status.is_success(), "{}", res.status);
    assert_eq!(
        res.header("access-control-allow-origin"),
        Some("https://shop.example")
    );
    assert!(res
        .header("access-control-allow-headers")
        .unwrap()
        .contains("if-none-match"));

    let res = t
        .send(get_with(
            "/v1/rules?writeKey=site_1",
            ("origin", "https://shop.example"),
        ))
        .await;
    assert_eq!(
        res.header("access-control-allow-origin"),
        Some("https://shop.example")
    );
    assert!(res
        .header("access-control-expose-headers")
        .unwrap()
        .contains("etag"));
    let res = t
        .send(get_with(
            "/v1/rules?writeKey=site_1",
            ("origin", "https://evil.example"),
        ))
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn cross_origin_pages_may_not_put_rules() {
    let t = TestApp::with_rules("site_1", RULES);
    let preflight = Request::options("/v1/rules?writeKey=site_1")
        .header("origin", "https://evil.example")
        .header("access-control-request-method", "PUT")
        .body(Body::empty())
        .unwrap();
    let res = t.send(preflight).await;
    let allowed = res.header("access-control-allow-methods").unwrap_or("");
    assert!(!allowed.contains("PUT"), "{allowed}");
}

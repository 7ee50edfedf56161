//! `POST /demo/login` (`--demo-backend`): the demo shop's stand-in for a site
//! backend signs a user token the server itself accepts, and the route does
//! not exist without the flag.
mod common;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{TestApp, TestResponse};
use parcours_server::config::Secret;
use parcours_server::{SiteConfig, Sites};
use std::sync::Arc;

const SECRET: &str = "demo-user-secret";

/// An app for site `demo` with a user-token secret, the demo backend on or off.
fn app(demo_backend: bool) -> TestApp {
    let mut t = TestApp::new();
    let site = SiteConfig {
        user_token_secret: Some(Secret(SECRET.into())),
        ..Default::default()
    };
    t.state.sites = Arc::new(Sites::new([("demo".to_owned(), site)].into(), vec![]));
    t.state.demo_site = demo_backend.then(|| "demo".to_owned());
    t
}

async fn login(t: &TestApp, body: &str) -> TestResponse {
    let req = Request::post("/demo/login")
        .header("content-type", "application/json")
        .body(Body::from(body.to_owned()))
        .unwrap();
    t.send(req).await
}

async fn profile(t: &TestApp, token: &str) -> StatusCode {
    let req = Request::get("/v1/profile?writeKey=demo")
        .header("authorization", format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    t.send(req).await.status
}

#[tokio::test]
async fn the_demo_login_signs_a_token_the_server_accepts() {
    let t = app(true);
    let res = login(&t, r#"{"email": "Lea@Example.fr"}"#).await;
    assert_eq!(res.status, StatusCode::OK, "{:?}", res.body);
    let body = res.json();
    let user_id = body["userId"].as_str().unwrap();
    assert!(
        user_id.starts_with("u-") && user_id.len() == 14,
        "{user_id}"
    );
    assert!(
        !body.to_string().contains("example.fr"),
        "no e-mail address in the answer"
    );
    let token = body["token"].as_str().unwrap();
    let claims = parcours_server::user_token::verify(
        SECRET.as_bytes(),
        token,
        "demo",
        user_id,
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64,
    );
    assert!(claims.is_ok(), "{claims:?}");
    assert_eq!(profile(&t, token).await, StatusCode::OK);
    assert_eq!(
        profile(&t, &format!("{token}x")).await,
        StatusCode::UNAUTHORIZED
    );

    let again = login(&t, r#"{"email": " lea@example.fr"}"#).await.json();
    assert_eq!(again["userId"], user_id, "one user id per address");
}

#[tokio::test]
async fn the_demo_login_refuses_what_is_not_an_address() {
    let t = app(true);
    assert_eq!(
        login(&t, r#"{"email": "lea"}"#).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(login(&t, "not json").await.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn without_the_flag_there_is_no_demo_login() {
    let t = app(false);
    let res = login(&t, r#"{"email": "lea@example.fr"}"#).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
}

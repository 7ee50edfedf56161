//! Test helpers: an app on a temporary database, driven with `oneshot`.
#![allow(dead_code)]

pub mod pg;
pub mod process;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Request, StatusCode};
use http_body_util::BodyExt;
use parcours_server::store::{block_on, StoredEvent, StoredRules};
use parcours_server::{app, open_db, AppState};
use serde_json::Value;
use tempfile::TempDir;
use tower::ServiceExt;

/// The admin token of every site of a [`TestApp`].
pub const ADMIN: &str = "test-admin";

/// The spec's sample rules document.
pub const RULES: &str = include_str!("../fixtures/rules.json");

/// An app whose database lives in a temporary directory.
pub struct TestApp {
    pub dir: TempDir,
    pub state: AppState,
}

pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl TestResponse {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }
}

impl TestApp {
    pub fn new() -> TestApp {
        let dir = tempfile::tempdir().unwrap();
        let state = AppState::new(open_db(dir.path()).unwrap());
        block_on(async {
            for site in ["site_1", "site_2", "site_new"] {
                let hash = parcours_server::sites::token_hash(ADMIN);
                state
                    .db
                    .create_admin_token_if_absent(site, &hash)
                    .await
                    .unwrap();
            }
        });
        TestApp { dir, state }
    }

    /// With `document` stored as the rules of `write_key` (no engine check).
    pub fn with_rules(write_key: &str, document: &str) -> TestApp {
        let t = TestApp::new();
        t.put_rules(write_key, document);
        t
    }

    /// Makes `origins` the only browser origins allowed for `write_key`.
    pub fn allow_origins(&mut self, write_key: &str, origins: &[&str]) {
        let site = parcours_server::SiteConfig {
            origins: origins.iter().map(|o| (*o).to_owned()).collect(),
            ..Default::default()
        };
        self.state.sites = std::sync::Arc::new(parcours_server::Sites::new(
            [(write_key.to_owned(), site)].into(),
            vec![],
        ));
    }

    pub fn put_rules(&self, write_key: &str, document: &str) -> StoredRules {
        block_on(self.state.db.put_rules(write_key, document)).unwrap()
    }

    pub fn events(&self, write_key: &str) -> Vec<StoredEvent> {
        block_on(self.state.db.events(Some(write_key))).unwrap()
    }

    pub async fn send(&self, req: Request<Body>) -> TestResponse {
        let res = app(self.state.clone()).oneshot(req).await.unwrap();
        let (parts, body) = res.into_parts();
        TestResponse {
            status: parts.status,
            headers: parts.headers,
            body: body.collect().await.unwrap().to_bytes(),
        }
    }

    pub async fn get(&self, uri: &str) -> TestResponse {
        self.send(Request::get(uri).body(Body::empty()).unwrap())
            .await
    }

    /// `POST /v1/batch` with a JSON content type.
    pub async fn batch(&self, body: &Value) -> TestResponse {
        self.post_batch("application/json", body.to_string()).await
    }

    pub async fn post_batch(&self, content_type: &str, body: impl Into<Body>) -> TestResponse {
        let req = Request::post("/v1/batch")
            .header("content-type", content_type)
            .body(body.into())
            .unwrap();
        self.send(req).await
    }
}

/// A valid track message.
pub fn track(message_id: &str, event: &str) -> Value {
    serde_json::json!({
        "type": "track",
        "messageId": message_id,
        "anonymousId": "anon-1",
        "event": event,
        "properties": { "sku": "TSHIRT-1", "price": 25 },
        "context": { "library": { "name": "parcours", "version": "0.1.0" } },
        "timestamp": "2026-11-24T10:00:00.000Z"
    })
}

/// A batch for `write_key`.
pub fn batch(write_key: &str, messages: Vec<Value>) -> Value {
    serde_json::json!({ "writeKey": write_key, "sentAt": "2026-11-24T10:00:01.000Z", "batch": messages })
}

/// A user token for `sub` on `site`, as a site's backend signs it.
pub fn user_token(site: &str, sub: &str, exp: i64, secret: &str) -> String {
    parcours_server::user_token::sign(
        secret.as_bytes(),
        &parcours_server::user_token::Claims {
            site: site.into(),
            sub: sub.into(),
            exp,
        },
    )
}

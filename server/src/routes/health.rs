//! `GET /healthz`: 200 when the process is up and the database answers
//! within two seconds, 503 otherwise (for load balancers and `cargo xtask demo`).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};
use std::time::Duration;

use crate::AppState;

/// See the module docs.
pub async fn get(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let probe = state.db.ping();
    match tokio::time::timeout(Duration::from_secs(2), probe).await {
        Ok(Ok(())) => (StatusCode::OK, Json(json!({ "status": "ok" }))),
        Ok(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "unavailable", "error": "the database does not answer" })),
        ),
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(
                json!({ "status": "unavailable", "error": "the database did not answer within 2 s" }),
            ),
        ),
    }
}

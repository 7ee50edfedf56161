//! The rules' history for the studio, behind the site's admin token:
//! `GET /v1/rules/versions` (newest first), `GET /v1/rules/versions/{n}`
//! (that version's document) and `POST /v1/rules/rollback` (`{"version":
//! n}`: publishes that document again as a new version, honouring
//! `If-Match` like `PUT /v1/rules`).

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::rules::{admin, publish};
use super::WriteKeyQuery;
use crate::{AppError, AppState};

/// Versions listed at most.
pub const MAX_LISTED: i64 = 100;

/// `{versions: [{version, etag, rulesVersion, updated_at, current}]}`, newest first.
pub async fn list(
    State(state): State<AppState>,
    WriteKeyQuery(key): WriteKeyQuery,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    admin(&state, &headers, &key).await?;
    let current = state.db.rules(&key).await?.map(|r| r.version);
    let versions: Vec<Value> = state
        .db
        .rules_versions(&key, MAX_LISTED)
        .await?
        .into_iter()
        .map(|v| {
            json!({
                "version": v.version, "etag": v.etag, "rulesVersion": v.rules_version,
                "updated_at": v.created_at, "current": Some(v.version) == current,
            })
        })
        .collect();
    Ok((
        [(CACHE_CONTROL, "no-store")],
        Json(json!({ "versions": versions })),
    )
        .into_response())
}

/// The document published as version `n`, with its ETag.
pub async fn one(
    State(state): State<AppState>,
    WriteKeyQuery(key): WriteKeyQuery,
    Path(n): Path<i64>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    admin(&state, &headers, &key).await?;
    let stored = state
        .db
        .rules_version(&key, n)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((
        [
            (ETAG, stored.etag),
            (CACHE_CONTROL, "no-store".into()),
            (CONTENT_TYPE, "application/json".into()),
        ],
        stored.document,
    )
        .into_response())
}

/// Publishes version `n`'s document again, validated by today's engine.
pub async fn rollback(
    State(state): State<AppState>,
    WriteKeyQuery(key): WriteKeyQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, AppError> {
    admin(&state, &headers, &key).await?;
    let asked: Value = serde_json::from_slice(&body).map_err(|e| AppError::json(&e))?;
    let n = asked
        .get("version")
        .and_then(Value::as_i64)
        .ok_or_else(|| AppError::BadRequest("version: a whole number is expected".into()))?;
    let old = state.db.rules_version(&key, n).await?.ok_or_else(|| {
        AppError::BadRequest(format!("version: no version {n} of this site's rules"))
    })?;
    publish(&state, &key, &headers, old.document).await
}

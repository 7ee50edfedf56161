//! `POST /v1/batch`: the Segment HTTP Tracking API batch endpoint.
//!
//! The body is read as bytes whatever its `Content-Type`: the SDK's
//! `navigator.sendBeacon` at unload sends `text/plain` to avoid a CORS
//! preflight. Each message is validated on its own; valid ones are stored
//! once per `messageId` (duplicates from retries or other tabs are counted,
//! not stored), invalid ones are reported by index and field. A client
//! should retry on 5xx and network errors only: a 200 means every message
//! was either stored, already stored, or can never be stored.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::basic_username;
use crate::db::{self, NewEvent};
use crate::validate::{self, Rejected};
use crate::{AppError, AppState};

/// Largest accepted body, as Segment's batch limit.
pub const MAX_BATCH_BYTES: usize = 500 * 1024;

#[derive(Deserialize)]
struct Batch<'a> {
    #[serde(rename = "writeKey", default)]
    write_key: Option<String>,
    #[serde(borrow)]
    batch: Vec<&'a RawValue>,
}

/// What happened to a batch.
#[derive(Debug, Serialize)]
pub struct Outcome {
    /// Messages stored now.
    pub accepted: usize,
    /// Valid messages whose `messageId` was already stored.
    pub duplicates: usize,
    /// Invalid messages, with the reason.
    pub rejected: Vec<Rejected>,
}

/// Stores a batch; see the module docs.
pub async fn post(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Outcome>, AppError> {
    let body = body.map_err(body_error)?;
    let text = std::str::from_utf8(&body)
        .map_err(|e| AppError::BadRequest(format!("body is not UTF-8: {e}")))?;
    let batch: Batch = serde_json::from_str(text).map_err(|e| AppError::json(&e))?;
    let key = basic_username(&headers)
        .or(batch.write_key)
        .filter(|k| !k.is_empty());
    let key = key.ok_or_else(|| AppError::Unauthorized("missing writeKey".into()))?;
    let (events, rejected) = check_all(&batch.batch);
    let k = key.clone();
    let stored = state.db.run(move |c| store(c, &k, &events)).await?;
    let db::Inserted {
        accepted,
        duplicates,
    } = stored.ok_or(AppError::UnknownWriteKey(key))?;
    Ok(Json(Outcome {
        accepted,
        duplicates,
        rejected,
    }))
}

/// Splits a batch into storable events and rejections.
fn check_all(batch: &[&RawValue]) -> (Vec<NewEvent>, Vec<Rejected>) {
    let (mut events, mut rejected) = (Vec::with_capacity(batch.len()), Vec::new());
    for (i, raw) in batch.iter().enumerate() {
        // Already checked to be JSON by the batch parser.
        let value = serde_json::from_str(raw.get()).unwrap_or_default();
        match validate::message(i, &value, raw.get()) {
            Ok(e) => events.push(e),
            Err(r) => rejected.push(r),
        }
    }
    (events, rejected)
}

/// Stores the events if the site exists; `None` if it does not.
fn store(
    c: &mut rusqlite::Connection,
    key: &str,
    events: &[NewEvent],
) -> rusqlite::Result<Option<db::Inserted>> {
    if !db::site_known(c, key)? {
        return Ok(None);
    }
    db::insert_events(c, key, events).map(Some)
}

fn body_error(e: BytesRejection) -> AppError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        AppError::PayloadTooLarge {
            limit: MAX_BATCH_BYTES,
        }
    } else {
        AppError::BadRequest(e.body_text())
    }
}

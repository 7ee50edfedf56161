//! `POST /v1/batch`: the Segment HTTP Tracking API batch endpoint, and the
//! ingestion steps the single-message endpoints share ([`ingest`]).
//!
//! The body is read as bytes whatever its `Content-Type`: the SDK's
//! `navigator.sendBeacon` at unload sends `text/plain` to avoid a CORS
//! preflight; gzip and deflate bodies are decoded ([`crate::body`]). Each
//! message is validated on its own; valid ones are stored once per
//! visitor and `messageId` (the same `anonymousId` and `messageId`, or for
//! server-side messages with no `anonymousId` the same `messageId`:
//! duplicates from retries or other tabs are counted, not stored), invalid
//! ones are reported by index and field. A client should
//! retry on 5xx and network errors only: a 200 means every message was
//! either stored, already stored, or can never be stored.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::Value;

use crate::caller::{self, Peer};
use crate::store::{Inserted, NewEvent};
use crate::validate::{self, Rejected};
use crate::{body, origin, AppError, AppState};

/// Largest accepted body by default, as Segment's batch limit (`--max-body`).
pub const MAX_BATCH_BYTES: usize = body::DEFAULT_MAX_BODY;

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
    /// Valid messages already stored (same visitor and `messageId`).
    pub duplicates: usize,
    /// Invalid messages, with the reason.
    pub rejected: Vec<Rejected>,
}

/// Stores a batch; see the module docs.
pub async fn post(
    State(state): State<AppState>,
    peer: Peer,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Outcome>, AppError> {
    let body = body::decode(&headers, body, state.max_body)?;
    let text = std::str::from_utf8(&body)
        .map_err(|e| AppError::BadRequest(format!("body is not UTF-8: {e}")))?;
    let batch: Batch = serde_json::from_str(text).map_err(|e| AppError::json(&e))?;
    let messages = batch.batch.iter().map(|raw| raw.get()).collect();
    ingest(&state, peer, &headers, batch.write_key.as_deref(), messages).await
}

/// Authenticates, checks the origin and the rate limit, validates and
/// stores `messages` (each one's JSON text, stored as its payload).
pub async fn ingest(
    state: &AppState,
    peer: Peer,
    headers: &HeaderMap,
    body_key: Option<&str>,
    messages: Vec<&str>,
) -> Result<Json<Outcome>, AppError> {
    let who = caller::identify(&state.sites, headers, body_key)?;
    origin::check(&state.sites, headers, &who.write_key)?;
    if let (Some(limiter), false) = (&state.limiter, who.source) {
        let ip = caller::client_ip(peer, headers, &state.trusted_proxies);
        limiter
            .check(&who.write_key, ip)
            .map_err(|retry_after| AppError::TooManyRequests { retry_after })?;
    }
    let (events, rejected) = check_all(&messages, who.source);
    let key = who.write_key;
    let stored = state.db.insert_events(&key, events).await?;
    let Inserted {
        accepted,
        duplicates,
    } = stored.ok_or(AppError::UnknownWriteKey(key))?;
    Ok(Json(Outcome {
        accepted,
        duplicates,
        rejected,
    }))
}

/// Splits messages into storable events and rejections: the borrowed fast
/// path first ([`validate::fast`]), the `Value` path for anything else.
fn check_all(messages: &[&str], source: bool) -> (Vec<NewEvent>, Vec<Rejected>) {
    let (mut events, mut rejected) = (Vec::with_capacity(messages.len()), Vec::new());
    for (i, raw) in messages.iter().enumerate() {
        if let Some(f) = validate::fast(raw) {
            if source || (f.event.anonymous_id.is_some() && !f.store_channel) {
                events.push(NewEvent { source, ..f.event });
                continue;
            }
        }
        // Already checked to be JSON by the batch parser.
        let value: Value = serde_json::from_str(raw).unwrap_or_default();
        let value = &value;
        let checked = validate::message(i, value, raw).and_then(|e| {
            if source {
                return Ok(e);
            }
            match client_may_send(value, &e) {
                Ok(()) => Ok(e),
                Err((field, error)) => Err(Rejected {
                    index: i,
                    message_id: Some(e.message_id),
                    field,
                    error: error.into(),
                }),
            }
        });
        match checked {
            Ok(e) => events.push(NewEvent { source, ..e }),
            Err(r) => rejected.push(r),
        }
    }
    (events, rejected)
}

/// What only server-side sources (the source key) may send: a message for
/// a `userId` with no `anonymousId`, and `context.channel = "store"`.
fn client_may_send(value: &Value, e: &NewEvent) -> Result<(), (&'static str, &'static str)> {
    if e.anonymous_id.is_none() {
        return Err((
            "anonymousId",
            "a message with a userId and no anonymousId needs the site's source key (HTTP Basic password)",
        ));
    }
    if value.pointer("/context/channel").and_then(Value::as_str) == Some("store") {
        return Err((
            "context.channel",
            "context.channel \"store\" needs the site's source key (HTTP Basic password)",
        ));
    }
    Ok(())
}

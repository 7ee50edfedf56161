//! Segment's single-message endpoints: `POST /v1/track`, `/v1/page`,
//! `/v1/screen`, `/v1/identify`, `/v1/group`, `/v1/alias`. The body is one
//! message (its `type` implied by the path, its `writeKey` optional when
//! HTTP Basic carries it); it goes through the same steps as a batch.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{HeaderMap, Uri};
use axum::Json;
use serde_json::Value;

use super::batch::{ingest, Outcome};
use crate::caller::Peer;
use crate::{body, AppError, AppState};

/// Stores one message; see the module docs.
pub async fn post(
    State(state): State<AppState>,
    peer: Peer,
    uri: Uri,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Outcome>, AppError> {
    let kind = uri.path().trim_start_matches("/v1/").to_owned();
    let body = body::decode(&headers, body, state.max_body)?;
    let mut msg: Value = serde_json::from_slice(&body).map_err(|e| AppError::json(&e))?;
    let obj = msg.as_object_mut().ok_or_else(|| {
        AppError::BadRequest("the body must be a JSON object (one message)".into())
    })?;
    let write_key = match obj.remove("writeKey") {
        Some(Value::String(k)) => Some(k),
        _ => None,
    };
    match obj.get("type") {
        None | Some(Value::Null) => {
            obj.insert("type".into(), Value::String(kind));
        }
        Some(t) if t.as_str() == Some(kind.as_str()) => {}
        Some(t) => {
            return Err(AppError::BadRequest(format!(
                "type {t} does not match the endpoint /v1/{kind}"
            )))
        }
    }
    let raw = msg.to_string();
    ingest(
        &state,
        peer,
        &headers,
        write_key.as_deref(),
        vec![raw.as_str()],
    )
    .await
}

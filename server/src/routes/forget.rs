//! `POST /v1/forget`: the visitor's right to erasure, asked by the SDK's
//! `parcours.forget()`. Deletes every stored event of the site whose
//! anonymous id or user id is the visitor's.
//!
//! The body is read as bytes whatever its `Content-Type` (like `/v1/batch`),
//! so a `text/plain` request needs no CORS preflight.

use axum::body::Bytes;
use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};

use crate::db;
use crate::{AppError, AppState};

#[derive(Deserialize)]
struct Forget {
    #[serde(rename = "writeKey", default)]
    write_key: String,
    #[serde(rename = "anonymousId", default)]
    anonymous_id: Option<String>,
    #[serde(rename = "userId", default)]
    user_id: Option<String>,
}

/// What was erased.
#[derive(Debug, Serialize)]
pub struct Erased {
    /// Events deleted.
    pub deleted: usize,
}

/// Erases a visitor's events; see the module docs.
pub async fn post(State(state): State<AppState>, body: Bytes) -> Result<Json<Erased>, AppError> {
    let req: Forget = serde_json::from_slice(&body).map_err(|e| AppError::json(&e))?;
    let non_empty = |s: Option<String>| s.filter(|s| !s.is_empty());
    let (anonymous_id, user_id) = (non_empty(req.anonymous_id), non_empty(req.user_id));
    if anonymous_id.is_none() && user_id.is_none() {
        return Err(AppError::BadRequest(
            "anonymousId or userId is required".into(),
        ));
    }
    let key = req.write_key;
    let k = key.clone();
    let deleted = state
        .db
        .run(move |c| match db::site_known(c, &k)? {
            true => db::erase_visitor(c, &k, anonymous_id.as_deref(), user_id.as_deref()).map(Some),
            false => Ok(None),
        })
        .await?
        .ok_or(AppError::UnknownWriteKey(key))?;
    Ok(Json(Erased { deleted }))
}

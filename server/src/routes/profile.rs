//! `GET /v1/profile?writeKey=…[&anonymousId=a,b]`: the signed profile of
//! [`crate::profile`], only with the person's user token
//! (`Authorization: Bearer`, see [`crate::user_token`]); a missing, wrong
//! or expired token is a 401. `anonymousId` lists the browser's own
//! anonymous ids (comma-separated), whose events it already has. Never
//! cached: it is one person's data.

use axum::extract::{Query, State};
use axum::http::header::{CACHE_CONTROL, VARY};
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use super::forget::user_claims;
use super::WriteKeyQuery;
use crate::{origin, profile, AppError, AppState};

/// The query parameters besides `writeKey`.
#[derive(Debug, Deserialize)]
pub struct ProfileQuery {
    /// The browser's own anonymous ids, comma-separated.
    #[serde(rename = "anonymousId")]
    pub anonymous_id: Option<String>,
}

/// The profile; see the module docs.
pub async fn get(
    State(state): State<AppState>,
    WriteKeyQuery(key): WriteKeyQuery,
    Query(q): Query<ProfileQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    origin::check(&state.sites, &headers, &key)?;
    let claims = user_claims(&state.sites, &headers, &key)
        .map_err(|e| AppError::Unauthorized(format!("profile: {e}")))?;
    let rows = state
        .db
        .person_events(&key, &claims.sub)
        .await?
        .unwrap_or_default();
    let own: Vec<&str> = q
        .anonymous_id
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .collect();
    let mut res = Json(profile::build(&claims.sub, rows, &own)).into_response();
    let h = res.headers_mut();
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.append(VARY, HeaderValue::from_static("authorization"));
    Ok(res)
}

//! `POST /v1/forget`: the visitor's right to erasure, asked by the SDK's
//! `parcours.forget()`.
//!
//! By `anonymousId` (a random secret only that browser holds) it is open and
//! erases what that anonymous id recorded (the whole person when that
//! person has no user id). By `userId` it erases the whole person of the
//! identity graph: every linked anonymous and user id, every event (and so
//! every trait), its report aggregates. By `userId` it needs the user's
//! token (`Authorization: Bearer`, see [`crate::user_token`]) or the site's
//! source key: a write key is public, and a user id is often an e-mail
//! address. With both ids and no valid token, the anonymous part is erased
//! and the answer says which part was refused and why.
//!
//! The body is read as bytes whatever its `Content-Type` (like `/v1/batch`),
//! so a `text/plain` request needs no CORS preflight.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::header::AUTHORIZATION;
use axum::http::HeaderMap;
use axum::Json;
use serde::{Deserialize, Serialize};

use crate::sites::Sites;
use crate::user_token::{self, TokenError};
use crate::{body, caller, origin};
use crate::{AppError, AppState};

#[derive(Deserialize)]
struct Forget {
    #[serde(rename = "writeKey", default)]
    write_key: Option<String>,
    #[serde(rename = "anonymousId", default)]
    anonymous_id: Option<String>,
    #[serde(rename = "userId", default)]
    user_id: Option<String>,
}

/// A part of the request that was not erased.
#[derive(Debug, Serialize)]
pub struct Refused {
    /// `"userId"`.
    pub field: &'static str,
    /// Why (the token's flaw).
    pub error: String,
}

/// What was erased.
#[derive(Debug, Serialize)]
pub struct Erased {
    /// Events deleted.
    pub deleted: usize,
    /// Anonymous ids removed from the identity graph.
    pub anonymous_ids: Vec<String>,
    /// User ids removed from the identity graph.
    pub user_ids: Vec<String>,
    /// Persons erased entirely (every linked id, event and trait).
    pub persons: usize,
    /// Set when only the anonymous part was erased.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refused: Option<Refused>,
}

/// The token of `Authorization: Bearer <token>`.
pub fn bearer(headers: &HeaderMap) -> Option<&str> {
    let v = headers.get(AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// The claims of the request's user token for `site`: a Bearer token
/// signed with the site's `user_token_secret`, not expired. Shared by
/// forget and the signed profile (`GET /v1/profile`).
pub fn user_claims(
    sites: &Sites,
    headers: &HeaderMap,
    site: &str,
) -> Result<user_token::Claims, TokenError> {
    let token = bearer(headers).ok_or(TokenError::Missing)?;
    let secret = sites.get(site).user_token_secret.as_ref();
    let secret = secret.ok_or(TokenError::NoSecret)?;
    user_token::verify_for_site(secret.0.as_bytes(), token, site, user_token::now_unix())
}

/// Erases a visitor's events; see the module docs.
pub async fn post(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Erased>, AppError> {
    let body = body::decode(&headers, body, state.max_body)?;
    let req: Forget = serde_json::from_slice(&body).map_err(|e| AppError::json(&e))?;
    // A Bearer header is the user token, not Basic credentials.
    let who = if bearer(&headers).is_some() {
        caller::identify(&state.sites, &HeaderMap::new(), req.write_key.as_deref())?
    } else {
        caller::identify(&state.sites, &headers, req.write_key.as_deref())?
    };
    origin::check(&state.sites, &headers, &who.write_key)?;
    let non_empty = |s: Option<String>| s.filter(|s| !s.is_empty());
    let (anonymous_id, user_id) = (non_empty(req.anonymous_id), non_empty(req.user_id));
    if anonymous_id.is_none() && user_id.is_none() {
        return Err(AppError::BadRequest(
            "anonymousId or userId is required".into(),
        ));
    }
    let key = who.write_key.clone();
    let user_check = user_id.as_deref().map(|u| {
        if who.source {
            return Ok(());
        }
        let claims = user_claims(&state.sites, &headers, &key)?;
        if claims.sub != u {
            return Err(TokenError::WrongUser);
        }
        Ok(())
    });
    let (user_id, refused) = match user_check {
        Some(Err(e)) if anonymous_id.is_none() => {
            return Err(AppError::Unauthorized(format!("forget by userId: {e}")))
        }
        Some(Err(e)) => (
            None,
            Some(Refused {
                field: "userId",
                error: e.to_string(),
            }),
        ),
        _ => (user_id, None),
    };
    let erased = state
        .db
        .forget(&key, anonymous_id.as_deref(), user_id.as_deref())
        .await?
        .ok_or(AppError::UnknownWriteKey(key))?;
    Ok(Json(Erased {
        deleted: erased.events,
        anonymous_ids: erased.anonymous_ids,
        user_ids: erased.user_ids,
        persons: erased.persons,
        refused,
    }))
}

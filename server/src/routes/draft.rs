//! Drafts: the studio's "open in the shop, before publishing".
//!
//! `PUT /v1/rules/draft?writeKey=K` (the site's admin token) validates a
//! rules document like `PUT /v1/rules` and keeps it for [`DRAFT_TTL_MINUTES`]
//! without publishing it; it answers a token. The shop opened with
//! `?parcours_draft=<token>` then reads `GET /v1/rules/draft?writeKey=K&token=<token>`
//! in that tab only (the SDK's draft mode): the marketer sees the
//! unpublished campaign on the real page, nobody else does.
//!
//! The token is short-lived and signed: `d1.<base64url(JSON {"site", "sub":
//! draft id, "exp"})>.<base64url(HMAC-SHA256(key, the text before the last
//! dot))>`, the user-token format under its own prefix. The key is the
//! site's admin token hash as the server keeps it, so only the server signs
//! drafts, and a new admin token voids every draft link at once. A forged
//! or expired token is refused before the store is read; the draft id (256
//! random bits) is kept only as its SHA-256 hash and dies with the draft.

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::rules::{admin, check_rules, utf8_document};
use super::WriteKeyQuery;
use crate::user_token::{self, Claims, TokenError};
use crate::validate::format_utc;
use crate::{origin, sites, AppError, AppState};

/// How long a draft and its token live.
pub const DRAFT_TTL_MINUTES: i64 = 60;

/// The draft tokens' version prefix.
const PREFIX: &str = "d1.";

/// The key that signs `key`'s draft tokens: its admin token hash, configured
/// or stored. A site with neither has no drafts (as it has no rules writes).
async fn signing_key(state: &AppState, key: &str) -> Result<String, AppError> {
    if let Some(t) = &state.sites.get(key).admin_token {
        return Ok(sites::token_hash(&t.0));
    }
    state.db.admin_token_hash(key).await?.ok_or_else(|| {
        AppError::Unauthorized(format!("site {key:?} has no admin token, so no drafts"))
    })
}

/// Keeps a validated draft; answers `{token, expires_at, rulesVersion, warnings}`.
pub async fn put(
    State(state): State<AppState>,
    WriteKeyQuery(key): WriteKeyQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, AppError> {
    admin(&state, &headers, &key).await?;
    let document = utf8_document(&body)?;
    let (rules_version, warnings) = check_rules(&document)?;
    let id = sites::generate_token();
    let expires = time::OffsetDateTime::now_utc() + time::Duration::minutes(DRAFT_TTL_MINUTES);
    let claims = Claims {
        site: key.clone(),
        sub: id.clone(),
        exp: expires.unix_timestamp(),
    };
    let token = user_token::sign_as(PREFIX, signing_key(&state, &key).await?.as_bytes(), &claims);
    let expires_at = format_utc(expires);
    state
        .db
        .put_draft(&key, &sites::token_hash(&id), &document, &expires_at)
        .await?;
    Ok(Json(json!({
        "token": token, "expires_at": expires_at,
        "rulesVersion": rules_version, "warnings": warnings,
    })))
}

/// `?token=` of `GET /v1/rules/draft`.
#[derive(Deserialize)]
pub struct TokenQuery {
    token: Option<String>,
}

/// The draft document of a live token (never cached); 401 otherwise.
pub async fn get(
    State(state): State<AppState>,
    WriteKeyQuery(key): WriteKeyQuery,
    Query(q): Query<TokenQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    origin::check(&state.sites, &headers, &key)?;
    let token = q
        .token
        .filter(|t| !t.is_empty())
        .ok_or_else(|| AppError::Unauthorized("missing token query parameter".into()))?;
    let gone = || {
        AppError::Unauthorized(format!(
            "unknown or expired draft token (drafts last {DRAFT_TTL_MINUTES} minutes): save the draft again from the studio"
        ))
    };
    let key_bytes = signing_key(&state, &key).await?;
    let claims = user_token::verify_as(PREFIX, key_bytes.as_bytes(), &token, &key, user_token::now_unix())
        .map_err(|e| match e {
            TokenError::Expired => gone(),
            _ => AppError::Unauthorized(
                "not a draft token of this site (forged, altered, or signed before the admin token changed)".into(),
            ),
        })?;
    let document = state
        .db
        .draft(&key, &sites::token_hash(&claims.sub))
        .await?
        .ok_or_else(gone)?;
    Ok((
        [
            (CACHE_CONTROL, "no-store"),
            (CONTENT_TYPE, "application/json"),
        ],
        document,
    )
        .into_response())
}

//! Drafts: the studio's "open in the shop, before publishing".
//!
//! `PUT /v1/rules/draft?writeKey=K` (the site's admin token) validates a
//! rules document like `PUT /v1/rules` and keeps it for [`DRAFT_TTL_MINUTES`]
//! without publishing it; it answers a token. The shop opened with
//! `?parcours_draft=<token>` then reads `GET /v1/rules/draft?writeKey=K&token=<token>`
//! in that tab only (the SDK's draft mode): the marketer sees the
//! unpublished campaign on the real page, nobody else does. The token is
//! 256 random bits, kept only as its SHA-256 hash, and dies with the draft.

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
use crate::validate::format_utc;
use crate::{origin, sites, AppError, AppState};

/// How long a draft and its token live.
pub const DRAFT_TTL_MINUTES: i64 = 60;

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
    let token = format!("d1.{}", sites::generate_token());
    let expires_at =
        format_utc(time::OffsetDateTime::now_utc() + time::Duration::minutes(DRAFT_TTL_MINUTES));
    state
        .db
        .put_draft(&key, &sites::token_hash(&token), &document, &expires_at)
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
    let document = state
        .db
        .draft(&key, &sites::token_hash(&token))
        .await?
        .ok_or_else(|| {
            AppError::Unauthorized(format!(
                "unknown or expired draft token (drafts last {DRAFT_TTL_MINUTES} minutes): save the draft again from the studio"
            ))
        })?;
    Ok((
        [
            (CACHE_CONTROL, "no-store"),
            (CONTENT_TYPE, "application/json"),
        ],
        document,
    )
        .into_response())
}

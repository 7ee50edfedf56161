//! `GET /v1/rules` (public, cached with a strong ETag) and `PUT /v1/rules`
//! (the marketer studio: the site's admin token, then validated by the
//! engine, every error with its path).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::{
    AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_MATCH, IF_NONE_MATCH,
};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use parcours_engine::regex::EcmaRegex;
use parcours_engine::Engine;
use serde_json::{json, Value};

use super::{etag_listed, header_str, WriteKeyQuery};
use crate::error::rule_error_json;
use crate::store::StoredRules;
use crate::{origin, sites, AppError, AppState};

/// The stored document, or 304 when the client's copy is current.
pub async fn get(
    State(state): State<AppState>,
    WriteKeyQuery(key): WriteKeyQuery,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    origin::check(&state.sites, &headers, &key)?;
    let stored = state.db.rules(&key).await?;
    let stored = stored.ok_or(AppError::UnknownSite(key))?;
    let cache = [
        (ETAG, stored.etag.clone()),
        (CACHE_CONTROL, "no-cache".into()),
    ];
    if header_str(&headers, IF_NONE_MATCH).is_some_and(|l| etag_listed(l, &stored.etag, true)) {
        return Ok((StatusCode::NOT_MODIFIED, cache).into_response());
    }
    Ok((cache, [(CONTENT_TYPE, "application/json")], stored.document).into_response())
}

/// Validates and stores a new document (honouring `If-Match`); answers its
/// revision, the document's own version, the new ETag and the warnings.
pub async fn put(
    State(state): State<AppState>,
    WriteKeyQuery(key): WriteKeyQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, AppError> {
    admin(&state, &headers, &key).await?;
    publish(&state, &key, &headers, utf8_document(&body)?).await
}

/// The studio's calls: an allowed origin (or none) and the site's admin token.
pub async fn admin(state: &AppState, headers: &HeaderMap, key: &str) -> Result<(), AppError> {
    origin::check(&state.sites, headers, key)?;
    let auth = header_str(headers, AUTHORIZATION);
    sites::authorize_admin(&state.db, &state.sites, key, auth).await
}

/// A request body as a rules document's text.
pub fn utf8_document(body: &Bytes) -> Result<String, AppError> {
    String::from_utf8(body.to_vec())
        .map_err(|_| AppError::BadRequest("the rules document is not UTF-8".into()))
}

/// Validates `document` and stores it as the site's rules if the request's
/// `If-Match` (if any) names the current ETag: `PUT` and rollback alike.
pub async fn publish(
    state: &AppState,
    key: &str,
    headers: &HeaderMap,
    document: String,
) -> Result<Json<Value>, AppError> {
    let (rules_version, warnings) = check_rules(&document)?;
    let if_match = header_str(headers, IF_MATCH).map(str::to_owned);
    let allowed = move |cur: Option<&StoredRules>| match (&if_match, cur) {
        (None, _) => true,
        (Some(list), Some(cur)) => etag_listed(list, &cur.etag, false),
        (Some(_), None) => false,
    };
    let stored = state
        .db
        .put_rules_if(key, &document, Box::new(allowed))
        .await?;
    let stored = stored.map_err(|current| AppError::PreconditionFailed { current })?;
    Ok(Json(json!({
        "version": stored.version, "rulesVersion": rules_version,
        "etag": stored.etag, "warnings": warnings,
    })))
}

/// Parses and validates a document with the engine: its `version` and the
/// warnings, or every error with its JSON path.
pub fn check_rules(document: &str) -> Result<(String, Vec<Value>), AppError> {
    let doc: parcours_engine::Value =
        serde_json::from_str(document).map_err(|e| AppError::json(&e))?;
    let engine = Engine::from_rules(&doc, &EcmaRegex).map_err(AppError::InvalidRules)?;
    let warnings = engine.warnings().iter().map(rule_error_json).collect();
    Ok((engine.version().to_owned(), warnings))
}

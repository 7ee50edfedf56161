//! The router: the API behind origin access control ([`crate::origin`]),
//! static files, and the shared extractors.

pub mod batch;
pub mod demo;
pub mod draft;
pub mod forget;
pub mod health;
pub mod profile;
pub mod reports;
pub mod rules;
pub mod schema;
pub mod single;
pub mod versions;

use axum::extract::{DefaultBodyLimit, FromRequestParts, Query, Request};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::{Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use std::collections::HashMap;
use std::convert::Infallible;
use std::path::Path;
use tower::ServiceBuilder;
use tower_http::services::ServeDir;

use crate::{origin, AppError, AppState};

/// Builds the application's router.
pub fn router(state: AppState) -> Router {
    let limit = DefaultBodyLimit::max(state.max_body);
    let mut api = Router::new()
        .route("/healthz", get(health::get))
        .route("/v1/rules", get(rules::get).put(rules::put))
        .route("/v1/rules/versions", get(versions::list))
        .route("/v1/rules/versions/{n}", get(versions::one))
        .route("/v1/rules/rollback", post(versions::rollback))
        .route("/v1/rules/draft", get(draft::get).put(draft::put))
        .route("/v1/reports/campaigns", get(reports::campaigns))
        .route("/v1/profile", get(profile::get))
        .route("/v1/batch", post(batch::post).layer(limit))
        .route("/v1/forget", post(forget::post).layer(limit));
    for kind in crate::validate::TYPES {
        api = api.route(&format!("/v1/{kind}"), post(single::post).layer(limit));
    }
    let mut app = api
        .layer(middleware::from_fn_with_state(state.clone(), origin::layer))
        // Public for every origin: the same document for every site, no credentials.
        .route("/v1/rules/schema", get(schema::get));
    if state.demo_site.is_some() {
        // The demo shop's stand-in for a site backend (see `demo`), same origin as the shop.
        app = app.route("/demo/login", post(demo::login).layer(limit));
    }
    if let Some(dir) = &state.pkg_dir {
        app = app.nest_service("/pkg", static_files(dir));
    }
    if let Some(dir) = &state.studio_dir {
        app = app
            .route("/studio", get(|| async { Redirect::permanent("/studio/") }))
            .nest_service("/studio/", static_files(dir));
    }
    let app = match &state.static_dir {
        Some(dir) => app.fallback_service(static_files(dir)),
        None => app.fallback(|| async { AppError::NotFound }),
    };
    app.with_state(state)
}

/// A folder as files with exact types for wasm and JS, revalidated on
/// every use (a rebuilt SDK or edited demo is picked up on reload), except
/// URLs that carry their content's hash (`?v=…`, as the loader asks for the
/// wasm and the tools module): those are kept a year without revalidation.
fn static_files(
    dir: &Path,
) -> impl tower::Service<
    Request,
    Response = Response,
    Error = Infallible,
    Future = impl Send + 'static,
> + Clone
       + Send
       + Sync
       + 'static {
    ServiceBuilder::new()
        .layer(middleware::from_fn(cache_policy))
        .layer(middleware::from_fn(exact_content_type))
        .service(ServeDir::new(dir))
}

/// `Cache-Control` for a static file: `immutable` for a versioned URL
/// (`?v=` in its query: the build puts its content hash there, so new
/// content is a new URL), else `no-cache`.
async fn cache_policy(req: Request, next: Next) -> Response {
    let versioned = req
        .uri()
        .query()
        .is_some_and(|q| q.split('&').any(|p| p.starts_with("v=") && p.len() > 2));
    let mut res = next.run(req).await;
    let policy = if versioned && res.status().is_success() {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    res.headers_mut()
        .insert(CACHE_CONTROL, HeaderValue::from_static(policy));
    res
}

/// `application/wasm` is required for streaming compilation, and module
/// scripts need a JavaScript type; do not leave either to a guess table.
async fn exact_content_type(req: Request, next: Next) -> Response {
    let exact = match req.uri().path().rsplit_once('.').map(|(_, ext)| ext) {
        Some("wasm") => Some("application/wasm"),
        Some("js" | "mjs") => Some("text/javascript; charset=utf-8"),
        Some("json" | "map") => Some("application/json"),
        _ => None,
    };
    let mut res = next.run(req).await;
    if let (Some(mime), true) = (exact, res.status().is_success()) {
        res.headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static(mime));
    }
    res
}

/// The `writeKey` query parameter (400 when missing or empty).
#[derive(Debug, Clone)]
pub struct WriteKeyQuery(pub String);

impl<S: Send + Sync> FromRequestParts<S> for WriteKeyQuery {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        let Query(mut q) = Query::<HashMap<String, String>>::try_from_uri(&parts.uri)
            .map_err(|e| AppError::BadRequest(format!("invalid query string: {e}")))?;
        match q.remove("writeKey") {
            Some(key) if !key.is_empty() => Ok(WriteKeyQuery(key)),
            _ => Err(AppError::BadRequest(
                "missing writeKey query parameter".into(),
            )),
        }
    }
}

/// Whether an `If-None-Match` / `If-Match` value lists `etag` (or is `*`).
/// `weak` lets `W/"x"` match `"x"` (If-None-Match uses the weak comparison).
pub fn etag_listed(list: &str, etag: &str, weak: bool) -> bool {
    list.split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || tag == etag || (weak && tag.strip_prefix("W/") == Some(etag)))
}

/// A header's value as text, if present and visible ASCII.
pub fn header_str(headers: &HeaderMap, name: axum::http::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etag_lists_and_weak_tags_match() {
        let list = "\"b\", W/\"a\"";
        assert!(etag_listed(list, "\"a\"", true));
        assert!(!etag_listed(list, "\"a\"", false));
        assert!(!etag_listed(list, "\"c\"", true));
        assert!(etag_listed("*", "\"c\"", false));
    }
}

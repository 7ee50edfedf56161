//! The router: public API with CORS, static files, and the shared extractors.

pub mod batch;
pub mod forget;
pub mod rules;

use axum::extract::{DefaultBodyLimit, FromRequestParts, Query, Request};
use axum::http::header::{
    AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH, RETRY_AFTER,
};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use std::collections::HashMap;
use std::convert::Infallible;
use std::path::Path;
use std::time::Duration;
use tower::ServiceBuilder;
use tower_http::cors::{Any, CorsLayer};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::{AppError, AppState};

/// Builds the application's router.
pub fn router(state: AppState) -> Router {
    // Public endpoints, called from any shop's pages. PUT is not listed, so a
    // browser never sends a cross-origin PUT (the studio is same-origin).
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::HEAD, Method::POST])
        .allow_headers([CONTENT_TYPE, IF_NONE_MATCH, AUTHORIZATION])
        .expose_headers([ETAG, RETRY_AFTER])
        .max_age(Duration::from_secs(7200));
    let mut app = Router::new()
        .route("/v1/rules", get(rules::get).put(rules::put))
        .route(
            "/v1/batch",
            post(batch::post).layer(DefaultBodyLimit::max(batch::MAX_BATCH_BYTES)),
        )
        .route("/v1/forget", post(forget::post))
        .layer(cors);
    if let Some(dir) = &state.pkg_dir {
        app = app.nest_service("/pkg", static_files(dir));
    }
    let app = match &state.static_dir {
        Some(dir) => app.fallback_service(static_files(dir)),
        None => app.fallback(|| async { AppError::NotFound }),
    };
    app.with_state(state)
}

/// A folder as files, never cached without revalidation (a rebuilt SDK or
/// edited demo is picked up on reload), with exact types for wasm and JS.
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
        .layer(SetResponseHeaderLayer::overriding(
            CACHE_CONTROL,
            HeaderValue::from_static("no-cache"),
        ))
        .layer(middleware::from_fn(exact_content_type))
        .service(ServeDir::new(dir))
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

/// The username of HTTP Basic credentials (Segment sends the write key so).
pub fn basic_username(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(base64_decode(encoded.trim())?).ok()?;
    let user = decoded.split_once(':').map_or(decoded.as_str(), |(u, _)| u);
    (!user.is_empty()).then(|| user.to_owned())
}

/// Standard base64 (padding optional); `None` on any other character.
fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.trim_end_matches('=').bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
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
    fn basic_username_is_the_write_key() {
        let mut h = HeaderMap::new();
        // base64("demo:") and base64("demo")
        for v in ["Basic ZGVtbzo=", "basic ZGVtbw"] {
            h.insert(AUTHORIZATION, HeaderValue::from_static(v));
            assert_eq!(basic_username(&h).as_deref(), Some("demo"));
        }
        h.insert(AUTHORIZATION, HeaderValue::from_static("Bearer ZGVtbzo="));
        assert_eq!(basic_username(&h), None);
        h.insert(AUTHORIZATION, HeaderValue::from_static("Basic Og=="));
        assert_eq!(basic_username(&h), None, "empty username");
    }

    #[test]
    fn etag_lists_and_weak_tags_match() {
        let list = "\"b\", W/\"a\"";
        assert!(etag_listed(list, "\"a\"", true));
        assert!(!etag_listed(list, "\"a\"", false));
        assert!(!etag_listed(list, "\"c\"", true));
        assert!(etag_listed("*", "\"c\"", false));
    }
}

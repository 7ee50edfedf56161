//! Origin access control for the API. Not only CORS: a browser request whose
//! `Origin` is not allowed gets 403, because `text/plain` beacons are simple
//! requests that CORS alone would let through. Requests with no `Origin`
//! (server-side clients) are judged by their key.
//!
//! [`layer`] refuses origins no site allows (before the body is read),
//! answers preflights and sets `Access-Control-Allow-Origin` to the allowed
//! origin; handlers call [`check`] once they know the site.

use axum::extract::{Request, State};
use axum::http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE, ACCESS_CONTROL_REQUEST_METHOD, ORIGIN,
    VARY,
};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::sites::Sites;
use crate::{AppError, AppState};

/// The request's `Origin`, lower-cased, if any.
pub fn of(headers: &HeaderMap) -> Option<String> {
    headers
        .get(ORIGIN)
        .map(|v| v.to_str().unwrap_or("invalid").to_ascii_lowercase())
}

/// 403 unless the request has no `Origin` or one of `write_key`'s.
pub fn check(sites: &Sites, headers: &HeaderMap, write_key: &str) -> Result<(), AppError> {
    match of(headers) {
        Some(origin) if !sites.origin_allowed(write_key, &origin) => {
            Err(AppError::OriginNotAllowed { origin })
        }
        _ => Ok(()),
    }
}

/// The API's middleware; see the module docs.
pub async fn layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(origin) = of(req.headers()) else {
        let mut res = next.run(req).await;
        res.headers_mut()
            .append(VARY, HeaderValue::from_static("origin"));
        return res;
    };
    if !state.sites.origin_allowed_anywhere(&origin) {
        return AppError::OriginNotAllowed { origin }.into_response();
    }
    let allow = HeaderValue::from_str(&origin).unwrap_or(HeaderValue::from_static("null"));
    let preflight = req.method() == Method::OPTIONS
        && req.headers().contains_key(ACCESS_CONTROL_REQUEST_METHOD);
    let mut res = if preflight {
        let mut res = StatusCode::NO_CONTENT.into_response();
        let h = res.headers_mut();
        // PUT is not listed: rules are written from the server's own pages
        // (same origin) or from server-side tools.
        h.insert(
            ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, HEAD, POST"),
        );
        h.insert(
            ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static(
                "content-type, content-encoding, if-none-match, authorization",
            ),
        );
        h.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("7200"));
        res
    } else {
        let mut res = next.run(req).await;
        res.headers_mut().insert(
            ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("etag, retry-after"),
        );
        res
    };
    // A handler's 403 (an origin of another site) stays unreadable.
    if res.status() != StatusCode::FORBIDDEN {
        res.headers_mut().insert(ACCESS_CONTROL_ALLOW_ORIGIN, allow);
    }
    res.headers_mut()
        .append(VARY, HeaderValue::from_static("origin"));
    res
}

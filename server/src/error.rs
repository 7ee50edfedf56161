//! One error type for every handler. Client errors say what was wrong, with
//! enough detail to fix the request; internal errors are logged on stderr and
//! answered with a bare "internal error", so nothing internal leaks.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use parcours_engine::RuleError;
use serde_json::{json, Value};

/// Everything a handler can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The request is unusable as sent (missing parameter, wrong shape).
    #[error("{0}")]
    BadRequest(String),
    /// The body is not JSON, or not JSON of the expected shape;
    /// `line`/`column` point at the problem (1-based).
    #[error("{error}: {message}")]
    MalformedJson {
        /// `"malformed JSON"` (syntax) or `"unexpected JSON shape"` (types, fields).
        error: &'static str,
        /// The parser's message.
        message: String,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
    },
    /// The write key is missing or unknown where it authenticates (batch, PUT).
    #[error("{0}")]
    Unauthorized(String),
    /// The request's `Origin` is not one of the site's (403).
    #[error("origin {origin:?} is not allowed for this site")]
    OriginNotAllowed {
        /// The `Origin` header.
        origin: String,
    },
    /// The caller may not do this (a source-only privilege, …).
    #[error("{0}")]
    Forbidden(String),
    /// Over the rate limit; retry after this many seconds.
    #[error("rate limit exceeded; retry after {retry_after} s")]
    TooManyRequests {
        /// Seconds, sent as `Retry-After`.
        retry_after: u64,
    },
    /// A `Content-Encoding` other than gzip, deflate or identity.
    #[error("unsupported Content-Encoding {0:?} (gzip, deflate or identity)")]
    UnsupportedEncoding(String),
    /// Nothing is stored under this write key (a lookup: 404).
    #[error("unknown writeKey")]
    UnknownSite(String),
    /// The write key that should authenticate the request is unknown (401).
    #[error("unknown writeKey")]
    UnknownWriteKey(String),
    /// The resource does not exist.
    #[error("not found")]
    NotFound,
    /// `If-Match` did not match the stored rules.
    #[error("the rules changed since they were read (If-Match does not match)")]
    PreconditionFailed {
        /// The current ETag, so the client can reload.
        current: Option<String>,
    },
    /// The body is larger than the endpoint accepts.
    #[error("request body larger than {limit} bytes")]
    PayloadTooLarge {
        /// The limit in bytes.
        limit: usize,
    },
    /// A rules document that fails validation, with every error.
    #[error("invalid rules")]
    InvalidRules(Vec<RuleError>),
    /// Anything else: logged, never shown.
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    /// Wraps an internal failure; the detail is only logged.
    pub fn internal(e: impl std::fmt::Display) -> AppError {
        AppError::Internal(e.to_string())
    }

    /// A parse error from `serde_json`, located.
    pub fn json(e: &serde_json::Error) -> AppError {
        let error = match e.classify() {
            serde_json::error::Category::Data => "unexpected JSON shape",
            _ => "malformed JSON",
        };
        AppError::MalformedJson {
            error,
            message: e.to_string(),
            line: e.line(),
            column: e.column(),
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            AppError::BadRequest(_) | AppError::MalformedJson { .. } => StatusCode::BAD_REQUEST,
            AppError::Unauthorized(_) | AppError::UnknownWriteKey(_) => StatusCode::UNAUTHORIZED,
            AppError::UnknownSite(_) | AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::OriginNotAllowed { .. } | AppError::Forbidden(_) => StatusCode::FORBIDDEN,
            AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::UnsupportedEncoding(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::PreconditionFailed { .. } => StatusCode::PRECONDITION_FAILED,
            AppError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::InvalidRules(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn body(&self) -> Value {
        match self {
            AppError::MalformedJson {
                error,
                message,
                line,
                column,
            } => json!({ "error": error, "message": message, "line": line, "column": column }),
            AppError::UnknownSite(key) | AppError::UnknownWriteKey(key) => {
                json!({ "error": "unknown writeKey", "writeKey": key })
            }
            AppError::PreconditionFailed { current } => {
                json!({ "error": self.to_string(), "etag": current })
            }
            AppError::OriginNotAllowed { origin } => {
                json!({ "error": "origin not allowed", "origin": origin })
            }
            AppError::TooManyRequests { retry_after } => {
                json!({ "error": self.to_string(), "retryAfter": retry_after })
            }
            AppError::PayloadTooLarge { limit } => {
                json!({ "error": self.to_string(), "limit": limit })
            }
            AppError::InvalidRules(errors) => json!({
                "error": "invalid rules",
                "errors": errors.iter().map(rule_error_json).collect::<Vec<_>>(),
            }),
            AppError::Internal(_) => json!({ "error": "internal error" }),
            other => json!({ "error": other.to_string() }),
        }
    }
}

/// A rules error or warning as `{ "path", "message" }`.
pub fn rule_error_json(e: &RuleError) -> Value {
    json!({ "path": e.path, "message": e.message })
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(detail) = &self {
            eprintln!("parcours-server: internal error: {detail}");
        }
        let mut res = (self.status(), Json(self.body())).into_response();
        if let AppError::TooManyRequests { retry_after } = self {
            res.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, retry_after.into());
        }
        res
    }
}

impl From<crate::store::StoreError> for AppError {
    fn from(e: crate::store::StoreError) -> Self {
        AppError::internal(format!("database: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_do_not_leak_their_detail() {
        let body = AppError::internal("disk I/O error at /secret/path").body();
        assert_eq!(body, json!({ "error": "internal error" }));
    }

    #[test]
    fn malformed_json_is_located() {
        let e = serde_json::from_str::<Value>("{\n  \"a\": ,\n}").unwrap_err();
        let body = AppError::json(&e).body();
        assert_eq!(body["error"], "malformed JSON");
        assert_eq!(body["line"], 2);
        assert_eq!(body["column"], 8);
        assert_eq!(AppError::json(&e).status(), StatusCode::BAD_REQUEST);
    }
}

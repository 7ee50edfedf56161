//! `GET /v1/rules/schema`: the JSON Schema (draft 2020-12) of the rules
//! document, for editors and other tools (completion, hover docs, lint).
//! Public and the same for every site, so it sits outside the origin layer
//! and any origin may read it. The file is built into the binary, so it
//! always describes the engine this server validates with;
//! `tests/rules_schema.rs` keeps the two in step.

use axum::http::header::{
    ACCESS_CONTROL_ALLOW_ORIGIN, ACCESS_CONTROL_EXPOSE_HEADERS, CACHE_CONTROL, CONTENT_TYPE, ETAG,
    IF_NONE_MATCH,
};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

use super::{etag_listed, header_str};

/// The schema's text, as served.
pub const RULES_SCHEMA: &str = include_str!("../../schema/rules.schema.json");

/// Its media type (RFC draft `application/schema+json`).
pub const MEDIA_TYPE: &str = "application/schema+json";

/// A strong ETag of [`RULES_SCHEMA`]: it changes only with the server build.
static SCHEMA_ETAG: LazyLock<String> = LazyLock::new(|| {
    let digest = Sha256::digest(RULES_SCHEMA.as_bytes());
    let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    format!("\"schema-{hex}\"")
});

/// The schema, or 304 when the client's copy is current. Cached for five
/// minutes, then revalidated (a server upgrade may bring a new schema).
pub async fn get(headers: HeaderMap) -> Response {
    let etag = SCHEMA_ETAG.as_str();
    let common = [
        (ETAG, etag),
        (CACHE_CONTROL, "public, max-age=300"),
        (ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        (ACCESS_CONTROL_EXPOSE_HEADERS, "etag"),
    ];
    if header_str(&headers, IF_NONE_MATCH).is_some_and(|l| etag_listed(l, etag, true)) {
        return (StatusCode::NOT_MODIFIED, common).into_response();
    }
    (common, [(CONTENT_TYPE, MEDIA_TYPE)], RULES_SCHEMA).into_response()
}

//! HTTP: `fetch` for batches and rules, `sendBeacon` at unload.

use crate::convert;
use crate::outbox::{join_array, Msg};
use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Bodies up to this size go with `keepalive` (the browser's in-flight budget is ~64 KB).
pub const KEEPALIVE_MAX: usize = 60_000;

fn set(o: &Object, k: &str, v: &JsValue) {
    let _ = Reflect::set(o, &JsValue::from_str(k), v);
}

async fn fetch(url: &str, init: &Object) -> Result<web_sys::Response, JsValue> {
    let w = web_sys::window().ok_or(JsValue::NULL)?;
    let p = w.fetch_with_str_and_init(url, init.unchecked_ref());
    JsFuture::from(p).await?.dyn_into()
}

/// POSTs JSON; the HTTP status, or the network error.
pub async fn post_json(url: &str, body: &str, keepalive: bool) -> Result<u16, JsValue> {
    let init = Object::new();
    set(&init, "method", &"POST".into());
    set(&init, "body", &body.into());
    let headers = Object::new();
    set(&headers, "content-type", &"application/json".into());
    set(&init, "headers", &headers);
    if keepalive && body.len() <= KEEPALIVE_MAX {
        set(&init, "keepalive", &JsValue::TRUE);
    }
    Ok(fetch(url, &init).await?.status())
}

/// A rules response: status, `ETag`, and the parsed body on 200.
pub struct RulesResponse {
    /// HTTP status (304 when the cached rules are still current).
    pub status: u16,
    /// The `ETag` header.
    pub etag: Option<String>,
    /// The parsed JSON body (on 200), else `undefined`.
    pub body: JsValue,
}

/// `GET url` with `If-None-Match` when an ETag is known.
pub async fn get_rules(url: &str, etag: Option<&str>) -> Result<RulesResponse, JsValue> {
    let init = Object::new();
    set(&init, "cache", &"no-store".into());
    if let Some(tag) = etag {
        let headers = Object::new();
        set(&headers, "if-none-match", &tag.into());
        set(&init, "headers", &headers);
    }
    let resp = fetch(url, &init).await?;
    let status = resp.status();
    let etag = resp.headers().get("etag").ok().flatten();
    let body = if status == 200 {
        JsFuture::from(resp.json()?).await?
    } else {
        JsValue::UNDEFINED
    };
    Ok(RulesResponse { status, etag, body })
}

/// `navigator.sendBeacon(url, body)` as `text/plain`; whether the browser queued it.
pub fn beacon(url: &str, body: &str) -> bool {
    web_sys::window()
        .and_then(|w| w.navigator().send_beacon_with_opt_str(url, Some(body)).ok())
        .unwrap_or(false)
}

/// The Segment batch envelope: `{writeKey, sentAt, batch}`.
pub fn batch_body<'a>(write_key: &str, msgs: impl Iterator<Item = &'a Msg>) -> String {
    let key = convert::stringify(&JsValue::from_str(write_key)).unwrap_or_else(|| "\"\"".into());
    let sent_at: String = js_sys::Date::new_0().to_iso_string().into();
    [
        "{\"writeKey\":",
        &key,
        ",\"sentAt\":\"",
        &sent_at,
        "\",\"batch\":",
        &join_array(msgs),
        "}",
    ]
    .concat()
}

/// Splits `msgs` into batch bodies each under `max_bytes` (a single larger
/// message gets its own body).
pub fn chunked_bodies(write_key: &str, msgs: &[&Msg], max_bytes: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < msgs.len() {
        let mut end = start;
        let mut size = 128;
        while end < msgs.len() && (end == start || size + msgs[end].json.len() < max_bytes) {
            size += msgs[end].json.len() + 1;
            end += 1;
        }
        out.push(batch_body(write_key, msgs[start..end].iter().copied()));
        start = end;
    }
    out
}

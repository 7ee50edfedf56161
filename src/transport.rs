//! HTTP: `fetch` for batches and rules, `sendBeacon` when the page goes away.
//! Failures are [`TransportError`]s; nothing here throws.

use crate::convert;
use crate::outbox::{join_array, Msg};
use js_sys::{Object, Promise, Reflect};
use parcours_engine::json;
use parcours_engine::value::Value;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Bodies up to this size go with `keepalive` (the browser's in-flight budget is ~64 KB).
pub const KEEPALIVE_MAX: usize = 60_000;

/// Why a request got no HTTP answer.
#[derive(Debug, Clone)]
pub enum TransportError {
    /// No `window` or no `fetch` (not a browser page).
    NoWindow,
    /// The network failed, or the browser refused the request (CORS,
    /// keepalive budget, offline); the browser's error.
    Network(JsValue),
    /// The answer's body could not be read.
    Body(JsValue),
}

impl TransportError {
    /// The browser's error, for logs and `error` events.
    pub fn detail(&self) -> JsValue {
        match self {
            TransportError::NoWindow => JsValue::from_str("no window"),
            TransportError::Network(e) | TransportError::Body(e) => e.clone(),
        }
    }
}

/// The collector's answer to a batch.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The `Retry-After` header (the collector must expose it to CORS).
    pub retry_after: Option<String>,
    /// The body, parsed when it is JSON (`undefined` otherwise).
    pub body: JsValue,
}

fn set(o: &Object, k: &str, v: &JsValue) {
    let _ = Reflect::set(o, &JsValue::from_str(k), v);
}

fn start_fetch(url: &str, init: &Object) -> Result<Promise, TransportError> {
    let w = web_sys::window().ok_or(TransportError::NoWindow)?;
    Ok(w.fetch_with_str_and_init(url, init.unchecked_ref()))
}

async fn response(p: Promise) -> Result<web_sys::Response, TransportError> {
    JsFuture::from(p)
        .await
        .map_err(TransportError::Network)?
        .dyn_into()
        .map_err(TransportError::Network)
}

/// A POST already on its way (the request left in the current task, which
/// matters when the page is being hidden); await [`InFlight::answer`].
pub struct InFlight(Promise);

/// Starts POSTing `body`: as `application/json`, or as `text/plain` (a
/// simple request with no CORS preflight, as beacons are) when `plain`.
/// Bodies under [`KEEPALIVE_MAX`] go with `keepalive`, so they survive the
/// page being closed.
pub fn post(url: &str, body: &str, plain: bool) -> Result<InFlight, TransportError> {
    post_with(url, body, plain, None)
}

/// [`post`] with `Authorization: Bearer <token>` when `bearer` is set (a
/// user token; the header makes a cross-origin request preflighted).
pub fn post_with(
    url: &str,
    body: &str,
    plain: bool,
    bearer: Option<&str>,
) -> Result<InFlight, TransportError> {
    let init = Object::new();
    set(&init, "method", &"POST".into());
    set(&init, "body", &body.into());
    let headers = Object::new();
    let kind = if plain {
        "text/plain"
    } else {
        "application/json"
    };
    set(&headers, "content-type", &kind.into());
    if let Some(token) = bearer {
        set(
            &headers,
            "authorization",
            &["Bearer ", token].concat().into(),
        );
    }
    set(&init, "headers", &headers);
    if body.len() <= KEEPALIVE_MAX {
        set(&init, "keepalive", &JsValue::TRUE);
    }
    start_fetch(url, &init).map(InFlight)
}

impl InFlight {
    /// The answer: status, `Retry-After`, and the body when it is JSON.
    pub async fn answer(self) -> Result<Answer, TransportError> {
        let resp = response(self.0).await?;
        let status = resp.status();
        let retry_after = resp.headers().get("retry-after").ok().flatten();
        let text = match resp.text() {
            Ok(p) => JsFuture::from(p).await.map_err(TransportError::Body)?,
            Err(e) => return Err(TransportError::Body(e)),
        };
        let body = text
            .as_string()
            .and_then(|t| convert::parse_json(&t))
            .unwrap_or(JsValue::UNDEFINED);
        Ok(Answer {
            status,
            retry_after,
            body,
        })
    }
}

/// A GET response: status, `ETag`, and the parsed body on 200.
pub struct RulesResponse {
    /// HTTP status (304 when the cached rules are still current).
    pub status: u16,
    /// The `ETag` header.
    pub etag: Option<String>,
    /// The JSON body (on 200), parsed in Rust; else `null`.
    pub body: Value,
    /// The body's text as the page holds it (a JS string; `undefined` but
    /// on 200), for what keeps the document without a tree of values.
    pub text: JsValue,
}

/// `GET url` with `If-None-Match` when an ETag is known.
pub async fn get_rules(url: &str, etag: Option<&str>) -> Result<RulesResponse, TransportError> {
    get_json(url, etag.map(|tag| ("if-none-match", tag))).await
}

/// `GET url` with `Authorization: Bearer <token>` (the signed profile).
pub async fn get_authorized(url: &str, token: &str) -> Result<RulesResponse, TransportError> {
    let value = ["Bearer ", token].concat();
    get_json(url, Some(("authorization", &value))).await
}

/// `GET url`, never from the HTTP cache, with one extra header if given.
async fn get_json(
    url: &str,
    header: Option<(&str, &str)>,
) -> Result<RulesResponse, TransportError> {
    let init = Object::new();
    set(&init, "cache", &"no-store".into());
    if let Some((name, value)) = header {
        let headers = Object::new();
        set(&headers, name, &value.into());
        set(&init, "headers", &headers);
    }
    rules_answer(start_fetch(url, &init)?).await
}

/// The answer to a rules (or profile) GET already sent: `fetch()`'s Promise.
pub async fn rules_answer(sent: Promise) -> Result<RulesResponse, TransportError> {
    let resp = response(sent).await?;
    let status = resp.status();
    let etag = resp.headers().get("etag").ok().flatten();
    let (body, text) = if status == 200 {
        let p = resp.text().map_err(TransportError::Body)?;
        let js = JsFuture::from(p).await.map_err(TransportError::Body)?;
        let text = js.as_string().unwrap_or_default();
        let body = json::parse(&text).map_err(|e| TransportError::Body(json_error(&e)))?;
        (body, js)
    } else {
        (Value::Null, JsValue::UNDEFINED)
    };
    Ok(RulesResponse {
        status,
        etag,
        body,
        text,
    })
}

/// `{error: "invalid JSON", kind, at}` for logs and `error` events.
fn json_error(e: &json::JsonError) -> JsValue {
    convert::object(&[
        ("error", "invalid JSON".into()),
        ("kind", e.kind.name().into()),
        ("at", (e.at as f64).into()),
    ])
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

/// Splits `msgs` into groups whose batch bodies each stay under
/// `max_bytes` (a single larger message gets its own group).
pub fn chunks<'a>(msgs: &[&'a Msg], max_bytes: usize) -> Vec<Vec<&'a Msg>> {
    let mut out = Vec::new();
    let mut start = 0;
    while start < msgs.len() {
        let mut end = start;
        let mut size = 128;
        while end < msgs.len() && (end == start || size + msgs[end].json.len() < max_bytes) {
            size += msgs[end].json.len() + 1;
            end += 1;
        }
        out.push(msgs[start..end].to_vec());
        start = end;
    }
    out
}

/// Splits `msgs` into batch bodies each under `max_bytes`.
pub fn chunked_bodies(write_key: &str, msgs: &[&Msg], max_bytes: usize) -> Vec<String> {
    chunks(msgs, max_bytes)
        .into_iter()
        .map(|c| batch_body(write_key, c.into_iter()))
        .collect()
}

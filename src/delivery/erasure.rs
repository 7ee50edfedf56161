//! `forget()` on the collector's side: each erasure request is kept (in
//! storage under `parcours:forget`, and in memory) until the collector
//! answers it, retried with backoff, when back online, and at the next
//! page load. Erasing is idempotent, so tabs may all retry it. A request
//! for a known user carries the user token given to `identify(userId,
//! traits, { token })`, sent as `Authorization: Bearer`.

use super::policy::Backoff;
use crate::handles::Timeout;
use crate::sdk::with_sdk;
use crate::storage::Store;
use crate::{convert, transport};
use js_sys::{Array, Function, Promise};
use wasm_bindgen::prelude::*;

/// The storage key: a JSON array of request bodies, or `[body, token]` pairs.
pub const KEY: &str = "forget";

/// One erasure request: the `/v1/forget` body and the user token, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Request {
    body: String,
    token: Option<String>,
}

/// Erasure requests not acknowledged yet.
pub struct Erasures {
    store: Store,
    endpoint: String,
    pending: Vec<Request>,
    backoff: Backoff,
    timer: Option<Timeout>,
    /// `forget()` promises waiting for the first answer to their request.
    waiters: Vec<(String, Function)>,
}

impl Erasures {
    /// No request yet; they go to `endpoint` (none when empty).
    pub fn new(store: Store, endpoint: &str) -> Erasures {
        Erasures {
            store,
            endpoint: endpoint.to_owned(),
            pending: Vec::new(),
            backoff: Backoff::default(),
            timer: None,
            waiters: Vec::new(),
        }
    }

    /// Asks the collector to erase the visitor (`body` is the
    /// `/v1/forget` request): kept in storage and retried with backoff, at
    /// the next page load too, until acknowledged.
    /// The promise resolves with whether the collector acknowledged the
    /// first attempt. `token` is the user token, sent as `Authorization: Bearer`.
    pub fn add(&mut self, body: String, token: Option<String>) -> Promise {
        if self.endpoint.is_empty() {
            return Promise::resolve(&JsValue::FALSE);
        }
        let mut waiter = None;
        let promise = Promise::new(&mut |resolve, _| waiter = Some(resolve));
        if let Some(w) = waiter {
            self.waiters.push((body.clone(), w));
        }
        let req = Request { body, token };
        if !self.pending.contains(&req) {
            self.pending.push(req);
        }
        self.save();
        self.timer = None;
        self.send();
        promise
    }

    fn save(&self) {
        if self.pending.is_empty() {
            self.store.remove(KEY);
            return;
        }
        let list: Array = self
            .pending
            .iter()
            .map(|r| match &r.token {
                None => JsValue::from_str(&r.body),
                Some(t) => Array::of2(&JsValue::from_str(&r.body), &JsValue::from_str(t)).into(),
            })
            .collect();
        if let Some(text) = convert::stringify(&list) {
            let _ = self.store.set(KEY, &text);
        }
    }

    fn load(&mut self) {
        let stored = self.store.get_json(KEY).filter(Array::is_array);
        for entry in stored.map(|a| Array::from(&a).to_vec()).unwrap_or_default() {
            let req = match entry.as_string() {
                Some(body) => Request { body, token: None },
                None if Array::is_array(&entry) => {
                    let pair = Array::from(&entry);
                    let Some(body) = pair.get(0).as_string() else {
                        continue;
                    };
                    Request {
                        body,
                        token: pair.get(1).as_string(),
                    }
                }
                None => continue,
            };
            if !self.pending.contains(&req) {
                self.pending.push(req);
            }
        }
    }

    fn send(&mut self) {
        if self.endpoint.is_empty() || self.timer.is_some() {
            return;
        }
        let url = [&self.endpoint, "/v1/forget"].concat();
        for Request { body, token } in self.pending.clone() {
            let Ok(sent) = transport::post_with(&url, &body, true, token.as_deref()) else {
                continue;
            };
            wasm_bindgen_futures::spawn_local(async move {
                let ok = matches!(sent.answer().await, Ok(a) if (200..500).contains(&a.status));
                with_sdk(|s| s.delivery.erasures.answered(&body, ok));
            });
        }
    }

    fn answered(&mut self, body: &str, ok: bool) {
        for (_, w) in self.waiters.iter().filter(|(b, _)| b == body) {
            let _ = w.call1(&JsValue::UNDEFINED, &JsValue::from_bool(ok));
        }
        self.waiters.retain(|(b, _)| b != body);
        if ok {
            self.pending.retain(|r| r.body != body);
            self.backoff.reset();
            self.save();
        } else if self.timer.is_none() {
            let delay = self.backoff.next_ms(js_sys::Math::random(), None);
            self.timer = Timeout::new(delay as i32, || {
                with_sdk(|s| {
                    s.delivery.erasures.timer = None;
                    s.delivery.erasures.send();
                });
            });
        }
    }

    /// Sends what is pending now (back online).
    pub fn retry_now(&mut self) {
        self.backoff.reset();
        self.timer = None;
        self.send();
    }

    /// Sends what an earlier page left pending.
    pub fn resume(&mut self) {
        self.load();
        self.send();
    }
}

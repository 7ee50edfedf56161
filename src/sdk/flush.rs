//! Sending the outbox: debounced flushes, one flushing tab at a time (a
//! lease in storage), retries with backoff, and the beacon when the page is
//! hidden.

use super::{keys, with_sdk, Sdk, BATCH_COUNT, FLUSH_DELAY_MS, MAX_BACKOFF_MS};
use crate::handles::Timeout;
use crate::outbox::Msg;
use crate::{log, transport};
use wasm_bindgen::prelude::*;

/// How long a tab keeps the flush lease.
const LEASE_MS: f64 = 15_000.0;

impl Sdk {
    pub(super) fn schedule_flush(&mut self, ms: i32) {
        if !self.consent.analytics || (self.flush_timer.is_some() && ms > 0) {
            return;
        }
        self.flush_timer = Timeout::new(ms, || {
            with_sdk(|s| s.flush_timer = None);
            wasm_bindgen_futures::spawn_local(flush());
        });
    }

    fn take_lease(&self) -> bool {
        let now = js_sys::Date::now();
        if let Some(lease) = self.store.get(keys::LEASE) {
            let mut parts = lease.split('|');
            let (owner, until) = (
                parts.next().unwrap_or_default(),
                parts.next().unwrap_or_default(),
            );
            let until = parcours_engine::value::string_to_number(until);
            if owner != self.tab_id && until > now {
                return false;
            }
        }
        let mine = [
            self.tab_id.as_str(),
            "|",
            &parcours_engine::value::number_to_string((now + LEASE_MS).floor()),
        ]
        .concat();
        let _ = self.store.set(keys::LEASE, &mine);
        true
    }

    fn begin_flush(&mut self) -> Option<(String, String, Vec<String>)> {
        if self.in_flight || !self.consent.analytics || self.cfg.endpoint.is_empty() {
            return None;
        }
        self.sync_outbox();
        if self.outbox.is_empty() {
            return None;
        }
        if !self.take_lease() {
            // Another tab flushes the shared outbox; look again later.
            self.schedule_flush(LEASE_MS as i32);
            return None;
        }
        let msgs = self
            .outbox
            .front(BATCH_COUNT, transport::KEEPALIVE_MAX - 200);
        let ids = msgs.iter().map(|m| m.id.clone()).collect();
        let body = transport::batch_body(&self.cfg.write_key, msgs.into_iter());
        self.in_flight = true;
        Some(([&self.cfg.endpoint, "/v1/batch"].concat(), body, ids))
    }

    fn end_flush(&mut self, ids: &[String], result: Result<u16, JsValue>) {
        self.in_flight = false;
        match result {
            Ok(status) if (200..300).contains(&status) => {
                self.backoff_ms = 0;
                self.sync_outbox();
                self.outbox.remove_ids(ids);
                self.save_outbox();
                if !self.outbox.is_empty() {
                    self.schedule_flush(0);
                }
            }
            Ok(status) if (400..500).contains(&status) && status != 408 && status != 429 => {
                // The server will never accept these: drop them rather than retry forever.
                self.sync_outbox();
                self.outbox.remove_ids(ids);
                self.save_outbox();
                self.error(
                    "batch rejected by the server; events dropped",
                    JsValue::from(status),
                );
            }
            other => {
                self.backoff_ms = (self.backoff_ms * 2).clamp(FLUSH_DELAY_MS, MAX_BACKOFF_MS);
                if let Err(e) = &other {
                    log::warn("batch send failed; will retry", e);
                }
                self.flush_timer = None;
                let delay = self.backoff_ms;
                self.schedule_flush(delay);
            }
        }
    }

    /// Page hidden or unloading: a best-effort beacon of everything pending,
    /// in chunks under 60 KB. The events stay in the outbox until a fetch is
    /// acknowledged (the server drops duplicates by `messageId`).
    pub(super) fn on_page_hidden(&mut self) {
        if !self.consent.analytics || self.cfg.endpoint.is_empty() {
            return;
        }
        self.sync_outbox();
        if self.outbox.is_empty() {
            return;
        }
        let url = [&self.cfg.endpoint, "/v1/batch"].concat();
        let msgs: Vec<&Msg> = self.outbox.iter().collect();
        for body in transport::chunked_bodies(&self.cfg.write_key, &msgs, transport::KEEPALIVE_MAX)
        {
            if !transport::beacon(&url, &body) {
                break;
            }
        }
    }
}

async fn flush() {
    let Some(Some((url, body, ids))) = with_sdk(Sdk::begin_flush) else {
        return;
    };
    let result = transport::post_json(&url, &body, true).await;
    with_sdk(|s| s.end_flush(&ids, result));
}

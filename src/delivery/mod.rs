//! Delivery: this tab's outbox, the flush timer, retries, the send when the
//! page is hidden, and the adoption of queues left by closed tabs.
//!
//! The guarantee: **at-least-once on the wire, exactly-once stored** by a
//! collector that de-duplicates on `messageId`. Each message is stored
//! under its own key before any send, and leaves storage only when the
//! collector answered for it (2xx, or a refusal of that message alone).
//!
//! - Each tab sends only its own queue; tabs never write one shared key.
//! - Each tab holds the Web Lock `parcours:tab:<id>` for its lifetime. A
//!   tab that can take another tab's lock (`ifAvailable`) knows that tab is
//!   gone, and adopts its queue while holding the lock, so two tabs never
//!   adopt the same queue. Without Web Locks, a tab writes a heartbeat key
//!   every minute and removes it at `pagehide`; a queue whose heartbeat is
//!   missing or five minutes old is adopted (two tabs may then both send
//!   it: doubled on the wire, still stored once).
//! - Within a page a message is sent again only after a failure. When the
//!   page is hidden, what is pending goes once, with `keepalive` (answered
//!   if the page survives) or `sendBeacon` (never answered): the next page
//!   sends those messages again, once.
//! - How each answer is handled: [`policy`].

mod adopt;
mod erasure;
pub mod policy;

use crate::handles::Timeout;
use crate::outbox::{self, Msg, Outbox, Queued};
use crate::sdk::{with_sdk, Host};
use crate::storage::{Store, StoreError};
use crate::transport::{self, Answer, TransportError, KEEPALIVE_MAX};
use crate::{convert, locks};
pub use adopt::{resume, start, suspend, FIRST_SWEEP_MS, HEARTBEAT, SWEEP_MS};
pub use erasure::Erasures;
use js_sys::Array;
use policy::{Backoff, SplitPlan, Verdict};
use wasm_bindgen::prelude::*;

/// A batch is sent at once when this many messages wait.
pub const BATCH_COUNT: usize = 20;
/// With a backlog, a batch carries up to this many messages and bytes (it
/// then goes without `keepalive`, whose budget is 64 KB): a page that
/// records faster than one small batch per round trip still catches up.
pub const BACKLOG_COUNT: usize = 100;
/// See [`BACKLOG_COUNT`].
pub const BACKLOG_BYTES: usize = 200 * 1024;
/// Debounce before a flush.
pub const FLUSH_DELAY_MS: i32 = 1000;
/// The storage key of the outbox before per-message keys.
pub const LEGACY_OUTBOX: &str = "outbox";
/// A batch on its way.
pub struct Job {
    ids: Vec<String>,
    /// Sent when the page was hidden (then its messages are `carried`).
    hidden: bool,
}

/// This tab's delivery state.
pub struct Delivery {
    store: Store,
    writer: String,
    seq: u64,
    url: String,
    write_key: String,
    /// Analytics consent: without it nothing is stored or sent, and
    /// messages wait in memory.
    enabled: bool,
    /// Messages not acknowledged yet.
    pub outbox: Outbox,
    timer: Option<Timeout>,
    sweep_timer: Option<Timeout>,
    in_flight: Vec<String>,
    backoff: Backoff,
    plan: SplitPlan,
    paused: bool,
    hidden_sent: bool,
    tab_lock: Option<locks::Guard>,
    /// `forget()` requests on their way to the collector.
    pub erasures: Erasures,
}

impl Delivery {
    /// Delivery for tab `writer` to `endpoint` (no sending when empty).
    pub fn new(
        store: Store,
        writer: String,
        endpoint: &str,
        write_key: &str,
        enabled: bool,
    ) -> Delivery {
        let store_clone = store.clone();
        Delivery {
            store,
            writer,
            seq: 0,
            url: if endpoint.is_empty() {
                String::new()
            } else {
                [endpoint, "/v1/batch"].concat()
            },
            write_key: write_key.to_owned(),
            enabled,
            outbox: Outbox::default(),
            timer: None,
            sweep_timer: None,
            in_flight: Vec::new(),
            backoff: Backoff::default(),
            plan: SplitPlan::default(),
            paused: false,
            hidden_sent: false,
            tab_lock: None,
            erasures: Erasures::new(store_clone, endpoint),
        }
    }

    /// Whether messages are stored and sent.
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    fn next_key(&mut self) -> String {
        self.seq += 1;
        crate::ids::seq_key(outbox::PREFIX, &self.writer, self.seq)
    }

    fn persist(&mut self, q: &mut Queued, host: &mut Host) {
        if q.key.is_some() || !self.enabled {
            return;
        }
        let key = self.next_key();
        match self.store.set_soon(&key, &q.msg.json) {
            Ok(()) => q.key = Some(key),
            Err(StoreError::Quota) => {
                host.error("storage full: event kept in memory only", JsValue::NULL)
            }
            Err(_) => {}
        }
    }

    fn push(&mut self, mut q: Queued, host: &mut Host) {
        self.persist(&mut q, host);
        let dropped = self.outbox.push(q);
        if !dropped.is_empty() {
            self.forget_keys(&dropped);
            let n = self.outbox.dropped;
            host.error("outbox full: oldest events dropped", JsValue::from(n));
        }
    }

    fn forget_keys(&self, gone: &[Queued]) {
        for q in gone {
            if let Some(k) = &q.key {
                self.store.remove(k);
            }
        }
    }

    /// Queues `msg`: stored (one key) before any send, then a flush is scheduled.
    pub fn enqueue(&mut self, msg: Msg, host: &mut Host) {
        self.push(Queued::new(msg), host);
        if self.outbox.len() >= BATCH_COUNT && self.backoff.attempts() == 0 {
            self.schedule(0);
        } else {
            self.schedule(FLUSH_DELAY_MS);
        }
    }

    /// Consent for analytics given or withdrawn. Given: what was queued in
    /// memory meanwhile is stored and sent. Withdrawn: the queue is erased.
    pub fn set_enabled(&mut self, on: bool, host: &mut Host) {
        self.enabled = on;
        if on {
            self.restore(host);
            self.schedule(0);
        } else {
            let gone = self.outbox.clear();
            self.forget_keys(&gone);
            self.timer = None;
        }
    }

    /// Stores the whole queue again (the host page cleared the storage).
    pub fn restore(&mut self, host: &mut Host) {
        let queued = self.outbox.clear();
        let dropped = self.outbox.dropped;
        for mut q in queued {
            q.key = None;
            self.push(q, host);
        }
        self.outbox.dropped = dropped;
    }

    /// Erases the queue (memory and storage): `forget()`.
    pub fn clear(&mut self) {
        let gone = self.outbox.clear();
        self.forget_keys(&gone);
        self.timer = None;
        self.in_flight.clear();
    }

    /// Flushes in `ms` (a pending later flush is kept; `0` replaces it).
    pub fn schedule(&mut self, ms: i32) {
        if !self.enabled || self.url.is_empty() || self.paused || (self.timer.is_some() && ms > 0) {
            return;
        }
        self.arm(ms);
    }

    fn arm(&mut self, ms: i32) {
        self.timer = Timeout::new(ms, || {
            with_sdk(|s| s.delivery.timer = None);
            flush_now();
        });
    }

    fn begin(&mut self) -> Option<(Job, Result<transport::InFlight, TransportError>)> {
        // Nothing is sent before it is stored.
        self.store.flush();
        if !self.in_flight.is_empty() || !self.enabled || self.url.is_empty() {
            return None;
        }
        let (count, bytes) = if self.outbox.len() > BATCH_COUNT {
            (BACKLOG_COUNT, BACKLOG_BYTES)
        } else {
            (BATCH_COUNT, KEEPALIVE_MAX - 200)
        };
        let max = self.plan.next_size(count);
        let msgs = self.outbox.front(max, bytes, |q| !q.carried);
        if msgs.is_empty() {
            return None;
        }
        let ids: Vec<String> = msgs.iter().map(|m| m.id.clone()).collect();
        let body = transport::batch_body(&self.write_key, msgs.into_iter());
        self.in_flight = ids.clone();
        let sent = transport::post(&self.url, &body, false);
        Some((Job { ids, hidden: false }, sent))
    }

    /// Takes the collector's answer (or the failure) for `job`.
    pub fn end(&mut self, job: Job, result: Result<Answer, TransportError>, host: &mut Host) {
        if !job.hidden {
            self.in_flight.clear();
        }
        let now = js_sys::Date::now();
        let (status, retry_after) = match &result {
            Ok(a) => (
                Some(a.status),
                policy::retry_after_ms(a.retry_after.as_deref(), now, js_sys::Date::parse),
            ),
            Err(e) => {
                crate::log::warn("batch send failed; will retry", &e.detail());
                (None, None)
            }
        };
        let verdict = policy::classify(status, retry_after);
        if verdict != Verdict::Ack {
            for q in self.outbox.iter_mut() {
                if job.ids.contains(&q.msg.id) {
                    q.carried = false;
                }
            }
        }
        match verdict {
            Verdict::Ack => {
                let body = result.map(|a| a.body).unwrap_or(JsValue::UNDEFINED);
                self.acknowledged(&job.ids, &body, host);
            }
            Verdict::Retry { after_ms } => {
                let delay = self.backoff.next_ms(js_sys::Math::random(), after_ms);
                self.arm(delay as i32);
            }
            Verdict::Split => {
                if !self.plan.split(job.ids.len()) {
                    let gone = self.outbox.remove_ids(&job.ids);
                    self.forget_keys(&gone);
                    self.plan.done(1);
                    let detail = host_obj(&job.ids[0], status);
                    host.error("event refused by the collector; dropped", detail);
                }
                self.schedule(0);
            }
            Verdict::Pause => {
                if !self.paused {
                    host.error(
                        "the collector refused the write key; sending paused, events kept",
                        JsValue::from(status.unwrap_or(0)),
                    );
                }
                self.paused = true;
                self.arm(policy::PAUSE_PROBE_MS as i32);
            }
        }
    }

    fn acknowledged(&mut self, ids: &[String], body: &JsValue, host: &mut Host) {
        let gone = self.outbox.remove_ids(ids);
        self.forget_keys(&gone);
        self.backoff.reset();
        self.plan.done(ids.len());
        self.paused = false;
        let rejected = convert::get(body, "rejected");
        if Array::is_array(&rejected) && Array::from(&rejected).length() > 0 {
            host.error("events rejected by the collector; dropped", rejected);
        }
        if self.outbox.iter().any(|q| !q.carried) {
            self.schedule(0);
        }
    }

    /// The page is hidden or going away: everything pending and not on its
    /// way is sent once, with `keepalive` while the in-flight budget
    /// allows, then by `sendBeacon`. Deferred writes are made first;
    /// nothing leaves storage here.
    pub fn on_hidden(&mut self) {
        // The page may never run another task: write what was deferred.
        self.store.flush();
        if self.hidden_sent || !self.enabled || self.url.is_empty() || self.paused {
            return;
        }
        self.hidden_sent = true;
        let busy: usize = self
            .outbox
            .iter()
            .filter(|q| self.in_flight.contains(&q.msg.id))
            .map(|q| q.msg.json.len())
            .sum();
        let mut budget = KEEPALIVE_MAX.saturating_sub(busy);
        let in_flight = &self.in_flight;
        let msgs = self.outbox.front(usize::MAX, usize::MAX, |q| {
            !q.carried && !in_flight.contains(&q.msg.id)
        });
        let mut carried = Vec::new();
        for chunk in transport::chunks(&msgs, KEEPALIVE_MAX - 200) {
            let body = transport::batch_body(&self.write_key, chunk.iter().copied());
            let ids: Vec<String> = chunk.iter().map(|m| m.id.clone()).collect();
            if body.len() <= budget {
                let Ok(sent) = transport::post(&self.url, &body, true) else {
                    break;
                };
                budget -= body.len();
                let job = Job {
                    ids: ids.clone(),
                    hidden: true,
                };
                wasm_bindgen_futures::spawn_local(async move {
                    let result = sent.answer().await;
                    with_sdk(|s| s.delivery.end(job, result, &mut s.host));
                });
            } else if !transport::beacon(&self.url, &body) {
                break;
            }
            carried.extend(ids);
        }
        for q in self.outbox.iter_mut() {
            if carried.contains(&q.msg.id) {
                q.carried = true;
            }
        }
    }

    /// The page is going away (`pagehide`): without Web Locks, its heartbeat
    /// goes too, so the next page adopts its queue at once.
    pub fn on_unload(&mut self) {
        self.on_hidden();
        if !locks::available() {
            self.store.remove(&[HEARTBEAT, &self.writer].concat());
        }
    }

    /// The page is visible again: the next hide sends again what is pending.
    pub fn on_visible(&mut self) {
        self.hidden_sent = false;
    }

    /// Another tab removed one of our stored messages (it erased the
    /// visitor, or adopted our queue): this tab no longer sends it.
    pub fn on_key_removed(&mut self, key: &str) {
        let ids: Vec<String> = self
            .outbox
            .iter()
            .filter(|q| q.key.as_deref() == Some(key))
            .map(|q| q.msg.id.clone())
            .collect();
        self.outbox.remove_ids(&ids);
    }

    /// Stores and queues the outbox of SDK versions before per-message keys.
    pub fn migrate_legacy(&mut self, host: &mut Host) {
        let Some(text) = self.store.get(LEGACY_OUTBOX) else {
            return;
        };
        for msg in outbox::legacy_from_json(&text) {
            self.push(Queued::new(msg), host);
        }
        self.store.remove(LEGACY_OUTBOX);
    }

    /// Back online: what waits for a retry goes now.
    pub fn on_online(&mut self) {
        self.backoff.reset();
        self.erasures.retry_now();
        if !self.paused {
            self.arm(0);
        }
    }
}

fn host_obj(id: &str, status: Option<u16>) -> JsValue {
    crate::sdk::obj(&[
        ("messageId", id.into()),
        ("status", status.map_or(JsValue::NULL, JsValue::from)),
    ])
}

/// Sends the next batch now (when nothing is on its way).
pub fn flush_now() {
    let Some(Some((job, sent))) = with_sdk(|s| s.delivery.begin()) else {
        return;
    };
    wasm_bindgen_futures::spawn_local(async move {
        let result = match sent {
            Ok(f) => f.answer().await,
            Err(e) => Err(e),
        };
        with_sdk(|s| s.delivery.end(job, result, &mut s.host));
    });
}

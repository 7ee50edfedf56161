//! Queues left by tabs that are gone: each tab holds the Web Lock
//! `parcours:tab:<id>` while it lives; a tab that can take another tab's
//! lock adopts its stored queue, holding that lock meanwhile, so no two
//! tabs adopt the same queue. Without Web Locks, heartbeat keys stand in
//! for the locks (see the module doc of [`super`]).

use super::{Delivery, FLUSH_DELAY_MS};
use crate::handles::Timeout;
use crate::locks;
use crate::outbox::{self, msg_from_json, Queued};
use crate::sdk::{with_sdk, Host};

/// How often a tab looks for queues left by closed tabs (and, without Web
/// Locks, writes its heartbeat).
pub const SWEEP_MS: i32 = 60_000;
/// Without Web Locks: a heartbeat older than this marks its tab as gone.
pub const HEARTBEAT_STALE_MS: f64 = 300_000.0;
/// The heartbeat key prefix (fallback without Web Locks): `hb:<writer>`.
pub const HEARTBEAT: &str = "hb:";
/// The first sweep after start comes this soon (a previous page of this
/// tab may still hold its lock at the very start).
pub const FIRST_SWEEP_MS: i32 = 5_000;

fn tab_lock(writer: &str) -> String {
    ["parcours:tab:", writer].concat()
}

impl Delivery {
    /// Writers (tabs) other than this one with messages in storage.
    fn foreign_writers(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for k in self.store.keys(outbox::PREFIX) {
            let Some((w, _)) = k[outbox::PREFIX.len()..].split_once(':') else {
                continue;
            };
            if w != self.writer && !out.iter().any(|o| o == w) {
                out.push(w.to_owned());
            }
        }
        out
    }

    /// Whether tab `writer`'s heartbeat says it is gone (fallback without Web Locks).
    fn heartbeat_stale(&self, writer: &str, now: f64) -> bool {
        self.store
            .get(&[HEARTBEAT, writer].concat())
            .map(|t| parcours_engine::value::string_to_number(&t))
            .filter(|t| t.is_finite())
            .is_none_or(|t| now - t > HEARTBEAT_STALE_MS)
    }

    /// Moves the stored queue of the closed tab `writer` into this tab's:
    /// each message is stored under our key before its old key is removed.
    fn adopt(&mut self, writer: &str, host: &mut Host) {
        let prefix = [outbox::PREFIX, writer, ":"].concat();
        let mut keys = self.store.keys(&prefix);
        crate::ids::sort_by_number(&mut keys, |k| {
            crate::ids::parse_seq(&k[prefix.len()..]).unwrap_or(0) as f64
        });
        for key in keys {
            if let Some(msg) = self.store.get(&key).as_deref().and_then(msg_from_json) {
                if !self.outbox.contains(&msg.id) {
                    self.push(Queued::new(msg), host);
                }
            }
            self.store.remove(&key);
        }
        self.schedule(FLUSH_DELAY_MS);
    }

    fn heartbeat(&self) {
        if !locks::available() && self.enabled {
            let now = parcours_engine::value::number_to_string(js_sys::Date::now().floor());
            let _ = self.store.set(&[HEARTBEAT, &self.writer].concat(), &now);
        }
    }
}

/// Starts this tab's delivery: holds its tab lock for its lifetime, then
/// sweeps for queues of closed tabs now and every [`SWEEP_MS`].
pub fn start() {
    wasm_bindgen_futures::spawn_local(async {
        let writer = with_sdk(|s| s.delivery.writer.clone()).unwrap_or_default();
        if let Ok(guard) = locks::acquire(&tab_lock(&writer), false).await {
            with_sdk(move |s| s.delivery.tab_lock = Some(guard));
        }
        with_sdk(|s| {
            s.delivery.sweep_timer =
                Timeout::new(
                    FIRST_SWEEP_MS,
                    || wasm_bindgen_futures::spawn_local(sweep()),
                );
        });
        sweep_once().await;
    });
}

/// Re-takes the tab lock after the page came back from the back-forward cache.
pub fn resume() {
    start();
}

/// Releases the tab lock (the page enters the back-forward cache, where it
/// may stay for good: other tabs may adopt its queue meanwhile).
pub fn suspend() {
    with_sdk(|s| s.delivery.tab_lock = None);
}

async fn sweep() {
    sweep_once().await;
    with_sdk(|s| {
        s.delivery.sweep_timer =
            Timeout::new(SWEEP_MS, || wasm_bindgen_futures::spawn_local(sweep()));
    });
}

/// Adopts the queues of closed tabs, and sends pending erasures.
async fn sweep_once() {
    let Some(writers) = with_sdk(|s| {
        s.delivery.heartbeat();
        s.delivery.erasures.resume();
        if s.delivery.enabled {
            s.delivery.foreign_writers()
        } else {
            Vec::new()
        }
    }) else {
        return;
    };
    for w in writers {
        match locks::acquire(&tab_lock(&w), true).await {
            Ok(guard) => {
                with_sdk(|s| s.delivery.adopt(&w, &mut s.host));
                drop(guard);
            }
            Err(locks::LockError::Unsupported) => {
                let now = js_sys::Date::now();
                with_sdk(|s| {
                    if s.delivery.heartbeat_stale(&w, now) {
                        s.delivery.adopt(&w, &mut s.host);
                    }
                });
            }
            Err(_) => {}
        }
    }
}

//! The visitor across tabs: loading it from its snapshot and journal,
//! recording changes as journal entries, applying the entries other tabs
//! write, switching visitor (another tab reset or forgot), and compaction.

use super::{with_sdk, Sdk};
use crate::journal::{Change, Entry, Op};
use crate::storage::StoreError;
use crate::{ids, locks, page};
use parcours_engine::env::Env;
use parcours_engine::profile::ProfileRules;
use parcours_engine::Visitor;
use wasm_bindgen::prelude::*;

/// Delay before a compaction, so it runs in a task of its own.
const COMPACT_DELAY_MS: i32 = 50;

impl Sdk {
    /// Reads the stored visitor (or starts a new one, stored at once) and
    /// applies the journal entries not folded into its snapshot.
    pub(super) fn load_visitor(&mut self) {
        let now = js_sys::Date::now();
        let (stored, pending) = self.journal.load(now);
        match stored {
            Some(v) => {
                self.visitor = v;
                for p in &pending {
                    self.apply(&p.entry());
                }
            }
            None => self.switch_visitor(Visitor::new(ids::uuid_v4(), now)),
        }
    }

    /// Reads the visitor again from storage: after the page comes back from
    /// the back-forward cache, where other tabs' changes did not reach it.
    pub(super) fn reload_visitor(&mut self) {
        if !self.store.is_available() {
            return; // nothing stored (no consent): memory is the truth
        }
        let writer = self.journal.writer().to_owned();
        self.journal = crate::journal::Journal::new(self.store.clone(), writer);
        self.load_visitor();
    }

    /// Rules just arrived (the engine is set) on a page that applied stored
    /// events without any: the visitor is read again from storage (this
    /// page's own entries written first), each event now run by the engine.
    pub(super) fn replay_with_rules(&mut self) {
        if !std::mem::take(&mut self.replayed_bare) {
            return;
        }
        self.flush_writes();
        self.reload_visitor();
    }

    /// Applies an entry another tab (or an earlier page) wrote.
    pub(super) fn apply(&mut self, e: &Entry) {
        match &e.op {
            Op::Event {
                event,
                page,
                tz_offset_min,
            } => {
                let env = Env {
                    now_ms: event.at_ms,
                    tz_offset_min: *tz_offset_min,
                    page: page.clone(),
                    device: page::device(),
                };
                match &self.engine {
                    Some(engine) => {
                        engine.record(&mut self.visitor, event, &env);
                    }
                    None => {
                        self.visitor
                            .profile
                            .record(event, &env, &ProfileRules::default());
                        self.replayed_bare = true;
                    }
                }
            }
            Op::Identify { user_id, traits } => {
                self.visitor.profile.identify(user_id, traits, e.at_ms);
            }
            Op::Remote {
                events,
                traits,
                tz_offset_min,
            } => {
                self.merge_remote(events, traits, *tz_offset_min);
            }
        }
    }

    /// Records `op` for the current visitor: one journal entry (written
    /// in the next task, see [`crate::storage::Store::set_soon`]).
    pub(super) fn journal(&mut self, at_ms: f64, op: Op) {
        let anon = self.visitor.profile.anonymous_id.clone();
        let _ = self.journal.append(&anon, at_ms, op);
        self.maybe_compact(at_ms);
    }

    /// Makes every deferred storage write now (journal entries, queued messages).
    pub fn flush_writes(&self) {
        self.store.flush();
    }

    /// An `error` for each kind of deferred write the quota refused since
    /// the last call: the profile or events stay in memory only.
    pub(super) fn report_failed_writes(&mut self) {
        let failed = self.store.take_failed();
        let full = |prefix: &str| {
            failed
                .iter()
                .any(|(k, e)| *e == StoreError::Quota && k.starts_with(prefix))
        };
        if full(crate::journal::ENTRY) {
            self.host
                .error("storage full: profile kept in memory only", JsValue::NULL);
        }
        if full(crate::outbox::PREFIX) {
            self.host
                .error("storage full: event kept in memory only", JsValue::NULL);
        }
    }

    /// Makes `v` the visitor of every tab: its snapshot is written now.
    pub(super) fn switch_visitor(&mut self, v: Visitor) {
        self.screen.close_all();
        self.set_user_token(None);
        self.visitor = v;
        let _ = self
            .journal
            .write_snapshot(&self.visitor, js_sys::Date::now());
        self.write_cookie();
    }

    /// A `storage` event: another tab changed one of our keys (`None`:
    /// it cleared the whole storage).
    pub(super) fn on_storage(&mut self, key: Option<&str>, value: Option<&str>) {
        let Some(key) = key else {
            return self.storage_cleared();
        };
        let Some(ours) = key.strip_prefix(crate::storage::PREFIX) else {
            return;
        };
        if ours == super::keys::CONSENT {
            if self.cfg.consent_required {
                let c = crate::consent::Consent::from_code(value.unwrap_or_default());
                if c != self.consent {
                    self.set_consent(c);
                }
            }
            return;
        }
        if ours == super::keys::RULES {
            if value.is_some() {
                self.on_cached_rules();
            }
            return;
        }
        if ours.starts_with(crate::outbox::PREFIX) {
            if value.is_none() {
                self.delivery.on_key_removed(ours);
            }
            return;
        }
        match self.journal.on_storage(ours, value, &self.visitor) {
            Change::None => {}
            Change::Entry(e) => {
                self.apply(&e);
                match e.op {
                    Op::Identify { .. } => self.profile_changed("identify"),
                    Op::Remote { .. } => self.profile_changed("remote"),
                    Op::Event { .. } => {}
                }
            }
            Change::Visitor(v, pending) => {
                self.screen.close_all();
                self.visitor = *v;
                for p in &pending {
                    self.apply(&p.entry());
                }
                self.profile_changed("visitor");
            }
            Change::Erased => {
                self.erased();
                self.profile_changed("erased");
            }
        }
    }

    /// The host page cleared the whole storage (`localStorage.clear()`):
    /// nothing of ours was meant to go, so it is written again from memory.
    fn storage_cleared(&mut self) {
        self.journal.clear();
        let _ = self
            .journal
            .write_snapshot(&self.visitor, js_sys::Date::now());
        self.delivery.restore(&mut self.host);
    }

    /// Another tab erased the visitor (`forget()`, consent refused): this
    /// tab forgets it too, in memory, and waits for the next visitor.
    fn erased(&mut self) {
        self.screen.close_all();
        self.journal.clear();
        self.delivery.clear();
        self.visitor = Visitor::new(ids::uuid_v4(), js_sys::Date::now());
    }

    /// Applies what other tabs wrote and this tab has not seen yet, read
    /// from storage (before a capped decision).
    pub(super) fn catch_up(&mut self) {
        for p in self.journal.catch_up(&self.visitor) {
            self.apply(&p.entry());
        }
    }

    fn maybe_compact(&mut self, now: f64) {
        if self.compact_timer.is_some() || !self.journal.wants_compaction(now) {
            return;
        }
        self.compact_timer = crate::handles::Timeout::new(COMPACT_DELAY_MS, || {
            wasm_bindgen_futures::spawn_local(compact());
        });
    }
}

/// Folds the journal into a new snapshot, under a lock so tabs take turns
/// (without Web Locks, concurrent compactions are safe too: see `journal`).
async fn compact() {
    let guard = locks::acquire("parcours:compact", true).await;
    if matches!(guard, Err(locks::LockError::Busy)) {
        with_sdk(|s| s.compact_timer = None);
        return;
    }
    with_sdk(|s| {
        s.compact_timer = None;
        let _ = s.journal.write_snapshot(&s.visitor, js_sys::Date::now());
    });
    drop(guard);
}

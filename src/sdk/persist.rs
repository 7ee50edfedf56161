//! Saving the visitor and the outbox to storage, surviving a full or
//! disabled storage.

use super::{keys, Sdk};
use crate::convert;
use crate::log;
use crate::outbox::Outbox;
use crate::storage::StoreError;
use parcours_engine::Visitor;
use wasm_bindgen::prelude::*;

impl Sdk {
    pub(super) fn save_visitor(&mut self) {
        if !self.consent.may_store() {
            return;
        }
        let json = convert::value_to_json(&self.visitor.to_value());
        if let Err(e) = self.store.set(keys::VISITOR, &json) {
            if e == StoreError::Quota {
                self.error("storage full: profile kept in memory only", JsValue::NULL);
            }
        }
    }

    /// Reads the visitor back when another tab saved it (a `storage` event),
    /// so every tab shares one session, one history and one pressure budget.
    pub(super) fn refresh_visitor(&mut self) {
        if !std::mem::take(&mut self.visitor_stale) || !self.consent.may_store() {
            return;
        }
        let now = js_sys::Date::now();
        let stored = self.store.get_json(keys::VISITOR);
        match stored.and_then(|js| Visitor::from_value(&convert::to_value(&js), now)) {
            Some(v) => self.visitor = v,
            None => log::warn(
                "visitor saved by another tab is unreadable; keeping ours",
                &JsValue::NULL,
            ),
        }
    }

    /// Reloads the outbox from storage (other tabs may have changed it),
    /// unless the last write failed (memory is then ahead of storage).
    pub(super) fn sync_outbox(&mut self) {
        if !self.outbox_in_sync || !self.store.is_available() {
            return;
        }
        let dropped = self.outbox.dropped;
        self.outbox = self
            .store
            .get(keys::OUTBOX)
            .and_then(|t| {
                let o = Outbox::from_json(&t);
                if o.is_none() {
                    log::warn("corrupted outbox in storage, discarded", &JsValue::NULL);
                }
                o
            })
            .unwrap_or_default();
        self.outbox.dropped = dropped;
    }

    /// Writes the outbox. When the quota is full, stores the newest half
    /// (repeatedly) and keeps everything in memory.
    pub(super) fn save_outbox(&mut self) {
        let mut keep = self.outbox.clone();
        loop {
            match self.store.set(keys::OUTBOX, &keep.to_json()) {
                Ok(()) => {
                    self.outbox_in_sync = keep.len() == self.outbox.len();
                    return;
                }
                Err(StoreError::Quota) if keep.len() > 1 => {
                    let n = keep.len() / 2;
                    for _ in 0..n {
                        keep.drop_oldest();
                    }
                }
                Err(_) => {
                    self.outbox_in_sync = false;
                    return;
                }
            }
        }
    }
}

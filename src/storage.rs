//! `localStorage` under the `parcours:` prefix, with every failure handled:
//! storage disabled or missing, quota exceeded, corrupted JSON. Nothing here
//! throws; failures come back as [`StoreError`] or `None`, and are logged.

use crate::{convert, log};
use wasm_bindgen::prelude::*;

/// Every key this SDK writes starts with this.
pub const PREFIX: &str = "parcours:";

#[wasm_bindgen]
extern "C" {
    /// Anything with the `Storage` methods: `window.localStorage` or a test double.
    /// Called structurally (`obj.getItem(…)`), every call with exceptions caught.
    #[derive(Clone)]
    pub type StorageLike;
    #[wasm_bindgen(method, structural, catch, js_name = getItem)]
    fn get_item(this: &StorageLike, key: &str) -> Result<Option<String>, JsValue>;
    #[wasm_bindgen(method, structural, catch, js_name = setItem)]
    fn set_item(this: &StorageLike, key: &str, value: &str) -> Result<(), JsValue>;
    #[wasm_bindgen(method, structural, catch, js_name = removeItem)]
    fn remove_item(this: &StorageLike, key: &str) -> Result<(), JsValue>;
    #[wasm_bindgen(method, structural, catch, js_name = key)]
    fn key_at(this: &StorageLike, index: u32) -> Result<Option<String>, JsValue>;
    #[wasm_bindgen(method, structural, catch, getter)]
    fn length(this: &StorageLike) -> Result<u32, JsValue>;
}

/// Why a write failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreError {
    /// No storage (disabled, sandboxed iframe, consent not given).
    Unavailable,
    /// The quota is full.
    Quota,
    /// Anything else the storage threw.
    Failed,
}

/// The SDK's view of `localStorage`.
#[derive(Clone)]
pub struct Store {
    backend: Option<StorageLike>,
}

fn full_key(key: &str) -> String {
    [PREFIX, key].concat()
}

impl Store {
    /// `window.localStorage`, or an unavailable store when reading it throws
    /// (storage disabled) or it is missing.
    pub fn local() -> Store {
        let backend = web_sys::window()
            .and_then(|w| js_sys::Reflect::get(&w, &JsValue::from_str("localStorage")).ok())
            .filter(JsValue::is_object)
            .map(JsCast::unchecked_into);
        if backend.is_none() {
            log::warn(
                "localStorage is unavailable; keeping state in memory",
                &JsValue::NULL,
            );
        }
        Store { backend }
    }

    /// A store over any object with the `Storage` methods (tests use throwing doubles).
    pub fn with_backend(backend: JsValue) -> Store {
        Store {
            backend: backend.is_object().then(|| backend.unchecked_into()),
        }
    }

    /// A store that keeps nothing (before consent).
    pub fn none() -> Store {
        Store { backend: None }
    }

    /// Whether there is a backend at all.
    pub fn is_available(&self) -> bool {
        self.backend.is_some()
    }

    /// The raw string under `key`; `None` when absent or unreadable.
    pub fn get(&self, key: &str) -> Option<String> {
        match self.backend.as_ref()?.get_item(&full_key(key)) {
            Ok(v) => v,
            Err(e) => {
                log::warn("localStorage read failed", &e);
                None
            }
        }
    }

    /// The parsed JSON under `key`. Corrupted JSON is removed and logged,
    /// and reads as `None`.
    pub fn get_json(&self, key: &str) -> Option<JsValue> {
        let text = self.get(key)?;
        match convert::parse_json(&text) {
            Some(v) => Some(v),
            None => {
                log::warn(
                    "corrupted JSON in storage, discarded:",
                    &JsValue::from_str(key),
                );
                self.remove(key);
                None
            }
        }
    }

    /// Writes `value` under `key`.
    pub fn set(&self, key: &str, value: &str) -> Result<(), StoreError> {
        let backend = self.backend.as_ref().ok_or(StoreError::Unavailable)?;
        backend.set_item(&full_key(key), value).map_err(|e| {
            let quota = is_quota_error(&e);
            log::warn(
                if quota {
                    "localStorage quota exceeded"
                } else {
                    "localStorage write failed"
                },
                &e,
            );
            if quota {
                StoreError::Quota
            } else {
                StoreError::Failed
            }
        })
    }

    /// Removes `key` (errors ignored).
    pub fn remove(&self, key: &str) {
        if let Some(b) = &self.backend {
            let _ = b.remove_item(&full_key(key));
        }
    }

    /// Removes every `parcours:` key; the host's own keys are untouched.
    pub fn clear_all(&self) {
        let Some(b) = &self.backend else { return };
        let n = b.length().unwrap_or(0);
        let mut ours = Vec::new();
        for i in 0..n {
            if let Ok(Some(k)) = b.key_at(i) {
                if k.starts_with(PREFIX) {
                    ours.push(k);
                }
            }
        }
        for k in ours {
            let _ = b.remove_item(&k);
        }
    }
}

/// `QuotaExceededError` (and Firefox's old `NS_ERROR_DOM_QUOTA_REACHED`).
fn is_quota_error(e: &JsValue) -> bool {
    let name = convert::get_str(e, "name").unwrap_or_default();
    name == "QuotaExceededError" || name == "NS_ERROR_DOM_QUOTA_REACHED"
}

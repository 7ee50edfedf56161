//! `localStorage` under the `parcours:` prefix, with every failure handled:
//! storage disabled or missing, quota exceeded, corrupted JSON. Nothing here
//! throws; failures come back as [`StoreError`] or `None`, and are logged.
//!
//! This is also where consent is enforced for storage: a [`Store`] and all
//! its clones share one [`Gate`]; while it is closed (consent required and
//! not given), nothing is read or written.

use crate::handles::Timeout;
use crate::{convert, log};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
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
    /// No storage (disabled, sandboxed iframe).
    Unavailable,
    /// Consent to store was not given.
    NoConsent,
    /// The quota is full.
    Quota,
    /// Anything else the storage threw.
    Failed,
}

/// Whether storing is allowed; shared by a store and its clones.
#[derive(Clone, Debug)]
pub struct Gate(Rc<Cell<bool>>);

impl Gate {
    /// Opens (consent given) or closes the gate.
    pub fn set(&self, open: bool) {
        self.0.set(open);
    }

    /// Whether storing is allowed.
    pub fn is_open(&self) -> bool {
        self.0.get()
    }
}

/// Writes made with [`Store::set_soon`], not yet in `localStorage`; shared
/// by a store and its clones.
#[derive(Default)]
struct Behind {
    /// Full key and value, in write order.
    writes: RefCell<Vec<(String, String)>>,
    /// The task that writes them.
    timer: RefCell<Option<Timeout>>,
    /// Keys whose deferred write failed, until [`Store::take_failed`].
    failed: RefCell<Vec<(String, StoreError)>>,
}

/// The SDK's view of `localStorage`.
#[derive(Clone)]
pub struct Store {
    backend: Option<StorageLike>,
    gate: Gate,
    behind: Rc<Behind>,
}

fn full_key(key: &str) -> String {
    [PREFIX, key].concat()
}

impl Store {
    /// `window.localStorage`, or an unavailable store when reading it throws
    /// (storage disabled) or it is missing.
    pub fn local() -> Store {
        let backend = window_storage("localStorage");
        if backend.is_none() {
            log::warn(
                "localStorage is unavailable; keeping state in memory",
                &JsValue::NULL,
            );
        }
        Store::over(backend)
    }

    /// `window.sessionStorage` (what lasts as long as the tab's session:
    /// preview and debug links), behind `gate`, the local store's consent
    /// gate; unavailable like [`Store::local`].
    pub fn tab(gate: &Gate) -> Store {
        Store {
            backend: window_storage("sessionStorage"),
            gate: gate.clone(),
            behind: Rc::default(),
        }
    }

    fn over(backend: Option<StorageLike>) -> Store {
        Store {
            backend,
            gate: Gate(Rc::new(Cell::new(true))),
            behind: Rc::default(),
        }
    }

    /// The consent gate shared by this store and its clones.
    pub fn gate(&self) -> &Gate {
        &self.gate
    }

    fn open(&self) -> Option<&StorageLike> {
        self.backend.as_ref().filter(|_| self.gate.is_open())
    }

    /// A store over any object with the `Storage` methods (tests use throwing doubles).
    pub fn with_backend(backend: JsValue) -> Store {
        Store::over(backend.is_object().then(|| backend.unchecked_into()))
    }

    /// A store that keeps nothing.
    pub fn none() -> Store {
        Store::over(None)
    }

    /// Whether there is a backend and storing is allowed.
    pub fn is_available(&self) -> bool {
        self.open().is_some()
    }

    /// The raw string under `key`; `None` when absent or unreadable.
    pub fn get(&self, key: &str) -> Option<String> {
        let backend = self.open()?;
        let full = full_key(key);
        if let Some((_, v)) = self.behind.writes.borrow().iter().find(|(k, _)| *k == full) {
            return Some(v.clone());
        }
        match backend.get_item(&full) {
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
        let v = convert::parse_json(&text);
        if v.is_none() {
            self.discard_corrupted(key);
        }
        v
    }

    /// Removes `key`, whose JSON did not parse, and logs it.
    pub fn discard_corrupted(&self, key: &str) {
        log::warn(
            "corrupted JSON in storage, discarded:",
            &JsValue::from_str(key),
        );
        self.remove(key);
    }

    /// Writes `value` under `key`.
    pub fn set(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.writable()?;
        let full = full_key(key);
        self.drop_pending(&full);
        self.write(&full, value)
    }

    /// Writes `value` under `key` in a task of its own, soon after this one,
    /// together with the other writes made meanwhile: `setItem` costs far
    /// more than the rest of a `track()` call, and the call must not wait for
    /// it. Reads through this store see the value at once; [`Store::flush`]
    /// writes everything now (the page is hidden, a batch is about to be
    /// sent). A write that fails later is logged and kept for
    /// [`Store::take_failed`].
    pub fn set_soon(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.writable()?;
        let full = full_key(key);
        {
            let mut writes = self.behind.writes.borrow_mut();
            match writes.iter_mut().find(|(k, _)| *k == full) {
                Some(w) => w.1 = value.to_owned(),
                None => writes.push((full, value.to_owned())),
            }
        }
        if self.behind.timer.borrow().is_none() {
            let store = self.clone();
            let timer = Timeout::new(0, move || store.flush());
            match timer {
                Some(t) => *self.behind.timer.borrow_mut() = Some(t),
                None => self.flush(),
            }
        }
        Ok(())
    }

    /// Writes what [`Store::set_soon`] deferred. Dropped instead when
    /// consent was withdrawn meanwhile.
    pub fn flush(&self) {
        // Taken first: the timer's own closure may be what is running.
        let timer = self.behind.timer.borrow_mut().take();
        let writes = std::mem::take(&mut *self.behind.writes.borrow_mut());
        if self.gate.is_open() {
            for (k, v) in writes {
                if let Err(e) = self.write(&k, &v) {
                    self.behind.failed.borrow_mut().push((k, e));
                }
            }
        }
        drop(timer);
    }

    /// Keys (without the prefix) whose deferred write failed since the last call, and why.
    pub fn take_failed(&self) -> Vec<(String, StoreError)> {
        let failed = std::mem::take(&mut *self.behind.failed.borrow_mut());
        failed
            .into_iter()
            .map(|(k, e)| (k[PREFIX.len()..].to_owned(), e))
            .collect()
    }

    fn writable(&self) -> Result<(), StoreError> {
        if self.backend.is_none() {
            return Err(StoreError::Unavailable);
        }
        if !self.gate.is_open() {
            return Err(StoreError::NoConsent);
        }
        Ok(())
    }

    fn drop_pending(&self, full: &str) {
        let mut writes = self.behind.writes.borrow_mut();
        if !writes.is_empty() {
            writes.retain(|(k, _)| k != full);
        }
    }

    fn write(&self, full: &str, value: &str) -> Result<(), StoreError> {
        let backend = self.backend.as_ref().ok_or(StoreError::Unavailable)?;
        backend.set_item(full, value).map_err(|e| {
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

    /// Removes `key` (errors ignored). Allowed with the gate closed: erasing
    /// never needs consent.
    pub fn remove(&self, key: &str) {
        let full = full_key(key);
        self.drop_pending(&full);
        if let Some(b) = &self.backend {
            let _ = b.remove_item(&full);
        }
    }

    /// Every key of ours that starts with `PREFIX` + `prefix`, without `PREFIX`.
    pub fn keys(&self, prefix: &str) -> Vec<String> {
        let Some(b) = self.open() else {
            return Vec::new();
        };
        let n = b.length().unwrap_or(0);
        let mut out = Vec::new();
        for i in 0..n {
            if let Ok(Some(k)) = b.key_at(i) {
                if let Some(rest) = k.strip_prefix(PREFIX) {
                    if rest.starts_with(prefix) {
                        out.push(rest.to_owned());
                    }
                }
            }
        }
        for (k, _) in self.behind.writes.borrow().iter() {
            let rest = &k[PREFIX.len()..];
            if rest.starts_with(prefix) && !out.iter().any(|o| o == rest) {
                out.push(rest.to_owned());
            }
        }
        out
    }

    /// Removes every `parcours:` key (gate open or not); the host's own keys
    /// are untouched.
    pub fn clear_all(&self) {
        self.behind.writes.borrow_mut().clear();
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

/// `window[name]` when reading it works and gives an object.
fn window_storage(name: &str) -> Option<StorageLike> {
    web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w, &JsValue::from_str(name)).ok())
        .filter(JsValue::is_object)
        .map(JsCast::unchecked_into)
}

/// `QuotaExceededError` (and Firefox's old `NS_ERROR_DOM_QUOTA_REACHED`).
fn is_quota_error(e: &JsValue) -> bool {
    let name = convert::get_str(e, "name").unwrap_or_default();
    name == "QuotaExceededError" || name == "NS_ERROR_DOM_QUOTA_REACHED"
}

/// The first-party cookie holding the anonymous id across subdomains
/// (`data-cookie-domain`): SameSite=Lax, Secure on https, 13 months.
pub mod cookie {
    use crate::convert;
    use wasm_bindgen::JsValue;

    /// The cookie's name.
    pub const NAME: &str = "parcours_aid";
    /// Its lifetime: about 13 months (395 days), in seconds.
    pub const MAX_AGE_S: &str = "34128000";

    fn document() -> Option<web_sys::Document> {
        web_sys::window()?.document()
    }

    /// The id in the cookie, if it holds a plausible one (1–64 of
    /// `A-Za-z0-9_-`: a cookie is visible to the whole domain, so it is checked).
    pub fn read() -> Option<String> {
        let all = convert::get_str(&document()?.into(), "cookie")?;
        let v = all
            .split(';')
            .filter_map(|c| c.trim().strip_prefix(NAME)?.strip_prefix('='))
            .next()?;
        let ok = !v.is_empty()
            && v.len() <= 64
            && v.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        ok.then(|| v.to_owned())
    }

    fn set(text: &str) {
        if let Some(d) = document() {
            // A sandboxed document throws: then there is no shared id.
            let _ = js_sys::Reflect::set(&d, &"cookie".into(), &JsValue::from_str(text));
        }
    }

    fn secure() -> &'static str {
        let https = web_sys::window()
            .and_then(|w| w.location().protocol().ok())
            .is_some_and(|p| p == "https:");
        if https {
            "; Secure"
        } else {
            ""
        }
    }

    /// Writes `id` for `domain` (e.g. `.shop.example`).
    pub fn write(id: &str, domain: &str) {
        set(&[
            NAME,
            "=",
            id,
            "; Domain=",
            domain,
            "; Path=/; Max-Age=",
            MAX_AGE_S,
            "; SameSite=Lax",
            secure(),
        ]
        .concat());
    }

    /// Deletes the cookie on `domain`.
    pub fn remove(domain: &str) {
        set(&[
            NAME,
            "=; Domain=",
            domain,
            "; Path=/; Max-Age=0; SameSite=Lax",
            secure(),
        ]
        .concat());
    }
}

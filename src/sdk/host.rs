//! The host page's side: its `on(name, fn)` listeners, the events waiting
//! to reach them (dispatched once the SDK state is released), and the
//! `ready()` promise.

use crate::log;
use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;

/// `(event name, data)` waiting to reach the listeners.
pub type Pending = Vec<(&'static str, JsValue)>;
/// The `on(name, fn)` listeners.
pub type Listeners = Vec<(String, Function)>;

/// Listeners, pending events and `ready()`.
pub struct Host {
    listeners: Listeners,
    pending: Pending,
    ready: Promise,
    ready_resolve: Option<Function>,
}

/// A plain object from pairs (see [`crate::convert::object`]).
pub use crate::convert::object as obj;

impl Default for Host {
    fn default() -> Self {
        Host::new()
    }
}

impl Host {
    /// No listeners, `ready()` pending.
    pub fn new() -> Host {
        let mut slot = None;
        let ready = Promise::new(&mut |resolve, _reject| slot = Some(resolve));
        Host {
            listeners: Vec::new(),
            pending: Vec::new(),
            ready,
            ready_resolve: slot,
        }
    }

    /// Emits `name` to the `on(name, fn)` listeners (after the current call).
    pub fn emit(&mut self, name: &'static str, data: JsValue) {
        self.emit_with(name, || data);
    }

    /// [`emit`](Self::emit), the data made only when `name` has a
    /// listener: a decision converted for nobody cost a third of a
    /// `track()` with 200 campaigns.
    pub fn emit_with(&mut self, name: &'static str, data: impl FnOnce() -> JsValue) {
        if self.listens(name) {
            self.pending.push((name, data()));
        }
    }

    /// Whether `name` has an `on(name, fn)` listener.
    pub fn listens(&self, name: &str) -> bool {
        self.listeners.iter().any(|(n, _)| n == name)
    }

    /// Logs (debug) and emits an `error` event `{message, detail}`.
    pub fn error(&mut self, message: &str, detail: JsValue) {
        log::warn(message, &detail);
        let data = obj(&[("message", message.into()), ("detail", detail)]);
        self.emit("error", data);
    }

    /// Adds a listener.
    pub fn on(&mut self, name: String, f: Function) {
        self.listeners.push((name, f));
    }

    /// Removes listeners of `name` (only `f` when given).
    pub fn off(&mut self, name: &str, f: Option<&Function>) {
        self.listeners
            .retain(|(n, g)| !(n == name && f.is_none_or(|f| f == g)));
    }

    /// The `ready()` promise.
    pub fn ready(&self) -> Promise {
        self.ready.clone()
    }

    /// Resolves `ready()` with `state`; only the first call counts.
    pub fn resolve_ready(&mut self, state: &JsValue) {
        if let Some(resolve) = self.ready_resolve.take() {
            let _ = resolve.call1(&JsValue::UNDEFINED, state);
        }
    }

    /// The events to dispatch and the listeners to call, when any.
    pub fn take_pending(&mut self) -> Option<(Pending, Listeners)> {
        if self.pending.is_empty() {
            return None;
        }
        Some((std::mem::take(&mut self.pending), self.listeners.clone()))
    }
}

/// Calls each listener of each event; a listener that throws is logged.
pub fn dispatch(events: Pending, listeners: &[(String, Function)]) {
    for (name, data) in events {
        for (n, f) in listeners {
            if n == name {
                if let Err(e) = f.call1(&JsValue::UNDEFINED, &data) {
                    log::warn("an `on` listener threw", &e);
                }
            }
        }
    }
}

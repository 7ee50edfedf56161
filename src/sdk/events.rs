//! Events out to the host (`on(name, fn)` listeners, `error`) and the
//! `ready()` promise.

use super::{obj, Sdk};
use crate::log;
use js_sys::{Function, Promise};
use wasm_bindgen::prelude::*;

impl Sdk {
    /// Emits `name` to the `on(name, fn)` listeners (after the current call).
    pub fn emit(&mut self, name: &'static str, data: JsValue) {
        self.pending_emits.push((name, data));
    }

    /// Logs (debug) and emits an `error` event.
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
}

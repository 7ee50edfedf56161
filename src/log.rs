//! Debug logging (only with `data-debug`) and the panic hook.
//!
//! Nothing here formats with `core::fmt` on the hot path: messages are
//! static text plus the offending value handed to the console as is.

use std::cell::Cell;
use wasm_bindgen::JsValue;

thread_local! {
    static DEBUG: Cell<bool> = const { Cell::new(false) };
}

/// Turns debug logging on or off (`data-debug`).
pub fn set_debug(on: bool) {
    DEBUG.with(|d| d.set(on));
}

/// Whether debug logging is on.
pub fn debug() -> bool {
    DEBUG.with(Cell::get)
}

/// Logs `message` and `detail` as a warning, in debug mode only.
pub fn warn(message: &str, detail: &JsValue) {
    if debug() {
        web_sys::console::warn_2(
            &JsValue::from_str(&["[parcours] ", message].concat()),
            detail,
        );
    }
}

/// Logs an informational line, in debug mode only.
pub fn info(message: &str, detail: &JsValue) {
    if debug() {
        web_sys::console::info_2(
            &JsValue::from_str(&["[parcours] ", message].concat()),
            detail,
        );
    }
}

/// Installs a panic hook that logs one line (debug mode) instead of the
/// default hook's formatting; the host page never sees a panic message.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        if debug() {
            let (file, line) = info.location().map_or(("?", 0), |l| (l.file(), l.line()));
            web_sys::console::error_3(
                &JsValue::from_str("[parcours] internal error at"),
                &JsValue::from_str(file),
                &JsValue::from(line),
            );
        }
    }));
}

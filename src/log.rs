//! Debug logging (only with `data-debug` or a `?parcours_debug=1` link), the
//! lines a preview link always logs, and the panic hook.
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

/// Logs an informational line whatever the debug setting: for what a
/// preview link asked for (only someone who opened such a link sees it).
pub fn notice(message: &str, detail: &JsValue) {
    web_sys::console::info_2(
        &JsValue::from_str(&["[parcours] ", message].concat()),
        detail,
    );
}

/// Logs a warning whatever the debug setting: a preview link that cannot
/// be followed (only someone who opened such a link sees it).
pub fn warn_always(message: &str, detail: &JsValue) {
    web_sys::console::warn_2(
        &JsValue::from_str(&["[parcours] ", message].concat()),
        detail,
    );
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

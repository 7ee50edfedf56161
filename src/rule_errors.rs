//! A rules document's validation errors as plain JS objects
//! `{path, kind, expected?, message?}`: the site build reports them (path and
//! kind are what a program needs); the words are the engine's message.

use crate::convert::object;
use js_sys::Array;
use parcours_engine::error::{RuleError, RuleErrorKind};
use wasm_bindgen::JsValue;

/// One error as `{path, kind, expected?, message?}`.
pub fn to_js(e: &RuleError) -> JsValue {
    let o = object(&[
        ("path", e.path.as_str().into()),
        ("kind", e.kind.name().into()),
    ]);
    if let RuleErrorKind::WrongType { expected } = &e.kind {
        let _ = js_sys::Reflect::set(&o, &"expected".into(), &(*expected).into());
    }
    if !e.message.is_empty() {
        let _ = js_sys::Reflect::set(&o, &"message".into(), &e.message.as_str().into());
    }
    o
}

/// Every error, in order.
pub fn list_js(errors: &[RuleError]) -> JsValue {
    errors.iter().map(to_js).collect::<Array>().into()
}

//! A rules document's validation errors as plain JS objects
//! `{path, kind, expected?, message?}`: the site build reports them (path and
//! kind are what a program needs); the words are the engine's message.

use crate::convert::object;
use js_sys::Array;
use parcours_engine::error::{RuleError, RuleErrorKind};
use wasm_bindgen::JsValue;

/// The kind as a stable `snake_case` word (`missing`, `wrong_type`, …).
pub fn kind_name(kind: &RuleErrorKind) -> &'static str {
    match kind {
        RuleErrorKind::Missing => "missing",
        RuleErrorKind::WrongType { .. } => "wrong_type",
        RuleErrorKind::Invalid => "invalid",
        RuleErrorKind::Duplicate => "duplicate",
        RuleErrorKind::UnknownReference => "unknown_reference",
        RuleErrorKind::UnknownOperator => "unknown_operator",
        RuleErrorKind::InvalidRegex => "invalid_regex",
        RuleErrorKind::UnknownField => "unknown_field",
        _ => "other",
    }
}

/// One error as `{path, kind, expected?, message?}`.
pub fn to_js(e: &RuleError) -> JsValue {
    let o = object(&[
        ("path", e.path.as_str().into()),
        ("kind", kind_name(&e.kind).into()),
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

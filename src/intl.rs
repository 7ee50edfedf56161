//! The engine's template [`Format`] hook on the browser's `Intl`: `| number`,
//! `| currency: "EUR"` and `| date` in the visitor's locale, never a
//! hand-written table. A locale or currency `Intl` refuses falls back to the
//! engine's plain text.

use js_sys::{Array, Function, Object, Reflect};
use parcours_engine::template::{Format, Plain};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// `Intl.NumberFormat` / `Intl.DateTimeFormat` as the templates' formatter.
pub struct Intl;

/// Installs [`Intl`] as the formatter the engine's templates use.
pub fn install() {
    parcours_engine::template::set_format(Some(Box::new(Intl)));
}

fn locales(locale: &str) -> Array {
    let a = Array::new();
    if !locale.is_empty() {
        a.push(&JsValue::from_str(locale));
    }
    a
}

fn options(pairs: &[(&str, &str)]) -> Object {
    let o = Object::new();
    for (k, v) in pairs {
        let _ = Reflect::set(&o, &(*k).into(), &(*v).into());
    }
    o
}

/// Calls `formatter.format(value)`; `None` when anything throws.
fn format_with(formatter: Result<JsValue, JsValue>, value: &JsValue) -> Option<String> {
    let f = formatter.ok()?;
    let format: Function = Reflect::get(&f, &"format".into()).ok()?.dyn_into().ok()?;
    format.call1(&f, value).ok()?.as_string()
}

/// `new Intl.NumberFormat(locales, options)` without panicking on a bad
/// locale (js-sys's constructor is not `catch`).
fn construct(ctor: &str, locale: &str, opts: &Object) -> Result<JsValue, JsValue> {
    let intl = Reflect::get(&js_sys::global(), &"Intl".into())?;
    let ctor: Function = Reflect::get(&intl, &ctor.into())?.dyn_into()?;
    let args = Array::of2(&locales(locale), opts);
    Reflect::construct(&ctor, &args)
}

impl Format for Intl {
    fn number(&self, n: f64, locale: &str) -> String {
        format_with(construct("NumberFormat", locale, &Object::new()), &n.into())
            .unwrap_or_else(|| Plain.number(n, locale))
    }

    fn currency(&self, n: f64, code: &str, locale: &str) -> String {
        let opts = options(&[("style", "currency"), ("currency", code)]);
        format_with(construct("NumberFormat", locale, &opts), &n.into())
            .unwrap_or_else(|| Plain.currency(n, code, locale))
    }

    fn date(&self, ms: f64, date_only: bool, locale: &str) -> String {
        let opts = if date_only {
            options(&[("dateStyle", "long"), ("timeZone", "UTC")])
        } else {
            options(&[("dateStyle", "long")])
        };
        let date = js_sys::Date::new(&ms.into());
        format_with(construct("DateTimeFormat", locale, &opts), &date.into())
            .unwrap_or_else(|| Plain.date(ms, date_only, locale))
    }
}

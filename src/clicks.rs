//! Declarative click tracking: one delegated `click` listener on the
//! document. A click on an element marked `data-parcours-track="Event
//! Name"` (or inside one) sends that event, with the element's
//! `data-parcours-prop-*` attributes as properties. Nothing else is read
//! from the page.
//!
//! Property names: the attribute's suffix with `-` turned into `_`
//! (`data-parcours-prop-product-id` → `product_id`; HTML lower-cases
//! attribute names, so snake_case is what survives). Values that are plain
//! decimal numbers (`12`, `-3`, `9.99`, not `007` nor `1e3`) become numbers;
//! everything else stays text.

use crate::handles::Listener;
use parcours_engine::value::{Map, Value};
use wasm_bindgen::JsCast;

/// The attribute naming the event.
pub const TRACK: &str = "data-parcours-track";
/// The prefix of the property attributes.
pub const PROP: &str = "data-parcours-prop-";

/// Whether `s` is a plain decimal number: optional `-`, digits without a
/// leading zero (unless `0` alone), optional `.` and digits.
pub fn is_plain_number(s: &str) -> bool {
    let t = s.strip_prefix('-').unwrap_or(s);
    let (int, frac) = match t.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (t, None),
    };
    let digits = |x: &str| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit());
    digits(int)
        && (int == "0" || !int.starts_with('0'))
        && frac.is_none_or(digits)
        && int.len() + frac.map_or(0, str::len) <= 15
}

/// A property value from attribute text.
pub fn prop_value(s: &str) -> Value {
    if is_plain_number(s) {
        Value::Number(parcours_engine::value::string_to_number(s))
    } else {
        Value::String(s.to_owned())
    }
}

/// The event and properties of a click on `target`, if it is (inside) a marked element.
fn tracked(target: &web_sys::Element) -> Option<(String, Value)> {
    let el = target.closest("[data-parcours-track]").ok()??;
    let name = el.get_attribute(TRACK).filter(|n| !n.trim().is_empty())?;
    let mut props = Map::new();
    for attr in el.get_attribute_names().iter() {
        let Some(attr) = attr.as_string() else {
            continue;
        };
        let Some(key) = attr.strip_prefix(PROP).filter(|k| !k.is_empty()) else {
            continue;
        };
        let value = el.get_attribute(&attr).unwrap_or_default();
        props.insert(key.replace('-', "_"), prop_value(&value));
    }
    Some((name, Value::Object(props)))
}

/// Listens to clicks (capture phase, so a page's `stopPropagation` does not
/// hide them) and calls `on_track(name, properties)` for marked elements.
pub fn listen(on_track: fn(String, Value)) -> Option<Listener> {
    let doc = web_sys::window()?.document()?;
    Some(Listener::new(&doc, "click", true, move |e| {
        let target = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok());
        if let Some((name, props)) = target.as_ref().and_then(tracked) {
            on_track(name, props);
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_decimals_are_numbers_and_the_rest_text() {
        for n in ["0", "12", "-3", "9.99", "0.5"] {
            assert!(is_plain_number(n), "{n}");
        }
        for t in [
            "",
            "007",
            "1e3",
            "0x10",
            "12a",
            "1.",
            ".5",
            "-",
            "Infinity",
            "1234567890123456",
        ] {
            assert!(!is_plain_number(t), "{t}");
        }
        assert_eq!(prop_value("9.99"), Value::Number(9.99));
        assert_eq!(prop_value("007"), Value::String("007".into()));
    }
}

//! The GA4 `dataLayer` bridge: a site that already feeds GA4 (through
//! `dataLayer.push({ event, ecommerce })` or `gtag("event", name, params)`)
//! gets the Segment e-commerce events with no code, and, with
//! `data-consent="gtag"`, its Google Consent Mode state.
//!
//! The hooking is the loader's `watchDataLayer` (plain JS, so `push` keeps
//! any number of arguments and its return value): it reports the window's
//! `dataLayer` at start, whenever the page assigns a new one, and after each
//! push. This module keeps how many entries of that array it has read, so
//! nothing is read twice, and maps each new entry ([`read`]). Parcours never
//! pushes anything into the `dataLayer`.

use crate::convert;
use js_sys::{Array, Function};
use parcours_engine::value::{string_to_number, Map, Value};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// GA4 event names and the Segment e-commerce events they become.
const EVENTS: [(&str, &str); 14] = [
    ("view_item", "Product Viewed"),
    ("view_item_list", "Product List Viewed"),
    ("select_item", "Product Clicked"),
    ("add_to_cart", "Product Added"),
    ("remove_from_cart", "Product Removed"),
    ("view_cart", "Cart Viewed"),
    ("begin_checkout", "Checkout Started"),
    ("add_payment_info", "Payment Info Entered"),
    ("purchase", "Order Completed"),
    ("refund", "Order Refunded"),
    ("view_promotion", "Promotion Viewed"),
    ("select_promotion", "Promotion Clicked"),
    ("login", "Signed In"),
    ("sign_up", "Signed Up"),
];

/// GA4 events about one product: their first item's fields are also the
/// event's top-level properties, as Segment's product events have them.
const SINGLE_ITEM: [&str; 4] = [
    "view_item",
    "select_item",
    "add_to_cart",
    "remove_from_cart",
];

/// Event parameters copied under their Segment names.
const PARAMS: [(&str, &str); 13] = [
    ("transaction_id", "order_id"),
    ("currency", "currency"),
    ("tax", "tax"),
    ("shipping", "shipping"),
    ("coupon", "coupon"),
    ("affiliation", "affiliation"),
    ("item_list_id", "list_id"),
    ("item_list_name", "list_name"),
    ("promotion_id", "promotion_id"),
    ("promotion_name", "name"),
    ("creative_name", "creative"),
    ("creative_slot", "position"),
    ("method", "method"),
];

/// Item fields copied under their Segment product names (`item_id` is
/// both `product_id` and `sku`).
const ITEM: [(&str, &str); 10] = [
    ("item_id", "product_id"),
    ("item_id", "sku"),
    ("item_name", "name"),
    ("item_category", "category"),
    ("item_brand", "brand"),
    ("item_variant", "variant"),
    ("price", "price"),
    ("quantity", "quantity"),
    ("coupon", "coupon"),
    ("index", "position"),
];

/// Fields that are numbers (GA4 accepts numeric strings: `"49.90"`).
const NUMBERS: [&str; 6] = ["price", "quantity", "tax", "shipping", "position", "value"];

/// One `dataLayer` entry, as the SDK uses it.
#[derive(Debug, Clone, PartialEq)]
pub enum Entry {
    /// A bridged e-commerce event: Segment name and properties.
    Event(&'static str, Value),
    /// `gtag("consent", "default" | "update", params)`: `update` is true for updates.
    Consent {
        /// `"update"` (else `"default"`).
        update: bool,
        /// The Consent Mode parameters (`analytics_storage`, …).
        params: Map,
    },
    /// Anything else (GTM's own entries, `{ ecommerce: null }`, other events).
    Other,
}

/// The Segment event a GA4 event becomes.
pub fn segment_event(ga4: &str) -> Option<&'static str> {
    EVENTS.iter().find(|(g, _)| *g == ga4).map(|(_, s)| *s)
}

/// A number, or a numeric string read as one; `None` otherwise.
fn number(v: &Value) -> Option<Value> {
    let n = match v {
        Value::Number(n) => *n,
        Value::String(s) if !s.trim().is_empty() => string_to_number(s),
        _ => return None,
    };
    n.is_finite().then_some(Value::Number(n))
}

/// Copies `from` → `to` fields of `src` into `out` (numbers read as numbers).
fn copy(out: &mut Map, src: &Map, fields: &[(&str, &str)]) {
    for (from, to) in fields {
        let Some(v) = src.get(*from).filter(|v| !v.is_null()) else {
            continue;
        };
        let v = if NUMBERS.contains(to) {
            match number(v) {
                Some(n) => n,
                None => continue,
            }
        } else {
            v.clone()
        };
        out.insert((*to).into(), v);
    }
}

/// The Segment properties of GA4 event `ga4` with parameters `params`:
/// `items` → `products`, `value` → `revenue` and `value`, `transaction_id`
/// → `order_id`, `currency`, … (see the tables above).
pub fn segment_properties(ga4: &str, params: &Map) -> Map {
    let mut out = Map::new();
    copy(&mut out, params, &PARAMS);
    if let Some(v) = params.get("value").and_then(number) {
        out.insert("revenue".into(), v.clone());
        out.insert("value".into(), v);
    }
    let products: Vec<Value> = params
        .get("items")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_object)
                .map(|item| {
                    let mut p = Map::new();
                    copy(&mut p, item, &ITEM);
                    Value::Object(p)
                })
                .collect()
        })
        .unwrap_or_default();
    if SINGLE_ITEM.contains(&ga4) {
        if let Some(Value::Object(first)) = products.first() {
            for (k, v) in first.iter() {
                if !out.contains_key(k.as_str()) {
                    out.insert(k.clone(), v.clone());
                }
            }
        }
    }
    if !products.is_empty() {
        out.insert("products".into(), Value::Array(products));
    }
    out
}

/// Reads one `dataLayer` entry: an object `{ event, ecommerce }` (the
/// parameters are `ecommerce`, else the entry itself), or a gtag command
/// (an `arguments` object or array: `["event", name, params]`,
/// `["consent", "default" | "update", params]`).
pub fn read(entry: &JsValue) -> Entry {
    if !entry.is_object() {
        return Entry::Other;
    }
    let params_of = |v: JsValue| match convert::to_value(&v) {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    if let Some(command) = convert::get_str(entry, "0") {
        let second = convert::get(entry, "1").as_string().unwrap_or_default();
        let params = params_of(convert::get(entry, "2"));
        return match command.as_str() {
            "event" => event(&second, &params),
            "consent" if second == "default" || second == "update" => Entry::Consent {
                update: second == "update",
                params,
            },
            _ => Entry::Other,
        };
    }
    let Some(name) = convert::get_str(entry, "event") else {
        return Entry::Other;
    };
    if segment_event(&name).is_none() {
        return Entry::Other; // not converted: GTM's own `gtm.*` entries are many
    }
    let ecommerce = convert::get(entry, "ecommerce");
    let params = if ecommerce.is_object() {
        params_of(ecommerce)
    } else {
        let mut m = params_of(entry.clone());
        m.remove("event");
        m
    };
    event(&name, &params)
}

fn event(name: &str, params: &Map) -> Entry {
    match segment_event(name) {
        Some(s) => Entry::Event(s, Value::Object(segment_properties(name, params))),
        None => Entry::Other,
    }
}

/// The entries of the window's `dataLayer` now (for the consent state at start).
pub fn current_entries() -> Vec<JsValue> {
    let Some(w) = web_sys::window() else {
        return Vec::new();
    };
    let dl = convert::get(&w, "dataLayer");
    if Array::is_array(&dl) {
        Array::from(&dl).iter().collect()
    } else {
        Vec::new()
    }
}

/// The Consent Mode state at start: `g` with the consent commands already
/// in the `dataLayer` applied (the bridge reads them again later, to no effect).
pub fn consent_at_start(g: &mut crate::consent::GtagConsent) -> crate::consent::Consent {
    for e in current_entries() {
        if let Entry::Consent { update, params } = read(&e) {
            g.apply(update, &params);
        }
    }
    g.state
}

/// Watching the `dataLayer`; dropping it stops reporting (the page's
/// `push` keeps working).
#[must_use = "dropping the watch stops the bridge"]
pub struct Watch {
    unwatch: Option<Function>,
    _seen: Closure<dyn FnMut(JsValue)>,
}

impl Watch {
    /// Calls `on_entry` with each entry of the window's `dataLayer` not
    /// read yet: those there now, then each pushed one. `hook` is the
    /// loader's `watchDataLayer(seen)`, which returns its stop function.
    pub fn new(hook: &Function, mut on_entry: impl FnMut(Entry) + 'static) -> Watch {
        let mut last = JsValue::UNDEFINED;
        let mut read_count = 0u32;
        let seen = Closure::<dyn FnMut(JsValue)>::new(move |arr: JsValue| {
            if !Array::is_array(&arr) {
                return;
            }
            if !js_sys::Object::is(&arr, &last) {
                last = arr.clone();
                read_count = 0;
            }
            let arr: &Array = arr.unchecked_ref();
            let len = arr.length();
            // Entries are read once: the index moves past them before mapping.
            while read_count < len {
                let e = arr.get(read_count);
                read_count += 1;
                on_entry(read(&e));
            }
            read_count = len;
        });
        let unwatch = hook
            .call1(&JsValue::UNDEFINED, seen.as_ref())
            .ok()
            .and_then(|f| f.dyn_into::<Function>().ok());
        Watch {
            unwatch,
            _seen: seen,
        }
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        if let Some(f) = self.unwatch.take() {
            let _ = f.call0(&JsValue::UNDEFINED);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(pairs: &[(&str, Value)]) -> Map {
        let mut m = Map::new();
        for (k, v) in pairs {
            m.insert((*k).into(), v.clone());
        }
        m
    }

    #[test]
    fn a_purchase_becomes_order_completed_with_products() {
        let item = Value::Object(obj(&[
            ("item_id", "SKU_12345".into()),
            ("item_name", "Stan and Friends Tee".into()),
            ("item_category", "Apparel".into()),
            ("price", "10.01".into()),
            ("quantity", Value::Number(3.0)),
        ]));
        let params = obj(&[
            ("transaction_id", "T_12345".into()),
            ("value", Value::Number(72.05)),
            ("currency", "USD".into()),
            ("items", Value::Array(vec![item])),
        ]);
        assert_eq!(segment_event("purchase"), Some("Order Completed"));
        let p = Value::Object(segment_properties("purchase", &params));
        assert_eq!(p.get("order_id").and_then(Value::as_str), Some("T_12345"));
        assert_eq!(p.get("revenue").and_then(Value::as_f64), Some(72.05));
        assert_eq!(p.get("value").and_then(Value::as_f64), Some(72.05));
        let first = &p.get("products").and_then(Value::as_array).unwrap()[0];
        assert_eq!(first.get("sku").and_then(Value::as_str), Some("SKU_12345"));
        assert_eq!(
            first.get("product_id").and_then(Value::as_str),
            Some("SKU_12345")
        );
        assert_eq!(first.get("price").and_then(Value::as_f64), Some(10.01));
        assert!(
            p.get("product_id").is_none(),
            "an order has no top-level product"
        );
    }

    #[test]
    fn single_item_events_have_the_product_at_top_level() {
        let item = Value::Object(obj(&[
            ("item_id", "A".into()),
            ("price", Value::Number(5.0)),
        ]));
        let params = obj(&[("items", Value::Array(vec![item]))]);
        let p = Value::Object(segment_properties("add_to_cart", &params));
        assert_eq!(p.get("product_id").and_then(Value::as_str), Some("A"));
        assert_eq!(p.get("price").and_then(Value::as_f64), Some(5.0));
    }

    #[test]
    fn non_numeric_prices_are_dropped_and_unknown_events_not_bridged() {
        let item = Value::Object(obj(&[("item_id", "A".into()), ("price", "free".into())]));
        let params = obj(&[("items", Value::Array(vec![item]))]);
        let p = Value::Object(segment_properties("view_item", &params));
        assert!(p.get("price").is_none());
        assert_eq!(segment_event("gtm.js"), None);
        assert_eq!(segment_event("add_shipping_info"), None);
    }
}

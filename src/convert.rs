//! `JsValue` ⇄ [`Value`] by walking the JS value with `js_sys`: no JSON
//! parser or serde in the wasm. JSON text goes through the page's own
//! `JSON.parse` / `JSON.stringify`.

use js_sys::{Array, Object, Reflect, JSON};
use parcours_engine::value::{Map, Value};
use wasm_bindgen::{JsCast, JsValue};

/// Deeper structures are cut off (and cycles stopped) at this depth.
const MAX_DEPTH: u32 = 64;

/// Converts a JS value as `JSON.stringify` would see it: `undefined` and
/// functions in objects are skipped, Dates become ISO strings, anything
/// unrepresentable is `null`.
pub fn to_value(js: &JsValue) -> Value {
    walk(js, 0)
}

fn walk(js: &JsValue, depth: u32) -> Value {
    if let Some(b) = js.as_bool() {
        return Value::Bool(b);
    }
    if let Some(n) = js.as_f64() {
        return Value::Number(n);
    }
    if let Some(s) = js.as_string() {
        return Value::String(s);
    }
    if depth >= MAX_DEPTH || !js.is_object() {
        return Value::Null;
    }
    if Array::is_array(js) {
        let arr: &Array = js.unchecked_ref();
        return Value::Array(arr.iter().map(|v| walk(&v, depth + 1)).collect());
    }
    if let Some(d) = js.dyn_ref::<js_sys::Date>() {
        return if d.get_time().is_nan() {
            Value::Null
        } else {
            Value::String(d.to_iso_string().into())
        };
    }
    let obj: &Object = js.unchecked_ref();
    let mut map = Map::new();
    for key in Object::keys(obj).iter() {
        let Some(k) = key.as_string() else { continue };
        let v = Reflect::get(obj, &key).unwrap_or(JsValue::UNDEFINED);
        if v.is_undefined() || v.is_function() {
            continue;
        }
        map.insert(k, walk(&v, depth + 1));
    }
    Value::Object(map)
}

/// Converts a [`Value`] to a plain JS value (objects, arrays, primitives).
pub fn to_js(v: &Value) -> JsValue {
    match v {
        Value::Null => JsValue::NULL,
        Value::Bool(b) => JsValue::from_bool(*b),
        Value::Number(n) => JsValue::from_f64(*n),
        Value::String(s) => JsValue::from_str(s),
        Value::Array(a) => a.iter().map(to_js).collect::<Array>().into(),
        Value::Object(m) => {
            let o = Object::new();
            for (k, v) in m {
                let key = JsValue::from_str(k);
                if k == "__proto__" {
                    // A plain assignment would change the prototype: define an own property.
                    let desc = Object::new();
                    let _ = Reflect::set(&desc, &"value".into(), &to_js(v));
                    let _ = Reflect::set(&desc, &"enumerable".into(), &JsValue::TRUE);
                    let _ = Reflect::set(&desc, &"writable".into(), &JsValue::TRUE);
                    let _ = Reflect::set(&desc, &"configurable".into(), &JsValue::TRUE);
                    Object::define_property(&o, &key, &desc);
                } else {
                    let _ = Reflect::set(&o, &key, &to_js(v));
                }
            }
            o.into()
        }
    }
}

/// Parses JSON text with the page's `JSON.parse`; `None` when it is not JSON.
pub fn parse_json(text: &str) -> Option<JsValue> {
    JSON::parse(text).ok()
}

/// Serialises with the page's `JSON.stringify`; `None` for `undefined` or cycles.
pub fn stringify(js: &JsValue) -> Option<String> {
    JSON::stringify(js).ok().and_then(|s| s.as_string())
}

/// A string property of a JS object, if it is a string.
pub fn get_str(obj: &JsValue, key: &str) -> Option<String> {
    Reflect::get(obj, &JsValue::from_str(key))
        .ok()
        .and_then(|v| v.as_string())
}

/// A property of a JS object (`undefined` when unreadable).
pub fn get(obj: &JsValue, key: &str) -> JsValue {
    if !obj.is_object() {
        return JsValue::UNDEFINED;
    }
    Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// A plain JS object from `(key, value)` pairs.
pub fn object(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in pairs {
        let _ = Reflect::set(&o, &JsValue::from_str(k), v);
    }
    o.into()
}

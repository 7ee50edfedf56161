//! A JSON value with JavaScript semantics.
//!
//! Conditions, evaluation contexts, event properties and rules documents are
//! all JSON. The engine keeps them as [`Value`]: numbers are always `f64`
//! (as in the browser, so `1` and `1.0` are the same number), objects are
//! ordered maps, and the coercions GrowthBook relies on (`ToNumber`,
//! `ToString`, truthiness) are methods here, written once.
//!
//! Hosts build `Value`s their own way: natively through serde (feature
//! `serde`), in the browser from JSON text ([`crate::json`]) or by walking a
//! `JsValue`.

/// The key → value map of a JSON object, keys in order.
pub type Map = crate::map::StrMap<Value>;

/// A JSON value. Missing attributes read as [`Value::Null`], as in GrowthBook.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    /// JSON `null`, and anything missing.
    #[default]
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// Every number is an `f64`, as in JavaScript.
    Number(f64),
    /// A string.
    String(String),
    /// An array.
    Array(Vec<Value>),
    /// An object.
    Object(Map),
}

/// The shared `null` that lookups return for anything missing.
pub static NULL: Value = Value::Null;

impl Value {
    /// An empty object.
    pub fn object() -> Value {
        Value::Object(Map::new())
    }

    /// The value under `key` when `self` is an object.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(m) => m.get(key),
            Value::Array(a) => key.parse::<usize>().ok().and_then(|i| a.get(i)),
            _ => None,
        }
    }

    /// Follows a dotted path (`"page.path"`) already split into its steps.
    /// Each step needs an object (or an array and an index); anything else
    /// gives `null`, exactly as GrowthBook's `getPath`.
    ///
    /// ```
    /// use parcours_engine::value::Value;
    /// let ctx = Value::from_pairs([("page", Value::from_pairs([("path", "/cart".into())]))]);
    /// assert_eq!(ctx.get_path(&["page", "path"]).as_str(), Some("/cart"));
    /// assert!(ctx.get_path(&["page", "nope", "deeper"]).is_null());
    /// ```
    pub fn get_path<S: AsRef<str>>(&self, steps: &[S]) -> &Value {
        let mut cur = self;
        for step in steps {
            match cur.get(step.as_ref()) {
                Some(v) => cur = v,
                None => return &NULL,
            }
        }
        cur
    }

    /// Like [`get_path`](Self::get_path) on a dotted string.
    pub fn get_dotted(&self, path: &str) -> &Value {
        let mut cur = self;
        for step in path.split('.') {
            match cur.get(step) {
                Some(v) => cur = v,
                None => return &NULL,
            }
        }
        cur
    }

    /// Sets `key` on an object (turning a non-object into an empty object first).
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<Value>) {
        if !matches!(self, Value::Object(_)) {
            *self = Value::object();
        }
        if let Value::Object(m) = self {
            m.insert(key.into(), value.into());
        }
    }

    /// Builds an object from pairs.
    pub fn from_pairs<K: Into<String>, I: IntoIterator<Item = (K, Value)>>(pairs: I) -> Value {
        // Inserting one by one (later keys win, as with `collect`) keeps one
        // copy of the map code: `collect` sorts with a comparator generic over
        // the iterator, so each array length got its own sort in the wasm.
        let mut map = Map::new();
        for (k, v) in pairs {
            map.insert(k.into(), v);
        }
        Value::Object(map)
    }

    /// `true` for `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The string, when this is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// The number, when this is one.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }

    /// The boolean, when this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// The elements, when this is an array.
    pub fn as_array(&self) -> Option<&Vec<Value>> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The map, when this is an object.
    pub fn as_object(&self) -> Option<&Map> {
        match self {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }

    /// The map, mutably, when this is an object.
    pub fn as_object_mut(&mut self) -> Option<&mut Map> {
        match self {
            Value::Object(m) => Some(m),
            _ => None,
        }
    }

    /// GrowthBook's type names: `null`, `boolean`, `number`, `string`,
    /// `array`, `object`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::Array(_) => "array",
            Value::Object(_) => "object",
        }
    }

    /// JavaScript truthiness: `null`, `false`, `0`, `NaN` and `""` are falsy.
    pub fn truthy(&self) -> bool {
        match self {
            Value::Null => false,
            Value::Bool(b) => *b,
            Value::Number(n) => *n != 0.0 && !n.is_nan(),
            Value::String(s) => !s.is_empty(),
            Value::Array(_) | Value::Object(_) => true,
        }
    }

    /// JavaScript `ToNumber`: `null` → 0, booleans → 0/1, strings parsed
    /// as JS does (trimmed, `""` → 0, hex, `Infinity`), arrays through their
    /// string form, objects → NaN.
    pub fn to_number(&self) -> f64 {
        match self {
            Value::Null => 0.0,
            Value::Bool(b) => f64::from(u8::from(*b)),
            Value::Number(n) => *n,
            Value::String(s) => string_to_number(s),
            Value::Array(_) => string_to_number(&self.to_js_string()),
            Value::Object(_) => f64::NAN,
        }
    }

    /// JavaScript `String(value)`: numbers as JS prints them (`10`, `1e+21`),
    /// arrays joined with commas, objects as `[object Object]`, `null` as `"null"`.
    pub fn to_js_string(&self) -> String {
        match self {
            Value::Null => "null".into(),
            Value::Bool(b) => if *b { "true" } else { "false" }.into(),
            Value::Number(n) => number_to_string(*n),
            Value::String(s) => s.clone(),
            Value::Array(a) => {
                let parts: Vec<String> = a
                    .iter()
                    .map(|v| {
                        if v.is_null() {
                            String::new()
                        } else {
                            v.to_js_string()
                        }
                    })
                    .collect();
                parts.join(",")
            }
            Value::Object(_) => "[object Object]".into(),
        }
    }
}

/// Formats a number exactly as JavaScript's `Number.prototype.toString`.
///
/// ```
/// use parcours_engine::value::number_to_string;
/// assert_eq!(number_to_string(10.0), "10");
/// assert_eq!(number_to_string(1e21), "1e+21");
/// assert_eq!(number_to_string(-0.0), "0");
/// ```
pub fn number_to_string(n: f64) -> String {
    let mut buf = ryu_js::Buffer::new();
    buf.format(n).to_string()
}

/// JavaScript `ToNumber` on a string: trims white space, `""` is 0, accepts
/// `0x`/`0o`/`0b` integers and `Infinity`; anything else unparsable is NaN.
pub fn string_to_number(s: &str) -> f64 {
    let t = s.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    if t.is_empty() {
        return 0.0;
    }
    let b = t.as_bytes();
    if b.len() > 2 && b[0] == b'0' {
        let radix = match b[1] | 0x20 {
            b'x' => Some(16),
            b'o' => Some(8),
            b'b' => Some(2),
            _ => None,
        };
        if let Some(r) = radix {
            // Digit by digit, so long literals lose precision as JS does, not fail.
            return t[2..]
                .chars()
                .try_fold(0f64, |acc, c| {
                    c.to_digit(r).map(|d| acc * f64::from(r) + f64::from(d))
                })
                .unwrap_or(f64::NAN);
        }
    }
    match t {
        "Infinity" | "+Infinity" => f64::INFINITY,
        "-Infinity" => f64::NEG_INFINITY,
        _ => crate::number::parse(t).unwrap_or(f64::NAN),
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::String(s.to_owned())
    }
}
impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::String(s)
    }
}
impl From<f64> for Value {
    fn from(n: f64) -> Self {
        Value::Number(n)
    }
}
impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Number(n as f64)
    }
}
impl From<u32> for Value {
    fn from(n: u32) -> Self {
        Value::Number(f64::from(n))
    }
}
impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}
impl From<Vec<Value>> for Value {
    fn from(a: Vec<Value>) -> Self {
        Value::Array(a)
    }
}
impl From<Map> for Value {
    fn from(m: Map) -> Self {
        Value::Object(m)
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(o: Option<T>) -> Self {
        o.map_or(Value::Null, Into::into)
    }
}

#[cfg(feature = "serde")]
mod serde_impl {
    use super::{Map, Value};
    use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
    use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
    use std::fmt;

    impl Serialize for Value {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            match self {
                Value::Null => s.serialize_unit(),
                Value::Bool(b) => s.serialize_bool(*b),
                Value::Number(n) if n.fract() == 0.0 && n.abs() < 9.0e15 => {
                    s.serialize_i64(*n as i64)
                }
                Value::Number(n) if n.is_finite() => s.serialize_f64(*n),
                Value::Number(_) => s.serialize_unit(),
                Value::String(v) => s.serialize_str(v),
                Value::Array(a) => {
                    let mut seq = s.serialize_seq(Some(a.len()))?;
                    for v in a {
                        seq.serialize_element(v)?;
                    }
                    seq.end()
                }
                Value::Object(m) => {
                    let mut map = s.serialize_map(Some(m.len()))?;
                    for (k, v) in m {
                        map.serialize_entry(k, v)?;
                    }
                    map.end()
                }
            }
        }
    }

    struct ValueVisitor;

    impl<'de> Visitor<'de> for ValueVisitor {
        type Value = Value;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("any JSON value")
        }
        fn visit_unit<E>(self) -> Result<Value, E> {
            Ok(Value::Null)
        }
        fn visit_none<E>(self) -> Result<Value, E> {
            Ok(Value::Null)
        }
        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
            Deserialize::deserialize(d)
        }
        fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
            Ok(Value::Bool(b))
        }
        fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
            Ok(Value::Number(n as f64))
        }
        fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
            Ok(Value::Number(n as f64))
        }
        fn visit_f64<E>(self, n: f64) -> Result<Value, E> {
            Ok(Value::Number(n))
        }
        fn visit_str<E: de::Error>(self, s: &str) -> Result<Value, E> {
            Ok(Value::String(s.to_owned()))
        }
        fn visit_string<E>(self, s: String) -> Result<Value, E> {
            Ok(Value::String(s))
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0));
            while let Some(v) = seq.next_element()? {
                out.push(v);
            }
            Ok(Value::Array(out))
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
            let mut out = Map::new();
            while let Some((k, v)) = map.next_entry::<String, Value>()? {
                out.insert(k, v);
            }
            Ok(Value::Object(out))
        }
    }

    impl<'de> Deserialize<'de> for Value {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
            d.deserialize_any(ValueVisitor)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn to_number_follows_javascript() {
        assert_eq!(string_to_number(" 10 "), 10.0);
        assert_eq!(string_to_number("1e1"), 10.0);
        assert_eq!(string_to_number(""), 0.0);
        assert_eq!(string_to_number("0x1F"), 31.0);
        assert_eq!(string_to_number("-Infinity"), f64::NEG_INFINITY);
        assert!(string_to_number("inf").is_nan());
        assert!(string_to_number("abc").is_nan());
        assert!(string_to_number("1.2.3").is_nan());
        assert!(
            string_to_number("ﶊB?K").is_nan(),
            "non-ASCII text is NaN, not a panic"
        );
        assert!(string_to_number("0x").is_nan());
        assert_eq!(Value::Null.to_number(), 0.0);
        assert_eq!(Value::Bool(true).to_number(), 1.0);
        assert!(Value::object().to_number().is_nan());
        assert_eq!(Value::Array(vec![Value::from("7")]).to_number(), 7.0);
    }

    #[test]
    fn to_js_string_follows_javascript() {
        assert_eq!(Value::Number(10.0).to_js_string(), "10");
        assert_eq!(Value::Number(0.1).to_js_string(), "0.1");
        assert_eq!(Value::Number(1e21).to_js_string(), "1e+21");
        assert_eq!(
            Value::Array(vec![1.0.into(), Value::Null, "a".into()]).to_js_string(),
            "1,,a"
        );
        assert_eq!(Value::Null.to_js_string(), "null");
    }

    #[test]
    fn paths_stop_at_non_objects() {
        let v = Value::from_pairs([
            ("a", Value::from_pairs([("b", Value::Number(1.0))])),
            ("n", Value::Null),
        ]);
        assert_eq!(v.get_dotted("a.b"), &Value::Number(1.0));
        assert!(v.get_dotted("a.b.c").is_null());
        assert!(v.get_dotted("n.x").is_null());
        let arr = Value::from_pairs([("tags", Value::Array(vec!["x".into()]))]);
        assert_eq!(arr.get_dotted("tags.0").as_str(), Some("x"));
    }
}

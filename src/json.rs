//! JSON text written straight from Rust values and borrowed parts.
//!
//! Serialising through the page (`JSON.stringify` on an object built with
//! `Reflect::set`) crosses into JS for every key and value: it was about half
//! of a `track()` call. Writing the text here is one pass over the data with
//! no copy of it. The output is what `JSON.stringify` gives for the same
//! data: non-finite numbers are `null`, strings escape `"`, `\` and control
//! characters.

use parcours_engine::value::{number_to_string, Map, Value};
use parcours_engine::Visitor;

/// Appends `s` as a JSON string literal.
pub fn write_str(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let esc = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if esc.is_empty() {
            out.push_str("\\u00");
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 15) as usize] as char);
        } else {
            out.push_str(esc);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// Appends `n` as `JSON.stringify` writes it (`null` when not finite).
pub fn write_num(out: &mut String, n: f64) {
    if n.is_finite() {
        out.push_str(&number_to_string(n));
    } else {
        out.push_str("null");
    }
}

/// Appends `v` as JSON.
pub fn write_value(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write_num(out, *n),
        Value::String(s) => write_str(out, s),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, x);
            }
            out.push(']');
        }
        Value::Object(m) => write_map(out, m),
    }
}

/// Appends the object `m` as JSON.
pub fn write_map(out: &mut String, m: &Map) {
    let mut o = Obj::open(out);
    for (k, x) in m.iter() {
        o.value(k, x);
    }
    o.close();
}

/// Appends [`Visitor::to_value`] as JSON, one history row unpacked at a
/// time: the whole history as `Value`s would undo, at each snapshot, what
/// packing saves in wasm memory.
pub fn write_visitor(out: &mut String, v: &Visitor) {
    // Keys in the order a `Map` keeps them (sorted), as `to_value` writes them.
    let mut o = Obj::open(out);
    o.value("exposures", &v.exposures.to_value());
    let mut p = Obj::open(o.key("profile"));
    let rest = v.profile.to_value_except_history();
    let (before, after): (Vec<_>, Vec<_>) = rest
        .as_object()
        .into_iter()
        .flat_map(|m| m.iter())
        .partition(|(k, _)| k.as_str() < "history");
    for (k, x) in before {
        p.value(k, x);
    }
    let rows = p.key("history");
    rows.push('[');
    for (i, e) in v.profile.history().iter().enumerate() {
        if i > 0 {
            rows.push(',');
        }
        write_value(rows, &e.to_row());
    }
    rows.push(']');
    for (k, x) in after {
        p.value(k, x);
    }
    p.close();
    o.close();
}

/// `v` as JSON text.
pub fn to_string(v: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, v);
    out
}

/// An object being written: `{`, then fields, then [`Obj::close`].
///
/// ```ignore
/// let mut out = String::new();
/// let mut o = Obj::open(&mut out);
/// o.str("type", "track").num("t", 1.0);
/// o.close(); // {"type":"track","t":1}
/// ```
pub struct Obj<'a> {
    out: &'a mut String,
    first: bool,
}

impl<'a> Obj<'a> {
    /// Writes `{`.
    pub fn open(out: &'a mut String) -> Obj<'a> {
        out.push('{');
        Obj { out, first: true }
    }

    /// Writes the key of the next field and returns the text to write its value into.
    pub fn key(&mut self, k: &str) -> &mut String {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
        write_str(self.out, k);
        self.out.push(':');
        self.out
    }

    /// A string field.
    pub fn str(&mut self, k: &str, v: &str) -> &mut Self {
        write_str(self.key(k), v);
        self
    }

    /// A number field.
    pub fn num(&mut self, k: &str, n: f64) -> &mut Self {
        write_num(self.key(k), n);
        self
    }

    /// A field of any value.
    pub fn value(&mut self, k: &str, v: &Value) -> &mut Self {
        write_value(self.key(k), v);
        self
    }

    /// Writes `}`.
    pub fn close(self) {
        self.out.push('}');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_visitor_is_written_as_its_value_would_be() {
        use parcours_engine::env::Env;
        use parcours_engine::profile::ProfileRules;
        use parcours_engine::{Event, EventKind};
        let mut v = Visitor::new("a1".into(), 1.0);
        for (i, name) in ["Product Viewed", "Order Completed"].iter().enumerate() {
            let e = Event {
                kind: EventKind::Track,
                name: (*name).into(),
                properties: Value::from_pairs([
                    ("price", Value::Number(19.5)),
                    ("n", (i as f64).into()),
                ]),
                at_ms: 1000.0 * i as f64,
            };
            let env = Env {
                now_ms: e.at_ms,
                ..Env::default()
            };
            v.profile.record(&e, &env, &ProfileRules::default());
        }
        let mut out = String::new();
        write_visitor(&mut out, &v);
        assert_eq!(out, to_string(&v.to_value()));
        assert!(
            out.contains(r#"["t","Order Completed",{"n":1,"price":19.5},1000,0]"#),
            "{out}"
        );
    }

    #[test]
    fn escapes_like_json_stringify() {
        let v = Value::from_pairs([
            ("a\"b", Value::from("line\nnext\u{1}\\ é")),
            ("n", Value::Number(f64::NAN)),
            (
                "x",
                Value::Array(vec![Value::Number(1.5), Value::Null, true.into()]),
            ),
        ]);
        assert_eq!(
            to_string(&v),
            r#"{"a\"b":"line\nnext\u0001\\ é","n":null,"x":[1.5,null,true]}"#
        );
    }
}

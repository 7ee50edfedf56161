//! Small helpers to decode typed structs out of a [`Value`] while collecting
//! every error with its JSON path, instead of stopping at the first one.

use crate::error::{RuleError, RuleErrorKind};
use crate::value::{Map, Value};

/// The path of `key` under `parent`: `$.campaigns` + `id` → `$.campaigns.id`;
/// keys that are not plain identifiers are quoted: `$.condition["page.path"]`.
pub fn key_path(parent: &str, key: &str) -> String {
    let plain = key
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
    let mut out = String::with_capacity(parent.len() + key.len() + 4);
    out.push_str(parent);
    if plain {
        out.push('.');
        out.push_str(key);
    } else {
        out.push_str("[\"");
        for c in key.chars() {
            if c == '\\' || c == '"' {
                out.push('\\');
            }
            out.push(c);
        }
        out.push_str("\"]");
    }
    out
}

/// The path of element `i` under `parent` (`$.campaigns[3]`).
pub fn index_path(parent: &str, i: usize) -> String {
    let mut out = String::with_capacity(parent.len() + 8);
    out.push_str(parent);
    out.push('[');
    push_decimal(&mut out, i as u64);
    out.push(']');
    out
}

/// Appends `n` in decimal (no `core::fmt`).
pub fn push_decimal(out: &mut String, n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut n = n;
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[i..] {
        out.push(char::from(d));
    }
}

/// An object being decoded: its map, its path, and the shared error list.
pub struct Obj<'a> {
    /// The object's fields.
    pub map: &'a Map,
    /// Its JSON path.
    pub path: String,
}

impl<'a> Obj<'a> {
    /// Views `v` as an object, or records a type error and gives `None`.
    pub fn new(
        v: &'a Value,
        path: impl Into<String>,
        errs: &mut Vec<RuleError>,
    ) -> Option<Obj<'a>> {
        let path = path.into();
        match v {
            Value::Object(map) => Some(Obj { map, path }),
            _ => {
                errs.push(wrong_type(&path, "object", v));
                None
            }
        }
    }

    /// The path of one of this object's fields.
    pub fn at(&self, key: &str) -> String {
        key_path(&self.path, key)
    }

    /// The raw field, `None` when absent or `null`.
    pub fn get(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    /// A required string field.
    pub fn str(&self, key: &str, errs: &mut Vec<RuleError>) -> Option<&'a str> {
        match self.get(key) {
            None => {
                errs.push(RuleError::new(
                    self.at(key),
                    RuleErrorKind::Missing,
                    crate::msg!("`{key}` is required"),
                ));
                None
            }
            Some(_) => self.opt_str(key, errs),
        }
    }

    /// An optional string field (a type error is recorded, and gives `None`).
    pub fn opt_str(&self, key: &str, errs: &mut Vec<RuleError>) -> Option<&'a str> {
        let v = self.get(key)?;
        v.as_str().or_else(|| {
            errs.push(wrong_type(&self.at(key), "string", v));
            None
        })
    }

    /// An optional number field.
    pub fn opt_f64(&self, key: &str, errs: &mut Vec<RuleError>) -> Option<f64> {
        let v = self.get(key)?;
        v.as_f64().or_else(|| {
            errs.push(wrong_type(&self.at(key), "number", v));
            None
        })
    }

    /// An optional number field that must be ≥ 0.
    pub fn opt_non_negative(&self, key: &str, errs: &mut Vec<RuleError>) -> Option<f64> {
        let n = self.opt_f64(key, errs)?;
        if n < 0.0 || !n.is_finite() {
            errs.push(RuleError::new(
                self.at(key),
                RuleErrorKind::Invalid,
                crate::msg!("`{key}` must be a number ≥ 0"),
            ));
            return None;
        }
        Some(n)
    }

    /// An optional boolean field.
    pub fn opt_bool(&self, key: &str, errs: &mut Vec<RuleError>) -> Option<bool> {
        let v = self.get(key)?;
        v.as_bool().or_else(|| {
            errs.push(wrong_type(&self.at(key), "boolean", v));
            None
        })
    }

    /// An optional array field.
    pub fn opt_array(&self, key: &str, errs: &mut Vec<RuleError>) -> Option<&'a Vec<Value>> {
        let v = self.get(key)?;
        v.as_array().or_else(|| {
            errs.push(wrong_type(&self.at(key), "array", v));
            None
        })
    }

    /// An optional object field.
    pub fn opt_obj(&self, key: &str, errs: &mut Vec<RuleError>) -> Option<Obj<'a>> {
        let v = self.get(key)?;
        Obj::new(v, self.at(key), errs)
    }

    /// Records an [`RuleErrorKind::UnknownField`] for every key not in `known`.
    pub fn deny_unknown(&self, known: &[&str], errs: &mut Vec<RuleError>) {
        for k in self.map.keys() {
            if !known.contains(&k.as_str()) {
                errs.push(RuleError::new(
                    self.at(k),
                    RuleErrorKind::UnknownField,
                    crate::msg!(
                        "unknown field `{k}` (expected one of: {})",
                        known.join(", ")
                    ),
                ));
            }
        }
    }
}

/// A [`RuleErrorKind::WrongType`] error at `path`.
pub fn wrong_type(path: &str, expected: &'static str, got: &Value) -> RuleError {
    RuleError::new(
        path,
        RuleErrorKind::WrongType { expected },
        crate::msg!("expected {expected}, found {}", got.type_name()),
    )
}

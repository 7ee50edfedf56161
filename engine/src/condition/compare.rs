//! JavaScript comparisons that GrowthBook's `mongrule.ts` relies on: strict
//! equality (`===`, `Array.includes`), `value + "" === literal`, relational
//! operators with string or number comparison, `JSON.stringify` equality and
//! `toLowerCase`, written so that the common same-type case never allocates.

use std::borrow::Cow;
use std::cmp::Ordering;

use crate::value::{string_to_number, Value};

/// JavaScript's `a === b` on attribute values: arrays and objects are
/// compared by reference in JS, so they are never equal to a condition's value.
pub(crate) fn strict_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Number(x), Value::Number(y)) => x == y,
        (Value::String(x), Value::String(y)) => x == y,
        _ => false,
    }
}

/// `Array.prototype.includes` equality (SameValueZero): `===`, except that
/// `NaN` finds `NaN`.
pub(crate) fn same_value_zero(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y || (x.is_nan() && y.is_nan()),
        _ => strict_eq(a, b),
    }
}

/// `JSON.stringify(a) === JSON.stringify(b)`, structurally: numbers as f64,
/// non-finite numbers serialize as `null`. Object keys are compared as sets
/// (the map is ordered), where JS would also require the same key order.
pub(crate) fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) if x.is_finite() && y.is_finite() => x == y,
        (Value::Number(x), Value::Null) | (Value::Null, Value::Number(x)) => !x.is_finite(),
        (Value::Number(x), Value::Number(y)) => !x.is_finite() && !y.is_finite(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_eq(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

/// Calls `f` with JavaScript's `String(v)`, formatting numbers on the stack
/// so that only arrays and objects allocate.
pub(crate) fn with_js_string<R>(v: &Value, f: impl FnOnce(&str) -> R) -> R {
    match v {
        Value::String(s) => f(s),
        Value::Null => f("null"),
        Value::Bool(true) => f("true"),
        Value::Bool(false) => f("false"),
        Value::Number(n) => {
            let mut buf = ryu_js::Buffer::new();
            f(buf.format(*n))
        }
        Value::Array(_) | Value::Object(_) => f(&v.to_js_string()),
    }
}

/// `value + "" === literal`.
pub(crate) fn js_string_eq(v: &Value, literal: &str) -> bool {
    with_js_string(v, |s| s == literal)
}

/// JavaScript's `toLowerCase`, borrowing when `s` has no upper-case ASCII
/// and no non-ASCII characters.
pub(crate) fn js_lowercase(s: &str) -> Cow<'_, str> {
    if s.bytes().all(|b| b.is_ascii() && !b.is_ascii_uppercase()) {
        Cow::Borrowed(s)
    } else if s.is_ascii() {
        Cow::Owned(s.to_ascii_lowercase())
    } else {
        Cow::Owned(unicode_lowercase(s))
    }
}

/// `toLowerCase` of text that is not all ASCII: core's, or in the small
/// wasm build the page's ([`crate::host`]; ASCII only without one).
fn unicode_lowercase(s: &str) -> String {
    #[cfg(all(feature = "small", target_arch = "wasm32"))]
    return crate::host::get().map_or_else(|| s.to_ascii_lowercase(), |h| (h.lowercase)(s));
    #[cfg(not(all(feature = "small", target_arch = "wasm32")))]
    s.to_lowercase()
}

/// `s.toLowerCase() === lower`, where `lower` is already lower-cased;
/// allocates only for non-ASCII `s`.
pub(crate) fn lowercase_eq(s: &str, lower: &str) -> bool {
    if s.is_ascii() {
        s.len() == lower.len()
            && s.bytes()
                .zip(lower.bytes())
                .all(|(a, b)| a.to_ascii_lowercase() == b)
    } else {
        unicode_lowercase(s) == lower
    }
}

/// A sort key per character that orders like the character's UTF-16 code
/// units: supplementary characters (surrogate pairs, 0xD800…) sort below
/// U+E000–U+FFFF.
fn utf16_key(c: char) -> u32 {
    let c = u32::from(c);
    match c {
        0..=0xD7FF => c,
        0x1_0000.. => 0xD800 + (c - 0x1_0000),
        _ => c + 0x11_0000,
    }
}

/// JavaScript string comparison: by UTF-16 code unit, not by UTF-8 byte.
pub(crate) fn cmp_js_str(a: &str, b: &str) -> Ordering {
    let (x, y) = (a.as_bytes(), b.as_bytes());
    let Some(mut i) = x.iter().zip(y).position(|(p, q)| p != q) else {
        return x.len().cmp(&y.len());
    };
    // The bytes before `i` are equal, so both strings share this boundary.
    while i > 0 && !a.is_char_boundary(i) {
        i -= 1;
    }
    let key = |s: &str| s.get(i..).and_then(|t| t.chars().next()).map(utf16_key);
    key(a).cmp(&key(b))
}

/// Lexicographic JavaScript comparison of two character streams.
pub(crate) fn cmp_js_chars(
    a: impl Iterator<Item = char>,
    b: impl Iterator<Item = char>,
) -> Ordering {
    a.map(utf16_key).cmp(b.map(utf16_key))
}

/// A relational operator: `$gt`, `$gte`, `$lt`, `$lte` (and the version ones).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rel {
    /// `<`
    Lt,
    /// `<=`
    Lte,
    /// `>`
    Gt,
    /// `>=`
    Gte,
}

impl Rel {
    /// Whether an ordering satisfies the operator.
    pub(crate) fn holds(self, ord: Ordering) -> bool {
        match self {
            Rel::Lt => ord == Ordering::Less,
            Rel::Lte => ord != Ordering::Greater,
            Rel::Gt => ord == Ordering::Greater,
            Rel::Gte => ord != Ordering::Less,
        }
    }
}

/// The right-hand side of a relational operator, converted once with
/// JavaScript's `ToPrimitive`: strings, arrays and objects become strings,
/// everything else a number.
#[derive(Debug, Clone)]
pub(crate) enum Operand {
    /// A string-valued primitive, with its `ToNumber` for mixed comparisons.
    Str(String, f64),
    /// A number-valued primitive (`null` → 0, booleans → 0/1).
    Num(f64),
}

impl Operand {
    /// Converts a condition argument.
    pub(crate) fn new(v: &Value) -> Operand {
        match v {
            Value::String(_) | Value::Array(_) | Value::Object(_) => {
                let s = v.to_js_string();
                let n = string_to_number(&s);
                Operand::Str(s, n)
            }
            _ => Operand::Num(v.to_number()),
        }
    }

    /// `actual <op> self` with JavaScript's abstract relational comparison:
    /// two strings compare by code unit, anything else as numbers (NaN → false).
    pub(crate) fn compare(&self, rel: Rel, actual: &Value) -> bool {
        let string_like = matches!(
            actual,
            Value::String(_) | Value::Array(_) | Value::Object(_)
        );
        match self {
            Operand::Str(expected, _) if string_like => {
                with_js_string(actual, |s| rel.holds(cmp_js_str(s, expected)))
            }
            Operand::Str(_, n) | Operand::Num(n) => actual
                .to_number()
                .partial_cmp(n)
                .is_some_and(|ord| rel.holds(ord)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_compare_by_utf16_code_unit() {
        // U+FF5E (one unit) sorts above U+1F600 (surrogates 0xD83D…) in JS.
        assert_eq!(cmp_js_str("\u{FF5E}", "😀"), Ordering::Greater);
        assert_eq!(cmp_js_str("a", "b"), Ordering::Less);
        assert_eq!(cmp_js_str("ab", "a"), Ordering::Greater);
        assert_eq!(cmp_js_str("é", "é"), Ordering::Equal);
        assert_eq!(cmp_js_str("éa", "éb"), Ordering::Less);
    }

    #[test]
    fn relational_operators_convert_like_javascript() {
        let ten = Operand::new(&Value::from("10"));
        assert!(
            ten.compare(Rel::Gt, &Value::from("5")),
            "\"5\" > \"10\" as strings"
        );
        assert!(
            ten.compare(Rel::Lt, &Value::Number(5.0)),
            "5 < \"10\" as numbers"
        );
        assert!(!Operand::new(&Value::Number(1.0)).compare(Rel::Lt, &Value::from("abc")));
        assert!(!Operand::new(&Value::Number(1.0)).compare(Rel::Gte, &Value::from("abc")));
        assert!(Operand::new(&Value::Number(1.0)).compare(Rel::Gte, &Value::Bool(true)));
        assert!(Operand::new(&Value::Number(0.0)).compare(Rel::Lte, &Value::Null));
    }

    #[test]
    fn to_number_is_nan_for_non_ascii_text_and_never_panics() {
        assert!(string_to_number("ﶊB?K").is_nan());
        assert!(Value::Array(vec!["é1".into()]).to_number().is_nan());
        assert_eq!(string_to_number("\u{3000}12\u{a0}"), 12.0);
    }

    #[test]
    fn string_literals_match_the_javascript_string_form() {
        assert!(js_string_eq(&Value::Number(10.0), "10"));
        assert!(js_string_eq(&Value::Number(1e21), "1e+21"));
        assert!(js_string_eq(&Value::Null, "null"));
        assert!(js_string_eq(
            &Value::Array(vec![1.0.into(), "a".into()]),
            "1,a"
        ));
        assert!(!js_string_eq(&Value::Number(10.0), "10.0"));
    }

    #[test]
    fn json_equality_treats_numbers_as_f64() {
        let a = Value::Array(vec![Value::Number(1.0), Value::from("x")]);
        assert!(json_eq(&a, &a.clone()));
        assert!(json_eq(&Value::Number(f64::NAN), &Value::Null));
        assert!(!json_eq(&Value::Number(1.0), &Value::from("1")));
    }

    #[test]
    fn lowercase_comparison_handles_ascii_and_unicode() {
        assert!(lowercase_eq("HeLLo", "hello"));
        assert!(lowercase_eq("ÉCOLE", "école"));
        assert!(!lowercase_eq("hello", "hellö"));
        assert_eq!(js_lowercase("abc"), Cow::Borrowed("abc"));
    }
}

//! `$in $nin $ini $nini`: membership with JavaScript's `Array.includes`
//! (strict, no coercion), or case-folded strings for the `i` variants. An
//! array attribute is in the list when the two share an element.

use std::borrow::Cow;

use super::compare::{js_lowercase, lowercase_eq, same_value_zero, strict_eq};
use crate::value::Value;

/// The argument list of a membership operator.
#[derive(Debug, Clone)]
pub(crate) struct Members {
    /// The items, strings already lower-cased when `fold`.
    values: Vec<Value>,
    fold: bool,
}

impl Members {
    /// Prepares `items`; `fold` lower-cases every string item.
    pub(crate) fn new(items: &[Value], fold: bool) -> Members {
        let values = items
            .iter()
            .map(|v| match v {
                Value::String(s) if fold => Value::String(js_lowercase(s).into_owned()),
                _ => v.clone(),
            })
            .collect();
        Members { values, fold }
    }

    /// Whether `v` (or, for an array, any of its elements) is a member.
    pub(crate) fn contains_any(&self, v: &Value) -> bool {
        match v {
            Value::Array(items) => items.iter().any(|el| self.contains(el)),
            _ => self.contains(v),
        }
    }

    /// Whether `v` itself is a member.
    fn contains(&self, v: &Value) -> bool {
        match v {
            Value::String(s) if self.fold => self.contains_folded(s),
            _ if self.fold => self.values.iter().any(|m| strict_eq(m, v)),
            _ => self.values.iter().any(|m| same_value_zero(m, v)),
        }
    }

    /// Whether `s.toLowerCase()` is a member; lower-cases at most once.
    fn contains_folded(&self, s: &str) -> bool {
        let lower: Cow<'_, str> = if s.is_ascii() {
            Cow::Borrowed(s)
        } else {
            js_lowercase(s)
        };
        let ascii = s.is_ascii();
        self.values.iter().any(|m| match m {
            Value::String(l) if ascii => lowercase_eq(s, l),
            Value::String(l) => *l == *lower,
            _ => false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(items: &[Value], fold: bool) -> Members {
        Members::new(items, fold)
    }

    #[test]
    fn membership_is_strict() {
        let m = list(&[1.0.into(), "2".into()], false);
        assert!(m.contains_any(&Value::Number(1.0)));
        assert!(!m.contains_any(&Value::from("1")));
        assert!(!m.contains_any(&Value::Number(2.0)));
    }

    #[test]
    fn array_attributes_intersect() {
        let m = list(&["a".into(), "b".into()], false);
        assert!(m.contains_any(&Value::Array(vec!["x".into(), "b".into()])));
        assert!(!m.contains_any(&Value::Array(vec![])));
    }

    #[test]
    fn folded_membership_ignores_case_of_strings_only() {
        let m = list(&["US".into(), "École".into(), 1.0.into()], true);
        assert!(m.contains_any(&Value::from("us")));
        assert!(m.contains_any(&Value::from("ÉCOLE")));
        assert!(m.contains_any(&Value::Number(1.0)));
        assert!(!m.contains_any(&Value::from("1")));
    }
}

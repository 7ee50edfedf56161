//! Attribute paths (`"page.path"`), split once at compile time.
//!
//! GrowthBook's `getPath` steps through non-null objects (arrays included)
//! that have the key; anything else gives `null`. Array steps are canonical
//! indices (`tags.0`, not `tags.01`) or `length`, as `key in array` in JS.

use std::borrow::Cow;

use crate::value::{Value, NULL};

/// One step of a path, with its array meaning decided at compile time.
#[derive(Debug, Clone)]
struct Step {
    key: String,
    index: Option<usize>,
    is_length: bool,
}

impl Step {
    fn new(key: &str) -> Step {
        Step {
            key: key.to_owned(),
            index: canonical_index(key),
            is_length: key == "length",
        }
    }
}

/// `Some(i)` when `key` is how JS prints the array index `i`.
fn canonical_index(key: &str) -> Option<usize> {
    let canonical = !key.is_empty()
        && key.bytes().all(|b| b.is_ascii_digit())
        && (key == "0" || !key.starts_with('0'));
    canonical.then(|| key.parse().ok()).flatten()
}

/// A compiled attribute path.
#[derive(Debug, Clone)]
pub(crate) struct AttrPath {
    raw: String,
    steps: Box<[Step]>,
}

impl AttrPath {
    /// Splits `raw` on `.`.
    pub(crate) fn new(raw: &str) -> AttrPath {
        AttrPath {
            raw: raw.to_owned(),
            steps: raw.split('.').map(Step::new).collect(),
        }
    }

    /// The path as written in the condition.
    pub(crate) fn raw(&self) -> &str {
        &self.raw
    }

    /// The value at this path in `attrs`, `null` when missing. Only an
    /// array's `length` is computed rather than borrowed.
    pub(crate) fn lookup<'a>(&self, attrs: &'a Value) -> Cow<'a, Value> {
        self.lookup_from(attrs, 0)
    }

    /// The value of the steps from `first` on, starting at `v` (the value the
    /// earlier steps led to).
    pub(crate) fn lookup_from<'a>(&self, v: &'a Value, first: usize) -> Cow<'a, Value> {
        let steps = self.steps.get(first..).unwrap_or_default();
        let mut cur = v;
        for (i, step) in steps.iter().enumerate() {
            let next = match cur {
                Value::Object(map) => map.get(step.key.as_str()),
                Value::Array(items) if step.is_length => {
                    // `usize` → `f64` is exact for any real array length.
                    let len = Value::Number(items.len() as f64);
                    return if i + 1 == steps.len() {
                        Cow::Owned(len)
                    } else {
                        Cow::Borrowed(&NULL)
                    };
                }
                Value::Array(items) => step.index.and_then(|ix| items.get(ix)),
                _ => None,
            };
            match next {
                Some(v) => cur = v,
                None => return Cow::Borrowed(&NULL),
            }
        }
        Cow::Borrowed(cur)
    }

    /// The path's steps (object keys or array indices), as written.
    pub(crate) fn keys(&self) -> impl Iterator<Item = &str> {
        self.steps.iter().map(|s| s.key.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs() -> Value {
        Value::from_pairs([
            ("page", Value::from_pairs([("path", "/cart".into())])),
            ("tags", Value::Array(vec!["a".into(), "b".into()])),
            ("name", "x".into()),
        ])
    }

    #[test]
    fn dotted_paths_walk_objects_and_arrays() {
        let a = attrs();
        assert_eq!(*AttrPath::new("page.path").lookup(&a), Value::from("/cart"));
        assert_eq!(*AttrPath::new("tags.1").lookup(&a), Value::from("b"));
        assert_eq!(*AttrPath::new("tags.length").lookup(&a), Value::Number(2.0));
    }

    #[test]
    fn missing_steps_and_non_canonical_indices_give_null() {
        let a = attrs();
        for p in [
            "page.nope",
            "tags.01",
            "tags.+1",
            "name.length",
            "tags.length.x",
            "page.path.x",
        ] {
            assert!(AttrPath::new(p).lookup(&a).is_null(), "{p}");
        }
    }
}

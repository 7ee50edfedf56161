//! Many conditions on one context: every attribute path they read is looked
//! up once per context, into a numbered slot.
//!
//! A [`SlotPlan`] is built when rules load, from the conditions' own
//! [`paths`](super::Condition::paths): it numbers the distinct paths and
//! maps each condition's slots onto them. Per context, the host fills the
//! values, from a [`Value`] ([`SlotPlan::read_value`]) or straight from the
//! context's JSON text ([`SlotPlan::read_json`], which only decodes what the
//! paths reach and skips the rest), then evaluates each condition with
//! [`SlotPlan::eval`], or with [`SlotPlan::eval_memo`], which evaluates
//! each distinct attribute clause (same path, same test: rules repeat
//! them, `{"device.type": "mobile"}` in many segments) once per context.
//!
//! ```
//! use parcours_engine::condition::{Condition, SavedGroups, SlotPlan};
//! use parcours_engine::regex::EcmaRegex;
//! use parcours_engine::value::Value;
//!
//! let cond = |v: Value| Condition::compile(&v, "$", &EcmaRegex, &mut Vec::new());
//! let conds = [
//!     cond(Value::from_pairs([("page.path", "/cart".into())])),
//!     cond(Value::from_pairs([("page.path", Value::from_pairs([("$ne", "/".into())]))])),
//! ];
//! let plan = SlotPlan::new(conds.iter(), &[]);
//! assert_eq!(plan.len(), 1);
//! let mut values = Vec::new();
//! plan.read_json(r#"{"page": {"path": "/cart", "title": "Cart"}}"#, &mut values);
//! let groups = SavedGroups::new();
//! assert!(conds.iter().enumerate().all(|(i, c)| plan.eval(i, c, &values, &groups)));
//! ```

use super::path::AttrPath;
use super::scan::{Scanner, Trie};
use super::{Condition, Leaves, SavedGroups};
use crate::map::StrMap;
use crate::value::Value;
use std::cell::Cell;

/// No memo entry: a leaf on a computed path, whose value changes while
/// the host evaluates (`segments` grows as segments match).
const NOT_REMEMBERED: u32 = u32::MAX;

/// The distinct paths of a list of conditions, and each condition's slots.
#[derive(Debug)]
pub struct SlotPlan {
    paths: Vec<AttrPath>,
    /// Per condition: its slot `i` is the plan's slot `maps[c][i]`.
    maps: Vec<Box<[u32]>>,
    /// The plan's slots whose first step is one of the host's `computed` roots.
    computed: Vec<u32>,
    trie: Trie,
    /// Per condition: its leaf `i` is the plan's distinct leaf `leaf_maps[c][i]`.
    leaf_maps: Vec<Box<[u32]>>,
    distinct_leaves: usize,
}

impl SlotPlan {
    /// Numbers the paths of `conditions` (in order). Paths whose first step is
    /// in `computed` (the host fills those itself, like `segments`) are
    /// never read from the context: see [`computed_slots`](Self::computed_slots).
    pub fn new<'a>(conditions: impl Iterator<Item = &'a Condition>, computed: &[&str]) -> SlotPlan {
        let conditions: Vec<&Condition> = conditions.collect();
        let mut paths: Vec<AttrPath> = Vec::new();
        let mut maps = Vec::new();
        for c in &conditions {
            let map = c
                .paths
                .iter()
                .map(|p| match paths.iter().position(|q| q.raw() == p.raw()) {
                    Some(i) => i as u32,
                    None => {
                        paths.push(p.clone());
                        (paths.len() - 1) as u32
                    }
                })
                .collect();
            maps.push(map);
        }
        let is_computed = |p: &AttrPath| p.keys().next().is_some_and(|k| computed.contains(&k));
        let computed_slots = (0..paths.len() as u32)
            .filter(|&i| is_computed(&paths[i as usize]))
            .collect();
        let trie = Trie::new(
            paths
                .iter()
                .enumerate()
                .filter(|(_, p)| !is_computed(p))
                .map(|(i, p)| (i as u32, p)),
        );
        let (leaf_maps, distinct_leaves) = number_leaves(&conditions, &is_computed);
        SlotPlan {
            paths,
            maps,
            computed: computed_slots,
            trie,
            leaf_maps,
            distinct_leaves,
        }
    }

    /// How many distinct attribute clauses the conditions hold.
    pub fn distinct_leaves(&self) -> usize {
        self.distinct_leaves
    }

    /// `memo` ready for a new context: one unknown answer per distinct leaf.
    pub fn clear_memo(&self, memo: &mut Vec<Cell<Option<bool>>>) {
        memo.clear();
        memo.resize(self.distinct_leaves, Cell::new(None));
    }

    /// [`eval`](Self::eval), taking and keeping each leaf's answer in `memo`
    /// (cleared by [`clear_memo`](Self::clear_memo) for each context).
    pub fn eval_memo(
        &self,
        index: usize,
        condition: &Condition,
        values: &[Value],
        groups: &SavedGroups,
        memo: &[Cell<Option<bool>>],
    ) -> bool {
        let map = self.maps.get(index).map_or(&[][..], |m| &m[..]);
        let leaves = Leaves {
            map: self.leaf_maps.get(index).map_or(&[][..], |m| &m[..]),
            memo,
        };
        condition.eval_memo(values, map, leaves, groups)
    }

    /// How many distinct paths (slots) there are.
    pub fn len(&self) -> usize {
        self.paths.len()
    }

    /// Whether no condition reads any attribute.
    pub fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }

    /// The slots whose first step is a computed root, each with its path.
    pub fn computed_slots(&self) -> impl Iterator<Item = (usize, &str)> {
        self.computed
            .iter()
            .map(|&i| (i as usize, self.paths[i as usize].raw()))
    }

    /// Sets the computed slots from `root`, an object holding the computed
    /// roots (`{"segments": [...]}`).
    pub fn set_computed(&self, root: &Value, values: &mut [Value]) {
        for &i in &self.computed {
            values[i as usize] = self.paths[i as usize].lookup(root).into_owned();
        }
    }

    /// Fills `values` (resized to [`len`](Self::len)) with each path's value
    /// in `ctx`; `null` where missing. Computed slots are left `null`.
    pub fn read_value(&self, ctx: &Value, values: &mut Vec<Value>) {
        reset(values, self.paths.len());
        for (i, p) in self.paths.iter().enumerate() {
            if !self.computed.contains(&(i as u32)) {
                values[i] = p.lookup(ctx).into_owned();
            }
        }
    }

    /// Like [`read_value`](Self::read_value) on the context's JSON text
    /// (`JSON.stringify` of it), decoding only the parts the paths reach.
    /// Text that is not a JSON object (or is malformed) reads as an empty context.
    pub fn read_json(&self, json: &str, values: &mut Vec<Value>) {
        reset(values, self.paths.len());
        if Scanner::new(json, &self.trie).read(values).is_none() {
            reset(values, self.paths.len());
        }
    }

    /// Whether condition number `index` (in the order given to
    /// [`new`](Self::new)) passes on the slot values.
    pub fn eval(
        &self,
        index: usize,
        condition: &Condition,
        values: &[Value],
        groups: &SavedGroups,
    ) -> bool {
        let map = self.maps.get(index).map_or(&[][..], |m| &m[..]);
        condition.eval_slots(values, map, groups)
    }
}

/// Numbers the distinct attribute clauses of `conditions` (the same path and
/// the same test, see [`ValueTest::write_key`](super::ops::ValueTest)), each
/// condition's leaves mapped onto them.
/// Leaves on computed paths are not remembered.
fn number_leaves(
    conditions: &[&Condition],
    is_computed: &dyn Fn(&AttrPath) -> bool,
) -> (Vec<Box<[u32]>>, usize) {
    let mut ids: StrMap<u32> = StrMap::default();
    let maps = conditions
        .iter()
        .map(|c| {
            let mut map = vec![NOT_REMEMBERED; c.leaf_count() as usize];
            c.each_leaf(&mut |leaf, path, test| {
                if is_computed(path) {
                    return;
                }
                let mut key = String::new();
                test.write_key(&mut key);
                key.push('@');
                key.push_str(path.raw());
                let id = match ids.get(&key) {
                    Some(&id) => id,
                    None => {
                        let id = ids.len() as u32;
                        ids.insert(key, id);
                        id
                    }
                };
                if let Some(m) = map.get_mut(leaf as usize) {
                    *m = id;
                }
            });
            map.into_boxed_slice()
        })
        .collect();
    (maps, ids.len())
}

/// `values` as `n` nulls, keeping its allocation.
fn reset(values: &mut Vec<Value>, n: usize) {
    values.clear();
    values.resize(n, Value::Null);
}

#[cfg(all(test, feature = "regress", feature = "serde"))]
mod tests {
    use super::*;
    use crate::regex::EcmaRegex;

    fn compile(json: &str) -> Condition {
        let v: Value = serde_json::from_str(json).unwrap();
        let mut warnings = Vec::new();
        let c = Condition::compile(&v, "$", &EcmaRegex, &mut warnings);
        assert!(warnings.is_empty(), "{warnings:?}");
        c
    }

    const CONDITIONS: &[&str] = &[
        r#"{"page.path": {"$regex": "^/products"}, "tags.length": {"$gte": 2}}"#,
        r#"{"$or": [{"page": {"$exists": true}}, {"tags.1": "b"}]}"#,
        r#"{"cart.items": {"$elemMatch": {"price": {"$gt": 10}}}, "n": 3}"#,
        r#"{"$not": {"page.path": "/"}, "segments": {"$size": 0}}"#,
        r#"{"a.b.c": null, "weird\"key": 1, "": "empty"}"#,
    ];

    const CONTEXTS: &[&str] = &[
        r#"{"page": {"path": "/products/1", "t": [1, {"x": "}"}]}, "tags": ["a", "b"], "n": 3}"#,
        r#"{"page": ["x"], "tags": "ab", "cart": {"items": [{"price": 5}, null, {"price": 12.5e0}]}}"#,
        r#"{"weird\"key": 1, "": "empty", "a": {"b": {"c": null}}, "segments": [1]}"#,
        r#"{"page": {"path": "\u002fproducts"}, "n": 3, "n": 4}"#,
        r#"[1, 2]"#,
        r#"{"a": {"b": [{"c": 1}]}, "tags": {"length": 2, "1": "b"}}"#,
    ];

    #[test]
    fn slots_read_from_json_evaluate_as_the_context_itself() {
        let conds: Vec<Condition> = CONDITIONS.iter().map(|c| compile(c)).collect();
        let plan = SlotPlan::new(conds.iter(), &["segments"]);
        let groups = SavedGroups::new();
        let mut from_json = Vec::new();
        let mut from_value = Vec::new();
        for ctx in CONTEXTS {
            let v: Value = serde_json::from_str(ctx).unwrap();
            let mut with_segments = if v.as_object().is_some() {
                v.clone()
            } else {
                Value::object()
            };
            with_segments.insert("segments", Value::Array(Vec::new()));
            plan.read_json(ctx, &mut from_json);
            plan.read_value(&v, &mut from_value);
            plan.set_computed(&with_segments, &mut from_json);
            plan.set_computed(&with_segments, &mut from_value);
            if v.as_object().is_some() {
                assert_eq!(from_json, from_value, "{ctx}");
            }
            for (i, c) in conds.iter().enumerate() {
                let want = c.eval(&with_segments, &groups);
                assert_eq!(
                    plan.eval(i, c, &from_json, &groups),
                    want,
                    "{ctx} / {}",
                    CONDITIONS[i]
                );
            }
        }
    }

    #[test]
    fn malformed_json_reads_as_an_empty_context() {
        let conds = [compile(r#"{"a": {"$exists": false}}"#)];
        let plan = SlotPlan::new(conds.iter(), &[]);
        let mut values = Vec::new();
        for text in [r#"{"a": 1"#, r#"{"a" 1}"#, "", "nul", r#"{"a": "\x"}"#] {
            plan.read_json(text, &mut values);
            assert_eq!(values, [Value::Null], "{text}");
        }
    }

    #[test]
    fn deep_nesting_is_skipped_without_recursion() {
        let conds = [compile(r#"{"a": 1}"#)];
        let plan = SlotPlan::new(conds.iter(), &[]);
        let deep = format!(
            r#"{{"z": {}{}, "a": 1}}"#,
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        let mut values = Vec::new();
        plan.read_json(&deep, &mut values);
        assert_eq!(values, [Value::Number(1.0)]);
    }
}

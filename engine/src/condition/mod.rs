//! GrowthBook targeting conditions, compiled once and evaluated many times.
//!
//! A condition is a JSON object whose entries must all pass (implicit AND).
//! Only `$and`, `$or`, `$nor` and `$not` are logic operators at that level;
//! every other key, even one starting with `$` (`$groups`), is a dotted
//! attribute path whose value is a literal or an operator object. The
//! semantics are those of GrowthBook's `mongrule.ts` (JS SDK), checked by the
//! 248 `evalCondition` vectors of the cross-SDK suite, with two npm 1.8.0
//! refinements: `$elemMatch` skips only `null` elements, and a saved group
//! that is neither a list nor missing makes `$inGroup`/`$notInGroup` fail.
//!
//! Compiling splits paths, compiles regexes, lower-cases `$ini`/`$alli`
//! arguments and pads version literals, so evaluation only reads the
//! attributes. Rules that cannot work fail closed and are reported:
//!
//! - an unknown operator (`$regx`) or an invalid regex never matches, with a
//!   [`RuleErrorKind::UnknownOperator`] / [`RuleErrorKind::InvalidRegex`]
//!   warning at its JSON path (as in GrowthBook, such an operator is simply
//!   false, so a `$not` around it passes);
//! - an operator argument of the wrong type (`$in: 1`, `$regex: 5`) is false
//!   as in GrowthBook, with a [`RuleErrorKind::WrongType`] warning;
//! - a logic operator whose argument JS could not evaluate sensibly (`$or: 5`,
//!   `$and: [1]`, `$not: "x"`), a condition that is not an object, or nesting
//!   deeper than 64 levels never matches, and no `$not`/`$nor` turns that
//!   into a pass.
//!
//! ```
//! use parcours_engine::condition::{Condition, SavedGroups};
//! use parcours_engine::regex::EcmaRegex;
//! use parcours_engine::value::Value;
//!
//! let cond = Value::from_pairs([(
//!     "page.path",
//!     Value::from_pairs([("$regex", Value::from("^/products"))]),
//! )]);
//! let mut warnings = Vec::new();
//! let c = Condition::compile(&cond, "$.condition", &EcmaRegex, &mut warnings);
//! let attrs = Value::from_pairs([("page", Value::from_pairs([("path", "/products/1".into())]))]);
//! assert!(c.eval(&attrs, &SavedGroups::new()));
//! assert!(warnings.is_empty());
//! ```

mod compare;
mod members;
mod ops;
mod path;
mod scan;
mod slots;
mod version;

pub use slots::SlotPlan;
pub use version::padded_version_string;

use crate::decode::{index_path, key_path};
use crate::error::{RuleError, RuleErrorKind};
use crate::regex::RegexCompiler;
use crate::value::{Map, Value, NULL};
use ops::ValueTest;
use path::AttrPath;
use std::borrow::Cow;
use std::cell::Cell;

/// Saved groups for `$inGroup` / `$notInGroup`: group id → array of member
/// values (or a v2 `{"type": "list", "values": […]}` entry).
pub type SavedGroups = Map;

/// How deep conditions may nest before compiling gives up (fail closed),
/// so that evaluating can never overflow the stack.
const MAX_DEPTH: usize = 64;

/// A compiled condition: every clause must pass.
///
/// The attribute paths it reads (through `$and`/`$or`/`$nor`/`$not` too, not
/// inside `$elemMatch`, which reads elements) are numbered when it compiles:
/// [`paths`](Self::paths) lists them, and [`eval_slots`](Self::eval_slots)
/// takes their values already looked up, so a host evaluating many
/// conditions on one context looks each path up once.
#[derive(Debug)]
pub struct Condition {
    clauses: Vec<Clause>,
    /// The paths the clauses' slots number (empty in nested conditions, whose
    /// slots number their enclosing condition's paths).
    paths: Vec<AttrPath>,
    /// How many attribute clauses (leaves) the scope numbers, through the
    /// logic operators (0 in nested conditions, as for `paths`).
    leaves: u32,
}

/// A plan's leaf answers for one context (see [`SlotPlan`]), `None` until
/// evaluated. Cells, as evaluation borrows the plan.
pub(crate) type LeafMemo = [Cell<Option<bool>>];

/// A condition's leaves on its plan's memo: leaf `i` of the condition is
/// entry `map[i]` of `memo`, or not remembered past its end.
#[derive(Clone, Copy)]
pub(crate) struct Leaves<'a> {
    pub map: &'a [u32],
    pub memo: &'a LeafMemo,
}

impl Leaves<'_> {
    /// No leaf remembered.
    const NONE: Leaves<'static> = Leaves {
        map: &[],
        memo: &[],
    };
}

/// Where attribute clauses read their values: a context to look paths up in,
/// or the values of a condition's [`paths`](Condition::paths) through `map`
/// (`values[map[slot]]`), so that many conditions can share one lookup.
#[derive(Clone, Copy)]
enum Attrs<'a> {
    Value(&'a Value),
    Slots {
        values: &'a [Value],
        map: &'a [u32],
        leaves: Leaves<'a>,
    },
}

impl<'a> Attrs<'a> {
    fn get(self, slot: u32, path: &AttrPath) -> Cow<'a, Value> {
        match self {
            Attrs::Value(v) => path.lookup(v),
            Attrs::Slots { values, map, .. } => map
                .get(slot as usize)
                .and_then(|&i| values.get(i as usize))
                .map_or(Cow::Borrowed(&NULL), Cow::Borrowed),
        }
    }
}

/// One entry of a condition object.
#[derive(Debug)]
enum Clause {
    /// `"path": <value condition>`; `slot` numbers the path in its scope,
    /// `leaf` the clause among the scope's attribute clauses.
    Attr {
        path: AttrPath,
        slot: u32,
        leaf: u32,
        test: ValueTest,
    },
    /// `$and`, `$or`, `$nor` with their sub-conditions, or `$not` with one.
    Logic {
        op: Logic,
        subs: Vec<Condition>,
        arg: Value,
    },
    /// Something that can never match; `operator` and `arg` explain it.
    Never { operator: String, arg: Value },
}

/// The condition-level logic operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Logic {
    And,
    Or,
    Nor,
    Not,
}

impl Logic {
    fn from_key(key: &str) -> Option<Logic> {
        match key {
            "$and" => Some(Logic::And),
            "$or" => Some(Logic::Or),
            "$nor" => Some(Logic::Nor),
            "$not" => Some(Logic::Not),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Logic::And => "$and",
            Logic::Or => "$or",
            Logic::Nor => "$nor",
            Logic::Not => "$not",
        }
    }
}

/// The first clause of a condition that failed, for explanations.
///
/// - For an attribute clause: its path, the failing operator (`"$eq"` for a
///   literal, e.g. `{"country": "FR"}`), the operator's argument and the
///   attribute's value.
/// - `$and` reports the failure inside its first failing sub-condition, and
///   an `$or` with a single alternative reports that alternative's failure.
/// - Any other `$or`, and `$nor` and condition-level `$not`, report the logic
///   operator itself: empty `path`, its argument as `expected`, `actual` null.
/// - A clause that can never match reports its operator (`"$regx"`, or
///   `"invalid"` for a condition that is not an object or nests too deeply).
#[derive(Debug, Clone, PartialEq)]
pub struct ClauseFailure {
    /// Attribute path the clause reads (`"page.path"`), empty for a logic operator.
    pub path: String,
    /// The operator (`"$regex"`, `"$gte"`, `"$eq"` for a literal, `"$or"` …).
    pub operator: String,
    /// What the clause expected (the operator's argument).
    pub expected: Value,
    /// The value the attribute actually had (`null` when missing).
    pub actual: Value,
}

/// Compile-time state: the regex engine, the warnings, the nesting depth and
/// the paths of the condition being compiled.
pub(crate) struct Compiler<'a> {
    regex: &'a dyn RegexCompiler,
    warnings: &'a mut Vec<RuleError>,
    depth: usize,
    scope: Vec<AttrPath>,
    /// Attribute clauses numbered so far in the scope.
    leaves: u32,
}

impl Compiler<'_> {
    /// The slot of `raw` in the current scope, added when new.
    fn slot(&mut self, raw: &str) -> (AttrPath, u32) {
        let i = match self.scope.iter().position(|p| p.raw() == raw) {
            Some(i) => i,
            None => {
                self.scope.push(AttrPath::new(raw));
                self.scope.len() - 1
            }
        };
        (self.scope[i].clone(), i as u32)
    }

    /// Records a warning at `path`.
    fn warn(&mut self, path: &str, kind: RuleErrorKind, message: String) {
        self.warnings.push(RuleError::new(path, kind, message));
    }

    /// Runs `f` one level deeper, or warns and gives `None` past [`MAX_DEPTH`].
    fn descend<T>(&mut self, path: &str, f: impl FnOnce(&mut Self) -> T) -> Option<T> {
        if self.depth >= MAX_DEPTH {
            let msg =
                format!("nested more than {MAX_DEPTH} levels deep: this clause never matches");
            self.warn(path, RuleErrorKind::Invalid, msg);
            return None;
        }
        self.depth += 1;
        let out = f(self);
        self.depth -= 1;
        Some(out)
    }

    /// Records that `what`'s argument at `path` should be an `expected`.
    fn wrong_type(&mut self, what: &str, expected: &'static str, got: &Value, path: &str) {
        let msg = format!(
            "`{what}` expects {expected}, found {}: this clause never matches",
            got.type_name()
        );
        self.warn(path, RuleErrorKind::WrongType { expected }, msg);
    }

    /// `arg` as an array, or a warning.
    fn expect_array<'v>(&mut self, what: &str, arg: &'v Value, path: &str) -> Option<&'v [Value]> {
        let items = arg.as_array().map(Vec::as_slice);
        if items.is_none() {
            self.wrong_type(what, "an array", arg, path);
        }
        items
    }

    /// `arg` as a string, or a warning.
    fn expect_string<'v>(&mut self, what: &str, arg: &'v Value, path: &str) -> Option<&'v str> {
        let s = arg.as_str();
        if s.is_none() {
            self.wrong_type(what, "a string", arg, path);
        }
        s
    }

    /// `arg` as an object, or a warning.
    fn expect_object<'v>(&mut self, what: &str, arg: &'v Value, path: &str) -> Option<&'v Map> {
        let m = arg.as_object();
        if m.is_none() {
            self.wrong_type(what, "an object", arg, path);
        }
        m
    }
}

impl Condition {
    /// The empty condition, which always passes.
    pub fn always() -> Condition {
        Condition {
            clauses: Vec::new(),
            paths: Vec::new(),
            leaves: 0,
        }
    }

    /// Compiles `cond`; unknown operators and invalid regexes become clauses that
    /// never match, and are reported in `warnings` with their JSON path under `path`.
    pub fn compile(
        cond: &Value,
        path: &str,
        regex: &dyn RegexCompiler,
        warnings: &mut Vec<RuleError>,
    ) -> Condition {
        let mut cx = Compiler {
            regex,
            warnings,
            depth: 0,
            scope: Vec::new(),
            leaves: 0,
        };
        Condition::compile_scope(cond, path, &mut cx)
    }

    /// Compiles a condition with its own paths (the whole condition, or an
    /// `$elemMatch` on elements).
    pub(crate) fn compile_scope(cond: &Value, path: &str, cx: &mut Compiler<'_>) -> Condition {
        let outer = std::mem::take(&mut cx.scope);
        let outer_leaves = std::mem::take(&mut cx.leaves);
        let mut c = Condition::compile_nested(cond, path, cx);
        c.paths = std::mem::replace(&mut cx.scope, outer);
        c.leaves = std::mem::replace(&mut cx.leaves, outer_leaves);
        c
    }

    /// Compiles a condition object found at `path`, inside the current scope.
    fn compile_nested(cond: &Value, path: &str, cx: &mut Compiler<'_>) -> Condition {
        let Some(map) = cond.as_object() else {
            let msg = format!(
                "a condition must be an object, found {}: it never matches",
                cond.type_name()
            );
            cx.warn(path, RuleErrorKind::WrongType { expected: "object" }, msg);
            return Condition::never("invalid", cond);
        };
        cx.descend(path, |cx| Condition {
            clauses: map
                .iter()
                .map(|(key, arg)| Clause::compile(key, arg, &key_path(path, key), cx))
                .collect(),
            paths: Vec::new(),
            leaves: 0,
        })
        // Too deep: the argument is not kept, cloning it would recurse as deep.
        .unwrap_or_else(|| Condition::never("invalid", &Value::Null))
    }

    /// A condition that never matches.
    fn never(operator: &str, arg: &Value) -> Condition {
        let clause = Clause::Never {
            operator: operator.to_owned(),
            arg: arg.clone(),
        };
        Condition {
            clauses: vec![clause],
            paths: Vec::new(),
            leaves: 0,
        }
    }

    /// Whether `attrs` passes.
    pub fn eval(&self, attrs: &Value, groups: &SavedGroups) -> bool {
        self.eval_in(Attrs::Value(attrs), groups)
    }

    /// The attribute paths this condition reads, in slot order (see
    /// [`eval_slots`](Self::eval_slots)).
    pub fn paths(&self) -> impl ExactSizeIterator<Item = &str> {
        self.paths.iter().map(AttrPath::raw)
    }

    /// Whether the context passes, given the value of the path of each slot
    /// `i` (the `i`-th of [`paths`](Self::paths)) at `values[map[i]]`. Same
    /// answer as [`eval`](Self::eval) on that context; a slot out of range
    /// reads `null`.
    pub fn eval_slots(&self, values: &[Value], map: &[u32], groups: &SavedGroups) -> bool {
        self.eval_memo(values, map, Leaves::NONE, groups)
    }

    /// [`eval_slots`](Self::eval_slots), each leaf's answer remembered in
    /// `leaves.memo` (and taken from it when there already).
    pub(crate) fn eval_memo(
        &self,
        values: &[Value],
        map: &[u32],
        leaves: Leaves<'_>,
        groups: &SavedGroups,
    ) -> bool {
        self.eval_in(
            Attrs::Slots {
                values,
                map,
                leaves,
            },
            groups,
        )
    }

    /// Calls `f` with each attribute clause's leaf number, path and test,
    /// through the logic operators (not into `$elemMatch`, which has its own
    /// scope).
    pub(crate) fn each_leaf(&self, f: &mut dyn FnMut(u32, &AttrPath, &ValueTest)) {
        for c in &self.clauses {
            match c {
                Clause::Attr {
                    path, leaf, test, ..
                } => f(*leaf, path, test),
                Clause::Logic { subs, .. } => subs.iter().for_each(|s| s.each_leaf(f)),
                Clause::Never { .. } => {}
            }
        }
    }

    /// How many leaves the condition's scope numbers.
    pub(crate) fn leaf_count(&self) -> u32 {
        self.leaves
    }

    fn eval_in(&self, attrs: Attrs<'_>, groups: &SavedGroups) -> bool {
        self.clauses.iter().all(|c| c.eval(attrs, groups))
    }

    /// `None` when `attrs` passes, else the first failing clause (see
    /// [`ClauseFailure`] for what logic operators report).
    pub fn explain(&self, attrs: &Value, groups: &SavedGroups) -> Option<ClauseFailure> {
        self.clauses.iter().find_map(|c| c.explain(attrs, groups))
    }
}

impl Clause {
    /// Compiles the entry `key: arg`, found at `path`.
    fn compile(key: &str, arg: &Value, path: &str, cx: &mut Compiler<'_>) -> Clause {
        match Logic::from_key(key) {
            Some(op) => Clause::compile_logic(op, arg, path, cx),
            None => {
                let (attr, slot) = cx.slot(key);
                let leaf = cx.leaves;
                cx.leaves += 1;
                Clause::Attr {
                    path: attr,
                    slot,
                    leaf,
                    test: ValueTest::compile(arg, path, false, cx),
                }
            }
        }
    }

    /// Compiles a logic operator; an unusable argument never matches.
    fn compile_logic(op: Logic, arg: &Value, path: &str, cx: &mut Compiler<'_>) -> Clause {
        let subs = if op == Logic::Not {
            cx.expect_object("$not", arg, path)
                .map(|_| vec![Condition::compile_nested(arg, path, cx)])
        } else {
            compile_list(op, arg, path, cx)
        };
        match subs {
            Some(subs) => Clause::Logic {
                op,
                subs,
                arg: arg.clone(),
            },
            None => Clause::Never {
                operator: op.name().to_owned(),
                arg: arg.clone(),
            },
        }
    }

    fn eval(&self, attrs: Attrs<'_>, groups: &SavedGroups) -> bool {
        match self {
            Clause::Attr {
                path,
                slot,
                leaf,
                test,
            } => {
                let memo = match attrs {
                    Attrs::Slots { leaves, .. } => leaves
                        .map
                        .get(*leaf as usize)
                        .and_then(|&i| leaves.memo.get(i as usize)),
                    Attrs::Value(_) => None,
                };
                if let Some(known) = memo.and_then(Cell::get) {
                    return known;
                }
                let pass = test.eval(&attrs.get(*slot, path), groups);
                if let Some(m) = memo {
                    m.set(Some(pass));
                }
                pass
            }
            Clause::Logic { op, subs, .. } => {
                let any = || subs.is_empty() || subs.iter().any(|s| s.eval_in(attrs, groups));
                match op {
                    Logic::And => subs.iter().all(|s| s.eval_in(attrs, groups)),
                    Logic::Or => any(),
                    Logic::Nor => !any(),
                    Logic::Not => !subs.iter().all(|s| s.eval_in(attrs, groups)),
                }
            }
            Clause::Never { .. } => false,
        }
    }

    fn explain(&self, attrs: &Value, groups: &SavedGroups) -> Option<ClauseFailure> {
        match self {
            Clause::Attr { path, test, .. } => {
                let actual = path.lookup(attrs);
                let (operator, expected) = test.first_failure(&actual, groups)?;
                Some(ClauseFailure {
                    path: path.raw().to_owned(),
                    operator: operator.to_owned(),
                    expected,
                    actual: actual.into_owned(),
                })
            }
            Clause::Logic {
                op: Logic::And,
                subs,
                ..
            } => subs.iter().find_map(|s| s.explain(attrs, groups)),
            Clause::Logic {
                op: Logic::Or,
                subs,
                ..
            } if subs.len() == 1 => subs[0].explain(attrs, groups),
            _ if self.eval(Attrs::Value(attrs), groups) => None,
            Clause::Logic { op, arg, .. } => Some(logic_failure(op.name(), arg)),
            Clause::Never { operator, arg } => Some(logic_failure(operator, arg)),
        }
    }
}

/// Compiles the array of conditions of `$and`/`$or`/`$nor`; `None` (after a
/// warning) when it is not an array of objects.
fn compile_list(
    op: Logic,
    arg: &Value,
    path: &str,
    cx: &mut Compiler<'_>,
) -> Option<Vec<Condition>> {
    let items = cx.expect_array(op.name(), arg, path)?;
    let mut subs = Vec::with_capacity(items.len());
    let mut usable = true;
    for (i, item) in items.iter().enumerate() {
        let item_path = index_path(path, i);
        if item.as_object().is_some() {
            subs.push(Condition::compile_nested(item, &item_path, cx));
        } else {
            cx.wrong_type(op.name(), "an object", item, &item_path);
            usable = false;
        }
    }
    usable.then_some(subs)
}

/// The failure reported for a logic operator or a clause that never matches.
fn logic_failure(operator: &str, arg: &Value) -> ClauseFailure {
    ClauseFailure {
        path: String::new(),
        operator: operator.to_owned(),
        expected: arg.clone(),
        actual: Value::Null,
    }
}

/// Compiles a rules document's condition (a segment's, a campaign's
/// audience, a trigger's `where`), which must be an object: anything else is
/// an error in `errs` (and the condition never matches).
pub(crate) fn compile_condition(
    v: &Value,
    path: &str,
    regex: &dyn RegexCompiler,
    errs: &mut Vec<RuleError>,
    warnings: &mut Vec<RuleError>,
) -> Condition {
    if v.as_object().is_none() {
        errs.push(crate::decode::wrong_type(path, "object", v));
    }
    Condition::compile(v, path, regex, warnings)
}

/// One-shot evaluation, GrowthBook's `evalCondition(attributes, condition, savedGroups)`.
pub fn eval_condition(
    attrs: &Value,
    cond: &Value,
    groups: &SavedGroups,
    regex: &dyn RegexCompiler,
) -> bool {
    Condition::compile(cond, "$", regex, &mut Vec::new()).eval(attrs, groups)
}

#[cfg(all(test, feature = "regress", feature = "serde"))]
mod tests;

//! GrowthBook targeting conditions, compiled once and evaluated many times.
//!
//! STUB: signatures fixed, bodies to be written (see the engine issue).

use crate::error::RuleError;
use crate::regex::RegexCompiler;
use crate::value::{Map, Value};

/// Saved groups for `$inGroup` / `$notInGroup`: group id → array of member values.
pub type SavedGroups = Map;

/// A compiled condition.
pub struct Condition {
    _private: (),
}

/// The first clause of a condition that failed, for explanations.
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

impl Condition {
    /// The empty condition, which always passes.
    pub fn always() -> Condition {
        todo!()
    }

    /// Compiles `cond`; unknown operators and invalid regexes become clauses that
    /// never match, and are reported in `warnings` with their JSON path under `path`.
    pub fn compile(
        cond: &Value,
        path: &str,
        regex: &dyn RegexCompiler,
        warnings: &mut Vec<RuleError>,
    ) -> Condition {
        let _ = (cond, path, regex, warnings);
        todo!()
    }

    /// Whether `attrs` passes.
    pub fn eval(&self, attrs: &Value, groups: &SavedGroups) -> bool {
        let _ = (attrs, groups);
        todo!()
    }

    /// `None` when `attrs` passes, else the first failing clause.
    pub fn explain(&self, attrs: &Value, groups: &SavedGroups) -> Option<ClauseFailure> {
        let _ = (attrs, groups);
        todo!()
    }
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

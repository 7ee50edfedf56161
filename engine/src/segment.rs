//! Segments: named conditions over the evaluation context, compiled once.
//!
//! Segments are evaluated in document order, and each segment's condition
//! sees `segments` as the ids of the *earlier* segments that matched. A
//! segment can therefore build on another one defined above it
//! (`{"segments": {"$elemMatch": {"$eq": "vip"}}}`), and cycles are impossible.

use std::collections::BTreeSet;

use crate::condition::{compile_condition, Condition, SavedGroups, SlotPlan};
use crate::decode::{index_path, Obj};
use crate::error::{RuleError, RuleErrorKind};
use crate::regex::RegexCompiler;
use crate::value::Value;

/// A decoded, compiled segment.
pub struct Segment {
    /// Unique id.
    pub id: String,
    /// Display name (defaults to the id).
    pub name: String,
    /// Who is in it.
    pub condition: Condition,
}

/// Decodes the `segments` array; every error is recorded with its path.
pub fn decode_all(
    items: &[Value],
    path: &str,
    regex: &dyn RegexCompiler,
    errs: &mut Vec<RuleError>,
    warnings: &mut Vec<RuleError>,
) -> Vec<Segment> {
    let mut out = Vec::with_capacity(items.len());
    let mut seen = BTreeSet::new();
    for (i, v) in items.iter().enumerate() {
        let Some(o) = Obj::new(v, index_path(path, i), errs) else {
            continue;
        };
        o.deny_unknown(&["id", "name", "description", "condition"], errs);
        let id = o.str("id", errs);
        let name = o.opt_str("name", errs);
        o.opt_str("description", errs);
        let condition = match o.get("condition") {
            Some(c) => compile_condition(c, &o.at("condition"), regex, errs, warnings),
            None => {
                errs.push(RuleError::new(
                    o.at("condition"),
                    RuleErrorKind::Missing,
                    "`condition` is required",
                ));
                continue;
            }
        };
        let Some(id) = id else { continue };
        if id.is_empty() {
            errs.push(RuleError::new(
                o.at("id"),
                RuleErrorKind::Invalid,
                "a segment id must be non-empty",
            ));
        } else if !seen.insert(id.to_owned()) {
            errs.push(RuleError::new(
                o.at("id"),
                RuleErrorKind::Duplicate,
                format!("duplicate segment id `{id}`"),
            ));
            continue;
        }
        out.push(Segment {
            id: id.to_owned(),
            name: name.unwrap_or(id).to_owned(),
            condition,
        });
    }
    out
}

/// Evaluates every segment in order against `ctx`, keeping `ctx.segments`
/// up to date as it goes; returns membership by segment index.
pub fn evaluate_into(segments: &[Segment], ctx: &mut Value, groups: &SavedGroups) -> Vec<bool> {
    ctx.insert("segments", Value::Array(Vec::new()));
    let mut member = Vec::with_capacity(segments.len());
    for s in segments {
        let is_in = s.condition.eval(ctx, groups);
        member.push(is_in);
        if is_in {
            if let Some(Value::Array(list)) =
                ctx.as_object_mut().and_then(|m| m.get_mut("segments"))
            {
                list.push(Value::String(s.id.clone()));
            }
        }
    }
    member
}

/// The segments' paths numbered once (see [`SlotPlan`]), for hosts that
/// segment many contexts: each path is looked up once per context, or read
/// straight from the context's JSON text. `segments` is the engine's own
/// (the earlier segments that matched), never read from the context.
#[derive(Debug)]
pub struct SegmentSlots {
    plan: SlotPlan,
}

impl SegmentSlots {
    /// The plan for `segments` (the same list must be given to [`evaluate`](Self::evaluate)).
    pub fn new(segments: &[Segment]) -> SegmentSlots {
        SegmentSlots {
            plan: SlotPlan::new(segments.iter().map(|s| &s.condition), &["segments"]),
        }
    }

    /// Fills `values` from a context's JSON text (`JSON.stringify` of it).
    pub fn read_json(&self, json: &str, values: &mut Vec<Value>) {
        self.plan.read_json(json, values);
    }

    /// Fills `values` from a context.
    pub fn read_value(&self, ctx: &Value, values: &mut Vec<Value>) {
        self.plan.read_value(ctx, values);
    }

    /// Evaluates every segment in order on the slot values read, pushing the
    /// index of each one the context is in to `member` (cleared first). Same
    /// answer as [`evaluate_into`] on that context; each distinct attribute
    /// clause is evaluated once, its answer kept in `memo` (scratch space).
    pub fn evaluate(
        &self,
        segments: &[Segment],
        values: &mut [Value],
        groups: &SavedGroups,
        member: &mut Vec<usize>,
        memo: &mut Vec<std::cell::Cell<Option<bool>>>,
    ) {
        member.clear();
        self.plan.clear_memo(memo);
        let computed = self.plan.computed_slots().next().is_some();
        let mut ids = Vec::new();
        if computed {
            self.set_segments(&ids, values);
        }
        for (i, s) in segments.iter().enumerate() {
            if self.plan.eval_memo(i, &s.condition, values, groups, memo) {
                member.push(i);
                if computed {
                    ids.push(Value::String(s.id.clone()));
                    self.set_segments(&ids, values);
                }
            }
        }
    }

    fn set_segments(&self, ids: &[Value], values: &mut [Value]) {
        let root = Value::from_pairs([("segments", Value::Array(ids.to_vec()))]);
        self.plan.set_computed(&root, values);
    }
}

/// The ids of the segments whose membership flag is set.
pub fn ids(segments: &[Segment], member: &[bool]) -> Vec<String> {
    segments
        .iter()
        .zip(member)
        .filter(|(_, m)| **m)
        .map(|(s, _)| s.id.clone())
        .collect()
}

#[cfg(all(test, feature = "regress", feature = "serde"))]
mod tests {
    use super::*;
    use crate::regex::EcmaRegex;

    #[test]
    fn slots_give_the_same_segments_as_the_context_including_earlier_segments() {
        let doc: Value = serde_json::from_str(
            r#"[
                {"id": "none_yet", "condition": {"segments": {"$size": 0}}},
                {"id": "fr", "condition": {"device.language": {"$regexi": "^fr"}}},
                {"id": "not_fr", "condition": {"$not": {"device.language": {"$regexi": "^fr"}}}},
                {"id": "fr_or_big", "condition": {"$or": [{"device.language": {"$regexi": "^fr"}}, {"cart.items": {"$size": {"$gte": 2}}}]}},
                {"id": "big", "condition": {"cart.items": {"$size": {"$gte": 2}}}},
                {"id": "fr_big", "condition": {"segments": {"$all": ["fr", "big"]}}},
                {"id": "second", "condition": {"segments.length": 2, "segments.1": "big"}},
                {"id": "none", "condition": {"segments": {"$size": 0}}}
            ]"#,
        )
        .unwrap();
        let (mut errs, mut warnings) = (Vec::new(), Vec::new());
        let segments = decode_all(
            doc.as_array().unwrap(),
            "$.segments",
            &EcmaRegex,
            &mut errs,
            &mut warnings,
        );
        assert!(errs.is_empty() && warnings.is_empty());
        let slots = SegmentSlots::new(&segments);
        // The language and cart-size clauses, each written several times;
        // those on `segments` are not remembered (it grows as segments match).
        assert_eq!(slots.plan.distinct_leaves(), 2);
        let groups = SavedGroups::new();
        let (mut values, mut member, mut memo) = (Vec::new(), Vec::new(), Vec::new());
        for ctx in [
            r#"{"device": {"language": "FR-fr"}, "cart": {"items": [1, 2]}, "segments": ["none"]}"#,
            r#"{"device": {"language": "en"}, "cart": {"items": [1, 2, 3]}}"#,
            r#"{"device": {"language": "fr"}}"#,
        ] {
            let mut v: Value = serde_json::from_str(ctx).unwrap();
            slots.read_json(ctx, &mut values);
            slots.evaluate(&segments, &mut values, &groups, &mut member, &mut memo);
            let want = evaluate_into(&segments, &mut v, &groups);
            let got: Vec<bool> = (0..segments.len()).map(|i| member.contains(&i)).collect();
            assert_eq!(got, want, "{ctx}");
        }
    }
}

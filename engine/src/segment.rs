//! Segments: named conditions over the evaluation context, compiled once.
//!
//! Segments are evaluated in document order, and each segment's condition
//! sees `segments` as the ids of the *earlier* segments that matched. A
//! segment can therefore build on another one defined above it
//! (`{"segments": {"$elemMatch": {"$eq": "vip"}}}`), and cycles are impossible.

use std::collections::BTreeSet;

use crate::condition::{Condition, SavedGroups};
use crate::decode::{index_path, Obj};
use crate::error::{RuleError, RuleErrorKind};
use crate::regex::RegexCompiler;
use crate::trigger::compile_condition;
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

/// The ids of the segments whose membership flag is set.
pub fn ids(segments: &[Segment], member: &[bool]) -> Vec<String> {
    segments
        .iter()
        .zip(member)
        .filter(|(_, m)| **m)
        .map(|(s, _)| s.id.clone())
        .collect()
}

//! Decoding the rules document's `traits` array, with every error's JSON path.

use super::{Aggregate, Filter, TraitDef};
use crate::condition::Condition;
use crate::decode::{index_path, wrong_type, Obj};
use crate::error::{RuleError, RuleErrorKind};
use crate::history::whole;
use crate::regex::RegexCompiler;
use crate::value::Value;

const FIELDS: [&str; 9] = [
    "id",
    "name",
    "description",
    "event",
    "aggregate",
    "property",
    "window_days",
    "where",
    "trait",
];

/// Longest window accepted, in days (ten years).
pub const MAX_WINDOW_DAYS: u32 = 3650;

fn err(errors: &mut Vec<RuleError>, path: String, kind: RuleErrorKind, msg: impl Into<String>) {
    errors.push(RuleError::new(path, kind, msg));
}

/// Decodes the `traits` array at `path`. Bad definitions are reported in
/// `errors` (and left out); `where` conditions report unknown operators and
/// invalid regexes in `warnings`; a window longer than the history keeps
/// (`max_age_days`) is a warning too.
pub fn decode_traits(
    v: &Value,
    path: &str,
    regex: &dyn RegexCompiler,
    max_age_days: u32,
    errors: &mut Vec<RuleError>,
    warnings: &mut Vec<RuleError>,
) -> Vec<TraitDef> {
    let Some(items) = v.as_array() else {
        errors.push(wrong_type(path, "array", v));
        return Vec::new();
    };
    let mut seen = crate::map::StrMap::new();
    let mut defs = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let Some(obj) = Obj::new(item, index_path(path, i), errors) else {
            continue;
        };
        let before = errors.len();
        if let Some(def) = decode_one(&obj, regex, max_age_days, errors, warnings) {
            if seen.insert(def.id.clone(), ()).is_some() {
                err(
                    errors,
                    obj.at("id"),
                    RuleErrorKind::Duplicate,
                    crate::msg!("trait id `{}` is used twice", def.id),
                );
            } else if errors.len() == before {
                defs.push(def);
            }
        }
    }
    defs
}

fn decode_one(
    obj: &Obj,
    regex: &dyn RegexCompiler,
    max_age_days: u32,
    errors: &mut Vec<RuleError>,
    warnings: &mut Vec<RuleError>,
) -> Option<TraitDef> {
    obj.deny_unknown(&FIELDS, errors);
    let _ = (
        obj.opt_str("name", errors),
        obj.opt_str("description", errors),
    );
    let id = obj.str("id", errors);
    if let Some(id) = id {
        let ok = !id.is_empty()
            && id
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '-');
        if !ok {
            err(errors, obj.at("id"), RuleErrorKind::Invalid,
                crate::msg!("trait id `{id}` must be letters, digits, `_` or `-` (it is read as `computed.<id>`)"));
        }
    }
    let aggregate = obj.str("aggregate", errors).and_then(|a| {
        let parsed = Aggregate::parse(a);
        if parsed.is_none() {
            let names: Vec<&str> = Aggregate::ALL.iter().map(|(_, n)| *n).collect();
            err(
                errors,
                obj.at("aggregate"),
                RuleErrorKind::Invalid,
                crate::msg!(
                    "unknown aggregate `{a}` (expected one of: {})",
                    names.join(", ")
                ),
            );
        }
        parsed
    });
    let event = obj.opt_str("event", errors).map(str::to_owned);
    let property = obj.opt_str("property", errors).map(str::to_owned);
    let trait_name = obj.opt_str("trait", errors).map(str::to_owned);
    let window_days =
        whole(obj, "window_days", 1.0, f64::from(MAX_WINDOW_DAYS), errors).map(|w| w as u32);
    if window_days.is_some_and(|w| w > max_age_days) {
        warnings.push(RuleError::new(obj.at("window_days"), RuleErrorKind::Invalid, crate::msg!(
            "the history keeps {max_age_days} days: older events cannot count (raise `history.max_age_days`)")));
    }
    let filter = obj.get("where").and_then(|w| {
        if w.as_object().is_none() {
            errors.push(wrong_type(&obj.at("where"), "object", w));
            return None;
        }
        Some(Filter::new(
            Condition::compile(w, &obj.at("where"), regex, warnings),
            w.clone(),
        ))
    });
    let aggregate = aggregate?;
    if property.as_deref().is_some_and(str::is_empty) {
        err(
            errors,
            obj.at("property"),
            RuleErrorKind::Invalid,
            "`property` must not be empty",
        );
    }
    if aggregate.needs_property() && property.is_none() {
        err(
            errors,
            obj.at("property"),
            RuleErrorKind::Missing,
            crate::msg!(
                "`property` is required by the `{}` aggregate",
                aggregate.name()
            ),
        );
    }
    if aggregate == Aggregate::DaysUntilAnniversary {
        match (&trait_name, &event) {
            (None, None) => err(
                errors,
                obj.at("trait"),
                RuleErrorKind::Missing,
                "`days_until_anniversary` needs a date `trait` (e.g. `birthday`) or an `event`",
            ),
            (Some(_), Some(_)) => err(
                errors,
                obj.at("event"),
                RuleErrorKind::Invalid,
                "give either `trait` or `event`, not both",
            ),
            (Some(_), None) if window_days.is_some() || filter.is_some() => err(
                errors,
                obj.at("trait"),
                RuleErrorKind::Invalid,
                "a date `trait` takes no `window_days` or `where`",
            ),
            _ => {}
        }
    } else if trait_name.is_some() {
        err(
            errors,
            obj.at("trait"),
            RuleErrorKind::Invalid,
            "`trait` is only used by the `days_until_anniversary` aggregate",
        );
    }
    Some(TraitDef {
        id: id?.to_owned(),
        event,
        aggregate,
        property: property.filter(|_| aggregate.needs_property()),
        window_days,
        filter,
        trait_name,
    })
}

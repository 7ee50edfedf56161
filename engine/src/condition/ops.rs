//! Value conditions: what one attribute is tested against.
//!
//! A value condition is either a literal (compared with GrowthBook's loose
//! coercions) or an operator object (`{"$gte": 3, "$lt": 10}`), which is a
//! non-empty object whose keys all start with `$`. Each operator is compiled
//! once into an [`Op`]; evaluation only reads the attribute.

use std::cmp::Ordering;
use std::fmt;

use super::compare::{
    js_lowercase, js_string_eq, json_eq, lowercase_eq, same_value_zero, strict_eq, with_js_string,
    Operand, Rel,
};
use super::members::Members;
use super::version::{cmp_version, padded_version_string};
use super::{Compiler, Condition, SavedGroups};
use crate::decode::{index_path, key_path};
use crate::error::RuleErrorKind;
use crate::regex::Regex;
use crate::value::Value;

/// Whether `v` is an operator object: non-empty, and every key starts with `$`.
pub(crate) fn is_operator_object(v: &Value) -> bool {
    v.as_object()
        .is_some_and(|m| !m.is_empty() && m.keys().all(|k| k.starts_with('$')))
}

/// A literal condition value and how it coerces the attribute.
#[derive(Debug, Clone)]
pub(crate) enum Literal {
    /// `null`: the attribute is null or missing.
    Null,
    /// The attribute's truthiness, except that null never matches.
    Bool(bool),
    /// `attribute * 1 === n`.
    Num(f64),
    /// `attribute + "" === s`.
    Str(String),
    /// `String(attribute).toLowerCase() === s` (inside `$alli`); `s` is lower-cased.
    StrFolded(String),
    /// Arrays and non-operator objects: `JSON.stringify` equality.
    Json(Value),
}

impl Literal {
    fn new(v: &Value, fold: bool) -> Literal {
        match v {
            Value::Null => Literal::Null,
            Value::Bool(b) => Literal::Bool(*b),
            Value::Number(n) => Literal::Num(*n),
            Value::String(s) if fold => Literal::StrFolded(js_lowercase(s).into_owned()),
            Value::String(s) => Literal::Str(s.clone()),
            Value::Array(_) | Value::Object(_) => Literal::Json(v.clone()),
        }
    }

    fn matches(&self, v: &Value) -> bool {
        match self {
            Literal::Null => v.is_null(),
            Literal::Bool(b) => !v.is_null() && v.truthy() == *b,
            Literal::Num(n) => v.to_number() == *n,
            Literal::Str(s) => js_string_eq(v, s),
            Literal::StrFolded(s) => with_js_string(v, |t| lowercase_eq(t, s)),
            Literal::Json(lit) => json_eq(v, lit),
        }
    }

    fn to_value(&self) -> Value {
        match self {
            Literal::Null => Value::Null,
            Literal::Bool(b) => Value::Bool(*b),
            Literal::Num(n) => Value::Number(*n),
            Literal::Str(s) | Literal::StrFolded(s) => Value::String(s.clone()),
            Literal::Json(v) => v.clone(),
        }
    }
}

/// A compiled value condition.
#[derive(Debug)]
pub(crate) enum ValueTest {
    /// A literal to compare with.
    Literal(Literal),
    /// Operators that must all pass.
    Ops(Vec<Op>),
}

impl ValueTest {
    /// Compiles the value condition `arg` found at `path`; `fold` lower-cases
    /// string literals (items of `$alli`).
    pub(crate) fn compile(arg: &Value, path: &str, fold: bool, cx: &mut Compiler<'_>) -> ValueTest {
        let Some(map) = arg.as_object().filter(|_| is_operator_object(arg)) else {
            return ValueTest::Literal(Literal::new(arg, fold));
        };
        let ops = cx.descend(path, |cx| {
            map.iter()
                .map(|(name, op_arg)| Op::compile(name, op_arg, &key_path(path, name), cx))
                .collect()
        });
        // Too deep: the argument is not kept, cloning it would recurse as deep.
        ValueTest::Ops(ops.unwrap_or_else(|| vec![Op::never("invalid", &Value::Null)]))
    }

    /// Whether `v` passes.
    pub(crate) fn eval(&self, v: &Value, groups: &SavedGroups) -> bool {
        match self {
            ValueTest::Literal(lit) => lit.matches(v),
            ValueTest::Ops(ops) => ops.iter().all(|op| op.eval(v, groups)),
        }
    }

    /// Appends a text that identifies the test: two tests with the same key
    /// compiled from the same argument, so they pass on the same values.
    pub(crate) fn write_key(&self, out: &mut String) {
        match self {
            ValueTest::Literal(lit) => {
                out.push('L');
                write_value_key(&lit.to_value(), out);
            }
            ValueTest::Ops(ops) => {
                for op in ops {
                    out.push('O');
                    write_str_key(&op.name, out);
                    write_value_key(&op.arg, out);
                }
            }
        }
    }

    /// The operator (`"$eq"` for a literal) and argument of the first part
    /// that `v` fails, `None` when it passes.
    pub(crate) fn first_failure(&self, v: &Value, groups: &SavedGroups) -> Option<(&str, Value)> {
        match self {
            ValueTest::Literal(lit) if !lit.matches(v) => Some(("$eq", lit.to_value())),
            ValueTest::Literal(_) => None,
            ValueTest::Ops(ops) => ops
                .iter()
                .find(|op| !op.eval(v, groups))
                .map(|op| (op.name.as_str(), op.arg.clone())),
        }
    }
}

/// `$elemMatch`'s argument: an operator object tests each element as a
/// value, anything else as a whole condition on each element.
#[derive(Debug)]
pub(crate) enum ElemTest {
    /// `{"$gt": 10}`: each element as a value.
    Value(ValueTest),
    /// `{"name": {"$regex": "^ping"}}`: each element as attributes.
    Condition(Condition),
}

/// A compiled regex, with its pattern for debugging.
pub(crate) struct CompiledRegex {
    pattern: String,
    regex: Box<dyn Regex>,
}

impl fmt::Debug for CompiledRegex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "/{}/", self.pattern)
    }
}

/// The version comparisons.
#[derive(Debug, Clone, Copy)]
pub(crate) enum VersionCmp {
    /// `$veq`
    Eq,
    /// `$vne`
    Ne,
    /// `$vgt $vgte $vlt $vlte`
    Rel(Rel),
}

/// What an operator does.
#[derive(Debug)]
pub(crate) enum OpKind {
    /// `$eq` (strict).
    Eq,
    /// `$ne` (strict).
    Ne,
    /// `$gt $gte $lt $lte`.
    Rel(Rel, Operand),
    /// `$exists`, by the argument's truthiness.
    Exists(bool),
    /// `$in $nin $ini $nini`.
    In { members: Members, negate: bool },
    /// `$inGroup $notInGroup`, by saved-group id.
    Group { id: String, negate: bool },
    /// Attribute-level `$not`.
    Not(Box<ValueTest>),
    /// `$size`, tested against the array's length.
    Size(Box<ValueTest>),
    /// `$elemMatch`.
    ElemMatch(Box<ElemTest>),
    /// `$all $alli`: every item matches at least one element.
    All(Vec<ValueTest>),
    /// `$regex $regexi`: a search in the attribute's string form.
    Regex(CompiledRegex),
    /// `$type`.
    Type(String),
    /// Version operators, against the literal's padded version string.
    Version(VersionCmp, String),
    /// Unknown operator, invalid regex or unusable argument: never matches.
    Never,
}

/// One compiled operator with its name and argument, for explanations.
#[derive(Debug)]
pub(crate) struct Op {
    name: String,
    arg: Value,
    kind: OpKind,
}

impl Op {
    /// An operator that never matches.
    fn never(name: &str, arg: &Value) -> Op {
        Op {
            name: name.to_owned(),
            arg: arg.clone(),
            kind: OpKind::Never,
        }
    }

    /// Compiles `name: arg`, found at `path`; problems become warnings and a
    /// clause that never matches.
    fn compile(name: &str, arg: &Value, path: &str, cx: &mut Compiler<'_>) -> Op {
        let kind = compile_kind(name, arg, path, cx).unwrap_or(OpKind::Never);
        Op {
            name: name.to_owned(),
            arg: arg.clone(),
            kind,
        }
    }

    /// Whether `v` passes this operator.
    fn eval(&self, v: &Value, groups: &SavedGroups) -> bool {
        match &self.kind {
            OpKind::Eq => strict_eq(v, &self.arg),
            OpKind::Ne => !strict_eq(v, &self.arg),
            OpKind::Rel(rel, operand) => operand.compare(*rel, v),
            OpKind::Exists(want) => v.is_null() != *want,
            OpKind::In { members, negate } => members.contains_any(v) != *negate,
            OpKind::Group { id, negate } => {
                eval_group(groups, id, v).is_some_and(|found| found != *negate)
            }
            OpKind::Not(test) => !test.eval(v, groups),
            OpKind::Size(test) => v
                .as_array()
                .is_some_and(|a| test.eval(&Value::Number(a.len() as f64), groups)),
            OpKind::ElemMatch(test) => v.as_array().is_some_and(|a| elem_match(test, a, groups)),
            OpKind::All(items) => v
                .as_array()
                .is_some_and(|a| items.iter().all(|t| a.iter().any(|el| t.eval(el, groups)))),
            OpKind::Regex(re) => with_js_string(v, |s| re.regex.is_match(s)),
            OpKind::Type(t) => v.type_name() == t,
            OpKind::Version(cmp, lit) => {
                let ord = cmp_version(v, lit);
                match cmp {
                    VersionCmp::Eq => ord == Ordering::Equal,
                    VersionCmp::Ne => ord != Ordering::Equal,
                    VersionCmp::Rel(rel) => rel.holds(ord),
                }
            }
            OpKind::Never => false,
        }
    }
}

/// Whether any non-null element passes (npm 1.8.0 skips only `null`s).
fn elem_match(test: &ElemTest, items: &[Value], groups: &SavedGroups) -> bool {
    items
        .iter()
        .filter(|el| !el.is_null())
        .any(|el| match test {
            ElemTest::Value(t) => t.eval(el, groups),
            ElemTest::Condition(c) => c.eval(el, groups),
        })
}

/// Whether `v` is in saved group `id`: an unknown (or falsy) id is an empty
/// group; a list is a bare array or a v2 `{"type": "list", "values": […]}`.
/// `None` when the entry cannot be read, so both operators fail.
fn eval_group(groups: &SavedGroups, id: &str, v: &Value) -> Option<bool> {
    let Some(entry) = groups.get(id).filter(|e| e.truthy()) else {
        return Some(false);
    };
    let values = match entry {
        Value::Array(values) => values,
        Value::Object(m) if m.get("type").and_then(Value::as_str) == Some("list") => {
            m.get("values")?.as_array()?
        }
        _ => return None,
    };
    let member = |x: &Value| values.iter().any(|m| same_value_zero(m, x));
    Some(match v {
        Value::Array(items) => items.iter().any(member),
        _ => member(v),
    })
}

/// The [`OpKind`] for `name: arg`, or `None` (after a warning) when it can
/// never match.
fn compile_kind(name: &str, arg: &Value, path: &str, cx: &mut Compiler<'_>) -> Option<OpKind> {
    let rel = |r| Some(OpKind::Rel(r, Operand::new(arg)));
    let version = |c| Some(OpKind::Version(c, padded_version_string(arg)));
    match name {
        "$eq" => Some(OpKind::Eq),
        "$ne" => Some(OpKind::Ne),
        "$lt" => rel(Rel::Lt),
        "$lte" => rel(Rel::Lte),
        "$gt" => rel(Rel::Gt),
        "$gte" => rel(Rel::Gte),
        "$veq" => version(VersionCmp::Eq),
        "$vne" => version(VersionCmp::Ne),
        "$vlt" => version(VersionCmp::Rel(Rel::Lt)),
        "$vlte" => version(VersionCmp::Rel(Rel::Lte)),
        "$vgt" => version(VersionCmp::Rel(Rel::Gt)),
        "$vgte" => version(VersionCmp::Rel(Rel::Gte)),
        "$exists" => Some(OpKind::Exists(arg.truthy())),
        "$in" | "$nin" | "$ini" | "$nini" => {
            let items = cx.expect_array(name, arg, path)?;
            let fold = name.ends_with('i');
            let members = Members::new(items, fold);
            Some(OpKind::In {
                members,
                negate: name.starts_with("$n"),
            })
        }
        "$inGroup" | "$notInGroup" => {
            let id = cx.expect_string(name, arg, path)?;
            Some(OpKind::Group {
                id: id.to_owned(),
                negate: name == "$notInGroup",
            })
        }
        "$not" => Some(OpKind::Not(Box::new(ValueTest::compile(
            arg, path, false, cx,
        )))),
        "$size" => Some(OpKind::Size(Box::new(ValueTest::compile(
            arg, path, false, cx,
        )))),
        "$elemMatch" => compile_elem_match(arg, path, cx),
        "$all" | "$alli" => {
            let items = cx.expect_array(name, arg, path)?;
            let fold = name == "$alli";
            let tests = items
                .iter()
                .enumerate()
                .map(|(i, item)| ValueTest::compile(item, &index_path(path, i), fold, cx))
                .collect();
            Some(OpKind::All(tests))
        }
        "$regex" | "$regexi" => compile_regex(name, arg, path, cx),
        "$type" => cx
            .expect_string(name, arg, path)
            .map(|t| OpKind::Type(t.to_owned())),
        _ => {
            let msg = format!("unknown operator `{name}`: this clause never matches");
            cx.warn(path, RuleErrorKind::UnknownOperator, msg);
            None
        }
    }
}

fn compile_elem_match(arg: &Value, path: &str, cx: &mut Compiler<'_>) -> Option<OpKind> {
    let test = if is_operator_object(arg) {
        ElemTest::Value(ValueTest::compile(arg, path, false, cx))
    } else {
        cx.expect_object("$elemMatch", arg, path)?;
        ElemTest::Condition(Condition::compile_scope(arg, path, cx))
    };
    Some(OpKind::ElemMatch(Box::new(test)))
}

fn compile_regex(name: &str, arg: &Value, path: &str, cx: &mut Compiler<'_>) -> Option<OpKind> {
    let pattern = cx.expect_string(name, arg, path)?;
    let ignore_case = name == "$regexi";
    let compiled = crate::regex::literal(pattern, ignore_case)
        .or_else(|| cx.regex.compile(pattern, ignore_case));
    match compiled {
        Some(regex) => Some(OpKind::Regex(CompiledRegex {
            pattern: pattern.to_owned(),
            regex,
        })),
        None => {
            let msg = format!("invalid regular expression `{pattern}`: this clause never matches");
            cx.warn(path, RuleErrorKind::InvalidRegex, msg);
            None
        }
    }
}

/// A string in a key: its length first, so that no content can end it.
fn write_str_key(s: &str, out: &mut String) {
    out.push_str(&s.len().to_string());
    out.push(':');
    out.push_str(s);
}

/// A value in a key, each kind tagged (numbers by their bits).
fn write_value_key(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push('n'),
        Value::Bool(b) => out.push(if *b { 't' } else { 'f' }),
        Value::Number(n) => {
            out.push('d');
            out.push_str(&n.to_bits().to_string());
            out.push(';');
        }
        Value::String(s) => {
            out.push('s');
            write_str_key(s, out);
        }
        Value::Array(items) => {
            out.push('[');
            items.iter().for_each(|i| write_value_key(i, out));
            out.push(']');
        }
        Value::Object(map) => {
            out.push('{');
            for (k, v) in map.iter() {
                write_str_key(k, out);
                write_value_key(v, out);
            }
            out.push('}');
        }
    }
}

//! Behaviour the conformance vectors leave open: explanations, warnings
//! with paths, coercions, fail-closed shapes.

use super::*;
use crate::regex::EcmaRegex;

fn json(text: &str) -> Value {
    serde_json::from_str(text).expect("test JSON is valid")
}

fn compile(cond: &str) -> (Condition, Vec<RuleError>) {
    let mut warnings = Vec::new();
    let c = Condition::compile(
        &json(cond),
        "$.segments[0].condition",
        &EcmaRegex,
        &mut warnings,
    );
    (c, warnings)
}

fn passes(cond: &str, attrs: &str) -> bool {
    let (c, _) = compile(cond);
    let attrs = json(attrs);
    let groups = SavedGroups::new();
    let verdict = c.eval(&attrs, &groups);
    assert_eq!(
        c.explain(&attrs, &groups).is_none(),
        verdict,
        "explain agrees with eval"
    );
    verdict
}

fn explain(cond: &str, attrs: &str) -> Option<ClauseFailure> {
    compile(cond).0.explain(&json(attrs), &SavedGroups::new())
}

#[test]
fn explain_names_the_failing_operator_path_argument_and_value() {
    let f = explain(
        r#"{"visit.count": {"$gte": 3, "$lt": 10}}"#,
        r#"{"visit": {"count": 12}}"#,
    );
    let expected = ClauseFailure {
        path: "visit.count".into(),
        operator: "$lt".into(),
        expected: Value::Number(10.0),
        actual: Value::Number(12.0),
    };
    assert_eq!(f, Some(expected));
}

#[test]
fn explain_reports_a_literal_as_eq_and_a_missing_attribute_as_null() {
    let f = explain(r#"{"device.type": "mobile"}"#, "{}").expect("fails");
    assert_eq!(
        (f.path.as_str(), f.operator.as_str()),
        ("device.type", "$eq")
    );
    assert_eq!((f.expected, f.actual), (Value::from("mobile"), Value::Null));
}

#[test]
fn explain_looks_inside_and_but_reports_or_nor_and_not_themselves() {
    let inner = explain(r#"{"$and": [{"a": 1}, {"b": 2}]}"#, r#"{"a": 1, "b": 3}"#).expect("fails");
    assert_eq!((inner.path.as_str(), inner.operator.as_str()), ("b", "$eq"));
    let single = explain(r#"{"$or": [{"b": 2}]}"#, r#"{"b": 3}"#).expect("fails");
    assert_eq!(single.path, "b");
    let or = explain(r#"{"$or": [{"a": 2}, {"b": 2}]}"#, "{}").expect("fails");
    assert_eq!((or.path.as_str(), or.operator.as_str()), ("", "$or"));
    assert_eq!(or.expected, json(r#"[{"a": 2}, {"b": 2}]"#));
    let not = explain(r#"{"$not": {"a": 1}}"#, r#"{"a": 1}"#).expect("fails");
    assert_eq!((not.path.as_str(), not.operator.as_str()), ("", "$not"));
    let nor = explain(r#"{"$nor": [{"a": 1}]}"#, r#"{"a": 1}"#).expect("fails");
    assert_eq!(nor.operator, "$nor");
}

#[test]
fn unknown_operators_warn_at_their_json_path_and_never_match() {
    let (c, w) = compile(r#"{"page.path": {"$regx": "^/"}}"#);
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].path, r#"$.segments[0].condition["page.path"].$regx"#);
    assert_eq!(w[0].kind, RuleErrorKind::UnknownOperator);
    assert!(!c.eval(&json(r#"{"page": {"path": "/"}}"#), &SavedGroups::new()));
}

#[test]
fn invalid_regexes_warn_at_the_path_of_the_pattern() {
    let (_, w) = compile(r#"{"$or": [{"page.path": {"$regex": "("}}]}"#);
    assert_eq!(w.len(), 1);
    assert_eq!(
        w[0].path,
        r#"$.segments[0].condition.$or[0]["page.path"].$regex"#
    );
    assert_eq!(w[0].kind, RuleErrorKind::InvalidRegex);
    assert!(!passes(
        r#"{"page.path": {"$regex": "("}}"#,
        r#"{"page": {"path": "("}}"#
    ));
}

#[test]
fn wrong_argument_types_warn_and_fail_like_growthbook() {
    let (_, w) = compile(r#"{"tags": {"$in": "a", "$regex": 5, "$elemMatch": 3}}"#);
    let kinds: Vec<_> = w.iter().map(|e| (e.path.as_str(), &e.kind)).collect();
    assert_eq!(kinds.len(), 3, "{kinds:?}");
    assert!(kinds
        .iter()
        .all(|(_, k)| matches!(k, RuleErrorKind::WrongType { .. })));
    assert!(!passes(r#"{"n": {"$in": 1}}"#, r#"{"n": 1}"#));
    assert!(!passes(r#"{"n": {"$nin": 1}}"#, r#"{"n": 1}"#));
}

#[test]
fn malformed_logic_arguments_fail_closed_even_when_negated() {
    for cond in [
        r#"{"$or": 5}"#,
        r#"{"$and": [1]}"#,
        r#"{"$nor": [1]}"#,
        r#"{"$nor": {"a": 1}}"#,
        r#"{"$not": "x"}"#,
        r#"[1]"#,
    ] {
        let (c, w) = compile(cond);
        assert!(!c.eval(&json("{}"), &SavedGroups::new()), "{cond}");
        assert!(!w.is_empty(), "{cond} warns");
    }
}

#[test]
fn deep_nesting_fails_closed_instead_of_overflowing() {
    let deep = (0..1000).fold(Value::object(), |inner, _| {
        Value::from_pairs([("$not", inner)])
    });
    let mut w = Vec::new();
    let c = Condition::compile(&deep, "$", &EcmaRegex, &mut w);
    assert!(!c.eval(&json("{}"), &SavedGroups::new()));
    assert!(c.explain(&json("{}"), &SavedGroups::new()).is_some());
    assert_eq!(w[0].kind, RuleErrorKind::Invalid);
}

#[test]
fn number_literals_compare_with_to_number() {
    assert!(passes(r#"{"n": 10}"#, r#"{"n": "10"}"#));
    assert!(passes(r#"{"n": 10}"#, r#"{"n": " 1e1 "}"#));
    assert!(passes(r#"{"n": 0}"#, "{}"));
    assert!(passes(r#"{"n": 0}"#, r#"{"n": ""}"#));
    assert!(passes(r#"{"n": 1}"#, r#"{"n": true}"#));
    assert!(!passes(r#"{"n": 10}"#, r#"{"n": "ten"}"#));
}

#[test]
fn string_literals_compare_with_the_javascript_string_form() {
    assert!(passes(r#"{"n": "10"}"#, r#"{"n": 10}"#));
    assert!(passes(r#"{"n": "10"}"#, r#"{"n": 10.0}"#));
    assert!(passes(r#"{"n": "null"}"#, "{}"));
    assert!(passes(r#"{"n": "a,b"}"#, r#"{"n": ["a", "b"]}"#));
    assert!(!passes(r#"{"n": "10.0"}"#, r#"{"n": 10}"#));
}

#[test]
fn eq_is_strict_where_literals_coerce() {
    assert!(!passes(r#"{"n": {"$eq": "10"}}"#, r#"{"n": 10}"#));
    assert!(passes(r#"{"n": {"$eq": 10}}"#, r#"{"n": 10.0}"#));
    assert!(
        !passes(r#"{"n": {"$eq": [1]}}"#, r#"{"n": [1]}"#),
        "arrays compare by reference in JS"
    );
    assert!(passes(r#"{"n": {"$ne": [1]}}"#, r#"{"n": [1]}"#));
}

#[test]
fn boolean_literals_use_truthiness_but_never_match_null() {
    assert!(passes(r#"{"b": false}"#, r#"{"b": 0}"#));
    assert!(passes(r#"{"b": true}"#, r#"{"b": "yes"}"#));
    assert!(!passes(r#"{"b": false}"#, r#"{"b": null}"#));
}

#[test]
fn relational_operators_fail_on_nan_and_compare_strings_by_code_unit() {
    assert!(!passes(r#"{"n": {"$lt": 5}}"#, r#"{"n": "abc"}"#));
    assert!(!passes(r#"{"n": {"$gte": 5}}"#, r#"{"n": "abc"}"#));
    assert!(passes(r#"{"n": {"$lt": "5"}}"#, r#"{"n": "10"}"#));
    assert!(passes(r#"{"n": {"$gt": 0}}"#, r#"{"n": true}"#));
}

#[test]
fn regex_searches_the_string_form_of_any_attribute() {
    assert!(passes(r#"{"n": {"$regex": "^12$"}}"#, r#"{"n": 12}"#));
    assert!(passes(r#"{"n": {"$regex": "^null$"}}"#, "{}"));
    assert!(passes(r#"{"n": {"$regexi": "^FR"}}"#, r#"{"n": "fr-FR"}"#));
}

#[test]
fn elem_match_skips_only_null_elements() {
    assert!(passes(
        r#"{"a": {"$elemMatch": {"$eq": false}}}"#,
        r#"{"a": [false]}"#
    ));
    assert!(passes(
        r#"{"a": {"$elemMatch": {"$eq": 0}}}"#,
        r#"{"a": [null, 0]}"#
    ));
    assert!(!passes(
        r#"{"a": {"$elemMatch": {"$type": "null"}}}"#,
        r#"{"a": [null]}"#
    ));
}

#[test]
fn saved_groups_accept_lists_and_fail_closed_on_malformed_entries() {
    let (c, _) = compile(r#"{"id": {"$inGroup": "g"}}"#);
    let (n, _) = compile(r#"{"id": {"$notInGroup": "g"}}"#);
    let attrs = json(r#"{"id": 2}"#);
    let v2 = json(r#"{"g": {"type": "list", "attributeKey": "id", "values": [1, 2]}}"#);
    assert!(c.eval(&attrs, v2.as_object().expect("object")));
    let bad = json(r#"{"g": {"type": "condition", "condition": {}}}"#);
    assert!(!c.eval(&attrs, bad.as_object().expect("object")));
    assert!(!n.eval(&attrs, bad.as_object().expect("object")));
}

#[test]
fn empty_nor_fails_and_empty_or_passes() {
    assert!(!passes(r#"{"$nor": []}"#, "{}"));
    assert!(passes(r#"{"$or": []}"#, "{}"));
}

#[test]
fn array_length_is_reachable_by_path() {
    assert!(passes(
        r#"{"cart.items.length": {"$gte": 2}}"#,
        r#"{"cart": {"items": [1, 2]}}"#
    ));
}

#[test]
fn a_missing_version_is_zero_and_passes_vlt() {
    assert!(passes(r#"{"app.version": {"$vlt": "1.0.0"}}"#, "{}"));
    assert!(passes(r#"{"v": {"$vgt": "1.9.0"}}"#, r#"{"v": 2}"#));
}

#[test]
fn always_passes_and_eval_condition_compiles_on_the_fly() {
    assert!(Condition::always().eval(&Value::Null, &SavedGroups::new()));
    let cond = json(r#"{"a": {"$exists": true}}"#);
    assert!(eval_condition(
        &json(r#"{"a": 0}"#),
        &cond,
        &SavedGroups::new(),
        &EcmaRegex
    ));
}

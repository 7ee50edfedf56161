//! GrowthBook's cross-SDK vectors (`shared/conformance/growthbook-cases.json`):
//! every `evalCondition` and `hash` case, labelled by index, no skip list.

use parcours_engine::condition::{Condition, SavedGroups};
use parcours_engine::hash::hash;
use parcours_engine::regex::EcmaRegex;
use parcours_engine::value::Value;

const CASES: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/conformance/growthbook-cases.json"
));

/// The array under `section`.
fn section(name: &str) -> Vec<Value> {
    let all: Value = serde_json::from_str(CASES).expect("growthbook-cases.json is valid JSON");
    match all.get(name) {
        Some(Value::Array(cases)) => cases.clone(),
        other => panic!("section `{name}` is not an array: {other:?}"),
    }
}

/// Element `i` of a tuple.
fn at(case: &Value, i: usize) -> &Value {
    case.as_array()
        .and_then(|t| t.get(i))
        .unwrap_or(&Value::Null)
}

/// Fails with every failing label, or passes.
fn report(section: &str, total: usize, failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{} of {total} {section} cases fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_eval_condition_case_passes() {
    let cases = section("evalCondition");
    assert_eq!(cases.len(), 248, "the evalCondition section is complete");
    let mut failures = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let name = at(case, 0).as_str().unwrap_or("?");
        let (cond, attrs) = (at(case, 1), at(case, 2));
        let expected = at(case, 3).as_bool().expect("expected is a boolean");
        let groups: SavedGroups = at(case, 4).as_object().cloned().unwrap_or_default();
        let compiled = Condition::compile(cond, "$", &EcmaRegex, &mut Vec::new());
        let got = compiled.eval(attrs, &groups);
        let explained = compiled.explain(attrs, &groups);
        if got != expected {
            failures.push(format!(
                "evalCondition[{i}] {name:?}: expected {expected}, got {got}"
            ));
        } else if explained.is_none() != got {
            failures.push(format!(
                "evalCondition[{i}] {name:?}: explain disagrees: {explained:?}"
            ));
        }
    }
    report("evalCondition", cases.len(), &failures);
}

#[test]
fn every_hash_case_passes() {
    let cases = section("hash");
    assert_eq!(cases.len(), 15, "the hash section is complete");
    let mut failures = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let seed = at(case, 0).as_str().expect("seed is a string");
        let value = at(case, 1).as_str().expect("value is a string");
        let version = at(case, 2).as_f64().expect("version is a number");
        let expected = at(case, 3).as_f64();
        // Versions in the file are small integers; anything else is unknown.
        let got = u32::try_from(version as i64)
            .ok()
            .and_then(|v| hash(seed, value, v));
        if got != expected {
            failures.push(format!(
                "hash[{i}] ({seed:?}, {value:?}, v{version}): expected {expected:?}, got {got:?}"
            ));
        }
    }
    report("hash", cases.len(), &failures);
}

#[test]
fn invalid_vectors_warn_with_their_paths() {
    let cases = section("evalCondition");
    let warnings_of = |i: usize| {
        let mut w = Vec::new();
        Condition::compile(at(&cases[i], 1), "$.condition", &EcmaRegex, &mut w);
        w.into_iter().map(|e| (e.path, e.kind)).collect::<Vec<_>>()
    };
    use parcours_engine::RuleErrorKind::{InvalidRegex, UnknownOperator};
    assert_eq!(
        warnings_of(93),
        [("$.condition.name.$regx".to_owned(), UnknownOperator)]
    );
    assert_eq!(
        warnings_of(94),
        [("$.condition.name.$regex".to_owned(), InvalidRegex)]
    );
}

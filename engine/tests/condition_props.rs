//! Property tests: compiling, evaluating and explaining any JSON-like
//! condition on any attributes never panics, and `explain` is `None`
//! exactly when `eval` passes.

use parcours_engine::condition::{Condition, SavedGroups};
use parcours_engine::regex::EcmaRegex;
use parcours_engine::value::{Map, Value};
use proptest::prelude::*;

/// Every operator GrowthBook knows, the logic ones, and a few near misses.
const OPERATORS: &[&str] = &[
    "$and",
    "$or",
    "$nor",
    "$not",
    "$eq",
    "$ne",
    "$lt",
    "$lte",
    "$gt",
    "$gte",
    "$exists",
    "$in",
    "$nin",
    "$ini",
    "$nini",
    "$all",
    "$alli",
    "$inGroup",
    "$notInGroup",
    "$elemMatch",
    "$size",
    "$regex",
    "$regexi",
    "$type",
    "$veq",
    "$vne",
    "$vgt",
    "$vgte",
    "$vlt",
    "$vlte",
    "$regx",
    "$savedGroup",
    "$groups",
];

/// Attribute names and paths, including array steps.
const KEYS: &[&str] = &[
    "a",
    "b",
    "a.b",
    "tags",
    "tags.0",
    "tags.length",
    "0",
    "",
    "a..b",
];

/// Strings that exercise coercions, versions, regexes and saved-group ids.
const STRINGS: &[&str] = &[
    "",
    "a",
    "A",
    "10",
    " 1e1 ",
    "abc",
    "null",
    "true",
    "1.2.3",
    "v1.2.3-beta+x",
    "1-2-3",
    "^a",
    "(",
    "[",
    "a{",
    "\\",
    "g",
    "string",
    "number",
    "array",
    "object",
    "É",
    "😀",
    "\u{FF5E}",
];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        prop_oneof![
            (-5i32..20).prop_map(|n| Value::Number(f64::from(n))),
            any::<f64>().prop_map(Value::Number),
            Just(Value::Number(-0.0)),
        ],
        prop_oneof![
            prop::sample::select(STRINGS).prop_map(Value::from),
            ".{0,6}".prop_map(Value::String),
        ],
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(OPERATORS).prop_map(str::to_owned),
        prop::sample::select(KEYS).prop_map(str::to_owned),
        "[$a-c]{0,3}",
    ]
}

/// JSON-like trees, objects keyed mostly by real operators and paths.
fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(5, 48, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(key(), inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn groups() -> impl Strategy<Value = SavedGroups> {
    prop::collection::btree_map(
        prop::sample::select(STRINGS).prop_map(str::to_owned),
        value(),
        0..3,
    )
    .prop_map(|m| m.into_iter().collect::<Map>())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn compiling_evaluating_and_explaining_never_panic(
        cond in value(),
        attrs in value(),
        groups in groups(),
    ) {
        let mut warnings = Vec::new();
        let c = Condition::compile(&cond, "$", &EcmaRegex, &mut warnings);
        let passed = c.eval(&attrs, &groups);
        let failure = c.explain(&attrs, &groups);
        prop_assert_eq!(failure.is_none(), passed, "explain: {:?}", failure);
        prop_assert!(warnings.iter().all(|w| w.path.starts_with('$')));
    }

    #[test]
    fn conditions_are_tested_on_their_own_attributes_too(cond in value(), groups in groups()) {
        // Conditions read as attributes reach deeper paths than random attributes.
        let c = Condition::compile(&cond, "$", &EcmaRegex, &mut Vec::new());
        let passed = c.eval(&cond, &groups);
        prop_assert_eq!(c.explain(&cond, &groups).is_none(), passed);
    }
}

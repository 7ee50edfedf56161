//! `json::parse` against serde_json on generated documents: the same value
//! for every text serde_json writes, compact or pretty.

use parcours_engine::{json, Value};
use proptest::prelude::*;

fn doc() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::Bool),
        any::<i64>().prop_map(|n| n.into()),
        any::<f64>()
            .prop_filter("finite", |n| n.is_finite())
            .prop_map(|n| n.into()),
        any::<String>().prop_map(serde_json::Value::String),
        "[a-z\"\\\\/\n\t\u{1}-\u{1f}é😀]{0,12}".prop_map(serde_json::Value::String),
    ];
    leaf.prop_recursive(6, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(serde_json::Value::Array),
            prop::collection::vec(("[a-z\"é]{0,6}", inner), 0..8)
                .prop_map(|kv| serde_json::Value::Object(kv.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn reads_what_serde_json_writes(d in doc()) {
        for text in [serde_json::to_string(&d).unwrap(), serde_json::to_string_pretty(&d).unwrap()] {
            // From the value, not the text: serde_json's own float parsing
            // is not exact by default.
            let expected: Value = serde_json::from_value(d.clone()).unwrap();
            prop_assert_eq!(json::parse(&text), Ok(expected), "{}", text);
        }
    }

    #[test]
    fn never_panics_and_agrees_on_what_is_json(text in "[\\[\\]{}\",:0-9.eE+\\-a-z\\\\ ]{0,24}") {
        let ours = json::parse(&text);
        let theirs = serde_json::from_str::<serde_json::Value>(&text);
        prop_assert_eq!(ours.is_ok(), theirs.is_ok(), "{}: {:?}", text, ours);
    }
}

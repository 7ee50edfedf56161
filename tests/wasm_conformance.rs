#![cfg(target_arch = "wasm32")]
//! Every GrowthBook conformance vector, run in the wasm build in Chromium:
//! the 248 `evalCondition` cases through the exported `evalCondition` (the
//! function the page gets, with the page's own `RegExp`), and the 15 `hash`
//! cases through the engine's `hash`.

use js_sys::{Array, Reflect, JSON};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const CASES: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shared/conformance/growthbook-cases.json"
));

fn section(name: &str) -> Array {
    let doc = JSON::parse(CASES).expect("growthbook-cases.json is JSON");
    Array::from(&Reflect::get(&doc, &name.into()).expect("section present"))
}

fn label(section: &str, i: u32, name: &JsValue) -> String {
    let n = JSON::stringify(name)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_default();
    format!("{section}[{i}] {n}")
}

#[wasm_bindgen_test]
fn every_eval_condition_vector_passes_in_the_browser() {
    let cases = section("evalCondition");
    assert_eq!(cases.length(), 248, "evalCondition case count");
    let mut failures = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let t = Array::from(&case);
        let (name, cond, attrs, expected, groups) =
            (t.get(0), t.get(1), t.get(2), t.get(3), t.get(4));
        let got = parcours::tools::eval_condition(cond, attrs, groups);
        if Some(got) != expected.as_bool() {
            failures.push(format!(
                "{} expected {:?}, got {got}",
                label("evalCondition", i as u32, &name),
                expected.as_bool()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of 248 failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[wasm_bindgen_test]
fn every_hash_vector_passes_in_the_browser() {
    let cases = section("hash");
    assert_eq!(cases.length(), 15, "hash case count");
    let mut failures = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let t = Array::from(&case);
        let seed = t.get(0).as_string().unwrap_or_default();
        let value = t.get(1).as_string().unwrap_or_default();
        let version = t.get(2).as_f64().unwrap_or(0.0) as u32;
        let expected = t.get(3).as_f64();
        let got = parcours_engine::hash::hash(&seed, &value, version);
        if got != expected {
            failures.push(format!(
                "hash[{i}] ({seed:?}, {value:?}, v{version}) expected {expected:?}, got {got:?}"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of 15 failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

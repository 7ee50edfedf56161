//! The full example of `docs/rules.md` (and the demo's rules) must load
//! without errors, so the documentation cannot rot.

use parcours_engine::regex::EcmaRegex;
use parcours_engine::{Engine, Value};

fn load(text: &str, what: &str) -> Engine {
    let doc: Value =
        serde_json::from_str(text).unwrap_or_else(|e| panic!("{what} is not JSON: {e}"));
    Engine::from_rules(&doc, &EcmaRegex).unwrap_or_else(|errs| {
        let list: Vec<String> = errs.iter().map(ToString::to_string).collect();
        panic!("{what} is rejected:\n{}", list.join("\n"))
    })
}

/// The first ```json block after the `## Full example` heading.
fn full_example(md: &str) -> Option<&str> {
    let after = &md[md.find("## Full example")?..];
    let start = after.find("```json\n")? + "```json\n".len();
    let len = after[start..].find("\n```")?;
    Some(&after[start..start + len])
}

#[test]
fn the_documented_full_example_loads_without_errors_or_warnings() {
    let md = include_str!("../../docs/rules.md");
    let json = full_example(md).expect("docs/rules.md has a ```json block under ## Full example");
    let e = load(json, "the docs/rules.md example");
    let warnings: Vec<String> = e.warnings().iter().map(ToString::to_string).collect();
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(e.version(), "2026-11-24T10:00:00Z#17");
    assert_eq!(e.rules().campaigns.len(), 6);
}

#[test]
fn the_demo_rules_load_without_errors() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../demo/rules.json");
    if let Ok(text) = std::fs::read_to_string(path) {
        load(&text, "demo/rules.json");
    }
}

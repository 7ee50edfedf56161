//! Repository checks that `cargo test` enforces (the rust-analyzer habit).

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[test]
fn readme_shows_the_two_setup_commands_and_ci_runs_the_test_one() {
    let readme = read("README.md");
    assert!(
        readme.contains("cargo xtask demo"),
        "README must show `cargo xtask demo`"
    );
    assert!(
        readme.contains("cargo xtask test"),
        "README must show `cargo xtask test`"
    );
    let ci = read(".ci/run");
    assert!(
        ci.contains("set -euo pipefail") && ci.contains("cargo xtask test"),
        ".ci/run must call `cargo xtask test` strictly"
    );
}

#[test]
fn wasm_bindgen_is_pinned_to_the_locked_version() {
    // The CLI is installed at the Cargo.lock version; the crate must not drift from it.
    let manifest = read("Cargo.toml");
    let lock = read("Cargo.lock");
    let locked = lock
        .split("[[package]]")
        .find(|p| p.contains("name = \"wasm-bindgen\"\n"))
        .and_then(|p| p.split("version = \"").nth(1))
        .and_then(|v| v.split('"').next())
        .expect("wasm-bindgen in Cargo.lock");
    assert!(
        manifest.contains(&format!("wasm-bindgen = \"={locked}\"")),
        "pin wasm-bindgen = \"={locked}\" in Cargo.toml"
    );
}

#[test]
fn every_engine_module_starts_with_a_doc_comment() {
    let mut missing = Vec::new();
    let mut stack = vec![root().join("engine/src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("tests.rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                if !text.trim_start().starts_with("//!") {
                    missing.push(path.strip_prefix(root()).unwrap().display().to_string());
                }
            }
        }
    }
    assert!(
        missing.is_empty(),
        "modules without a `//!` doc: {missing:?}"
    );
}

#[test]
fn the_engine_has_no_web_dependency() {
    let manifest = read("engine/Cargo.toml");
    for web in ["wasm-bindgen", "web-sys", "js-sys", "gloo"] {
        assert!(
            !manifest.contains(web),
            "engine/ must stay pure: it depends on {web}"
        );
    }
}

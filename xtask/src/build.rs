//! `cargo xtask build`: the browser SDK into `pkg/`.
//!
//! `pkg/parcours.js` is a classic script (the script tag is `async`, not a
//! module): wasm-bindgen's `no-modules` output and `src/loader.js`, wrapped in
//! one function scope so nothing leaks into the host page's globals.
//! `pkg/parcours_bg.wasm` sits next to it.

use crate::install;
use crate::util::{cargo, exec, root, which, Result};
use std::path::PathBuf;
use std::process::Command;

/// Builds `pkg/` and prints its size.
pub fn run() -> Result {
    build()?;
    crate::size::run().map(|_| ())
}

/// Builds `pkg/`.
pub fn build() -> Result {
    install::wasm_target()?;
    install::wasm_bindgen_cli()?;
    exec(cargo().args([
        "build",
        "-p",
        "parcours",
        "--lib",
        "--target",
        "wasm32-unknown-unknown",
        "--release",
    ]))?;

    let pkg = root().join("pkg");
    let wasm = target_dir().join("wasm32-unknown-unknown/release/parcours.wasm");
    let bindgen = which("wasm-bindgen").ok_or("wasm-bindgen is not installed")?;
    exec(
        Command::new(bindgen)
            .arg(&wasm)
            .args(["--out-dir"])
            .arg(&pkg)
            .args([
                "--target",
                "no-modules",
                "--out-name",
                "parcours",
                "--no-typescript",
            ]),
    )?;

    optimise(&pkg.join("parcours_bg.wasm"))?;
    wrap_script(&pkg.join("parcours.js"))
}

/// Where cargo puts build output.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
}

/// `wasm-opt -Oz` (binaryen from npm): shrinks and speeds up the module.
fn optimise(wasm: &std::path::Path) -> Result {
    let wasm_opt = install::wasm_opt()?;
    let features = [
        "--enable-bulk-memory",
        "--enable-sign-ext",
        "--enable-nontrapping-float-to-int",
        "--enable-mutable-globals",
        "--enable-reference-types",
        "--enable-multivalue",
    ];
    exec(
        Command::new("node")
            .arg(wasm_opt)
            .arg("-Oz")
            .args(features)
            .arg(wasm)
            .arg("-o")
            .arg(wasm),
    )
}

/// Wraps wasm-bindgen's script and the loader in one function scope.
fn wrap_script(js: &std::path::Path) -> Result {
    let glue =
        std::fs::read_to_string(js).map_err(|e| format!("cannot read {}: {e}", js.display()))?;
    let loader_path = root().join("src/loader.js");
    let loader = std::fs::read_to_string(&loader_path)
        .map_err(|e| format!("cannot read {}: {e}", loader_path.display()))?;
    let version = env!("CARGO_PKG_VERSION");
    let script = format!(
        "/*! Parcours {version} */\n(function(){{\"use strict\";var __parcoursScript=document.currentScript;\n{glue}\n{loader}\n}})();\n"
    );
    std::fs::write(js, script).map_err(|e| format!("cannot write {}: {e}", js.display()))
}

//! `cargo xtask build`: the browser SDK into `pkg/` (and the studio, see
//! `studio.rs`).
//!
//! `pkg/parcours.js` is a classic script (the script tag is `async`, not a
//! module): wasm-bindgen's `no-modules` output and `src/loader.js`, wrapped in
//! one function scope so nothing leaks into the host page's globals.
//! `pkg/parcours_bg.wasm` sits next to it.
//!
//! `pkg/tools/` is the tools build (cargo profile `tools`, built for speed:
//! `--no-default-features --features tools`,
//! wasm-bindgen's `web` target, an ES module): `Engine`, `evalCondition`,
//! `explain`, loaded on demand by `parcours.tools()` / `parcours.explain()`
//! and exported as `parcours/tools`. `pkg/openfeature.js` is the OpenFeature
//! web provider (`src/openfeature.js`, a hand-written ES module, copied as
//! it is), exported as `parcours/openfeature`. `pkg/` is also the npm package
//! (`src/npm/`), and `pkg/integrity.json` holds every file's SRI hash.

use crate::install;
use crate::util::{cargo, exec, root, which, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Builds `pkg/` and prints its size. `--profiling`: the wasm keeps its
/// name section, so a browser CPU profile names Rust functions (the
/// module is larger: do not ship it, nor quote its size).
pub fn run(args: &[String]) -> Result {
    match args {
        [] => build()?,
        [flag] if flag == "--profiling" => build_with(true)?,
        _ => return Err(format!("unknown arguments {args:?} (build [--profiling])")),
    }
    crate::size::run().map(|_| ())
}

/// Builds `pkg/`: the site build, the tools build, the npm package files
/// and their SRI hashes; then the studio (`crate::studio`).
pub fn build() -> Result {
    build_with(false)
}

fn build_with(names: bool) -> Result {
    install::wasm_target()?;
    install::wasm_bindgen_cli()?;
    let pkg = root().join("pkg");
    let tools = pkg.join("tools");
    cargo_wasm("release", &[])?;
    bindgen("release", &pkg, "no-modules", "parcours")?;
    optimise(&pkg.join("parcours_bg.wasm"), "-Oz", names)?;

    cargo_wasm("tools", &["--no-default-features", "--features", "tools"])?;
    bindgen("tools", &tools, "web", "parcours_tools")?;
    optimise(&tools.join("parcours_tools_bg.wasm"), "-O3", names)?;
    minify(&tools.join("parcours_tools.js"), "esm")?;

    // Last: the loader names the files above by their content hash.
    wrap_script(&pkg.join("parcours.js"), &files_version(&pkg)?)?;
    minify(&pkg.join("parcours.js"), "iife")?;
    npm_files(&pkg)?;
    crate::integrity::write(&pkg)?;
    crate::studio::build()
}

/// The wasm under cargo's `profile` (`release`: the site build, tuned for
/// size; `tools`: the tools module, for speed).
fn cargo_wasm(profile: &str, features: &[&str]) -> Result {
    exec(
        cargo()
            .args([
                "build",
                "-p",
                "parcours",
                "--lib",
                "--target",
                "wasm32-unknown-unknown",
                "--profile",
                profile,
            ])
            .args(features),
    )
}

fn bindgen(profile: &str, out_dir: &Path, target: &str, name: &str) -> Result {
    let wasm = target_dir().join(format!("wasm32-unknown-unknown/{profile}/parcours.wasm"));
    let bindgen = which("wasm-bindgen").ok_or("wasm-bindgen is not installed")?;
    exec(
        Command::new(bindgen)
            .arg(&wasm)
            .arg("--out-dir")
            .arg(out_dir)
            .args(["--target", target, "--out-name", name, "--no-typescript"]),
    )
}

/// The npm package's own files (`src/npm/`): `package.json` at this
/// version, `load()` with the SRI hash of `parcours.js`, `parcours/tools`,
/// the TypeScript declarations, and the OpenFeature provider
/// (`src/openfeature.js`).
fn npm_files(pkg: &Path) -> Result {
    let provider = pkg.join("openfeature.js");
    std::fs::copy(root().join("src/openfeature.js"), &provider)
        .map_err(|e| format!("cannot write {}: {e}", provider.display()))?;
    let src = root().join("src/npm");
    let sri = crate::integrity::sri(&read(&pkg.join("parcours.js"))?)?;
    for file in [
        "package.json",
        "index.js",
        "index.d.ts",
        "tools/index.js",
        "tools/index.d.ts",
        "openfeature.d.ts",
    ] {
        let text = String::from_utf8_lossy(&read(&src.join(file))?)
            .replace("__VERSION__", env!("CARGO_PKG_VERSION"))
            .replace("__PARCOURS_SRI__", &sri);
        let out = pkg.join(file);
        std::fs::write(&out, text).map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    }
    Ok(())
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// Where cargo puts build output.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
}

/// `wasm-opt` (binaryen from npm) at `level` (`-Oz` shrinks, `-O3`
/// speeds up); with `names`, the name section is kept (`-g`).
fn optimise(wasm: &Path, level: &str, names: bool) -> Result {
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
            .arg(level)
            .args(names.then_some("-g"))
            .args(features)
            .arg(wasm)
            .arg("-o")
            .arg(wasm),
    )
}

/// Wraps wasm-bindgen's script and the loader in one function scope.
/// esbuild's minifier on a script in place (`format`: `iife` keeps a classic
/// script's scope, `esm` an ES module's exports): about a third of the glue
/// in brotli. The `/*! … */` banner stays.
fn minify(js: &Path, format: &str) -> Result {
    install::node_modules()?;
    exec(
        Command::new(root().join("node_modules/esbuild/bin/esbuild"))
            .arg(js)
            .args(["--minify", "--allow-overwrite", "--log-level=warning"])
            .arg(format!("--format={format}"))
            .arg(format!("--outfile={}", js.display())),
    )
}

/// The files the loader fetches (`parcours_bg.wasm` and the tools
/// module), named by one hash of their content: the loader asks for
/// `parcours_bg.wasm?v=<it>`, which the server lets the browser keep
/// without revalidating (see `server/src/routes/mod.rs`), so a returning
/// visitor's page fetches no wasm, and a new build is a new URL.
fn files_version(pkg: &Path) -> Result<String> {
    let mut all = Vec::new();
    for f in [
        "parcours_bg.wasm",
        "tools/parcours_tools.js",
        "tools/parcours_tools_bg.wasm",
    ] {
        all.extend(read(&pkg.join(f))?);
    }
    let sri = crate::integrity::sri(&all)?;
    let b64 = sri.strip_prefix("sha384-").unwrap_or(&sri);
    Ok(b64
        .chars()
        .take(16)
        .map(|c| match c {
            '+' => '-',
            '/' => '_',
            c => c,
        })
        .collect())
}

fn wrap_script(js: &Path, files_version: &str) -> Result {
    let glue =
        std::fs::read_to_string(js).map_err(|e| format!("cannot read {}: {e}", js.display()))?;
    let loader_path = root().join("src/loader.js");
    let loader = std::fs::read_to_string(&loader_path)
        .map_err(|e| format!("cannot read {}: {e}", loader_path.display()))?
        .replace("__PARCOURS_FILES_VERSION__", files_version);
    let version = env!("CARGO_PKG_VERSION");
    let script = format!(
        "/*! Parcours {version} */\n(function(){{\"use strict\";var __parcoursScript=document.currentScript;\n{glue}\n{loader}\n}})();\n"
    );
    std::fs::write(js, script).map_err(|e| format!("cannot write {}: {e}", js.display()))
}

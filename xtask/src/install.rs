//! Installing what the tasks need, only when it is missing.

use crate::util::{cargo, exec, output, root, which, Result};
use std::process::Command;

/// The `wasm32-unknown-unknown` target, through rustup.
pub fn wasm_target() -> Result {
    let installed =
        output(Command::new("rustup").args(["target", "list", "--installed"])).unwrap_or_default();
    if installed
        .lines()
        .any(|l| l.trim() == "wasm32-unknown-unknown")
    {
        return Ok(());
    }
    exec(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))
}

/// The wasm-bindgen version locked in Cargo.lock.
pub fn locked_wasm_bindgen_version() -> Result<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock"))
        .map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\"" {
            if let Some(v) = lines.next().and_then(|l| l.strip_prefix("version = \"")) {
                return Ok(v.trim_end_matches('"').to_string());
            }
        }
    }
    Err("wasm-bindgen is not in Cargo.lock".into())
}

/// `wasm-bindgen` and `wasm-bindgen-test-runner` at exactly the locked version.
/// (`--locked` is not used: one of the CLI's locked dependencies is not on the registry.)
pub fn wasm_bindgen_cli() -> Result {
    let want = locked_wasm_bindgen_version()?;
    let have = which("wasm-bindgen")
        .and_then(|p| output(Command::new(p).arg("--version")))
        .unwrap_or_default();
    if have.split_whitespace().nth(1) == Some(want.as_str())
        && which("wasm-bindgen-test-runner").is_some()
    {
        return Ok(());
    }
    exec(cargo().args(["install", "wasm-bindgen-cli", "--version", &want]))
}

/// Debian packages, installed with apt-get when their command is missing.
/// `packages` pairs a command with the package that provides it.
pub fn apt(packages: &[(&str, &str)]) -> Result {
    let missing: Vec<&str> = packages
        .iter()
        .filter(|(cmd, _)| which(cmd).is_none())
        .map(|(_, pkg)| *pkg)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    if which("apt-get").is_none() {
        return Err(format!(
            "please install {} (no apt-get here)",
            missing.join(", ")
        ));
    }
    let sudo = !is_root() && which("sudo").is_some();
    let apt_get = |args: &[&str]| {
        let mut c = if sudo {
            Command::new("sudo")
        } else {
            Command::new("apt-get")
        };
        if sudo {
            c.arg("apt-get");
        }
        c.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        c
    };
    exec(&mut apt_get(&["update", "-qq"]))?;
    let mut args = vec!["install", "-y", "-qq", "--no-install-recommends"];
    args.extend(&missing);
    exec(&mut apt_get(&args))
}

fn is_root() -> bool {
    output(Command::new("id").arg("-u")).is_some_and(|s| s.trim() == "0")
}

/// Headless Chromium and its WebDriver, for in-browser and end-to-end tests.
pub fn chromium() -> Result {
    apt(&[
        ("chromium", "chromium"),
        ("chromedriver", "chromium-driver"),
    ])
}

/// The project's npm tools (root `package.json`, pinned by `package-lock.json`):
/// binaryen's `wasm-opt` for the build, playwright-core for the e2e tests,
/// esbuild for the npm package's bundling test, `@openfeature/web-sdk` (and
/// its peer `@openfeature/core`) for the OpenFeature provider's test, and
/// selenium-webdriver for the WebDriver delivery suite.
/// Debian's binaryen (108) is too old: its output fails to instantiate.
pub fn node_modules() -> Result {
    let root = root();
    let installed = [
        "@codemirror/lang-json",
        "codemirror",
        "@openfeature/core",
        "@openfeature/web-sdk",
        "axe-core",
        "binaryen",
        "esbuild",
        "playwright-core",
        "selenium-webdriver",
    ]
    .iter()
    .all(|p| {
        root.join("node_modules")
            .join(p)
            .join("package.json")
            .exists()
    });
    if installed {
        return Ok(());
    }
    which("npm")
        .ok_or("npm is needed (binaryen's wasm-opt and the end-to-end tests come from npm)")?;
    exec(
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(root),
    )
}

/// The path of binaryen's `wasm-opt` script from npm.
pub fn wasm_opt() -> Result<std::path::PathBuf> {
    node_modules()?;
    Ok(root().join("node_modules/binaryen/bin/wasm-opt"))
}

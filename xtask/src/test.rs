//! `cargo xtask test`: every test, in order of speed.
//! 1. native: `cargo test --workspace` (engine, server, xtask, shared vectors);
//! 2. in-browser: wasm-bindgen-test in headless Chromium (shared vectors again, SDK);
//! 3. end-to-end: the built SDK in Chromium against the real server (Node's test runner + playwright-core).

use crate::util::{cargo, exec, root, which, Result};
use crate::{build, install};
use std::process::Command;

/// Installs what is missing, then runs the three suites.
pub fn run() -> Result {
    install::wasm_target()?;
    install::wasm_bindgen_cli()?;
    install::chromium()?;
    install::node_modules()?;

    exec(cargo().args(["test", "--workspace"]))?;

    let chromedriver = which("chromedriver").ok_or("chromedriver is not installed")?;
    exec(
        cargo()
            .args([
                "test",
                "-p",
                "parcours",
                "--target",
                "wasm32-unknown-unknown",
            ])
            .env("CHROMEDRIVER", chromedriver)
            .env("WASM_BINDGEN_TEST_TIMEOUT", "180"),
    )?;

    build::build()?;
    // `cargo test --workspace` built the server binary for its own CLI tests.
    let server = build::target_dir().join("debug/parcours-server");
    if !server.exists() {
        exec(cargo().args(["build", "-p", "parcours-server"]))?;
    }
    exec(
        Command::new("node")
            .args(["--test", "--test-concurrency=1", "tests/e2e/"])
            .current_dir(root())
            .env("PARCOURS_SERVER_BIN", server)
            .env(
                "CHROMIUM_BIN",
                which("chromium").ok_or("chromium is not installed")?,
            ),
    )?;
    println!("xtask test: native, in-browser and end-to-end suites passed");
    Ok(())
}

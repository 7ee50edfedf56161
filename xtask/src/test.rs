//! `cargo xtask test`: every test, in order of speed.
//! 1. native: `cargo test --workspace` (engine, server, xtask, shared vectors);
//! 2. in-browser: wasm-bindgen-test in headless Chromium (shared vectors again, SDK);
//! 3. end-to-end: the built SDK in Chromium against the real server (Node's test runner + playwright-core),
//!    the tools module, the studio, and `pkg/` as an npm package (packed, installed offline, bundled by esbuild);
//!    the studio's pure modules under Node;
//! 4. real Node clients (RudderStack's and Segment's) against the server;
//! 5. delivery over W3C WebDriver in Chromium, Firefox ESR and WebKitGTK (selenium-webdriver).

use crate::util::{cargo, exec, root, which, Result};
use crate::{browsers, build, install};
use std::process::Command;

/// Installs what is missing, then runs the three suites.
pub fn run() -> Result {
    install::wasm_target()?;
    install::wasm_bindgen_cli()?;
    install::chromium()?;
    install::node_modules()?;
    browsers::firefox()?;
    browsers::webkit()?;
    browsers::geckodriver()?;

    // The storage tests also run against a throw-away PostgreSQL when it can be had.
    let pg = crate::postgres::Throwaway::start()
        .map_err(|e| eprintln!("xtask: no PostgreSQL ({e}): its storage tests will skip"))
        .ok();
    let mut native = cargo();
    native.args(["test", "--workspace"]);
    if let Some(pg) = &pg {
        native.env(crate::postgres::ENV, &pg.url);
    }
    exec(&mut native)?;
    drop(pg);

    let chromedriver = which("chromedriver").ok_or("chromedriver is not installed")?;
    exec(
        cargo()
            .args([
                "test",
                "-p",
                "parcours",
                "--target",
                "wasm32-unknown-unknown",
                // The site and the tools exports together (conformance goes through `evalCondition`).
                "--features",
                "tools",
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
            .env("PARCOURS_SERVER_BIN", &server)
            .env(
                "CHROMIUM_BIN",
                which("chromium").ok_or("chromium is not installed")?,
            ),
    )?;
    // The studio's pure modules (JSON path locator, diff, simulator).
    exec(
        Command::new("node")
            .args(["--test", "studio/test/"])
            .current_dir(root()),
    )?;
    // Real Segment-compatible Node clients (RudderStack's, Segment's) against the server.
    exec(
        Command::new("node")
            .args(["--test", "tests/clients/"])
            .current_dir(root())
            .env("PARCOURS_SERVER_BIN", &server),
    )?;
    browsers::run_suite(&server)?;
    println!("xtask test: native, in-browser, end-to-end and cross-browser suites passed");
    Ok(())
}

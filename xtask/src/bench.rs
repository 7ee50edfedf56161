//! `cargo xtask bench`: the engine's criterion benchmarks, the size of pkg/,
//! and the in-browser benchmark of `parcours.track()` (bench/browser/).
//! Figures are measured here, never written in by hand; compare ratios from one run.

use crate::util::{cargo, exec, root, which, Result};
use crate::{build, install};
use std::process::Command;

/// Runs every benchmark that exists today.
pub fn run() -> Result {
    println!("Benchmarks: engine (criterion): `condition` (GrowthBook conditions over the shared workload) and `decide` (200 campaigns / 200 segments / 50 computed traits / 5,000 events); pkg/ size report; in the browser: one `parcours.track()` on the demo shop (bench/browser/track.mjs → target/bench/track.json) and segmenting against GrowthBook's evalCondition in one page (bench/browser/segment.mjs → target/bench/segment.json).");
    println!("The peer comparison comes with the benchmark issue.");
    exec(cargo().args(["bench", "-p", "parcours-engine"]))?;
    build::build()?;
    crate::size::run()?;
    browser()?;
    segment()
}

/// `bench/browser/segment.mjs`: `Engine.segments` against GrowthBook's
/// `evalCondition` in one cross-origin-isolated page; fails when they disagree.
fn segment() -> Result {
    exec(
        Command::new("node")
            .arg("bench/browser/segment.mjs")
            .current_dir(root())
            .env(
                "CHROMIUM_BIN",
                which("chromium").ok_or("chromium is not installed")?,
            )
            .env("BENCH_OUT", build::target_dir().join("bench/segment.json")),
    )
}

/// `bench/browser/track.mjs`: the built SDK in headless Chromium against the
/// real server (debug build, as the end-to-end tests use it).
fn browser() -> Result {
    install::chromium()?;
    install::node_modules()?;
    // A no-op when the binary is up to date; never benchmark a stale server.
    exec(cargo().args(["build", "-p", "parcours-server"]))?;
    let server = build::target_dir().join("debug/parcours-server");
    exec(
        Command::new("node")
            .arg("bench/browser/track.mjs")
            .current_dir(root())
            .env("PARCOURS_SERVER_BIN", server)
            .env(
                "CHROMIUM_BIN",
                which("chromium").ok_or("chromium is not installed")?,
            )
            .env("BENCH_OUT", build::target_dir().join("bench/track.json")),
    )
}

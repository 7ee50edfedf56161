//! `cargo xtask bench`: the engine's criterion benchmarks, the size of pkg/,
//! the in-browser benchmark of `parcours.track()` (bench/browser/), and the
//! comparison with the peers: size and cold start (bench/peers/).
//! Figures are measured here, never written in by hand; compare ratios from one run.

use crate::util::{cargo, exec, root, which, Result};
use crate::{build, install};
use std::process::Command;

/// Runs every benchmark that exists today; `bench peers` runs only the peer comparison.
pub fn run(args: &[String]) -> Result {
    match args.first().map(String::as_str) {
        None => {}
        Some("peers") => {
            if !root().join("pkg/parcours.js").exists() {
                build::build()?;
            }
            return peers();
        }
        Some("load") => return load(&args[1..]),
        Some("reports") => return reports(&args[1..]),
        Some(other) => {
            return Err(format!(
                "unknown bench `{other}` (try `cargo xtask bench`, `bench peers`, `bench load` or `bench reports`)"
            ))
        }
    }
    println!("Benchmarks: engine (criterion): `condition` (GrowthBook conditions over the shared workload) and `decide` (200 campaigns / 200 segments / 50 computed traits / 5,000 events); pkg/ size report; in the browser: one `parcours.track()` on the demo shop (bench/browser/track.mjs → target/bench/track.json) and segmenting against GrowthBook's evalCondition in one page (bench/browser/segment.mjs → target/bench/segment.json); the peers: size and cold start next to GrowthBook, Segment, Snowplow, PostHog and Braze (bench/peers/run.mjs → target/bench/peers.json).");
    exec(cargo().args(["bench", "-p", "parcours-engine"]))?;
    build::build()?;
    crate::size::run()?;
    browser()?;
    segment()?;
    peers()
}

/// `bench/load` (`parcours-load`): events/s the server stores, p50/p99, and
/// the raw insert rate, for SQLite NORMAL, SQLite FULL and a throw-away
/// PostgreSQL; the server built with the `bench-server` profile. Extra
/// arguments (`--connections N --seconds T`) go to the load generator.
fn load(args: &[String]) -> Result {
    exec(cargo().args([
        "build",
        "--profile",
        "bench-server",
        "-p",
        "parcours-server",
        "-p",
        "parcours-load",
    ]))?;
    let bin = build::target_dir().join("bench-server");
    let pg = crate::postgres::Throwaway::start()
        .map_err(|e| eprintln!("xtask: no PostgreSQL ({e}): the load bench skips it"))
        .ok();
    let args = args.strip_prefix(&["--".to_owned()]).unwrap_or(args);
    let mut cmd = Command::new(bin.join("parcours-load"));
    cmd.args(args)
        .env("PARCOURS_SERVER_BIN", bin.join("parcours-server"));
    if let Some(pg) = &pg {
        cmd.env(crate::postgres::ENV, &pg.url);
    }
    exec(&mut cmd)
}

/// `bench/load/src/bin/parcours-reports.rs`: the campaign report's time
/// over a million events stored through the real insert path (identity
/// graph and aggregates maintained), SQLite and a throw-away PostgreSQL.
/// Extra arguments (`--events N --runs R`) go to it.
fn reports(args: &[String]) -> Result {
    exec(cargo().args([
        "build",
        "--profile",
        "bench-server",
        "-p",
        "parcours-load",
        "--bin",
        "parcours-reports",
    ]))?;
    let bin = build::target_dir().join("bench-server");
    let pg = crate::postgres::Throwaway::start()
        .map_err(|e| eprintln!("xtask: no PostgreSQL ({e}): the reports bench skips it"))
        .ok();
    let args = args.strip_prefix(&["--".to_owned()]).unwrap_or(args);
    let mut cmd = Command::new(bin.join("parcours-reports"));
    cmd.args(args);
    if let Some(pg) = &pg {
        cmd.env(crate::postgres::ENV, &pg.url);
    }
    exec(&mut cmd)
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
    exec(&mut node_bench(
        "bench/browser/track.mjs",
        "bench/track.json",
    )?)
}

/// `bench/peers/run.mjs`: size and cold start of pkg/ next to the peers,
/// which it installs itself (`npm ci` in bench/peers, pinned by its lock file).
fn peers() -> Result {
    exec(&mut node_bench("bench/peers/run.mjs", "bench/peers.json")?)
}

/// `node <script>` with the server, Chromium and the results file it needs.
fn node_bench(script: &str, out: &str) -> Result<Command> {
    install::chromium()?;
    install::node_modules()?;
    // A no-op when the binary is up to date; never benchmark a stale server.
    exec(cargo().args(["build", "-p", "parcours-server"]))?;
    let server = build::target_dir().join("debug/parcours-server");
    let mut cmd = Command::new("node");
    cmd.arg(script)
        .current_dir(root())
        .env("PARCOURS_SERVER_BIN", server)
        .env(
            "CHROMIUM_BIN",
            which("chromium").ok_or("chromium is not installed")?,
        )
        .env("BENCH_OUT", build::target_dir().join(out));
    Ok(cmd)
}

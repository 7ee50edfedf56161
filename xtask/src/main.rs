//! Project tasks: `cargo xtask <build|demo|test|bench|size|simulate>`.
//!
//! Each task installs what it needs and is missing (the wasm32 target,
//! wasm-bindgen-cli at the Cargo.lock version, Debian's chromium and
//! chromium-driver, binaryen's wasm-opt, the e2e npm packages), so a fresh
//! machine needs only the Rust toolchain, Node/npm and apt.

mod bench;
mod browsers;
mod build;
mod demo;
mod install;
mod integrity;
mod postgres;
mod simulate;
mod size;
mod studio;
mod test;
mod util;

use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  build   build the browser SDK into pkg/ (wasm + parcours.js) and the studio into target/studio/
          (`build --profiling`: the wasm keeps its function names, for browser CPU profiles)
  demo    build, start the reference server with the demo shop, print its URL
  test    run every test: native, in-browser (headless Chromium), end-to-end
  bench   run the benchmarks and the size report (`bench peers`: only the peer comparison; `bench load`, `bench reports`: the server)
  size    print the size of pkg/ (raw and brotli)
  simulate [-- ARGS]  seeded shop traffic with a known uplift through the server's HTTP API, report checked against it (`-- --help`)
  postgres -- CMD  run CMD with a throw-away PostgreSQL (URL in PARCOURS_TEST_POSTGRES)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("build") => build::run(&args[1..]),
        Some("demo") => demo::run(&args[1..]),
        Some("test") => test::run(),
        Some("bench") => bench::run(&args[1..]),
        Some("size") => size::run().map(|_| ()),
        Some("simulate") => simulate::run(&args[1..]),
        Some("postgres") => postgres::run(&args[1..]),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

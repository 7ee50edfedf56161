//! `cargo xtask demo [--port N]`: builds the SDK, starts the reference server
//! on 127.0.0.1 with SQLite under `data/` and the demo shop, prints the URL.

use crate::util::{cargo, exec, Result};

/// Builds and serves the demo until interrupted.
pub fn run(args: &[String]) -> Result {
    crate::build::build()?;
    let port = match args {
        [flag, port] if flag == "--port" => port.clone(),
        [] => std::env::var("PARCOURS_PORT").unwrap_or_else(|_| "8080".into()),
        _ => return Err("usage: cargo xtask demo [--port N]".into()),
    };
    println!("Starting the Parcours demo: the shop is at http://127.0.0.1:{port}/ (rules: demo/rules.json, data: data/)");
    exec(
        cargo()
            .args([
                "run",
                "--release",
                "-p",
                "parcours-server",
                "--",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
            ])
            .arg(&port)
            .args([
                "--data-dir",
                "data",
                "--static-dir",
                "demo",
                "--pkg-dir",
                "pkg",
                "--seed-rules",
                "demo/rules.json",
                "--seed-write-key",
                "demo",
            ]),
    )
}

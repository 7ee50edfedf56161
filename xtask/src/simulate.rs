//! `cargo xtask simulate [-- ARGS]`: `parcours-simulate` (simulate/), built
//! for speed like the load benchmark's server: seeded shop traffic with a
//! true uplift per campaign through the real HTTP API, then the campaign
//! report checked against it. ARGS go to it (`-- --help` lists them;
//! `-- --database postgres://…` runs it on PostgreSQL, `-- --serve` keeps
//! the server up to read the reports).

use crate::util::{cargo, exec, Result};
use std::process::Command;

/// Builds and runs the simulation.
pub fn run(args: &[String]) -> Result {
    exec(cargo().args([
        "build",
        "--profile",
        "bench-server",
        "-p",
        "parcours-simulate",
    ]))?;
    let args = args.strip_prefix(&["--".to_owned()]).unwrap_or(args);
    let bin = crate::build::target_dir().join("bench-server/parcours-simulate");
    exec(Command::new(bin).args(args))
}

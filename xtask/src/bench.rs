//! `cargo xtask bench`: the engine's criterion benchmarks and the size of pkg/.
//! Figures are measured here, never written in by hand; compare ratios from one run.

use crate::util::{cargo, exec, Result};

/// Runs every benchmark that exists today.
pub fn run() -> Result {
    println!("Benchmarks: engine (criterion): `condition` (GrowthBook conditions over the shared workload) and `decide` (200 campaigns / 200 segments / 50 computed traits / 5,000 events); pkg/ size report.");
    println!("In-browser benchmarks and the peer comparison come with the benchmark issue.");
    exec(cargo().args(["bench", "-p", "parcours-engine"]))?;
    crate::build::build()?;
    crate::size::run().map(|_| ())
}

//! Condition throughput: the 200 conditions × 1000 profiles workload of
//! `shared/bench/gen-workload.mjs` (seed 42), compiled once, then every
//! condition evaluated on every profile. Criterion's throughput line gives
//! evaluations per second; the time per evaluation is printed at the end.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use parcours_engine::condition::{Condition, SavedGroups};
use parcours_engine::regex::EcmaRegex;
use parcours_engine::value::Value;

const CONDITIONS: usize = 200;
const PROFILES: usize = 1000;

/// `target/bench-workload/`, generated with node when missing.
fn workload_dir() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map_or_else(|| manifest.join("../target"), PathBuf::from);
    let dir = target.join("bench-workload");
    if !dir.join("conditions.json").exists() || !dir.join("profiles.json").exists() {
        let script = manifest.join("../../shared/bench/gen-workload.mjs");
        let status = Command::new("node")
            .arg(&script)
            .arg(&dir)
            .args([CONDITIONS.to_string(), PROFILES.to_string(), "42".into()])
            .status()
            .expect("node runs (it generates the workload)");
        assert!(status.success(), "gen-workload.mjs failed: {status}");
    }
    dir
}

/// Reads a JSON array of values.
fn load(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).expect("workload file is readable");
    match serde_json::from_str(&text).expect("workload file is JSON") {
        Value::Array(items) => items,
        _ => panic!("{} is not a JSON array", path.display()),
    }
}

/// Compiles every condition, failing on any warning.
fn compile_all(conditions: &[Value]) -> Vec<Condition> {
    let mut warnings = Vec::new();
    let compiled = conditions
        .iter()
        .map(|c| Condition::compile(c, "$", &EcmaRegex, &mut warnings))
        .collect();
    assert!(
        warnings.is_empty(),
        "workload conditions compile cleanly: {warnings:?}"
    );
    compiled
}

/// Evaluates every condition on every profile; the number that pass.
fn evaluate_all(compiled: &[Condition], profiles: &[Value], groups: &SavedGroups) -> usize {
    profiles
        .iter()
        .map(|p| compiled.iter().filter(|c| c.eval(p, groups)).count())
        .sum()
}

fn bench(c: &mut Criterion) {
    let dir = workload_dir();
    let conditions = load(&dir.join("conditions.json"));
    let profiles = load(&dir.join("profiles.json"));
    let compiled = compile_all(&conditions);
    let groups = SavedGroups::new();
    let evaluations = (conditions.len() * profiles.len()) as u64;

    let mut group = c.benchmark_group("condition");
    group.throughput(Throughput::Elements(conditions.len() as u64));
    group.bench_function("compile 200 conditions", |b| {
        b.iter(|| compile_all(std::hint::black_box(&conditions)))
    });
    group.throughput(Throughput::Elements(evaluations));
    group.bench_function("eval 200 conditions x 1000 profiles", |b| {
        b.iter(|| evaluate_all(&compiled, std::hint::black_box(&profiles), &groups))
    });
    group.finish();

    // A plain timing of the same loop, as a per-evaluation figure.
    let rounds = 20;
    let start = Instant::now();
    let mut passed = 0;
    for _ in 0..rounds {
        passed = evaluate_all(&compiled, std::hint::black_box(&profiles), &groups);
    }
    let per_eval = start.elapsed().as_nanos() as f64 / (rounds as f64 * evaluations as f64);
    println!(
        "condition evaluation: {per_eval:.1} ns per evaluation ({} conditions x {} profiles, {passed} pass)",
        conditions.len(),
        profiles.len()
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);

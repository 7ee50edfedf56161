//! A fresh PostgreSQL database per bench run (shared by the bench binaries).

use std::process::Command;

/// Creates (dropping any leftover) the database `parcours_<tag>_<pid>` on the
/// server of `base` (a `postgres://…/db` URL) and returns its URL.
pub fn fresh_pg(base: &str, tag: &str) -> String {
    let name = format!("parcours_{tag}_{}", std::process::id());
    let status = Command::new("psql")
        .arg(base)
        .args([
            "-q",
            "-c",
            &format!("DROP DATABASE IF EXISTS {name}"),
            "-c",
            &format!("CREATE DATABASE {name}"),
        ])
        .status()
        .expect("psql");
    assert!(status.success(), "creating {name}");
    let (head, _) = base.rsplit_once('/').unwrap();
    format!("{head}/{name}")
}

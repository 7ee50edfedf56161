//! A fresh PostgreSQL database per test, on the server named by
//! `PARCOURS_TEST_POSTGRES` (`cargo xtask test` starts a throw-away one).
#![allow(dead_code)]

use std::sync::atomic::{AtomicU32, Ordering};

static NEXT: AtomicU32 = AtomicU32::new(0);

/// The URL of a new empty database, or `None` (with the reason printed)
/// when no PostgreSQL is configured.
pub async fn fresh_database() -> Option<String> {
    let Ok(base) = std::env::var("PARCOURS_TEST_POSTGRES") else {
        eprintln!("skipped: PARCOURS_TEST_POSTGRES is not set (cargo xtask test, or cargo xtask postgres -- cargo test)");
        return None;
    };
    let name = format!(
        "parcours_t{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let (client, conn) = tokio_postgres::connect(&base, tokio_postgres::NoTls)
        .await
        .expect("connecting to PARCOURS_TEST_POSTGRES");
    tokio::spawn(conn);
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let (head, _) = base.rsplit_once('/').expect("a URL with a database name");
    Some(format!("{head}/{name}"))
}

//! `store-load`: the SQLite store alone under the load's pattern (N tasks
//! each inserting 20-event batches with their own id range, so the writer
//! groups them), no HTTP: the writer thread's CPU per event, to compare
//! storage settings on a noisy machine. Usage: `store-load [--seconds T]
//! [--tasks N] [--full]`.

/// The server's allocator (see server/src/main.rs), for a like-for-like raw rate.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

use parcours_server::store::NewEvent;
use parcours_server::Synchronous;
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |name: &str, default: f64| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let (seconds, tasks) = (arg("--seconds", 5.0), arg("--tasks", 32.0) as u64);
    let sync = if args.iter().any(|a| a == "--full") {
        Synchronous::Full
    } else {
        Synchronous::Normal
    };
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("store.sqlite3").display().to_string();
    let payload = r#"{"type":"track","event":"Product Viewed","messageId":"m-000000000000","anonymousId":"anon-7f3a","timestamp":"2026-11-24T10:00:00.000Z","properties":{"sku":"SKU-42","price":19.9,"category":"shoes"},"context":{"page":{"path":"/p/42","url":"https://shop.example/p/42"}}}"#;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (n, elapsed, writer0, writer1) = rt.block_on(async {
        let store =
            parcours_server::open_database(&parcours_server::Database::parse(&path), sync, 4)
                .await
                .unwrap();
        store.register_site("load").await.unwrap();
        let w0 = writer_cpu();
        let t0 = Instant::now();
        let deadline = t0 + Duration::from_secs_f64(seconds);
        let handles: Vec<_> = (0..tasks)
            .map(|t| {
                let store = store.clone();
                tokio::spawn(async move {
                    let mut seq = 0u64;
                    while Instant::now() < deadline {
                        let events: Vec<NewEvent> = (0..20)
                            .map(|i| NewEvent {
                                message_id: format!("m-{:012}", (t << 36) | (seq * 20 + i)),
                                kind: "track".into(),
                                event: Some("Product Viewed".into()),
                                anonymous_id: Some("anon-7f3a".into()),
                                user_id: None,
                                timestamp: "2026-11-24T10:00:00.000Z".into(),
                                payload: payload.to_owned(),
                                source: false,
                            })
                            .collect();
                        seq += 1;
                        store.insert_events("load", events).await.unwrap().unwrap();
                    }
                })
            })
            .collect();
        for h in handles {
            h.await.unwrap();
        }
        let elapsed = t0.elapsed().as_secs_f64();
        let w1 = writer_cpu();
        let n = store.count_events().await.unwrap();
        store.close().await;
        (n, elapsed, w0, w1)
    });
    println!(
        "store alone: {:.0} events/s, writer {:.2} µs CPU/event ({} events, {:.0} % of a core)",
        n as f64 / elapsed,
        1e6 * (writer1 - writer0) / n as f64,
        n,
        100.0 * (writer1 - writer0) / elapsed
    );
}

fn writer_cpu() -> f64 {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .flatten()
        .filter(|t| {
            std::fs::read_to_string(t.path().join("comm"))
                .is_ok_and(|c| c.trim_end() == "parcours-writer")
        })
        .map(|t| {
            let s = std::fs::read_to_string(t.path().join("stat")).unwrap();
            let f: Vec<u64> = s
                .rsplit_once(')')
                .unwrap()
                .1
                .split_whitespace()
                .skip(11)
                .take(2)
                .map(|v| v.parse().unwrap())
                .collect();
            (f[0] + f[1]) as f64 / 100.0
        })
        .sum()
}

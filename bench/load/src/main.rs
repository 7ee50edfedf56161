//! `parcours-load`: how many events per second the server stores.
//!
//! For each database (SQLite NORMAL, SQLite FULL, and PostgreSQL when
//! `PARCOURS_TEST_POSTGRES` names a server) it starts the server binary
//! (`PARCOURS_SERVER_BIN`, rate limit off), drives it for T seconds from N
//! keep-alive connections with 20-event batches (unique messageIds, bodies
//! pre-built, only the id digits patched per request), stops it with
//! SIGTERM, counts the rows stored, then measures the raw insert rate of a
//! fresh database of the same kind: the same rows (as many, with the same
//! ids and visitors, in the order the connections sent them) in one
//! transaction through the same store code (same schema and indexes),
//! three times, the median kept.
//!
//! Each row also gives the CPU time one stored event cost the server (of
//! which its SQLite writer thread) and the load generator, read from /proc
//! while the load ran, and the share of the machine's cores the two got: on
//! a machine shared with other work the events/s move with that share, the
//! CPU per event much less.
//!
//! Usage: `parcours-load [--connections N] [--seconds T] [--only normal,full,postgres]
//! [--random-ids] [--visitor-events N]`.
//!
//! `--random-ids --visitor-events 40` is closest to a shop's traffic: random
//! message ids, and each connection a new visitor (with a scattered id) every
//! 40 events, as browsers send tens of events each, not the whole run's.

/// The server's allocator (see server/src/main.rs), for a like-for-like raw rate.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

use parcours_server::store::{block_on, NewEvent, Store};
use parcours_server::Synchronous;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

mod pg;
use pg::fresh_pg;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};

const BATCH: usize = 20;
const ID_DIGITS: usize = 12;

/// One backend to measure.
struct Target {
    name: &'static str,
    /// `--database` for the server, and how to open fresh ones for the raw
    /// rate (one per round).
    database: String,
    raw: Box<dyn Fn(usize) -> String>,
    sync: Synchronous,
}

struct Figures {
    stored_per_s: f64,
    acked: u64,
    stored: u64,
    p50_ms: f64,
    p99_ms: f64,
    /// The raw rate's median and range over [`RAW_ROUNDS`].
    raw_per_s: f64,
    raw_range: (f64, f64),
    cpu: Cpu,
    /// The largest the WAL file got, in bytes (0 for PostgreSQL).
    largest_wal: u64,
}

/// CPU seconds used while the load ran (from /proc): what each event costs
/// on the machine whatever the other load on it, and who pays.
#[derive(Default, Clone, Copy)]
struct Cpu {
    server: f64,
    writer: f64,
    client: f64,
    elapsed: f64,
}

fn main() {
    let mut connections = 32;
    let mut seconds = 10.0;
    let mut only: Option<String> = None;
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--connections" => {
                connections = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--connections N")
            }
            "--seconds" => seconds = it.next().and_then(|v| v.parse().ok()).expect("--seconds T"),
            "--only" => only = Some(it.next().expect("--only normal,full,postgres").clone()),
            // Given twice: already set, the same.
            "--random-ids" => {
                let _ = RANDOM_IDS.set(true);
            }
            "--visitor-events" => {
                let n: u64 = it
                    .next()
                    .and_then(|v| v.parse().ok())
                    .filter(|n| n % BATCH as u64 == 0 && *n > 0)
                    .expect("--visitor-events N, a multiple of 20");
                let _ = VISITOR_BATCHES.set(n / BATCH as u64);
            }
            other => panic!("unknown argument {other}"),
        }
    }
    let server = std::env::var("PARCOURS_SERVER_BIN").expect("PARCOURS_SERVER_BIN");
    let tmp = tempfile::tempdir().unwrap();
    let mut targets = Vec::new();
    for (name, sync, file) in [
        ("SQLite NORMAL", Synchronous::Normal, "normal"),
        ("SQLite FULL", Synchronous::Full, "full"),
    ] {
        let dir = tmp.path().to_owned();
        targets.push(Target {
            name,
            database: dir.join(format!("{file}.sqlite3")).display().to_string(),
            raw: Box::new(move |round| {
                dir.join(format!("{file}-raw{round}.sqlite3"))
                    .display()
                    .to_string()
            }),
            sync,
        });
    }
    match std::env::var("PARCOURS_TEST_POSTGRES") {
        Ok(base) => {
            let b = base.clone();
            targets.push(Target {
                name: "PostgreSQL",
                database: fresh_pg(&base, "load"),
                raw: Box::new(move |round| fresh_pg(&b, &format!("load_raw{round}"))),
                sync: Synchronous::Normal,
            });
        }
        Err(_) => eprintln!("parcours-load: PARCOURS_TEST_POSTGRES unset: PostgreSQL skipped"),
    }
    if let Some(only) = &only {
        let wanted: Vec<String> = only.split(',').map(str::to_ascii_lowercase).collect();
        targets.retain(|t| {
            let name = t.name.to_ascii_lowercase();
            wanted.iter().any(|w| name.contains(w.as_str()))
        });
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "{connections} connections x {seconds} s, {BATCH}-event batches, {} message ids, {}, rate limit off, client on the same machine ({cores} cores), load average {}",
        if RANDOM_IDS.get() == Some(&true) { "scattered (--random-ids)" } else { "per-connection sequential" },
        match VISITOR_BATCHES.get() {
            Some(k) => format!("a new visitor every {} events per connection", k * BATCH as u64),
            None => "one visitor per connection".to_owned(),
        },
        load_average()
    );
    println!("| database | stored events/s | acknowledged | stored | p50 ms | p99 ms | raw insert events/s, median (min–max) | stored / raw | CPU µs/event: server (writer thread) + client | CPU share of the machine | largest WAL |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for t in &targets {
        let f = measure(&server, t, connections, seconds);
        assert!(
            f.stored >= f.acked,
            "{}: {} acknowledged but {} stored",
            t.name,
            f.acked,
            f.stored
        );
        let per_event = |s: f64| 1e6 * s / f.stored.max(1) as f64;
        println!(
            "| {} | {:.0} | {} | {} | {:.1} | {:.1} | {:.0} ({:.0}–{:.0}) | {:.0} % | {:.1} ({:.1}) + {:.1} | {:.0} % | {} |",
            t.name,
            f.stored_per_s,
            f.acked,
            f.stored,
            f.p50_ms,
            f.p99_ms,
            f.raw_per_s,
            f.raw_range.0,
            f.raw_range.1,
            100.0 * f.stored_per_s / f.raw_per_s,
            per_event(f.cpu.server),
            per_event(f.cpu.writer),
            per_event(f.cpu.client),
            100.0 * (f.cpu.server + f.cpu.client) / (f.cpu.elapsed * cores as f64),
            match f.largest_wal {
                0 => "—".to_owned(),
                b => format!("{:.0} MB", b as f64 / 1e6),
            },
        );
    }
    println!("load average at the end: {}", load_average());
}

fn start_server(bin: &str, t: &Target) -> (Child, String) {
    let rules = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../server/tests/fixtures/rules.json"
    );
    let sync = match t.sync {
        Synchronous::Normal => "normal",
        Synchronous::Full => "full",
    };
    let mut child = Command::new(bin)
        .args(["serve", "--listen", "127.0.0.1:0", "--rate-limit", "off"])
        .args(["--database", &t.database, "--sqlite-synchronous", sync])
        .args(["--seed-rules", rules, "--seed-write-key", "load"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("starting the server");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("Parcours server listening on http://")
        .unwrap_or_else(|| panic!("unexpected {line:?}"))
        .to_owned();
    (child, addr)
}

/// A request body template (each request is one visitor's batch, as real
/// batches carry one `anonymousId`) and the offsets of each message's id
/// digits and of its visitor's digits.
fn template() -> (Vec<u8>, Vec<usize>, Vec<usize>) {
    let mut body = String::from(r#"{"writeKey":"load","batch":["#);
    let (mut slots, mut visitors) = (Vec::new(), Vec::new());
    for i in 0..BATCH {
        if i > 0 {
            body.push(',');
        }
        body.push_str(r#"{"type":"track","event":"Product Viewed","messageId":"m-"#);
        slots.push(body.len());
        body.push_str(&"0".repeat(ID_DIGITS));
        body.push_str(r#"","anonymousId":"anon-"#);
        visitors.push(body.len());
        body.push_str(&"0".repeat(ID_DIGITS));
        body.push_str(r#"","timestamp":"2026-11-24T10:00:00.000Z","properties":{"sku":"SKU-42","price":19.9,"category":"shoes"},"context":{"page":{"path":"/p/42","url":"https://shop.example/p/42"}}}"#);
    }
    body.push_str("]}");
    (body.into_bytes(), slots, visitors)
}

/// `--visitor-events N`: each connection a new visitor every N / 20 batches.
static VISITOR_BATCHES: std::sync::OnceLock<u64> = std::sync::OnceLock::new();

/// The digits of the visitor whose batch is connection `id`'s `seq`-th: the
/// connection's number, or with `--visitor-events` a scattered id per visitor.
fn visitor_digits(id: u64, seq: u64) -> u64 {
    let Some(k) = VISITOR_BATCHES.get() else {
        return id;
    };
    let space = 10u64.pow(ID_DIGITS as u32);
    let x = ((id << 36) | (seq / k)) % space;
    ((x as u128 * 0x9e37_79b9_7f4b) % space as u128) as u64
}

/// The anonymous id of connection `id`'s `seq`-th batch.
fn visitor(id: u64, seq: u64) -> String {
    format!(
        "anon-{:0width$}",
        visitor_digits(id, seq),
        width = ID_DIGITS
    )
}

/// `--random-ids`: message ids spread over the whole id space, as the random
/// UUIDs real clients send, instead of a sequence per connection.
static RANDOM_IDS: std::sync::OnceLock<bool> = std::sync::OnceLock::new();

/// The digits of connection `id`'s `n`-th message id.
fn id_digits(id: u64, n: u64) -> u64 {
    let space = 10u64.pow(ID_DIGITS as u32);
    let x = ((id << 36) | n) % space;
    if RANDOM_IDS.get() == Some(&true) {
        // Times a constant prime to 10: a bijection of the id space, so
        // the ids stay unique, and neighbours land far apart.
        return ((x as u128 * 0x9e37_79b9_7f4b) % space as u128) as u64;
    }
    x
}

/// Connection `id`'s `n`-th message id, as the server receives it.
fn message_id(id: u64, n: u64) -> String {
    format!("m-{:0width$}", id_digits(id, n), width = ID_DIGITS)
}

fn patch(buf: &mut [u8], at: usize, mut n: u64) {
    for i in (0..ID_DIGITS).rev() {
        buf[at + i] = b'0' + (n % 10) as u8;
        n /= 10;
    }
}

async fn connection(addr: String, id: u64, deadline: Instant) -> (u64, Vec<u32>) {
    let (body, slots, visitors) = template();
    let head = format!(
        "POST /v1/batch HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    let mut req = head.into_bytes();
    let start = req.len();
    req.extend_from_slice(&body);
    let stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    stream.set_nodelay(true).unwrap();
    let (r, mut w) = stream.into_split();
    let mut r = tokio::io::BufReader::new(r);
    let (mut acked, mut latencies, mut seq) = (0u64, Vec::new(), 0u64);
    let mut line = String::new();
    let mut sink = Vec::new();
    while Instant::now() < deadline {
        for at in &visitors {
            patch(&mut req, start + at, visitor_digits(id, seq));
        }
        for (i, at) in slots.iter().enumerate() {
            patch(
                &mut req,
                start + at,
                id_digits(id, seq * BATCH as u64 + i as u64),
            );
        }
        seq += 1;
        let t0 = Instant::now();
        w.write_all(&req).await.unwrap();
        line.clear();
        r.read_line(&mut line).await.unwrap();
        let ok = line.starts_with("HTTP/1.1 200");
        let mut length = 0;
        loop {
            line.clear();
            r.read_line(&mut line).await.unwrap();
            if line == "\r\n" {
                break;
            }
            if let Some(v) = line.strip_prefix("content-length: ") {
                length = v.trim().parse().unwrap();
            }
        }
        sink.resize(length, 0);
        r.read_exact(&mut sink).await.unwrap();
        latencies.push(t0.elapsed().as_micros() as u32);
        assert!(ok, "{line}: {}", String::from_utf8_lossy(&sink));
        acked += BATCH as u64;
    }
    (acked, latencies)
}

fn measure(bin: &str, t: &Target, connections: u64, seconds: f64) -> Figures {
    let (mut server, addr) = start_server(bin, t);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let pid = server.id();
    let (server0, writer0, client0) = (cpu_of(pid, None), cpu_of(pid, Some(WRITER)), own_cpu());
    let began = Instant::now();
    let deadline = began + Duration::from_secs_f64(seconds);
    // The largest the SQLite WAL file got while the load ran.
    let wal = format!("{}-wal", t.database);
    let wal_watch = std::thread::spawn(move || {
        let mut largest = 0u64;
        while Instant::now() < deadline {
            largest = largest.max(std::fs::metadata(&wal).map_or(0, |m| m.len()));
            std::thread::sleep(Duration::from_millis(50));
        }
        largest
    });
    let results = runtime.block_on(async {
        let tasks: Vec<_> = (0..connections)
            .map(|c| tokio::spawn(connection(addr.clone(), c, deadline)))
            .collect();
        let mut all = Vec::new();
        for task in tasks {
            all.push(task.await.unwrap());
        }
        all
    });
    let elapsed = began.elapsed().as_secs_f64();
    let largest_wal = wal_watch.join().unwrap_or(0);
    let cpu = Cpu {
        server: cpu_of(pid, None) - server0,
        writer: cpu_of(pid, Some(WRITER)) - writer0,
        client: own_cpu() - client0,
        elapsed,
    };
    // SIGTERM: graceful stop, the writer drained.
    Command::new("kill")
        .arg(server.id().to_string())
        .status()
        .unwrap();
    server.wait().unwrap();
    let acked: u64 = results.iter().map(|r| r.0).sum();
    let mut lat: Vec<u32> = results.into_iter().flat_map(|r| r.1).collect();
    lat.sort_unstable();
    let pct = |p: f64| lat[((lat.len() as f64 * p) as usize).min(lat.len() - 1)] as f64 / 1000.0;
    let (database, sync) = (t.database.clone(), t.sync);
    let stored = block_on(async move {
        let store = open(&database, sync).await;
        let n = store.count_events().await.unwrap();
        store.close().await;
        n
    });
    let mut raw: Vec<f64> = (0..RAW_ROUNDS)
        .map(|round| raw_rate(&(t.raw)(round), t.sync, stored, connections))
        .collect();
    raw.sort_by(f64::total_cmp);
    Figures {
        stored_per_s: stored as f64 / elapsed,
        acked,
        stored,
        p50_ms: pct(0.5),
        p99_ms: pct(0.99),
        raw_per_s: raw[RAW_ROUNDS / 2],
        raw_range: (raw[0], raw[RAW_ROUNDS - 1]),
        cpu,
        largest_wal,
    }
}

/// Raw insert rounds per database: one transaction of about a second is
/// at the mercy of what else the machine does (the same build measured
/// 243,000 and 466,000 events/s in one session).
const RAW_ROUNDS: usize = 3;

/// The SQLite writer thread's name as /proc shows it (at most 15 characters;
/// the checkpoint thread, `parcours-ckpt`, is not counted in it).
const WRITER: &str = "parcours-writer";

/// User + system CPU seconds of a process, or of its threads named `thread`
/// (0 when /proc does not say: not Linux, or no such thread).
fn cpu_of(pid: u32, thread: Option<&str>) -> f64 {
    let Some(name) = thread else {
        return stat_seconds(&format!("/proc/{pid}/stat"));
    };
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return 0.0;
    };
    tasks
        .flatten()
        .filter(|t| {
            std::fs::read_to_string(t.path().join("comm")).is_ok_and(|c| c.trim_end() == name)
        })
        .map(|t| stat_seconds(&t.path().join("stat").display().to_string()))
        .sum()
}

/// This process's CPU seconds (the load generator).
fn own_cpu() -> f64 {
    stat_seconds("/proc/self/stat")
}

/// utime + stime of a /proc stat file, in seconds (USER_HZ is 100 on Linux).
fn stat_seconds(path: &str) -> f64 {
    let Ok(text) = std::fs::read_to_string(path) else {
        return 0.0;
    };
    // Fields after the `(comm)`, which may itself hold spaces: state is the first.
    let after = text.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    (ticks(11) + ticks(12)) as f64 / 100.0
}

/// The 1-minute load average (how busy the machine was with other work too).
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "unknown".into())
}

async fn open(database: &str, sync: Synchronous) -> Store {
    parcours_server::open_database(&parcours_server::Database::parse(database), sync, 4)
        .await
        .unwrap()
}

/// Events/s of one transaction inserting the rows the load stored: `stored`
/// events in 20-event batches, the connections taking turns, each batch with
/// its connection's visitor and message ids (as [`connection`] patches them).
fn raw_rate(database: &str, sync: Synchronous, stored: u64, connections: u64) -> f64 {
    let (body, _, _) = template();
    let text = String::from_utf8(body).unwrap();
    let start = text.find(r#"{"type""#).unwrap();
    let one = &text[start..text[start..].find("}}}").unwrap() + start + 3];
    let events: Vec<NewEvent> = (0..stored.max(20_000) / BATCH as u64)
        .flat_map(|b| {
            let (id, seq) = (b % connections, b / connections);
            (0..BATCH as u64)
                .map(move |i| (visitor(id, seq), message_id(id, seq * BATCH as u64 + i)))
        })
        .map(|(visitor, message_id)| NewEvent {
            message_id,
            kind: "track".into(),
            event: Some("Product Viewed".into()),
            anonymous_id: Some(visitor),
            user_id: None,
            timestamp: "2026-11-24T10:00:00.000Z".into(),
            payload: one.to_owned(),
            source: false,
        })
        .collect();
    let n = events.len();
    let rate = block_on(async {
        let store = open(database, sync).await;
        store.register_site("load").await.unwrap();
        let t0 = Instant::now();
        let got = store.insert_events("load", events).await.unwrap().unwrap();
        let rate = got.accepted as f64 / t0.elapsed().as_secs_f64();
        assert_eq!(got.accepted, n, "the raw rows' ids must all differ");
        store.close().await;
        rate
    });
    // A round's SQLite file is not needed again (gigabytes for a long run).
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{database}{suffix}"));
    }
    rate
}

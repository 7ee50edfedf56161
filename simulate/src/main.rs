//! `parcours-simulate`: seeded traffic with a known answer through a
//! Parcours server's HTTP API, then the campaign report checked against it
//! (see the library docs). `cargo xtask simulate` runs it.

use clap::Parser;
use parcours_server::Database;
use parcours_simulate::{check, run, Kind, LocalServer, Options, Scenario, WRITE_KEY};
use std::path::PathBuf;
use std::process::ExitCode;

/// Seeded shop traffic with a true uplift per campaign, sent through the
/// real HTTP API; the campaign report is read back and checked against it.
#[derive(Parser)]
#[command(name = "parcours-simulate")]
struct Args {
    /// Visitors to simulate.
    #[arg(long, default_value_t = 20_000)]
    visitors: u64,
    /// Seed of the traffic: the same seed sends the same visitors.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Days over which first visits are spread.
    #[arg(long, default_value_t = 14)]
    days: u32,
    /// The first day, YYYY-MM-DD (default: far enough back that every
    /// conversion window, 30 days for the site-wide control group, is over).
    #[arg(long)]
    start: Option<String>,
    /// Where the server stores: a SQLite path or a `postgres://` URL
    /// (default: a temporary SQLite file).
    #[arg(long, env = "PARCOURS_SIMULATE_DATABASE")]
    database: Option<String>,
    /// Concurrent senders.
    #[arg(long, default_value_t = 4)]
    workers: u64,
    /// Runs with seeds `seed`, `seed + 1`, … each on a fresh database,
    /// and how often the intervals held the truth over all of them (then a
    /// miss fails only when the always-valid coverage falls under 95 %).
    #[arg(long, default_value_t = 1)]
    runs: u64,
    /// Keep serving once done, to read the reports (Ctrl-C stops).
    #[arg(long)]
    serve: bool,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match simulate(&args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("parcours-simulate: {e}");
            ExitCode::from(2)
        }
    }
}

fn simulate(args: &Args) -> Result<bool, String> {
    let day = 86_400_000.0;
    let start_ms = match &args.start {
        Some(d) => parcours_engine::time::parse_iso8601(d)
            .ok_or_else(|| format!("--start {d:?} is not a YYYY-MM-DD date"))?,
        None => {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_err(|e| e.to_string())?
                .as_millis() as f64;
            ((now / day).floor() - f64::from(args.days) - 31.0) * day
        }
    };
    let mut all = Vec::new();
    let mut ok = true;
    for run_index in 0..args.runs.max(1) {
        let seed = args.seed + run_index;
        let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
        let database = match &args.database {
            Some(d) if args.runs > 1 => {
                return Err(format!("--runs needs fresh databases: drop --database {d}"))
            }
            Some(d) => Database::parse(d),
            None => Database::Sqlite(PathBuf::from(tmp.path()).join("simulate.sqlite3")),
        };
        let server = LocalServer::start(database)?;
        let options = Options {
            seed,
            visitors: args.visitors,
            days: args.days,
            start_ms,
            workers: args.workers,
        };
        let outcome = run(&server.target, &Scenario::shop(), &options)?;
        let t = &outcome.tally;
        println!(
            "seed {seed}: {} visitors ({} bots, {} preview links), {} messages sent in {:.1} s; the report answered in {} ms\n",
            t.visitors,
            t.bots,
            t.previews,
            t.messages,
            outcome.sending.as_secs_f64(),
            outcome.reporting.as_millis()
        );
        print!("{}", check::render(&outcome.checks));
        println!();
        ok &= outcome.failed(Kind::Count).is_empty();
        if args.runs <= 1 {
            ok &= outcome.failed(Kind::CoversSequential).is_empty()
                && outcome.failed(Kind::NotSignificant).is_empty();
        }
        all.extend(outcome.checks);
        if args.serve && run_index + 1 == args.runs.max(1) {
            let u = &server.target;
            println!("Serving {} (Ctrl-C stops):", u.base_url);
            println!(
                "  curl -H 'Authorization: Bearer {}' '{}/v1/reports/campaigns?writeKey={WRITE_KEY}&from={}&to={}'",
                u.admin_token,
                u.base_url,
                &parcours_simulate::traffic::iso(start_ms)[..10],
                &parcours_simulate::traffic::iso(start_ms + (f64::from(args.days) - 1.0) * day)[..10]
            );
            server.wait();
        }
    }
    if args.runs > 1 {
        println!("over {} runs:", args.runs);
        print!("{}", check::summary(&all));
        // Over many runs a miss is expected now and then: judge the rates.
        for kind in [Kind::CoversSequential, Kind::NotSignificant] {
            let of_kind = all.iter().filter(|c| c.kind == kind).count();
            let held = all.iter().filter(|c| c.kind == kind && c.ok).count();
            ok &= held as f64 >= 0.95 * of_kind as f64;
        }
    }
    Ok(ok)
}

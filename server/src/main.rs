//! `parcours-server`: `serve` (default) runs the reference backend; `events`
//! prints the stored events as JSON lines. `parcours-server --help` lists the
//! options.

use parcours_server::{db, open_db, serve, shutdown_signal, Config};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "\
usage:
  parcours-server [serve] [--host 127.0.0.1] [--port 8080] [--data-dir data]
                  [--static-dir DIR] [--pkg-dir DIR]
                  [--seed-rules FILE] [--seed-write-key demo] [--admin-token TOKEN]
  parcours-server events --data-dir DIR [--write-key KEY]

serve   runs the backend; prints `Parcours server listening on http://HOST:PORT`
        once bound (--port 0 picks a free port). Stops on SIGINT/SIGTERM.
events  prints every stored event as one JSON object per line, in receive order.
";

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        print!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let command = match args.first().map(String::as_str) {
        Some("serve" | "events") => args.remove(0),
        _ => "serve".to_owned(),
    };
    let result = parse_options(&args).and_then(|opts| match command.as_str() {
        "events" => events(opts),
        _ => run_server(opts),
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("parcours-server: {e}");
            ExitCode::from(if e.ends_with(USAGE) { 2 } else { 1 })
        }
    }
}

/// `--name value` and `--name=value` pairs, in order.
fn parse_options(args: &[String]) -> Result<Vec<(String, String)>, String> {
    let mut opts = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let Some(name) = arg.strip_prefix("--") else {
            return Err(format!("unexpected argument {arg:?}\n{USAGE}"));
        };
        let (name, value) = match name.split_once('=') {
            Some((n, v)) => (n.to_owned(), v.to_owned()),
            None => {
                let v = it
                    .next()
                    .ok_or_else(|| format!("--{name} needs a value\n{USAGE}"))?;
                (name.to_owned(), v.clone())
            }
        };
        opts.push((name, value));
    }
    Ok(opts)
}

fn run_server(opts: Vec<(String, String)>) -> Result<(), String> {
    let mut config = Config::default();
    for (name, value) in opts {
        match name.as_str() {
            "host" => config.host = value,
            "port" => {
                config.port = value
                    .parse()
                    .map_err(|_| format!("--port {value:?} is not a port number"))?
            }
            "data-dir" => config.data_dir = PathBuf::from(value),
            "static-dir" => config.static_dir = Some(PathBuf::from(value)),
            "pkg-dir" => config.pkg_dir = Some(PathBuf::from(value)),
            "seed-rules" => config.seed_rules = Some(PathBuf::from(value)),
            "seed-write-key" => config.seed_write_key = value,
            "admin-token" => config.admin_token = Some(value),
            other => return Err(format!("unknown option --{other} for serve\n{USAGE}")),
        }
    }
    // Not fatal: the SDK may be built after the server starts; it is served once there.
    for dir in [&config.static_dir, &config.pkg_dir].into_iter().flatten() {
        if !dir.is_dir() {
            eprintln!(
                "parcours-server: warning: {} is not a directory (yet)",
                dir.display()
            );
        }
    }
    let runtime =
        tokio::runtime::Runtime::new().map_err(|e| format!("starting the runtime: {e}"))?;
    runtime
        .block_on(serve(config, shutdown_signal()))
        .map_err(|e| e.to_string())
}

fn events(opts: Vec<(String, String)>) -> Result<(), String> {
    let (mut data_dir, mut write_key) = (None, None);
    for (name, value) in opts {
        match name.as_str() {
            "data-dir" => data_dir = Some(PathBuf::from(value)),
            "write-key" => write_key = Some(value),
            other => return Err(format!("unknown option --{other} for events\n{USAGE}")),
        }
    }
    let data_dir = data_dir.ok_or_else(|| format!("events needs --data-dir\n{USAGE}"))?;
    if !data_dir.join(parcours_server::DB_FILE).is_file() {
        return Err(format!("no database in {}", data_dir.display()));
    }
    let db = open_db(&data_dir).map_err(|e| e.to_string())?;
    let events = db
        .blocking(|c| db::events(c, write_key.as_deref()))
        .map_err(|e| e.to_string())?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for e in &events {
        let line = serde_json::to_string(e).map_err(|e| e.to_string())?;
        writeln!(out, "{line}").map_err(|e| e.to_string())?;
    }
    out.flush().map_err(|e| e.to_string())
}

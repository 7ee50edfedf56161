//! `parcours-server`: `serve` (default) runs the reference backend; `events`
//! prints the stored events as JSON lines. `parcours-server --help` lists the
//! options, each with its `PARCOURS_…` environment variable.

use clap::{Args, Parser, Subcommand};
use parcours_server::config::{self, SitesFile};
use parcours_server::{
    open_database, shutdown_signal, store, Config, Database, Server, Synchronous,
};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// mimalloc instead of glibc's malloc: the events of a batch are allocated
/// on a runtime worker and freed on the SQLite writer thread, a cross-thread
/// pattern glibc serves with arena locks (issue #12's load benchmark: less
/// CPU per stored event).
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The Parcours reference backend: rules, a Segment-compatible event
/// collector, erasure, on SQLite.
#[derive(Parser)]
#[command(
    name = "parcours-server",
    version,
    args_conflicts_with_subcommands = true
)]
#[command(after_help = "With no command, `serve` runs. It prints \
`Parcours server listening on http://ADDR` once bound, then, once, each admin \
token it generated. It stops on SIGINT/SIGTERM after finishing in-flight requests.")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Run the backend (the default).
    Serve(Box<ServeArgs>),
    /// Print every stored event as one JSON object per line, in receive order.
    Events(EventsArgs),
}

#[derive(Args)]
struct ServeArgs {
    /// Address to listen on; port 0 picks a free one.
    #[arg(long, env = "PARCOURS_LISTEN", default_value = "127.0.0.1:8080")]
    listen: String,
    /// A SQLite file (created with its folder), or a postgres:// URL.
    /// Default: data/parcours.sqlite3.
    #[arg(long, env = "PARCOURS_DATABASE", value_name = "PATH|URL")]
    database: Option<String>,
    /// SQLite durability: normal (an acknowledged event survives a killed
    /// process) or full (it survives a power cut too; slower).
    #[arg(
        long,
        env = "PARCOURS_SQLITE_SYNCHRONOUS",
        value_name = "normal|full",
        default_value = "normal",
        value_parser = Synchronous::parse
    )]
    sqlite_synchronous: Synchronous,
    /// PostgreSQL connections this process keeps open.
    #[arg(
        long,
        env = "PARCOURS_PG_POOL_SIZE",
        value_name = "N",
        default_value_t = parcours_server::DEFAULT_PG_POOL
    )]
    pg_pool_size: usize,
    /// TOML file with a [sites.<writeKey>] table per site: origins,
    /// admin_token, user_token_secret, source_key (see the README).
    #[arg(long, env = "PARCOURS_SITES", value_name = "FILE")]
    sites: Option<PathBuf>,
    /// Delete events received more than this many days ago (checked hourly),
    /// and persons with nothing left; 0 keeps everything. Default: 395 days
    /// (13 months, as France's CNIL recommends for audience measurement).
    #[arg(
        long,
        env = "PARCOURS_RETENTION_DAYS",
        value_name = "DAYS",
        default_value_t = parcours_server::DEFAULT_RETENTION_DAYS
    )]
    retention_days: u32,
    /// Largest request body after gzip/deflate decoding (bytes, or K/KB/M/MB).
    #[arg(
        long,
        env = "PARCOURS_MAX_BODY",
        default_value = "500KB",
        value_name = "SIZE"
    )]
    max_body: String,
    /// Ingestion requests per write key and client address: N/s, N/min, N/h,
    /// or off. Traffic with the site's source key is exempt.
    #[arg(
        long,
        env = "PARCOURS_RATE_LIMIT",
        default_value = "600/min",
        value_name = "RATE"
    )]
    rate_limit: String,
    /// A proxy (IP address) whose X-Forwarded-For is believed; repeat or
    /// separate with commas. Default: none (the peer address counts).
    #[arg(
        long = "trusted-proxy",
        env = "PARCOURS_TRUSTED_PROXIES",
        value_delimiter = ',',
        value_name = "IP"
    )]
    trusted_proxies: Vec<String>,
    /// Folder served at / (the demo shop).
    #[arg(long, env = "PARCOURS_STATIC_DIR", value_name = "DIR")]
    static_dir: Option<PathBuf>,
    /// Folder served at /pkg/ (the built SDK).
    #[arg(long, env = "PARCOURS_PKG_DIR", value_name = "DIR")]
    pkg_dir: Option<PathBuf>,
    /// Folder served at /studio/ (the marketer's studio, built by cargo xtask build).
    #[arg(long, env = "PARCOURS_STUDIO_DIR", value_name = "DIR")]
    studio_dir: Option<PathBuf>,
    /// A rules document stored at start when the seed site has none.
    #[arg(long, env = "PARCOURS_SEED_RULES", value_name = "FILE")]
    seed_rules: Option<PathBuf>,
    /// The site the seed rules are for.
    #[arg(
        long,
        env = "PARCOURS_SEED_WRITE_KEY",
        default_value = "demo",
        value_name = "KEY"
    )]
    seed_write_key: String,
    /// Serve POST /demo/login for the seed site: the demo shop's stand-in for
    /// a site backend, signing a user token with the site's user_token_secret
    /// for any e-mail address, without a password. Demo only: a real site
    /// signs its tokens in its own backend.
    #[arg(long, env = "PARCOURS_DEMO_BACKEND")]
    demo_backend: bool,

    /// Older form of --listen: the interface.
    #[arg(long, help_heading = "Older options (still accepted)")]
    host: Option<String>,
    /// Older form of --listen: the port.
    #[arg(long, help_heading = "Older options (still accepted)")]
    port: Option<u16>,
    /// Older form of --database: the folder holding parcours.sqlite3.
    #[arg(
        long,
        value_name = "DIR",
        help_heading = "Older options (still accepted)"
    )]
    data_dir: Option<PathBuf>,
    /// The seed site's admin token; replaced by admin_token in --sites.
    #[arg(
        long,
        env = "PARCOURS_ADMIN_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true,
        help_heading = "Older options (still accepted)"
    )]
    admin_token: Option<String>,
}

#[derive(Args)]
struct EventsArgs {
    /// The SQLite file, or a postgres:// URL.
    #[arg(long, env = "PARCOURS_DATABASE", value_name = "PATH|URL")]
    database: Option<String>,
    /// Older form of --database: the folder holding parcours.sqlite3.
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Only this site's events.
    #[arg(long, value_name = "KEY")]
    write_key: Option<String>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Events(args)) => events(args),
        Some(Command::Serve(args)) => run_server(*args),
        None => run_server(cli.serve),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("parcours-server: {e}");
            ExitCode::FAILURE
        }
    }
}

fn config(args: ServeArgs) -> Result<Config, String> {
    let mut listen = args.listen;
    if args.host.is_some() || args.port.is_some() {
        let (h, p) = listen.rsplit_once(':').unwrap_or((&listen, "8080"));
        let host = args.host.clone().unwrap_or_else(|| h.to_owned());
        let port = args.port.map_or_else(|| p.to_owned(), |p| p.to_string());
        listen = format!("{host}:{port}");
    }
    let database = match (args.database, args.data_dir) {
        (Some(d), _) => Database::parse(&d),
        (None, Some(dir)) => Database::Sqlite(dir.join(parcours_server::DB_FILE)),
        (None, None) => Config::default().database,
    };
    let mut sites = match &args.sites {
        Some(file) => SitesFile::load(file).map_err(|e| e.to_string())?.sites,
        None => Default::default(),
    };
    if let Some(token) = args.admin_token {
        eprintln!(
            "parcours-server: note: --admin-token / PARCOURS_ADMIN_TOKEN is replaced by admin_token in the --sites file; using it for site {:?}",
            args.seed_write_key
        );
        let site = sites.entry(args.seed_write_key.clone()).or_default();
        site.admin_token.get_or_insert(config::Secret(token));
    }
    // Not fatal: the SDK may be built after the server starts; it is served once there.
    for dir in [&args.static_dir, &args.pkg_dir, &args.studio_dir]
        .into_iter()
        .flatten()
    {
        if !dir.is_dir() {
            eprintln!(
                "parcours-server: warning: {} is not a directory (yet)",
                dir.display()
            );
        }
    }
    Ok(Config {
        listen,
        database,
        synchronous: args.sqlite_synchronous,
        pg_pool_size: args.pg_pool_size,
        sites,
        static_dir: args.static_dir,
        pkg_dir: args.pkg_dir,
        studio_dir: args.studio_dir,
        seed_rules: args.seed_rules,
        seed_write_key: args.seed_write_key,
        demo_backend: args.demo_backend,
        retention_days: Some(args.retention_days).filter(|d| *d > 0),
        max_body: config::parse_size(&args.max_body).map_err(|e| e.to_string())?,
        rate_limit: config::RateLimit::parse(&args.rate_limit).map_err(|e| e.to_string())?,
        trusted_proxies: config::parse_ips(&args.trusted_proxies)?,
    })
}

fn run_server(args: ServeArgs) -> Result<(), String> {
    let config = config(args)?;
    let runtime =
        tokio::runtime::Runtime::new().map_err(|e| format!("starting the runtime: {e}"))?;
    runtime.block_on(async {
        let server = Server::bind(config).await.map_err(|e| e.to_string())?;
        server
            .run(shutdown_signal())
            .await
            .map_err(|e| e.to_string())
    })
}

fn events(args: EventsArgs) -> Result<(), String> {
    let database = match (args.database, args.data_dir) {
        (Some(d), _) => Database::parse(&d),
        (None, Some(dir)) => Database::Sqlite(dir.join(parcours_server::DB_FILE)),
        (None, None) => return Err("events needs --database FILE|URL (or --data-dir DIR)".into()),
    };
    if let Database::Sqlite(path) = &database {
        if !path.is_file() {
            return Err(format!("no database at {}", path.display()));
        }
    }
    let events = store::block_on(async {
        let db = open_database(&database, Synchronous::Normal, 1)
            .await
            .map_err(|e| e.to_string())?;
        let events = db.events(args.write_key.as_deref()).await;
        db.close().await;
        events.map_err(|e| e.to_string())
    })?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for e in &events {
        let line = serde_json::to_string(e).map_err(|e| e.to_string())?;
        writeln!(out, "{line}").map_err(|e| e.to_string())?;
    }
    out.flush().map_err(|e| e.to_string())
}

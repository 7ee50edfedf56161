//! # Parcours reference server
//!
//! The backend the SDK talks to, small enough to read in one sitting:
//!
//! - `GET /v1/rules?writeKey=K`: the site's rules document, with a strong
//!   `ETag` (304 on `If-None-Match`); `PUT` stores a new one with the site's
//!   admin token, after validating it with the engine ([`routes::rules`]).
//! - `POST /v1/batch` and the single-message endpoints (`/v1/track`, …):
//!   Segment-compatible event collector, de-duplicating on `messageId`,
//!   gzip/deflate bodies ([`routes::batch`], [`validate`], [`body`]).
//! - `POST /v1/forget`: erasure, by anonymous id or with a user token
//!   ([`routes::forget`], [`user_token`]).
//! - `GET /healthz`; the demo (`--static-dir`) at `/` and the built SDK
//!   (`--pkg-dir`) at `/pkg/`.
//!
//! Every API request passes origin access control ([`origin`]); ingestion is
//! rate limited per write key and client address ([`ratelimit`]). [`app`]
//! builds the router from an [`AppState`]; [`Server`] binds and serves it.
//! Storage is one interface, [`store::Store`], over SQLite (default) or
//! PostgreSQL; every failure goes through [`error::AppError`].

#![warn(missing_docs)]

pub mod body;
pub mod caller;
pub mod config;
pub mod error;
pub mod origin;
pub mod profile;
pub mod ratelimit;
pub mod report;
pub mod routes;
pub mod sites;
pub mod store;
pub mod user_token;
pub mod validate;

use axum::Router;
use std::collections::BTreeMap;
use std::future::Future;
use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use config::{Database, RateLimit, SiteConfig};
pub use error::AppError;
pub use sites::Sites;
pub use store::sqlite::Synchronous;
pub use store::Store;

/// The database file inside `--data-dir`.
pub const DB_FILE: &str = "parcours.sqlite3";

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The storage.
    pub db: Store,
    /// Served at `/` when set.
    pub static_dir: Option<PathBuf>,
    /// Served at `/pkg/` when set.
    pub pkg_dir: Option<PathBuf>,
    /// Served at `/studio/` when set (the marketer's studio, built by `cargo xtask build`).
    pub studio_dir: Option<PathBuf>,
    /// The sites' origins, tokens and keys.
    pub sites: Arc<Sites>,
    /// Largest request body, after decoding.
    pub max_body: usize,
    /// The ingestion rate limit (`None`: off).
    pub limiter: Option<Arc<ratelimit::Limiter>>,
    /// Peers whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Arc<[IpAddr]>,
    /// Events are kept this many days (`None`: forever); reports say so.
    pub retention_days: Option<u32>,
    /// The site whose tokens `POST /demo/login` signs (`--demo-backend`);
    /// `None`: the route does not exist.
    pub demo_site: Option<String>,
}

impl AppState {
    /// A state with only a database: the API with default limits, no rate
    /// limit, no configured site, no static files.
    pub fn new(db: Store) -> AppState {
        AppState {
            db,
            static_dir: None,
            pkg_dir: None,
            studio_dir: None,
            sites: Arc::new(Sites::default()),
            max_body: body::DEFAULT_MAX_BODY,
            limiter: None,
            trusted_proxies: Arc::from([]),
            retention_days: Some(DEFAULT_RETENTION_DAYS),
            demo_site: None,
        }
    }
}

/// The whole HTTP application.
pub fn app(state: AppState) -> Router {
    routes::router(state)
}

/// How to run the server (the `serve` command's options).
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on (`127.0.0.1:8080`; port 0 picks a free one).
    pub listen: String,
    /// Where to store.
    pub database: Database,
    /// SQLite durability (`--sqlite-synchronous`).
    pub synchronous: Synchronous,
    /// PostgreSQL connections per process (`--pg-pool-size`).
    pub pg_pool_size: usize,
    /// The sites of the `--sites` file, by write key.
    pub sites: BTreeMap<String, SiteConfig>,
    /// Served at `/`.
    pub static_dir: Option<PathBuf>,
    /// Served at `/pkg/`.
    pub pkg_dir: Option<PathBuf>,
    /// Served at `/studio/`.
    pub studio_dir: Option<PathBuf>,
    /// A rules document to store at start when the seed site has none.
    pub seed_rules: Option<PathBuf>,
    /// The site the seed rules are for.
    pub seed_write_key: String,
    /// Events received more than this many days ago are deleted (hourly),
    /// with the report aggregates of those days and persons with nothing
    /// left; `None` keeps everything.
    pub retention_days: Option<u32>,
    /// Largest request body, after decoding.
    pub max_body: usize,
    /// Ingestion rate limit per write key and client address (`None`: off).
    pub rate_limit: Option<RateLimit>,
    /// Peers whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpAddr>,
    /// Serves the demo shop's login route (`POST /demo/login`) for the seed
    /// site (`--demo-backend`); never on by default.
    pub demo_backend: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: "127.0.0.1:8080".into(),
            database: Database::Sqlite(PathBuf::from("data").join(DB_FILE)),
            synchronous: Synchronous::Normal,
            pg_pool_size: DEFAULT_PG_POOL,
            sites: BTreeMap::new(),
            static_dir: None,
            pkg_dir: None,
            studio_dir: None,
            seed_rules: None,
            seed_write_key: "demo".into(),
            retention_days: Some(DEFAULT_RETENTION_DAYS),
            max_body: body::DEFAULT_MAX_BODY,
            rate_limit: Some(RateLimit::DEFAULT),
            trusted_proxies: Vec::new(),
            demo_backend: false,
        }
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A file or socket operation failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done, naming the path or address.
        what: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The database could not be opened, migrated or used at start.
    #[error("database {path}: {source}")]
    Db {
        /// The database (file, or URL without password).
        path: String,
        /// The cause.
        source: store::StoreError,
    },
    /// The seed rules file is unreadable or invalid.
    #[error("seed rules {path}: {message}")]
    Seed {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// Events are kept 13 months by default (395 days), as France's CNIL
/// recommends for audience measurement.
pub const DEFAULT_RETENTION_DAYS: u32 = 395;

/// PostgreSQL connections per server process by default.
pub const DEFAULT_PG_POOL: usize = 16;

/// Opens the SQLite database in `data_dir` (creating both if needed).
pub fn open_db(data_dir: &Path) -> Result<Store, StartError> {
    open_db_file(&data_dir.join(DB_FILE), Synchronous::Normal)
}

/// Opens a SQLite file, creating it and its folder if needed, migrated.
pub fn open_db_file(path: &Path, sync: Synchronous) -> Result<Store, StartError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| StartError::Io {
            what: format!("creating data dir {}", dir.display()),
            source,
        })?;
    }
    let store = store::sqlite::SqliteStore::open(path, sync).map_err(|source| StartError::Db {
        path: path.display().to_string(),
        source,
    })?;
    Ok(Store::Sqlite(store))
}

/// Opens the configured database (SQLite file or PostgreSQL pool), migrated.
pub async fn open_database(
    database: &Database,
    sync: Synchronous,
    pg_pool_size: usize,
) -> Result<Store, StartError> {
    match database {
        Database::Sqlite(path) => open_db_file(path, sync),
        Database::Postgres(url) => store::postgres::PgStore::open(url, pg_pool_size)
            .await
            .map(Store::Postgres)
            .map_err(|source| StartError::Db {
                path: database.to_string(),
                source,
            }),
    }
}

/// Stores the file's rules for `write_key` unless it already has rules.
/// Returns whether it stored them. The file must pass the same validation as
/// `PUT /v1/rules`: a bad demo file is refused at start with every error.
pub async fn seed(db: &Store, file: &Path, write_key: &str) -> Result<bool, StartError> {
    let seed_err = |message: String| StartError::Seed {
        path: file.to_owned(),
        message,
    };
    let document = std::fs::read_to_string(file).map_err(|e| seed_err(e.to_string()))?;
    let doc: parcours_engine::Value =
        serde_json::from_str(&document).map_err(|e| seed_err(e.to_string()))?;
    if let Err(errors) =
        parcours_engine::Engine::from_rules(&doc, &parcours_engine::regex::EcmaRegex)
    {
        let lines: Vec<String> = errors.iter().map(|e| format!("\n  {e}")).collect();
        return Err(seed_err(format!("invalid rules:{}", lines.concat())));
    }
    db.seed_rules(write_key, &document)
        .await
        .map_err(|source| StartError::Db {
            path: DB_FILE.into(),
            source,
        })
}

/// A bound server, not yet serving: its address and the admin tokens it
/// generated (printed once by [`Server::run`]).
pub struct Server {
    listener: tokio::net::TcpListener,
    state: AppState,
    retention_days: Option<u32>,
    /// The bound address.
    pub addr: SocketAddr,
    /// `(write key, token)` for each admin token generated at this start.
    pub new_tokens: Vec<(String, String)>,
}

/// The origins a browser uses for pages served from `addr`.
pub fn own_origins(addr: SocketAddr) -> Vec<String> {
    let port = addr.port();
    match addr.ip() {
        ip if ip.is_unspecified() || ip.is_loopback() => {
            let mut v = vec![
                format!("http://127.0.0.1:{port}"),
                format!("http://localhost:{port}"),
                format!("http://[::1]:{port}"),
            ];
            if !ip.is_loopback() {
                v.push(format!("http://{addr}"));
            }
            v
        }
        _ => vec![format!("http://{addr}")],
    }
}

impl Server {
    /// Opens the database, seeds it, generates missing admin tokens, binds.
    pub async fn bind(config: Config) -> Result<Server, StartError> {
        let db = open_database(&config.database, config.synchronous, config.pg_pool_size).await?;
        if let Some(file) = &config.seed_rules {
            if seed(&db, file, &config.seed_write_key).await? {
                eprintln!(
                    "parcours-server: seeded rules for {:?} from {}",
                    config.seed_write_key,
                    file.display()
                );
            }
        }
        let addr = &config.listen;
        let io_err = |what: String| move |source| StartError::Io { what, source };
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(io_err(format!("binding {addr}")))?;
        let local: SocketAddr = listener
            .local_addr()
            .map_err(io_err("local address".into()))?;
        let sites = Sites::new(config.sites, own_origins(local));
        let extra: Vec<&str> = config
            .seed_rules
            .as_ref()
            .map(|_| config.seed_write_key.as_str())
            .into_iter()
            .collect();
        let new_tokens = sites::ensure_admin_tokens(&db, &sites, &extra)
            .await
            .map_err(|source| StartError::Db {
                path: config.database.to_string(),
                source,
            })?;
        let state = AppState {
            db,
            static_dir: config.static_dir,
            pkg_dir: config.pkg_dir,
            studio_dir: config.studio_dir,
            sites: Arc::new(sites),
            max_body: config.max_body,
            limiter: config
                .rate_limit
                .map(|l| Arc::new(ratelimit::Limiter::new(l))),
            trusted_proxies: config.trusted_proxies.into(),
            retention_days: config.retention_days,
            demo_site: config.demo_backend.then(|| config.seed_write_key.clone()),
        };
        Ok(Server {
            listener,
            state,
            retention_days: config.retention_days,
            addr: local,
            new_tokens,
        })
    }

    /// The server's storage (for tools and tests beside the HTTP API).
    pub fn store(&self) -> &Store {
        &self.state.db
    }

    fn announce(&self) {
        let mut out = std::io::stdout().lock();
        // Test harnesses parse this exact line; it comes first.
        let _ = writeln!(out, "Parcours server listening on http://{}", self.addr);
        for (site, token) in &self.new_tokens {
            let _ = writeln!(
                out,
                "Parcours admin token for site {site:?}: {token} (shown once: the database keeps only its hash)"
            );
        }
        let _ = out.flush();
    }

    /// Prints `Parcours server listening on http://ADDR` (then each new
    /// admin token, once) and serves until `shutdown`, finishing in-flight
    /// requests, then drains the storage writer (every acknowledged event is
    /// committed, every queued one too).
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), StartError> {
        self.announce();
        let chores = tokio::spawn(chores(self.state.clone(), self.retention_days));
        let store = self.state.db.clone();
        let app = app(self.state).into_make_service_with_connect_info::<SocketAddr>();
        let served = axum::serve(self.listener, app)
            .with_graceful_shutdown(shutdown)
            .await;
        chores.abort();
        store.close().await;
        served.map_err(|source| StartError::Io {
            what: "serving".into(),
            source,
        })
    }
}

/// Hourly: the rate limiter forgets idle keys; events older than the
/// retention are deleted.
async fn chores(state: AppState, retention_days: Option<u32>) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
    loop {
        tick.tick().await;
        if let Some(l) = &state.limiter {
            l.shrink();
        }
        if let Some(days) = retention_days {
            let cutoff = validate::format_utc(
                time::OffsetDateTime::now_utc() - time::Duration::days(i64::from(days)),
            );
            match state.db.purge_events_before(&cutoff).await {
                Ok(store::Purged {
                    events: 0,
                    persons: 0,
                }) => {}
                Ok(p) => eprintln!(
                    "parcours-server: retention: deleted {} events older than {days} days, and {} persons with nothing left",
                    p.events, p.persons
                ),
                Err(e) => eprintln!("parcours-server: retention: {e}"),
            }
        }
    }
}

/// Binds and serves until `shutdown` ([`Server::bind`], [`Server::run`]).
pub async fn serve(
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    Server::bind(config).await?.run(shutdown).await
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM. The handlers are installed
/// when this is called, not when the future is first polled (axum polls it
/// from a task of its own, maybe after the first requests): a SIGTERM that
/// arrives once the server answers always shuts it down gracefully. Call it
/// inside the runtime.
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate()).ok();
        let mut int = signal(SignalKind::interrupt()).ok();
        async move {
            let wait = |s: Option<tokio::signal::unix::Signal>| async move {
                match s {
                    Some(mut s) => {
                        s.recv().await;
                    }
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                () = wait(term.take()) => {}
                () = wait(int.take()) => {}
            }
        }
    }
    #[cfg(not(unix))]
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}

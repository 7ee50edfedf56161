//! # Parcours reference server
//!
//! The backend the SDK talks to, small enough to read in one sitting:
//!
//! - `GET /v1/rules?writeKey=K`: the site's rules document, with a strong
//!   `ETag` (304 on `If-None-Match`); `PUT` stores a new one after validating
//!   it with the engine ([`routes::rules`]).
//! - `POST /v1/batch`: Segment-compatible event collector, de-duplicating on
//!   `messageId` ([`routes::batch`], [`validate`]).
//! - the demo (`--static-dir`) at `/` and the built SDK (`--pkg-dir`) at `/pkg/`.
//!
//! [`app`] builds the router from an [`AppState`]; tests drive it with
//! `tower::ServiceExt::oneshot`, `main` serves it ([`serve`]). Storage is
//! SQLite ([`db`]); every failure goes through [`error::AppError`].

#![warn(missing_docs)]

pub mod db;
pub mod error;
pub mod routes;
pub mod validate;

use axum::Router;
use std::future::Future;
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

pub use db::Db;
pub use error::AppError;

/// The database file inside `--data-dir`.
pub const DB_FILE: &str = "parcours.sqlite3";

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub db: Db,
    /// Served at `/` when set.
    pub static_dir: Option<PathBuf>,
    /// Served at `/pkg/` when set.
    pub pkg_dir: Option<PathBuf>,
    /// When set, `PUT /v1/rules` needs `Authorization: Bearer <token>`.
    pub admin_token: Option<String>,
}

impl AppState {
    /// A state with only a database: the API, no static files, open `PUT`.
    pub fn new(db: Db) -> AppState {
        AppState {
            db,
            static_dir: None,
            pkg_dir: None,
            admin_token: None,
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
    /// Interface to listen on.
    pub host: String,
    /// Port; 0 picks a free one.
    pub port: u16,
    /// Holds the SQLite file; created if absent.
    pub data_dir: PathBuf,
    /// Served at `/`.
    pub static_dir: Option<PathBuf>,
    /// Served at `/pkg/`.
    pub pkg_dir: Option<PathBuf>,
    /// A rules document to store at start when the seed site has none.
    pub seed_rules: Option<PathBuf>,
    /// The site the seed rules are for.
    pub seed_write_key: String,
    /// Protects `PUT /v1/rules` when set.
    pub admin_token: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            host: "127.0.0.1".into(),
            port: 8080,
            data_dir: PathBuf::from("data"),
            static_dir: None,
            pkg_dir: None,
            seed_rules: None,
            seed_write_key: "demo".into(),
            admin_token: None,
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
    /// The database could not be opened or migrated.
    #[error("database {path}: {source}")]
    Db {
        /// The database file.
        path: PathBuf,
        /// The cause.
        source: rusqlite::Error,
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

/// Opens the database in `data_dir` (creating both if needed).
pub fn open_db(data_dir: &Path) -> Result<Db, StartError> {
    std::fs::create_dir_all(data_dir).map_err(|source| StartError::Io {
        what: format!("creating data dir {}", data_dir.display()),
        source,
    })?;
    let path = data_dir.join(DB_FILE);
    Db::open(&path).map_err(|source| StartError::Db { path, source })
}

/// Stores the file's rules for `write_key` unless it already has rules.
/// Returns whether it stored them. The file must pass the same validation as
/// `PUT /v1/rules`: a bad demo file is refused at start with every error.
pub fn seed(db: &Db, file: &Path, write_key: &str) -> Result<bool, StartError> {
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
    db.blocking(|c| db::seed_rules(c, write_key, &document))
        .map_err(|source| StartError::Db {
            path: PathBuf::from(DB_FILE),
            source,
        })
}

/// Opens the database, seeds it, binds, prints
/// `Parcours server listening on http://ADDR` and serves until `shutdown`.
pub async fn serve(
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), StartError> {
    let db = open_db(&config.data_dir)?;
    if let Some(file) = &config.seed_rules {
        if seed(&db, file, &config.seed_write_key)? {
            eprintln!(
                "parcours-server: seeded rules for {:?} from {}",
                config.seed_write_key,
                file.display()
            );
        }
    }
    let state = AppState {
        db,
        static_dir: config.static_dir.clone(),
        pkg_dir: config.pkg_dir.clone(),
        admin_token: config.admin_token.clone(),
    };
    let addr = format!("{}:{}", config.host, config.port);
    let io_err = |what: String| move |source| StartError::Io { what, source };
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .map_err(io_err(format!("binding {addr}")))?;
    let local: SocketAddr = listener
        .local_addr()
        .map_err(io_err("local address".into()))?;
    let mut out = std::io::stdout().lock();
    // Test harnesses parse this exact line.
    let _ = writeln!(out, "Parcours server listening on http://{local}");
    let _ = out.flush();
    drop(out);
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(io_err("serving".into()))
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}

//! A throw-away PostgreSQL server for the storage tests and the load bench:
//! Debian's `postgresql` (installed when missing), a fresh data folder in a
//! temporary directory, a free port on 127.0.0.1, trust authentication, run
//! as the `postgres` user (PostgreSQL refuses root). Stopped and deleted on drop.
//!
//! `cargo xtask postgres -- CMD ARGS…` runs CMD with `PARCOURS_TEST_POSTGRES`
//! set to its URL, for developers.

use crate::install;
use crate::util::{exec, output, which, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The variable the server's PostgreSQL tests read the URL from.
pub const ENV: &str = "PARCOURS_TEST_POSTGRES";

/// A running throw-away server.
pub struct Throwaway {
    dir: PathBuf,
    bin: PathBuf,
    /// `postgres://postgres@127.0.0.1:PORT/postgres`.
    pub url: String,
}

/// The folder of `initdb` and `pg_ctl` (Debian keeps them off the PATH).
fn bin_dir() -> Option<PathBuf> {
    if let Some(p) = which("pg_ctl") {
        return std::fs::canonicalize(p)
            .ok()?
            .parent()
            .map(Path::to_path_buf);
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| Some(e.ok()?.path().join("bin")))
        .filter(|b| b.join("pg_ctl").exists())
        .collect();
    versions.sort();
    versions.pop()
}

fn is_root() -> bool {
    output(Command::new("id").arg("-u")).is_some_and(|s| s.trim() == "0")
}

/// `program` run as the `postgres` user when we are root.
fn as_postgres(program: &Path) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn free_port() -> Result<u16> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| format!("free port: {e}"))?;
    l.local_addr()
        .map(|a| a.port())
        .map_err(|e| format!("free port: {e}"))
}

impl Throwaway {
    /// Installs PostgreSQL if needed, initialises and starts a server.
    pub fn start() -> Result<Throwaway> {
        if bin_dir().is_none() {
            install::apt(&[("/usr/lib/postgresql", "postgresql")])?;
        }
        let bin = bin_dir().ok_or("postgresql is installed but pg_ctl is not found")?;
        let dir = std::env::temp_dir().join(format!("parcours-pg-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        if is_root() {
            exec(
                Command::new("chown")
                    .args(["-R", "postgres:postgres"])
                    .arg(&dir),
            )?;
        }
        let data = dir.join("data");
        exec(
            as_postgres(&bin.join("initdb"))
                .args([
                    "--no-sync",
                    "-A",
                    "trust",
                    "-U",
                    "postgres",
                    "-E",
                    "UTF8",
                    "-D",
                ])
                .arg(&data),
        )?;
        let port = free_port()?;
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {port} -k {} -c fsync=on -c max_connections=200",
            dir.display()
        );
        let server = Throwaway {
            url: format!("postgres://postgres@127.0.0.1:{port}/postgres"),
            dir,
            bin,
        };
        exec(
            as_postgres(&server.bin.join("pg_ctl"))
                .args(["-s", "-w", "-D"])
                .arg(&data)
                .arg("-l")
                .arg(server.dir.join("log"))
                .args(["-o", &options, "start"]),
        )?;
        Ok(server)
    }
}

impl Drop for Throwaway {
    fn drop(&mut self) {
        let _ = as_postgres(&self.bin.join("pg_ctl"))
            .args(["-s", "-w", "-m", "fast", "-D"])
            .arg(self.dir.join("data"))
            .arg("stop")
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// `cargo xtask postgres -- CMD ARGS…`.
pub fn run(args: &[String]) -> Result {
    let args = args.strip_prefix(&["--".to_owned()]).unwrap_or(args);
    let (program, rest) = args
        .split_first()
        .ok_or("usage: cargo xtask postgres -- CMD [ARGS…]")?;
    let pg = Throwaway::start()?;
    eprintln!("xtask: throw-away PostgreSQL at {} ({ENV})", pg.url);
    exec(Command::new(program).args(rest).env(ENV, &pg.url))
}

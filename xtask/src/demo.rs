//! `cargo xtask demo [--port N]`: builds the SDK, starts the reference server
//! on 127.0.0.1 with SQLite under `data/` and the demo shop, and prints the
//! shop's and the studio's URLs and the demo site's admin token once the
//! server answers `GET /healthz`.
//!
//! The demo site gets a user-token secret (`data/sites.toml`, written once
//! with a random secret) and `--demo-backend`, so the shop's account page can
//! sign a visitor in through `POST /demo/login`, the server's stand-in for a
//! site backend. A real site signs its user tokens in its own backend.

use crate::util::{cargo, root, Result};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

/// Builds and serves the demo until interrupted.
pub fn run(args: &[String]) -> Result {
    crate::build::build()?;
    let port = match args {
        [flag, port] if flag == "--port" => port.clone(),
        [] => std::env::var("PARCOURS_PORT").unwrap_or_else(|_| "8080".into()),
        _ => return Err("usage: cargo xtask demo [--port N]".into()),
    };
    let addr = format!("127.0.0.1:{port}");
    let sites = sites_file()?;
    eprintln!("Starting the Parcours demo (rules: demo/rules.json, data: data/) …");
    let mut child = cargo()
        .args(["run", "--release", "-p", "parcours-server", "--", "serve"])
        .args(["--listen", &addr, "--database", "data/parcours.sqlite3"])
        .args(["--static-dir", "demo", "--pkg-dir", "pkg"])
        .arg("--studio-dir")
        .arg(crate::studio::out_dir())
        .args([
            "--seed-rules",
            "demo/rules.json",
            "--seed-write-key",
            "demo",
        ])
        .args(["--sites", &sites, "--demo-backend"])
        .current_dir(root())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start the server: {e}"))?;
    // The server prints its generated admin token once, on its first start.
    let (tx, rx) = mpsc::channel();
    let stdout = child.stdout.take().ok_or("no server stdout")?;
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(|l| l.ok()) {
            if let Some(rest) = line.strip_prefix("Parcours admin token for site \"demo\": ") {
                let _ = tx.send(rest.split(' ').next().unwrap_or("").to_owned());
            } else {
                println!("{line}");
            }
        }
    });
    loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            return Err(format!("the server stopped before answering ({status})"));
        }
        if healthy(&addr) {
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let token = rx.recv_timeout(Duration::from_millis(300)).ok();
    println!("\nParcours demo is up:");
    println!("  shop:   http://{addr}/");
    println!("  studio: http://{addr}/studio/");
    match token {
        Some(t) => println!("  admin token of site \"demo\" (shown once, keep it): {t}"),
        None => println!(
            "  admin token of site \"demo\": the one shown when data/ was created (delete data/ for a new one)"
        ),
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("the server exited with {status}"))
    }
}

/// `data/sites.toml`, written once: the demo site with a random
/// `user_token_secret` (the server allows its own origin without `origins`).
fn sites_file() -> Result<String> {
    let path = root().join("data/sites.toml");
    if !path.exists() {
        let mut bytes = [0u8; 24];
        std::fs::File::open("/dev/urandom")
            .and_then(|mut f| f.read_exact(&mut bytes))
            .map_err(|e| format!("no random bytes for the demo's user-token secret: {e}"))?;
        let secret: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        std::fs::create_dir_all(root().join("data")).map_err(|e| e.to_string())?;
        let text = format!(
            "# Written by `cargo xtask demo`: the demo site's secret for signing user tokens\n\
             # (POST /demo/login stands in for the site's backend). Delete it for a new one.\n\
             [sites.demo]\nuser_token_secret = \"{secret}\"\n"
        );
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok("data/sites.toml".into())
}

/// Whether `GET /healthz` answers 200.
fn healthy(addr: &str) -> bool {
    let Ok(mut s) = TcpStream::connect(addr) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(3)));
    let req = format!("GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    if s.write_all(req.as_bytes()).is_err() {
        return false;
    }
    let mut head = [0u8; 12];
    s.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.1 200")
}

//! What the server is configured with: the database, the sites (from the
//! `--sites` TOML file), the body limit and the rate limit. Parsed by
//! `main` (clap) and by tests directly.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where events and rules are stored (`--database`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    /// A SQLite file (created with its folder if absent).
    Sqlite(PathBuf),
    /// A `postgres://` URL, for the storage module that speaks PostgreSQL.
    Postgres(String),
}

impl Database {
    /// `postgres://…` / `postgresql://…` is PostgreSQL; anything else a SQLite path.
    pub fn parse(s: &str) -> Database {
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            Database::Postgres(s.to_owned())
        } else {
            Database::Sqlite(PathBuf::from(s))
        }
    }
}

impl fmt::Display for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Database::Sqlite(p) => write!(f, "{}", p.display()),
            // The URL may hold a password: show only its scheme and host part.
            Database::Postgres(url) => {
                let host = url.rsplit_once('@').map_or("", |(_, h)| h);
                write!(f, "postgres://…@{host}")
            }
        }
    }
}

/// A secret from the configuration: compared, never printed (`Debug` hides it).
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(pub String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(…)")
    }
}

/// One site of the `--sites` file (`[sites.<writeKey>]`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    /// Origins whose pages may call the API for this site
    /// (`https://shop.example`); `"*"` allows any. Empty: the server's own.
    #[serde(default)]
    pub origins: Vec<String>,
    /// Protects rules writes; generated at first start and kept in the database when absent.
    pub admin_token: Option<Secret>,
    /// Signs this site's user tokens (HMAC-SHA256); without it, no user token is accepted.
    pub user_token_secret: Option<Secret>,
    /// Server-side sources send it as the HTTP Basic password.
    pub source_key: Option<Secret>,
}

/// The `--sites` file: `[sites.<writeKey>]` tables.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SitesFile {
    /// By write key.
    #[serde(default)]
    pub sites: BTreeMap<String, SiteConfig>,
}

/// Why a configuration value is unusable.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The sites file cannot be read.
    #[error("sites file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The sites file is not valid TOML of the expected shape.
    #[error("sites file {path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's message, with line and column.
        message: String,
    },
    /// A site's origin is not `scheme://host[:port]`.
    #[error("sites file {path}: [sites.{site}] origin {origin:?} is not scheme://host[:port] (or \"*\")")]
    Origin {
        /// The file.
        path: PathBuf,
        /// The write key.
        site: String,
        /// The value.
        origin: String,
    },
    /// `--rate-limit` is not `N/s`, `N/min`, `N/h` or `off`.
    #[error("rate limit {0:?}: expected N/s, N/min, N/h or off (e.g. 600/min)")]
    RateLimit(String),
    /// `--max-body` is not a size.
    #[error("body size {0:?}: expected bytes, or a number with K, KB, M or MB")]
    Size(String),
}

impl SitesFile {
    /// Reads and checks a `--sites` file.
    pub fn load(path: &Path) -> Result<SitesFile, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let mut file: SitesFile = toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        for (site, cfg) in &mut file.sites {
            for origin in &mut cfg.origins {
                let normalised = normalise_origin(origin).ok_or_else(|| ConfigError::Origin {
                    path: path.to_owned(),
                    site: site.clone(),
                    origin: origin.clone(),
                })?;
                *origin = normalised;
            }
        }
        Ok(file)
    }
}

/// `Https://Shop.example/` → `https://shop.example`; `None` if not an origin.
pub fn normalise_origin(s: &str) -> Option<String> {
    if s == "*" {
        return Some(s.to_owned());
    }
    let s = s.trim().trim_end_matches('/').to_ascii_lowercase();
    let (scheme, rest) = s.split_once("://")?;
    let ok = matches!(scheme, "http" | "https")
        && !rest.is_empty()
        && !rest.contains(['/', '?', '#', '@', ' ']);
    ok.then_some(s)
}

/// Requests allowed per write key and client address in each period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests per period (also the burst).
    pub requests: u32,
    /// The period.
    pub per: Duration,
}

impl RateLimit {
    /// The documented default: 600 requests per minute per address and site.
    pub const DEFAULT: RateLimit = RateLimit {
        requests: 600,
        per: Duration::from_secs(60),
    };

    /// `600/min`, `20/s`, `5000/h`, or `off` / `0` (no limit → `None`).
    pub fn parse(s: &str) -> Result<Option<RateLimit>, ConfigError> {
        let t = s.trim().to_ascii_lowercase();
        if matches!(t.as_str(), "off" | "0" | "none") {
            return Ok(None);
        }
        let err = || ConfigError::RateLimit(s.to_owned());
        let (n, unit) = t.split_once('/').unwrap_or((&t, "min"));
        let requests: u32 = n.trim().parse().map_err(|_| err())?;
        let secs = match unit.trim() {
            "s" | "sec" | "second" => 1,
            "m" | "min" | "minute" => 60,
            "h" | "hour" => 3600,
            _ => return Err(err()),
        };
        if requests == 0 {
            return Ok(None);
        }
        Ok(Some(RateLimit {
            requests,
            per: Duration::from_secs(secs),
        }))
    }
}

/// `512000`, `500K`, `500KB`, `2M`, `2MB` (K = 1024) → bytes.
pub fn parse_size(s: &str) -> Result<usize, ConfigError> {
    let t = s.trim().to_ascii_uppercase();
    let (digits, mult) = if let Some(n) = t.strip_suffix("KB").or_else(|| t.strip_suffix('K')) {
        (n, 1024)
    } else if let Some(n) = t.strip_suffix("MB").or_else(|| t.strip_suffix('M')) {
        (n, 1024 * 1024)
    } else {
        (t.strip_suffix('B').unwrap_or(&t), 1)
    };
    digits
        .trim()
        .parse::<usize>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
        .filter(|n| *n > 0)
        .ok_or_else(|| ConfigError::Size(s.to_owned()))
}

/// The networks whose `X-Forwarded-For` is believed (`--trusted-proxy`).
pub fn parse_ips(list: &[String]) -> Result<Vec<IpAddr>, String> {
    list.iter()
        .flat_map(|s| s.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse()
                .map_err(|_| format!("trusted proxy {s:?} is not an IP address"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limits_sizes_and_origins_parse() {
        assert_eq!(
            RateLimit::parse("600/min").unwrap(),
            Some(RateLimit::DEFAULT)
        );
        assert_eq!(
            RateLimit::parse("20/s").unwrap().unwrap().per,
            Duration::from_secs(1)
        );
        assert_eq!(RateLimit::parse("off").unwrap(), None);
        assert!(RateLimit::parse("fast").is_err());
        assert_eq!(parse_size("500KB").unwrap(), 512_000);
        assert_eq!(parse_size("1M").unwrap(), 1 << 20);
        assert_eq!(parse_size("1000").unwrap(), 1000);
        assert!(parse_size("lots").is_err());
        assert_eq!(
            normalise_origin("HTTPS://Shop.example/").as_deref(),
            Some("https://shop.example")
        );
        assert_eq!(normalise_origin("shop.example"), None);
        assert_eq!(normalise_origin("https://shop.example/path"), None);
    }

    #[test]
    fn database_urls_and_paths_are_told_apart_and_passwords_never_shown() {
        let pg = Database::parse("postgres://u:pw@db:5432/parcours");
        assert!(matches!(pg, Database::Postgres(_)));
        assert!(!pg.to_string().contains("pw"));
        assert_eq!(
            Database::parse("data/x.sqlite3"),
            Database::Sqlite("data/x.sqlite3".into())
        );
    }

    #[test]
    fn a_sites_file_is_read_and_its_secrets_are_not_debug_printed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sites.toml");
        std::fs::write(
            &path,
            "[sites.shop]\norigins = [\"https://Shop.example\"]\nadmin_token = \"zq-secret-1\"\nsource_key = \"sk\"\n",
        )
        .unwrap();
        let file = SitesFile::load(&path).unwrap();
        let shop = &file.sites["shop"];
        assert_eq!(shop.origins, ["https://shop.example"]);
        assert!(!format!("{shop:?}").contains("zq-secret-1"));
        std::fs::write(&path, "[sites.shop]\norigin = []\n").unwrap();
        let err = SitesFile::load(&path).unwrap_err().to_string();
        assert!(err.contains("origin"), "{err}");
    }
}

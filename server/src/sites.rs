//! The sites the server serves and what each allows: origins, the admin
//! token (configured, or generated at first start and kept hashed in the
//! database), the user-token secret and the source key.

use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use subtle::ConstantTimeEq;

use crate::config::SiteConfig;
use crate::store::{Store, StoreError};
use crate::AppError;

/// Every configured site, and the server's own origins (always allowed:
/// the demo and the studio are served by the server itself).
#[derive(Debug, Clone, Default)]
pub struct Sites {
    configured: BTreeMap<String, SiteConfig>,
    own_origins: Vec<String>,
}

static UNCONFIGURED: SiteConfig = SiteConfig {
    origins: Vec::new(),
    admin_token: None,
    user_token_secret: None,
    source_key: None,
};

impl Sites {
    /// From the `--sites` file's tables and the origins of the bound address.
    pub fn new(configured: BTreeMap<String, SiteConfig>, own_origins: Vec<String>) -> Sites {
        Sites {
            configured,
            own_origins,
        }
    }

    /// A site's settings; a site known only to the database gets the defaults.
    pub fn get(&self, write_key: &str) -> &SiteConfig {
        self.configured.get(write_key).unwrap_or(&UNCONFIGURED)
    }

    /// The configured write keys.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.configured.keys().map(String::as_str)
    }

    /// The server's own origins (`http://127.0.0.1:8080`, …).
    pub fn own_origins(&self) -> &[String] {
        &self.own_origins
    }

    /// Whether pages of `origin` may call the API for `write_key`.
    pub fn origin_allowed(&self, write_key: &str, origin: &str) -> bool {
        self.own_origins.iter().any(|o| o == origin) || listed(&self.get(write_key).origins, origin)
    }

    /// Whether `origin` may call the API for at least one site (preflights,
    /// which carry no write key).
    pub fn origin_allowed_anywhere(&self, origin: &str) -> bool {
        self.own_origins.iter().any(|o| o == origin)
            || self.configured.values().any(|s| listed(&s.origins, origin))
    }
}

fn listed(origins: &[String], origin: &str) -> bool {
    origins
        .iter()
        .any(|o| o == "*" || o.eq_ignore_ascii_case(origin))
}

/// Hex SHA-256 of a token: what the database keeps.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Equal in constant time (for equal lengths; hashes always are).
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// A new admin token: 32 random bytes, base64url.
pub fn generate_token() -> String {
    use base64::Engine as _;
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the OS random source");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// At start: every site without a configured admin token gets one stored
/// (hashed) unless it has one. Returns the tokens made now, to print once.
pub async fn ensure_admin_tokens(
    db: &Store,
    sites: &Sites,
    extra: &[&str],
) -> Result<Vec<(String, String)>, StoreError> {
    let mut keys: Vec<String> = db.known_sites().await?;
    keys.extend(sites.keys().map(str::to_owned));
    keys.extend(extra.iter().map(|k| (*k).to_owned()));
    keys.sort();
    keys.dedup();
    let mut made = Vec::new();
    for key in keys {
        if sites.get(&key).admin_token.is_some() {
            // Registered so that batches are accepted before any rules exist.
            db.register_site(&key).await?;
            continue;
        }
        let token = generate_token();
        if db
            .create_admin_token_if_absent(&key, &token_hash(&token))
            .await?
        {
            made.push((key, token));
        }
    }
    Ok(made)
}

/// `PUT /v1/rules` (and every other rules write) needs
/// `Authorization: Bearer <the site's admin token>`.
pub async fn authorize_admin(
    db: &Store,
    sites: &Sites,
    write_key: &str,
    authorization: Option<&str>,
) -> Result<(), AppError> {
    let refused = || {
        AppError::Unauthorized(
            "rules writes need Authorization: Bearer <the site's admin token>".into(),
        )
    };
    let given = authorization
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(refused)?;
    let given = token_hash(given);
    let expected = match &sites.get(write_key).admin_token {
        Some(t) => token_hash(&t.0),
        None => {
            db.admin_token_hash(write_key)
                .await?
                .ok_or_else(|| {
                    AppError::Unauthorized(format!(
                        "site {write_key:?} has no admin token: add it to the --sites file (or restart the server to generate one)"
                    ))
                })?
        }
    };
    if same_secret(&given, &expected) {
        Ok(())
    } else {
        Err(refused())
    }
}

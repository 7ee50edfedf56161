//! Rules history and drafts on SQLite: every published document kept by
//! version (for `GET /v1/rules/versions` and rollback), and the studio's
//! short-lived drafts (migration 5).

use rusqlite::{params, Connection, OptionalExtension};

use super::{RulesVersion, StoredRules};

/// Migration 5: the history (back-filled with each site's current rules) and drafts.
pub const MIGRATION: &str = "CREATE TABLE rules_versions (
         write_key  TEXT NOT NULL,
         version    INTEGER NOT NULL,
         document   TEXT NOT NULL,
         etag       TEXT NOT NULL,
         created_at TEXT NOT NULL,
         PRIMARY KEY (write_key, version)
     );
     INSERT INTO rules_versions (write_key, version, document, etag, created_at)
         SELECT write_key, version, document, etag, updated_at FROM rules;
     CREATE TABLE rules_drafts (
         write_key  TEXT NOT NULL,
         token_hash TEXT NOT NULL,
         document   TEXT NOT NULL,
         expires_at TEXT NOT NULL,
         PRIMARY KEY (write_key, token_hash)
     );";

/// Records the rules just stored as their version (same transaction).
pub fn record(conn: &Connection, write_key: &str, stored: &StoredRules) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO rules_versions (write_key, version, document, etag, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        write_key,
        stored.version,
        stored.document,
        stored.etag,
        stored.updated_at
    ])?;
    Ok(())
}

/// The newest `limit` versions, newest first.
pub fn versions(
    conn: &Connection,
    write_key: &str,
    limit: i64,
) -> rusqlite::Result<Vec<RulesVersion>> {
    let mut stmt = conn.prepare_cached(
        "SELECT version, etag, created_at, json_extract(document, '$.version')
         FROM rules_versions WHERE write_key = ?1 ORDER BY version DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![write_key, limit], |r| {
        Ok(RulesVersion {
            version: r.get(0)?,
            etag: r.get(1)?,
            created_at: r.get(2)?,
            rules_version: r
                .get::<_, Option<rusqlite::types::Value>>(3)?
                .and_then(|v| match v {
                    rusqlite::types::Value::Text(s) => Some(s),
                    rusqlite::types::Value::Integer(n) => Some(n.to_string()),
                    rusqlite::types::Value::Real(x) => Some(x.to_string()),
                    _ => None,
                }),
        })
    })?;
    rows.collect()
}

/// One version's document.
pub fn version(
    conn: &Connection,
    write_key: &str,
    version: i64,
) -> rusqlite::Result<Option<StoredRules>> {
    conn.prepare_cached(
        "SELECT document, etag, version, created_at FROM rules_versions
         WHERE write_key = ?1 AND version = ?2",
    )?
    .query_row(params![write_key, version], super::sqlite::stored_rules)
    .optional()
}

/// Stores a draft under its token's hash, dropping the site's expired ones.
pub fn put_draft(
    conn: &Connection,
    write_key: &str,
    token_hash: &str,
    document: &str,
    expires_at: &str,
    now: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        "DELETE FROM rules_drafts WHERE write_key = ?1 AND expires_at <= ?2",
        params![write_key, now],
    )?;
    conn.execute(
        "INSERT OR REPLACE INTO rules_drafts (write_key, token_hash, document, expires_at)
         VALUES (?1, ?2, ?3, ?4)",
        params![write_key, token_hash, document, expires_at],
    )?;
    Ok(())
}

/// The draft of a token's hash, if it has not expired at `now`.
pub fn draft(
    conn: &Connection,
    write_key: &str,
    token_hash: &str,
    now: &str,
) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached(
        "SELECT document FROM rules_drafts
         WHERE write_key = ?1 AND token_hash = ?2 AND expires_at > ?3",
    )?
    .query_row(params![write_key, token_hash, now], |r| r.get(0))
    .optional()
}

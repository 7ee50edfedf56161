//! Rules history and drafts on PostgreSQL (migration 3); see
//! [`super::sqlite_rules`] for what they are.

use deadpool_postgres::GenericClient;
use tokio_postgres::Error;

use super::{RulesVersion, StoredRules};

/// Migration 3: the history (back-filled with each site's current rules) and drafts.
pub const MIGRATION: &str = "CREATE TABLE rules_versions (
         write_key  TEXT NOT NULL,
         version    BIGINT NOT NULL,
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
pub async fn record(
    c: &impl GenericClient,
    write_key: &str,
    stored: &StoredRules,
) -> Result<(), Error> {
    c.execute(
        "INSERT INTO rules_versions (write_key, version, document, etag, created_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (write_key, version) DO UPDATE SET
             document = excluded.document, etag = excluded.etag, created_at = excluded.created_at",
        &[
            &write_key,
            &stored.version,
            &stored.document,
            &stored.etag,
            &stored.updated_at,
        ],
    )
    .await?;
    Ok(())
}

/// The newest `limit` versions, newest first.
pub async fn versions(
    c: &impl GenericClient,
    write_key: &str,
    limit: i64,
) -> Result<Vec<RulesVersion>, Error> {
    let rows = c
        .query(
            "SELECT version, etag, created_at, document::json->>'version'
             FROM rules_versions WHERE write_key = $1 ORDER BY version DESC LIMIT $2",
            &[&write_key, &limit],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| RulesVersion {
            version: r.get(0),
            etag: r.get(1),
            created_at: r.get(2),
            rules_version: r.get(3),
        })
        .collect())
}

/// One version's document.
pub async fn version(
    c: &impl GenericClient,
    write_key: &str,
    version: i64,
) -> Result<Option<StoredRules>, Error> {
    let row = c
        .query_opt(
            "SELECT document, etag, version, created_at FROM rules_versions
             WHERE write_key = $1 AND version = $2",
            &[&write_key, &version],
        )
        .await?;
    Ok(row.map(|r| StoredRules {
        document: r.get(0),
        etag: r.get(1),
        version: r.get(2),
        updated_at: r.get(3),
    }))
}

/// Stores a draft under its token's hash, dropping the site's expired ones.
pub async fn put_draft(
    c: &impl GenericClient,
    write_key: &str,
    token_hash: &str,
    document: &str,
    expires_at: &str,
    now: &str,
) -> Result<(), Error> {
    c.execute(
        "DELETE FROM rules_drafts WHERE write_key = $1 AND expires_at <= $2",
        &[&write_key, &now],
    )
    .await?;
    c.execute(
        "INSERT INTO rules_drafts (write_key, token_hash, document, expires_at)
         VALUES ($1, $2, $3, $4)
         ON CONFLICT (write_key, token_hash) DO UPDATE SET
             document = excluded.document, expires_at = excluded.expires_at",
        &[&write_key, &token_hash, &document, &expires_at],
    )
    .await?;
    Ok(())
}

/// The draft of a token's hash, if it has not expired at `now`.
pub async fn draft(
    c: &impl GenericClient,
    write_key: &str,
    token_hash: &str,
    now: &str,
) -> Result<Option<String>, Error> {
    let row = c
        .query_opt(
            "SELECT document FROM rules_drafts
             WHERE write_key = $1 AND token_hash = $2 AND expires_at > $3",
            &[&write_key, &token_hash, &now],
        )
        .await?;
    Ok(row.map(|r| r.get(0)))
}

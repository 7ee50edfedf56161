//! Per-site records the HTTP side needs beside [`crate::db`]: the site's
//! generated admin token (only its SHA-256 is kept), and the retention purge.
//!
//! The table is created idempotently by [`ensure_schema`] at open, outside
//! the numbered migrations, so this file can be ported to another store as is.

use rusqlite::{params, Connection, OptionalExtension};

/// Creates the table when absent (safe to call at every start).
pub fn ensure_schema(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS site_admin_tokens (
             write_key  TEXT PRIMARY KEY NOT NULL,
             token_hash TEXT NOT NULL,
             created_at TEXT NOT NULL
         );",
    )
}

/// The stored admin token hash of a site (hex SHA-256), if it has one.
pub fn admin_token_hash(conn: &Connection, write_key: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row(
        "SELECT token_hash FROM site_admin_tokens WHERE write_key = ?1",
        [write_key],
        |r| r.get(0),
    )
    .optional()
}

/// Stores `token_hash` for the site unless it has one; `true` if stored now
/// (the caller then prints the token, once). Also registers the site.
pub fn create_admin_token_if_absent(
    conn: &Connection,
    write_key: &str,
    token_hash: &str,
) -> rusqlite::Result<bool> {
    register_site(conn, write_key)?;
    let now = crate::db::now_rfc3339();
    let n = conn.execute(
        "INSERT OR IGNORE INTO site_admin_tokens (write_key, token_hash, created_at)
         VALUES (?1, ?2, ?3)",
        params![write_key, token_hash, now],
    )?;
    Ok(n == 1)
}

/// Registers a site (so its events are accepted before it has rules).
pub fn register_site(conn: &Connection, write_key: &str) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT OR IGNORE INTO sites (write_key, created_at) VALUES (?1, ?2)",
        params![write_key, crate::db::now_rfc3339()],
    )?;
    Ok(())
}

/// Every site the database knows (registered or with rules).
pub fn known_sites(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut stmt =
        conn.prepare("SELECT write_key FROM sites UNION SELECT write_key FROM rules ORDER BY 1")?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    rows.collect()
}

/// Deletes events received before `cutoff` (RFC 3339 UTC, as stored); how many.
pub fn purge_events_before(conn: &Connection, cutoff: &str) -> rusqlite::Result<usize> {
    conn.execute("DELETE FROM events WHERE received_at < ?1", [cutoff])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_token_stays_and_the_schema_is_idempotent() {
        let db = crate::Db::open_in_memory().unwrap();
        db.blocking(|c| {
            ensure_schema(c)?;
            ensure_schema(c)?;
            assert!(create_admin_token_if_absent(c, "s", "h1")?);
            assert!(!create_admin_token_if_absent(c, "s", "h2")?);
            assert_eq!(admin_token_hash(c, "s")?.as_deref(), Some("h1"));
            assert_eq!(admin_token_hash(c, "t")?, None);
            assert_eq!(known_sites(c)?, ["s"]);
            Ok(())
        })
        .unwrap();
    }
}

//! SQLite storage: sites, their rules document, and received events.
//!
//! One connection behind a mutex, used from async handlers through
//! [`Db::run`] (`spawn_blocking`), so SQLite never blocks the runtime. The
//! schema is versioned with `PRAGMA user_version`: [`MIGRATIONS`] are applied
//! in order at open, each in its own transaction; later changes append one.

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::path::Path;
use std::sync::{Arc, Mutex};

use crate::error::AppError;

/// The schema, one entry per version. Never edit a shipped entry: append.
pub const MIGRATIONS: &[&str] = &[
    // 1: sites, rules, events.
    "CREATE TABLE sites (
         write_key  TEXT PRIMARY KEY NOT NULL,
         created_at TEXT NOT NULL
     );
     CREATE TABLE rules (
         write_key  TEXT PRIMARY KEY NOT NULL REFERENCES sites(write_key),
         document   TEXT NOT NULL,
         etag       TEXT NOT NULL,
         version    INTEGER NOT NULL,
         updated_at TEXT NOT NULL
     );
     CREATE TABLE events (
         id           INTEGER PRIMARY KEY,
         write_key    TEXT NOT NULL,
         message_id   TEXT NOT NULL,
         type         TEXT NOT NULL,
         event        TEXT,
         anonymous_id TEXT,
         user_id      TEXT,
         timestamp    TEXT NOT NULL,
         received_at  TEXT NOT NULL,
         payload      TEXT NOT NULL,
         UNIQUE (write_key, message_id)
     );",
];

/// The stored rules of one site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRules {
    /// The JSON document, byte for byte as it was stored.
    pub document: String,
    /// Strong ETag, quotes included (`"…"`).
    pub etag: String,
    /// Revision counter: 1 for the first document, +1 per update.
    pub version: i64,
    /// When it was stored (RFC 3339, UTC).
    pub updated_at: String,
}

/// One valid message, ready to store.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// Client-chosen id, unique per write key.
    pub message_id: String,
    /// `track`, `page`, …
    pub kind: String,
    /// The event name (track) or page/screen name.
    pub event: Option<String>,
    /// The anonymous visitor id.
    pub anonymous_id: Option<String>,
    /// The known user id.
    pub user_id: Option<String>,
    /// When it happened (RFC 3339, UTC).
    pub timestamp: String,
    /// The message as it was sent.
    pub payload: String,
}

/// One stored event, as the `events` command prints it.
#[derive(Debug, Clone, Serialize)]
pub struct StoredEvent {
    /// The site.
    pub write_key: String,
    /// Client-chosen id.
    pub message_id: String,
    /// `track`, `page`, …
    #[serde(rename = "type")]
    pub kind: String,
    /// Event or page name.
    pub event: Option<String>,
    /// Anonymous visitor id.
    pub anonymous_id: Option<String>,
    /// Known user id.
    pub user_id: Option<String>,
    /// When it happened.
    pub timestamp: String,
    /// When the server stored it.
    pub received_at: String,
    /// The message as sent.
    pub payload: serde_json::Value,
}

/// How a batch insert went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Inserted {
    /// Newly stored.
    pub accepted: usize,
    /// Already stored under the same `messageId` (this or an earlier batch).
    pub duplicates: usize,
}

/// A shared handle on the database.
#[derive(Clone)]
pub struct Db {
    conn: Arc<Mutex<Connection>>,
}

impl Db {
    /// Opens (creating if needed) the database file, in WAL mode, and migrates it.
    pub fn open(path: &Path) -> Result<Db, rusqlite::Error> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        Db::with_connection(conn)
    }

    /// An in-memory database (tests, tools).
    pub fn open_in_memory() -> Result<Db, rusqlite::Error> {
        Db::with_connection(Connection::open_in_memory()?)
    }

    fn with_connection(mut conn: Connection) -> Result<Db, rusqlite::Error> {
        migrate(&mut conn)?;
        Ok(Db {
            conn: Arc::new(Mutex::new(conn)),
        })
    }

    /// Runs `f` on the connection, here and now (CLI, startup, tests).
    pub fn blocking<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T> {
        // A panic while holding the lock leaves no half-done transaction
        // (rusqlite rolls back on drop), so a poisoned lock is still usable.
        let mut conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut conn)
    }

    /// Runs `f` on the connection in the blocking pool (async handlers).
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, AppError> {
        let db = self.clone();
        Ok(tokio::task::spawn_blocking(move || db.blocking(f)).await??)
    }
}

/// Applies the migrations the database does not have yet.
pub fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    let current: usize = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if current > MIGRATIONS.len() {
        return Err(rusqlite::Error::InvalidParameterName(format!(
            "database schema version {current} is newer than this server ({}); upgrade the server",
            MIGRATIONS.len()
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i + 1)?;
        tx.commit()?;
    }
    Ok(())
}

/// The current time as RFC 3339 UTC with milliseconds.
pub fn now_rfc3339() -> String {
    crate::validate::format_utc(time::OffsetDateTime::now_utc())
}

/// The strong ETag of a document: a hash of its bytes.
pub fn etag_of(document: &str) -> String {
    let digest = Sha256::digest(document.as_bytes());
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    format!("\"{hex}\"")
}

/// Whether a site exists (it has rules or was registered).
pub fn site_known(conn: &Connection, write_key: &str) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS(SELECT 1 FROM sites WHERE write_key = ?1)
             OR EXISTS(SELECT 1 FROM rules WHERE write_key = ?1)",
        [write_key],
        |r| r.get(0),
    )
}

/// The rules of a site, if any.
pub fn rules(conn: &Connection, write_key: &str) -> rusqlite::Result<Option<StoredRules>> {
    conn.query_row(
        "SELECT document, etag, version, updated_at FROM rules WHERE write_key = ?1",
        [write_key],
        |r| {
            Ok(StoredRules {
                document: r.get(0)?,
                etag: r.get(1)?,
                version: r.get(2)?,
                updated_at: r.get(3)?,
            })
        },
    )
    .optional()
}

/// Stores `document` as the rules of `write_key` (creating the site), and
/// returns what was stored. The document must already be validated.
pub fn put_rules(
    conn: &mut Connection,
    write_key: &str,
    document: &str,
) -> rusqlite::Result<StoredRules> {
    let tx = conn.transaction()?;
    let stored = write_rules(&tx, write_key, document)?;
    tx.commit()?;
    Ok(stored)
}

/// The two statements of [`put_rules`], inside the caller's transaction.
fn write_rules(tx: &Connection, write_key: &str, document: &str) -> rusqlite::Result<StoredRules> {
    let now = now_rfc3339();
    let etag = etag_of(document);
    tx.execute(
        "INSERT OR IGNORE INTO sites (write_key, created_at) VALUES (?1, ?2)",
        params![write_key, now],
    )?;
    tx.execute(
        "INSERT INTO rules (write_key, document, etag, version, updated_at)
         VALUES (?1, ?2, ?3, 1, ?4)
         ON CONFLICT (write_key) DO UPDATE SET
             document = excluded.document, etag = excluded.etag,
             version = rules.version + 1, updated_at = excluded.updated_at",
        params![write_key, document, etag, now],
    )?;
    rules(tx, write_key)?.ok_or(rusqlite::Error::QueryReturnedNoRows)
}

/// Stores `document` if `allowed(current rules)`; otherwise `Err` with the
/// current ETag (for `If-Match`). Checked and written in one transaction.
pub fn put_rules_if(
    conn: &mut Connection,
    write_key: &str,
    document: &str,
    allowed: impl FnOnce(Option<&StoredRules>) -> bool,
) -> rusqlite::Result<Result<StoredRules, Option<String>>> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let current = rules(&tx, write_key)?;
    if !allowed(current.as_ref()) {
        return Ok(Err(current.map(|r| r.etag)));
    }
    let stored = write_rules(&tx, write_key, document)?;
    tx.commit()?;
    Ok(Ok(stored))
}

/// Stores `document` only if the site has no rules yet; `true` if it did.
pub fn seed_rules(
    conn: &mut Connection,
    write_key: &str,
    document: &str,
) -> rusqlite::Result<bool> {
    if rules(conn, write_key)?.is_some() {
        return Ok(false);
    }
    put_rules(conn, write_key, document)?;
    Ok(true)
}

/// Stores events, ignoring any whose `messageId` is already stored for this
/// site (including earlier ones in the same call). One transaction.
pub fn insert_events(
    conn: &mut Connection,
    write_key: &str,
    events: &[NewEvent],
) -> rusqlite::Result<Inserted> {
    let received_at = now_rfc3339();
    let tx = conn.transaction()?;
    let mut accepted = 0;
    {
        let mut stmt = tx.prepare_cached(
            "INSERT OR IGNORE INTO events
                 (write_key, message_id, type, event, anonymous_id, user_id, timestamp, received_at, payload)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?;
        for e in events {
            accepted += stmt.execute(params![
                write_key,
                e.message_id,
                e.kind,
                e.event,
                e.anonymous_id,
                e.user_id,
                e.timestamp,
                received_at,
                e.payload,
            ])?;
        }
    }
    tx.commit()?;
    Ok(Inserted {
        accepted,
        duplicates: events.len() - accepted,
    })
}

/// Deletes every event of `write_key` sent by this anonymous id or user id.
/// Returns how many were deleted.
pub fn erase_visitor(
    conn: &Connection,
    write_key: &str,
    anonymous_id: Option<&str>,
    user_id: Option<&str>,
) -> rusqlite::Result<usize> {
    conn.execute(
        "DELETE FROM events WHERE write_key = ?1
           AND ((?2 IS NOT NULL AND anonymous_id = ?2) OR (?3 IS NOT NULL AND user_id = ?3))",
        params![write_key, anonymous_id, user_id],
    )
}

/// Every stored event (of one site, or all), in the order received.
pub fn events(conn: &Connection, write_key: Option<&str>) -> rusqlite::Result<Vec<StoredEvent>> {
    let mut stmt = conn.prepare(
        "SELECT write_key, message_id, type, event, anonymous_id, user_id, timestamp, received_at, payload
         FROM events WHERE ?1 IS NULL OR write_key = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([write_key], |r| {
        let payload: String = r.get(8)?;
        Ok(StoredEvent {
            write_key: r.get(0)?,
            message_id: r.get(1)?,
            kind: r.get(2)?,
            event: r.get(3)?,
            anonymous_id: r.get(4)?,
            user_id: r.get(5)?,
            timestamp: r.get(6)?,
            received_at: r.get(7)?,
            payload: serde_json::from_str(&payload).unwrap_or(serde_json::Value::String(payload)),
        })
    })?;
    rows.collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: &str) -> NewEvent {
        NewEvent {
            message_id: id.into(),
            kind: "track".into(),
            event: Some("Product Viewed".into()),
            anonymous_id: Some("anon-1".into()),
            user_id: None,
            timestamp: "2026-11-24T10:00:00.000Z".into(),
            payload: format!(r#"{{"messageId":"{id}"}}"#),
        }
    }

    #[test]
    fn migrations_set_the_schema_version_and_are_idempotent() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn).unwrap();
        migrate(&mut conn).unwrap();
        let v: usize = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v, MIGRATIONS.len());
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        assert!(migrate(&mut conn).is_err());
    }

    #[test]
    fn put_rules_bumps_the_version_and_etag() {
        let db = Db::open_in_memory().unwrap();
        let first = db.blocking(|c| put_rules(c, "k", r#"{"a":1}"#)).unwrap();
        let second = db.blocking(|c| put_rules(c, "k", r#"{"a":2}"#)).unwrap();
        assert_eq!((first.version, second.version), (1, 2));
        assert_ne!(first.etag, second.etag);
        assert_eq!(first.etag, etag_of(r#"{"a":1}"#));
        assert!(db.blocking(|c| site_known(c, "k")).unwrap());
        assert!(!db.blocking(|c| site_known(c, "other")).unwrap());
    }

    #[test]
    fn seeding_never_overwrites_existing_rules() {
        let db = Db::open_in_memory().unwrap();
        assert!(db.blocking(|c| seed_rules(c, "k", "{}")).unwrap());
        assert!(!db.blocking(|c| seed_rules(c, "k", r#"{"x":1}"#)).unwrap());
        assert_eq!(
            db.blocking(|c| rules(c, "k")).unwrap().unwrap().document,
            "{}"
        );
    }

    #[test]
    fn duplicate_message_ids_are_stored_once_per_site() {
        let db = Db::open_in_memory().unwrap();
        let batch = [event("m1"), event("m2"), event("m1")];
        let first = db.blocking(|c| insert_events(c, "k", &batch)).unwrap();
        assert_eq!(
            first,
            Inserted {
                accepted: 2,
                duplicates: 1
            }
        );
        let again = db.blocking(|c| insert_events(c, "k", &batch[..1])).unwrap();
        assert_eq!(
            again,
            Inserted {
                accepted: 0,
                duplicates: 1
            }
        );
        let other_site = db
            .blocking(|c| insert_events(c, "k2", &batch[..1]))
            .unwrap();
        assert_eq!(other_site.accepted, 1);
        let ids: Vec<_> = db
            .blocking(|c| events(c, Some("k")))
            .unwrap()
            .into_iter()
            .map(|e| e.message_id)
            .collect();
        assert_eq!(ids, ["m1", "m2"]);
        assert_eq!(db.blocking(|c| events(c, None)).unwrap().len(), 3);
    }
}

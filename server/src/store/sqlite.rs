//! SQLite storage: one file in WAL mode.
//!
//! Writes go to one dedicated writer thread through a channel. Event
//! batches waiting in the channel are committed together (group commit:
//! one transaction, one fsync for many requests), and each request is
//! answered through its oneshot only after COMMIT. Reads use a separate
//! connection (WAL lets them run beside the writer) in the blocking pool.
//!
//! The schema is versioned with `PRAGMA user_version`: [`MIGRATIONS`] are
//! applied in order at open, each in its own transaction.

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use tokio::sync::{mpsc, oneshot};

use super::{
    etag_of, now_rfc3339, sqlite_graph, sqlite_rules, EventRow, Forgotten, Inserted, LinkedIds,
    NewEvent, Precondition, Purged, PutOutcome, ReportCells, RulesVersion, StoreError, StoredEvent,
    StoredRules,
};

/// The schema, one entry per version. Never edit a shipped entry: append.
pub const MIGRATIONS: &[&str] = &[
    // 1: sites, rules, events (the schema before the storage module).
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
    // 2: admin tokens (formerly created outside the migrations, hence IF NOT
    // EXISTS), and the indexes forget and retention need.
    "CREATE TABLE IF NOT EXISTS site_admin_tokens (
         write_key  TEXT PRIMARY KEY NOT NULL,
         token_hash TEXT NOT NULL,
         created_at TEXT NOT NULL
     );
     CREATE INDEX events_anonymous_id ON events (write_key, anonymous_id) WHERE anonymous_id IS NOT NULL;
     CREATE INDEX events_user_id ON events (write_key, user_id) WHERE user_id IS NOT NULL;
     CREATE INDEX events_received_at ON events (received_at);",
    // 3: retention walks the rows in id order instead ([`purge_chunk`]):
    // this index cost ~10 % of the writer's CPU per stored event.
    "DROP INDEX IF EXISTS events_received_at;",
    // 4: the identity graph and the campaign report aggregates.
    sqlite_graph::MIGRATION,
    // 5: every published version of the rules, and the studio's drafts.
    sqlite_rules::MIGRATION,
    // 6: one index for a visitor's events and their de-duplication.
    VISITOR_FIRST,
];

/// Migration 6: a message is a duplicate when its site, visitor
/// (`anonymousId`) and `messageId` were stored before; messages with no
/// `anonymousId` (server-side sources) by site and `messageId`. The unique
/// index on the visitor first also serves forget and the identity graph,
/// which replaces `events_anonymous_id`: one index per stored browser event
/// instead of two, whose pages a commit writes whole (README, "Ingestion
/// load"). SQLite cannot drop a table's
/// `UNIQUE` constraint, so the table is copied (ids kept): on a database of
/// millions of events, the first start after the upgrade takes a while.
const VISITOR_FIRST: &str = "CREATE TABLE events_v6 (
         id           INTEGER PRIMARY KEY,
         write_key    TEXT NOT NULL,
         message_id   TEXT NOT NULL,
         type         TEXT NOT NULL,
         event        TEXT,
         anonymous_id TEXT,
         user_id      TEXT,
         timestamp    TEXT NOT NULL,
         received_at  TEXT NOT NULL,
         payload      TEXT NOT NULL
     );
     INSERT INTO events_v6 SELECT id, write_key, message_id, type, event, anonymous_id, user_id, timestamp, received_at, payload
         FROM events ORDER BY id;
     DROP TABLE events;
     ALTER TABLE events_v6 RENAME TO events;
     CREATE UNIQUE INDEX events_visitor_message ON events (write_key, anonymous_id, message_id)
         WHERE anonymous_id IS NOT NULL;
     CREATE UNIQUE INDEX events_server_message ON events (write_key, message_id)
         WHERE anonymous_id IS NULL;
     CREATE INDEX events_user_id ON events (write_key, user_id) WHERE user_id IS NOT NULL;";

/// The rows a report may count: not sent from a preview link (the payload's
/// `context.preview` is not JSON `true`). `AND` it into every report's `WHERE`.
pub const NOT_PREVIEW: &str = "json_type(payload, '$.context.preview') IS NOT 'true'";

/// How hard SQLite syncs to disk (`--sqlite-synchronous`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Synchronous {
    /// WAL + NORMAL: a committed event survives a killed process (not a power cut).
    #[default]
    Normal,
    /// WAL + FULL: a committed event survives a power cut too (an fsync per commit).
    Full,
}

impl Synchronous {
    /// `normal` or `full` (any case).
    pub fn parse(s: &str) -> Result<Synchronous, String> {
        match s.to_ascii_lowercase().as_str() {
            "normal" => Ok(Synchronous::Normal),
            "full" => Ok(Synchronous::Full),
            _ => Err(format!("synchronous must be normal or full, not {s:?}")),
        }
    }

    fn pragma(self) -> &'static str {
        match self {
            Synchronous::Normal => "NORMAL",
            Synchronous::Full => "FULL",
        }
    }
}

/// Most events committed in one group transaction.
const GROUP_EVENTS: usize = 8192;
/// Rows per multi-row INSERT statement.
const ROWS_PER_INSERT: usize = 20;
/// Requests that may wait for the writer before senders wait (backpressure).
const QUEUE: usize = 1024;

type Reply<T> = oneshot::Sender<Result<T, StoreError>>;

enum Job {
    Insert {
        write_key: String,
        events: Vec<NewEvent>,
        reply: Reply<Option<Inserted>>,
    },
    /// Any other write, in its own transaction (it sends its own reply).
    Run(Box<dyn FnOnce(&mut Connection) + Send>),
    /// Stop after every job before this one.
    Stop(oneshot::Sender<()>),
}

/// The SQLite store: a writer thread and a read connection.
#[derive(Clone)]
pub struct SqliteStore {
    writer: mpsc::Sender<Job>,
    reader: Arc<Mutex<Connection>>,
}

fn connect(path: &Path, sync: Synchronous) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", sync.pragma())?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(conn)
}

impl SqliteStore {
    /// Opens (creating if needed) the database file, migrates it and starts
    /// the writer thread.
    pub fn open(path: &Path, sync: Synchronous) -> Result<SqliteStore, StoreError> {
        let mut writer = connect(path, sync)?;
        migrate(&mut writer)?;
        let reader = connect(path, sync)?;
        // At NORMAL the writer never syncs, but a checkpoint does (copying
        // the WAL into the database file, then syncing both): a thread of
        // its own does them, so commits never wait on it. At FULL each
        // commit syncs anyway, and checkpoints there measured no faster.
        let checkpointer = match sync {
            Synchronous::Normal => {
                writer.pragma_update(None, "wal_autocheckpoint", 0)?;
                writer.pragma_update(None, "journal_size_limit", 128 * 1024 * 1024)?;
                Some(Checkpointer::start(connect(path, sync)?))
            }
            Synchronous::Full => None,
        };
        Ok(SqliteStore::start(writer, reader, checkpointer))
    }

    /// A private in-memory database (tests, tools): one shared connection.
    pub fn open_in_memory() -> Result<SqliteStore, StoreError> {
        // A named shared-cache memory database, so reader and writer see the same data.
        let name = format!(
            "file:parcours-mem-{}-{}?mode=memory&cache=shared",
            std::process::id(),
            NEXT_MEM.fetch_add(1, Relaxed)
        );
        let flags = rusqlite::OpenFlags::default() | rusqlite::OpenFlags::SQLITE_OPEN_URI;
        let mut writer = Connection::open_with_flags(&name, flags)?;
        migrate(&mut writer)?;
        let reader = Connection::open_with_flags(&name, flags)?;
        Ok(SqliteStore::start(writer, reader, None))
    }

    fn start(writer: Connection, reader: Connection, wal: Option<Checkpointer>) -> SqliteStore {
        let (tx, rx) = mpsc::channel(QUEUE);
        std::thread::Builder::new()
            .name("parcours-writer".into())
            .spawn(move || write_loop(writer, rx, wal))
            .expect("spawning the SQLite writer thread");
        SqliteStore {
            writer: tx,
            reader: Arc::new(Mutex::new(reader)),
        }
    }

    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        let reader = self.reader.clone();
        tokio::task::spawn_blocking(move || {
            // rusqlite leaves no half-done transaction on panic: a poisoned lock is usable.
            let conn = reader.lock().unwrap_or_else(|p| p.into_inner());
            f(&conn).map_err(StoreError::from)
        })
        .await
        .map_err(|_| StoreError::Closed)?
    }

    async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (reply, answer) = oneshot::channel();
        let job = Job::Run(Box::new(move |c| {
            let _ = reply.send(f(c).map_err(StoreError::from));
        }));
        self.writer
            .send(job)
            .await
            .map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    pub(super) async fn ping(&self) -> Result<(), StoreError> {
        self.read(|c| c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0)))
            .await
            .map(drop)
    }

    pub(super) async fn site_known(&self, write_key: &str) -> Result<bool, StoreError> {
        let k = write_key.to_owned();
        self.read(move |c| site_known(c, &k)).await
    }

    pub(super) async fn rules(&self, write_key: &str) -> Result<Option<StoredRules>, StoreError> {
        let k = write_key.to_owned();
        self.read(move |c| rules(c, &k)).await
    }

    pub(super) async fn put_rules_if(
        &self,
        write_key: &str,
        document: &str,
        allowed: Precondition,
    ) -> Result<PutOutcome, StoreError> {
        let (k, d) = (write_key.to_owned(), document.to_owned());
        self.write(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let current = rules(&tx, &k)?;
            if !allowed(current.as_ref()) {
                return Ok(Err(current.map(|r| r.etag)));
            }
            let now = now_rfc3339();
            tx.execute(
                "INSERT OR IGNORE INTO sites (write_key, created_at) VALUES (?1, ?2)",
                params![k, now],
            )?;
            tx.execute(
                "INSERT INTO rules (write_key, document, etag, version, updated_at)
                 VALUES (?1, ?2, ?3, 1, ?4)
                 ON CONFLICT (write_key) DO UPDATE SET
                     document = excluded.document, etag = excluded.etag,
                     version = rules.version + 1, updated_at = excluded.updated_at",
                params![k, d, etag_of(&d), now],
            )?;
            let stored = rules(&tx, &k)?.ok_or(rusqlite::Error::QueryReturnedNoRows)?;
            sqlite_rules::record(&tx, &k, &stored)?;
            tx.commit()?;
            Ok(Ok(stored))
        })
        .await
    }

    pub(super) async fn rules_versions(
        &self,
        write_key: &str,
        limit: i64,
    ) -> Result<Vec<RulesVersion>, StoreError> {
        let k = write_key.to_owned();
        self.read(move |c| sqlite_rules::versions(c, &k, limit))
            .await
    }

    pub(super) async fn rules_version(
        &self,
        write_key: &str,
        version: i64,
    ) -> Result<Option<StoredRules>, StoreError> {
        let k = write_key.to_owned();
        self.read(move |c| sqlite_rules::version(c, &k, version))
            .await
    }

    pub(super) async fn put_draft(
        &self,
        write_key: &str,
        token_hash: &str,
        document: &str,
        expires_at: &str,
    ) -> Result<(), StoreError> {
        let (k, h, d, e) = (
            write_key.to_owned(),
            token_hash.to_owned(),
            document.to_owned(),
            expires_at.to_owned(),
        );
        self.write(move |c| sqlite_rules::put_draft(c, &k, &h, &d, &e, &now_rfc3339()))
            .await
    }

    pub(super) async fn draft(
        &self,
        write_key: &str,
        token_hash: &str,
    ) -> Result<Option<String>, StoreError> {
        let (k, h) = (write_key.to_owned(), token_hash.to_owned());
        self.read(move |c| sqlite_rules::draft(c, &k, &h, &now_rfc3339()))
            .await
    }

    pub(super) async fn insert_events(
        &self,
        write_key: &str,
        events: Vec<NewEvent>,
    ) -> Result<Option<Inserted>, StoreError> {
        let (reply, answer) = oneshot::channel();
        let job = Job::Insert {
            write_key: write_key.to_owned(),
            events,
            reply,
        };
        self.writer
            .send(job)
            .await
            .map_err(|_| StoreError::Closed)?;
        answer.await.map_err(|_| StoreError::Closed)?
    }

    pub(super) async fn forget(
        &self,
        write_key: &str,
        anonymous_id: Option<&str>,
        user_id: Option<&str>,
    ) -> Result<Option<Forgotten>, StoreError> {
        let k = write_key.to_owned();
        let (a, u) = (anonymous_id.map(str::to_owned), user_id.map(str::to_owned));
        self.write(move |c| {
            if !site_known(c, &k)? {
                return Ok(None);
            }
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let erased = sqlite_graph::forget(&tx, &k, a.as_deref(), u.as_deref())?;
            tx.commit()?;
            Ok(Some(erased))
        })
        .await
    }

    pub(super) async fn linked_ids(
        &self,
        write_key: &str,
        anonymous_id: Option<&str>,
        user_id: Option<&str>,
    ) -> Result<Option<LinkedIds>, StoreError> {
        let k = write_key.to_owned();
        let (a, u) = (anonymous_id.map(str::to_owned), user_id.map(str::to_owned));
        self.read(move |c| {
            let mut l = sqlite_graph::SqliteLedger::new(c, &k);
            let ids = crate::report::graph::now(crate::report::graph::linked(
                &mut l,
                a.as_deref(),
                u.as_deref(),
            ))
            .unwrap_or(Err(rusqlite::Error::InvalidQuery))?;
            Ok(ids.map(LinkedIds::from_pairs))
        })
        .await
    }

    pub(super) async fn person_events(
        &self,
        write_key: &str,
        user_id: &str,
    ) -> Result<Option<Vec<EventRow>>, StoreError> {
        let (k, u) = (write_key.to_owned(), user_id.to_owned());
        self.read(move |c| {
            let mut l = sqlite_graph::SqliteLedger::new(c, &k);
            crate::report::graph::now(crate::report::graph::person_events(&mut l, &u))
                .unwrap_or(Err(rusqlite::Error::InvalidQuery))
        })
        .await
    }

    pub(super) async fn events(
        &self,
        write_key: Option<&str>,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let k = write_key.map(str::to_owned);
        self.read(move |c| {
            let mut stmt = c.prepare(
                "SELECT write_key, message_id, type, event, anonymous_id, user_id, timestamp, received_at, payload
                 FROM events WHERE ?1 IS NULL OR write_key = ?1 ORDER BY id",
            )?;
            let rows = stmt.query_map([k], |r| {
                let payload = StoredEvent::parse_payload(r.get(8)?);
                Ok(StoredEvent {
                    write_key: r.get(0)?,
                    message_id: r.get(1)?,
                    kind: r.get(2)?,
                    event: r.get(3)?,
                    anonymous_id: r.get(4)?,
                    user_id: r.get(5)?,
                    timestamp: r.get(6)?,
                    received_at: r.get(7)?,
                    preview: StoredEvent::is_preview(&payload),
                    payload,
                })
            })?;
            rows.collect()
        })
        .await
    }

    pub(super) async fn count_events(&self) -> Result<u64, StoreError> {
        self.read(|c| c.query_row("SELECT COUNT(*) FROM events", [], |r| r.get(0)))
            .await
    }

    pub(super) async fn count_reportable_events(&self, write_key: &str) -> Result<u64, StoreError> {
        let k = write_key.to_owned();
        self.read(move |c| {
            let sql = [
                "SELECT COUNT(*) FROM events WHERE write_key = ?1 AND ",
                NOT_PREVIEW,
            ]
            .concat();
            c.query_row(&sql, [k], |r| r.get(0))
        })
        .await
    }

    /// Retention without an index on `received_at`: rows are stored in
    /// `id` order as they are committed, so `received_at` grows with `id`;
    /// the rows are walked from the oldest in chunks of [`PURGE_CHUNK`] (each
    /// its own write, so ingestion goes on between them) until a chunk holds
    /// no row older than `cutoff`; then the aggregates older than its day and
    /// the persons with no event left go.
    pub(super) async fn purge_events_before(&self, cutoff: &str) -> Result<Purged, StoreError> {
        let (mut after, mut total) = (0i64, 0usize);
        loop {
            let cutoff = cutoff.to_owned();
            let step = self
                .write(move |c| purge_chunk(c, after, &cutoff, PURGE_CHUNK))
                .await?;
            match step {
                Some((last, n)) if n > 0 => {
                    total += n;
                    after = last;
                }
                _ => break,
            }
        }
        let cutoff = cutoff.to_owned();
        self.write(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let purged = sqlite_graph::purge(&tx, cutoff.get(..10).unwrap_or(&cutoff), total)?;
            tx.commit()?;
            Ok(purged)
        })
        .await
    }

    pub(super) async fn campaign_cells(
        &self,
        write_key: &str,
        from: &str,
        to: &str,
    ) -> Result<ReportCells, StoreError> {
        let (k, f, t) = (write_key.to_owned(), from.to_owned(), to.to_owned());
        self.read(move |c| {
            let (exposures, counts) = sqlite_graph::report_cells(c, &k, &f, &t)?;
            Ok((exposures, counts, sqlite_graph::goals_of(c, &k)?))
        })
        .await
    }

    pub(super) async fn known_sites(&self) -> Result<Vec<String>, StoreError> {
        self.read(|c| {
            let mut stmt = c.prepare(
                "SELECT write_key FROM sites UNION SELECT write_key FROM rules ORDER BY 1",
            )?;
            let rows = stmt.query_map([], |r| r.get(0))?;
            rows.collect()
        })
        .await
    }

    pub(super) async fn register_site(&self, write_key: &str) -> Result<(), StoreError> {
        let k = write_key.to_owned();
        self.write(move |c| register_site(c, &k)).await
    }

    pub(super) async fn admin_token_hash(
        &self,
        write_key: &str,
    ) -> Result<Option<String>, StoreError> {
        let k = write_key.to_owned();
        self.read(move |c| {
            c.query_row(
                "SELECT token_hash FROM site_admin_tokens WHERE write_key = ?1",
                [k],
                |r| r.get(0),
            )
            .optional()
        })
        .await
    }

    pub(super) async fn create_admin_token_if_absent(
        &self,
        write_key: &str,
        token_hash: &str,
    ) -> Result<bool, StoreError> {
        let (k, h) = (write_key.to_owned(), token_hash.to_owned());
        self.write(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            register_site(&tx, &k)?;
            let n = tx.execute(
                "INSERT OR IGNORE INTO site_admin_tokens (write_key, token_hash, created_at)
                 VALUES (?1, ?2, ?3)",
                params![k, h, now_rfc3339()],
            )?;
            tx.commit()?;
            Ok(n == 1)
        })
        .await
    }

    pub(super) async fn close(&self) {
        let (done, stopped) = oneshot::channel();
        if self.writer.send(Job::Stop(done)).await.is_ok() {
            let _ = stopped.await;
        }
    }
}

static NEXT_MEM: AtomicU64 = AtomicU64::new(0);

/// Applies the migrations the database does not have yet.
pub fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let current: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let known = MIGRATIONS.len() as i64;
    if current > known {
        return Err(StoreError::TooNew {
            found: current,
            known,
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", i + 1)?;
        tx.commit()?;
    }
    Ok(())
}

/// Rows one retention step looks at.
const PURGE_CHUNK: i64 = 5000;

/// Deletes the rows older than `cutoff` among the `chunk` rows after id
/// `after`; the chunk's last id and how many were deleted, `None` past the
/// last row.
fn purge_chunk(
    conn: &mut Connection,
    after: i64,
    cutoff: &str,
    chunk: i64,
) -> rusqlite::Result<Option<(i64, usize)>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let last: Option<i64> = tx.query_row(
        "SELECT max(id) FROM (SELECT id FROM events WHERE id > ?1 ORDER BY id LIMIT ?2)",
        params![after, chunk],
        |r| r.get(0),
    )?;
    let Some(last) = last else {
        return Ok(None);
    };
    let n = tx.execute(
        "DELETE FROM events WHERE id > ?1 AND id <= ?2 AND received_at < ?3",
        params![after, last, cutoff],
    )?;
    tx.commit()?;
    Ok(Some((last, n)))
}

fn site_known(conn: &Connection, write_key: &str) -> rusqlite::Result<bool> {
    conn.prepare_cached(
        "SELECT EXISTS(SELECT 1 FROM sites WHERE write_key = ?1)
             OR EXISTS(SELECT 1 FROM rules WHERE write_key = ?1)",
    )?
    .query_row([write_key], |r| r.get(0))
}

fn rules(conn: &Connection, write_key: &str) -> rusqlite::Result<Option<StoredRules>> {
    conn.prepare_cached(
        "SELECT document, etag, version, updated_at FROM rules WHERE write_key = ?1",
    )?
    .query_row([write_key], stored_rules)
    .optional()
}

/// A `(document, etag, version, updated_at)` row.
pub(super) fn stored_rules(r: &rusqlite::Row) -> rusqlite::Result<StoredRules> {
    Ok(StoredRules {
        document: r.get(0)?,
        etag: r.get(1)?,
        version: r.get(2)?,
        updated_at: r.get(3)?,
    })
}

fn register_site(conn: &Connection, write_key: &str) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT OR IGNORE INTO sites (write_key, created_at) VALUES (?1, ?2)",
        params![write_key, now_rfc3339()],
    )?;
    Ok(())
}

/// The writer thread: takes jobs until [`Job::Stop`] or every sender is gone.
fn write_loop(mut conn: Connection, mut rx: mpsc::Receiver<Job>, wal: Option<Checkpointer>) {
    let mut pending: Option<Job> = None;
    loop {
        let Some(first) = pending.take().or_else(|| rx.blocking_recv()) else {
            return;
        };
        match first {
            Job::Stop(done) => {
                drop(wal);
                let _ = done.send(());
                return;
            }
            // A panicking job drops its reply (its caller gets Closed); the writer lives on.
            Job::Run(f) => {
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&mut conn)));
            }
            Job::Insert {
                write_key,
                events,
                reply,
            } => {
                let mut group = vec![(write_key, events, reply)];
                let mut size = group[0].1.len();
                // Take whatever else is already waiting: one commit for all.
                while size < GROUP_EVENTS {
                    match rx.try_recv() {
                        Ok(Job::Insert {
                            write_key,
                            events,
                            reply,
                        }) => {
                            size += events.len();
                            group.push((write_key, events, reply));
                        }
                        Ok(other) => {
                            pending = Some(other);
                            break;
                        }
                        Err(_) => break,
                    }
                }
                commit_group(&mut conn, group);
            }
        }
        if let Some(wal) = &wal {
            wal.catch_up(&conn);
            wal.nudge();
        }
    }
}

/// Checkpoints the WAL on its own thread and connection after the writer
/// has written (`PASSIVE`: it never blocks the writer), at most every
/// [`Checkpointer::GAP`]. Dropping it stops the thread.
///
/// Under steady writes a passive checkpoint never catches up with the
/// writer (it copies what was in the WAL when it began, and the writer
/// appends meanwhile), so SQLite never starts the WAL over: it grew by
/// ≈ 200 MB/s in the load bench, without end. Asking for a `RESTART`
/// instead starves: it waits for a moment with no write transaction, which a
/// busy writer rarely leaves, then copies everything written meanwhile
/// while the writer waits. So after a passive
/// checkpoint that left a long WAL, the thread checkpoints again until
/// little is left, then asks the writer to
/// [`catch_up`](Checkpointer::catch_up) between two transactions: a passive
/// checkpoint of the few frames written since, after which SQLite starts
/// the WAL over at the next commit (when no reader still reads it).
struct Checkpointer {
    /// Holds at most one nudge: those sent while one waits are the same.
    nudge: Option<std::sync::mpsc::SyncSender<()>>,
    /// Set by the thread when the writer should catch up.
    behind: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Checkpointer {
    const GAP: std::time::Duration = std::time::Duration::from_millis(200);

    /// The WAL's length, in frames, past which the writer is asked to catch
    /// up (≈ 16 MB of 4 KiB pages; `journal_size_limit` cuts the file back
    /// to 128 MB after a burst).
    const LONG_WAL: i64 = 4096;

    /// Frames a checkpoint may leave for the writer to copy.
    const LEFT: i64 = 512;

    fn start(conn: Connection) -> Checkpointer {
        let (nudge, nudged) = std::sync::mpsc::sync_channel(1);
        let behind = Arc::new(AtomicBool::new(false));
        let flag = behind.clone();
        let thread = std::thread::Builder::new()
            .name("parcours-ckpt".into())
            .spawn(move || {
                while nudged.recv().is_ok() {
                    match Self::near(&conn) {
                        Ok(frames) if frames > Self::LONG_WAL => flag.store(true, Relaxed),
                        Ok(_) => {}
                        Err(e) => eprintln!("parcours-server: WAL checkpoint: {e}"),
                    }
                    std::thread::sleep(Self::GAP);
                }
            })
            .expect("spawning the SQLite checkpoint thread");
        Checkpointer {
            nudge: Some(nudge),
            behind,
            thread: Some(thread),
        }
    }

    /// Passive checkpoints until the last one found fewer than
    /// [`LEFT`](Self::LEFT) frames more than the one before (each copies what
    /// the writer wrote during the previous one, so they shorten while the
    /// checkpoint copies faster than the writer writes; at most a few): the
    /// WAL's length in frames.
    fn near(conn: &Connection) -> rusqlite::Result<i64> {
        let mut frames = passive(conn)?;
        for _ in 0..4 {
            let next = passive(conn)?;
            let grew = next - frames;
            frames = next;
            if grew < Self::LEFT {
                break;
            }
        }
        Ok(frames)
    }

    /// Something was written.
    fn nudge(&self) {
        if let Some(n) = &self.nudge {
            let _ = n.try_send(());
        }
    }

    /// On the writer's connection, between transactions: when the thread
    /// left a long WAL, copies what was written since its checkpoint, so
    /// that the next commit starts the WAL over. The thread has copied and
    /// synced the rest, so what is left is short.
    fn catch_up(&self, writer: &Connection) {
        if self.behind.swap(false, Relaxed) {
            if let Err(e) = passive(writer) {
                eprintln!("parcours-server: WAL checkpoint: {e}");
            }
        }
    }
}

/// A `PASSIVE` checkpoint: the WAL's length in frames.
fn passive(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get(1))
}

impl Drop for Checkpointer {
    /// Ends the thread after a last checkpoint (its connection closes, which
    /// checkpoints what is left), also when the writer ends because every
    /// sender is gone.
    fn drop(&mut self) {
        self.nudge.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// One site's requests in a group: the key, their events end to end, and
/// per request its place in the group and the range of its events.
type SiteRequests = (String, Vec<NewEvent>, Vec<(usize, std::ops::Range<usize>)>);

type Pending = (String, Vec<NewEvent>, Reply<Option<Inserted>>);

/// Inserts every request of the group in one transaction, then answers each.
///
/// Requests of one site are taken together: the site is checked, its rules
/// read and its identity graph updated once for all of them (the graph
/// rules run over their events in arrival order, as if one request), which
/// spares the writer a handful of statements per request.
fn commit_group(conn: &mut Connection, group: Vec<Pending>) {
    let received_at = now_rfc3339();
    let mut replies = Vec::with_capacity(group.len());
    let mut sites: Vec<SiteRequests> = Vec::new();
    for (n, (key, events, reply)) in group.into_iter().enumerate() {
        replies.push(reply);
        let site = match sites.iter().position(|(k, _, _)| *k == key) {
            Some(i) => &mut sites[i],
            None => {
                sites.push((key, Vec::new(), Vec::new()));
                sites.last_mut().unwrap()
            }
        };
        let start = site.1.len();
        site.1.extend(events);
        site.2.push((n, start..site.1.len()));
    }
    let result = (|| -> rusqlite::Result<Vec<Option<Inserted>>> {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut outcomes = vec![None; replies.len()];
        for (key, events, requests) in &sites {
            if !site_known(&tx, key)? {
                continue;
            }
            let mark = sqlite_graph::mark(&tx)?;
            for (n, range) in requests {
                outcomes[*n] = Some(insert(&tx, key, &events[range.clone()], &received_at)?);
            }
            sqlite_graph::after_insert(&tx, key, events, mark)?;
        }
        tx.commit()?;
        Ok(outcomes)
    })();
    match result {
        Ok(outcomes) => {
            for (reply, outcome) in replies.into_iter().zip(outcomes) {
                let _ = reply.send(Ok(outcome));
            }
        }
        Err(e) => {
            let message = e.to_string();
            for reply in replies {
                let _ = reply.send(Err(StoreError::Write(message.clone())));
            }
        }
    }
}

const INSERT_ONE: &str = "INSERT OR IGNORE INTO events
    (write_key, message_id, type, event, anonymous_id, user_id, timestamp, received_at, payload)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";

fn insert_many_sql() -> &'static str {
    static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SQL.get_or_init(|| {
        let row = "(?, ?, ?, ?, ?, ?, ?, ?, ?)";
        let head = INSERT_ONE.rsplit_once("VALUES").map_or("", |(h, _)| h);
        format!("{head}VALUES {}", vec![row; ROWS_PER_INSERT].join(", "))
    })
}

/// Inserts events in statements of [`ROWS_PER_INSERT`] rows, ignoring
/// duplicates (including earlier ones in the same call).
fn insert(
    tx: &Connection,
    write_key: &str,
    events: &[NewEvent],
    received_at: &str,
) -> rusqlite::Result<Inserted> {
    let mut accepted = 0;
    let mut chunks = events.chunks_exact(ROWS_PER_INSERT);
    let mut many = tx.prepare_cached(insert_many_sql())?;
    for chunk in &mut chunks {
        let mut i = 1;
        for e in chunk {
            bind(&mut many, &mut i, write_key, e, received_at)?;
        }
        accepted += many.raw_execute()?;
    }
    let mut one = tx.prepare_cached(INSERT_ONE)?;
    for e in chunks.remainder() {
        let mut i = 1;
        bind(&mut one, &mut i, write_key, e, received_at)?;
        accepted += one.raw_execute()?;
    }
    Ok(Inserted {
        accepted,
        duplicates: events.len() - accepted,
    })
}

fn bind(
    stmt: &mut rusqlite::CachedStatement<'_>,
    i: &mut usize,
    write_key: &str,
    e: &NewEvent,
    received_at: &str,
) -> rusqlite::Result<()> {
    let values: [&dyn rusqlite::ToSql; 9] = [
        &write_key,
        &e.message_id,
        &e.kind,
        &e.event,
        &e.anonymous_id,
        &e.user_id,
        &e.timestamp,
        &received_at,
        &e.payload,
    ];
    for v in values {
        stmt.raw_bind_parameter(*i, v)?;
        *i += 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_walks_chunks_and_stops_at_the_first_young_chunk() {
        let mut c = Connection::open_in_memory().unwrap();
        migrate(&mut c).unwrap();
        let row = |id: i64, at: &str| {
            c.execute(
                "INSERT INTO events (id, write_key, message_id, type, timestamp, received_at, payload)
                 VALUES (?1, 'k', ?1, 'track', ?2, ?2, '{}')",
                params![id, at],
            )
            .unwrap();
        };
        for id in 1..=5 {
            row(id, "2020-01-01T00:00:00.000Z");
        }
        for id in 6..=7 {
            row(id, "2030-01-01T00:00:00.000Z");
        }
        let cutoff = "2025-01-01T00:00:00.000Z";
        assert_eq!(purge_chunk(&mut c, 0, cutoff, 2).unwrap(), Some((2, 2)));
        assert_eq!(purge_chunk(&mut c, 2, cutoff, 2).unwrap(), Some((4, 2)));
        // Old and young rows in one chunk: only the old one goes.
        assert_eq!(purge_chunk(&mut c, 4, cutoff, 2).unwrap(), Some((6, 1)));
        assert_eq!(purge_chunk(&mut c, 6, cutoff, 2).unwrap(), Some((7, 0)));
        assert_eq!(purge_chunk(&mut c, 7, cutoff, 2).unwrap(), None);
        let left: Vec<i64> = c
            .prepare("SELECT id FROM events ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert_eq!(left, [6, 7]);
        let indexes: i64 = c
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name = 'events_received_at'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(indexes, 0);
    }

    /// Every lookup of events by visitor, message or user goes through an
    /// index (a full scan of the events would hold the writer for minutes on
    /// a big shop's database).
    #[test]
    fn lookups_by_visitor_message_and_user_use_an_index() {
        let mut c = Connection::open_in_memory().unwrap();
        migrate(&mut c).unwrap();
        for (filter, index) in [
            (
                "anonymous_id = 'a' AND message_id = 'm'",
                "events_visitor_message",
            ),
            (
                "anonymous_id IS NULL AND message_id = 'm'",
                "events_server_message",
            ),
            ("anonymous_id = 'a'", "events_visitor_message"),
            (
                "anonymous_id = 'a' AND user_id IS NULL",
                "events_visitor_message",
            ),
            ("user_id = 'u'", "events_user_id"),
        ] {
            let sql = format!(
                "EXPLAIN QUERY PLAN SELECT id FROM events WHERE write_key = 'k' AND {filter}"
            );
            let plan: Vec<String> = c
                .prepare(&sql)
                .unwrap()
                .query_map([], |r| r.get(3))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            assert!(plan.iter().any(|p| p.contains(index)), "{filter}: {plan:?}");
        }
    }

    fn event(id: &str, anon: &str, user: Option<&str>) -> NewEvent {
        NewEvent {
            message_id: id.into(),
            kind: "identify".into(),
            event: None,
            anonymous_id: Some(anon.into()),
            user_id: user.map(Into::into),
            timestamp: "2026-11-24T10:00:00.000Z".into(),
            payload: "{}".into(),
            source: false,
        }
    }

    #[test]
    fn one_group_answers_each_request_as_if_alone() {
        let mut c = Connection::open_in_memory().unwrap();
        migrate(&mut c).unwrap();
        register_site(&c, "shop").unwrap();
        let (mut replies, mut group) = (Vec::new(), Vec::new());
        let requests = [
            (
                "shop",
                vec![event("a", "anon-1", None), event("b", "anon-1", None)],
            ),
            ("nobody", vec![event("x", "anon-9", None)]),
            // "b" again (a retried batch), and anon-1 logs in as u-1.
            (
                "shop",
                vec![
                    event("b", "anon-1", None),
                    event("c", "anon-1", Some("u-1")),
                ],
            ),
        ];
        for (key, events) in requests {
            let (reply, answer) = oneshot::channel();
            group.push((key.to_owned(), events, reply));
            replies.push(answer);
        }
        commit_group(&mut c, group);
        let got: Vec<Option<(usize, usize)>> = replies
            .into_iter()
            .map(|mut r| {
                r.try_recv()
                    .unwrap()
                    .unwrap()
                    .map(|i| (i.accepted, i.duplicates))
            })
            .collect();
        assert_eq!(got, [Some((2, 0)), None, Some((1, 1))]);
        let persons: i64 = c
            .query_row(
                "SELECT count(DISTINCT person_id) FROM person_ids WHERE write_key = 'shop'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(persons, 1, "anon-1 and u-1 are one person");
    }

    #[test]
    fn at_normal_the_checkpoint_thread_copies_the_wal_into_the_database_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.db");
        let store = SqliteStore::open(&path, Synchronous::Normal).unwrap();
        let before = std::fs::metadata(&path).unwrap().len();
        super::super::block_on(async {
            store.register_site("shop").await.unwrap();
            let events = (0..2000)
                .map(|i| event(&format!("m-{i}"), "anon-1", None))
                .collect();
            store.insert_events("shop", events).await.unwrap();
        });
        // The writer never checkpoints (wal_autocheckpoint = 0): only the
        // checkpoint thread grows the database file.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while std::fs::metadata(&path).unwrap().len() <= before {
            assert!(
                std::time::Instant::now() < deadline,
                "no checkpoint within 5 s"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        super::super::block_on(store.close());
    }

    /// The WAL header's checkpoint sequence number: SQLite adds one each
    /// time it starts the WAL over.
    fn wal_restarts(path: &Path) -> u32 {
        use std::io::Read;
        let mut header = [0u8; 16];
        std::fs::File::open(path.with_extension("db-wal"))
            .and_then(|mut f| f.read_exact(&mut header))
            .map_or(0, |()| {
                u32::from_be_bytes(header[12..16].try_into().unwrap())
            })
    }

    #[test]
    fn under_steady_writes_the_wal_starts_over() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.db");
        let store = SqliteStore::open(&path, Synchronous::Normal).unwrap();
        super::super::block_on(store.register_site("shop")).unwrap();
        let first = wal_restarts(&path);
        let (stop, written) = (
            Arc::new(AtomicBool::new(false)),
            Arc::new(AtomicU64::new(0)),
        );
        // Four senders back to back, as under load: the writer always has
        // the next batch waiting, so it leaves no pause in which a
        // checkpoint could take the whole WAL.
        let senders: Vec<_> = (0..4)
            .map(|t| {
                let (store, stop, written) = (store.clone(), stop.clone(), written.clone());
                std::thread::spawn(move || {
                    let mut n = 0;
                    while !stop.load(Relaxed) {
                        let events = (n..n + 200)
                            .map(|i| event(&format!("m-{t}-{i}"), &format!("anon-{t}"), None))
                            .collect();
                        n += 200;
                        super::super::block_on(store.insert_events("shop", events)).unwrap();
                        written.fetch_add(200, Relaxed);
                    }
                })
            })
            .collect();
        // Without the writer catching up, the WAL does not start over twice
        // within the bound below: this test fails.
        let (wal, mut largest) = (path.with_extension("db-wal"), 0);
        let restarted = loop {
            largest = largest.max(std::fs::metadata(&wal).map_or(0, |m| m.len()));
            if wal_restarts(&path) >= first + 2 {
                break true;
            }
            if written.load(Relaxed) > 500_000 {
                break false;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        };
        stop.store(true, Relaxed);
        senders.into_iter().for_each(|s| s.join().unwrap());
        let n = written.load(Relaxed);
        assert!(restarted, "the WAL did not start over twice in {n} events");
        assert!(largest < 64 << 20, "the WAL grew to {largest} bytes");
        assert_eq!(super::super::block_on(store.count_events()).unwrap(), n);
        super::super::block_on(store.close());
    }
}

//! Storage behind one narrow interface: sites, their rules, admin token
//! hashes and received events.
//!
//! [`Store`] is the only thing routes, start-up and the `events` command
//! talk to. Two implementations: [`sqlite`] (embedded default, WAL, one
//! writer thread that group-commits batches) and [`postgres`] (a connection
//! pool; several servers may share one database). Every method is async;
//! [`block_on`] runs one from synchronous code (CLI, tests).
//!
//! Durability: [`Store::insert_events`] returns only after the transaction
//! holding those events has committed.

pub mod postgres;
pub mod postgres_graph;
pub mod postgres_rules;
pub mod sqlite;
pub mod sqlite_graph;
pub mod sqlite_rules;

pub use crate::report::graph::{EventRow, Forgotten};

use serde::Serialize;
use sha2::{Digest, Sha256};
use std::future::Future;

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

/// One published version of a site's rules (`GET /v1/rules/versions`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RulesVersion {
    /// The revision counter it was stored as.
    pub version: i64,
    /// Its ETag.
    pub etag: String,
    /// When it was published (RFC 3339, UTC).
    pub created_at: String,
    /// The document's own `version` field, if any.
    pub rules_version: Option<String>,
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
    /// Sent with the site's source key (a server-side source): only such an
    /// `alias` may merge two user ids ([`crate::report::graph`]).
    pub source: bool,
}

/// The ids of one person, sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LinkedIds {
    /// Anonymous ids.
    pub anonymous_ids: Vec<String>,
    /// User ids.
    pub user_ids: Vec<String>,
}

impl LinkedIds {
    /// From the graph's `(kind, id)` pairs.
    pub fn from_pairs(pairs: Vec<(crate::report::graph::IdKind, String)>) -> LinkedIds {
        let mut out = LinkedIds::default();
        for (kind, id) in pairs {
            match kind {
                crate::report::graph::IdKind::Anonymous => out.anonymous_ids.push(id),
                crate::report::graph::IdKind::User => out.user_ids.push(id),
            }
        }
        out.anonymous_ids.sort();
        out.user_ids.sort();
        out
    }
}

/// What a retention purge deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    /// Events.
    pub events: usize,
    /// Persons with no event left (their ids and aggregates with them).
    pub persons: usize,
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
    /// Sent while a preview link was active (`context.preview` is `true`):
    /// no report may count it (see [`Store::count_reportable_events`]).
    pub preview: bool,
}

impl StoredEvent {
    /// The payload column's text as JSON (kept as a string if it is not).
    pub fn parse_payload(payload: String) -> serde_json::Value {
        serde_json::from_str(&payload).unwrap_or(serde_json::Value::String(payload))
    }

    /// Whether a payload was sent from a preview link: `context.preview`
    /// is exactly `true`.
    pub fn is_preview(payload: &serde_json::Value) -> bool {
        payload.pointer("/context/preview") == Some(&serde_json::Value::Bool(true))
    }
}

/// How a batch insert went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Inserted {
    /// Newly stored.
    pub accepted: usize,
    /// Already stored under the same `messageId` (this or an earlier batch).
    pub duplicates: usize,
}

/// What a report reads: exposures by day and arm, daily counters, and the
/// campaigns of the current rules.
pub type ReportCells = (
    Vec<crate::report::ExposureCell>,
    Vec<crate::report::DailyCell>,
    std::sync::Arc<crate::report::goals::Goals>,
);

/// The result of a conditional rules write: stored, or refused with the
/// current ETag (`None`: the site has no rules).
pub type PutOutcome = Result<StoredRules, Option<String>>;

/// Decides from the current rules whether a conditional write may proceed.
pub type Precondition = Box<dyn FnOnce(Option<&StoredRules>) -> bool + Send>;

/// Why a storage operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite said no.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL said no.
    #[error("postgres: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    /// No PostgreSQL connection could be had from the pool.
    #[error("postgres pool: {0}")]
    Pool(String),
    /// The stored schema is newer than this server.
    #[error(
        "database schema version {found} is newer than this server ({known}); upgrade the server"
    )]
    TooNew {
        /// Version in the database.
        found: i64,
        /// Latest version this build knows.
        known: i64,
    },
    /// A group commit failed (every request in the group gets this).
    #[error("write failed: {0}")]
    Write(String),
    /// The store was shut down (or its writer died) before answering.
    #[error("the storage writer is stopped")]
    Closed,
}

/// A shared handle on the configured storage. Cheap to clone.
#[derive(Clone)]
pub enum Store {
    /// Embedded SQLite file.
    Sqlite(sqlite::SqliteStore),
    /// PostgreSQL pool.
    Postgres(postgres::PgStore),
}

macro_rules! both {
    ($self:ident, $s:ident => $e:expr) => {
        match $self {
            Store::Sqlite($s) => $e,
            Store::Postgres($s) => $e,
        }
    };
}

impl Store {
    /// Checks the database answers (`/healthz`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        both!(self, s => s.ping().await)
    }

    /// Whether a site exists (registered or with rules).
    pub async fn site_known(&self, write_key: &str) -> Result<bool, StoreError> {
        both!(self, s => s.site_known(write_key).await)
    }

    /// The rules of a site, if any.
    pub async fn rules(&self, write_key: &str) -> Result<Option<StoredRules>, StoreError> {
        both!(self, s => s.rules(write_key).await)
    }

    /// Stores `document` (already validated) as the site's rules, creating
    /// the site; version +1 and a new ETag.
    pub async fn put_rules(
        &self,
        write_key: &str,
        document: &str,
    ) -> Result<StoredRules, StoreError> {
        let stored = self
            .put_rules_if(write_key, document, Box::new(|_| true))
            .await?;
        Ok(stored.expect("an unconditional write is always allowed"))
    }

    /// Stores `document` if `allowed(current rules)`, checked and written in
    /// one transaction; otherwise the current ETag.
    pub async fn put_rules_if(
        &self,
        write_key: &str,
        document: &str,
        allowed: Precondition,
    ) -> Result<PutOutcome, StoreError> {
        both!(self, s => s.put_rules_if(write_key, document, allowed).await)
    }

    /// The newest `limit` published versions of a site's rules, newest first.
    pub async fn rules_versions(
        &self,
        write_key: &str,
        limit: i64,
    ) -> Result<Vec<RulesVersion>, StoreError> {
        both!(self, s => s.rules_versions(write_key, limit).await)
    }

    /// The document published as `version` (kept for history and rollback).
    pub async fn rules_version(
        &self,
        write_key: &str,
        version: i64,
    ) -> Result<Option<StoredRules>, StoreError> {
        both!(self, s => s.rules_version(write_key, version).await)
    }

    /// Keeps a draft document (already validated) until `expires_at`, under
    /// the hash of the token that reads it; the site's expired drafts go.
    pub async fn put_draft(
        &self,
        write_key: &str,
        token_hash: &str,
        document: &str,
        expires_at: &str,
    ) -> Result<(), StoreError> {
        both!(self, s => s.put_draft(write_key, token_hash, document, expires_at).await)
    }

    /// The draft kept under `token_hash`, unless it has expired.
    pub async fn draft(
        &self,
        write_key: &str,
        token_hash: &str,
    ) -> Result<Option<String>, StoreError> {
        both!(self, s => s.draft(write_key, token_hash).await)
    }

    /// Stores `document` only if the site has no rules yet; `true` if it did.
    pub async fn seed_rules(&self, write_key: &str, document: &str) -> Result<bool, StoreError> {
        let stored = self
            .put_rules_if(write_key, document, Box::new(|cur| cur.is_none()))
            .await?;
        Ok(stored.is_ok())
    }

    /// Stores events of a known site, once per visitor and `messageId` (see
    /// [`crate::routes::batch`]); `None` if the site is unknown. Returns
    /// after COMMIT.
    pub async fn insert_events(
        &self,
        write_key: &str,
        events: Vec<NewEvent>,
    ) -> Result<Option<Inserted>, StoreError> {
        both!(self, s => s.insert_events(write_key, events).await)
    }

    /// Erases, in one transaction: with `user_id` (the caller checked the
    /// user token), the whole person of that user id: every linked id,
    /// every event, its aggregates; with `anonymous_id`, what that id
    /// recorded (the whole person when it has no user id). Idempotent;
    /// `None` if the site is unknown. See [`crate::report::graph::forget`].
    pub async fn forget(
        &self,
        write_key: &str,
        anonymous_id: Option<&str>,
        user_id: Option<&str>,
    ) -> Result<Option<Forgotten>, StoreError> {
        both!(self, s => s.forget(write_key, anonymous_id, user_id).await)
    }

    /// Every id linked to the person of this anonymous id or user id in the
    /// identity graph (`None` if neither is known).
    pub async fn linked_ids(
        &self,
        write_key: &str,
        anonymous_id: Option<&str>,
        user_id: Option<&str>,
    ) -> Result<Option<LinkedIds>, StoreError> {
        both!(self, s => s.linked_ids(write_key, anonymous_id, user_id).await)
    }

    /// Every stored event of the person of `user_id` in the identity graph,
    /// in the order received (`None` if the user id is unknown): what the
    /// signed profile ([`crate::profile`]) is made of.
    pub async fn person_events(
        &self,
        write_key: &str,
        user_id: &str,
    ) -> Result<Option<Vec<EventRow>>, StoreError> {
        both!(self, s => s.person_events(write_key, user_id).await)
    }

    /// Every stored event (of one site, or all), in the order received.
    pub async fn events(&self, write_key: Option<&str>) -> Result<Vec<StoredEvent>, StoreError> {
        both!(self, s => s.events(write_key).await)
    }

    /// How many events are stored (all sites).
    pub async fn count_events(&self) -> Result<u64, StoreError> {
        both!(self, s => s.count_events().await)
    }

    /// How many events of a site a report may count: every stored one but
    /// those sent from a preview link (`context.preview = true`, which the
    /// SDK sets on everything a tab sends while previewing). Every report
    /// filters its rows the same way: [`sqlite::NOT_PREVIEW`],
    /// [`postgres::NOT_PREVIEW`].
    pub async fn count_reportable_events(&self, write_key: &str) -> Result<u64, StoreError> {
        both!(self, s => s.count_reportable_events(write_key).await)
    }

    /// Deletes events received before `cutoff` (RFC 3339 UTC), the report
    /// aggregates of the days before it, and persons with nothing left.
    pub async fn purge_events_before(&self, cutoff: &str) -> Result<Purged, StoreError> {
        both!(self, s => s.purge_events_before(cutoff).await)
    }

    /// The campaign report's aggregates of a site for the UTC days
    /// `from..=to` (`YYYY-MM-DD`), and its current rules' campaigns.
    pub async fn campaign_cells(
        &self,
        write_key: &str,
        from: &str,
        to: &str,
    ) -> Result<ReportCells, StoreError> {
        both!(self, s => s.campaign_cells(write_key, from, to).await)
    }

    /// Every site the database knows (registered or with rules), sorted.
    pub async fn known_sites(&self) -> Result<Vec<String>, StoreError> {
        both!(self, s => s.known_sites().await)
    }

    /// Registers a site (so its events are accepted before it has rules).
    pub async fn register_site(&self, write_key: &str) -> Result<(), StoreError> {
        both!(self, s => s.register_site(write_key).await)
    }

    /// The stored admin token hash of a site (hex SHA-256), if any.
    pub async fn admin_token_hash(&self, write_key: &str) -> Result<Option<String>, StoreError> {
        both!(self, s => s.admin_token_hash(write_key).await)
    }

    /// Stores `token_hash` for the site unless it has one (registering the
    /// site); `true` if stored now.
    pub async fn create_admin_token_if_absent(
        &self,
        write_key: &str,
        token_hash: &str,
    ) -> Result<bool, StoreError> {
        both!(self, s => s.create_admin_token_if_absent(write_key, token_hash).await)
    }

    /// Finishes every queued write and stops the writer (graceful shutdown).
    /// Later writes fail with [`StoreError::Closed`].
    pub async fn close(&self) {
        both!(self, s => s.close().await)
    }
}

/// Runs a future to completion from synchronous code, even inside a runtime
/// (on a scoped thread with its own small runtime).
pub fn block_on<F: Future + Send>(f: F) -> F::Output
where
    F::Output: Send,
{
    std::thread::scope(|scope| {
        scope
            .spawn(|| {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a current-thread runtime")
                    .block_on(f)
            })
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p))
    })
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

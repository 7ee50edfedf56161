//! PostgreSQL storage (`--database postgres://…`): a deadpool connection
//! pool over tokio-postgres, so several server processes can share one
//! database behind a load balancer.
//!
//! Migrations run at start inside a session advisory lock, so two servers
//! starting together apply each step once. Every request's events go in one
//! statement (`UNNEST` of column arrays, `ON CONFLICT DO NOTHING` on the
//! `messageId` unique index) and are acknowledged after COMMIT; PostgreSQL
//! itself groups concurrent commits.

use deadpool_postgres::{Config, Object, Pool, Runtime};
use tokio_postgres::types::ToSql;
use tokio_postgres::NoTls;

use super::{
    etag_of, now_rfc3339, postgres_graph, postgres_rules, EventRow, Forgotten, Inserted, LinkedIds,
    NewEvent, Precondition, Purged, PutOutcome, ReportCells, RulesVersion, StoreError, StoredEvent,
    StoredRules,
};

/// Key of the advisory lock held while migrating ("parcours" in ASCII).
const MIGRATION_LOCK: i64 = 0x7061_7263_6f75_7273;

/// The schema, one entry per version. Never edit a shipped entry: append.
pub const MIGRATIONS: &[&str] = &[
    "CREATE TABLE sites (
         write_key  TEXT PRIMARY KEY,
         created_at TEXT NOT NULL
     );
     CREATE TABLE rules (
         write_key  TEXT PRIMARY KEY REFERENCES sites (write_key),
         document   TEXT NOT NULL,
         etag       TEXT NOT NULL,
         version    BIGINT NOT NULL,
         updated_at TEXT NOT NULL
     );
     CREATE TABLE events (
         id           BIGSERIAL PRIMARY KEY,
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
     );
     CREATE TABLE site_admin_tokens (
         write_key  TEXT PRIMARY KEY,
         token_hash TEXT NOT NULL,
         created_at TEXT NOT NULL
     );
     CREATE INDEX events_anonymous_id ON events (write_key, anonymous_id) WHERE anonymous_id IS NOT NULL;
     CREATE INDEX events_user_id ON events (write_key, user_id) WHERE user_id IS NOT NULL;
     CREATE INDEX events_received_at ON events (received_at);",
    // 2: the identity graph and the campaign report aggregates.
    postgres_graph::MIGRATION,
    // 3: every published version of the rules, and the studio's drafts.
    postgres_rules::MIGRATION,
    // 4: one index for a visitor's events and their de-duplication, as
    // SQLite's migration 6 (`sqlite::VISITOR_FIRST`).
    "ALTER TABLE events DROP CONSTRAINT events_write_key_message_id_key;
     CREATE UNIQUE INDEX events_visitor_message ON events (write_key, anonymous_id, message_id)
         WHERE anonymous_id IS NOT NULL;
     CREATE UNIQUE INDEX events_server_message ON events (write_key, message_id)
         WHERE anonymous_id IS NULL;
     DROP INDEX events_anonymous_id;",
];

/// The rows a report may count: not sent from a preview link (the payload's
/// `context.preview` is not JSON `true`). `AND` it into every report's `WHERE`.
pub const NOT_PREVIEW: &str =
    "COALESCE((payload::json #> '{context,preview}')::text, '') <> 'true'";

const SITE_KNOWN: &str = "SELECT EXISTS(SELECT 1 FROM sites WHERE write_key = $1)
    OR EXISTS(SELECT 1 FROM rules WHERE write_key = $1)";
const RULES: &str = "SELECT document, etag, version, updated_at FROM rules WHERE write_key = $1";
const INSERT_EVENTS: &str = "INSERT INTO events
    (write_key, message_id, type, event, anonymous_id, user_id, timestamp, received_at, payload)
    SELECT $1, m, k, e, a, u, t, $2, p
    FROM UNNEST($3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
        WITH ORDINALITY AS x(m, k, e, a, u, t, p, n)
    ORDER BY n
    ON CONFLICT DO NOTHING";

/// The PostgreSQL store: a connection pool.
#[derive(Clone)]
pub struct PgStore {
    pool: Pool,
}

fn pool_err(e: impl std::fmt::Display) -> StoreError {
    StoreError::Pool(e.to_string())
}

impl PgStore {
    /// Connects (pool of `max_size` connections) and migrates the schema.
    pub async fn open(url: &str, max_size: usize) -> Result<PgStore, StoreError> {
        let mut cfg = Config::new();
        cfg.url = Some(url.to_owned());
        cfg.pool = Some(deadpool_postgres::PoolConfig::new(max_size));
        let pool = cfg
            .create_pool(Some(Runtime::Tokio1), NoTls)
            .map_err(pool_err)?;
        let store = PgStore { pool };
        store.migrate().await?;
        Ok(store)
    }

    async fn client(&self) -> Result<Object, StoreError> {
        self.pool.get().await.map_err(pool_err)
    }

    /// Applies missing migrations under an advisory lock (one server at a time).
    async fn migrate(&self) -> Result<(), StoreError> {
        let client = self.client().await?;
        client
            .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])
            .await?;
        let result = async {
            client
                .batch_execute("CREATE TABLE IF NOT EXISTS parcours_schema (version BIGINT NOT NULL)")
                .await?;
            let current: i64 = client
                .query_opt("SELECT version FROM parcours_schema", &[])
                .await?
                .map_or(0, |r| r.get(0));
            let known = MIGRATIONS.len() as i64;
            if current > known {
                return Err(StoreError::TooNew {
                    found: current,
                    known,
                });
            }
            for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
                let version = i as i64 + 1;
                let sql = format!(
                    "BEGIN; {sql}; DELETE FROM parcours_schema; INSERT INTO parcours_schema VALUES ({version}); COMMIT;"
                );
                if let Err(e) = client.batch_execute(&sql).await {
                    let _ = client.batch_execute("ROLLBACK").await;
                    return Err(e.into());
                }
            }
            Ok(())
        }
        .await;
        client
            .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])
            .await?;
        result
    }

    pub(super) async fn ping(&self) -> Result<(), StoreError> {
        self.client().await?.execute("SELECT 1", &[]).await?;
        Ok(())
    }

    pub(super) async fn site_known(&self, write_key: &str) -> Result<bool, StoreError> {
        let c = self.client().await?;
        let stmt = c.prepare_cached(SITE_KNOWN).await?;
        Ok(c.query_one(&stmt, &[&write_key]).await?.get(0))
    }

    pub(super) async fn rules(&self, write_key: &str) -> Result<Option<StoredRules>, StoreError> {
        let c = self.client().await?;
        let stmt = c.prepare_cached(RULES).await?;
        Ok(c.query_opt(&stmt, &[&write_key])
            .await?
            .map(|r| to_rules(&r)))
    }

    pub(super) async fn put_rules_if(
        &self,
        write_key: &str,
        document: &str,
        allowed: Precondition,
    ) -> Result<PutOutcome, StoreError> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        // Serialises writers of this site's rules across servers.
        tx.execute("SELECT pg_advisory_xact_lock(hashtext($1))", &[&write_key])
            .await?;
        let current = tx
            .query_opt(RULES, &[&write_key])
            .await?
            .map(|r| to_rules(&r));
        if !allowed(current.as_ref()) {
            return Ok(Err(current.map(|r| r.etag)));
        }
        let now = now_rfc3339();
        tx.execute(
            "INSERT INTO sites (write_key, created_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            &[&write_key, &now],
        )
        .await?;
        let row = tx
            .query_one(
                "INSERT INTO rules (write_key, document, etag, version, updated_at)
                 VALUES ($1, $2, $3, 1, $4)
                 ON CONFLICT (write_key) DO UPDATE SET
                     document = excluded.document, etag = excluded.etag,
                     version = rules.version + 1, updated_at = excluded.updated_at
                 RETURNING document, etag, version, updated_at",
                &[&write_key, &document, &etag_of(document), &now],
            )
            .await?;
        let stored = to_rules(&row);
        postgres_rules::record(&tx, write_key, &stored).await?;
        tx.commit().await?;
        Ok(Ok(stored))
    }

    pub(super) async fn rules_versions(
        &self,
        write_key: &str,
        limit: i64,
    ) -> Result<Vec<RulesVersion>, StoreError> {
        let c = self.client().await?;
        Ok(postgres_rules::versions(&c, write_key, limit).await?)
    }

    pub(super) async fn rules_version(
        &self,
        write_key: &str,
        version: i64,
    ) -> Result<Option<StoredRules>, StoreError> {
        let c = self.client().await?;
        Ok(postgres_rules::version(&c, write_key, version).await?)
    }

    pub(super) async fn put_draft(
        &self,
        write_key: &str,
        token_hash: &str,
        document: &str,
        expires_at: &str,
    ) -> Result<(), StoreError> {
        let c = self.client().await?;
        let now = now_rfc3339();
        Ok(
            postgres_rules::put_draft(&c, write_key, token_hash, document, expires_at, &now)
                .await?,
        )
    }

    pub(super) async fn draft(
        &self,
        write_key: &str,
        token_hash: &str,
    ) -> Result<Option<String>, StoreError> {
        let c = self.client().await?;
        Ok(postgres_rules::draft(&c, write_key, token_hash, &now_rfc3339()).await?)
    }

    /// Stores a request's events and updates the graph in one transaction,
    /// retried when PostgreSQL aborts it as a deadlock victim ([`retried`]).
    pub(super) async fn insert_events(
        &self,
        write_key: &str,
        events: Vec<NewEvent>,
    ) -> Result<Option<Inserted>, StoreError> {
        retried(|| self.insert_events_once(write_key, &events)).await
    }

    async fn insert_events_once(
        &self,
        write_key: &str,
        events: &[NewEvent],
    ) -> Result<Option<Inserted>, StoreError> {
        let mut c = self.client().await?;
        let known = c.prepare_cached(SITE_KNOWN).await?;
        let insert = c.prepare_cached(INSERT_EVENTS).await?;
        let etag = c.prepare_cached(postgres_graph::RULES_ETAG).await?;
        let tx = c.transaction().await?;
        let col = |f: fn(&NewEvent) -> Option<&str>| events.iter().map(f).collect::<Vec<_>>();
        let ids = col(|e| Some(&e.message_id));
        let kinds = col(|e| Some(&e.kind));
        let names = col(|e| e.event.as_deref());
        let anon = col(|e| e.anonymous_id.as_deref());
        let users = col(|e| e.user_id.as_deref());
        let times = col(|e| Some(&e.timestamp));
        let payloads = col(|e| Some(&e.payload));
        let received_at = now_rfc3339();
        // One round trip: the site check, the insert, the rules' ETag and the
        // graph's id locks go out together (tokio-postgres pipelines
        // queries polled at once). An unknown site's rows are rolled back.
        let key: [&(dyn ToSql + Sync); 1] = [&write_key];
        let rows: [&(dyn ToSql + Sync); 9] = [
            &write_key,
            &received_at,
            &ids,
            &kinds,
            &names,
            &anon,
            &users,
            &times,
            &payloads,
        ];
        let (known, accepted, etag, ()) = tokio::try_join!(
            tx.query_one(&known, &key),
            tx.execute(&insert, &rows),
            tx.query_opt(&etag, &key),
            postgres_graph::lock(&tx, write_key, postgres_graph::ids_in(events)),
        )?;
        if !known.get::<_, bool>(0) {
            return Ok(None); // dropping `tx` rolls back
        }
        let accepted = accepted as usize;
        let etag = etag.map(|r| r.get(0));
        postgres_graph::after_insert(&tx, write_key, events, etag).await?;
        tx.commit().await?;
        Ok(Some(Inserted {
            accepted,
            duplicates: events.len() - accepted,
        }))
    }

    /// Erases a person in one transaction, retried like [`Self::insert_events`].
    pub(super) async fn forget(
        &self,
        write_key: &str,
        anonymous_id: Option<&str>,
        user_id: Option<&str>,
    ) -> Result<Option<Forgotten>, StoreError> {
        retried(|| self.forget_once(write_key, anonymous_id, user_id)).await
    }

    async fn forget_once(
        &self,
        write_key: &str,
        anonymous_id: Option<&str>,
        user_id: Option<&str>,
    ) -> Result<Option<Forgotten>, StoreError> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        if !tx
            .query_one(SITE_KNOWN, &[&write_key])
            .await?
            .get::<_, bool>(0)
        {
            return Ok(None);
        }
        let erased = postgres_graph::forget(&tx, write_key, anonymous_id, user_id).await?;
        tx.commit().await?;
        Ok(Some(erased))
    }

    pub(super) async fn linked_ids(
        &self,
        write_key: &str,
        anonymous_id: Option<&str>,
        user_id: Option<&str>,
    ) -> Result<Option<LinkedIds>, StoreError> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        let ids = postgres_graph::linked(&tx, write_key, anonymous_id, user_id).await?;
        tx.commit().await?;
        Ok(ids.map(LinkedIds::from_pairs))
    }

    pub(super) async fn person_events(
        &self,
        write_key: &str,
        user_id: &str,
    ) -> Result<Option<Vec<EventRow>>, StoreError> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        let events = postgres_graph::person_events(&tx, write_key, user_id).await?;
        tx.commit().await?;
        Ok(events)
    }

    pub(super) async fn events(
        &self,
        write_key: Option<&str>,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let c = self.client().await?;
        let rows = c
            .query(
                "SELECT write_key, message_id, type, event, anonymous_id, user_id, timestamp, received_at, payload
                 FROM events WHERE $1::text IS NULL OR write_key = $1 ORDER BY id",
                &[&write_key],
            )
            .await?;
        Ok(rows
            .iter()
            .map(|r| {
                let payload = StoredEvent::parse_payload(r.get(8));
                StoredEvent {
                    write_key: r.get(0),
                    message_id: r.get(1),
                    kind: r.get(2),
                    event: r.get(3),
                    anonymous_id: r.get(4),
                    user_id: r.get(5),
                    timestamp: r.get(6),
                    received_at: r.get(7),
                    preview: StoredEvent::is_preview(&payload),
                    payload,
                }
            })
            .collect())
    }

    pub(super) async fn count_events(&self) -> Result<u64, StoreError> {
        let c = self.client().await?;
        let n: i64 = c
            .query_one("SELECT COUNT(*) FROM events", &[])
            .await?
            .get(0);
        Ok(n as u64)
    }

    pub(super) async fn count_reportable_events(&self, write_key: &str) -> Result<u64, StoreError> {
        let c = self.client().await?;
        let sql = [
            "SELECT COUNT(*) FROM events WHERE write_key = $1 AND ",
            NOT_PREVIEW,
        ]
        .concat();
        let n: i64 = c.query_one(&sql, &[&write_key]).await?.get(0);
        Ok(n as u64)
    }

    pub(super) async fn purge_events_before(&self, cutoff: &str) -> Result<Purged, StoreError> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        let events = tx
            .execute("DELETE FROM events WHERE received_at < $1", &[&cutoff])
            .await? as usize;
        let purged = postgres_graph::purge(&tx, cutoff.get(..10).unwrap_or(cutoff), events).await?;
        tx.commit().await?;
        Ok(purged)
    }

    pub(super) async fn campaign_cells(
        &self,
        write_key: &str,
        from: &str,
        to: &str,
    ) -> Result<ReportCells, StoreError> {
        let mut c = self.client().await?;
        // One snapshot for both aggregates.
        let tx = c
            .build_transaction()
            .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await?;
        let (exposures, counts) = postgres_graph::report_cells(&tx, write_key, from, to).await?;
        let goals = postgres_graph::goals_of(&tx, write_key).await?;
        tx.commit().await?;
        Ok((exposures, counts, goals))
    }

    pub(super) async fn known_sites(&self) -> Result<Vec<String>, StoreError> {
        let c = self.client().await?;
        let rows = c
            .query(
                "SELECT write_key FROM sites UNION SELECT write_key FROM rules ORDER BY 1",
                &[],
            )
            .await?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    pub(super) async fn register_site(&self, write_key: &str) -> Result<(), StoreError> {
        let c = self.client().await?;
        c.execute(
            "INSERT INTO sites (write_key, created_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            &[&write_key, &now_rfc3339()],
        )
        .await?;
        Ok(())
    }

    pub(super) async fn admin_token_hash(
        &self,
        write_key: &str,
    ) -> Result<Option<String>, StoreError> {
        let c = self.client().await?;
        Ok(c.query_opt(
            "SELECT token_hash FROM site_admin_tokens WHERE write_key = $1",
            &[&write_key],
        )
        .await?
        .map(|r| r.get(0)))
    }

    pub(super) async fn create_admin_token_if_absent(
        &self,
        write_key: &str,
        token_hash: &str,
    ) -> Result<bool, StoreError> {
        let mut c = self.client().await?;
        let tx = c.transaction().await?;
        let now = now_rfc3339();
        tx.execute(
            "INSERT INTO sites (write_key, created_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            &[&write_key, &now],
        )
        .await?;
        let n = tx
            .execute(
                "INSERT INTO site_admin_tokens (write_key, token_hash, created_at)
                 VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                &[&write_key, &token_hash, &now],
            )
            .await?;
        tx.commit().await?;
        Ok(n == 1)
    }

    pub(super) async fn close(&self) {
        self.pool.close();
    }
}

fn to_rules(r: &tokio_postgres::Row) -> StoredRules {
    StoredRules {
        document: r.get(0),
        etag: r.get(1),
        version: r.get(2),
        updated_at: r.get(3),
    }
}

/// Attempts of a graph-writing transaction before its error is answered.
const ATTEMPTS: u32 = 5;

/// Runs `attempt` again (up to [`ATTEMPTS`] times, after a short pause)
/// when PostgreSQL aborted it as a deadlock victim or on a serialization
/// failure: two requests merging overlapping persons can lock the same
/// rows in opposite orders, and the one aborted is then simply redone, so
/// the client never sees it. Nothing of an aborted attempt was committed.
async fn retried<T, F, Fut>(mut attempt: F) -> Result<T, StoreError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, StoreError>>,
{
    let mut n = 1;
    loop {
        match attempt().await {
            Err(StoreError::Postgres(e)) if n < ATTEMPTS && transient(&e) => {
                eprintln!("parcours-server: postgres: {e}; retrying ({n}/{ATTEMPTS})");
                tokio::time::sleep(std::time::Duration::from_millis(5 << n)).await;
                n += 1;
            }
            r => return r,
        }
    }
}

/// A deadlock or serialization failure: the transaction can be redone.
fn transient(e: &tokio_postgres::Error) -> bool {
    use tokio_postgres::error::SqlState;
    e.code().is_some_and(|c| {
        *c == SqlState::T_R_DEADLOCK_DETECTED || *c == SqlState::T_R_SERIALIZATION_FAILURE
    })
}

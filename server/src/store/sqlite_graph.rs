//! The identity graph and report aggregates on SQLite ([`crate::report`]):
//! the schema (migration 3), the [`Ledger`] over the writer's transaction,
//! and the report, forget and retention queries.

use rusqlite::{params, Connection, OptionalExtension};
use std::collections::HashSet;
use std::sync::Arc;

use super::{NewEvent, Purged};
use crate::report::goals::{self, Goals};
use crate::report::graph::{self, EventRow, ExposureRow, Forgotten, IdKind, Ledger};
use crate::report::stats::Arm;
use crate::report::{DailyCell, ExposureCell};

/// Migration 3: persons, their ids, and the report aggregates.
pub const MIGRATION: &str = "CREATE TABLE persons (
         id        INTEGER PRIMARY KEY,
         write_key TEXT NOT NULL
     );
     CREATE TABLE person_ids (
         write_key TEXT NOT NULL,
         kind      TEXT NOT NULL,
         id        TEXT NOT NULL,
         person_id INTEGER NOT NULL,
         PRIMARY KEY (write_key, kind, id)
     ) WITHOUT ROWID;
     CREATE INDEX person_ids_person ON person_ids (person_id);
     CREATE TABLE campaign_exposures (
         person_id    INTEGER NOT NULL,
         campaign_id  TEXT NOT NULL,
         write_key    TEXT NOT NULL,
         variant_id   TEXT NOT NULL,
         first_ms     INTEGER NOT NULL,
         first_day    TEXT NOT NULL,
         converted_ms INTEGER,
         revenue      REAL NOT NULL DEFAULT 0,
         PRIMARY KEY (person_id, campaign_id)
     ) WITHOUT ROWID;
     CREATE INDEX campaign_exposures_day ON campaign_exposures
         (write_key, first_day, campaign_id, variant_id, converted_ms, revenue);
     CREATE TABLE campaign_daily (
         write_key   TEXT NOT NULL,
         day         TEXT NOT NULL,
         campaign_id TEXT NOT NULL,
         variant_id  TEXT NOT NULL,
         impressions INTEGER NOT NULL DEFAULT 0,
         clicks      INTEGER NOT NULL DEFAULT 0,
         dismissals  INTEGER NOT NULL DEFAULT 0,
         PRIMARY KEY (write_key, day, campaign_id, variant_id)
     ) WITHOUT ROWID;";

/// The graph's view of one transaction for one site.
pub struct SqliteLedger<'a> {
    c: &'a Connection,
    key: &'a str,
}

impl<'a> SqliteLedger<'a> {
    /// Over `c` (inside a transaction) for site `key`.
    pub fn new(c: &'a Connection, key: &'a str) -> SqliteLedger<'a> {
        SqliteLedger { c, key }
    }
}

/// The highest event row id: rows above it after an insert are new.
pub fn mark(c: &Connection) -> rusqlite::Result<i64> {
    c.prepare_cached("SELECT COALESCE(MAX(id), 0) FROM events")?
        .query_row([], |r| r.get(0))
}

/// The current rules of a site as [`Goals`] (cached per ETag).
pub fn goals_of(c: &Connection, key: &str) -> rusqlite::Result<Arc<Goals>> {
    let etag: Option<String> = c
        .prepare_cached("SELECT etag FROM rules WHERE write_key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?;
    let Some(etag) = etag else {
        return Ok(Arc::new(Goals::default()));
    };
    if let Some(g) = goals::cached(key, &etag) {
        return Ok(g);
    }
    let doc: String = c.query_row(
        "SELECT document FROM rules WHERE write_key = ?1",
        [key],
        |r| r.get(0),
    )?;
    Ok(goals::remember(key, &etag, &doc))
}

/// After a request's events are inserted (rows above `mark` are new):
/// updates the identity graph and the report aggregates.
pub fn after_insert(
    c: &Connection,
    key: &str,
    events: &[NewEvent],
    mark: i64,
) -> rusqlite::Result<()> {
    let goals = goals_of(c, key)?;
    let mut fresh = HashSet::new();
    for e in graph::relevant(&goals, events) {
        // Each form names its partial unique index's condition, so SQLite uses it.
        let row: Option<i64> = match &e.anonymous_id {
            Some(anon) => c
                .prepare_cached(
                    "SELECT id FROM events
                     WHERE write_key = ?1 AND anonymous_id = ?2 AND message_id = ?3",
                )?
                .query_row([key, anon, &e.message_id], |r| r.get(0)),
            None => c
                .prepare_cached(
                    "SELECT id FROM events
                     WHERE write_key = ?1 AND anonymous_id IS NULL AND message_id = ?2",
                )?
                .query_row([key, &e.message_id], |r| r.get(0)),
        }
        .optional()?;
        if row.is_some_and(|r| r > mark) {
            fresh.insert(graph::key_of(e));
        }
    }
    let mut l = SqliteLedger::new(c, key);
    graph::now(graph::maintain(&mut l, &goals, events, &fresh)).unwrap_or(Err(pending()))
}

fn pending() -> rusqlite::Error {
    rusqlite::Error::InvalidQuery
}

/// Forgets (see [`graph::forget`]) in the caller's transaction.
pub fn forget(
    c: &Connection,
    key: &str,
    anon: Option<&str>,
    user: Option<&str>,
) -> rusqlite::Result<Forgotten> {
    let goals = goals_of(c, key)?;
    let mut l = SqliteLedger::new(c, key);
    graph::now(graph::forget(&mut l, &goals, anon, user)).unwrap_or(Err(pending()))
}

/// Retention, after events received before the cutoff were deleted:
/// aggregates of days before `cutoff_day`, and persons with no event left.
pub fn purge(c: &Connection, cutoff_day: &str, events: usize) -> rusqlite::Result<Purged> {
    c.execute("DELETE FROM campaign_daily WHERE day < ?1", [cutoff_day])?;
    c.execute(
        "DELETE FROM campaign_exposures WHERE first_day < ?1",
        [cutoff_day],
    )?;
    let persons = c.execute(
        "DELETE FROM persons WHERE id IN (
             SELECT person_id FROM person_ids p GROUP BY person_id
             HAVING MAX(CASE WHEN p.kind = 'u'
                 THEN EXISTS(SELECT 1 FROM events e WHERE e.write_key = p.write_key AND e.user_id = p.id)
                 ELSE EXISTS(SELECT 1 FROM events e WHERE e.write_key = p.write_key AND e.anonymous_id = p.id)
             END) = 0)",
        [],
    )?;
    c.execute(
        "DELETE FROM person_ids WHERE person_id NOT IN (SELECT id FROM persons)",
        [],
    )?;
    c.execute(
        "DELETE FROM campaign_exposures WHERE person_id NOT IN (SELECT id FROM persons)",
        [],
    )?;
    Ok(Purged { events, persons })
}

/// The report's cells for `from..=to` (UTC days).
pub fn report_cells(
    c: &Connection,
    key: &str,
    from: &str,
    to: &str,
) -> rusqlite::Result<(Vec<ExposureCell>, Vec<DailyCell>)> {
    let mut stmt = c.prepare_cached(
        "SELECT campaign_id, variant_id, first_day, COUNT(*), COUNT(converted_ms),
                TOTAL(revenue), TOTAL(revenue * revenue)
         FROM campaign_exposures WHERE write_key = ?1 AND first_day BETWEEN ?2 AND ?3
         GROUP BY first_day, campaign_id, variant_id",
    )?;
    let exposures = stmt
        .query_map([key, from, to], |r| {
            Ok(ExposureCell {
                campaign_id: r.get(0)?,
                variant_id: r.get(1)?,
                day: r.get(2)?,
                arm: Arm {
                    n: r.get::<_, i64>(3)? as u64,
                    conversions: r.get::<_, i64>(4)? as u64,
                    revenue: r.get(5)?,
                    revenue_sq: r.get(6)?,
                },
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut stmt = c.prepare_cached(
        "SELECT campaign_id, variant_id, day, impressions, clicks, dismissals
         FROM campaign_daily WHERE write_key = ?1 AND day BETWEEN ?2 AND ?3",
    )?;
    let counts = stmt
        .query_map([key, from, to], |r| {
            Ok(DailyCell {
                campaign_id: r.get(0)?,
                variant_id: r.get(1)?,
                day: r.get(2)?,
                counts: [r.get(3)?, r.get(4)?, r.get(5)?],
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok((exposures, counts))
}

impl Ledger for SqliteLedger<'_> {
    type Error = rusqlite::Error;

    async fn person_of(&mut self, kind: IdKind, id: &str) -> rusqlite::Result<Option<i64>> {
        self.c
            .prepare_cached(
                "SELECT person_id FROM person_ids WHERE write_key = ?1 AND kind = ?2 AND id = ?3",
            )?
            .query_row(params![self.key, kind.code(), id], |r| r.get(0))
            .optional()
    }

    async fn ids_of(&mut self, person: i64) -> rusqlite::Result<Vec<(IdKind, String)>> {
        let mut stmt = self.c.prepare_cached(
            "SELECT kind, id FROM person_ids WHERE person_id = ?1 ORDER BY kind, id",
        )?;
        let rows = stmt.query_map([person], |r| {
            Ok((IdKind::from_code(&r.get::<_, String>(0)?), r.get(1)?))
        })?;
        rows.collect()
    }

    async fn new_person(&mut self) -> rusqlite::Result<i64> {
        self.c
            .prepare_cached("INSERT INTO persons (write_key) VALUES (?1)")?
            .execute([self.key])?;
        Ok(self.c.last_insert_rowid())
    }

    async fn link(&mut self, kind: IdKind, id: &str, person: i64) -> rusqlite::Result<()> {
        self.c
            .prepare_cached(
                "INSERT OR IGNORE INTO person_ids (write_key, kind, id, person_id) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![self.key, kind.code(), id, person])?;
        Ok(())
    }

    async fn unlink(&mut self, kind: IdKind, id: &str) -> rusqlite::Result<()> {
        self.c.execute(
            "DELETE FROM person_ids WHERE write_key = ?1 AND kind = ?2 AND id = ?3",
            params![self.key, kind.code(), id],
        )?;
        Ok(())
    }

    async fn merge(&mut self, from: i64, into: i64) -> rusqlite::Result<()> {
        self.c.execute(
            "UPDATE person_ids SET person_id = ?2 WHERE person_id = ?1",
            [from, into],
        )?;
        self.c.execute(
            "DELETE FROM campaign_exposures WHERE person_id = ?1",
            [from],
        )?;
        self.c
            .execute("DELETE FROM persons WHERE id = ?1", [from])?;
        Ok(())
    }

    async fn erase_person(&mut self, person: i64) -> rusqlite::Result<()> {
        self.c
            .execute("DELETE FROM person_ids WHERE person_id = ?1", [person])?;
        self.c.execute(
            "DELETE FROM campaign_exposures WHERE person_id = ?1",
            [person],
        )?;
        self.c
            .execute("DELETE FROM persons WHERE id = ?1", [person])?;
        Ok(())
    }

    async fn exposure(
        &mut self,
        person: i64,
        campaign: &str,
    ) -> rusqlite::Result<Option<ExposureRow>> {
        self.c
            .prepare_cached(
                "SELECT campaign_id, variant_id, first_ms, first_day, converted_ms, revenue
                 FROM campaign_exposures WHERE person_id = ?1 AND campaign_id = ?2",
            )?
            .query_row(params![person, campaign], |r| {
                Ok(ExposureRow {
                    campaign_id: r.get(0)?,
                    variant_id: r.get(1)?,
                    first_ms: r.get(2)?,
                    first_day: r.get(3)?,
                    converted_ms: r.get(4)?,
                    revenue: r.get(5)?,
                })
            })
            .optional()
    }

    async fn replace_exposures(
        &mut self,
        person: i64,
        rows: &[ExposureRow],
    ) -> rusqlite::Result<()> {
        self.c
            .prepare_cached("DELETE FROM campaign_exposures WHERE person_id = ?1")?
            .execute([person])?;
        let mut stmt = self.c.prepare_cached(
            "INSERT INTO campaign_exposures
                 (person_id, campaign_id, write_key, variant_id, first_ms, first_day, converted_ms, revenue)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?;
        for r in rows {
            stmt.execute(params![
                person,
                r.campaign_id,
                self.key,
                r.variant_id,
                r.first_ms,
                r.first_day,
                r.converted_ms,
                r.revenue
            ])?;
        }
        Ok(())
    }

    async fn add_conversion(
        &mut self,
        person: i64,
        campaign: &str,
        at_ms: i64,
        revenue: f64,
    ) -> rusqlite::Result<()> {
        self.c
            .prepare_cached(
                "UPDATE campaign_exposures SET
                     converted_ms = MIN(COALESCE(converted_ms, ?3), ?3),
                     revenue = revenue + ?4
                 WHERE person_id = ?1 AND campaign_id = ?2",
            )?
            .execute(params![person, campaign, at_ms, revenue])?;
        Ok(())
    }

    async fn add_daily(
        &mut self,
        campaign: &str,
        variant: &str,
        day: &str,
        d: [i64; 3],
    ) -> rusqlite::Result<()> {
        self.c
            .prepare_cached(
                "INSERT INTO campaign_daily (write_key, day, campaign_id, variant_id, impressions, clicks, dismissals)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (write_key, day, campaign_id, variant_id) DO UPDATE SET
                     impressions = impressions + excluded.impressions,
                     clicks = clicks + excluded.clicks,
                     dismissals = dismissals + excluded.dismissals",
            )?
            .execute(params![self.key, day, campaign, variant, d[0], d[1], d[2]])?;
        Ok(())
    }

    async fn events_of(
        &mut self,
        kind: IdKind,
        id: &str,
        without_user: bool,
        names: Option<&[String]>,
    ) -> rusqlite::Result<Vec<EventRow>> {
        let sql = match (kind, without_user) {
            (IdKind::User, _) => {
                "SELECT id, type, event, user_id, timestamp, payload FROM events
                 WHERE write_key = ?1 AND user_id = ?2
                   AND (?3 IS NULL OR (type = 'track' AND event IN (SELECT value FROM json_each(?3))))"
            }
            (IdKind::Anonymous, true) => {
                "SELECT id, type, event, user_id, timestamp, payload FROM events
                 WHERE write_key = ?1 AND anonymous_id = ?2 AND user_id IS NULL
                   AND (?3 IS NULL OR (type = 'track' AND event IN (SELECT value FROM json_each(?3))))"
            }
            (IdKind::Anonymous, false) => {
                "SELECT id, type, event, user_id, timestamp, payload FROM events
                 WHERE write_key = ?1 AND anonymous_id = ?2
                   AND (?3 IS NULL OR (type = 'track' AND event IN (SELECT value FROM json_each(?3))))"
            }
        };
        let names = names.map(|n| serde_json::to_string(n).unwrap_or_default());
        let mut stmt = self.c.prepare_cached(sql)?;
        let rows = stmt.query_map(params![self.key, id, names], |r| {
            Ok(EventRow {
                id: r.get(0)?,
                kind: r.get(1)?,
                event: r.get(2)?,
                user_id: r.get(3)?,
                timestamp: r.get(4)?,
                payload: r.get(5)?,
            })
        })?;
        rows.collect()
    }

    async fn delete_events(&mut self, ids: &[i64]) -> rusqlite::Result<()> {
        let mut stmt = self.c.prepare_cached("DELETE FROM events WHERE id = ?1")?;
        for id in ids {
            stmt.execute([id])?;
        }
        Ok(())
    }
}

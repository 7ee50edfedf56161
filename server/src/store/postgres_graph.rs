//! The identity graph and report aggregates on PostgreSQL
//! ([`crate::report`]): the schema (migration 2), the [`Ledger`] over a
//! request's transaction, and the report, forget and retention queries.
//!
//! Several requests (and servers) write at once: before touching the graph,
//! a request takes a transaction-scoped advisory lock on each id it carries
//! (sorted, so two requests never wait on each other in a cycle), so one id
//! is resolved by one transaction at a time. A merge reaching a person
//! another request is updating may still deadlock; PostgreSQL then aborts
//! one transaction and the store runs it again (`postgres::retried`).

use deadpool_postgres::Transaction;
use std::collections::HashSet;
use std::sync::Arc;
use tokio_postgres::Error;

use super::{NewEvent, Purged};
use crate::report::goals::{self, Goals};
use crate::report::graph::{self, EventRow, ExposureRow, Forgotten, IdKind, Ledger};
use crate::report::stats::Arm;
use crate::report::{DailyCell, ExposureCell};

/// Migration 2: persons, their ids, and the report aggregates.
pub const MIGRATION: &str = "CREATE TABLE persons (
         id        BIGSERIAL PRIMARY KEY,
         write_key TEXT NOT NULL
     );
     CREATE TABLE person_ids (
         write_key TEXT NOT NULL,
         kind      TEXT NOT NULL,
         id        TEXT NOT NULL,
         person_id BIGINT NOT NULL,
         PRIMARY KEY (write_key, kind, id)
     );
     CREATE INDEX person_ids_person ON person_ids (person_id);
     CREATE TABLE campaign_exposures (
         person_id    BIGINT NOT NULL,
         campaign_id  TEXT NOT NULL,
         write_key    TEXT NOT NULL,
         variant_id   TEXT NOT NULL,
         first_ms     BIGINT NOT NULL,
         first_day    TEXT NOT NULL,
         converted_ms BIGINT,
         revenue      DOUBLE PRECISION NOT NULL DEFAULT 0,
         PRIMARY KEY (person_id, campaign_id)
     );
     CREATE INDEX campaign_exposures_day ON campaign_exposures
         (write_key, first_day, campaign_id, variant_id) INCLUDE (converted_ms, revenue);
     CREATE TABLE campaign_daily (
         write_key   TEXT NOT NULL,
         day         TEXT NOT NULL,
         campaign_id TEXT NOT NULL,
         variant_id  TEXT NOT NULL,
         impressions BIGINT NOT NULL DEFAULT 0,
         clicks      BIGINT NOT NULL DEFAULT 0,
         dismissals  BIGINT NOT NULL DEFAULT 0,
         PRIMARY KEY (write_key, day, campaign_id, variant_id)
     )";

/// The graph's view of one transaction for one site.
pub struct PgLedger<'a, 't> {
    tx: &'a Transaction<'t>,
    key: &'a str,
}

/// Takes the transaction-scoped advisory lock of each id, in hash order.
const LOCK_IDS: &str = "SELECT pg_advisory_xact_lock(h) FROM (
     SELECT DISTINCT hashtextextended($1 || chr(31) || i, 7) AS h FROM unnest($2::text[]) i
     ORDER BY h) s";

/// The rules' ETag (the goals are cached per ETag).
pub const RULES_ETAG: &str = "SELECT etag FROM rules WHERE write_key = $1";

/// Locks these ids of the site for the rest of the transaction, in order.
pub async fn lock(tx: &Transaction<'_>, key: &str, ids: Vec<String>) -> Result<(), Error> {
    if ids.is_empty() {
        return Ok(());
    }
    let stmt = tx.prepare_cached(LOCK_IDS).await?;
    tx.execute(&stmt, &[&key, &ids]).await?;
    Ok(())
}

/// Every id a request's events carry (alias `previousId`s included).
pub fn ids_in(events: &[NewEvent]) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for e in events {
        ids.extend(e.anonymous_id.iter().cloned());
        ids.extend(e.user_id.iter().cloned());
        if e.kind == "alias" {
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(&e.payload) {
                if let Some(p) = v.get("previousId").and_then(|p| p.as_str()) {
                    ids.push(p.to_owned());
                }
            }
        }
    }
    ids
}

/// The current rules of a site as [`Goals`] (cached per ETag).
pub async fn goals_of(
    tx: &impl deadpool_postgres::GenericClient,
    key: &str,
) -> Result<Arc<Goals>, Error> {
    let stmt = tx.prepare_cached(RULES_ETAG).await?;
    let etag = tx.query_opt(&stmt, &[&key]).await?.map(|r| r.get(0));
    goals_at(tx, key, etag).await
}

/// The [`Goals`] of the rules whose ETag is `etag` (none: no rules),
/// reading the document only when they are not cached.
pub async fn goals_at(
    tx: &impl deadpool_postgres::GenericClient,
    key: &str,
    etag: Option<String>,
) -> Result<Arc<Goals>, Error> {
    let Some(etag) = etag else {
        return Ok(Arc::new(Goals::default()));
    };
    if let Some(g) = goals::cached(key, &etag) {
        return Ok(g);
    }
    let doc: String = tx
        .query_one("SELECT document FROM rules WHERE write_key = $1", &[&key])
        .await?
        .get(0);
    Ok(goals::remember(key, &etag, &doc))
}

/// After a request's events are inserted in `tx` and its ids locked
/// ([`lock`]): updates the identity graph and the report aggregates for the
/// rules at `etag`. Rows this transaction inserted are the new ones (their
/// `xmin` is its transaction id).
pub async fn after_insert(
    tx: &Transaction<'_>,
    key: &str,
    events: &[NewEvent],
    etag: Option<String>,
) -> Result<(), Error> {
    let goals = goals_at(tx, key, etag).await?;
    let (visitors, servers): (Vec<&NewEvent>, Vec<&NewEvent>) = graph::relevant(&goals, events)
        .into_iter()
        .partition(|e| e.anonymous_id.is_some());
    let mut fresh = HashSet::new();
    // One query per partial unique index, each naming its condition.
    if !visitors.is_empty() {
        let anons: Vec<&str> = visitors
            .iter()
            .filter_map(|e| e.anonymous_id.as_deref())
            .collect();
        let ids: Vec<&str> = visitors.iter().map(|e| e.message_id.as_str()).collect();
        let stmt = tx
            .prepare_cached(
                "SELECT e.anonymous_id, e.message_id FROM UNNEST($2::text[], $3::text[]) AS k(a, m)
                 JOIN events e ON e.write_key = $1 AND e.anonymous_id = k.a AND e.message_id = k.m
                 WHERE e.xmin::text::bigint = txid_current() % 4294967296",
            )
            .await?;
        let rows = tx.query(&stmt, &[&key, &anons, &ids]).await?;
        fresh.extend(
            rows.iter()
                .map(|r| (r.get::<_, Option<String>>(0), r.get(1))),
        );
    }
    if !servers.is_empty() {
        let ids: Vec<&str> = servers.iter().map(|e| e.message_id.as_str()).collect();
        let stmt = tx
            .prepare_cached(
                "SELECT message_id FROM events
                 WHERE write_key = $1 AND anonymous_id IS NULL AND message_id = ANY($2)
                   AND xmin::text::bigint = txid_current() % 4294967296",
            )
            .await?;
        let rows = tx.query(&stmt, &[&key, &ids]).await?;
        fresh.extend(rows.iter().map(|r| (None, r.get::<_, String>(0))));
    }
    let mut l = PgLedger { tx, key };
    graph::maintain(&mut l, &goals, events, &fresh).await
}

/// Forgets (see [`graph::forget`]) in `tx`.
pub async fn forget(
    tx: &Transaction<'_>,
    key: &str,
    anon: Option<&str>,
    user: Option<&str>,
) -> Result<Forgotten, Error> {
    let goals = goals_of(tx, key).await?;
    let ids = anon.into_iter().chain(user).map(str::to_owned).collect();
    lock(tx, key, ids).await?;
    let mut l = PgLedger { tx, key };
    graph::forget(&mut l, &goals, anon, user).await
}

/// The ids of a person (see [`graph::linked`]).
pub async fn linked(
    tx: &Transaction<'_>,
    key: &str,
    anon: Option<&str>,
    user: Option<&str>,
) -> Result<Option<Vec<(IdKind, String)>>, Error> {
    let mut l = PgLedger { tx, key };
    graph::linked(&mut l, anon, user).await
}

/// The events of a user's person (see [`graph::person_events`]).
pub async fn person_events(
    tx: &Transaction<'_>,
    key: &str,
    user: &str,
) -> Result<Option<Vec<EventRow>>, Error> {
    let mut l = PgLedger { tx, key };
    graph::person_events(&mut l, user).await
}

/// Retention, after events received before the cutoff were deleted.
pub async fn purge(tx: &Transaction<'_>, cutoff_day: &str, events: usize) -> Result<Purged, Error> {
    tx.execute("DELETE FROM campaign_daily WHERE day < $1", &[&cutoff_day])
        .await?;
    tx.execute(
        "DELETE FROM campaign_exposures WHERE first_day < $1",
        &[&cutoff_day],
    )
    .await?;
    let persons = tx
        .execute(
            "DELETE FROM persons WHERE id IN (
                 SELECT person_id FROM person_ids p GROUP BY person_id
                 HAVING NOT bool_or(CASE WHEN p.kind = 'u'
                     THEN EXISTS(SELECT 1 FROM events e WHERE e.write_key = p.write_key AND e.user_id = p.id)
                     ELSE EXISTS(SELECT 1 FROM events e WHERE e.write_key = p.write_key AND e.anonymous_id = p.id)
                 END))",
            &[],
        )
        .await? as usize;
    tx.execute(
        "DELETE FROM person_ids WHERE person_id NOT IN (SELECT id FROM persons)",
        &[],
    )
    .await?;
    tx.execute(
        "DELETE FROM campaign_exposures WHERE person_id NOT IN (SELECT id FROM persons)",
        &[],
    )
    .await?;
    tx.execute(
        "DELETE FROM persons WHERE id NOT IN (SELECT person_id FROM person_ids)",
        &[],
    )
    .await?;
    Ok(Purged { events, persons })
}

/// The report's cells for `from..=to` (UTC days).
pub async fn report_cells(
    c: &impl deadpool_postgres::GenericClient,
    key: &str,
    from: &str,
    to: &str,
) -> Result<(Vec<ExposureCell>, Vec<DailyCell>), Error> {
    let rows = c
        .query(
            "SELECT campaign_id, variant_id, first_day, COUNT(*), COUNT(converted_ms),
                    COALESCE(SUM(revenue), 0), COALESCE(SUM(revenue * revenue), 0)
             FROM campaign_exposures WHERE write_key = $1 AND first_day BETWEEN $2 AND $3
             GROUP BY first_day, campaign_id, variant_id",
            &[&key, &from, &to],
        )
        .await?;
    let exposures = rows
        .iter()
        .map(|r| ExposureCell {
            campaign_id: r.get(0),
            variant_id: r.get(1),
            day: r.get(2),
            arm: Arm {
                n: r.get::<_, i64>(3) as u64,
                conversions: r.get::<_, i64>(4) as u64,
                revenue: r.get(5),
                revenue_sq: r.get(6),
            },
        })
        .collect();
    let rows = c
        .query(
            "SELECT campaign_id, variant_id, day, impressions, clicks, dismissals
             FROM campaign_daily WHERE write_key = $1 AND day BETWEEN $2 AND $3",
            &[&key, &from, &to],
        )
        .await?;
    let counts = rows
        .iter()
        .map(|r| DailyCell {
            campaign_id: r.get(0),
            variant_id: r.get(1),
            day: r.get(2),
            counts: [r.get(3), r.get(4), r.get(5)],
        })
        .collect();
    Ok((exposures, counts))
}

impl Ledger for PgLedger<'_, '_> {
    type Error = Error;

    async fn person_of(&mut self, kind: IdKind, id: &str) -> Result<Option<i64>, Error> {
        let stmt = self
            .tx
            .prepare_cached(
                "SELECT person_id FROM person_ids WHERE write_key = $1 AND kind = $2 AND id = $3",
            )
            .await?;
        Ok(self
            .tx
            .query_opt(&stmt, &[&self.key, &kind.code(), &id])
            .await?
            .map(|r| r.get(0)))
    }

    async fn ids_of(&mut self, person: i64) -> Result<Vec<(IdKind, String)>, Error> {
        let stmt = self
            .tx
            .prepare_cached(
                "SELECT kind, id FROM person_ids WHERE person_id = $1 ORDER BY kind, id",
            )
            .await?;
        Ok(self
            .tx
            .query(&stmt, &[&person])
            .await?
            .iter()
            .map(|r| (IdKind::from_code(r.get(0)), r.get(1)))
            .collect())
    }

    async fn new_person(&mut self) -> Result<i64, Error> {
        let stmt = self
            .tx
            .prepare_cached("INSERT INTO persons (write_key) VALUES ($1) RETURNING id")
            .await?;
        Ok(self.tx.query_one(&stmt, &[&self.key]).await?.get(0))
    }

    async fn link(&mut self, kind: IdKind, id: &str, person: i64) -> Result<(), Error> {
        let stmt = self
            .tx
            .prepare_cached(
                "INSERT INTO person_ids (write_key, kind, id, person_id) VALUES ($1, $2, $3, $4)
                 ON CONFLICT DO NOTHING",
            )
            .await?;
        self.tx
            .execute(&stmt, &[&self.key, &kind.code(), &id, &person])
            .await?;
        Ok(())
    }

    async fn unlink(&mut self, kind: IdKind, id: &str) -> Result<(), Error> {
        self.tx
            .execute(
                "DELETE FROM person_ids WHERE write_key = $1 AND kind = $2 AND id = $3",
                &[&self.key, &kind.code(), &id],
            )
            .await?;
        Ok(())
    }

    async fn merge(&mut self, from: i64, into: i64) -> Result<(), Error> {
        self.tx
            .execute(
                "UPDATE person_ids SET person_id = $2 WHERE person_id = $1",
                &[&from, &into],
            )
            .await?;
        self.tx
            .execute(
                "DELETE FROM campaign_exposures WHERE person_id = $1",
                &[&from],
            )
            .await?;
        self.tx
            .execute("DELETE FROM persons WHERE id = $1", &[&from])
            .await?;
        Ok(())
    }

    async fn erase_person(&mut self, person: i64) -> Result<(), Error> {
        for sql in [
            "DELETE FROM person_ids WHERE person_id = $1",
            "DELETE FROM campaign_exposures WHERE person_id = $1",
            "DELETE FROM persons WHERE id = $1",
        ] {
            self.tx.execute(sql, &[&person]).await?;
        }
        Ok(())
    }

    async fn exposure(
        &mut self,
        person: i64,
        campaign: &str,
    ) -> Result<Option<ExposureRow>, Error> {
        let stmt = self
            .tx
            .prepare_cached(
                "SELECT campaign_id, variant_id, first_ms, first_day, converted_ms, revenue
                 FROM campaign_exposures WHERE person_id = $1 AND campaign_id = $2",
            )
            .await?;
        Ok(self
            .tx
            .query_opt(&stmt, &[&person, &campaign])
            .await?
            .map(|r| ExposureRow {
                campaign_id: r.get(0),
                variant_id: r.get(1),
                first_ms: r.get(2),
                first_day: r.get(3),
                converted_ms: r.get(4),
                revenue: r.get(5),
            }))
    }

    async fn replace_exposures(&mut self, person: i64, rows: &[ExposureRow]) -> Result<(), Error> {
        self.tx
            .execute(
                "DELETE FROM campaign_exposures WHERE person_id = $1",
                &[&person],
            )
            .await?;
        let stmt = self
            .tx
            .prepare_cached(
                "INSERT INTO campaign_exposures
                     (person_id, campaign_id, write_key, variant_id, first_ms, first_day, converted_ms, revenue)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .await?;
        for r in rows {
            self.tx
                .execute(
                    &stmt,
                    &[
                        &person,
                        &r.campaign_id,
                        &self.key,
                        &r.variant_id,
                        &r.first_ms,
                        &r.first_day,
                        &r.converted_ms,
                        &r.revenue,
                    ],
                )
                .await?;
        }
        Ok(())
    }

    async fn add_conversion(
        &mut self,
        person: i64,
        campaign: &str,
        at_ms: i64,
        revenue: f64,
    ) -> Result<(), Error> {
        let stmt = self
            .tx
            .prepare_cached(
                "UPDATE campaign_exposures SET
                     converted_ms = LEAST(COALESCE(converted_ms, $3), $3),
                     revenue = revenue + $4
                 WHERE person_id = $1 AND campaign_id = $2",
            )
            .await?;
        self.tx
            .execute(&stmt, &[&person, &campaign, &at_ms, &revenue])
            .await?;
        Ok(())
    }

    async fn add_daily(
        &mut self,
        campaign: &str,
        variant: &str,
        day: &str,
        d: [i64; 3],
    ) -> Result<(), Error> {
        let stmt = self
            .tx
            .prepare_cached(
                "INSERT INTO campaign_daily (write_key, day, campaign_id, variant_id, impressions, clicks, dismissals)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (write_key, day, campaign_id, variant_id) DO UPDATE SET
                     impressions = campaign_daily.impressions + excluded.impressions,
                     clicks = campaign_daily.clicks + excluded.clicks,
                     dismissals = campaign_daily.dismissals + excluded.dismissals",
            )
            .await?;
        self.tx
            .execute(
                &stmt,
                &[&self.key, &day, &campaign, &variant, &d[0], &d[1], &d[2]],
            )
            .await?;
        Ok(())
    }

    async fn events_of(
        &mut self,
        kind: IdKind,
        id: &str,
        without_user: bool,
        names: Option<&[String]>,
    ) -> Result<Vec<EventRow>, Error> {
        let sql = match (kind, without_user) {
            (IdKind::User, _) => {
                "SELECT id, type, event, user_id, timestamp, payload FROM events
                 WHERE write_key = $1 AND user_id = $2
                   AND ($3::text[] IS NULL OR (type = 'track' AND event = ANY($3)))"
            }
            (IdKind::Anonymous, true) => {
                "SELECT id, type, event, user_id, timestamp, payload FROM events
                 WHERE write_key = $1 AND anonymous_id = $2 AND user_id IS NULL
                   AND ($3::text[] IS NULL OR (type = 'track' AND event = ANY($3)))"
            }
            (IdKind::Anonymous, false) => {
                "SELECT id, type, event, user_id, timestamp, payload FROM events
                 WHERE write_key = $1 AND anonymous_id = $2
                   AND ($3::text[] IS NULL OR (type = 'track' AND event = ANY($3)))"
            }
        };
        let stmt = self.tx.prepare_cached(sql).await?;
        let names: Option<Vec<&str>> = names.map(|n| n.iter().map(String::as_str).collect());
        Ok(self
            .tx
            .query(&stmt, &[&self.key, &id, &names])
            .await?
            .iter()
            .map(|r| EventRow {
                id: r.get(0),
                kind: r.get(1),
                event: r.get(2),
                user_id: r.get(3),
                timestamp: r.get(4),
                payload: r.get(5),
            })
            .collect())
    }

    async fn delete_events(&mut self, ids: &[i64]) -> Result<(), Error> {
        if !ids.is_empty() {
            self.tx
                .execute("DELETE FROM events WHERE id = ANY($1)", &[&ids])
                .await?;
        }
        Ok(())
    }
}

//! One storage suite, run against both backends: every test function takes
//! a fresh [`Store`] and is instantiated for SQLite and for PostgreSQL (the
//! PostgreSQL ones skip, saying why, without `PARCOURS_TEST_POSTGRES`).

mod common;

use parcours_server::store::{postgres::PgStore, sqlite::SqliteStore, Inserted, NewEvent, Store};
use parcours_server::Synchronous;

fn event(id: &str, anon: Option<&str>, user: Option<&str>) -> NewEvent {
    NewEvent {
        message_id: id.into(),
        kind: "track".into(),
        event: Some("Product Viewed".into()),
        anonymous_id: anon.map(Into::into),
        user_id: user.map(Into::into),
        timestamp: "2026-11-24T10:00:00.000Z".into(),
        payload: format!(r#"{{"messageId":"{id}","n":[1,2]}}"#),
        source: false,
    }
}

fn ids(events: &[parcours_server::store::StoredEvent]) -> Vec<&str> {
    events.iter().map(|e| e.message_id.as_str()).collect()
}

async fn duplicates_are_stored_once_per_site(db: Store) {
    db.register_site("k").await.unwrap();
    db.register_site("k2").await.unwrap();
    let e = |id| event(id, Some("a"), None);
    let first = db
        .insert_events("k", vec![e("m1"), e("m2"), e("m1")])
        .await
        .unwrap();
    assert_eq!(
        first,
        Some(Inserted {
            accepted: 2,
            duplicates: 1
        })
    );
    let again = db.insert_events("k", vec![e("m1")]).await.unwrap();
    assert_eq!(
        again,
        Some(Inserted {
            accepted: 0,
            duplicates: 1
        })
    );
    let other = db.insert_events("k2", vec![e("m1")]).await.unwrap();
    assert_eq!(
        other,
        Some(Inserted {
            accepted: 1,
            duplicates: 0
        })
    );
    let stored = db.events(Some("k")).await.unwrap();
    assert_eq!(ids(&stored), ["m1", "m2"]);
    assert_eq!(stored[0].payload["n"][1], 2);
    assert_eq!(stored[0].anonymous_id.as_deref(), Some("a"));
    assert_eq!(db.events(None).await.unwrap().len(), 3);
    assert_eq!(db.count_events().await.unwrap(), 3);
}

/// A duplicate is the same `messageId` from the same visitor of a site; with
/// no `anonymousId` (a server-side source), the same `messageId` with none.
async fn duplicates_are_per_visitor_and_server_messages_per_site(db: Store) {
    db.register_site("k").await.unwrap();
    let got = |a: Inserted| (a.accepted, a.duplicates);
    let insert = |events| db.insert_events("k", events);
    let first = insert(vec![
        event("m1", Some("a"), None),
        event("m1", Some("b"), None),
    ]);
    assert_eq!(first.await.unwrap().map(got), Some((2, 0)));
    let server = vec![
        event("s1", None, Some("u1")),
        event("s1", None, Some("u1")),
        event("s2", None, Some("u1")),
    ];
    assert_eq!(insert(server).await.unwrap().map(got), Some((2, 1)));
    let retries = vec![
        event("m1", Some("b"), None),
        event("s1", None, Some("u1")),
        event("s1", Some("a"), Some("u1")),
    ];
    assert_eq!(insert(retries).await.unwrap().map(got), Some((1, 2)));
    let stored = db.events(Some("k")).await.unwrap();
    let keys: Vec<(Option<&str>, &str)> = stored
        .iter()
        .map(|e| (e.anonymous_id.as_deref(), e.message_id.as_str()))
        .collect();
    assert_eq!(
        keys,
        [
            (Some("a"), "m1"),
            (Some("b"), "m1"),
            (None, "s1"),
            (None, "s2"),
            (Some("a"), "s1")
        ]
    );
}

async fn a_long_batch_keeps_its_order(db: Store) {
    db.register_site("k").await.unwrap();
    // 47 = two multi-row statements and a remainder.
    let batch: Vec<_> = (0..47)
        .map(|i| event(&format!("m{i:02}"), Some("a"), None))
        .collect();
    let got = db.insert_events("k", batch).await.unwrap().unwrap();
    assert_eq!(got.accepted, 47);
    let stored = db.events(Some("k")).await.unwrap();
    let want: Vec<String> = (0..47).map(|i| format!("m{i:02}")).collect();
    assert_eq!(ids(&stored), want);
}

async fn unknown_sites_store_and_forget_nothing(db: Store) {
    assert!(!db.site_known("nope").await.unwrap());
    assert_eq!(
        db.insert_events("nope", vec![event("m", Some("a"), None)])
            .await
            .unwrap(),
        None
    );
    assert_eq!(db.forget("nope", Some("a"), None).await.unwrap(), None);
    assert_eq!(db.count_events().await.unwrap(), 0);
}

async fn concurrent_batches_are_all_committed(db: Store) {
    db.register_site("k").await.unwrap();
    let tasks: Vec<_> = (0..32)
        .map(|t| {
            let db = db.clone();
            tokio::spawn(async move {
                let batch = (0..20)
                    .map(|i| event(&format!("t{t}-{i}"), Some("a"), None))
                    .collect();
                db.insert_events("k", batch).await.unwrap().unwrap()
            })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap().accepted, 20);
    }
    assert_eq!(db.count_events().await.unwrap(), 640);
}

async fn rules_versions_etags_seed_and_preconditions(db: Store) {
    let first = db.put_rules("k", r#"{"a":1}"#).await.unwrap();
    let second = db.put_rules("k", r#"{"a":2}"#).await.unwrap();
    assert_eq!((first.version, second.version), (1, 2));
    assert_ne!(first.etag, second.etag);
    assert_eq!(first.etag, parcours_server::store::etag_of(r#"{"a":1}"#));
    assert!(db.site_known("k").await.unwrap());
    assert!(!db.seed_rules("k", "{}").await.unwrap());
    assert!(db.seed_rules("fresh", "{}").await.unwrap());
    let etag = second.etag.clone();
    let refused = db
        .put_rules_if("k", r#"{"a":3}"#, Box::new(|cur| cur.is_none()))
        .await
        .unwrap();
    assert_eq!(refused, Err(Some(etag)));
    let stored = db.rules("k").await.unwrap().unwrap();
    assert_eq!(
        (stored.document.as_str(), stored.version),
        (r#"{"a":2}"#, 2)
    );
    assert_eq!(db.rules("none").await.unwrap(), None);
}

async fn rules_history_and_drafts(db: Store) {
    db.put_rules("k", r#"{"version":"v1"}"#).await.unwrap();
    db.put_rules("k", r#"{"version":"v2"}"#).await.unwrap();
    db.put_rules("other", r#"{"version":"x"}"#).await.unwrap();
    let listed = db.rules_versions("k", 10).await.unwrap();
    let numbers: Vec<i64> = listed.iter().map(|v| v.version).collect();
    assert_eq!(numbers, [2, 1], "newest first, this site only");
    assert_eq!(listed[1].rules_version.as_deref(), Some("v1"));
    assert_eq!(
        listed[1].etag,
        parcours_server::store::etag_of(r#"{"version":"v1"}"#)
    );
    assert_eq!(db.rules_versions("k", 1).await.unwrap().len(), 1);
    let v1 = db.rules_version("k", 1).await.unwrap().unwrap();
    assert_eq!(
        (v1.document.as_str(), v1.version),
        (r#"{"version":"v1"}"#, 1)
    );
    assert_eq!(db.rules_version("k", 3).await.unwrap(), None);
    assert_eq!(db.rules_version("other", 2).await.unwrap(), None);
    // A refused conditional write records no version.
    let refused = db
        .put_rules_if("k", r#"{"version":"no"}"#, Box::new(|_| false))
        .await
        .unwrap();
    assert!(refused.is_err());
    assert_eq!(db.rules_versions("k", 10).await.unwrap().len(), 2);

    db.put_draft(
        "k",
        "h1",
        r#"{"version":"draft"}"#,
        "2999-01-01T00:00:00.000Z",
    )
    .await
    .unwrap();
    db.put_draft("k", "h-old", "{}", "2000-01-01T00:00:00.000Z")
        .await
        .unwrap();
    assert_eq!(
        db.draft("k", "h1").await.unwrap().as_deref(),
        Some(r#"{"version":"draft"}"#)
    );
    assert_eq!(db.draft("k", "h-old").await.unwrap(), None, "expired");
    assert_eq!(
        db.draft("other", "h1").await.unwrap(),
        None,
        "another site's"
    );
    assert_eq!(db.draft("k", "nope").await.unwrap(), None);
    // Drafts never touch the published rules.
    assert_eq!(db.rules("k").await.unwrap().unwrap().version, 2);
}

async fn forget_erases_only_that_visitor(db: Store) {
    db.register_site("k").await.unwrap();
    db.register_site("k2").await.unwrap();
    let batch = vec![
        event("1", Some("a"), None),
        event("2", Some("b"), Some("u")),
        event("3", None, Some("u")),
        event("4", Some("c"), None),
    ];
    db.insert_events("k", batch).await.unwrap();
    db.insert_events("k2", vec![event("5", Some("a"), None)])
        .await
        .unwrap();
    let erased = db.forget("k", Some("a"), Some("u")).await.unwrap().unwrap();
    assert_eq!(erased.events, 3);
    assert_eq!(ids(&db.events(Some("k")).await.unwrap()), ["4"]);
    assert_eq!(ids(&db.events(Some("k2")).await.unwrap()), ["5"]);
}

async fn admin_tokens_keep_the_first_and_sites_are_listed(db: Store) {
    assert!(db.create_admin_token_if_absent("s", "h1").await.unwrap());
    assert!(!db.create_admin_token_if_absent("s", "h2").await.unwrap());
    assert_eq!(
        db.admin_token_hash("s").await.unwrap().as_deref(),
        Some("h1")
    );
    assert_eq!(db.admin_token_hash("t").await.unwrap(), None);
    db.put_rules("r", "{}").await.unwrap();
    assert_eq!(db.known_sites().await.unwrap(), ["r", "s"]);
}

async fn retention_purges_only_older_events(db: Store) {
    db.register_site("k").await.unwrap();
    db.insert_events("k", vec![event("old", Some("a"), None)])
        .await
        .unwrap();
    assert_eq!(
        db.purge_events_before("2000-01-01T00:00:00.000Z")
            .await
            .unwrap()
            .events,
        0
    );
    let purged = db
        .purge_events_before("9999-01-01T00:00:00.000Z")
        .await
        .unwrap();
    assert_eq!((purged.events, purged.persons), (1, 1));
    assert_eq!(db.count_events().await.unwrap(), 0);
}

async fn preview_events_are_flagged_and_never_counted(db: Store) {
    db.register_site("k").await.unwrap();
    let with_context = |id: &str, context: &str| NewEvent {
        payload: format!(r#"{{"messageId":"{id}","context":{context}}}"#),
        ..event(id, Some("a"), None)
    };
    let batch = vec![
        with_context("real", r#"{"channel":"direct"}"#),
        with_context("preview", r#"{"channel":"direct","preview":true}"#),
        with_context("not-quite", r#"{"preview":"true"}"#),
        with_context("off", r#"{"preview":false}"#),
        event("plain", Some("a"), None),
    ];
    db.insert_events("k", batch).await.unwrap();
    let stored = db.events(Some("k")).await.unwrap();
    let flagged: Vec<(&str, bool)> = stored
        .iter()
        .map(|e| (e.message_id.as_str(), e.preview))
        .collect();
    assert_eq!(
        flagged,
        [
            ("real", false),
            ("preview", true),
            ("not-quite", false),
            ("off", false),
            ("plain", false)
        ]
    );
    assert_eq!(db.count_events().await.unwrap(), 5, "stored, all of them");
    assert_eq!(db.count_reportable_events("k").await.unwrap(), 4);
    assert_eq!(db.count_reportable_events("other").await.unwrap(), 0);
}

async fn writes_after_close_fail_cleanly(db: Store) {
    db.register_site("k").await.unwrap();
    db.insert_events("k", vec![event("m", Some("a"), None)])
        .await
        .unwrap();
    db.close().await;
    assert!(db
        .insert_events("k", vec![event("n", Some("a"), None)])
        .await
        .is_err());
}

async fn sqlite() -> Option<(Store, tempfile::TempDir)> {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("t.sqlite3"), Synchronous::Normal).unwrap();
    Some((Store::Sqlite(store), dir))
}

async fn postgres() -> Option<(Store, ())> {
    let url = common::pg::fresh_database().await?;
    Some((Store::Postgres(PgStore::open(&url, 4).await.unwrap()), ()))
}

macro_rules! suite {
    ($($name:ident),* $(,)?) => {
        mod sqlite_backend {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let (db, _dir) = super::sqlite().await.unwrap();
                    super::$name(db).await;
                }
            )*
        }
        mod postgres_backend {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some((db, _)) = super::postgres().await else { return };
                    super::$name(db).await;
                }
            )*
        }
    };
}

suite!(
    duplicates_are_stored_once_per_site,
    duplicates_are_per_visitor_and_server_messages_per_site,
    a_long_batch_keeps_its_order,
    unknown_sites_store_and_forget_nothing,
    concurrent_batches_are_all_committed,
    rules_versions_etags_seed_and_preconditions,
    rules_history_and_drafts,
    forget_erases_only_that_visitor,
    admin_tokens_keep_the_first_and_sites_are_listed,
    retention_purges_only_older_events,
    preview_events_are_flagged_and_never_counted,
    writes_after_close_fail_cleanly,
);

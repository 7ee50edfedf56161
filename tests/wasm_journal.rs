#![cfg(target_arch = "wasm32")]
//! The visitor shared by tabs, in a real browser's localStorage: two
//! journals with different writers stand for two tabs (a `storage` event is
//! only delivered to *other* documents, so the test hands each write to the
//! other journal as the browser would).

use parcours::journal::{Change, Journal, Op, SNAPSHOT};
use parcours::storage::Store;
use parcours_engine::env::Page;
use parcours_engine::{Event, EventKind, RemoteEvent, Value, Visitor};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn local() -> web_sys::Storage {
    web_sys::window().unwrap().local_storage().unwrap().unwrap()
}

fn event(name: &str, at: f64) -> Op {
    Op::Event {
        event: Event {
            kind: EventKind::Track,
            name: name.into(),
            properties: Value::from_pairs([("n", at.into())]),
            at_ms: at,
        },
        page: Page {
            url: "https://shop.test/p".into(),
            path: "/p".into(),
            ..Page::default()
        },
        tz_offset_min: 60,
    }
}

fn names(v: &[parcours::journal::Pending]) -> Vec<String> {
    v.iter()
        .map(|p| match &p.entry().op {
            Op::Event { event, .. } => event.name.clone(),
            Op::Identify { user_id, .. } => ["identify:", user_id].concat(),
            Op::Remote { events, .. } => ["remote:", &events.len().to_string()].concat(),
        })
        .collect()
}

/// Our keys under `prefix`, in the order they were written (as `storage`
/// events arrive), i.e. by their sequence number.
fn stored(prefix: &str) -> Vec<(String, String)> {
    let ls = local();
    let mut out: Vec<(String, String)> = (0..ls.length().unwrap())
        .filter_map(|i| ls.key(i).unwrap())
        .filter(|k| k.starts_with(prefix))
        .map(|k| {
            let v = ls.get_item(&k).unwrap().unwrap();
            (k["parcours:".len()..].to_owned(), v)
        })
        .collect();
    let seq = |k: &str| k.rsplit(':').next().unwrap().parse::<u64>().unwrap();
    out.sort_by_key(|(k, _)| seq(k));
    out
}

/// A journal for tab `writer` over the page's `localStorage`.
fn tab(writer: &str) -> Journal {
    Journal::new(Store::local(), writer.into())
}

/// Storage emptied, then tab `writer` starts the visitor `anon` now (its
/// snapshot written): what most tests begin with.
fn start(anon: &str, writer: &str) -> (f64, Visitor, Journal) {
    local().clear().unwrap();
    let now = js_sys::Date::now();
    let visitor = Visitor::new(anon.into(), now);
    let mut journal = tab(writer);
    journal.write_snapshot(&visitor, now).unwrap();
    (now, visitor, journal)
}

#[wasm_bindgen_test]
fn entries_of_two_tabs_are_merged_by_id_never_overwritten() {
    let (now, visitor, mut a) = start("anon-1", "taba");
    let mut b = tab("tabb");

    // Both tabs record at the same time: each write is a key of its own.
    for i in 0..5 {
        a.append(
            "anon-1",
            now + i as f64,
            event(&["a", &i.to_string()].concat(), now + i as f64),
        )
        .unwrap();
        b.append(
            "anon-1",
            now + i as f64,
            event(&["b", &i.to_string()].concat(), now + i as f64),
        )
        .unwrap();
    }
    assert!(
        stored("parcours:j:").is_empty(),
        "written in a task of their own"
    );
    a.flush();
    b.flush();
    assert_eq!(stored("parcours:j:").len(), 10, "nothing overwritten");

    // Tab B receives tab A's storage events, once each (a repeat is ignored).
    let mut got = Vec::new();
    for (key, value) in stored("parcours:j:taba:") {
        for _ in 0..2 {
            if let Change::Entry(e) = b.on_storage(&key, Some(&value), &visitor) {
                got.push(*e);
            }
        }
    }
    assert_eq!(got.len(), 5);
    // Its own writes are not applied twice either.
    for (key, value) in stored("parcours:j:tabb:") {
        assert!(matches!(
            b.on_storage(&key, Some(&value), &visitor),
            Change::None
        ));
    }

    // A third tab starting now reads the snapshot and all ten entries, in time order.
    let mut c = tab("tabc");
    let (v, pending) = c.load(now);
    assert_eq!(v.unwrap().profile.anonymous_id, "anon-1");
    let n = names(&pending);
    assert_eq!(n.len(), 10);
    let (a0, b4) = (
        n.iter().position(|x| x == "a0"),
        n.iter().position(|x| x == "b4"),
    );
    assert!(a0.is_some() && a0 < b4, "{n:?}");
    // And catching up finds nothing more.
    assert!(c.catch_up(&visitor).is_empty());
    local().clear().unwrap();
}

#[wasm_bindgen_test]
fn entries_of_one_millisecond_are_all_read_back_in_the_order_written() {
    // A form's answers: identify, Form Submitted and Promotion Clicked in
    // one millisecond. Storage lists keys in no particular order (`…:10`
    // sorts before `…:2`): none may be skipped as already applied.
    let (now, _, mut a) = start("anon-1", "taba");
    let mut want = Vec::new();
    for i in 0..12 {
        if i == 3 {
            let traits = Value::from_pairs([("email", "ana@shop.example".into())]);
            let op = Op::Identify {
                user_id: String::new(),
                traits: traits.as_object().unwrap().clone(),
            };
            a.append("anon-1", now, op).unwrap();
            want.push("identify:".to_owned());
        } else {
            let name = ["e", &i.to_string()].concat();
            a.append("anon-1", now, event(&name, now)).unwrap();
            want.push(name);
        }
    }
    a.flush();
    let mut b = tab("tabb");
    let (_, pending) = b.load(now);
    assert_eq!(names(&pending), want);
    local().clear().unwrap();
}

#[wasm_bindgen_test]
fn what_the_signed_profile_brought_reaches_the_other_tab_whole() {
    let (now, _, mut a) = start("anon-1", "taba");
    let order = RemoteEvent {
        message_id: "pos-1".into(),
        event: Event {
            kind: EventKind::Track,
            name: "Order Completed".into(),
            properties: Value::from_pairs([("revenue", 80.0.into())]),
            at_ms: now - 3_600_000.0,
        },
    };
    let view = RemoteEvent {
        message_id: "phone-1".into(),
        event: Event {
            kind: EventKind::Page,
            name: String::new(),
            properties: Value::object(),
            at_ms: now - 60_000.0,
        },
    };
    let traits = Value::from_pairs([("tier", "gold".into())]);
    let op = Op::Remote {
        events: vec![order, view],
        traits: traits.as_object().unwrap().clone(),
        tz_offset_min: 60,
    };
    a.append("anon-1", now, op.clone()).unwrap();
    a.flush();
    let mut b = tab("tabb");
    let (_, pending) = b.load(now);
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].entry().op, op);
    local().clear().unwrap();
}

#[wasm_bindgen_test]
fn compaction_folds_settled_entries_and_a_new_tab_sees_the_same_visitor() {
    local().clear().unwrap();
    let now = js_sys::Date::now();
    let old = now - 2.0 * parcours::journal::SETTLE_MS;
    let mut visitor = Visitor::new("anon-2".into(), old);
    let mut a = tab("taba");
    a.write_snapshot(&visitor, old).unwrap();
    let env = |at: f64| parcours_engine::Env {
        now_ms: at,
        tz_offset_min: 60,
        page: Page::default(),
        device: parcours_engine::Device::default(),
    };
    for i in 0..parcours::journal::COMPACT_AFTER {
        let at = old + i as f64;
        let op = event("Old", at);
        if let Op::Event { event, .. } = &op {
            visitor.profile.record(event, &env(at), &Default::default());
        }
        a.append("anon-2", at, op).unwrap();
    }
    a.append("anon-2", now, event("Fresh", now)).unwrap();
    if let Op::Event { event, .. } = event("Fresh", now) {
        visitor
            .profile
            .record(&event, &env(now), &Default::default());
    }
    assert!(a.wants_compaction(now));
    a.flush();
    a.write_snapshot(&visitor, now).unwrap();
    let left = stored("parcours:j:");
    assert_eq!(
        left.len(),
        1,
        "only the entry younger than the settle time stays"
    );
    assert!(!a.wants_compaction(now));

    let mut c = tab("tabc");
    let (v, pending) = c.load(now);
    assert!(
        pending.is_empty(),
        "the fresh entry is folded into the snapshot already"
    );
    let v = v.unwrap();
    assert!(v.profile.history().len() > parcours::journal::COMPACT_AFTER);
    assert_eq!(
        v.profile.history(),
        visitor.profile.history(),
        "every event comes back whole"
    );
    assert_eq!(v.to_value(), visitor.to_value());
    local().clear().unwrap();
}

#[wasm_bindgen_test]
fn another_tab_switching_or_erasing_the_visitor_is_seen() {
    local().clear().unwrap();
    let now = js_sys::Date::now();
    let first = Visitor::new("anon-3".into(), now);
    let mut a = tab("taba");
    let mut b = tab("tabb");
    a.write_snapshot(&first, now).unwrap();
    // Tab A logs out (a new visitor) and records for it.
    let second = Visitor::new("anon-4".into(), now);
    a.write_snapshot(&second, now).unwrap();
    a.append("anon-4", now, event("After", now)).unwrap();
    a.flush();
    let snap = local().get_item("parcours:visitor").unwrap().unwrap();
    match b.on_storage(SNAPSHOT, Some(&snap), &first) {
        Change::Visitor(v, pending) => {
            assert_eq!(v.profile.anonymous_id, "anon-4");
            assert_eq!(names(&pending), ["After"]);
        }
        other => panic!("expected a visitor change, got {other:?}"),
    }
    // Tab A records for its old visitor after the switch: not applied to the new one.
    a.append("anon-3", now, event("Stale", now)).unwrap();
    a.flush();
    let (key, value) = stored("parcours:j:taba:2").pop().unwrap();
    assert!(matches!(
        b.on_storage(&key, Some(&value), &second),
        Change::None
    ));
    assert!(matches!(
        b.on_storage(SNAPSHOT, None, &second),
        Change::Erased
    ));
    local().clear().unwrap();
}

#[wasm_bindgen_test]
fn a_visitor_stored_before_the_journal_is_read_back_and_corrupt_entries_are_dropped() {
    local().clear().unwrap();
    let now = js_sys::Date::now();
    let mut old = Visitor::new("anon-legacy".into(), now);
    if let Op::Event { event, page, .. } = event("Legacy", now) {
        let env = parcours_engine::Env {
            now_ms: now,
            tz_offset_min: 60,
            page,
            device: Default::default(),
        };
        old.profile.record(&event, &env, &Default::default());
    }
    // A row no reader understands is skipped, the others kept.
    let text = parcours::json::to_string(&old.to_value()).replacen(
        r#""history":["#,
        r#""history":["junk","#,
        1,
    );
    assert!(text.contains(r#""junk","#));
    local().set_item("parcours:visitor", &text).unwrap();
    local().set_item("parcours:j:x:1", "{broken").unwrap();
    let mut c = tab("tabc");
    let (v, pending) = c.load(now);
    let v = v.unwrap();
    assert_eq!(v.profile.anonymous_id, "anon-legacy");
    assert_eq!(v.profile.history(), old.profile.history());
    assert!(v.profile.history().iter().any(|e| e.name() == "Legacy"));
    assert!(pending.is_empty());
    assert_eq!(
        local().get_item("parcours:j:x:1").unwrap(),
        None,
        "the corrupt entry is removed"
    );
    local().clear().unwrap();
}

#[wasm_bindgen_test]
fn nothing_is_stored_while_the_consent_gate_is_closed() {
    local().clear().unwrap();
    let store = Store::local();
    store.gate().set(false);
    let mut a = Journal::new(store.clone(), "taba".into());
    let now = js_sys::Date::now();
    assert!(a.append("anon", now, event("X", now)).is_err());
    assert!(a
        .write_snapshot(&Visitor::new("anon".into(), now), now)
        .is_err());
    assert_eq!(local().length().unwrap(), 0);
    store.gate().set(true);
    a.write_snapshot(&Visitor::new("anon".into(), now), now)
        .unwrap();
    assert_eq!(local().length().unwrap(), 1);
    local().clear().unwrap();
}

async fn sleep(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(p).await.unwrap();
}

#[wasm_bindgen_test]
async fn deferred_writes_land_in_a_later_task_and_never_after_consent_is_withdrawn() {
    local().clear().unwrap();
    let store = Store::local();
    let copy = store.clone();
    store.set_soon("j:x:1", "{\"a\":1}").unwrap();
    store.set_soon("j:x:1", "{\"a\":2}").unwrap();
    assert_eq!(
        copy.get("j:x:1").as_deref(),
        Some("{\"a\":2}"),
        "read back at once, by every clone"
    );
    assert_eq!(copy.keys("j:x:"), ["j:x:1"]);
    assert!(
        local().get_item("parcours:j:x:1").unwrap().is_none(),
        "not in this task"
    );
    sleep(5).await;
    assert_eq!(
        local().get_item("parcours:j:x:1").unwrap().as_deref(),
        Some("{\"a\":2}")
    );

    store.set_soon("j:x:2", "{}").unwrap();
    copy.remove("j:x:2");
    store.set_soon("j:x:3", "{}").unwrap();
    store.gate().set(false);
    sleep(5).await;
    assert!(
        local().get_item("parcours:j:x:2").unwrap().is_none(),
        "removed before it was written"
    );
    assert!(
        local().get_item("parcours:j:x:3").unwrap().is_none(),
        "consent withdrawn meanwhile"
    );
    local().clear().unwrap();
}

#[wasm_bindgen_test]
fn a_writer_that_reads_the_journal_again_appends_after_its_own_entries() {
    let (now, _, mut page) = start("anon-1", "tabr");
    page.append("anon-1", now, event("before", now)).unwrap();
    page.append("anon-1", now + 1.0, event("also-before", now + 1.0))
        .unwrap();
    page.flush();
    // The same page reads storage again (back from the bfcache, or rules
    // that arrived late): a fresh journal for the same writer.
    let mut again = tab("tabr");
    let (_, pending) = again.load(now + 2.0);
    assert_eq!(names(&pending), ["before", "also-before"]);
    again
        .append("anon-1", now + 3.0, event("after", now + 3.0))
        .unwrap();
    again.flush();
    let keys: Vec<String> = stored("parcours:j:tabr:")
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(
        keys,
        ["j:tabr:1", "j:tabr:2", "j:tabr:3"],
        "nothing overwritten"
    );
    let (_, all) = tab("tabs").load(now + 4.0);
    assert_eq!(names(&all), ["before", "also-before", "after"]);
    local().clear().unwrap();
}

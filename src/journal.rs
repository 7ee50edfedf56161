//! The visitor in storage, shared by every tab without a read-modify-write:
//! a **snapshot** (`parcours:visitor`) plus an append-only **journal** of
//! what changed since, one small key per entry (`parcours:j:<writer>:<seq>`).
//!
//! - Recording an event writes one entry (≈ 1 KB), never the whole visitor.
//! - Every tab applies the other tabs' entries as their `storage` events
//!   arrive (the event carries the value), so all tabs share one history,
//!   one session and one pressure budget. An entry is applied once: each
//!   tab remembers the highest sequence number it applied per writer.
//! - Compaction folds the journal into a new snapshot (which records the
//!   highest sequence folded per writer), in an idle task under a lock. It
//!   removes only entries older than [`SETTLE_MS`]: every open tab has
//!   applied those long before, so a snapshot written by any tab already
//!   holds them, whichever tab compacts last.
//! - A tab that starts reads the journal keys *before* the snapshot, so an
//!   entry removed by a compaction in between is in the snapshot it reads.

use crate::convert;
use crate::json::{self, Obj};
use crate::storage::{Store, StoreError};
use parcours_engine::env::Page;
use parcours_engine::value::{Map, Value};
use parcours_engine::{Event, EventKind, RemoteEvent, Visitor};
use std::collections::VecDeque;
use wasm_bindgen::JsValue;

/// The snapshot's key (under the `parcours:` prefix).
pub const SNAPSHOT: &str = "visitor";
/// The prefix of journal entries: `j:<writer>:<seq>`.
pub const ENTRY: &str = "j:";
/// Entries younger than this are never removed by a compaction.
pub const SETTLE_MS: f64 = 60_000.0;
/// A compaction runs once this many settled entries are in the journal.
pub const COMPACT_AFTER: usize = 100;

/// What an entry changes.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// An event recorded into the profile, with the page and time zone it
    /// happened on (sessions and channels depend on them).
    Event {
        /// The event.
        event: Event,
        /// The page it was recorded on (URL, path, referrer).
        page: Page,
        /// The visitor's UTC offset then, in minutes.
        tz_offset_min: i32,
    },
    /// `identify` of the same user: traits merged.
    Identify {
        /// The user id.
        user_id: String,
        /// The traits.
        traits: Map,
    },
    /// What the signed profile brought: other channels' events, and
    /// traits for keys the local profile lacks.
    Remote {
        /// The events, each merged once.
        events: Vec<RemoteEvent>,
        /// The server's traits.
        traits: Map,
        /// The visitor's UTC offset when they arrived, in minutes.
        tz_offset_min: i32,
    },
}

/// One journal entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The tab that wrote it.
    pub writer: String,
    /// Its sequence number in that tab.
    pub seq: u64,
    /// The anonymous id of the visitor it belongs to.
    pub anonymous_id: String,
    /// When it was recorded, epoch ms.
    pub at_ms: f64,
    /// What it changes.
    pub op: Op,
}

/// An entry read from storage, parsed by the page (`JSON.parse`) but not
/// yet made a Rust [`Entry`]: what it changes becomes values only when it
/// is applied ([`Pending::entry`]), one at a time. A tab starting after a
/// busy minute reads thousands of unsettled entries: all of them as values
/// at once took the track benchmark's page, loaded again after 5,000
/// events, to 8.6 MiB of wasm memory (3.8 MiB this way).
#[derive(Debug, Clone)]
pub struct Pending {
    /// The tab that wrote it.
    pub writer: String,
    /// Its sequence number in that tab.
    pub seq: u64,
    /// When it was recorded, epoch ms.
    pub at_ms: f64,
    parsed: JsValue,
}

impl Pending {
    /// Reads the entry stored under `key`; `None` when unreadable.
    pub fn parse(key: &str, text: &str) -> Option<Pending> {
        let (writer, seq) = parse_key(key)?;
        let parsed = convert::parse_json(text)?;
        let at_ms = convert::get(&parsed, "t")
            .as_f64()
            .filter(|t| t.is_finite())?;
        if !convert::get(&parsed, "k").is_string() {
            return None;
        }
        Some(Pending {
            writer: writer.to_owned(),
            seq,
            at_ms,
            parsed,
        })
    }

    /// The anonymous id of the visitor it belongs to.
    pub fn anonymous_id(&self) -> String {
        convert::get_str(&self.parsed, "a").unwrap_or_default()
    }

    /// The entry itself, converted now.
    pub fn entry(&self) -> Entry {
        let v = convert::to_value(&self.parsed);
        Entry {
            writer: self.writer.clone(),
            seq: self.seq,
            anonymous_id: str_of(&v, "a"),
            at_ms: self.at_ms,
            op: Entry::op_of(&v, self.at_ms),
        }
    }
}

/// What a `storage` event from another tab means for this tab's visitor.
#[derive(Debug)]
pub enum Change {
    /// Nothing to do.
    None,
    /// Another tab recorded this.
    Entry(Box<Entry>),
    /// Another tab switched to another visitor (reset, another user):
    /// adopt it and then these entries.
    Visitor(Box<Visitor>, Vec<Pending>),
    /// The visitor was erased (`forget()` or consent refused in another tab).
    Erased,
}

/// This tab's side of the shared journal.
pub struct Journal {
    store: Store,
    writer: String,
    seq: u64,
    /// The highest sequence applied per writer (this tab's included).
    applied: Marks,
    /// The entries known to be in storage: (recorded at, key), oldest first.
    known: VecDeque<(f64, String)>,
}

fn entry_key(writer: &str, seq: u64) -> String {
    crate::ids::seq_key(ENTRY, writer, seq)
}

fn parse_key(key: &str) -> Option<(&str, u64)> {
    let (writer, seq) = key.strip_prefix(ENTRY)?.split_once(':')?;
    Some((writer, crate::ids::parse_seq(seq)?))
}

fn str_of(v: &Value, k: &str) -> String {
    v.get(k)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

impl Entry {
    /// The stored form, written straight from borrowed parts (no copy of
    /// the properties).
    fn to_json(&self) -> String {
        let mut out = String::with_capacity(256);
        let mut o = Obj::open(&mut out);
        o.str("a", &self.anonymous_id).num("t", self.at_ms);
        match &self.op {
            Op::Event {
                event,
                page,
                tz_offset_min,
            } => {
                o.str("k", kind_code(event.kind))
                    .str("n", &event.name)
                    .value("p", &event.properties)
                    .num("z", f64::from(*tz_offset_min))
                    .str("url", &page.url)
                    .str("path", &page.path)
                    .str("ref", &page.referrer);
            }
            Op::Identify { user_id, traits } => {
                o.str("k", "identify").str("uid", user_id);
                json::write_map(o.key("p"), traits);
            }
            Op::Remote {
                events,
                traits,
                tz_offset_min,
            } => {
                o.str("k", "remote").num("z", f64::from(*tz_offset_min));
                json::write_map(o.key("p"), traits);
                let rows = events.iter().map(|r| {
                    Value::Array(vec![
                        r.message_id.as_str().into(),
                        kind_code(r.event.kind).into(),
                        r.event.name.as_str().into(),
                        r.event.properties.clone(),
                        r.event.at_ms.into(),
                    ])
                });
                o.value("e", &Value::Array(rows.collect()));
            }
        }
        o.close();
        out
    }

    /// What the stored entry `v` (recorded at `at_ms`) changes.
    fn op_of(v: &Value, at_ms: f64) -> Op {
        let properties = match v.get("p") {
            Some(p @ Value::Object(_)) => p.clone(),
            _ => Value::object(),
        };
        let tz_offset_min = v.get("z").and_then(Value::as_f64).unwrap_or(0.0) as i32;
        match v.get("k").and_then(Value::as_str).unwrap_or_default() {
            "identify" => Op::Identify {
                user_id: str_of(v, "uid"),
                traits: properties.as_object().cloned().unwrap_or_default(),
            },
            "remote" => Op::Remote {
                events: v
                    .get("e")
                    .and_then(Value::as_array)
                    .map(|rows| rows.iter().filter_map(remote_row).collect())
                    .unwrap_or_default(),
                traits: properties.as_object().cloned().unwrap_or_default(),
                tz_offset_min,
            },
            kind => Op::Event {
                event: Event {
                    kind: if kind == "page" {
                        EventKind::Page
                    } else {
                        EventKind::Track
                    },
                    name: str_of(v, "n"),
                    properties,
                    at_ms,
                },
                page: Page {
                    url: str_of(v, "url"),
                    path: str_of(v, "path"),
                    referrer: str_of(v, "ref"),
                    ..Page::default()
                },
                tz_offset_min,
            },
        }
    }
}

fn kind_code(kind: EventKind) -> &'static str {
    match kind {
        EventKind::Page => "page",
        EventKind::Track => "track",
    }
}

/// A `[messageId, kind, name, properties, at_ms]` row of a remote entry.
fn remote_row(row: &Value) -> Option<RemoteEvent> {
    let r = row.as_array()?;
    let kind = match r.get(1)?.as_str()? {
        "page" => EventKind::Page,
        _ => EventKind::Track,
    };
    Some(RemoteEvent {
        message_id: r.first()?.as_str()?.to_owned(),
        event: Event {
            kind,
            name: r.get(2)?.as_str()?.to_owned(),
            properties: r.get(3)?.clone(),
            at_ms: r.get(4)?.as_f64().filter(|t| t.is_finite())?,
        },
    })
}

/// The highest sequence number per writer: a few tabs, so a plain list
/// (a `BTreeMap` instance would cost the wasm more than it saves).
#[derive(Debug, Default, Clone)]
struct Marks(Vec<(String, u64)>);

impl Marks {
    fn get(&self, writer: &str) -> u64 {
        self.0
            .iter()
            .find(|(w, _)| w == writer)
            .map_or(0, |(_, s)| *s)
    }

    /// Raises `writer`'s mark to `seq` (never lowers it).
    fn raise(&mut self, writer: &str, seq: u64) {
        match self.0.iter_mut().find(|(w, _)| w == writer) {
            Some((_, s)) => *s = (*s).max(seq),
            None => self.0.push((writer.to_owned(), seq)),
        }
    }
}

/// A stored snapshot: the visitor and the highest sequence folded per writer.
struct Snapshot {
    visitor: Option<Visitor>,
    folded: Marks,
}

/// Reads a snapshot from its text. The history's rows are converted into
/// the packed history one at a time as they are parsed: the whole history
/// as one `Value` tree would undo what packing saves in wasm memory.
fn read_snapshot(text: Option<&str>, now_ms: f64) -> Snapshot {
    use parcours_engine::history::Entry as Row;
    let mut rows = Vec::new();
    let mut keep = |row: Value| rows.extend(Row::from_row(&row));
    let mut v = text
        .and_then(|t| {
            let path = ["visitor", "profile", "history"];
            parcours_engine::json::parse_streaming(t, &path, &mut keep).ok()
        })
        .unwrap_or_default();
    // Before the journal, the key held the visitor itself (read once, to migrate).
    let legacy = v.get("profile").is_some_and(|p| p.as_object().is_some());
    if legacy {
        let old = v
            .as_object_mut()
            .and_then(|m| m.get_mut("profile"))
            .and_then(Value::as_object_mut)
            .and_then(|p| p.remove("history"));
        if let Some(Value::Array(old)) = old {
            rows.extend(old.iter().filter_map(Row::from_row));
        }
    }
    let visitor_value = if legacy { Some(&v) } else { v.get("visitor") };
    let mut visitor = visitor_value.and_then(|v| Visitor::from_value(v, now_ms));
    if let Some(visitor) = &mut visitor {
        visitor.profile.extend_history(rows);
    }
    let folded = v
        .get("folded")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(w, s)| Some((w.clone(), s.as_f64()? as u64)))
                .collect()
        })
        .map(Marks)
        .unwrap_or_default();
    Snapshot { visitor, folded }
}

impl Journal {
    /// The journal of tab `writer` over `store`.
    pub fn new(store: Store, writer: String) -> Journal {
        Journal {
            store,
            writer,
            seq: 0,
            applied: Marks::default(),
            known: VecDeque::new(),
        }
    }

    /// Reads the stored visitor: the snapshot, and the journal entries not
    /// folded into it that belong to it, oldest first (to apply in order).
    /// `None` when there is no readable snapshot.
    pub fn load(&mut self, now_ms: f64) -> (Option<Visitor>, Vec<Pending>) {
        // The journal first, then the snapshot: see the module doc.
        let entries = self.read_entries();
        let text = self.store.get(SNAPSHOT);
        let stored = text.is_some();
        let snapshot = read_snapshot(text.as_deref(), now_ms);
        if snapshot.visitor.is_none() && stored {
            crate::log::warn(
                "stored visitor unreadable; starting a new one",
                &JsValue::NULL,
            );
        }
        self.applied = snapshot.folded;
        let pending = self.take_new(entries, snapshot.visitor.as_ref());
        // Read again by the same writer (a page back from the bfcache, rules
        // that arrived late): its next entry follows those it wrote.
        self.seq = self.seq.max(self.applied.get(&self.writer));
        (snapshot.visitor, pending)
    }

    fn read_entries(&mut self) -> Vec<Pending> {
        let mut out = Vec::new();
        for key in self.store.keys(ENTRY) {
            let Some(text) = self.store.get(&key) else {
                continue;
            };
            match Pending::parse(&key, &text) {
                Some(e) => out.push(e),
                None => self.store.remove(&key),
            }
        }
        out
    }

    /// Of `entries`, those not applied yet that belong to `visitor`, oldest
    /// first; marks them applied and known.
    fn take_new(&mut self, mut entries: Vec<Pending>, visitor: Option<&Visitor>) -> Vec<Pending> {
        // Judged against the marks as they were: storage lists keys in no
        // particular order, and raising a mark while reading would skip a
        // writer's earlier entry read after a later one.
        entries.retain(|e| e.seq > self.applied.get(&e.writer));
        // Oldest first; a writer's entries of the same millisecond in the order written.
        crate::ids::sort_by_number(&mut entries, |e| e.seq as f64);
        crate::ids::sort_by_number(&mut entries, |e| e.at_ms);
        let anon = visitor.map(|v| v.profile.anonymous_id.as_str());
        let mut out = Vec::new();
        for e in entries {
            self.applied.raise(&e.writer, e.seq);
            self.known.push_back((e.at_ms, entry_key(&e.writer, e.seq)));
            if anon.is_some_and(|a| a == e.anonymous_id()) {
                out.push(e);
            }
        }
        out
    }

    /// Appends `op` for the visitor `anonymous_id`: one small write. With
    /// storage unavailable or refused, the change stays in memory only.
    pub fn append(&mut self, anonymous_id: &str, at_ms: f64, op: Op) -> Result<(), StoreError> {
        self.seq += 1;
        let entry = Entry {
            writer: self.writer.clone(),
            seq: self.seq,
            anonymous_id: anonymous_id.to_owned(),
            at_ms,
            op,
        };
        self.applied.raise(&self.writer, self.seq);
        let key = entry_key(&self.writer, self.seq);
        self.store.set_soon(&key, &entry.to_json())?;
        self.known.push_back((at_ms, key));
        Ok(())
    }

    /// What a `storage` event (`key` under our prefix, its new value) means
    /// for this tab showing `visitor`.
    pub fn on_storage(&mut self, key: &str, new_value: Option<&str>, visitor: &Visitor) -> Change {
        if key == SNAPSHOT {
            let Some(text) = new_value else {
                return Change::Erased;
            };
            let snap = read_snapshot(Some(text), js_sys::Date::now());
            let Some(v) = snap.visitor else {
                return Change::None;
            };
            if v.profile.anonymous_id == visitor.profile.anonymous_id {
                // Our visitor already holds every entry we applied.
                return Change::None;
            }
            for (w, s) in snap.folded.0 {
                self.applied.raise(&w, s);
            }
            let entries = self.read_entries();
            let pending = self.take_new(entries, Some(&v));
            return Change::Visitor(Box::new(v), pending);
        }
        let Some((writer, _)) = parse_key(key) else {
            return Change::None;
        };
        let Some(text) = new_value else {
            self.known.retain(|(_, k)| k != key);
            return Change::None;
        };
        if writer == self.writer {
            return Change::None;
        }
        match Pending::parse(key, text) {
            Some(e) => self
                .take_new(vec![e], Some(visitor))
                .pop()
                .map_or(Change::None, |e| Change::Entry(Box::new(e.entry()))),
            None => Change::None,
        }
    }

    /// Entries other tabs wrote that this tab has not applied yet (read from
    /// storage, not waiting for their `storage` events).
    pub fn catch_up(&mut self, visitor: &Visitor) -> Vec<Pending> {
        let entries = self.read_entries();
        self.take_new(entries, Some(visitor))
    }

    /// Whether enough settled entries wait to be folded into the snapshot.
    pub fn wants_compaction(&self, now_ms: f64) -> bool {
        self.known
            .iter()
            .take_while(|(at, _)| *at < now_ms - SETTLE_MS)
            .count()
            >= COMPACT_AFTER
    }

    /// Writes `visitor` as the new snapshot (folding every entry applied so
    /// far) and removes the settled entries it folds. Used by compaction,
    /// when the tab switches to another visitor, and when consent is given.
    pub fn write_snapshot(&mut self, visitor: &Visitor, now_ms: f64) -> Result<(), StoreError> {
        let mut still: Vec<String> = Vec::new();
        let cutoff = now_ms - SETTLE_MS;
        let mut keep = VecDeque::new();
        let mut drop = Vec::new();
        for (at, key) in std::mem::take(&mut self.known) {
            if at < cutoff {
                drop.push((at, key));
            } else {
                if let Some((w, _)) = parse_key(&key) {
                    if !still.iter().any(|s| s == w) {
                        still.push(w.to_owned());
                    }
                }
                keep.push_back((at, key));
            }
        }
        // Writers with entries left in storage keep their mark; others
        // are pruned so the snapshot does not grow with every page view.
        let mut text = String::new();
        let mut snap = Obj::open(&mut text);
        snap.num("v", 2.0);
        let mut folded = Obj::open(snap.key("folded"));
        for (w, seq) in &self.applied.0 {
            if still.contains(w) || *w == self.writer {
                folded.num(w, *seq as f64);
            }
        }
        folded.close();
        crate::json::write_visitor(snap.key("visitor"), visitor);
        snap.close();
        let written = self.store.set(SNAPSHOT, &text);
        if written.is_ok() {
            for (_, key) in drop {
                self.store.remove(&key);
            }
            self.known = keep;
        } else {
            self.known = drop.into_iter().chain(keep).collect();
        }
        written
    }

    /// Forgets what this tab knew of the journal (everything was erased).
    pub fn clear(&mut self) {
        self.known.clear();
    }

    /// Writes the entries [`Journal::append`] deferred now (as the SDK does
    /// when the page is hidden or a batch is sent).
    pub fn flush(&self) {
        self.store.flush();
    }

    /// This tab's writer id.
    pub fn writer(&self) -> &str {
        &self.writer
    }
}

//! The outbox: messages waiting for the server's acknowledgement, in order,
//! bounded by count and bytes (the oldest are dropped first, and counted).
//! Each message is kept as its JSON text, so persisting and batching never
//! re-serialise it, and each is stored under a key of its own
//! (`parcours:o:<tab>:<seq>`) written once and removed once acknowledged:
//! nothing is rewritten per message, and no tab writes another tab's keys
//! (except to adopt the queue of a tab that is gone).

use crate::convert;
use std::collections::VecDeque;
use wasm_bindgen::JsValue;

/// Most messages kept per tab.
pub const MAX_COUNT: usize = 500;
/// Most bytes of JSON kept per tab (localStorage is shared with the host page).
pub const MAX_BYTES: usize = 256 * 1024;
/// The prefix of stored messages: `o:<writer>:<seq>`.
pub const PREFIX: &str = "o:";

/// One message on the wire.
#[derive(Debug, Clone, PartialEq)]
pub struct Msg {
    /// Its `messageId`.
    pub id: String,
    /// The message as JSON text.
    pub json: String,
}

/// A message in the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct Queued {
    /// Its storage key (`o:<writer>:<seq>`); `None` while it is kept in memory only.
    pub key: Option<String>,
    /// The message.
    pub msg: Msg,
    /// Sent when the page was hidden and not answered yet: this page does
    /// not send it again unless that send failed.
    pub carried: bool,
}

impl Queued {
    /// A message not stored yet.
    pub fn new(msg: Msg) -> Queued {
        Queued {
            key: None,
            msg,
            carried: false,
        }
    }
}

/// Messages not yet acknowledged, oldest first.
#[derive(Debug, Clone)]
pub struct Outbox {
    msgs: VecDeque<Queued>,
    bytes: usize,
    max_count: usize,
    max_bytes: usize,
    /// How many messages were dropped because the outbox was full.
    pub dropped: u32,
}

impl Default for Outbox {
    fn default() -> Self {
        Outbox::new(MAX_COUNT, MAX_BYTES)
    }
}

impl Outbox {
    /// An empty outbox with these bounds.
    pub fn new(max_count: usize, max_bytes: usize) -> Outbox {
        Outbox {
            msgs: VecDeque::new(),
            bytes: 0,
            max_count,
            max_bytes,
            dropped: 0,
        }
    }

    /// Number of messages.
    pub fn len(&self) -> usize {
        self.msgs.len()
    }

    /// Whether there is nothing to send.
    pub fn is_empty(&self) -> bool {
        self.msgs.is_empty()
    }

    /// Total JSON bytes.
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// The messages, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &Queued> {
        self.msgs.iter()
    }

    /// The messages, oldest first, to change their key or mark.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Queued> {
        self.msgs.iter_mut()
    }

    /// Whether a message with this id is queued.
    pub fn contains(&self, id: &str) -> bool {
        self.msgs.iter().any(|x| x.msg.id == id)
    }

    /// Appends `q` (ignored when its id is already there), dropping the
    /// oldest messages while the bounds are exceeded; returns what it dropped
    /// (the caller removes their keys).
    pub fn push(&mut self, q: Queued) -> Vec<Queued> {
        if self.contains(&q.msg.id) {
            return Vec::new();
        }
        self.bytes += q.msg.json.len();
        self.msgs.push_back(q);
        let mut dropped = Vec::new();
        while self.msgs.len() > self.max_count
            || (self.bytes > self.max_bytes && self.msgs.len() > 1)
        {
            dropped.extend(self.drop_oldest());
        }
        dropped
    }

    /// Drops the oldest message (counted in [`dropped`](Self::dropped)).
    pub fn drop_oldest(&mut self) -> Option<Queued> {
        let old = self.msgs.pop_front()?;
        self.bytes -= old.msg.json.len();
        self.dropped += 1;
        Some(old)
    }

    /// Removes the messages with these ids and returns them.
    pub fn remove_ids(&mut self, ids: &[String]) -> Vec<Queued> {
        let (gone, kept): (VecDeque<Queued>, VecDeque<Queued>) = std::mem::take(&mut self.msgs)
            .into_iter()
            .partition(|q| ids.contains(&q.msg.id));
        self.msgs = kept;
        self.bytes = self.msgs.iter().map(|q| q.msg.json.len()).sum();
        gone.into()
    }

    /// The oldest messages accepted by `eligible` that fit in `max_count`
    /// and `max_bytes` (at least one when any is eligible).
    pub fn front(
        &self,
        max_count: usize,
        max_bytes: usize,
        eligible: impl Fn(&Queued) -> bool,
    ) -> Vec<&Msg> {
        let mut out = Vec::new();
        let mut size = 0;
        for q in self.msgs.iter().filter(|q| eligible(q)) {
            let m = &q.msg;
            if out.len() >= max_count || (!out.is_empty() && size + m.json.len() + 1 > max_bytes) {
                break;
            }
            size += m.json.len() + 1;
            out.push(m);
        }
        out
    }

    /// Removes everything and returns it.
    pub fn clear(&mut self) -> Vec<Queued> {
        self.bytes = 0;
        std::mem::take(&mut self.msgs).into()
    }
}

/// Reads one stored message back; `None` without a `messageId`.
pub fn msg_from_json(text: &str) -> Option<Msg> {
    let v = convert::parse_json(text)?;
    let id = convert::get_str(&v, "messageId")?;
    Some(Msg {
        id,
        json: text.to_owned(),
    })
}

/// Reads the outbox of SDK versions before per-message keys (one JSON
/// array under `parcours:outbox`); elements without a `messageId` are skipped.
pub fn legacy_from_json(text: &str) -> Vec<Msg> {
    let Some(arr) = convert::parse_json(text).filter(js_sys::Array::is_array) else {
        return Vec::new();
    };
    js_sys::Array::from(&arr)
        .iter()
        .filter_map(|v| {
            Some(Msg {
                id: convert::get_str(&v, "messageId")?,
                json: convert::stringify(&v)?,
            })
        })
        .collect()
}

/// `[json,json,…]` from already-serialised messages.
pub fn join_array<'a>(msgs: impl Iterator<Item = &'a Msg>) -> String {
    let mut s = String::from("[");
    for (i, m) in msgs.enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&m.json);
    }
    s.push(']');
    s
}

/// A message's JSON text back as a JS object (for listeners and tests).
pub fn msg_to_js(m: &Msg) -> JsValue {
    convert::parse_json(&m.json).unwrap_or(JsValue::NULL)
}

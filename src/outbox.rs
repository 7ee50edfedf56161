//! The outbox: messages waiting for the server's acknowledgement, in order,
//! bounded by count and bytes (the oldest are dropped first, and counted).
//! Each message is kept as its JSON text, so persisting and batching never
//! re-serialise it.

use crate::convert;
use std::collections::VecDeque;
use wasm_bindgen::JsValue;

/// Most messages kept.
pub const MAX_COUNT: usize = 250;
/// Most bytes of JSON kept (localStorage is shared with the host page).
pub const MAX_BYTES: usize = 256 * 1024;

/// One message on the wire.
#[derive(Debug, Clone, PartialEq)]
pub struct Msg {
    /// Its `messageId`.
    pub id: String,
    /// The message as JSON text.
    pub json: String,
}

/// Messages not yet acknowledged, oldest first.
#[derive(Debug, Clone)]
pub struct Outbox {
    msgs: VecDeque<Msg>,
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
    pub fn iter(&self) -> impl Iterator<Item = &Msg> {
        self.msgs.iter()
    }

    /// Appends `m` (ignored when its id is already there), dropping the
    /// oldest messages while the bounds are exceeded.
    pub fn push(&mut self, m: Msg) {
        if self.msgs.iter().any(|x| x.id == m.id) {
            return;
        }
        self.bytes += m.json.len();
        self.msgs.push_back(m);
        self.enforce_bounds();
    }

    /// Drops the oldest message; `false` when empty.
    pub fn drop_oldest(&mut self) -> bool {
        match self.msgs.pop_front() {
            Some(old) => {
                self.bytes -= old.json.len();
                self.dropped += 1;
                true
            }
            None => false,
        }
    }

    fn enforce_bounds(&mut self) {
        while self.msgs.len() > self.max_count
            || (self.bytes > self.max_bytes && self.msgs.len() > 1)
        {
            self.drop_oldest();
        }
    }

    /// Removes the acknowledged messages.
    pub fn remove_ids(&mut self, ids: &[String]) {
        self.msgs.retain(|m| !ids.contains(&m.id));
        self.bytes = self.msgs.iter().map(|m| m.json.len()).sum();
    }

    /// The oldest messages that fit in `max_count` and `max_bytes` (at least one).
    pub fn front(&self, max_count: usize, max_bytes: usize) -> Vec<&Msg> {
        let mut out = Vec::new();
        let mut size = 0;
        for m in &self.msgs {
            if out.len() >= max_count || (!out.is_empty() && size + m.json.len() + 1 > max_bytes) {
                break;
            }
            size += m.json.len() + 1;
            out.push(m);
        }
        out
    }

    /// Removes everything.
    pub fn clear(&mut self) {
        self.msgs.clear();
        self.bytes = 0;
    }

    /// The whole outbox as a JSON array, for storage.
    pub fn to_json(&self) -> String {
        join_array(self.msgs.iter())
    }

    /// Reads a stored JSON array back; elements without a `messageId` are skipped.
    pub fn from_json(text: &str) -> Option<Outbox> {
        let arr = convert::parse_json(text)?;
        if !js_sys::Array::is_array(&arr) {
            return None;
        }
        let mut out = Outbox::default();
        for v in js_sys::Array::from(&arr).iter() {
            if let (Some(id), Some(json)) =
                (convert::get_str(&v, "messageId"), convert::stringify(&v))
            {
                out.push(Msg { id, json });
            }
        }
        out.dropped = 0;
        Some(out)
    }

    /// Adds every message of `other` not already here, keeping order.
    pub fn merge(&mut self, other: &Outbox) {
        for m in &other.msgs {
            self.push(m.clone());
        }
    }
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

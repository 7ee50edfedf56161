//! The visitor's local profile: identity, traits, bounded event history,
//! sessions, visit counters and computed-trait state.
//!
//! STUB: the public API is fixed; fields and bodies are to be written.

use crate::context::Env;
use crate::value::{Map, Value};

/// What kind of call produced an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// `track(name, properties)`.
    Track,
    /// `page(properties)`: a page view.
    Page,
}

/// One touchpoint, as recorded into the profile.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Track or page.
    pub kind: EventKind,
    /// The event name (`"Order Completed"`); for page views, the page name or `""`.
    pub name: String,
    /// The properties object.
    pub properties: Value,
    /// When it happened, epoch ms.
    pub at_ms: f64,
}

/// Rules-document settings the profile needs: computed-trait definitions,
/// lifecycle thresholds, history bounds.
#[derive(Debug, Clone, Default)]
pub struct ProfileRules {
    _private: (),
}

/// The local profile of one visitor.
#[derive(Debug, Clone)]
pub struct Profile {
    /// The anonymous id (random, created on first visit).
    pub anonymous_id: String,
    /// The known id once `identify` was called.
    pub user_id: Option<String>,
    /// Traits from `identify` and forms.
    pub traits: Map,
}

impl Profile {
    /// A fresh profile first seen at `now_ms`.
    pub fn new(anonymous_id: String, now_ms: f64) -> Profile {
        let _ = now_ms;
        Profile {
            anonymous_id,
            user_id: None,
            traits: Map::new(),
        }
    }

    /// Records an event: history, session, visit counters, computed traits.
    /// Returns the events it derived and also recorded (`Session Started`),
    /// which the host sends on the wire too.
    pub fn record(&mut self, event: &Event, env: &Env, rules: &ProfileRules) -> Vec<Event> {
        let _ = (event, env, rules);
        todo!()
    }

    /// An id of the current session, stable until a new session starts
    /// (per-session caps key on it).
    pub fn current_session_id(&self) -> &str {
        todo!()
    }

    /// Links the visitor to `user_id` and merges `traits`. Returns `true` when
    /// a *different* user id was already set: the caller then starts a fresh
    /// anonymous identity (see `field-lessons.md`, identity).
    pub fn identify(&mut self, user_id: &str, traits: &Map, now_ms: f64) -> bool {
        let _ = (user_id, traits, now_ms);
        todo!()
    }

    /// The profile as a plain value, for storage and `parcours.profile()`.
    pub fn to_value(&self) -> Value {
        todo!()
    }

    /// Reads a stored profile back; anything unreadable falls back to defaults
    /// field by field (corrupted storage never throws).
    pub fn from_value(v: &Value, now_ms: f64) -> Option<Profile> {
        let _ = (v, now_ms);
        todo!()
    }
}

//! The visitor's local profile: identity, traits, bounded event history,
//! sessions, visit counters and computed-trait state.
//!
//! Recording an event costs O(number of computed traits), never a rescan of
//! the history: the history is only replayed once when the trait
//! definitions change (their fingerprint is stored with the state).

use std::borrow::Cow;

use crate::computed::{self, ComputedState, TraitDef};
use crate::decode::Obj;
use crate::env::Env;
use crate::error::RuleError;
use crate::event::{Event, EventKind};
use crate::history::{History, HistoryRules};
use crate::lifecycle::{self, Facts, LifecycleRules, Stage};
use crate::regex::RegexCompiler;
use crate::session::{Session, Source};
use crate::time::{local_day, Now};
use crate::value::{Map, Value};

/// The name of the event derived when a session starts.
pub const SESSION_STARTED: &str = "Session Started";

/// Previous anonymous ids kept for aliasing.
const MAX_ALIASES: usize = 10;

/// `messageId`s of merged remote events remembered, so a profile fetched
/// again merges nothing twice (the server sends at most 100).
const MAX_REMOTE_IDS: usize = 300;

/// An event another channel recorded (a store purchase, another device),
/// learnt from the server's signed profile.
#[derive(Debug, Clone, PartialEq)]
pub struct RemoteEvent {
    /// Its `messageId`: an event is merged once.
    pub message_id: String,
    /// The event.
    pub event: Event,
}

/// Rules-document settings the profile needs: computed-trait definitions,
/// lifecycle thresholds, history bounds.
#[derive(Debug, Clone)]
pub struct ProfileRules {
    /// The document's traits, then the lifecycle's internal ones.
    defs: Vec<TraitDef>,
    /// How many of `defs` come from the document.
    n_user: usize,
    lifecycle: LifecycleRules,
    history: HistoryRules,
    fingerprint: String,
}

impl Default for ProfileRules {
    fn default() -> Self {
        ProfileRules::new(
            Vec::new(),
            LifecycleRules::default(),
            HistoryRules::default(),
        )
    }
}

impl ProfileRules {
    /// Rules from already-decoded parts.
    pub fn new(
        traits: Vec<TraitDef>,
        lifecycle: LifecycleRules,
        history: HistoryRules,
    ) -> ProfileRules {
        let n_user = traits.len();
        let mut defs = traits;
        defs.extend(lifecycle::internal_traits(&lifecycle));
        let fingerprint = computed::fingerprint(&defs);
        ProfileRules {
            defs,
            n_user,
            lifecycle,
            history,
            fingerprint,
        }
    }

    /// Decodes the `traits` array, `lifecycle` object and `history` object of
    /// a rules document. Errors (with JSON paths) go to `errors`; unknown
    /// condition operators, invalid regexes in `where`, and windows longer
    /// than the history go to `warnings`. Never fails: bad parts are left out.
    pub fn from_doc(
        doc: &Obj,
        regex: &dyn RegexCompiler,
        errors: &mut Vec<RuleError>,
        warnings: &mut Vec<RuleError>,
    ) -> ProfileRules {
        let history = doc
            .opt_obj("history", errors)
            .map(|o| HistoryRules::decode(&o, errors))
            .unwrap_or_default();
        let lifecycle = doc
            .opt_obj("lifecycle", errors)
            .map(|o| LifecycleRules::decode(&o, errors))
            .unwrap_or_default();
        let traits = doc.get("traits").map_or_else(Vec::new, |t| {
            computed::decode_traits(
                t,
                &doc.at("traits"),
                regex,
                history.max_age_days,
                errors,
                warnings,
            )
        });
        ProfileRules::new(traits, lifecycle, history)
    }

    /// Ids of the document's computed traits (to check `computed.<id>` references).
    pub fn trait_ids(&self) -> impl Iterator<Item = &str> {
        self.traits().iter().map(|d| d.id.as_str())
    }

    /// The document's computed-trait definitions.
    pub fn traits(&self) -> &[TraitDef] {
        self.defs.get(..self.n_user).unwrap_or(&[])
    }

    /// Lifecycle thresholds.
    pub fn lifecycle(&self) -> &LifecycleRules {
        &self.lifecycle
    }

    /// History bounds.
    pub fn history(&self) -> &HistoryRules {
        &self.history
    }

    /// Fingerprint of every trait definition (stored with the trait state).
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }
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
    /// Anonymous ids this visitor had before (see [`Profile::adopt_anonymous_id`]), oldest first.
    pub previous_anonymous_ids: Vec<String>,
    /// `messageId`s of the remote events merged so far, oldest first.
    remote_ids: Vec<String>,
    first_seen_ms: f64,
    visits: u64,
    pageviews: u64,
    session: Option<Session>,
    previous_session_start_ms: Option<f64>,
    history: History,
    computed: ComputedState,
}

/// A list of strings as a stored array.
fn strings_value(list: &[String]) -> Value {
    Value::Array(list.iter().map(|a| a.as_str().into()).collect())
}

/// A stored array's strings, at most `max` (anything else skipped).
fn strings_of(v: Option<&Value>, max: usize) -> Vec<String> {
    let items = v.and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
    items
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .take(max)
        .collect()
}

fn finite_or(x: f64, default: f64) -> f64 {
    if x.is_finite() {
        x
    } else {
        default
    }
}

impl Profile {
    /// A fresh profile first seen at `now_ms`.
    pub fn new(anonymous_id: String, now_ms: f64) -> Profile {
        Profile {
            anonymous_id,
            user_id: None,
            traits: Map::new(),
            previous_anonymous_ids: Vec::new(),
            remote_ids: Vec::new(),
            first_seen_ms: finite_or(now_ms, 0.0),
            visits: 0,
            pageviews: 0,
            session: None,
            previous_session_start_ms: None,
            history: History::default(),
            computed: ComputedState::default(),
        }
    }

    /// Records an event: history, session, visit counters, computed traits.
    /// Returns the events it derived and also recorded (`Session Started`),
    /// which the host sends on the wire too.
    pub fn record(&mut self, event: &Event, env: &Env, rules: &ProfileRules) -> Vec<Event> {
        let at = finite_or(event.at_ms, env.now_ms);
        if !at.is_finite() {
            return Vec::new();
        }
        self.sync_rules(rules);
        let tz = env.tz_offset_min;
        let source = Source::detect(&env.page);
        let mut derived = Vec::new();
        if self
            .session
            .as_ref()
            .is_none_or(|s| s.ends_before(at, tz, &source))
        {
            if let Some(previous) = &self.session {
                self.previous_session_start_ms = Some(previous.start_ms);
            }
            self.visits += 1;
            let session = Session::start(self.visits, at, source, &env.page);
            let started = Event {
                kind: EventKind::Track,
                name: SESSION_STARTED.into(),
                properties: session.started_properties(),
                at_ms: at,
            };
            self.session = Some(session);
            self.push(&started, tz, rules);
            derived.push(started);
        }
        if let Some(s) = &mut self.session {
            s.last_ms = s.last_ms.max(at);
            if event.kind == EventKind::Page {
                s.pageviews += 1;
            }
        }
        if event.kind == EventKind::Page {
            self.pageviews += 1;
        }
        self.first_seen_ms = self.first_seen_ms.min(at);
        // Recorded as given, unless its time or properties need mending.
        let mut e = Cow::Borrowed(event);
        if e.at_ms != at {
            e.to_mut().at_ms = at;
        }
        if e.properties.as_object().is_none() {
            e.to_mut().properties = Value::object();
        }
        self.push(&e, tz, rules);
        derived
    }

    fn push(&mut self, e: &Event, tz: i32, rules: &ProfileRules) {
        self.computed.update(&rules.defs, e, tz);
        self.history.push(e, tz, &rules.history);
    }

    /// Rebuilds the computed-trait state from the history when the trait
    /// definitions changed since it was built (once per rules change; also
    /// done by [`record`](Self::record)). Hosts may call it after loading
    /// new rules so that building contexts stays cheap.
    pub fn sync_rules(&mut self, rules: &ProfileRules) {
        if !self.computed.is_for(&rules.fingerprint, &rules.defs) {
            self.history.compact(&rules.history);
            self.computed = ComputedState::rebuild(&rules.defs, &rules.fingerprint, &self.history);
        }
    }

    /// An id of the current session, stable until a new session starts
    /// (per-session caps key on it). `""` before the first event.
    pub fn current_session_id(&self) -> &str {
        self.session.as_ref().map_or("", |s| s.id.as_str())
    }

    /// Links the visitor to `user_id` and merges `traits`. Returns `true` when
    /// a *different* user id was already set: the caller then starts a fresh
    /// anonymous identity (see `field-lessons.md`, identity). In that case
    /// this profile is left unchanged, so nothing of one user leaks into
    /// another's; the caller makes a new [`Profile`] and identifies it:
    ///
    /// ```
    /// use parcours_engine::{Map, Profile};
    /// let mut p = Profile::new("anon-1".into(), 0.0);
    /// assert!(!p.identify("alice", &Map::new(), 0.0));
    /// if p.identify("bob", &Map::new(), 1.0) {
    ///     p = Profile::new("anon-2".into(), 1.0);
    ///     p.identify("bob", &Map::new(), 1.0);
    /// }
    /// assert_eq!(p.user_id.as_deref(), Some("bob"));
    /// ```
    pub fn identify(&mut self, user_id: &str, traits: &Map, now_ms: f64) -> bool {
        let _ = now_ms;
        if self.user_id.as_deref().is_some_and(|u| u != user_id) {
            return true;
        }
        if !user_id.is_empty() {
            self.user_id = Some(user_id.to_owned());
        }
        self.merge_traits(traits);
        false
    }

    /// Merges traits (from `identify` or a form): each key overwrites.
    pub fn merge_traits(&mut self, traits: &Map) {
        for (k, v) in traits {
            self.traits.insert(k.clone(), v.clone());
        }
    }

    /// Merges events recorded by other channels into the history, in time
    /// order, each `messageId` once; computed traits (purchases, spend, the
    /// lifecycle stage) then count them. Sessions and visit counters stay
    /// this browser's. Returns how many were new.
    ///
    /// ```
    /// use parcours_engine::{Event, EventKind, Profile, ProfileRules, RemoteEvent, Value};
    /// let mut p = Profile::new("anon-1".into(), 0.0);
    /// let order = RemoteEvent {
    ///     message_id: "pos-1".into(),
    ///     event: Event { kind: EventKind::Track, name: "Order Completed".into(),
    ///                    properties: Value::object(), at_ms: 1.0 },
    /// };
    /// let rules = ProfileRules::default();
    /// assert_eq!(p.merge_remote(std::slice::from_ref(&order), 0, &rules), 1);
    /// assert_eq!(p.merge_remote(&[order], 0, &rules), 0);
    /// assert_eq!(p.history().len(), 1);
    /// ```
    pub fn merge_remote(
        &mut self,
        events: &[RemoteEvent],
        tz_offset_min: i32,
        rules: &ProfileRules,
    ) -> usize {
        let mut merged = 0;
        for r in events {
            if !r.event.at_ms.is_finite() || self.remote_ids.contains(&r.message_id) {
                continue;
            }
            self.remote_ids.push(r.message_id.clone());
            let mut e = r.event.clone();
            if e.properties.as_object().is_none() {
                e.properties = Value::object();
            }
            self.history.insert(&e, tz_offset_min, &rules.history);
            merged += 1;
        }
        if self.remote_ids.len() > MAX_REMOTE_IDS {
            let extra = self.remote_ids.len() - MAX_REMOTE_IDS;
            self.remote_ids.drain(..extra);
        }
        if merged > 0 {
            self.computed = ComputedState::rebuild(&rules.defs, &rules.fingerprint, &self.history);
        }
        merged
    }

    /// Switches to another anonymous id (e.g. one shared across subdomains),
    /// remembering the current one in [`previous_anonymous_ids`](Self::previous_anonymous_ids).
    pub fn adopt_anonymous_id(&mut self, anonymous_id: String) {
        if anonymous_id == self.anonymous_id || anonymous_id.is_empty() {
            return;
        }
        let old = std::mem::replace(&mut self.anonymous_id, anonymous_id);
        self.previous_anonymous_ids
            .retain(|a| *a != old && *a != self.anonymous_id);
        self.previous_anonymous_ids.push(old);
        if self.previous_anonymous_ids.len() > MAX_ALIASES {
            self.previous_anonymous_ids.remove(0);
        }
    }

    /// The current (or last) session.
    pub fn session(&self) -> Option<&Session> {
        self.session.as_ref()
    }

    /// The bounded event history.
    pub fn history(&self) -> &History {
        &self.history
    }

    /// Sessions so far (`visit.count`).
    pub fn visits(&self) -> u64 {
        self.visits
    }

    /// Page views so far.
    pub fn pageviews(&self) -> u64 {
        self.pageviews
    }

    /// When the visitor was first seen, epoch ms.
    pub fn first_seen_ms(&self) -> f64 {
        self.first_seen_ms
    }

    /// Local days since the previous session started: the one before the
    /// current session while it is live, else the last one. `None` on a first visit.
    pub fn days_since_previous(&self, now_ms: f64, tz_offset_min: i32) -> Option<i64> {
        let s = self.session.as_ref()?;
        let previous = if s.is_live(now_ms, tz_offset_min) {
            self.previous_session_start_ms?
        } else {
            s.start_ms
        };
        Some(local_day(now_ms, tz_offset_min) - local_day(previous, tz_offset_min))
    }

    /// The trait state for `rules`: the stored one, or (when the rules changed
    /// and [`sync_rules`](Self::sync_rules) was not called) one rebuilt now.
    fn state_for(&self, rules: &ProfileRules) -> Cow<'_, ComputedState> {
        if self.computed.is_for(&rules.fingerprint, &rules.defs) {
            Cow::Borrowed(&self.computed)
        } else {
            Cow::Owned(ComputedState::rebuild(
                &rules.defs,
                &rules.fingerprint,
                &self.history,
            ))
        }
    }

    /// `computed.*` and the lifecycle stage at `now_ms`, from one state read.
    pub fn computed_and_stage(
        &self,
        rules: &ProfileRules,
        now_ms: f64,
        tz_offset_min: i32,
    ) -> (Map, Stage) {
        let state = self.state_for(rules);
        let now = Now::new(now_ms, tz_offset_min);
        let mut values = rules
            .defs
            .iter()
            .zip(&state.states)
            .map(|(d, s)| (d.id.clone(), computed::value(d, s, &now, &self.traits)))
            .collect::<Map>();
        let mut internal = |id: &str| values.remove(id).and_then(|v| v.as_f64());
        let facts = Facts {
            sessions: self.visits as f64,
            pageviews: self.pageviews as f64,
            purchases: internal(lifecycle::PURCHASES).unwrap_or(0.0),
            purchases_in_window: internal(lifecycle::PURCHASES_WINDOW).unwrap_or(0.0),
            days_since_purchase: internal(lifecycle::DAYS_SINCE_PURCHASE),
            days_since_previous: self
                .days_since_previous(now_ms, tz_offset_min)
                .map(|d| d as f64),
        };
        (values, lifecycle::stage(&facts, &rules.lifecycle))
    }

    /// The lifecycle stage at `now_ms`.
    pub fn lifecycle(&self, rules: &ProfileRules, now_ms: f64, tz_offset_min: i32) -> Stage {
        self.computed_and_stage(rules, now_ms, tz_offset_min).1
    }

    /// Appends stored history rows read one at a time
    /// ([`crate::history::Entry::from_row`]), for a host that reads the
    /// profile without its `history` to keep the rows from being values
    /// all at once (see [`to_value_except_history`](Self::to_value_except_history)).
    pub fn extend_history(&mut self, entries: impl IntoIterator<Item = crate::history::Entry>) {
        self.history.extend(entries);
    }

    /// The profile as a plain value, for storage and `parcours.profile()`.
    pub fn to_value(&self) -> Value {
        let mut v = self.to_value_except_history();
        v.insert("history", self.history.to_value());
        v
    }

    /// [`to_value`](Self::to_value) without `history`: what a host writing
    /// the stored profile row by row ([`History::iter`]) adds it to, so the
    /// events are never all unpacked at once.
    pub fn to_value_except_history(&self) -> Value {
        Value::from_pairs([
            ("v", Value::Number(1.0)),
            ("anonymous_id", self.anonymous_id.as_str().into()),
            ("user_id", self.user_id.clone().into()),
            ("traits", Value::Object(self.traits.clone())),
            (
                "previous_anonymous_ids",
                strings_value(&self.previous_anonymous_ids),
            ),
            ("remote_ids", strings_value(&self.remote_ids)),
            ("first_seen_ms", self.first_seen_ms.into()),
            ("visits", (self.visits as f64).into()),
            ("pageviews", (self.pageviews as f64).into()),
            (
                "session",
                self.session.as_ref().map(Session::to_value).into(),
            ),
            (
                "previous_session_start_ms",
                self.previous_session_start_ms.into(),
            ),
            ("computed", self.computed.to_value()),
        ])
    }

    /// Reads a stored profile back; anything unreadable falls back to defaults
    /// field by field (corrupted storage never throws). `None` only without
    /// a non-empty `anonymous_id`.
    pub fn from_value(v: &Value, now_ms: f64) -> Option<Profile> {
        let id = v.get("anonymous_id")?.as_str().filter(|s| !s.is_empty())?;
        let mut p = Profile::new(id.to_owned(), now_ms);
        let num = |k: &str| v.get(k).and_then(Value::as_f64).filter(|n| n.is_finite());
        let count = |k: &str| num(k).map_or(0, |n| n.clamp(0.0, 1e15) as u64);
        p.user_id = v
            .get("user_id")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        p.traits = v
            .get("traits")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        p.previous_anonymous_ids = strings_of(v.get("previous_anonymous_ids"), MAX_ALIASES);
        p.remote_ids = strings_of(v.get("remote_ids"), MAX_REMOTE_IDS);
        p.first_seen_ms = num("first_seen_ms").unwrap_or(p.first_seen_ms);
        p.session = v.get("session").and_then(Session::from_value);
        p.visits = count("visits").max(u64::from(p.session.is_some()));
        p.pageviews = count("pageviews");
        p.previous_session_start_ms = num("previous_session_start_ms").filter(|_| p.visits > 1);
        p.history = v
            .get("history")
            .map(History::from_value)
            .unwrap_or_default();
        p.computed = v
            .get("computed")
            .map(ComputedState::from_value)
            .unwrap_or_default();
        Some(p)
    }
}

#[cfg(test)]
mod tests;

//! The identity graph and the report aggregates, maintained as events
//! arrive, in the writer's transaction, the same way on every backend.
//!
//! # Identity rules
//! - Every anonymous id and user id belongs to exactly one person.
//! - An event belongs to the person of its `userId` when it has one, else
//!   to the person of its `anonymousId`.
//! - An anonymous id first seen with a user id joins that user's person;
//!   an anonymous person (no user id yet) that logs in becomes, or merges
//!   into, the user's person (cross-device).
//! - An anonymous id already linked to a user is never re-linked: seen with
//!   a second user id (a shared computer), it stays with the first, and the
//!   events carrying the second user id go to the second person.
//! - Two user ids become one person only through `alias(previousId, userId)`
//!   sent with the site's source key (a server-side source). From a client,
//!   an alias whose `previousId` is a known user id of another person
//!   changes nothing; otherwise `previousId` is linked as an anonymous id.
//!
//! # Aggregates
//! - `campaign_exposures`: per campaign and person, the arm (variant or
//!   `holdout`) of the first `Experiment Viewed`, its time and UTC day, the
//!   first goal reached within the window after it, and the revenue of
//!   every goal event in that window. The site-wide control group is the
//!   campaign `global`, with its built-in goal ([`super::global`]). Rebuilt from the person's events when
//!   an exposure appears (or arrives out of order) and after a merge.
//! - `campaign_daily`: per campaign, variant and UTC day, impressions,
//!   clicks and dismissals.
//!
//! Only events stored now count (never a duplicate `messageId`), and never
//! preview traffic or known bots ([`super::facts`]).

use std::collections::{HashMap, HashSet};
use std::future::Future;

use super::facts::{self, Counter, EXPERIMENT_VIEWED};
use super::goals::Goals;
use crate::store::NewEvent;

/// Kinds of ids in the graph.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdKind {
    /// `anonymousId`.
    Anonymous,
    /// `userId`.
    User,
}

impl IdKind {
    /// The column value: `a` or `u`.
    pub fn code(self) -> &'static str {
        match self {
            IdKind::Anonymous => "a",
            IdKind::User => "u",
        }
    }

    /// From the column value.
    pub fn from_code(code: &str) -> IdKind {
        if code == "u" {
            IdKind::User
        } else {
            IdKind::Anonymous
        }
    }
}

/// One row of `campaign_exposures`.
#[derive(Debug, Clone, PartialEq)]
pub struct ExposureRow {
    /// The campaign.
    pub campaign_id: String,
    /// The arm: a variant id or `holdout`.
    pub variant_id: String,
    /// The first exposure, epoch ms.
    pub first_ms: i64,
    /// Its UTC day.
    pub first_day: String,
    /// The first goal reached in the window, epoch ms.
    pub converted_ms: Option<i64>,
    /// Revenue of the goal events in the window.
    pub revenue: f64,
}

/// A stored event as the graph reads it back.
#[derive(Debug, Clone)]
pub struct EventRow {
    /// Row id (for deletion).
    pub id: i64,
    /// `track`, `page`, …
    pub kind: String,
    /// Event name.
    pub event: Option<String>,
    /// Its user id.
    pub user_id: Option<String>,
    /// When it happened.
    pub timestamp: String,
    /// The message as sent.
    pub payload: String,
}

/// What a backend does for the graph, inside the current transaction.
#[allow(async_fn_in_trait)]
pub trait Ledger {
    /// The backend's error.
    type Error;
    /// The person of an id.
    async fn person_of(&mut self, kind: IdKind, id: &str) -> Result<Option<i64>, Self::Error>;
    /// Every id of a person.
    async fn ids_of(&mut self, person: i64) -> Result<Vec<(IdKind, String)>, Self::Error>;
    /// A new person, with no id yet.
    async fn new_person(&mut self) -> Result<i64, Self::Error>;
    /// Links an id (not yet in the graph) to a person.
    async fn link(&mut self, kind: IdKind, id: &str, person: i64) -> Result<(), Self::Error>;
    /// Removes one id from the graph.
    async fn unlink(&mut self, kind: IdKind, id: &str) -> Result<(), Self::Error>;
    /// Moves every id of `from` to `into`; deletes `from` and its exposures.
    async fn merge(&mut self, from: i64, into: i64) -> Result<(), Self::Error>;
    /// Deletes a person: its ids, its exposures, itself.
    async fn erase_person(&mut self, person: i64) -> Result<(), Self::Error>;
    /// A person's exposure to a campaign.
    async fn exposure(
        &mut self,
        person: i64,
        campaign: &str,
    ) -> Result<Option<ExposureRow>, Self::Error>;
    /// Replaces every exposure row of a person.
    async fn replace_exposures(
        &mut self,
        person: i64,
        rows: &[ExposureRow],
    ) -> Result<(), Self::Error>;
    /// Records a goal reached: conversion time (kept if earlier) and revenue added.
    async fn add_conversion(
        &mut self,
        person: i64,
        campaign: &str,
        at_ms: i64,
        revenue: f64,
    ) -> Result<(), Self::Error>;
    /// Adds `[impressions, clicks, dismissals]` to a campaign's day.
    async fn add_daily(
        &mut self,
        campaign: &str,
        variant: &str,
        day: &str,
        deltas: [i64; 3],
    ) -> Result<(), Self::Error>;
    /// Stored events carrying this id: with `kind` User, every event of
    /// that user id; with Anonymous, those of the anonymous id, only the
    /// ones with no user id when `without_user`. Restricted to `names`
    /// (track events) when given.
    async fn events_of(
        &mut self,
        kind: IdKind,
        id: &str,
        without_user: bool,
        names: Option<&[String]>,
    ) -> Result<Vec<EventRow>, Self::Error>;
    /// Deletes events by row id.
    async fn delete_events(&mut self, ids: &[i64]) -> Result<(), Self::Error>;
}

/// Runs a future that never waits (a synchronous backend's) to completion.
pub fn now<T>(f: impl Future<Output = T>) -> Option<T> {
    let mut f = std::pin::pin!(f);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match f.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(v) => Some(v),
        std::task::Poll::Pending => None,
    }
}

/// What makes a stored event unique within its site: its visitor
/// (`anonymousId`, none for a server-side source) and its `messageId`.
pub type EventKey = (Option<String>, String);

/// The [`EventKey`] of `e`.
pub fn key_of(e: &NewEvent) -> EventKey {
    (e.anonymous_id.clone(), e.message_id.clone())
}

/// The events of `batch` the aggregates look at: tracks named as a
/// campaign event or a goal. They are checked for newness.
pub fn relevant<'a>(goals: &Goals, batch: &'a [NewEvent]) -> Vec<&'a NewEvent> {
    batch.iter().filter(|e| is_relevant(goals, e)).collect()
}

fn is_relevant(goals: &Goals, e: &NewEvent) -> bool {
    e.kind == "track"
        && e.event.as_deref().is_some_and(|n| {
            n == EXPERIMENT_VIEWED || Counter::of(n).is_some() || goals.is_goal_event(n)
        })
}

/// Updates the graph and the aggregates for a request's events, already
/// inserted. `fresh`: the keys of relevant events stored now.
/// `source`: sent with the site's source key.
pub async fn maintain<L: Ledger>(
    l: &mut L,
    goals: &Goals,
    batch: &[NewEvent],
    fresh: &HashSet<EventKey>,
) -> Result<(), L::Error> {
    let mut dirty: HashSet<i64> = HashSet::new();
    let mut resolved: HashMap<(Option<&str>, Option<&str>), i64> = HashMap::new();
    let mut counted: HashSet<EventKey> = HashSet::new();
    for e in batch {
        let pair = (e.anonymous_id.as_deref(), e.user_id.as_deref());
        let person = match resolved.get(&pair) {
            Some(p) => *p,
            None => {
                let (p, merged) = resolve(l, pair.0, pair.1, &mut dirty).await?;
                if merged {
                    resolved.clear();
                }
                resolved.insert(pair, p);
                p
            }
        };
        if e.kind == "alias" {
            if alias(l, e, person, &mut dirty).await? {
                resolved.clear();
            }
            continue;
        }
        if !is_relevant(goals, e) {
            continue;
        }
        let key = key_of(e);
        if !fresh.contains(&key) || !counted.insert(key) {
            continue;
        }
        count(l, goals, e, person, &mut dirty).await?;
    }
    for p in dirty {
        rebuild(l, goals, p).await?;
    }
    Ok(())
}

/// The person of an event's ids, linking and merging by the identity rules.
/// Also says whether two persons merged.
async fn resolve<L: Ledger>(
    l: &mut L,
    anon: Option<&str>,
    user: Option<&str>,
    dirty: &mut HashSet<i64>,
) -> Result<(i64, bool), L::Error> {
    let pa = match anon {
        Some(a) => l.person_of(IdKind::Anonymous, a).await?,
        None => None,
    };
    let Some(u) = user else {
        return Ok(match (anon, pa) {
            (_, Some(p)) => (p, false),
            (Some(a), None) => {
                let p = l.new_person().await?;
                l.link(IdKind::Anonymous, a, p).await?;
                (p, false)
            }
            (None, None) => (l.new_person().await?, false),
        });
    };
    let pu = l.person_of(IdKind::User, u).await?;
    match (pu, anon, pa) {
        (Some(pu), Some(a), None) => {
            l.link(IdKind::Anonymous, a, pu).await?;
            Ok((pu, false))
        }
        (Some(pu), Some(_), Some(pa)) if pa != pu && !has_user(l, pa).await? => {
            l.merge(pa, pu).await?;
            dirty.remove(&pa);
            dirty.insert(pu);
            Ok((pu, true))
        }
        (Some(pu), _, _) => Ok((pu, false)),
        (None, Some(_), Some(pa)) if !has_user(l, pa).await? => {
            l.link(IdKind::User, u, pa).await?;
            Ok((pa, false))
        }
        (None, Some(a), None) => {
            let p = l.new_person().await?;
            l.link(IdKind::Anonymous, a, p).await?;
            l.link(IdKind::User, u, p).await?;
            Ok((p, false))
        }
        (None, _, _) => {
            let p = l.new_person().await?;
            l.link(IdKind::User, u, p).await?;
            Ok((p, false))
        }
    }
}

async fn has_user<L: Ledger>(l: &mut L, person: i64) -> Result<bool, L::Error> {
    Ok(l.ids_of(person)
        .await?
        .iter()
        .any(|(k, _)| *k == IdKind::User))
}

/// `alias(previousId, …)` for the event's person; whether persons merged.
async fn alias<L: Ledger>(
    l: &mut L,
    e: &NewEvent,
    person: i64,
    dirty: &mut HashSet<i64>,
) -> Result<bool, L::Error> {
    let Some(prev) = previous_id(&e.payload) else {
        return Ok(false);
    };
    let q = match l.person_of(IdKind::User, &prev).await? {
        Some(q) => Some((q, e.source)),
        None => match l.person_of(IdKind::Anonymous, &prev).await? {
            Some(q) => Some((q, e.source || !has_user(l, q).await?)),
            None => None,
        },
    };
    if let Some((q, may_merge)) = q {
        if q == person || !may_merge {
            return Ok(false);
        }
        l.merge(q, person).await?;
        dirty.remove(&q);
        dirty.insert(person);
        return Ok(true);
    }
    let kind = if e.source {
        IdKind::User
    } else {
        IdKind::Anonymous
    };
    l.link(kind, &prev, person).await?;
    Ok(false)
}

fn previous_id(payload: &str) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Alias {
        #[serde(rename = "previousId")]
        previous_id: Option<String>,
    }
    let a: Alias = serde_json::from_str(payload).ok()?;
    a.previous_id.filter(|p| !p.is_empty())
}

/// Counts one new relevant event of `person`.
async fn count<L: Ledger>(
    l: &mut L,
    goals: &Goals,
    e: &NewEvent,
    person: i64,
    dirty: &mut HashSet<i64>,
) -> Result<(), L::Error> {
    let (Some(name), Some(at)) = (e.event.as_deref(), facts::epoch_ms(&e.timestamp)) else {
        return Ok(());
    };
    let Some(props) = facts::countable_properties(&e.payload) else {
        return Ok(());
    };
    if name == EXPERIMENT_VIEWED {
        if let Some(c) = facts::prop(&props, "experiment_id") {
            let known = l.exposure(person, &c).await?;
            if known.is_none_or(|row| at < row.first_ms) {
                dirty.insert(person);
            }
        }
    } else if let Some(counter) = Counter::of(name) {
        if let Some(c) = facts::prop(&props, "promotion_id") {
            let variant = facts::prop(&props, "creative").unwrap_or_default();
            l.add_daily(&c, &variant, &facts::utc_day(at), counter.deltas(1))
                .await?;
        }
    }
    if dirty.contains(&person) {
        return Ok(());
    }
    for c in goals.with_global() {
        let Some(goal) = c.goal.as_ref().filter(|g| g.event == name) else {
            continue;
        };
        let Some(row) = l.exposure(person, &c.id).await? else {
            continue;
        };
        if (0..=goal.within_ms).contains(&(at - row.first_ms)) && goals.matches(&c.id, &props) {
            l.add_conversion(person, &c.id, at, facts::revenue(&props))
                .await?;
        }
    }
    Ok(())
}

/// Recomputes every exposure row of a person from its stored events.
pub async fn rebuild<L: Ledger>(l: &mut L, goals: &Goals, person: i64) -> Result<(), L::Error> {
    let mut names = goals.goal_events();
    names.push(EXPERIMENT_VIEWED.to_owned());
    let mut events = Vec::new();
    for (kind, id) in l.ids_of(person).await? {
        let without_user = kind == IdKind::Anonymous;
        events.extend(l.events_of(kind, &id, without_user, Some(&names)).await?);
    }
    let rows = exposures_of(goals, &events);
    l.replace_exposures(person, &rows).await
}

/// The exposure rows one person's events give.
pub fn exposures_of(goals: &Goals, events: &[EventRow]) -> Vec<ExposureRow> {
    let mut parsed: Vec<(i64, &str, parcours_engine::Value)> = events
        .iter()
        .filter(|e| e.kind == "track")
        .filter_map(|e| {
            let at = facts::epoch_ms(&e.timestamp)?;
            let props = facts::countable_properties(&e.payload)?;
            Some((at, e.event.as_deref()?, props))
        })
        .collect();
    parsed.sort_by_key(|(at, _, _)| *at);
    let mut rows: Vec<ExposureRow> = Vec::new();
    for (at, name, props) in &parsed {
        if *name != EXPERIMENT_VIEWED {
            continue;
        }
        let (Some(c), Some(v)) = (
            facts::prop(props, "experiment_id"),
            facts::prop(props, "variation_id"),
        ) else {
            continue;
        };
        if rows.iter().all(|r| r.campaign_id != c) {
            rows.push(ExposureRow {
                campaign_id: c,
                variant_id: v,
                first_ms: *at,
                first_day: facts::utc_day(*at),
                converted_ms: None,
                revenue: 0.0,
            });
        }
    }
    for row in &mut rows {
        let Some(goal) = goals
            .campaign(&row.campaign_id)
            .and_then(|c| c.goal.as_ref())
        else {
            continue;
        };
        for (at, name, props) in &parsed {
            if *name == goal.event
                && (0..=goal.within_ms).contains(&(at - row.first_ms))
                && goals.matches(&row.campaign_id, props)
            {
                row.converted_ms.get_or_insert(*at);
                row.revenue += facts::revenue(props);
            }
        }
    }
    rows
}

/// The ids of the person of `user` (else of `anon`).
pub async fn linked<L: Ledger>(
    l: &mut L,
    anon: Option<&str>,
    user: Option<&str>,
) -> Result<Option<Vec<(IdKind, String)>>, L::Error> {
    let mut person = None;
    if let Some(u) = user {
        person = l.person_of(IdKind::User, u).await?;
    }
    if let (None, Some(a)) = (person, anon) {
        person = l.person_of(IdKind::Anonymous, a).await?;
    }
    match person {
        Some(p) => Ok(Some(l.ids_of(p).await?)),
        None => Ok(None),
    }
}

/// Every stored event of the person of `user` (its user ids' events, and
/// its anonymous ids' events that carry no user id), ordered by row id;
/// `None` when the user id is not in the graph.
pub async fn person_events<L: Ledger>(
    l: &mut L,
    user: &str,
) -> Result<Option<Vec<EventRow>>, L::Error> {
    let Some(p) = l.person_of(IdKind::User, user).await? else {
        return Ok(None);
    };
    let mut events = Vec::new();
    for (kind, id) in l.ids_of(p).await? {
        let without_user = kind == IdKind::Anonymous;
        events.extend(l.events_of(kind, &id, without_user, None).await?);
    }
    events.sort_by_key(|e| e.id);
    events.dedup_by_key(|e| e.id);
    Ok(Some(events))
}

/// What a forget erased.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Forgotten {
    /// Events deleted.
    pub events: usize,
    /// Anonymous ids removed from the identity graph.
    pub anonymous_ids: Vec<String>,
    /// User ids removed from the identity graph.
    pub user_ids: Vec<String>,
    /// Persons erased entirely.
    pub persons: usize,
}

/// Erases, for `forget`: with `user` (already authorized), the whole
/// person of that user id (every linked id, every event of that person,
/// its exposures); with `anon`, what that anonymous id recorded (the whole
/// person when it is anonymous: its only id). Aggregates follow.
pub async fn forget<L: Ledger>(
    l: &mut L,
    goals: &Goals,
    anon: Option<&str>,
    user: Option<&str>,
) -> Result<Forgotten, L::Error> {
    let mut out = Forgotten::default();
    let mut doomed: Vec<EventRow> = Vec::new();
    let mut erase: Vec<i64> = Vec::new();
    let mut rebuild_later: Vec<i64> = Vec::new();
    if let Some(u) = user {
        match l.person_of(IdKind::User, u).await? {
            Some(p) => {
                for (kind, id) in l.ids_of(p).await? {
                    let without_user = kind == IdKind::Anonymous;
                    doomed.extend(l.events_of(kind, &id, without_user, None).await?);
                    match kind {
                        IdKind::Anonymous => out.anonymous_ids.push(id),
                        IdKind::User => out.user_ids.push(id),
                    }
                }
                erase.push(p);
            }
            None => doomed.extend(l.events_of(IdKind::User, u, false, None).await?),
        }
    }
    if let Some(a) = anon {
        if !out.anonymous_ids.iter().any(|x| x == a) {
            doomed.extend(l.events_of(IdKind::Anonymous, a, false, None).await?);
            if let Some(p) = l.person_of(IdKind::Anonymous, a).await? {
                if !erase.contains(&p) {
                    l.unlink(IdKind::Anonymous, a).await?;
                    out.anonymous_ids.push(a.to_owned());
                    if l.ids_of(p).await?.is_empty() {
                        erase.push(p);
                    } else {
                        rebuild_later.push(p);
                    }
                }
            }
        }
    }
    doomed.sort_by_key(|e| e.id);
    doomed.dedup_by_key(|e| e.id);
    for e in &doomed {
        uncount(l, e).await?;
    }
    let ids: Vec<i64> = doomed.iter().map(|e| e.id).collect();
    l.delete_events(&ids).await?;
    out.events = ids.len();
    for p in &erase {
        l.erase_person(*p).await?;
    }
    out.persons = erase.len();
    for p in rebuild_later {
        rebuild(l, goals, p).await?;
    }
    // The users whose events the anonymous id also carried lost those events.
    if anon.is_some() {
        let mut others: Vec<i64> = Vec::new();
        for e in &doomed {
            if let Some(u) = &e.user_id {
                if let Some(p) = l.person_of(IdKind::User, u).await? {
                    if !others.contains(&p) && !erase.contains(&p) {
                        others.push(p);
                    }
                }
            }
        }
        for p in others {
            rebuild(l, goals, p).await?;
        }
    }
    Ok(out)
}

/// Takes an erased event out of the daily counters.
async fn uncount<L: Ledger>(l: &mut L, e: &EventRow) -> Result<(), L::Error> {
    let Some(counter) = e.event.as_deref().and_then(Counter::of) else {
        return Ok(());
    };
    if e.kind != "track" {
        return Ok(());
    }
    let (Some(props), Some(at)) = (
        facts::countable_properties(&e.payload),
        facts::epoch_ms(&e.timestamp),
    ) else {
        return Ok(());
    };
    if let Some(c) = facts::prop(&props, "promotion_id") {
        let variant = facts::prop(&props, "creative").unwrap_or_default();
        l.add_daily(&c, &variant, &facts::utc_day(at), counter.deltas(-1))
            .await?;
    }
    Ok(())
}

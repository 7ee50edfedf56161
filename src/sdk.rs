//! The running SDK: one visitor, the engine on the current rules, the
//! outbox, the pop-in on screen, and the listeners. Every entry point (API
//! call, timer, DOM event, network completion) goes through [`with_sdk`],
//! which never holds the state while calling the host's code.

use crate::consent::Consent;
use crate::handles::{Listener, Timeout};
use crate::outbox::{Msg, Outbox};
use crate::regex::JsRegexCompiler;
use crate::render::{self, Outcome, Popin};
use crate::storage::Store;
use crate::{convert, ids, log, message, page, transport};
use js_sys::{Array, Function, Promise};
use parcours_engine::context::{Env, Page};
use parcours_engine::profile::ProfileRules;
use parcours_engine::value::{Map, Value};
use parcours_engine::{Decision, Engine, Event, EventKind, Trigger, Visitor};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// At most this many messages per batch.
pub const BATCH_COUNT: usize = 20;
/// Debounce before a flush.
pub const FLUSH_DELAY_MS: i32 = 1000;
/// Longest retry delay.
pub const MAX_BACKOFF_MS: i32 = 60_000;
/// How long a tab keeps the flush lease.
const LEASE_MS: f64 = 15_000.0;

/// Storage keys (under the `parcours:` prefix).
pub mod keys {
    /// The visitor (`Visitor::to_value`).
    pub const VISITOR: &str = "visitor";
    /// The outbox, a JSON array of messages.
    pub const OUTBOX: &str = "outbox";
    /// The last good rules and their ETag: `{etag, rules}`.
    pub const RULES: &str = "rules";
    /// The consent given (`a`, `p`, `ap`).
    pub const CONSENT: &str = "consent";
    /// Which tab flushes: `tab-id|expiry-ms`.
    pub const LEASE: &str = "lease";
}

/// Options from the script tag or `load({...})`.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// `data-write-key`.
    pub write_key: String,
    /// `data-endpoint`, without a trailing slash.
    pub endpoint: String,
    /// `data-consent="required"`.
    pub consent_required: bool,
    /// `data-debug`.
    pub debug: bool,
    /// Track the first page view and SPA route changes automatically.
    pub auto_page: bool,
    /// Fetch the rules (tests turn it off).
    pub fetch_rules: bool,
}

impl Config {
    /// Reads `{writeKey, endpoint, consent, debug, autoPage}`.
    pub fn from_js(v: &JsValue) -> Config {
        let s = |k| convert::get_str(v, k).unwrap_or_default();
        let flag = |k, default: bool| {
            let x = convert::get(v, k);
            x.as_bool().unwrap_or(if x.is_undefined() {
                default
            } else {
                x.is_truthy()
            })
        };
        let mut endpoint = s("endpoint");
        while endpoint.ends_with('/') {
            endpoint.pop();
        }
        Config {
            write_key: s("writeKey"),
            endpoint,
            consent_required: s("consent") == "required",
            debug: flag("debug", false),
            auto_page: flag("autoPage", true),
            fetch_rules: flag("fetchRules", true),
        }
    }
}

/// How the current rules were obtained, as `ready()` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RulesSource {
    /// No rules (first visit and the fetch failed).
    None,
    /// From the local cache (possibly revalidated with a 304).
    Cached,
    /// Fresh from the network.
    Network,
}

/// The SDK state.
pub struct Sdk {
    cfg: Config,
    store: Store,
    consent: Consent,
    /// The visitor: profile and exposures.
    pub visitor: Visitor,
    engine: Option<Engine>,
    rules_source: RulesSource,
    /// Messages not yet acknowledged.
    pub outbox: Outbox,
    outbox_in_sync: bool,
    page: Page,
    utm: Map,
    channel: &'static str,
    user_agent: String,
    locale: String,
    last_url: String,
    page_decided: bool,
    popin: Option<Popin>,
    listeners: Vec<(String, Function)>,
    pending_emits: Vec<(&'static str, JsValue)>,
    ready: Promise,
    ready_resolve: Option<Function>,
    flush_timer: Option<Timeout>,
    in_flight: bool,
    backoff_ms: i32,
    tab_id: String,
    _routes: Option<page::RouteWatch>,
    _lifecycle: Vec<Listener>,
}

thread_local! {
    static SDK: RefCell<Option<Sdk>> = const { RefCell::new(None) };
    static DEFERRED: RefCell<Vec<Box<dyn FnOnce()>>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` on the SDK state, then dispatches the events it emitted to the
/// host's listeners (with the state released). `None` when the SDK is not
/// started, or busy (re-entered from a host callback: then `retry` is queued
/// and run as soon as the state is free).
pub fn with_sdk<R>(f: impl FnOnce(&mut Sdk) -> R) -> Option<R> {
    let r = SDK.with(|cell| {
        let mut guard = cell.try_borrow_mut().ok()?;
        Some(f(guard.as_mut()?))
    });
    after_call();
    r
}

/// Like [`with_sdk`], but when the SDK is busy the call is queued and run
/// right after the current one instead of being lost.
pub fn with_sdk_or_defer(f: impl FnOnce(&mut Sdk) + 'static) {
    let busy = SDK.with(|cell| cell.try_borrow_mut().is_err());
    if busy {
        DEFERRED.with(|d| {
            if let Ok(mut q) = d.try_borrow_mut() {
                q.push(Box::new(move || {
                    with_sdk(f);
                }));
            }
        });
    } else {
        with_sdk(f);
    }
}

/// Whether the SDK is running.
pub fn is_started() -> bool {
    SDK.with(|cell| cell.try_borrow().map(|g| g.is_some()).unwrap_or(true))
}

fn after_call() {
    loop {
        let taken = SDK.with(|cell| {
            let mut guard = cell.try_borrow_mut().ok()?;
            let s = guard.as_mut()?;
            if s.pending_emits.is_empty() {
                return None;
            }
            Some((std::mem::take(&mut s.pending_emits), s.listeners.clone()))
        });
        let Some((events, listeners)) = taken else {
            break;
        };
        for (name, data) in events {
            for (n, f) in &listeners {
                if n == name {
                    if let Err(e) = f.call1(&JsValue::UNDEFINED, &data) {
                        log::warn("an `on` listener threw", &e);
                    }
                }
            }
        }
    }
    let next = DEFERRED.with(|d| {
        d.try_borrow_mut()
            .ok()
            .and_then(|mut q| (!q.is_empty()).then(|| q.remove(0)))
    });
    if let Some(f) = next {
        f();
    }
}

/// Installs a started SDK (replacing and dropping any previous one).
pub fn install(sdk: Sdk) {
    let old = SDK.with(|cell| cell.try_borrow_mut().ok().map(|mut g| g.replace(sdk)));
    drop(old);
}

/// Stops the SDK: removes its listeners, timers, pop-in and history hooks.
pub fn uninstall() {
    let old = SDK.with(|cell| cell.try_borrow_mut().ok().and_then(|mut g| g.take()));
    drop(old);
}

fn obj(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = js_sys::Object::new();
    for (k, v) in pairs {
        let _ = js_sys::Reflect::set(&o, &JsValue::from_str(k), v);
    }
    o.into()
}

/// Lets the engine's `record` return either nothing or the derived events.
pub trait IntoDerived {
    /// The derived events.
    fn into_derived(self) -> Vec<Event>;
}
impl IntoDerived for () {
    fn into_derived(self) -> Vec<Event> {
        Vec::new()
    }
}
impl IntoDerived for Vec<Event> {
    fn into_derived(self) -> Vec<Event> {
        self
    }
}

impl Sdk {
    /// Builds the SDK: reads consent, the visitor, the outbox and the cached
    /// rules from storage, and hooks page lifecycle and SPA routing.
    pub fn new(cfg: Config, store: Store) -> Sdk {
        log::set_debug(cfg.debug);
        let consent = if cfg.consent_required {
            store
                .get(keys::CONSENT)
                .map_or(Consent::NONE, |c| Consent::from_code(&c))
        } else {
            Consent::GRANTED
        };
        let now = js_sys::Date::now();
        let visitor = consent
            .may_store()
            .then(|| store.get_json(keys::VISITOR))
            .flatten()
            .and_then(|js| {
                let v = Visitor::from_value(&convert::to_value(&js), now);
                if v.is_none() {
                    log::warn("stored visitor unreadable; starting a new one", &js);
                }
                v
            })
            .unwrap_or_else(|| Visitor::new(ids::uuid_v4(), now));
        let page = page::current_page();
        let utm = page::utm(&page.query);
        let channel = page::channel(&page, &utm);
        let nav = web_sys::window().map(|w| w.navigator());
        let (ready, resolve) = {
            let mut slot = None;
            let p = Promise::new(&mut |resolve, _reject| slot = Some(resolve));
            (p, slot)
        };
        let mut sdk = Sdk {
            store,
            consent,
            visitor,
            engine: None,
            rules_source: RulesSource::None,
            outbox: Outbox::default(),
            outbox_in_sync: true,
            last_url: page::url_key(&page.url).to_owned(),
            page,
            utm,
            channel,
            user_agent: nav
                .as_ref()
                .and_then(|n| n.user_agent().ok())
                .unwrap_or_default(),
            locale: nav.and_then(|n| n.language()).unwrap_or_default(),
            page_decided: false,
            popin: None,
            listeners: Vec::new(),
            pending_emits: Vec::new(),
            ready,
            ready_resolve: resolve,
            flush_timer: None,
            in_flight: false,
            backoff_ms: 0,
            tab_id: ids::uuid_v4(),
            _routes: None,
            _lifecycle: Vec::new(),
            cfg,
        };
        if sdk.consent.may_store() {
            sdk.load_cached_rules();
        }
        if sdk.consent.analytics {
            sdk.sync_outbox();
        }
        sdk
    }

    /// Hooks `pagehide` / `visibilitychange` (beacon) and, with
    /// `auto_page`, SPA route changes.
    pub fn hook_page(&mut self) {
        let Some(w) = web_sys::window() else { return };
        self._lifecycle
            .push(Listener::new(&w, "pagehide", false, |_| {
                with_sdk(Sdk::on_page_hidden);
            }));
        if let Some(doc) = w.document() {
            let d = doc.clone();
            self._lifecycle
                .push(Listener::new(&doc, "visibilitychange", false, move |_| {
                    if d.visibility_state() == web_sys::VisibilityState::Hidden {
                        with_sdk(Sdk::on_page_hidden);
                    }
                }));
        }
        if self.cfg.auto_page {
            self._routes = page::RouteWatch::new(|| with_sdk_or_defer(Sdk::on_route_change));
        }
    }

    /// Starts: the first page view (with `auto_page`), a flush of what a
    /// previous page left, and the rules fetch.
    pub fn begin(&mut self) {
        if self.cfg.auto_page {
            self.track_page("", Value::object());
        }
        if !self.outbox.is_empty() {
            self.schedule_flush(FLUSH_DELAY_MS);
        }
        if self.cfg.fetch_rules && !self.cfg.endpoint.is_empty() {
            wasm_bindgen_futures::spawn_local(fetch_rules());
        } else {
            self.rules_loaded();
        }
    }

    // ----- events out -----

    /// Emits `name` to the `on(name, fn)` listeners (after the current call).
    pub fn emit(&mut self, name: &'static str, data: JsValue) {
        self.pending_emits.push((name, data));
    }

    /// Logs (debug) and emits an `error` event.
    pub fn error(&mut self, message: &str, detail: JsValue) {
        log::warn(message, &detail);
        let data = obj(&[("message", message.into()), ("detail", detail)]);
        self.emit("error", data);
    }

    /// Adds a listener.
    pub fn on(&mut self, name: String, f: Function) {
        self.listeners.push((name, f));
    }

    /// Removes listeners of `name` (only `f` when given).
    pub fn off(&mut self, name: &str, f: Option<&Function>) {
        self.listeners
            .retain(|(n, g)| !(n == name && f.is_none_or(|f| f == g)));
    }

    /// The `ready()` promise.
    pub fn ready(&self) -> Promise {
        self.ready.clone()
    }

    // ----- recording -----

    /// The environment now.
    pub fn env(&self) -> Env {
        page::env(&self.page)
    }

    fn msg_context(&self) -> message::MsgContext<'_> {
        message::MsgContext {
            anonymous_id: &self.visitor.profile.anonymous_id,
            user_id: self.visitor.profile.user_id.as_deref(),
            page: &self.page,
            utm: &self.utm,
            channel: self.channel,
            user_agent: &self.user_agent,
            locale: &self.locale,
        }
    }

    /// Records an event into the profile (and the engine's campaign state),
    /// queues it and the events it derived, and saves the visitor.
    pub fn record(&mut self, kind: EventKind, name: &str, properties: Value) -> Event {
        let env = self.env();
        let event = Event {
            kind,
            name: name.to_owned(),
            properties,
            at_ms: env.now_ms,
        };
        let derived = match &self.engine {
            Some(engine) => engine
                .record(&mut self.visitor, &event, &env)
                .into_derived(),
            None => self
                .visitor
                .profile
                .record(&event, &env, &ProfileRules::default()),
        };
        for d in &derived {
            self.enqueue_event(d);
        }
        self.enqueue_event(&event);
        self.save_visitor();
        event
    }

    fn enqueue_event(&mut self, e: &Event) {
        let kind = if e.kind == EventKind::Page {
            "page"
        } else {
            "track"
        };
        let msg = message::build(kind, &e.name, &e.properties, e.at_ms, &self.msg_context());
        self.enqueue(msg);
    }

    /// Puts a message in the outbox (persisted before any send) and schedules a flush.
    pub fn enqueue(&mut self, msg: Msg) {
        if self.consent.analytics {
            self.sync_outbox();
        }
        let before = self.outbox.dropped;
        self.outbox.push(msg);
        if self.outbox.dropped > before {
            let n = self.outbox.dropped;
            self.error("outbox full: oldest events dropped", JsValue::from(n));
        }
        if !self.consent.analytics {
            return;
        }
        self.save_outbox();
        if self.outbox.len() >= BATCH_COUNT && self.backoff_ms == 0 {
            self.schedule_flush(0);
        } else {
            self.schedule_flush(FLUSH_DELAY_MS);
        }
    }

    /// `track(event, properties)`.
    pub fn track(&mut self, name: &str, properties: Value) {
        let event = self.record(EventKind::Track, name, properties);
        self.decide_and_show(&Trigger::Event {
            name: event.name,
            properties: event.properties,
        });
    }

    /// `page(name?, properties?)`: a page view, then a decision on it.
    pub fn track_page(&mut self, name: &str, properties: Value) {
        let previous = std::mem::take(&mut self.page.url);
        let mut page = page::current_page();
        if !previous.is_empty() && page::url_key(&previous) != page::url_key(&page.url) {
            // An SPA navigation: the referrer is the previous route.
            page.referrer = previous;
        }
        self.page = page;
        self.last_url = page::url_key(&self.page.url).to_owned();
        self.record(EventKind::Page, name, properties);
        self.page_decided = false;
        if self.engine.is_some() {
            self.decide_and_show(&Trigger::PageView);
        }
    }

    fn on_route_change(&mut self) {
        let url = web_sys::window()
            .and_then(|w| w.location().href().ok())
            .unwrap_or_default();
        if page::url_key(&url) != self.last_url {
            self.track_page("", Value::object());
        }
    }

    /// `identify(userId, traits)`: a different user than before starts a
    /// new anonymous identity.
    pub fn identify(&mut self, user_id: &str, traits: Value) {
        let now = js_sys::Date::now();
        let map = match &traits {
            Value::Object(m) => m.clone(),
            _ => Map::new(),
        };
        if self.visitor.profile.identify(user_id, &map, now) {
            self.close_popin();
            self.visitor = Visitor::new(ids::uuid_v4(), now);
            self.visitor.profile.identify(user_id, &map, now);
        }
        let msg = message::build(
            "identify",
            "",
            &Value::Object(map),
            now,
            &self.msg_context(),
        );
        self.enqueue(msg);
        self.save_visitor();
    }

    /// `reset()`: a new anonymous visitor (logout).
    pub fn reset(&mut self) {
        self.close_popin();
        self.visitor = Visitor::new(ids::uuid_v4(), js_sys::Date::now());
        self.save_visitor();
    }

    /// `forget()`: erases everything local and returns the request body for
    /// the backend's erasure endpoint.
    pub fn forget(&mut self) -> (String, String) {
        let mut body = Map::new();
        body.insert("writeKey".into(), self.cfg.write_key.as_str().into());
        body.insert(
            "anonymousId".into(),
            self.visitor.profile.anonymous_id.as_str().into(),
        );
        if let Some(u) = &self.visitor.profile.user_id {
            body.insert("userId".into(), u.as_str().into());
        }
        self.close_popin();
        self.flush_timer = None;
        self.outbox.clear();
        self.store.clear_all();
        self.visitor = Visitor::new(ids::uuid_v4(), js_sys::Date::now());
        if self.consent.may_store() && self.cfg.consent_required {
            let _ = self.store.set(keys::CONSENT, self.consent.code());
        }
        (
            [&self.cfg.endpoint, "/v1/forget"].concat(),
            convert::value_to_json(&Value::Object(body)),
        )
    }

    /// `consent(state)`.
    pub fn set_consent(&mut self, c: Consent) {
        let before = self.consent;
        self.consent = c;
        if !c.may_store() {
            self.store.clear_all();
        } else {
            if self.cfg.consent_required {
                let _ = self.store.set(keys::CONSENT, c.code());
            }
            self.save_visitor();
        }
        if c.analytics {
            if !before.analytics {
                // Keep what was recorded meanwhile, plus anything stored.
                let memory = std::mem::take(&mut self.outbox);
                self.outbox_in_sync = true;
                self.sync_outbox();
                self.outbox.merge(&memory);
                self.save_outbox();
            }
            self.schedule_flush(0);
        } else {
            self.outbox.clear();
            self.store.remove(keys::OUTBOX);
            self.flush_timer = None;
        }
        if !c.personalisation {
            self.close_popin();
        } else if !before.personalisation && self.engine.is_some() {
            self.decide_and_show(&Trigger::PageView);
        }
    }

    // ----- storage -----

    fn save_visitor(&mut self) {
        if !self.consent.may_store() {
            return;
        }
        let json = convert::value_to_json(&self.visitor.to_value());
        if let Err(e) = self.store.set(keys::VISITOR, &json) {
            if e == crate::storage::StoreError::Quota {
                self.error("storage full: profile kept in memory only", JsValue::NULL);
            }
        }
    }

    /// Reloads the outbox from storage (other tabs may have changed it),
    /// unless the last write failed (memory is then ahead of storage).
    fn sync_outbox(&mut self) {
        if !self.outbox_in_sync || !self.store.is_available() {
            return;
        }
        let dropped = self.outbox.dropped;
        self.outbox = self
            .store
            .get(keys::OUTBOX)
            .and_then(|t| {
                let o = Outbox::from_json(&t);
                if o.is_none() {
                    log::warn("corrupted outbox in storage, discarded", &JsValue::NULL);
                }
                o
            })
            .unwrap_or_default();
        self.outbox.dropped = dropped;
    }

    /// Writes the outbox. When the quota is full, stores the newest half
    /// (repeatedly) and keeps everything in memory.
    fn save_outbox(&mut self) {
        let mut keep = self.outbox.clone();
        loop {
            match self.store.set(keys::OUTBOX, &keep.to_json()) {
                Ok(()) => {
                    self.outbox_in_sync = keep.len() == self.outbox.len();
                    return;
                }
                Err(crate::storage::StoreError::Quota) if keep.len() > 1 => {
                    let n = keep.len() / 2;
                    for _ in 0..n {
                        keep.drop_oldest();
                    }
                }
                Err(_) => {
                    self.outbox_in_sync = false;
                    return;
                }
            }
        }
    }

    fn load_cached_rules(&mut self) {
        let Some(cached) = self.store.get_json(keys::RULES) else {
            return;
        };
        let rules = convert::to_value(&convert::get(&cached, "rules"));
        match Engine::from_rules(&rules, &JsRegexCompiler) {
            Ok(engine) => {
                self.engine = Some(engine);
                self.rules_source = RulesSource::Cached;
            }
            Err(_) => {
                log::warn("cached rules invalid, discarded", &JsValue::NULL);
                self.store.remove(keys::RULES);
            }
        }
    }

    fn cached_etag(&self) -> Option<String> {
        if self.engine.is_none() || !self.consent.may_store() {
            return None;
        }
        self.store
            .get_json(keys::RULES)
            .and_then(|c| convert::get_str(&c, "etag"))
    }

    // ----- rules -----

    fn rules_request(&self) -> (String, Option<String>) {
        let key = js_sys::encode_uri_component(&self.cfg.write_key);
        let url = [
            &self.cfg.endpoint,
            "/v1/rules?writeKey=",
            &String::from(key),
        ]
        .concat();
        (url, self.cached_etag())
    }

    fn on_rules(&mut self, res: Result<transport::RulesResponse, JsValue>) {
        match res {
            Ok(r) if r.status == 200 => {
                let doc = convert::to_value(&r.body);
                match Engine::from_rules(&doc, &JsRegexCompiler) {
                    Ok(engine) => {
                        for w in engine.warnings() {
                            log::warn(&w.path, &JsValue::from_str(&w.message));
                        }
                        self.engine = Some(engine);
                        self.rules_source = RulesSource::Network;
                        if self.consent.may_store() {
                            let cached = obj(&[
                                ("etag", r.etag.map_or(JsValue::NULL, |e| e.into())),
                                ("rules", r.body),
                            ]);
                            if let Some(text) = convert::stringify(&cached) {
                                let _ = self.store.set(keys::RULES, &text);
                            }
                        }
                    }
                    Err(errors) => {
                        let list: Array = errors
                            .iter()
                            .map(|e| {
                                obj(&[
                                    ("path", e.path.as_str().into()),
                                    ("message", e.message.as_str().into()),
                                ])
                            })
                            .collect();
                        self.error(
                            "invalid rules rejected; keeping the last good rules",
                            list.into(),
                        );
                    }
                }
            }
            Ok(r) if r.status == 304 => {}
            Ok(r) => self.error(
                "rules fetch failed with HTTP status",
                JsValue::from(r.status),
            ),
            Err(e) => self.error("rules fetch failed", e),
        }
        self.rules_loaded();
    }

    fn rules_loaded(&mut self) {
        if !self.page_decided && self.engine.is_some() && self.cfg.auto_page {
            self.decide_and_show(&Trigger::PageView);
        }
        if let Some(resolve) = self.ready_resolve.take() {
            let source = match self.rules_source {
                RulesSource::None => "none",
                RulesSource::Cached => "cached",
                RulesSource::Network => "network",
            };
            let version = self
                .engine
                .as_ref()
                .map_or(JsValue::NULL, |e| e.version().into());
            let state = obj(&[("rules", source.into()), ("version", version)]);
            let _ = resolve.call1(&JsValue::UNDEFINED, &state);
        }
    }

    // ----- deciding and showing -----

    /// `decide(placement?)`: the decisions now, nothing recorded or shown.
    pub fn decisions(&self, placement: Option<&str>) -> Vec<Decision> {
        let Some(engine) = &self.engine else {
            return Vec::new();
        };
        if !self.consent.personalisation {
            return Vec::new();
        }
        let mut ds = engine.decide(&self.visitor, &self.env(), &Trigger::PageView);
        if let Some(p) = placement {
            ds.retain(|d| d.placement == p);
        }
        ds
    }

    /// `explain()`: why each campaign would or would not show on this page.
    pub fn explain(&self) -> JsValue {
        let Some(engine) = &self.engine else {
            return Array::new().into();
        };
        let list = engine.explain(&self.visitor, &self.env(), &Trigger::PageView);
        list.iter()
            .map(|x| convert::to_js(&x.to_value()))
            .collect::<Array>()
            .into()
    }

    /// `profile()`: the visitor as a plain object.
    pub fn profile(&self) -> JsValue {
        convert::to_js(&self.visitor.to_value())
    }

    /// Decides on `trigger`, shows what the decision says, records exposures.
    pub fn decide_and_show(&mut self, trigger: &Trigger) {
        if *trigger == Trigger::PageView {
            self.page_decided = true;
        }
        if !self.consent.personalisation {
            return;
        }
        let Some(engine) = &self.engine else { return };
        let decisions = engine.decide(&self.visitor, &self.env(), trigger);
        for d in decisions {
            self.emit("decision", convert::to_js(&d.to_value()));
            if d.holdout {
                let props = Value::from_pairs([
                    ("experiment_id", d.campaign_id.as_str().into()),
                    ("variation_id", "holdout".into()),
                ]);
                self.record(EventKind::Track, "Experiment Viewed", props);
            } else if d.placement == "popin" || d.placement == "banner" {
                self.show(&d);
            }
        }
    }

    fn show(&mut self, d: &Decision) {
        let host_busy = web_sys::window()
            .and_then(|w| w.document())
            .is_none_or(|doc| render::host_modal_open(&doc));
        if self.popin.is_some() || host_busy {
            return;
        }
        match render::show(d, on_outcome) {
            Ok(p) => {
                self.popin = Some(p);
                let props = Value::from_pairs([
                    ("promotion_id", d.campaign_id.as_str().into()),
                    ("creative", d.variant_id.as_str().into()),
                    ("name", d.content.get_dotted("title").clone()),
                    ("placement", d.placement.as_str().into()),
                ]);
                self.record(EventKind::Track, "Promotion Viewed", props);
                self.emit("shown", outcome_data(&d.campaign_id, &d.variant_id));
            }
            Err(e) => self.error("could not render the pop-in", e),
        }
    }

    fn popin_outcome(&mut self, outcome: Outcome) {
        let Some(p) = self.popin.take() else { return };
        let (event, emitted) = match outcome {
            Outcome::Clicked => ("Promotion Clicked", "clicked"),
            Outcome::Dismissed => ("Promotion Dismissed", "dismissed"),
        };
        let props = Value::from_pairs([
            ("promotion_id", p.campaign_id.as_str().into()),
            ("creative", p.variant_id.as_str().into()),
        ]);
        self.record(EventKind::Track, event, props);
        self.emit(emitted, outcome_data(&p.campaign_id, &p.variant_id));
        drop(p);
    }

    fn close_popin(&mut self) {
        self.popin = None;
    }

    /// Whether a pop-in is on screen.
    pub fn popin_open(&self) -> bool {
        self.popin.is_some()
    }

    // ----- sending -----

    fn schedule_flush(&mut self, ms: i32) {
        if !self.consent.analytics || (self.flush_timer.is_some() && ms > 0) {
            return;
        }
        self.flush_timer = Timeout::new(ms, || {
            with_sdk(|s| s.flush_timer = None);
            wasm_bindgen_futures::spawn_local(flush());
        });
    }

    fn take_lease(&self) -> bool {
        let now = js_sys::Date::now();
        if let Some(lease) = self.store.get(keys::LEASE) {
            let mut parts = lease.split('|');
            let (owner, until) = (
                parts.next().unwrap_or_default(),
                parts.next().unwrap_or_default(),
            );
            let until = parcours_engine::value::string_to_number(until);
            if owner != self.tab_id && until > now {
                return false;
            }
        }
        let mine = [
            self.tab_id.as_str(),
            "|",
            &parcours_engine::value::number_to_string((now + LEASE_MS).floor()),
        ]
        .concat();
        let _ = self.store.set(keys::LEASE, &mine);
        true
    }

    fn begin_flush(&mut self) -> Option<(String, String, Vec<String>)> {
        if self.in_flight || !self.consent.analytics || self.cfg.endpoint.is_empty() {
            return None;
        }
        self.sync_outbox();
        if self.outbox.is_empty() {
            return None;
        }
        if !self.take_lease() {
            // Another tab flushes the shared outbox; look again later.
            self.schedule_flush(LEASE_MS as i32);
            return None;
        }
        let msgs = self
            .outbox
            .front(BATCH_COUNT, transport::KEEPALIVE_MAX - 200);
        let ids = msgs.iter().map(|m| m.id.clone()).collect();
        let body = transport::batch_body(&self.cfg.write_key, msgs.into_iter());
        self.in_flight = true;
        Some(([&self.cfg.endpoint, "/v1/batch"].concat(), body, ids))
    }

    fn end_flush(&mut self, ids: &[String], result: Result<u16, JsValue>) {
        self.in_flight = false;
        match result {
            Ok(status) if (200..300).contains(&status) => {
                self.backoff_ms = 0;
                self.sync_outbox();
                self.outbox.remove_ids(ids);
                self.save_outbox();
                if !self.outbox.is_empty() {
                    self.schedule_flush(0);
                }
            }
            Ok(status) if (400..500).contains(&status) && status != 408 && status != 429 => {
                // The server will never accept these: drop them rather than retry forever.
                self.sync_outbox();
                self.outbox.remove_ids(ids);
                self.save_outbox();
                self.error(
                    "batch rejected by the server; events dropped",
                    JsValue::from(status),
                );
            }
            other => {
                self.backoff_ms = (self.backoff_ms * 2).clamp(FLUSH_DELAY_MS, MAX_BACKOFF_MS);
                if let Err(e) = &other {
                    log::warn("batch send failed; will retry", e);
                }
                self.flush_timer = None;
                let delay = self.backoff_ms;
                self.schedule_flush(delay);
            }
        }
    }

    /// Page hidden or unloading: a best-effort beacon of everything pending,
    /// in chunks under 60 KB. The events stay in the outbox until a fetch is
    /// acknowledged (the server drops duplicates by `messageId`).
    fn on_page_hidden(&mut self) {
        if !self.consent.analytics || self.cfg.endpoint.is_empty() {
            return;
        }
        self.sync_outbox();
        if self.outbox.is_empty() {
            return;
        }
        let url = [&self.cfg.endpoint, "/v1/batch"].concat();
        let msgs: Vec<&Msg> = self.outbox.iter().collect();
        for body in transport::chunked_bodies(&self.cfg.write_key, &msgs, transport::KEEPALIVE_MAX)
        {
            if !transport::beacon(&url, &body) {
                break;
            }
        }
    }
}

fn outcome_data(campaign: &str, variant: &str) -> JsValue {
    obj(&[
        ("campaign_id", campaign.into()),
        ("variant_id", variant.into()),
    ])
}

fn on_outcome(o: Outcome) {
    with_sdk_or_defer(move |s| s.popin_outcome(o));
}

async fn flush() {
    let Some(Some((url, body, ids))) = with_sdk(Sdk::begin_flush) else {
        return;
    };
    let result = transport::post_json(&url, &body, true).await;
    with_sdk(|s| s.end_flush(&ids, result));
}

async fn fetch_rules() {
    let Some((url, etag)) = with_sdk(|s| s.rules_request()) else {
        return;
    };
    let res = transport::get_rules(&url, etag.as_deref()).await;
    with_sdk(|s| s.on_rules(res));
}

/// `forget()`'s network half: best-effort `POST {endpoint}/v1/forget`.
pub async fn post_forget(url: String, body: String) -> bool {
    matches!(transport::post_json(&url, &body, true).await, Ok(s) if (200..300).contains(&s))
}

/// Used by `Api::decide`: decisions as plain objects.
pub fn decisions_js(ds: &[Decision]) -> JsValue {
    ds.iter()
        .map(|d| convert::to_js(&d.to_value()))
        .collect::<Array>()
        .into()
}

/// The window's `parcours` global.
pub fn global_queue() -> JsValue {
    web_sys::window()
        .map(|w| js_sys::Reflect::get(&w, &"parcours".into()).unwrap_or_default())
        .unwrap_or_default()
}

/// Sets the window's `parcours` global.
pub fn set_global(v: &JsValue) {
    if let Some(w) = web_sys::window() {
        let _ = js_sys::Reflect::set(&w, &"parcours".into(), v);
    }
}

/// Whether `f` is a function.
pub fn as_function(f: &JsValue) -> Option<Function> {
    f.dyn_ref::<Function>().cloned()
}

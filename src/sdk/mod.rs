//! The running SDK: one visitor, the engine on the current rules, the
//! outbox, the pop-in on screen, and the listeners. Every entry point (API
//! call, timer, DOM event, network completion) goes through [`with_sdk`],
//! which never holds the state while calling the host's code.

mod config;
mod events;
mod flush;
mod identity;
mod moments;
mod persist;
mod record;
mod rules;
mod show;
mod slot;

pub use config::{Config, RulesSource};
pub use identity::post_forget;
pub use record::IntoDerived;
use rules::fetch_rules;
pub use show::decisions_js;

use crate::consent::Consent;
use crate::handles::{Listener, Timeout};
use crate::outbox::Outbox;
use crate::render::Popin;
use crate::storage::Store;
use crate::{convert, ids, log, page};
use js_sys::{Function, Promise};
use parcours_engine::context::Page;
use parcours_engine::value::{Map, Value};
use parcours_engine::{Engine, Visitor};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// At most this many messages per batch.
pub const BATCH_COUNT: usize = 20;
/// Debounce before a flush.
pub const FLUSH_DELAY_MS: i32 = 1000;
/// Longest retry delay.
pub const MAX_BACKOFF_MS: i32 = 60_000;

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

/// The SDK state.
pub struct Sdk {
    cfg: Config,
    store: Store,
    consent: Consent,
    /// The visitor: profile and exposures.
    pub visitor: Visitor,
    /// Another tab saved the visitor since we last read it.
    visitor_stale: bool,
    /// The visitor changed and is saved when the current entry point ends.
    visitor_dirty: bool,
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
    slots: Vec<Popin>,
    listeners: Vec<(String, Function)>,
    pending_emits: Vec<(&'static str, JsValue)>,
    ready: Promise,
    ready_resolve: Option<Function>,
    flush_timer: Option<Timeout>,
    in_flight: bool,
    backoff_ms: i32,
    tab_id: String,
    _routes: Option<page::RouteWatch>,
    triggers: Option<crate::triggers::Watch>,
    _lifecycle: Vec<Listener>,
}

thread_local! {
    static SDK: RefCell<Option<Sdk>> = const { RefCell::new(None) };
    static DEFERRED: RefCell<Vec<Box<dyn FnOnce()>>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` on the SDK state (reading back a visitor another tab saved, and
/// saving ours once at the end if it changed), then dispatches the events it emitted to the
/// host's listeners (with the state released). `None` when the SDK is not
/// started, or busy (re-entered from a host callback: then `retry` is queued
/// and run as soon as the state is free).
pub fn with_sdk<R>(f: impl FnOnce(&mut Sdk) -> R) -> Option<R> {
    let r = SDK.with(|cell| {
        let mut guard = cell.try_borrow_mut().ok()?;
        let sdk = guard.as_mut()?;
        sdk.refresh_visitor();
        let r = f(sdk);
        // One save per entry point, however many events it recorded.
        if std::mem::take(&mut sdk.visitor_dirty) {
            sdk.save_visitor();
        }
        Some(r)
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
            visitor_stale: false,
            visitor_dirty: false,
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
            slots: Vec::new(),
            listeners: Vec::new(),
            pending_emits: Vec::new(),
            ready,
            ready_resolve: resolve,
            flush_timer: None,
            in_flight: false,
            backoff_ms: 0,
            tab_id: ids::uuid_v4(),
            _routes: None,
            triggers: None,
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

    /// Hooks `pagehide` / `visibilitychange` (beacon), `storage` (another
    /// tab saved the visitor) and, with `auto_page`, SPA route changes and
    /// restores from the back-forward cache.
    pub fn hook_page(&mut self) {
        let Some(w) = web_sys::window() else { return };
        let visitor_key = [crate::storage::PREFIX, keys::VISITOR].concat();
        self._lifecycle
            .push(Listener::new(&w, "storage", false, move |e| {
                let key = js_sys::Reflect::get(&e, &"key".into())
                    .ok()
                    .and_then(|k| k.as_string());
                // `null` key: another tab cleared the storage.
                if key.as_deref().is_none_or(|k| k == visitor_key) {
                    with_sdk(|s| s.visitor_stale = true);
                }
            }));
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
            self._routes =
                page::RouteWatch::new(|nav| with_sdk_or_defer(move |s| s.on_route_change(nav)));
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

//! The running SDK: one visitor, the engine on the current rules, and its
//! owned parts — [`Delivery`] (outbox, flush timer, backoff, locks),
//! [`Screen`] (pop-in, banner, slots) and [`Host`] (listeners, emits,
//! `ready`). Every entry point (API call, timer, DOM event, network
//! completion) goes through [`with_sdk`], which never holds the state while
//! calling the host's code.
//!
//! The host hears of changes through `on(name, fn)`: besides decisions and
//! outcomes, `rules` when the engine runs new rules (from the network, or
//! stored by another tab) and `profile` when who the visitor is or what they
//! allow changed (`identify`, `alias`, `reset`, `forget`, `consent`, or the
//! same in another tab), so that flag answers ([`Sdk::flag`]) can be asked again.
//!
//! Consent is enforced at two seams: the [`Store`]'s gate (nothing is read
//! or written before consent to store) and [`Delivery::enabled`] (nothing
//! is sent before consent to analytics); personalisation is checked where
//! decisions are made.

mod answers;
mod config;
mod debug;
mod flag;
mod host;
mod identity;
pub mod links;
mod moments;
mod preview;
mod record;
mod remote;
mod rules;
mod screen;
mod show;
mod signals;
mod slot;
mod visitor;

pub use answers::form_answered;
pub use config::{Config, RulesSource};
pub use host::{obj, Host};
pub use record::IntoDerived;
pub use rules::RulesText;
pub use screen::Screen;
pub use show::decisions_js;

use crate::consent::Consent;
use crate::delivery::{self, Delivery};
use crate::handles::{Listener, Timeout};
use crate::journal::Journal;
use crate::storage::Store;
use crate::{ids, log, page};
use js_sys::{Function, Promise};
use parcours_engine::env::Page;
use parcours_engine::value::{Map, Value};
use parcours_engine::{Engine, Visitor};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Storage keys (under the `parcours:` prefix) besides the journal
/// (`j:…`), the outbox (`o:…`) and heartbeats (`hb:…`).
pub mod keys {
    /// The last good rules and their ETag: `{etag, rules}`.
    pub const RULES: &str = "rules";
    /// The consent given (`a`, `p`, `ap`).
    pub const CONSENT: &str = "consent";
    /// The user token of `identify(userId, traits, { token })`: `{userId, token}`.
    pub const USER_TOKEN: &str = "user_token";
}

/// The SDK state.
pub struct Sdk {
    cfg: Config,
    store: Store,
    consent: Consent,
    /// The visitor: profile and exposures.
    pub visitor: Visitor,
    journal: Journal,
    engine: Option<Engine>,
    /// The text of the rules the engine was built from (for the tools
    /// module's `explain`, and the cache).
    rules_doc: RulesText,
    rules_source: RulesSource,
    /// The `ETag` of those rules, when the server sent one: another tab
    /// storing the same rules is no change.
    rules_etag: Option<String>,
    /// Sending the events.
    pub delivery: Delivery,
    /// What is on screen.
    pub screen: Screen,
    /// The host page's listeners and `ready()`.
    pub host: Host,
    page: Page,
    utm: Map,
    /// The landing page's channel (the engine's classifier), until a session has one.
    channel: &'static str,
    signals: signals::Signals,
    user_agent: String,
    locale: String,
    page_decided: bool,
    /// The rules are as final as this page gets them (fetched, or the fetch
    /// answered or failed): a preview waits for them.
    rules_settled: bool,
    /// Stored events were applied with no rules to run them (no cached
    /// rules yet): once rules arrive the visitor is read again with them,
    /// so campaign state (impressions, dismissals) is not lost.
    replayed_bare: bool,
    /// Preview and debug links, for the tab's session.
    links: links::Links,
    /// `(userId, token)` from `identify(…, { token })`, for `forget()`.
    user_token: Option<(String, String)>,
    compact_timer: Option<Timeout>,
    _routes: Option<page::RouteWatch>,
    triggers: Option<crate::triggers::Watch>,
    _lifecycle: Vec<Listener>,
}

thread_local! {
    static SDK: RefCell<Option<Sdk>> = const { RefCell::new(None) };
    static DEFERRED: RefCell<Vec<Box<dyn FnOnce()>>> = const { RefCell::new(Vec::new()) };
}

/// Runs `f` on the SDK state, then dispatches the events it emitted to the
/// host's listeners (with the state released). `None` when the SDK is not
/// started, or busy (re-entered from a host callback).
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
            guard.as_mut()?.host.take_pending()
        });
        let Some((events, listeners)) = taken else {
            break;
        };
        host::dispatch(events, &listeners);
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

impl Sdk {
    /// Builds the SDK: reads consent, the cached rules, the visitor (its
    /// snapshot and journal) and any outbox left by an older version.
    pub fn new(mut cfg: Config, store: Store) -> Sdk {
        log::set_debug(cfg.debug);
        let gpc = crate::consent::global_privacy_control();
        // Global Privacy Control: as if consent were required (see `consent`).
        cfg.consent_required |= gpc;
        let stored = cfg
            .consent_required
            .then(|| store.get(keys::CONSENT).map(|c| Consent::from_code(&c)))
            .flatten();
        let mut gtag = cfg
            .consent_gtag
            .then(|| crate::consent::GtagConsent::new(stored, gpc));
        let consent = match &mut gtag {
            Some(g) => crate::datalayer::consent_at_start(g),
            None if cfg.consent_required => stored.unwrap_or(Consent::NONE),
            None => Consent::GRANTED,
        };
        store.gate().set(consent.may_store());
        let now = js_sys::Date::now();
        let writer = ids::short_id();
        let page = page::current_page();
        let links = links::Links::new(store.gate(), &page.query);
        log::set_debug(cfg.debug || links.debug);
        let utm = page::utm(&page.query);
        let channel = parcours_engine::session::Source::detect(&page).channel;
        let nav = web_sys::window().map(|w| w.navigator());
        let mut sdk = Sdk {
            journal: Journal::new(store.clone(), writer.clone()),
            delivery: Delivery::new(
                store.clone(),
                writer,
                &cfg.endpoint,
                &cfg.write_key,
                consent.analytics,
            ),
            store,
            consent,
            visitor: Visitor::new(String::new(), now),
            engine: None,
            rules_doc: RulesText::None,
            rules_source: RulesSource::None,
            rules_etag: None,
            screen: Screen::default(),
            host: Host::new(),
            page,
            utm,
            channel,
            signals: signals::Signals {
                gtag,
                ..Default::default()
            },
            user_agent: nav
                .as_ref()
                .and_then(|n| n.user_agent().ok())
                .unwrap_or_default(),
            locale: nav.and_then(|n| n.language()).unwrap_or_default(),
            page_decided: false,
            rules_settled: false,
            replayed_bare: false,
            links,
            user_token: None,
            compact_timer: None,
            _routes: None,
            triggers: None,
            _lifecycle: Vec::new(),
            cfg,
        };
        sdk.load_cached_rules();
        // Read before a new visitor's id would be written there.
        let shared = sdk.cookie_id();
        sdk.load_visitor();
        sdk.adopt_cookie(true, shared);
        sdk.delivery.migrate_legacy(&mut sdk.host);
        sdk
    }

    /// Hooks `pagehide` / `visibilitychange` (the send when hidden),
    /// `pageshow` (back from the back-forward cache), `storage` (another
    /// tab's changes) and, with `auto_page`, SPA route changes (restores
    /// from the back-forward cache included).
    pub fn hook_page(&mut self) {
        let Some(w) = web_sys::window() else { return };
        self._lifecycle
            .push(Listener::new(&w, "storage", false, move |e| {
                let e: &web_sys::StorageEvent = e.unchecked_ref();
                let (key, value) = (e.key(), e.new_value());
                with_sdk_or_defer(move |s| s.on_storage(key.as_deref(), value.as_deref()));
            }));
        self._lifecycle
            .push(Listener::new(&w, "pagehide", false, |e| {
                let persisted = js_sys::Reflect::get(&e, &"persisted".into())
                    .ok()
                    .and_then(|p| p.as_bool())
                    .unwrap_or(false);
                with_sdk(|s| s.delivery.on_unload());
                if persisted {
                    delivery::suspend();
                }
            }));
        self._lifecycle
            .push(Listener::new(&w, "pageshow", false, |e| {
                let persisted = js_sys::Reflect::get(&e, &"persisted".into())
                    .ok()
                    .and_then(|p| p.as_bool())
                    .unwrap_or(false);
                if persisted {
                    with_sdk(|s| {
                        s.delivery.on_visible();
                        // Storage events are not delivered in the back-forward cache.
                        s.reload_visitor();
                    });
                    delivery::resume();
                }
            }));
        self._lifecycle
            .push(Listener::new(&w, "online", false, |_| {
                with_sdk(|s| s.delivery.on_online());
            }));
        if let Some(doc) = w.document() {
            let d = doc.clone();
            self._lifecycle
                .push(Listener::new(&doc, "visibilitychange", false, move |_| {
                    if d.visibility_state() == web_sys::VisibilityState::Hidden {
                        with_sdk(|s| s.delivery.on_hidden());
                    } else {
                        with_sdk(|s| s.delivery.on_visible());
                    }
                }));
        }
        if self.cfg.auto_page {
            self._routes = page::RouteWatch::new(|_| with_sdk_or_defer(Sdk::on_route_change));
        }
    }

    /// Starts: the first page view (with `auto_page`), delivery (tab lock,
    /// queues left by closed tabs, what a previous page left), and the rules fetch.
    pub fn begin(&mut self) {
        if self.cfg.auto_page {
            self.track_page("", Value::object());
        }
        self.hook_signals();
        delivery::start();
        self.delivery.schedule(delivery::FLUSH_DELAY_MS);
        self.join_remote_profile();
        if !self.start_rules_fetch() {
            self.rules_loaded();
        }
    }

    /// The `ready()` promise.
    pub fn ready(&self) -> Promise {
        self.host.ready()
    }

    /// Logs (debug) and emits an `error` event.
    pub fn error(&mut self, message: &str, detail: JsValue) {
        self.host.error(message, detail);
    }

    /// Emits `name` to the `on(name, fn)` listeners (after the current call).
    pub fn emit(&mut self, name: &'static str, data: JsValue) {
        self.host.emit(name, data);
    }

    /// Emits `profile` `{change}`: who the visitor is, their traits or
    /// consent changed (`identify`, `alias`, `reset`, `forget`, `consent`,
    /// `visitor` or `erased` for another tab's switch or erasure, `remote`
    /// when the signed profile brought other channels' events), so flag
    /// answers may differ.
    pub(super) fn profile_changed(&mut self, change: &'static str) {
        self.emit("profile", obj(&[("change", change.into())]));
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

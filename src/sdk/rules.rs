//! The rules: the cached copy at start, the fetch and its revalidation
//! (`ETag`), new rules another tab stored, and what happens once they are
//! loaded. Each new engine after start emits `rules` `{rules, version}`.
//!
//! With a draft link (`?parcours_draft=<token>`, opened from the studio)
//! the tab runs the studio's unpublished rules instead, from `GET
//! /v1/rules/draft`: never the cached published ones, never cached for
//! other tabs, every message flagged `context.preview`. An expired or
//! unknown token ends the draft (a console warning) and the published rules
//! come back.

use super::{keys, obj, with_sdk, RulesSource, Sdk};
use crate::regex::JsRegexCompiler;
use crate::{convert, json, log, rule_errors, transport};
use parcours_engine::value::Value;
use parcours_engine::{Engine, Trigger};
use wasm_bindgen::prelude::*;

/// The running rules' JSON text, kept as the page's string (in its heap,
/// not the wasm's: a large document as a tree of values took the track
/// benchmark's wasm memory from 3.6 to 4.0 MiB).
#[derive(Debug, Clone, Default)]
pub enum RulesText {
    /// No rules.
    #[default]
    None,
    /// The document itself, as fetched.
    Document(JsValue),
    /// The cache entry holding it (`{"etag", "rules"}`).
    CacheEntry(JsValue),
}

impl RulesText {
    /// The document as a JS object (parsed now: debugging and `explain` only).
    pub fn to_js(&self) -> JsValue {
        let parse = |t: &JsValue| t.as_string().and_then(|t| convert::parse_json(&t));
        match self {
            RulesText::None => JsValue::NULL,
            RulesText::Document(t) => parse(t).unwrap_or(JsValue::NULL),
            RulesText::CacheEntry(t) => {
                parse(t).map_or(JsValue::NULL, |e| convert::get(&e, "rules"))
            }
        }
    }
}

impl Sdk {
    /// Runs the stored rules, unless they are the ones running (same
    /// `ETag`). Whether the engine changed.
    pub(super) fn load_cached_rules(&mut self) -> bool {
        if self.links.draft.is_some() {
            return false; // the draft stands in for the published rules
        }
        let Some(text) = self.store.get(keys::RULES) else {
            return false;
        };
        let Ok(mut cached) = parcours_engine::json::parse(&text) else {
            self.store.discard_corrupted(keys::RULES);
            return false;
        };
        let etag = cached
            .get("etag")
            .and_then(Value::as_str)
            .map(str::to_owned);
        if self.engine.is_some() && etag.is_some() && etag == self.rules_etag {
            return false;
        }
        let doc = cached
            .as_object_mut()
            .and_then(|m| m.remove("rules"))
            .unwrap_or_default();
        match Engine::from_rules(&doc, &JsRegexCompiler) {
            Ok(engine) => {
                self.engine = Some(engine);
                self.rules_doc = RulesText::CacheEntry(text.as_str().into());
                self.rules_source = RulesSource::Cached;
                self.rules_etag = etag;
                self.replay_with_rules();
                true
            }
            Err(_) => {
                log::warn("cached rules invalid, discarded", &JsValue::NULL);
                self.store.remove(keys::RULES);
                false
            }
        }
    }

    /// Another tab stored new rules (its fetch brought them): this tab runs
    /// them too, and says so.
    pub(super) fn on_cached_rules(&mut self) {
        if self.load_cached_rules() {
            self.watch_triggers();
            self.emit("rules", self.rules_state());
        }
    }

    /// The `ETag` of the published rules running, to revalidate them.
    fn running_etag(&self) -> Option<String> {
        self.engine.as_ref()?;
        let draft = matches!(self.rules_source, RulesSource::Draft);
        self.rules_etag.clone().filter(|_| !draft)
    }

    // ----- rules -----

    fn rules_request(&self) -> (String, Option<String>) {
        let key = String::from(js_sys::encode_uri_component(&self.cfg.write_key));
        if let Some(token) = &self.links.draft {
            let token = String::from(js_sys::encode_uri_component(token));
            let url = [
                &self.cfg.endpoint,
                "/v1/rules/draft?writeKey=",
                &key,
                "&token=",
                &token,
            ];
            return (url.concat(), None);
        }
        let url = [&self.cfg.endpoint, "/v1/rules?writeKey=", &key].concat();
        (url, self.running_etag())
    }

    /// The draft link started or ended on this page: the rules it needs are
    /// fetched (the cached published ones run meanwhile when it ended).
    pub(super) fn rules_changed_source(&mut self) {
        if self.links.draft.is_none() {
            self.load_cached_rules();
        } else {
            // Nothing decides on the published rules until the draft is here.
            self.engine = None;
            self.rules_etag = None;
        }
        self.start_rules_fetch();
    }

    /// Starts fetching the rules, if this page fetches them at all.
    pub(super) fn start_rules_fetch(&self) -> bool {
        let fetches = self.cfg.fetch_rules && !self.cfg.endpoint.is_empty();
        if fetches {
            wasm_bindgen_futures::spawn_local(fetch_rules());
        }
        fetches
    }

    /// Takes a rules response: a valid document replaces the engine (and
    /// is cached), anything else keeps the last good rules.
    pub fn on_rules(&mut self, res: Result<transport::RulesResponse, transport::TransportError>) {
        let draft = self.links.draft.is_some();
        if draft && matches!(&res, Ok(r) if r.status == 401) {
            log::warn_always(
                "draft: the link's token is unknown or expired (drafts last an hour); showing the published rules",
                &JsValue::NULL,
            );
            self.links.draft = None;
            self.links.persist();
            self.rules_changed_source();
            return;
        }
        match res {
            Ok(r) if r.status == 200 => {
                let doc = r.body;
                match Engine::from_rules(&doc, &JsRegexCompiler) {
                    Ok(engine) => {
                        for w in engine.warnings() {
                            log::warn(&w.path, &rule_errors::to_js(w));
                        }
                        self.engine = Some(engine);
                        self.rules_doc = RulesText::Document(r.text);
                        self.rules_source = if draft {
                            RulesSource::Draft
                        } else {
                            RulesSource::Network
                        };
                        self.rules_etag = r.etag.clone();
                        self.replay_with_rules();
                        self.emit("rules", self.rules_state());
                        if draft {
                            log::warn_always(
                                "draft: this tab runs unpublished rules",
                                &JsValue::NULL,
                            );
                        }
                        self.cache_rules();
                    }
                    Err(errors) => self.error(
                        "invalid rules rejected; keeping the last good rules",
                        rule_errors::list_js(&errors),
                    ),
                }
            }
            Ok(r) if r.status == 304 => {}
            Ok(r) => self.error(
                "rules fetch failed with HTTP status",
                JsValue::from(r.status),
            ),
            Err(e) => self.error("rules fetch failed", e.detail()),
        }
        self.rules_loaded();
    }

    /// Stores the running rules for the next pages and the other tabs
    /// (never a draft; nothing before consent to store). Also called when
    /// consent is given, so the next page decides at once on cached rules
    /// instead of waiting for the network (and reading its visitor twice,
    /// see [`Sdk::replay_with_rules`]).
    pub(super) fn cache_rules(&self) {
        if !matches!(self.rules_source, RulesSource::Network) {
            return;
        }
        let RulesText::Document(doc) = &self.rules_doc else {
            return;
        };
        // Without the white space the server may have sent (JSON.parse and
        // JSON.stringify in the page: no tree of values in the wasm).
        let Some(compact) = doc
            .as_string()
            .and_then(|d| convert::parse_json(&d))
            .and_then(|d| convert::stringify(&d))
        else {
            return;
        };
        // The ETag first: the loader reads it from the head of the text.
        let mut text = String::new();
        let mut o = json::Obj::open(&mut text);
        match &self.rules_etag {
            Some(etag) => o.str("etag", etag),
            None => o.value("etag", &Value::Null),
        };
        o.key("rules").push_str(&compact);
        o.close();
        let _ = self.store.set(keys::RULES, &text);
    }

    pub(super) fn rules_loaded(&mut self) {
        self.rules_settled = true;
        self.watch_triggers();
        if !self.page_decided && self.engine.is_some() && self.cfg.auto_page {
            self.decide_and_show(&Trigger::PageView);
        }
        let state = self.rules_state();
        self.host.resolve_ready(&state);
    }

    /// `{rules: "none" | "cached" | "network", version}`: what `ready()`
    /// resolves with and the `rules` event carries.
    fn rules_state(&self) -> JsValue {
        let source = match self.rules_source {
            RulesSource::None => "none",
            RulesSource::Cached => "cached",
            RulesSource::Network => "network",
            RulesSource::Draft => "draft",
        };
        let version = self
            .engine
            .as_ref()
            .map_or(JsValue::NULL, |e| e.version().into());
        obj(&[("rules", source.into()), ("version", version)])
    }
}

/// Fetches the rules, or takes the answer to the request the loader sent
/// while the wasm loaded when that asked the same (URL and
/// `If-None-Match`): its round trip overlapped the wasm's fetch and compile.
async fn fetch_rules() {
    let Some((url, etag, early)) = with_sdk(|s| {
        let (url, etag) = s.rules_request();
        let early = s.cfg.rules_prefetch.take();
        let early = early.filter(|p| p.url == url && p.etag == etag);
        (url, etag, early)
    }) else {
        return;
    };
    let res = match early {
        Some(p) => transport::rules_answer(p.response).await,
        None => transport::get_rules(&url, etag.as_deref()).await,
    };
    with_sdk(|s| s.on_rules(res));
}

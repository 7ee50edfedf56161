//! Where the visitor is: page info, UTM campaign, acquisition channel,
//! device, and SPA route changes (`pushState` / `replaceState` / `popstate`).

use crate::handles::Listener;
use parcours_engine::context::{Device, Env, Page};
use parcours_engine::value::{Map, Value};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// The current page, read from `location` and `document`.
pub fn current_page() -> Page {
    let mut page = Page::default();
    let Some(w) = web_sys::window() else {
        return page;
    };
    let loc = w.location();
    page.url = loc.href().unwrap_or_default();
    page.path = loc.pathname().unwrap_or_default();
    page.query = loc
        .search()
        .unwrap_or_default()
        .trim_start_matches('?')
        .to_owned();
    if let Some(d) = w.document() {
        page.title = d.title();
        page.referrer = d.referrer();
    }
    page
}

/// The URL without its fragment: what makes a new page view.
pub fn url_key(url: &str) -> &str {
    url.split('#').next().unwrap_or(url)
}

/// The device: `mobile`, `tablet` or `desktop`, and the browser language.
pub fn device() -> Device {
    let nav = web_sys::window().map(|w| w.navigator());
    let ua = nav
        .as_ref()
        .and_then(|n| n.user_agent().ok())
        .unwrap_or_default();
    let kind = if ua.contains("iPad") || ua.contains("Tablet") {
        "tablet"
    } else if ua.contains("Mobi") || ua.contains("Android") {
        "mobile"
    } else {
        "desktop"
    };
    Device {
        kind: kind.into(),
        language: nav.and_then(|n| n.language()).unwrap_or_default(),
    }
}

/// The environment now: clock, time zone, page, device.
pub fn env(page: &Page) -> Env {
    Env {
        now_ms: js_sys::Date::now(),
        tz_offset_min: -(js_sys::Date::new_0().get_timezone_offset() as i32),
        page: page.clone(),
        device: device(),
    }
}

/// `utm_*` parameters of `query` as Segment's `context.campaign`
/// (`utm_campaign` → `name`).
pub fn utm(query: &str) -> Map {
    let mut out = Map::new();
    let Ok(params) = web_sys::UrlSearchParams::new_with_str(query) else {
        return out;
    };
    for (param, key) in [
        ("utm_campaign", "name"),
        ("utm_source", "source"),
        ("utm_medium", "medium"),
        ("utm_term", "term"),
        ("utm_content", "content"),
    ] {
        if let Some(v) = params.get(param) {
            out.insert(key.into(), Value::String(v));
        }
    }
    out
}

/// The acquisition channel from UTM and referrer: `paid`, `email`,
/// `social`, `search`, `referral`, `internal` or `direct`.
pub fn channel(page: &Page, utm: &Map) -> &'static str {
    let medium = utm
        .get("medium")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_ascii_lowercase();
    if !medium.is_empty() {
        return match medium.as_str() {
            "cpc" | "ppc" | "paid" | "paidsearch" | "display" | "cpm" => "paid",
            "email" | "e-mail" | "newsletter" => "email",
            "social" | "social-network" | "sm" => "social",
            "organic" => "search",
            _ => "referral",
        };
    }
    let host = |url: &str| -> String {
        url.split("://")
            .nth(1)
            .unwrap_or_default()
            .split(['/', '?', '#', ':'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase()
    };
    let from = host(&page.referrer);
    if from.is_empty() {
        return "direct";
    }
    if from == host(&page.url) {
        return "internal";
    }
    const SEARCH: [&str; 6] = [
        "google.",
        "bing.",
        "duckduckgo.",
        "yahoo.",
        "ecosia.",
        "qwant.",
    ];
    const SOCIAL: [&str; 8] = [
        "facebook.",
        "instagram.",
        "t.co",
        "twitter.",
        "x.com",
        "linkedin.",
        "pinterest.",
        "tiktok.",
    ];
    if SEARCH.iter().any(|s| from.contains(s)) {
        "search"
    } else if SOCIAL.iter().any(|s| from.contains(s)) {
        "social"
    } else {
        "referral"
    }
}

/// Our replacement for `pushState` / `replaceState`.
type HistoryWrapper = Closure<dyn FnMut(JsValue, JsValue, JsValue) -> Result<JsValue, JsValue>>;

/// Watches SPA route changes: wraps `history.pushState`/`replaceState` and
/// listens to `popstate`. Dropping it restores the originals (when nobody
/// wrapped them after us) and removes the listener.
#[must_use = "dropping the handle stops watching route changes"]
pub struct RouteWatch {
    history: web_sys::History,
    originals: Vec<(&'static str, js_sys::Function, HistoryWrapper)>,
    _popstate: Listener,
}

impl RouteWatch {
    /// Calls `on_change` after every history change (the callback compares URLs).
    pub fn new(on_change: fn()) -> Option<RouteWatch> {
        let w = web_sys::window()?;
        let history = w.history().ok()?;
        let mut originals = Vec::new();
        for name in ["pushState", "replaceState"] {
            let key = JsValue::from_str(name);
            let Ok(orig) = js_sys::Reflect::get(&history, &key) else {
                continue;
            };
            let Ok(orig) = orig.dyn_into::<js_sys::Function>() else {
                continue;
            };
            let (o, h) = (orig.clone(), history.clone());
            let wrapper =
                Closure::<dyn FnMut(JsValue, JsValue, JsValue) -> Result<JsValue, JsValue>>::new(
                    move |state: JsValue, title: JsValue, url: JsValue| {
                        let r = if url.is_undefined() {
                            o.call2(&h, &state, &title)
                        } else {
                            o.call3(&h, &state, &title, &url)
                        };
                        on_change();
                        r
                    },
                );
            let _ = js_sys::Reflect::set(&history, &key, wrapper.as_ref());
            originals.push((name, orig, wrapper));
        }
        let popstate = Listener::new(&w, "popstate", false, move |_| on_change());
        Some(RouteWatch {
            history,
            originals,
            _popstate: popstate,
        })
    }
}

impl Drop for RouteWatch {
    fn drop(&mut self) {
        for (name, orig, wrapper) in self.originals.drain(..) {
            let key = JsValue::from_str(name);
            let current = js_sys::Reflect::get(&self.history, &key).unwrap_or_default();
            let ours: &JsValue = wrapper.as_ref();
            if &current == ours {
                let _ = js_sys::Reflect::set(&self.history, &key, &orig);
            } else {
                // Someone wrapped our wrapper: it must stay callable.
                wrapper.forget();
            }
        }
    }
}

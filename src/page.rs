//! Where the visitor is: page info, UTM campaign, device (the acquisition
//! channel is the engine's, `parcours_engine::session::Source`), and navigations that are page views: SPA route changes
//! (`pushState` / `replaceState` / `popstate`, hash routes) and pages
//! restored from the back-forward cache.

use crate::handles::Listener;
use parcours_engine::env::{Device, Env, Page};
use parcours_engine::value::{Map, Value};
use std::cell::RefCell;
use std::rc::Rc;
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

/// The URL without its fragment.
pub fn url_key(url: &str) -> &str {
    url.split('#').next().unwrap_or(url)
}

/// The route a URL shows: everything before the fragment, and the fragment
/// when it is a hash route (`#/cart`, `#!/cart`, `#!cart`). An in-page
/// anchor (`#reviews`) is no route; `#`, `#/`, `#!` and `#!/` are the root
/// route, as is no fragment at all.
fn route(url: &str) -> (&str, &str) {
    let (base, fragment) = url.split_once('#').unwrap_or((url, ""));
    let hash_route = match fragment.strip_prefix('!') {
        Some(r) => r,
        None if fragment.starts_with('/') => fragment,
        None => "",
    };
    (base, hash_route.trim_start_matches('/'))
}

/// Whether going from `previous` to `next` (full URLs) is a new page view:
/// the path, the query or the hash route changed. The same URL again (a
/// `replaceState` that only stores state) or a jump to an anchor is not.
///
/// ```
/// use parcours::page::is_new_page_view;
/// assert!(is_new_page_view("https://s.example/a", "https://s.example/b"));
/// assert!(is_new_page_view("https://s.example/#/a", "https://s.example/#/b"));
/// assert!(!is_new_page_view("https://s.example/a", "https://s.example/a#reviews"));
/// ```
pub fn is_new_page_view(previous: &str, next: &str) -> bool {
    route(previous) != route(next)
}

/// The device: `mobile`, `tablet` or `desktop`, and the browser language.
pub fn device() -> Device {
    thread_local! {
        // The user agent and language do not change within a page.
        static DEVICE: Device = read_device();
    }
    DEVICE.with(Device::clone)
}

fn read_device() -> Device {
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

/// A navigation that is a page view, as [`RouteWatch`] reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Navigation {
    /// A new route ([`is_new_page_view`]) after `pushState`, `replaceState`,
    /// `popstate` or `hashchange`.
    Route,
    /// The page came back from the back-forward cache (`pageshow` with
    /// `persisted`): a page view though the URL did not change.
    Restored,
}

/// Our replacement for `pushState` / `replaceState`.
type HistoryWrapper = Closure<dyn FnMut(JsValue, JsValue, JsValue) -> Result<JsValue, JsValue>>;

fn href() -> String {
    web_sys::window()
        .and_then(|w| w.location().href().ok())
        .unwrap_or_default()
}

/// Watches navigations that are page views: wraps `history.pushState` /
/// `replaceState` and listens to `popstate`, `hashchange` and `pageshow`.
/// Dropping it restores the originals (when nobody wrapped them after us)
/// and removes the listeners.
#[must_use = "dropping the handle stops watching route changes"]
pub struct RouteWatch {
    history: web_sys::History,
    originals: Vec<(&'static str, js_sys::Function, HistoryWrapper)>,
    _listeners: [Listener; 3],
}

impl RouteWatch {
    /// Calls `on_page_view` after each navigation that is a page view: a
    /// history or hash change to a new route (the URL last seen is kept
    /// here), or a restore from the back-forward cache.
    pub fn new(on_page_view: fn(Navigation)) -> Option<RouteWatch> {
        let w = web_sys::window()?;
        let history = w.history().ok()?;
        let last = Rc::new(RefCell::new(href()));
        let changed = move || {
            let now = href();
            let new_view = is_new_page_view(&last.borrow(), &now);
            *last.borrow_mut() = now;
            if new_view {
                on_page_view(Navigation::Route);
            }
        };
        let mut originals = Vec::new();
        for name in ["pushState", "replaceState"] {
            let key = JsValue::from_str(name);
            let Ok(orig) = js_sys::Reflect::get(&history, &key) else {
                continue;
            };
            let Ok(orig) = orig.dyn_into::<js_sys::Function>() else {
                continue;
            };
            let (o, h, changed) = (orig.clone(), history.clone(), changed.clone());
            let wrapper =
                Closure::<dyn FnMut(JsValue, JsValue, JsValue) -> Result<JsValue, JsValue>>::new(
                    move |state: JsValue, title: JsValue, url: JsValue| {
                        let r = if url.is_undefined() {
                            o.call2(&h, &state, &title)
                        } else {
                            o.call3(&h, &state, &title, &url)
                        };
                        changed();
                        r
                    },
                );
            let _ = js_sys::Reflect::set(&history, &key, wrapper.as_ref());
            originals.push((name, orig, wrapper));
        }
        let on_pop = changed.clone();
        let listeners = [
            Listener::new(&w, "popstate", false, move |_| on_pop()),
            // A hash change fires `popstate` too: the second one sees no new route.
            Listener::new(&w, "hashchange", false, move |_| changed()),
            Listener::new(&w, "pageshow", false, move |e| {
                let persisted =
                    js_sys::Reflect::get(&e, &"persisted".into()).is_ok_and(|p| p.is_truthy());
                if persisted {
                    on_page_view(Navigation::Restored);
                }
            }),
        ];
        Some(RouteWatch {
            history,
            originals,
            _listeners: listeners,
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

#[cfg(test)]
mod tests {
    use super::is_new_page_view;

    const SITE: &str = "https://shop.example";

    fn view(from: &str, to: &str) -> bool {
        is_new_page_view(&[SITE, from].concat(), &[SITE, to].concat())
    }

    #[test]
    fn the_same_url_again_is_not_a_page_view() {
        assert!(!view("/products?c=1", "/products?c=1"));
        assert!(!view("/#/cart", "/#/cart"));
    }

    #[test]
    fn a_new_path_or_query_is_a_page_view() {
        assert!(view("/products", "/cart"));
        assert!(view("/products?c=1", "/products?c=2"));
        assert!(view("/products", "/products?c=1"));
    }

    #[test]
    fn an_in_page_anchor_is_not_a_page_view() {
        assert!(!view("/product", "/product#reviews"));
        assert!(!view("/product#reviews", "/product#size-guide"));
        assert!(!view("/product#reviews", "/product"));
    }

    #[test]
    fn hash_routes_are_page_views() {
        assert!(view("/#/products", "/#/cart"));
        assert!(view("/", "/#/cart"));
        assert!(view("/#!/products", "/#!/cart"));
        assert!(view("/#!products", "/#!cart"));
        assert!(view("/#/cart", "/"));
        assert!(view("/#/cart", "/#reviews"));
    }

    #[test]
    fn the_root_hash_route_is_the_page_itself() {
        // A hash router sending `/` to `#/` on start makes no second page view.
        for root in ["/#", "/#/", "/#!", "/#!/"] {
            assert!(!view("/", root), "{root}");
        }
        assert!(!view("/#/cart", "/#!/cart"), "both spellings are one route");
    }

    #[test]
    fn a_path_change_with_the_same_anchor_is_a_page_view() {
        assert!(view("/a#top", "/b#top"));
    }
}

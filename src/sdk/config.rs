//! The SDK's options (script tag or `load({...})`) and what `ready()`
//! reports about the rules.

use crate::convert;
use wasm_bindgen::prelude::*;

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
    /// The loader's `tools()`: a Promise of the tools module (loaded on
    /// demand), which `explain()` asks for its answer.
    pub tools: Option<js_sys::Function>,
    /// `data-consent="gtag"`: consent follows Google Consent Mode in the
    /// `dataLayer` (nothing stored or sent before it grants).
    pub consent_gtag: bool,
    /// The GA4 `dataLayer` bridge (`data-datalayer="off"` turns it off).
    pub datalayer: bool,
    /// The loader's `watchDataLayer` (see [`crate::datalayer`]).
    pub watch_datalayer: Option<js_sys::Function>,
    /// `data-cookie-domain`: the anonymous id also lives in a cookie there.
    pub cookie_domain: String,
    /// The loader's rules request, sent while the wasm loaded. Taken by the
    /// first rules fetch when it would ask the same (see `sdk/rules.rs`).
    pub rules_prefetch: Option<RulesPrefetch>,
}

impl Config {
    /// Reads `{writeKey, endpoint, consent, debug, autoPage, fetchRules,
    /// tools, datalayer, watchDataLayer, cookieDomain, rules}`.
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
            consent_required: matches!(s("consent").as_str(), "required" | "gtag"),
            consent_gtag: s("consent") == "gtag",
            datalayer: s("datalayer") != "off",
            watch_datalayer: super::as_function(&convert::get(v, "watchDataLayer")),
            cookie_domain: s("cookieDomain"),
            rules_prefetch: rules_prefetch(&convert::get(v, "rules")),
            debug: flag("debug", false),
            auto_page: flag("autoPage", true),
            fetch_rules: flag("fetchRules", true),
            tools: super::as_function(&convert::get(v, "tools")),
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
    /// A studio draft (`?parcours_draft=`), this tab only, never cached.
    Draft,
}

/// The rules request the loader sent: what it asked, and `fetch()`'s Promise.
#[derive(Debug, Clone)]
pub struct RulesPrefetch {
    /// The URL it asked.
    pub url: String,
    /// The `If-None-Match` it sent.
    pub etag: Option<String>,
    /// `fetch()`'s Promise of the response.
    pub response: js_sys::Promise,
}

/// `{url, etag, response}` from the loader, if it sent the rules request.
fn rules_prefetch(v: &JsValue) -> Option<RulesPrefetch> {
    Some(RulesPrefetch {
        url: convert::get_str(v, "url")?,
        etag: convert::get_str(v, "etag"),
        response: convert::get(v, "response").dyn_into().ok()?,
    })
}

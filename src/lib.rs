//! # Parcours browser SDK
//!
//! A thin WebAssembly adapter around `parcours-engine`: it tracks the
//! visitor's touchpoints, keeps the local profile, fetches the rules,
//! decides and renders pop-ins, and syncs events to the backend.
//!
//! This file is the `#[wasm_bindgen]` facade only; each browser concern has
//! its module: [`api`] (the `window.parcours` object and the queue),
//! [`sdk`] (the running state), [`storage`] (and its consent gate),
//! [`journal`] (the visitor shared by tabs), [`outbox`], [`delivery`]
//! (sending, retries, adoption of closed tabs' queues), [`locks`],
//! [`transport`], [`render`] (styled by [`style`]), [`page`], [`triggers`], [`consent`],
//! [`datalayer`], [`clicks`],
//! [`convert`], [`regex`], [`ids`], [`rule_errors`].
//!
//! Two builds come from this crate (cargo features): `site` (default), the
//! script tag's SDK, and `tools`, the module loaded on demand for what only
//! marketers and debugging need: [`tools`] (`evalCondition`, `explain`) and
//! [`preview`] (the `Engine` class).
#![warn(missing_docs)]

/// talc instead of std's dlmalloc: smaller and faster on wasm (see README, size).
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: talc::TalckWasm = unsafe { talc::TalckWasm::new_global() };

#[cfg(feature = "site")]
pub mod api;
pub mod clicks;
pub mod consent;
pub mod convert;
pub mod datalayer;
pub mod delivery;
pub mod form;
pub mod handles;
pub mod ids;
pub mod intl;
pub mod journal;
pub mod json;
pub mod locks;
pub mod log;
pub mod message;
pub mod outbox;
pub mod page;
#[cfg(feature = "tools")]
pub mod preview;
pub mod regex;
pub mod render;
pub mod rule_errors;
pub mod sdk;
pub mod storage;
pub mod style;
#[cfg(feature = "tools")]
pub mod tools;
pub mod transport;
pub mod triggers;

#[cfg(feature = "site")]
use wasm_bindgen::prelude::*;

/// Runs when the wasm is instantiated: the engine reads long numbers with
/// the page's `parseFloat` and lower-cases non-ASCII text with its
/// `toLowerCase` (the engine's `small` feature: core's float parser and
/// Unicode tables stay out of the site wasm). wasm-bindgen-test runs no
/// start function: tests call it.
#[cfg(feature = "site")]
#[wasm_bindgen(start)]
pub fn use_the_pages_text_functions() {
    parcours_engine::host::install(parcours_engine::host::Host {
        parse_f64: |s| Some(js_sys::Number::parse_float(s)).filter(|n| !n.is_nan()),
        lowercase: |s| js_sys::JsString::from(s).to_lower_case().into(),
    });
}

/// Starts the SDK (called by the loader with the script tag's options:
/// `{writeKey, endpoint, consent, debug, tools}`); replaces the
/// `window.parcours` queue with the live API, replaying every queued call in order.
#[cfg(feature = "site")]
#[wasm_bindgen]
pub fn start(config: JsValue) {
    intl::install();
    api::start(&config);
}

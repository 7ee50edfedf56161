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
//! [`convert`], [`regex`], [`ids`].
#![warn(missing_docs)]

/// talc instead of std's dlmalloc: smaller and faster on wasm (see README, size).
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: talc::TalckWasm = unsafe { talc::TalckWasm::new_global() };

pub mod api;
pub mod consent;
pub mod convert;
pub mod delivery;
pub mod handles;
pub mod ids;
pub mod journal;
pub mod json;
pub mod locks;
pub mod log;
pub mod message;
pub mod outbox;
pub mod page;
pub mod preview;
pub mod regex;
pub mod render;
pub mod sdk;
pub mod storage;
pub mod style;
pub mod transport;
pub mod triggers;

use wasm_bindgen::prelude::*;

/// Starts the SDK (called by the loader with the script tag's options:
/// `{writeKey, endpoint, consent, debug}`); replaces the `window.parcours`
/// queue with the live API, replaying every queued call in order.
#[wasm_bindgen]
pub fn start(config: JsValue) {
    api::start(&config);
}

/// GrowthBook's `evalCondition`, with the arguments in the spec's order:
/// `evalCondition(condition, attributes, savedGroups?)`. Never throws.
#[wasm_bindgen(js_name = evalCondition)]
pub fn eval_condition(condition: JsValue, attributes: JsValue, saved_groups: JsValue) -> bool {
    let cond = convert::to_value(&condition);
    let attrs = convert::to_value(&attributes);
    let groups = match convert::to_value(&saved_groups) {
        parcours_engine::Value::Object(m) => m,
        _ => parcours_engine::Map::new(),
    };
    parcours_engine::condition::eval_condition(&attrs, &cond, &groups, &regex::JsRegexCompiler)
}

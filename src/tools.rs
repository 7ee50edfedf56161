//! The tools module's free functions (built with the `tools` feature, loaded
//! on demand): `evalCondition` for preview tools and benchmarks, `explain`,
//! which the site module calls for `await parcours.explain()`, and
//! `logDecision`, which it calls for each decision with debug logging on.

use crate::preview::{env_from, trigger_from, visitor_from};
use crate::regex::JsRegexCompiler;
use crate::{convert, rule_errors};
use parcours_engine::{Engine, Explanation};
use wasm_bindgen::prelude::*;

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
    parcours_engine::condition::eval_condition(&attrs, &cond, &groups, &JsRegexCompiler)
}

/// Why each campaign would or would not show, for `{rules, visitor, now,
/// tzOffset, page, device, trigger?}` (what the site module hands over: the
/// current rules document, `profile()`, the page and the trigger, a page
/// view when absent). Each entry is the engine's explanation plus `why`, the
/// verdict in words. Throws an `Error` with `errors` when the rules are invalid.
#[wasm_bindgen]
pub fn explain(input: JsValue) -> Result<JsValue, JsValue> {
    Ok(explanations(&input)?
        .iter()
        .map(explanation_js)
        .collect::<js_sys::Array>()
        .into())
}

/// Logs one decision with its explanation, as the site module asks with
/// debug logging on: `input` is [`explain`]'s plus `decisions` (what was
/// decided). One `console.groupCollapsed` headed by the trigger and what
/// shows, then a line per campaign: its verdict in words, and the
/// explanation object. Never throws (invalid rules are logged).
#[wasm_bindgen(js_name = logDecision)]
pub fn log_decision(input: JsValue) {
    let trigger = trigger_from(&convert::get(&input, "trigger"));
    let decisions = js_sys::Array::from(&convert::get(&input, "decisions"));
    let mut shown = Vec::new();
    for d in decisions.iter() {
        let id = convert::get_str(&d, "campaign_id").unwrap_or_default();
        let placement = convert::get_str(&d, "placement").unwrap_or_default();
        let variant = convert::get_str(&d, "variant_id").unwrap_or_default();
        shown.push(format!("{id} ({placement}, {variant})"));
    }
    let head = format!(
        "[parcours] decision on {}: {}",
        trigger.kind_name(),
        if shown.is_empty() {
            "nothing to show".to_owned()
        } else {
            shown.join(", ")
        }
    );
    let list = match explanations(&input) {
        Ok(list) => list,
        Err(e) => {
            web_sys::console::warn_2(&head.into(), &e);
            return;
        }
    };
    web_sys::console::group_collapsed_1(&head.into());
    for x in &list {
        let line = format!("{}: {}", x.campaign_id, x.words());
        web_sys::console::log_2(&line.into(), &explanation_js(x));
    }
    web_sys::console::log_2(&"decisions".into(), &decisions);
    web_sys::console::group_end();
}

fn explanations(input: &JsValue) -> Result<Vec<Explanation>, JsValue> {
    let rules = convert::to_value(&convert::get(input, "rules"));
    let engine = Engine::from_rules(&rules, &JsRegexCompiler).map_err(|e| invalid(&e))?;
    let env = env_from(input);
    let visitor = visitor_from(input, env.now_ms);
    let trigger = trigger_from(&convert::get(input, "trigger"));
    Ok(engine.explain(&visitor, &env, &trigger))
}

/// An explanation as a plain object, with `why`: its words.
pub fn explanation_js(x: &Explanation) -> JsValue {
    let mut v = x.to_value();
    v.insert("why", x.words());
    convert::to_js(&v)
}

/// The `Error` thrown for an invalid rules document: `errors` lists every
/// problem as `{path, kind, message}`.
pub fn invalid(errors: &[parcours_engine::RuleError]) -> JsValue {
    let err = js_sys::Error::new("invalid rules document");
    let _ = js_sys::Reflect::set(&err, &"errors".into(), &rule_errors::list_js(errors));
    err.into()
}

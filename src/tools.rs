//! The tools module's free functions (built with the `tools` feature, loaded
//! on demand): `evalCondition` for preview tools and benchmarks, and
//! `explain`, which the site module calls for `await parcours.explain()`.

use crate::preview::{env_from, visitor_from};
use crate::regex::JsRegexCompiler;
use crate::{convert, rule_errors};
use parcours_engine::{Engine, Trigger};
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

/// Why each campaign would or would not show on a page view, for
/// `{rules, visitor, now, tzOffset, page, device}` (what the site module
/// hands over: the current rules document, `profile()` and the page).
/// Throws an `Error` with `errors` when the rules are invalid.
#[wasm_bindgen]
pub fn explain(input: JsValue) -> Result<JsValue, JsValue> {
    let rules = convert::to_value(&convert::get(&input, "rules"));
    let engine = Engine::from_rules(&rules, &JsRegexCompiler).map_err(|e| invalid(&e))?;
    let env = env_from(&input);
    let visitor = visitor_from(&input, env.now_ms);
    let list = engine.explain(&visitor, &env, &Trigger::PageView);
    Ok(list
        .iter()
        .map(|x| convert::to_js(&x.to_value()))
        .collect::<js_sys::Array>()
        .into())
}

/// The `Error` thrown for an invalid rules document: `errors` lists every
/// problem as `{path, kind, message}`.
pub fn invalid(errors: &[parcours_engine::RuleError]) -> JsValue {
    let err = js_sys::Error::new("invalid rules document");
    let _ = js_sys::Reflect::set(&err, &"errors".into(), &rule_errors::list_js(errors));
    err.into()
}

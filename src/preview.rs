//! `Engine.fromRules(rules)`: the engine on a rules document for preview
//! tools, the studio and benchmarks (spec §2).
//!
//! `segments`, `decide` and `explain` take an evaluation context (see
//! `docs/context.md`). `contextFor(input)` builds one from
//! `{visitor?, page?: {url, path, query, title, referrer}, now?, tzOffset?, device?: {type, language}}`:
//! `visitor` is what `parcours.profile()` returns (a new visitor when absent),
//! the rest defaults to the current page and clock.

use crate::convert::{self, get, get_str};
use crate::regex::JsRegexCompiler;
use parcours_engine::env::{Device, Env, Page};
use parcours_engine::segment::SegmentSlots;
use parcours_engine::Value;
use parcours_engine::{Engine, Exposures, Trigger, Visitor};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;

/// A compiled rules document.
#[wasm_bindgen(js_name = Engine)]
pub struct PreviewEngine {
    engine: Engine,
    /// The segments' paths, numbered when the rules load.
    slots: SegmentSlots,
    /// The segment ids as JS strings, made once.
    ids: Vec<JsValue>,
    /// Per-call buffers (slot values, members), kept to avoid allocating.
    scratch: RefCell<Scratch>,
}

/// The environment of `input` (`{now?, tzOffset?, page?, device?}`), the
/// current page and clock for what is absent.
pub fn env_from(input: &JsValue) -> Env {
    let current = crate::page::current_page();
    let mut env = crate::page::env(&current);
    if let Some(now) = get(input, "now").as_f64() {
        env.now_ms = now;
    }
    if let Some(tz) = get(input, "tzOffset").as_f64() {
        env.tz_offset_min = tz as i32;
    }
    let p = get(input, "page");
    if p.is_object() {
        let f = |k| get_str(&p, k).unwrap_or_default();
        env.page = Page {
            url: f("url"),
            path: f("path"),
            query: f("query"),
            title: f("title"),
            referrer: f("referrer"),
        };
    }
    let d = get(input, "device");
    if d.is_object() {
        env.device = Device {
            kind: get_str(&d, "type").unwrap_or(env.device.kind),
            language: get_str(&d, "language").unwrap_or(env.device.language),
        };
    }
    env
}

/// `input.visitor` (what `profile()` returns), or a new visitor.
pub fn visitor_from(input: &JsValue, now: f64) -> Visitor {
    let v = get(input, "visitor");
    (v.is_object())
        .then(|| Visitor::from_value(&convert::to_value(&v), now))
        .flatten()
        .unwrap_or_else(|| Visitor::new("preview".into(), now))
}

/// `"page_view"` or `{on, name?, properties?, percent?, seconds?}`.
pub fn trigger_from(t: &JsValue) -> Trigger {
    let on = t
        .as_string()
        .or_else(|| get_str(t, "on"))
        .unwrap_or_default();
    let num = |k| get(t, k).as_f64().unwrap_or(0.0);
    match on.as_str() {
        "event" => Trigger::Event {
            name: get_str(t, "name").unwrap_or_default(),
            properties: convert::to_value(&get(t, "properties")),
        },
        "exit_intent" => Trigger::ExitIntent,
        "scroll" => Trigger::Scroll {
            percent: num("percent"),
        },
        "time_on_page" => Trigger::TimeOnPage {
            seconds: num("seconds"),
        },
        "inactivity" => Trigger::Inactivity {
            seconds: num("seconds"),
        },
        _ => Trigger::PageView,
    }
}

/// Per-call scratch of `segments`: slot values, matched indexes, leaf answers.
type Scratch = (Vec<Value>, Vec<usize>, Vec<std::cell::Cell<Option<bool>>>);

#[wasm_bindgen(js_class = Engine)]
impl PreviewEngine {
    /// Validates and compiles `rules`; throws an `Error` whose `errors`
    /// lists every problem as `{path, kind, message}`.
    #[wasm_bindgen(js_name = fromRules)]
    pub fn from_rules(rules: JsValue) -> Result<PreviewEngine, JsValue> {
        match Engine::from_rules(&convert::to_value(&rules), &JsRegexCompiler) {
            Ok(engine) => {
                let segments = &engine.rules().segments;
                Ok(PreviewEngine {
                    slots: SegmentSlots::new(segments),
                    ids: segments.iter().map(|s| JsValue::from_str(&s.id)).collect(),
                    scratch: RefCell::default(),
                    engine,
                })
            }
            Err(errors) => Err(crate::tools::invalid(&errors)),
        }
    }

    /// The rules document's version.
    #[wasm_bindgen(getter)]
    pub fn version(&self) -> String {
        self.engine.version().to_owned()
    }

    /// Problems that did not stop the load, as `{path, kind, message}`.
    #[wasm_bindgen(getter)]
    pub fn warnings(&self) -> JsValue {
        crate::rule_errors::list_js(self.engine.warnings())
    }

    /// Ids of the segments an evaluation context is in.
    ///
    /// The context is taken in as its `JSON.stringify` text, of which only
    /// what the segments' paths reach is decoded (so, as in JSON, `NaN` and
    /// `Infinity` read as `null` and `undefined` as missing); a context that
    /// `JSON.stringify` rejects (a cycle, a BigInt) is walked instead.
    pub fn segments(&self, context: JsValue) -> JsValue {
        let rules = self.engine.rules();
        let mut scratch = self.scratch.borrow_mut();
        let (values, member, memo) = &mut *scratch;
        match js_sys::JSON::stringify(&context)
            .ok()
            .and_then(|s| s.as_string())
        {
            Some(json) => self.slots.read_json(&json, values),
            None => self.slots.read_value(&convert::to_value(&context), values),
        }
        self.slots
            .evaluate(&rules.segments, values, &rules.saved_groups, member, memo);
        let out = js_sys::Array::new();
        for &i in member.iter() {
            out.push(&self.ids[i]);
        }
        out.into()
    }

    /// The evaluation context for `input`
    /// (`{visitor?, page?, now?, tzOffset?, device?}`; see the module docs).
    #[wasm_bindgen(js_name = contextFor)]
    pub fn context_for(&self, input: JsValue) -> JsValue {
        let env = env_from(&input);
        let v = visitor_from(&input, env.now_ms);
        convert::to_js(&self.engine.context(&v, &env, None))
    }

    /// The decisions for an evaluation context on `trigger` (default `page_view`),
    /// with no exposures yet.
    pub fn decide(&self, context: JsValue, trigger: JsValue) -> JsValue {
        let (ctx, now, tz) = raw_context(&context);
        let ds = self.engine.decide_context(
            &ctx,
            &Exposures::default(),
            "preview",
            now,
            tz,
            &trigger_from(&trigger),
        );
        crate::sdk::decisions_js(&ds)
    }

    /// Why each campaign would or would not show for an evaluation context
    /// (each with `why`, its verdict in words).
    pub fn explain(&self, context: JsValue, trigger: JsValue) -> JsValue {
        let (ctx, now, tz) = raw_context(&context);
        let list = self.engine.explain_context(
            &ctx,
            &Exposures::default(),
            "preview",
            now,
            tz,
            &trigger_from(&trigger),
        );
        list.iter()
            .map(crate::tools::explanation_js)
            .collect::<js_sys::Array>()
            .into()
    }
}

fn raw_context(context: &JsValue) -> (parcours_engine::Value, f64, i32) {
    let env = crate::page::env(&Page::default());
    (convert::to_value(context), env.now_ms, env.tz_offset_min)
}

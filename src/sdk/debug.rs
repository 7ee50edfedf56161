//! What goes to the tools module (loaded on demand): the input of
//! `explain()`, and with debug logging on (`data-debug`, or a
//! `?parcours_debug=1` link for the tab's session) each decision, which the
//! tools module logs with its explanation in words as one
//! `console.groupCollapsed` per decision. The site build carries no
//! explanation code or words; a normal visitor never loads the tools module.

use super::{decisions_js, obj, Sdk};
use crate::{convert, log};
use js_sys::{Function, Promise};
use parcours_engine::{Decision, Trigger};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

impl Sdk {
    /// `{rules, visitor, now, tzOffset, page, device, trigger}`: what the
    /// tools module explains a decision from (the current rules document,
    /// `profile()`, the clock and the page now).
    pub(super) fn tools_input(&self, trigger: &Trigger) -> JsValue {
        let env = self.env();
        let p = &env.page;
        let page = obj(&[
            ("url", p.url.as_str().into()),
            ("path", p.path.as_str().into()),
            ("query", p.query.as_str().into()),
            ("title", p.title.as_str().into()),
            ("referrer", p.referrer.as_str().into()),
        ]);
        let device = obj(&[
            ("type", env.device.kind.as_str().into()),
            ("language", env.device.language.as_str().into()),
        ]);
        obj(&[
            ("rules", self.rules_doc.to_js()),
            ("visitor", self.profile()),
            ("now", env.now_ms.into()),
            ("tzOffset", env.tz_offset_min.into()),
            ("page", page),
            ("device", device),
            ("trigger", trigger_js(trigger)),
        ])
    }

    /// Logs a decision with its explanation (debug logging on): `input` is
    /// [`Sdk::tools_input`] taken before the decision recorded anything.
    /// Without the tools module, the decisions alone are logged.
    pub(super) fn log_decision(&self, input: JsValue, trigger: &Trigger, decisions: &[Decision]) {
        let decided = decisions_js(decisions);
        let Some(tools) = self.cfg.tools.clone() else {
            return log::info(trigger.kind_name(), &decided);
        };
        let _ = js_sys::Reflect::set(&input, &"decisions".into(), &decided);
        wasm_bindgen_futures::spawn_local(async move {
            if let Err(e) = call_tools(tools, "logDecision", input).await {
                log::warn("debug: the tools module failed to explain a decision", &e);
                log::info("decisions", &decided);
            }
        });
    }
}

/// Calls `name(input)` on the tools module (loaded on first use by the
/// loader's `tools`).
pub(super) async fn call_tools(
    tools: Function,
    name: &str,
    input: JsValue,
) -> Result<JsValue, JsValue> {
    let module = tools.call0(&JsValue::UNDEFINED)?;
    let module = JsFuture::from(Promise::resolve(&module)).await?;
    let f: Function = js_sys::Reflect::get(&module, &name.into())?.dyn_into()?;
    f.call1(&module, &input)
}

/// A trigger as the tools module reads it: `{on, name?, properties?, percent?, seconds?}`.
fn trigger_js(t: &Trigger) -> JsValue {
    let on = ("on", JsValue::from_str(t.kind_name()));
    match t {
        Trigger::Event { name, properties } => obj(&[
            on,
            ("name", name.as_str().into()),
            ("properties", convert::to_js(properties)),
        ]),
        Trigger::Scroll { percent } => obj(&[on, ("percent", (*percent).into())]),
        Trigger::TimeOnPage { seconds } | Trigger::Inactivity { seconds } => {
            obj(&[on, ("seconds", (*seconds).into())])
        }
        Trigger::PageView | Trigger::ExitIntent => obj(&[on]),
    }
}

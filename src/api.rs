//! The live `window.parcours` object (spec §2) and the replay of the calls
//! queued before the SDK loaded (`parcours.push(["track", …])`).
//!
//! Every method returns normally: a bad call is logged (with `data-debug`)
//! and emitted as an `error` event, never thrown into the host page.

use crate::consent::Consent;
use crate::sdk::{self, with_sdk, with_sdk_or_defer, Config, Sdk};
use crate::storage::Store;
use crate::{convert, log};
use js_sys::{Array, Promise};
use parcours_engine::value::Value;
use wasm_bindgen::prelude::*;

/// The API object that replaces the queue array as `window.parcours`.
#[wasm_bindgen]
pub struct Api {
    _private: u8,
}

fn call(method: &str, args: &[&JsValue]) -> JsValue {
    let arr: Array = args.iter().copied().collect();
    dispatch(method, &arr)
}

#[wasm_bindgen]
impl Api {
    /// `track(event, properties?)`.
    pub fn track(&self, event: JsValue, properties: JsValue) -> JsValue {
        call("track", &[&event, &properties])
    }
    /// `page(properties?)` or `page(name, properties?)`.
    pub fn page(&self, a: JsValue, b: JsValue) -> JsValue {
        call("page", &[&a, &b])
    }
    /// `identify(userId, traits?, { token }?)`: `token` is the user token
    /// signed by the site's backend, sent with `forget()`.
    pub fn identify(&self, user_id: JsValue, traits: JsValue, options: JsValue) -> JsValue {
        call("identify", &[&user_id, &traits, &options])
    }
    /// `alias(previousId, userId?)`: links `previousId` to `userId` (the
    /// current user id, else the anonymous id, when not given).
    pub fn alias(&self, previous_id: JsValue, user_id: JsValue) -> JsValue {
        call("alias", &[&previous_id, &user_id])
    }
    /// `reset()`.
    pub fn reset(&self) -> JsValue {
        call("reset", &[])
    }
    /// `consent(true | false | {analytics, personalisation})`.
    pub fn consent(&self, state: JsValue) -> JsValue {
        call("consent", &[&state])
    }
    /// `decide(placement?)`: the decisions now, as plain objects.
    pub fn decide(&self, placement: JsValue) -> JsValue {
        call("decide", &[&placement])
    }
    /// `explain()`: a Promise of why each campaign would or would not show
    /// (computed by the tools module, loaded on demand).
    pub fn explain(&self) -> JsValue {
        call("explain", &[])
    }
    /// `flag(campaignId)`: the campaign as a feature flag, synchronously:
    /// `{campaign_id, variant_id, holdout, reason, step?}`, or `null`
    /// without rules or for an unknown campaign. The first answer that
    /// assigns the visitor records `Experiment Viewed` (once per visitor).
    pub fn flag(&self, campaign_id: JsValue) -> JsValue {
        call("flag", &[&campaign_id])
    }
    /// `profile()`.
    pub fn profile(&self) -> JsValue {
        call("profile", &[])
    }
    /// `forget()`: a promise of whether the backend acknowledged.
    pub fn forget(&self) -> JsValue {
        call("forget", &[])
    }
    /// `on(name, fn)`.
    pub fn on(&self, name: JsValue, f: JsValue) -> JsValue {
        call("on", &[&name, &f])
    }
    /// `off(name, fn?)`.
    pub fn off(&self, name: JsValue, f: JsValue) -> JsValue {
        call("off", &[&name, &f])
    }
    /// `ready()`: resolves once, when rules and profile are loaded.
    pub fn ready(&self) -> JsValue {
        call("ready", &[])
    }
    /// `push([method, ...args])`, as before the SDK loaded.
    pub fn push(&self, command: JsValue) -> JsValue {
        replay(&command)
    }
}

fn object_or_empty(v: &JsValue) -> Value {
    match convert::to_value(v) {
        o @ Value::Object(_) => o,
        _ => Value::object(),
    }
}

fn bad_call(message: &'static str, detail: JsValue) -> JsValue {
    if with_sdk(|s| s.error(message, detail.clone())).is_none() {
        log::warn(message, &detail);
    }
    JsValue::UNDEFINED
}

/// Runs one queued command `[method, ...args]`.
pub fn replay(command: &JsValue) -> JsValue {
    if !command.is_object() {
        return bad_call("queued command is not an array", command.clone());
    }
    let args = Array::from(command);
    let method = args.shift();
    match method.as_string() {
        Some(m) => dispatch(&m, &args),
        None => bad_call("queued command has no method name", command.clone()),
    }
}

/// Runs `method` with `args` on the SDK.
pub fn dispatch(method: &str, args: &Array) -> JsValue {
    let a = |i: u32| args.get(i);
    match method {
        "track" => {
            let Some(name) = a(0).as_string().filter(|n| !n.is_empty()) else {
                return bad_call("track: the event name must be a non-empty string", a(0));
            };
            let props = object_or_empty(&a(1));
            with_sdk_or_defer(move |s| s.track(&name, props));
        }
        "page" => {
            let (name, props) = match a(0).as_string() {
                Some(n) => (n, object_or_empty(&a(1))),
                None => (String::new(), object_or_empty(&a(0))),
            };
            with_sdk_or_defer(move |s| s.track_page(&name, props));
        }
        "identify" => {
            let Some(user) = a(0).as_string().filter(|u| !u.is_empty()) else {
                return bad_call("identify: the user id must be a non-empty string", a(0));
            };
            let traits = object_or_empty(&a(1));
            let opts = a(2);
            let token = match opts.is_object() {
                true => js_sys::Reflect::get(&opts, &"token".into())
                    .ok()
                    .and_then(|t| t.as_string())
                    .filter(|t| !t.is_empty()),
                false => None,
            };
            with_sdk_or_defer(move |s| s.identify(&user, traits, token));
        }
        "alias" => {
            let Some(previous) = a(0).as_string().filter(|p| !p.is_empty()) else {
                return bad_call("alias: the previous id must be a non-empty string", a(0));
            };
            let user = a(1).as_string().filter(|u| !u.is_empty());
            if user.is_none() && !a(1).is_undefined() && !a(1).is_null() {
                return bad_call("alias: the user id must be a non-empty string", a(1));
            }
            with_sdk_or_defer(move |s| s.alias(&previous, user));
        }
        "reset" => with_sdk_or_defer(Sdk::reset),
        "consent" => {
            let Some(c) = Consent::from_js(&a(0)) else {
                return bad_call(
                    "consent: expected true, false or {analytics, personalisation}",
                    a(0),
                );
            };
            with_sdk_or_defer(move |s| s.set_consent(c));
        }
        "decide" => {
            let placement = a(0).as_string();
            return with_sdk(|s| sdk::decisions_js(&s.decisions(placement.as_deref())))
                .unwrap_or_else(|| Array::new().into());
        }
        "explain" => {
            return with_sdk(|s| s.explain())
                .unwrap_or_else(|| Promise::resolve(&JsValue::from(Array::new())))
                .into()
        }
        "profile" => return with_sdk(|s| s.profile()).unwrap_or(JsValue::NULL),
        "flag" => {
            let Some(id) = a(0).as_string() else {
                bad_call("flag: the campaign id must be a string", a(0));
                return JsValue::NULL;
            };
            return with_sdk(|s| s.flag(&id)).unwrap_or(JsValue::NULL);
        }
        "forget" => {
            return with_sdk(Sdk::forget)
                .unwrap_or_else(|| Promise::resolve(&JsValue::FALSE))
                .into();
        }
        "on" | "off" => {
            let Some(name) = a(0).as_string() else {
                return bad_call("on/off: the event name must be a string", a(0));
            };
            let f = sdk::as_function(&a(1));
            if method == "on" {
                let Some(f) = f else {
                    return bad_call("on: the listener must be a function", a(1));
                };
                with_sdk_or_defer(move |s| s.host.on(name, f));
            } else {
                with_sdk_or_defer(move |s| s.host.off(&name, f.as_ref()));
            }
        }
        "ready" => {
            return with_sdk(|s| s.ready())
                .unwrap_or_else(|| Promise::resolve(&JsValue::UNDEFINED))
                .into()
        }
        _ => return bad_call("unknown method", JsValue::from_str(method)),
    }
    JsValue::UNDEFINED
}

/// A queued command may carry a `resolve` function (the loader's stub for
/// `forget()` sets one): it gets the command's answer, so the Promise the
/// stub returned settles with what the live call returned.
fn settle(command: &JsValue, answer: &JsValue) {
    let resolve = js_sys::Reflect::get(command, &"resolve".into()).unwrap_or_default();
    if let Some(f) = sdk::as_function(&resolve) {
        if let Err(e) = f.call1(&JsValue::UNDEFINED, answer) {
            log::warn("a queued call's resolve threw", &e);
        }
    }
}

/// Starts the SDK with `config` (`{writeKey, endpoint, consent, debug}`):
/// replaces the `window.parcours` queue with the live API and replays every
/// queued call in order (settling the Promises the loader's stubs returned),
/// then tracks the page view and fetches the rules.
pub fn start(config: &JsValue) {
    log::install_panic_hook();
    if sdk::is_started() {
        log::warn("already started", &JsValue::NULL);
        return;
    }
    let cfg = Config::from_js(config);
    log::set_debug(cfg.debug);
    let queue = sdk::global_queue();
    let mut s = Sdk::new(cfg, Store::local());
    s.hook_page();
    sdk::install(s);
    sdk::set_global(&JsValue::from(Api { _private: 0 }));
    if Array::is_array(&queue) {
        for cmd in Array::from(&queue).iter() {
            let answer = replay(&cmd);
            settle(&cmd, &answer);
        }
    }
    with_sdk(Sdk::begin);
}

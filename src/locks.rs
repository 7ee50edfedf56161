//! Web Locks (`navigator.locks`): exclusive locks shared by every tab of
//! the origin, released when their holder drops them or its document goes
//! away (closed, crashed, navigated). Where the API is missing (or throws,
//! as in opaque origins), [`available`] is false and callers use their
//! documented fallback.

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Why a lock could not be had.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockError {
    /// `navigator.locks` is missing.
    Unsupported,
    /// Another holder has it (with `if_available`).
    Busy,
    /// The request failed (rejected, or threw).
    Failed,
}

fn manager() -> Option<JsValue> {
    let nav = web_sys::window()?.navigator();
    let locks = Reflect::get(&nav, &"locks".into()).ok()?;
    let request = Reflect::get(&locks, &"request".into()).ok()?;
    request.is_function().then_some(locks)
}

/// Whether Web Locks can be used here.
pub fn available() -> bool {
    manager().is_some()
}

/// A held lock; dropping it releases the lock.
#[must_use = "dropping the guard releases the lock"]
pub struct Guard {
    release: Function,
}

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.release.call0(&JsValue::UNDEFINED);
    }
}

/// Takes the exclusive lock `name`: waits for it, or with `if_available`
/// gives [`LockError::Busy`] at once when someone holds it.
pub async fn acquire(name: &str, if_available: bool) -> Result<Guard, LockError> {
    let locks = manager().ok_or(LockError::Unsupported)?;
    let mut release = None;
    let held = Promise::new(&mut |resolve, _| release = Some(resolve));
    let mut grant = None;
    let granted = Promise::new(&mut |resolve, _| grant = Some(resolve));
    let (Some(release), Some(grant)) = (release, grant) else {
        return Err(LockError::Failed);
    };
    let on_grant = grant.clone();
    let callback = Closure::once_into_js(move |lock: JsValue| -> JsValue {
        let got = !lock.is_null() && !lock.is_undefined();
        let _ = on_grant.call1(&JsValue::UNDEFINED, &JsValue::from_bool(got));
        if got {
            held.into()
        } else {
            JsValue::UNDEFINED
        }
    });
    let options = Object::new();
    let _ = Reflect::set(
        &options,
        &"ifAvailable".into(),
        &JsValue::from_bool(if_available),
    );
    let request: Function = Reflect::get(&locks, &"request".into())
        .map_err(|_| LockError::Failed)?
        .unchecked_into();
    let call = request.call3(&locks, &JsValue::from_str(name), &options, &callback);
    let Ok(pending) = call.map(JsCast::unchecked_into::<Promise>) else {
        return Err(LockError::Failed);
    };
    // A rejected request (AbortError, SecurityError) grants nothing and must
    // not surface as an unhandled rejection in the host page.
    let refused = Closure::once_into_js(move |_: JsValue| {
        let _ = grant.call1(&JsValue::UNDEFINED, &JsValue::NULL);
    });
    if let Ok(catch) = Reflect::get(&pending, &"catch".into()) {
        let _ = catch.unchecked_into::<Function>().call1(&pending, &refused);
    }
    match JsFuture::from(granted).await.map(|v| v.as_bool()) {
        Ok(Some(true)) => Ok(Guard { release }),
        Ok(Some(false)) => Err(LockError::Busy),
        _ => Err(LockError::Failed),
    }
}

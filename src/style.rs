//! The styles of what [`crate::render`] shows, under any Content Security
//! Policy: never a `<style>` element or a `style` attribute (both need
//! `'unsafe-inline'`).
//!
//! A [`Sheet`] is a list of rules. Where constructable stylesheets exist,
//! they become one adopted into the shadow root. Where they do not (Safari
//! before 16.4, or a page that removed them), each rule's declarations are
//! set on the elements it matches through `element.style.setProperty` —
//! CSSOM, which a strict `style-src` allows. That fallback loses only what a
//! stylesheet alone can say ([`Sheet::extra`]: hover and focus states,
//! animations).

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, ShadowRoot};

/// Styles for one shadow root.
pub struct Sheet {
    /// `(selector, declarations)` in cascade order: where two rules set the
    /// same property on an element, the later one must be the one that wins
    /// (keep more specific rules after the general ones). Selectors are
    /// matched inside the shadow root, `:host` is the host element.
    /// Declarations are `property:value` pairs separated by `;`; no value may
    /// hold a `;`.
    pub rules: &'static [(&'static str, &'static str)],
    /// Rules only a stylesheet can hold (`:hover`, `:focus-visible`,
    /// `@keyframes`, `@media`): dropped by the fallback.
    pub extra: &'static str,
}

/// The pop-in (`.backdrop` > `.box`) and the banner (`.banner`, `.banner.top`).
pub const POPIN: Sheet = Sheet {
    rules: &[
        (":host", "all:initial;position:fixed;z-index:2147483000;inset:0;pointer-events:none;font-family:system-ui,-apple-system,\"Segoe UI\",Roboto,Helvetica,Arial,sans-serif;color:#1f2933"),
        (".backdrop", "position:fixed;inset:0;display:flex;align-items:center;justify-content:center;padding:max(16px,env(safe-area-inset-top)) max(16px,env(safe-area-inset-right)) max(16px,env(safe-area-inset-bottom)) max(16px,env(safe-area-inset-left));background:rgba(15,23,42,.5);pointer-events:auto;animation:fade .18s ease-out"),
        (".box", "position:relative;box-sizing:border-box;background:#fff;border-radius:16px;box-shadow:0 24px 64px rgba(15,23,42,.35);padding:32px 28px 28px;max-width:420px;width:100%;max-height:100%;overflow:auto;text-align:center;animation:rise .22s ease-out"),
        (".banner", "position:fixed;left:0;right:0;bottom:0;pointer-events:auto;display:flex;flex-wrap:wrap;align-items:center;gap:8px 20px;padding-block:14px max(14px,env(safe-area-inset-bottom));padding-inline:max(20px,env(safe-area-inset-left),env(safe-area-inset-right)) calc(46px + max(10px,env(safe-area-inset-left),env(safe-area-inset-right)));max-height:80vh;overflow:auto;background:#111827;color:#f9fafb;box-shadow:0 -4px 24px rgba(0,0,0,.2);text-align:start"),
        (".banner.top", "top:0;bottom:auto;padding-block:max(14px,env(safe-area-inset-top)) 14px"),
        ("h2", "margin:0 0 10px;font-size:1.4rem;line-height:1.25;font-weight:700"),
        (".banner h2", "margin:0;font-size:1rem"),
        ("p", "margin:0 0 22px;font-size:1rem;line-height:1.5;color:#52606d"),
        (".banner p", "margin:0;color:#d1d5db"),
        (".cta", "display:inline-block;padding:12px 24px;border-radius:999px;background:#c2410c;color:#fff;border:0;cursor:pointer;font-family:inherit;font-weight:600;text-decoration:none;font-size:1rem"),
        (".banner .cta", "padding:8px 18px"),
        (".form", "display:flex;flex-direction:column;gap:12px;text-align:start;margin:0 0 4px"),
        (".banner .form", "flex:1 1 100%"),
        (".field", "display:flex;flex-direction:column;gap:4px;margin:0;padding:0;border:0;min-width:0"),
        (".field.check", "flex-direction:row;align-items:center;gap:8px"),
        ("label,legend", "font-size:.95rem;font-weight:600;padding:0"),
        ("input,select,textarea", "font:inherit;font-size:1rem;padding:8px 10px;border:1px solid #6b7280;border-radius:8px;background:#fff;color:#1f2933;box-sizing:border-box;max-width:100%"),
        (".field.check input", "width:20px;height:20px;margin:0"),
        ("textarea", "min-height:80px;resize:vertical"),
        (".stars", "display:flex;flex-wrap:wrap;gap:4px 10px;align-items:center"),
        (".stars input", "width:20px;height:20px;margin:0"),
        (".stars label", "font-weight:400;margin-inline-end:6px"),
        (".error", "margin:0;font-size:.9rem;color:#b91c1c"),
        (".banner .error", "color:#fecaca"),
        (".status", "margin:0;font-size:.9rem;color:#b91c1c"),
        (".banner .status", "color:#fecaca"),
        (".actions", "display:flex;flex-wrap:wrap;gap:8px;justify-content:center"),
        (".cancel", "font:inherit;padding:10px 18px;border:1px solid currentColor;border-radius:999px;background:transparent;color:inherit;cursor:pointer"),
        (".close", "position:absolute;top:10px;inset-inline-end:10px;width:36px;height:36px;border:0;border-radius:50%;background:transparent;color:inherit;font-size:24px;line-height:1;cursor:pointer"),
        // A banner spans the screen: its close button stays clear of a notch
        // or rounded corner (the side insets are physical, the button's side
        // logical: the larger inset serves both reading directions).
        (".banner .close", "inset-inline-end:max(10px,env(safe-area-inset-left),env(safe-area-inset-right))"),
        (".banner.top .close", "top:max(10px,env(safe-area-inset-top))"),
    ],
    extra: ".cta:hover{background:#9a3412}\
.close:hover{background:rgba(127,127,127,.15)}\
:focus-visible{outline:3px solid #2563eb;outline-offset:2px}\
@keyframes fade{from{opacity:0}}\
@keyframes rise{from{opacity:0;transform:translateY(12px)}}\
@media (prefers-reduced-motion:reduce){*{animation:none!important;transition:none!important}}\
@media (max-width:480px){.box{padding:24px 18px 18px;border-radius:12px}.backdrop{align-items:flex-end}}",
};

/// Inline content in a host element (`.slot`).
pub const SLOT: Sheet = Sheet {
    rules: &[
        (":host", "all:initial;display:block;font-family:system-ui,-apple-system,\"Segoe UI\",Roboto,Helvetica,Arial,sans-serif;color:inherit"),
        (".slot", "box-sizing:border-box;padding:12px 16px;border-radius:12px;background:#fff7ed;border:1px solid #fed7aa"),
        ("h2", "margin:0 0 4px;font-size:1.05rem;line-height:1.3;font-weight:700"),
        ("p", "margin:0 0 8px;font-size:.95rem;line-height:1.45"),
        (".cta", "color:#9a3412;font-weight:600"),
        (".form", "display:flex;flex-direction:column;gap:10px;margin:8px 0 0"),
        (".field", "display:flex;flex-direction:column;gap:4px;margin:0;padding:0;border:0;min-width:0"),
        (".field.check", "flex-direction:row;align-items:center;gap:8px"),
        ("label,legend", "font-size:.95rem;font-weight:600;padding:0"),
        ("input,select,textarea", "font:inherit;padding:6px 8px;border:1px solid #6b7280;border-radius:6px;background:#fff;color:#1f2933;box-sizing:border-box;max-width:100%"),
        (".stars", "display:flex;flex-wrap:wrap;gap:4px 10px;align-items:center"),
        (".stars label", "font-weight:400;margin-inline-end:6px"),
        (".error,.status", "margin:0;font-size:.9rem;color:#b91c1c"),
        (".actions", "display:flex;flex-wrap:wrap;gap:8px"),
        (".submit", "font:inherit;padding:8px 16px;border:0;border-radius:999px;background:#9a3412;color:#fff;cursor:pointer"),
        (".cancel", "font:inherit;padding:8px 16px;border:1px solid currentColor;border-radius:999px;background:transparent;color:inherit;cursor:pointer"),
    ],
    extra: ":focus-visible{outline:3px solid #2563eb;outline-offset:2px}\
@media (prefers-reduced-motion:reduce){*{animation:none!important;transition:none!important}}",
};

impl Sheet {
    /// The rules as stylesheet text.
    pub fn css(&self) -> String {
        let mut css = String::new();
        for (selector, declarations) in self.rules {
            css.push_str(selector);
            css.push('{');
            css.push_str(declarations);
            css.push('}');
        }
        css.push_str(self.extra);
        css
    }
}

/// Styles `root` (whose tree is built) and its `host`: an adopted
/// constructable stylesheet, else each declaration set on the elements
/// through CSSOM. Never adds a `<style>` element. Returns whether the
/// stylesheet was adopted.
pub fn apply(root: &ShadowRoot, host: &Element, sheet: &Sheet) -> bool {
    if adopt(root, &sheet.css()) {
        return true;
    }
    for (selector, declarations) in sheet.rules {
        if *selector == ":host" {
            set_declarations(host, declarations);
            continue;
        }
        let Ok(matches) = root.query_selector_all(selector) else {
            continue;
        };
        for i in 0..matches.length() {
            if let Some(el) = matches.item(i).and_then(|n| n.dyn_into::<Element>().ok()) {
                set_declarations(&el, declarations);
            }
        }
    }
    false
}

/// A constructable stylesheet adopted by `root`; `false` where the browser
/// (or the page) offers none.
fn adopt(root: &ShadowRoot, css: &str) -> bool {
    let key = JsValue::from_str("adoptedStyleSheets");
    if !js_sys::Reflect::has(root, &key).unwrap_or(false) {
        return false;
    }
    let Ok(sheet) = web_sys::CssStyleSheet::new() else {
        return false;
    };
    if sheet.replace_sync(css).is_err() {
        return false;
    }
    js_sys::Reflect::set(root, &key, &js_sys::Array::of1(&sheet)).unwrap_or(false)
}

fn set_declarations(el: &Element, declarations: &str) {
    let Some(el) = el.dyn_ref::<HtmlElement>() else {
        return;
    };
    let style = el.style();
    for declaration in declarations.split(';') {
        if let Some((property, value)) = declaration.split_once(':') {
            let _ = style.set_property(property.trim(), value.trim());
        }
    }
}

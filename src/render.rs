//! Rendering a decision: a real modal dialog (`popin`), a non-modal bar
//! (`banner`), or inline content in a host element (`slot`), each in an open
//! shadow root, styled by [`crate::style`] (a constructable stylesheet, or
//! CSSOM properties where there is none: never a `<style>` element, nothing
//! needing `unsafe-inline`). Text is set with `textContent` only; the CTA's `href`
//! is set only for http(s), mailto and same-scheme relative URLs.
//!
//! Accessibility: `role="dialog"`, `aria-modal`, `aria-labelledby`, a
//! labelled close button, Escape closes, Tab stays inside, the rest of the
//! page is `inert` while the modal is open, and focus returns where it was.

use crate::form::{self, Answers};
use crate::handles::Listener;
use crate::style;
use parcours_engine::value::Value;
use parcours_engine::Decision;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlElement};

/// Why nothing was rendered.
#[derive(Debug, Clone)]
pub enum RenderError {
    /// No window, document or body (not a page, or the page is unloading).
    NoDocument,
    /// The slot's selector is not a valid CSS selector.
    Selector(JsValue),
    /// The DOM refused an operation (the browser's error).
    Dom(JsValue),
}

impl From<JsValue> for RenderError {
    fn from(e: JsValue) -> Self {
        RenderError::Dom(e)
    }
}

impl RenderError {
    /// The browser's error, for logs and `error` events.
    pub fn detail(&self) -> JsValue {
        match self {
            RenderError::NoDocument => JsValue::from_str("no document"),
            RenderError::Selector(e) | RenderError::Dom(e) => e.clone(),
        }
    }
}

/// How a shown pop-in ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The CTA was followed.
    Clicked,
    /// Closed: close button, Escape or backdrop.
    Dismissed,
}

/// A pop-in, banner or slot on screen. Dropping it removes it from the page,
/// restores the background and gives focus back.
pub struct Popin {
    /// The campaign shown.
    pub campaign_id: String,
    /// The variant shown.
    pub variant_id: String,
    host: Element,
    restore_focus: Option<HtmlElement>,
    inerted: Vec<HtmlElement>,
    _listeners: Vec<Listener>,
}

impl Drop for Popin {
    fn drop(&mut self) {
        self.host.remove();
        for el in &self.inerted {
            el.set_inert(false);
        }
        if let Some(el) = &self.restore_focus {
            let _ = el.focus();
        }
    }
}

/// Whether a modal of the host page (`<dialog open>`, `aria-modal`) is open,
/// in which case nothing is shown over it.
pub fn host_modal_open(doc: &Document) -> bool {
    doc.query_selector("dialog[open],[aria-modal=\"true\"]")
        .ok()
        .flatten()
        .is_some()
}

/// `url` resolved against the page when its scheme is http(s) or mailto;
/// `None` for `javascript:`, `data:` and anything else.
pub fn safe_href(url: &str) -> Option<String> {
    let base = web_sys::window()?.location().href().ok()?;
    let u = web_sys::Url::new_with_base(url, &base).ok()?;
    matches!(u.protocol().as_str(), "http:" | "https:" | "mailto:").then(|| u.href())
}

fn text<'a>(content: &'a Value, path: &str) -> &'a str {
    content.get_dotted(path).as_str().unwrap_or_default()
}

/// `lang` from the content's locale and `dir="rtl"` for right-to-left
/// languages, on the placement's host (its shadow content inherits them).
fn set_language(host: &Element, content: &Value) -> Result<(), JsValue> {
    let lang = text(content, "lang");
    if !lang.is_empty() {
        host.set_attribute("lang", lang)?;
        if parcours_engine::locale::is_rtl(lang) {
            host.set_attribute("dir", "rtl")?;
        }
    }
    Ok(())
}

fn el(doc: &Document, tag: &str, class: &str) -> Result<Element, JsValue> {
    let e = doc.create_element(tag)?;
    if !class.is_empty() {
        e.set_attribute("class", class)?;
    }
    Ok(e)
}

/// Shows `d` (placement `popin` or `banner`); `on_outcome` is called once
/// when the visitor clicks the CTA or closes it. The caller keeps the
/// returned [`Popin`] and drops it to close.
pub fn show(d: &Decision, on_outcome: fn(Outcome)) -> Result<Popin, RenderError> {
    let window = web_sys::window().ok_or(RenderError::NoDocument)?;
    let doc = window.document().ok_or(RenderError::NoDocument)?;
    let body = doc.body().ok_or(RenderError::NoDocument)?;
    let modal = d.placement != "banner";
    let c = &d.content;

    let mut form_listeners = Vec::new();
    let host = el(&doc, "div", "")?;
    host.set_attribute("data-parcours-campaign", &d.campaign_id)?;
    host.set_attribute("data-parcours-variant", &d.variant_id)?;
    host.set_attribute("data-parcours-placement", &d.placement)?;
    set_language(&host, c)?;
    let root = host.attach_shadow(&web_sys::ShadowRootInit::new(web_sys::ShadowRootMode::Open))?;

    let box_class = if modal {
        "box"
    } else if d.position.as_deref() == Some("top") {
        "banner top"
    } else {
        "banner"
    };
    let dialog = el(&doc, "div", box_class)?;
    if modal {
        dialog.set_attribute("role", "dialog")?;
        dialog.set_attribute("aria-modal", "true")?;
    } else {
        dialog.set_attribute("role", "region")?;
    }
    dialog.set_attribute("aria-labelledby", "parcours-title")?;
    dialog.set_attribute("tabindex", "-1")?;

    let close = el(&doc, "button", "close")?;
    close.set_attribute("type", "button")?;
    let close_label = match text(c, "close_label") {
        "" => "Close",
        l => l,
    };
    close.set_attribute("aria-label", close_label)?;
    close.set_text_content(Some("\u{00d7}"));

    // First in the DOM (it sits in the corner): the Tab order then runs
    // close → content → form or CTA, and the trap wraps at both ends.
    dialog.append_child(&close)?;
    let title = el(&doc, "h2", "")?;
    title.set_attribute("id", "parcours-title")?;
    title.set_text_content(Some(text(c, "title")));
    dialog.append_child(&title)?;

    let body_text = text(c, "body");
    if !body_text.is_empty() {
        let p = el(&doc, "p", "")?;
        p.set_attribute("id", "parcours-body")?;
        p.set_text_content(Some(body_text));
        dialog.set_attribute("aria-describedby", "parcours-body")?;
        dialog.append_child(&p)?;
    }

    let mut form_last = None;
    if let Some(form) = c.get("form") {
        let (campaign, variant) = (d.campaign_id.clone(), d.variant_id.clone());
        let submit = Rc::new(move |a: Answers| {
            crate::sdk::form_answered(campaign.clone(), variant.clone(), a);
            on_outcome(Outcome::Clicked);
        });
        let (f, ls) = form::build(
            &doc,
            form,
            submit,
            Rc::new(move || on_outcome(Outcome::Dismissed)),
        )?;
        dialog.append_child(&f)?;
        form_last = f.query_selector(".cancel").ok().flatten();
        form_listeners = ls;
    }

    let label = text(c, "cta.label");
    let cta = if label.is_empty() || form_last.is_some() {
        None
    } else {
        let a = el(&doc, "a", "cta")?;
        if let Some(href) = safe_href(text(c, "cta.url")) {
            a.set_attribute("href", &href)?;
        } else {
            a.set_attribute("role", "button")?;
            a.set_attribute("tabindex", "0")?;
        }
        a.set_text_content(Some(label));
        dialog.append_child(&a)?;
        Some(a)
    };

    let mut listeners = form_listeners;
    let frame: Element = if modal {
        let backdrop = el(&doc, "div", "backdrop")?;
        backdrop.append_child(&dialog)?;
        let bd = backdrop.clone();
        listeners.push(Listener::new(&backdrop, "click", false, move |e| {
            if e.target()
                .is_some_and(|t| JsValue::from(t) == JsValue::from(bd.clone()))
            {
                on_outcome(Outcome::Dismissed);
            }
        }));
        backdrop
    } else {
        dialog.clone()
    };
    root.append_child(&frame)?;
    style::apply(&root, &host, &style::POPIN);

    listeners.push(Listener::new(&close, "click", false, move |_| {
        on_outcome(Outcome::Dismissed)
    }));
    if let Some(a) = &cta {
        listeners.push(Listener::new(a, "click", false, move |_| {
            on_outcome(Outcome::Clicked)
        }));
    }
    let first: HtmlElement = close.clone().unchecked_into();
    let last: HtmlElement = match (&form_last, &cta) {
        (Some(f), _) => f.clone().unchecked_into(),
        (None, Some(a)) => a.clone().unchecked_into(),
        (None, None) => first.clone(),
    };
    let sr = root.clone();
    // A modal owns the keyboard; a banner only reacts to keys pressed inside it.
    let key_target: web_sys::EventTarget = if modal {
        doc.clone().into()
    } else {
        root.clone().into()
    };
    listeners.push(Listener::new(&key_target, "keydown", modal, move |e| {
        let Some(k) = e.dyn_ref::<web_sys::KeyboardEvent>() else {
            return;
        };
        match k.key().as_str() {
            "Escape" => {
                e.prevent_default();
                on_outcome(Outcome::Dismissed);
            }
            "Tab" if modal => {
                let active = sr.active_element();
                let at = |x: &HtmlElement| {
                    active
                        .as_ref()
                        .is_some_and(|a| a == x.unchecked_ref::<Element>())
                };
                if k.shift_key() && (at(&first) || active.is_none()) {
                    e.prevent_default();
                    let _ = last.focus();
                } else if !k.shift_key() && (at(&last) || active.is_none()) {
                    e.prevent_default();
                    let _ = first.focus();
                }
            }
            _ => {}
        }
    }));

    let restore_focus = doc
        .active_element()
        .and_then(|e| e.dyn_into::<HtmlElement>().ok());
    body.append_child(&host)?;

    let mut inerted = Vec::new();
    if modal {
        let children = body.children();
        for i in 0..children.length() {
            let Some(child) = children.item(i) else {
                continue;
            };
            if child == host {
                continue;
            }
            if let Ok(h) = child.dyn_into::<HtmlElement>() {
                if !h.inert() {
                    h.set_inert(true);
                    inerted.push(h);
                }
            }
        }
    }
    if modal {
        let _ = close.unchecked_ref::<HtmlElement>().focus();
    }

    Ok(Popin {
        campaign_id: d.campaign_id.clone(),
        variant_id: d.variant_id.clone(),
        host,
        restore_focus,
        inerted,
        _listeners: listeners,
    })
}

/// Where a `slot` decision goes: the first element matching `selector`.
/// `Err` for an invalid selector, `Ok(None)` when nothing matches.
pub fn slot_target(doc: &Document, selector: &str) -> Result<Option<Element>, RenderError> {
    doc.query_selector(selector).map_err(RenderError::Selector)
}

/// Shows a `slot` decision inline: a host element appended to `target`,
/// with the content (title, body, CTA) in its shadow root. Not modal: no
/// focus moves, nothing becomes inert. `on_outcome` gets `Clicked` when the
/// CTA is followed. Dropping the returned handle removes the content.
pub fn show_slot(
    d: &Decision,
    target: &Element,
    on_outcome: impl Fn(Outcome) + 'static,
) -> Result<Popin, RenderError> {
    let doc = target.owner_document().ok_or(RenderError::NoDocument)?;
    let c = &d.content;
    let host = el(&doc, "div", "")?;
    host.set_attribute("data-parcours-campaign", &d.campaign_id)?;
    host.set_attribute("data-parcours-variant", &d.variant_id)?;
    host.set_attribute("data-parcours-placement", "slot")?;
    set_language(&host, c)?;
    let root = host.attach_shadow(&web_sys::ShadowRootInit::new(web_sys::ShadowRootMode::Open))?;
    let frame = el(&doc, "div", "slot")?;
    frame.set_attribute("role", "region")?;
    for (tag, path) in [("h2", "title"), ("p", "body")] {
        let t = text(c, path);
        if !t.is_empty() {
            let e = el(&doc, tag, "")?;
            e.set_text_content(Some(t));
            frame.append_child(&e)?;
        }
    }
    let mut listeners = Vec::new();
    let on_outcome = Rc::new(on_outcome);
    let mut has_form = false;
    if let Some(form) = c.get("form") {
        has_form = true;
        let (campaign, variant) = (d.campaign_id.clone(), d.variant_id.clone());
        let thanks = match text(c, "form.thanks_label") {
            "" => "Thank you!".to_owned(),
            t => t.to_owned(),
        };
        let done = el(&doc, "p", "thanks")?;
        done.set_attribute("role", "status")?;
        let (f, ls) = {
            let (o, d2) = (on_outcome.clone(), done.clone());
            let slot_form: Rc<std::cell::RefCell<Option<Element>>> = Rc::default();
            let (sf1, sf2) = (slot_form.clone(), slot_form.clone());
            let submit = Rc::new(move |a: Answers| {
                crate::sdk::form_answered(campaign.clone(), variant.clone(), a);
                o(Outcome::Clicked);
                d2.set_text_content(Some(&thanks));
                if let Some(f) = sf1.borrow().as_ref() {
                    f.remove();
                }
            });
            let cancel = Rc::new(move || {
                if let Some(f) = sf2.borrow().as_ref() {
                    f.remove();
                }
            });
            let built = form::build(&doc, form, submit, cancel)?;
            *slot_form.borrow_mut() = Some(built.0.clone());
            built
        };
        frame.append_child(&f)?;
        frame.append_child(&done)?;
        listeners.extend(ls);
    }
    let label = text(c, "cta.label");
    if !label.is_empty() && !has_form {
        let a = el(&doc, "a", "cta")?;
        if let Some(href) = safe_href(text(c, "cta.url")) {
            a.set_attribute("href", &href)?;
        } else {
            a.set_attribute("role", "button")?;
            a.set_attribute("tabindex", "0")?;
        }
        a.set_text_content(Some(label));
        frame.append_child(&a)?;
        let o = on_outcome.clone();
        listeners.push(Listener::new(&a, "click", false, move |_| {
            o(Outcome::Clicked)
        }));
    }
    if let Some(title) = frame.first_element_child().filter(|e| e.tag_name() == "H2") {
        title.set_attribute("id", "parcours-title")?;
        frame.set_attribute("aria-labelledby", "parcours-title")?;
    }
    root.append_child(&frame)?;
    style::apply(&root, &host, &style::SLOT);
    target.append_child(&host)?;
    Ok(Popin {
        campaign_id: d.campaign_id.clone(),
        variant_id: d.variant_id.clone(),
        host,
        restore_focus: None,
        inerted: Vec::new(),
        _listeners: listeners,
    })
}

impl Popin {
    /// Marks it as a preview link's (`data-parcours-preview` on its host),
    /// for the person previewing and their tests.
    pub fn mark_preview(&self) -> Result<(), JsValue> {
        self.host.set_attribute("data-parcours-preview", "")
    }

    /// Whether it is still in the document (the host page may have removed
    /// a slot's element).
    pub fn is_connected(&self) -> bool {
        self.host.is_connected()
    }
}

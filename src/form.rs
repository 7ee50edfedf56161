//! A content block's `form` on screen (progressive profiling, review
//! requests): typed inputs each with a visible `<label>`, a 1–5 star rating
//! as a native radio group (arrow keys move and select), validation on
//! submit with the error tied to its input (`aria-invalid`,
//! `aria-describedby`) and announced in a live region, submit and cancel.
//!
//! Answers are read as text (`value`, never HTML), cut to the field's
//! `max_length`, and keyed only by the `trait` / `name` of the decision's
//! fields, so a form can write no trait its rules did not declare.

use crate::handles::Listener;
use parcours_engine::form::DEFAULT_MAX_LENGTH;
use parcours_engine::value::{Map, Value};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlElement};

/// What a submitted form answered.
pub struct Answers {
    /// `trait` fields: the traits to merge.
    pub traits: Map,
    /// `name` fields: properties of the form's event.
    pub props: Map,
    /// Every key answered, in field order.
    pub answered: Vec<String>,
    /// Whether the form has a `rating` field (a review request).
    pub review: bool,
    /// The triggering event's `order_id`, when the decision carried one.
    pub order_id: Value,
}

/// One rendered field: its definition and its input(s).
struct Field {
    def: Value,
    inputs: Vec<Element>,
    error: Element,
}

fn el(doc: &Document, tag: &str, class: &str) -> Result<Element, JsValue> {
    let e = doc.create_element(tag)?;
    if !class.is_empty() {
        e.set_attribute("class", class)?;
    }
    Ok(e)
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or_default()
}

fn or<'a>(v: &'a str, fallback: &'a str) -> &'a str {
    if v.is_empty() {
        fallback
    } else {
        v
    }
}

fn prop(e: &Element, key: &str) -> JsValue {
    js_sys::Reflect::get(e, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

/// Builds the `<form>` for `form` (the decision's rendered `content.form`).
/// `on_submit` gets the answers once they are valid; `on_cancel` runs on
/// the cancel button. The listeners live as long as the returned handles.
pub fn build(
    doc: &Document,
    form: &Value,
    on_submit: Rc<dyn Fn(Answers)>,
    on_cancel: Rc<dyn Fn()>,
) -> Result<(Element, Vec<Listener>), JsValue> {
    let root = el(doc, "form", "form")?;
    root.set_attribute("novalidate", "")?;
    let status = el(doc, "p", "status")?;
    status.set_attribute("role", "status")?;
    status.set_attribute("aria-live", "polite")?;
    let mut fields = Vec::new();
    let list = form.get("fields").and_then(Value::as_array);
    for (i, def) in list.into_iter().flatten().enumerate() {
        let f = field(doc, def, i)?;
        root.append_child(&f.0)?;
        fields.push(f.1);
    }
    root.append_child(&status)?;
    let actions = el(doc, "div", "actions")?;
    let submit = el(doc, "button", "cta submit")?;
    submit.set_attribute("type", "submit")?;
    submit.set_text_content(Some(or(s(form, "submit_label"), "Send")));
    actions.append_child(&submit)?;
    let cancel = el(doc, "button", "cancel")?;
    cancel.set_attribute("type", "button")?;
    cancel.set_text_content(Some(or(s(form, "cancel_label"), "Not now")));
    actions.append_child(&cancel)?;
    root.append_child(&actions)?;

    let order_id = form.get("order_id").cloned().unwrap_or(Value::Null);
    let messages = form.get("messages").cloned().unwrap_or(Value::Null);
    let fields = Rc::new(fields);
    let mut listeners = Vec::new();
    listeners.push(Listener::new(&root, "submit", false, move |e| {
        e.prevent_default();
        if let Some(mut a) = collect(&fields, &messages, &status) {
            a.order_id = order_id.clone();
            on_submit(a);
        }
    }));
    listeners.push(Listener::new(&cancel, "click", false, move |_| on_cancel()));
    Ok((root, listeners))
}

/// One field's wrapper element and its handles.
fn field(doc: &Document, def: &Value, i: usize) -> Result<(Element, Field), JsValue> {
    let mut id = String::from("parcours-f");
    parcours_engine::decode::push_decimal(&mut id, i as u64);
    let mut err_id = id.clone();
    err_id.push_str("-err");
    let ty = or(s(def, "type"), "text");
    let required = def.get("required").and_then(Value::as_bool) == Some(true);
    let wrap = el(
        doc,
        if ty == "rating" { "fieldset" } else { "div" },
        "field",
    )?;
    let error = el(doc, "p", "error")?;
    error.set_attribute("id", &err_id)?;
    let mut inputs = Vec::new();
    let label_text = s(def, "label");
    if ty == "rating" {
        let legend = el(doc, "legend", "")?;
        legend.set_text_content(Some(label_text));
        wrap.append_child(&legend)?;
        wrap.set_attribute("class", "field rating")?;
        let stars = el(doc, "div", "stars")?;
        for n in 1..=5u64 {
            let mut rid = id.clone();
            rid.push('-');
            parcours_engine::decode::push_decimal(&mut rid, n);
            let input = el(doc, "input", "")?;
            input.set_attribute("type", "radio")?;
            input.set_attribute("name", &id)?;
            input.set_attribute("id", &rid)?;
            let mut v = String::new();
            parcours_engine::decode::push_decimal(&mut v, n);
            input.set_attribute("value", &v)?;
            if required && n == 1 {
                input.set_attribute("aria-required", "true")?;
            }
            let label = el(doc, "label", "")?;
            label.set_attribute("for", &rid)?;
            v.push_str(" \u{2605}");
            label.set_text_content(Some(&v));
            stars.append_child(&input)?;
            stars.append_child(&label)?;
            inputs.push(input);
        }
        wrap.append_child(&stars)?;
    } else {
        let label = el(doc, "label", "")?;
        label.set_attribute("for", &id)?;
        label.set_text_content(Some(label_text));
        let input = match ty {
            "textarea" => el(doc, "textarea", "")?,
            "choice" => {
                let select = el(doc, "select", "")?;
                let blank = el(doc, "option", "")?;
                blank.set_attribute("value", "")?;
                select.append_child(&blank)?;
                let opts = def.get("options").and_then(Value::as_array);
                for o in opts.into_iter().flatten() {
                    let opt = el(doc, "option", "")?;
                    opt.set_attribute("value", s(o, "value"))?;
                    opt.set_text_content(Some(s(o, "label")));
                    select.append_child(&opt)?;
                }
                select
            }
            _ => {
                let input = el(doc, "input", "")?;
                input.set_attribute("type", ty)?;
                let auto = match ty {
                    "email" => "email",
                    "tel" => "tel",
                    _ => "",
                };
                if !auto.is_empty() {
                    input.set_attribute("autocomplete", auto)?;
                }
                input
            }
        };
        input.set_attribute("id", &id)?;
        let placeholder = s(def, "placeholder");
        if !placeholder.is_empty() && ty != "choice" && ty != "checkbox" {
            input.set_attribute("placeholder", placeholder)?;
        }
        if required {
            input.set_attribute("aria-required", "true")?;
        }
        let mut max = String::new();
        parcours_engine::decode::push_decimal(&mut max, max_length(def) as u64);
        if matches!(ty, "text" | "email" | "tel" | "textarea") {
            input.set_attribute("maxlength", &max)?;
        }
        if ty == "checkbox" {
            wrap.set_attribute("class", "field check")?;
            wrap.append_child(&input)?;
            wrap.append_child(&label)?;
        } else {
            wrap.append_child(&label)?;
            wrap.append_child(&input)?;
        }
        inputs.push(input);
    }
    wrap.append_child(&error)?;
    Ok((
        wrap,
        Field {
            def: def.clone(),
            inputs,
            error,
        },
    ))
}

fn max_length(def: &Value) -> usize {
    def.get("max_length")
        .and_then(Value::as_f64)
        .filter(|n| *n >= 1.0)
        .map_or(DEFAULT_MAX_LENGTH, |n| n as usize)
}

/// Cuts `text` to `max` characters.
fn cut(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

/// A plausible email: one `@`, something before, a dotted domain after.
fn is_email(v: &str) -> bool {
    let Some((user, domain)) = v.split_once('@') else {
        return false;
    };
    !user.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !v.contains(char::is_whitespace)
}

fn is_tel(v: &str) -> bool {
    v.chars().filter(char::is_ascii_digit).count() >= 6
        && v.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '+' | '-' | '.' | '(' | ')'))
}

/// The English wording of each validation error, used when the form's
/// `messages` (e.g. in the visitor's language) do not word it.
fn default_message(key: &str) -> &'static str {
    match key {
        "checkbox" => "Please tick this box.",
        "rating" => "Please choose a rating.",
        "email" => "Please enter a valid email address.",
        "tel" => "Please enter a valid phone number.",
        "number" => "Please enter a number.",
        "date" => "Please enter a date.",
        _ => "This field is required.",
    }
}

/// The text of the validation error `key`: the form's own `messages.<key>`,
/// else the English default.
fn message<'a>(messages: &'a Value, key: &str) -> &'a str {
    or(s(messages, key), default_message(key))
}

/// One field's answer, or the key of its error (see [`default_message`]).
fn answer(f: &Field) -> Result<Value, &'static str> {
    let ty = or(s(&f.def, "type"), "text");
    let required = f.def.get("required").and_then(Value::as_bool) == Some(true);
    if ty == "checkbox" {
        let on = f
            .inputs
            .first()
            .is_some_and(|i| prop(i, "checked").is_truthy());
        return if required && !on {
            Err("checkbox")
        } else {
            Ok(on.into())
        };
    }
    let raw = if ty == "rating" {
        f.inputs
            .iter()
            .find(|i| prop(i, "checked").is_truthy())
            .and_then(|i| prop(i, "value").as_string())
            .unwrap_or_default()
    } else {
        f.inputs
            .first()
            .and_then(|i| prop(i, "value").as_string())
            .unwrap_or_default()
    };
    let text = cut(raw.trim(), max_length(&f.def));
    if text.is_empty() {
        return if required {
            Err(if ty == "rating" { "rating" } else { "required" })
        } else {
            Ok(Value::Null)
        };
    }
    match ty {
        "email" if !is_email(&text) => Err("email"),
        "tel" if !is_tel(&text) => Err("tel"),
        "number" | "rating" => match parcours_engine::number::parse(&text) {
            Some(n) if n.is_finite() && (ty != "rating" || (1.0..=5.0).contains(&n)) => {
                Ok(n.into())
            }
            _ => Err("number"),
        },
        "date" if parcours_engine::time::parse_iso8601(&text).is_none() => Err("date"),
        _ => Ok(text.into()),
    }
}

/// Validates every field (marking and announcing the errors, focusing the
/// first invalid one); the answers when all are valid.
fn collect(fields: &[Field], messages: &Value, status: &Element) -> Option<Answers> {
    let mut a = Answers {
        traits: Map::new(),
        props: Map::new(),
        answered: Vec::new(),
        review: false,
        order_id: Value::Null,
    };
    let mut first_error: Option<(&Element, &str)> = None;
    for f in fields {
        let result = answer(f);
        let err_id = f.error.id();
        for input in &f.inputs {
            match &result {
                Err(_) => {
                    let _ = input.set_attribute("aria-invalid", "true");
                    let _ = input.set_attribute("aria-describedby", &err_id);
                }
                Ok(_) => {
                    let _ = input.remove_attribute("aria-invalid");
                    let _ = input.remove_attribute("aria-describedby");
                }
            }
        }
        match result {
            Err(key) => {
                let msg = message(messages, key);
                f.error.set_text_content(Some(msg));
                if first_error.is_none() {
                    first_error = f.inputs.first().map(|i| (i, msg));
                }
            }
            Ok(v) => {
                f.error.set_text_content(None);
                if s(&f.def, "type") == "rating" {
                    a.review = true;
                }
                if v.is_null() {
                    continue;
                }
                let (key, map) = match f.def.get("trait").and_then(Value::as_str) {
                    Some(t) => (t, &mut a.traits),
                    None => (s(&f.def, "name"), &mut a.props),
                };
                if !key.is_empty() {
                    map.insert(key.to_owned(), v);
                    a.answered.push(key.to_owned());
                }
            }
        }
    }
    if let Some((input, msg)) = first_error {
        status.set_text_content(Some(msg));
        if let Some(h) = input.dyn_ref::<HtmlElement>() {
            let _ = h.focus();
        }
        return None;
    }
    status.set_text_content(None);
    Some(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_and_phones() {
        assert!(is_email("ana@shop.example"));
        assert!(!is_email("ana@"));
        assert!(!is_email("ana shop@x.y"));
        assert!(!is_email("not-an-email"));
        assert!(is_tel("+33 6 12 34 56 78"));
        assert!(!is_tel("call me"));
    }

    #[test]
    fn answers_are_cut_to_their_length() {
        assert_eq!(cut("héllo", 2), "hé");
    }
}

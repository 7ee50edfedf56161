//! A content block's `form`: progressive profiling and review requests.
//!
//! A field is `{ trait | name, label, type, required?, placeholder?,
//! options?, max_length? }`. A field with `trait` writes that trait (naming
//! it there is its declaration: a form writes no other trait); a field with
//! `name` becomes a property of the form's event instead (a rating, a
//! comment). Validation reports every problem with its JSON path; pruning
//! (at decision time) drops the fields whose trait the profile already has.

use crate::decode::{index_path, key_path, Obj};
use crate::error::{RuleError, RuleErrorKind};
use crate::value::Value;

/// Field types a form may ask for.
pub const FIELD_TYPES: &[&str] = &[
    "text", "email", "tel", "number", "date", "checkbox", "choice", "rating", "textarea",
];

/// The validation messages a form may word itself (`form.messages`), e.g.
/// in the visitor's language: each replaces the SDK's English default.
pub const MESSAGE_KEYS: &[&str] = &[
    "required", "email", "tel", "number", "date", "rating", "checkbox",
];

/// The length an answer is cut to when the field sets no `max_length`.
pub const DEFAULT_MAX_LENGTH: usize = 500;

/// The largest `max_length` a field may set.
pub const MAX_MAX_LENGTH: f64 = 5000.0;

/// Checks `form` (the value of a content block's `form` key, at `path`).
pub fn validate(form_v: &Value, path: &str, errs: &mut Vec<RuleError>) {
    let Some(form) = Obj::new(form_v, path, errs) else {
        return;
    };
    form.deny_unknown(
        &["fields", "submit_label", "cancel_label", "messages"],
        errs,
    );
    form.opt_str("submit_label", errs);
    form.opt_str("cancel_label", errs);
    if let Some(messages) = form.opt_obj("messages", errs) {
        messages.deny_unknown(MESSAGE_KEYS, errs);
        for key in MESSAGE_KEYS {
            messages.opt_str(key, errs);
        }
    }
    let Some(fields) = form.opt_array("fields", errs) else {
        if form.get("fields").is_none() {
            errs.push(RuleError::new(
                form.at("fields"),
                RuleErrorKind::Missing,
                "`fields` is required",
            ));
        }
        return;
    };
    if fields.is_empty() {
        errs.push(RuleError::new(
            form.at("fields"),
            RuleErrorKind::Invalid,
            "a form needs at least one field",
        ));
    }
    let mut keys: Vec<&str> = Vec::new();
    for (i, f) in fields.iter().enumerate() {
        if let Some(key) = validate_field(f, &index_path(&form.at("fields"), i), errs) {
            if keys.contains(&key) {
                errs.push(RuleError::new(
                    index_path(&form.at("fields"), i),
                    RuleErrorKind::Duplicate,
                    crate::msg!("`{key}` is asked twice"),
                ));
            } else {
                keys.push(key);
            }
        }
    }
}

/// Checks one field; its trait or name when valid.
fn validate_field<'a>(f: &'a Value, path: &str, errs: &mut Vec<RuleError>) -> Option<&'a str> {
    let fo = Obj::new(f, path, errs)?;
    fo.deny_unknown(
        &[
            "trait",
            "name",
            "label",
            "type",
            "required",
            "placeholder",
            "options",
            "max_length",
        ],
        errs,
    );
    let key = match (fo.get("trait"), fo.get("name")) {
        (Some(_), Some(_)) => {
            errs.push(RuleError::new(
                fo.at("name"),
                RuleErrorKind::Invalid,
                "a field has either `trait` or `name`, not both",
            ));
            None
        }
        (None, None) => {
            errs.push(RuleError::new(
                fo.at("trait"),
                RuleErrorKind::Missing,
                "a field needs `trait` (writes a trait) or `name` (an event property)",
            ));
            None
        }
        (Some(_), None) => key_name(&fo, "trait", errs),
        (None, Some(_)) => key_name(&fo, "name", errs),
    };
    if fo.str("label", errs).is_some_and(str::is_empty) {
        errs.push(RuleError::new(
            fo.at("label"),
            RuleErrorKind::Invalid,
            "a field needs a visible label",
        ));
    }
    fo.opt_str("placeholder", errs);
    fo.opt_bool("required", errs);
    if let Some(n) = fo.opt_non_negative("max_length", errs) {
        if !(1.0..=MAX_MAX_LENGTH).contains(&n) || n.fract() != 0.0 {
            errs.push(RuleError::new(
                fo.at("max_length"),
                RuleErrorKind::Invalid,
                "`max_length` must be a whole number from 1 to 5000",
            ));
        }
    }
    let ty = fo.str("type", errs);
    if let Some(ty) = ty {
        if !FIELD_TYPES.contains(&ty) {
            errs.push(RuleError::new(
                fo.at("type"),
                RuleErrorKind::Invalid,
                crate::msg!(
                    "unknown field type `{ty}` (expected one of: {})",
                    FIELD_TYPES.join(", ")
                ),
            ));
        }
    }
    let options = fo.opt_array("options", errs);
    match (ty, options) {
        (Some("choice"), None) if fo.get("options").is_none() => errs.push(RuleError::new(
            fo.at("options"),
            RuleErrorKind::Missing,
            "a `choice` field needs `options`",
        )),
        (Some("choice"), Some(list)) => validate_options(list, &fo.at("options"), errs),
        (Some(_), Some(_)) => errs.push(RuleError::new(
            fo.at("options"),
            RuleErrorKind::Invalid,
            "only a `choice` field has `options`",
        )),
        _ => {}
    }
    key
}

/// `trait` or `name`: a non-empty string without `.`.
fn key_name<'a>(fo: &Obj<'a>, key: &str, errs: &mut Vec<RuleError>) -> Option<&'a str> {
    let t = fo.str(key, errs)?;
    if t.is_empty() || t.contains('.') {
        errs.push(RuleError::new(
            fo.at(key),
            RuleErrorKind::Invalid,
            "a trait or field name must be non-empty and contain no `.`",
        ));
        return None;
    }
    Some(t)
}

fn validate_options(list: &[Value], path: &str, errs: &mut Vec<RuleError>) {
    if list.is_empty() {
        errs.push(RuleError::new(
            path,
            RuleErrorKind::Invalid,
            "a `choice` field needs at least one option",
        ));
    }
    for (i, o) in list.iter().enumerate() {
        let Some(oo) = Obj::new(o, index_path(path, i), errs) else {
            continue;
        };
        oo.deny_unknown(&["value", "label"], errs);
        oo.str("value", errs);
        oo.str("label", errs);
    }
}

/// Whether `field` still has something to ask: a `name` field always, a
/// `trait` field while the profile (`ctx.traits`) lacks that trait.
fn still_asked(field: &Value, traits: Option<&Value>) -> bool {
    match field.get("trait").and_then(Value::as_str) {
        Some(t) => traits
            .and_then(|tr| tr.get(t))
            .is_none_or(|v| v.is_null() || v.as_str() == Some("")),
        None => true,
    }
}

fn is_trait_field(field: &Value) -> bool {
    field.get("trait").is_some_and(|t| t.as_str().is_some())
}

/// Whether a form whose fields are `list` still asks something once the
/// known traits are dropped: some field left, and for a profiling form
/// (one with trait fields) some trait field left.
fn asks(list: &[Value], traits: Option<&Value>) -> bool {
    let had_traits = list.iter().any(is_trait_field);
    let mut left = list.iter().filter(|f| still_asked(f, traits));
    match had_traits {
        true => left.any(is_trait_field),
        false => left.next().is_some(),
    }
}

/// Drops the fields whose trait the profile (`ctx.traits`) already has.
/// `false` when nothing is left to ask: no field at all, or a profiling
/// form (one with trait fields) whose every trait is known. A form of only
/// `name` fields (a review request) is always asked.
pub fn prune(form: &mut Value, ctx: &Value) -> bool {
    let Some(Value::Array(list)) = form.as_object_mut().and_then(|m| m.get_mut("fields")) else {
        return false;
    };
    let traits = ctx.get("traits");
    let asked = asks(list, traits);
    list.retain(|f| still_asked(f, traits));
    asked
}

/// Whether `content` (a variant's content, perhaps keyed by locale) is a
/// form with nothing left to ask the visitor (see [`prune`]): such a
/// variant is not shown at all, since the form was its purpose.
pub fn asks_nothing(content: &Value, ctx: &Value) -> bool {
    // Most content has no form, in any locale block: no locale to pick.
    let has_form = |v: &Value| v.get("form").is_some();
    if !has_form(content)
        && !content
            .as_object()
            .is_some_and(|m| m.values().any(has_form))
    {
        return false;
    }
    let language = ctx
        .get_dotted("device.language")
        .as_str()
        .unwrap_or_default();
    let block = crate::locale::pick(content, language).map_or(content, |(_, b)| b);
    match block.get("form").and_then(|f| f.get("fields")) {
        Some(Value::Array(list)) => !asks(list, ctx.get("traits")),
        _ => false,
    }
}

/// Adds to a rendered form what its event needs from the triggering event:
/// `order_id` (a review request shown after `Order Completed`).
pub fn attach_event(form: &mut Value, ctx: &Value) {
    let order = ctx.get_dotted("event.properties.order_id");
    if matches!(order, Value::String(_) | Value::Number(_)) {
        form.insert("order_id", order.clone());
    }
}

/// The path of `form` in a content block at `path`.
pub fn path_in(content_path: &str) -> String {
    key_path(content_path, "form")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(form: &str) -> Vec<(String, &'static str)> {
        let v: Value = serde_json::from_str(form).expect("json");
        let mut errs = Vec::new();
        validate(&v, "campaigns[0].variants[0].content.form", &mut errs);
        errs.into_iter().map(|e| (e.path, e.kind.name())).collect()
    }

    const P: &str = "campaigns[0].variants[0].content.form";

    #[test]
    fn every_field_type_is_accepted() {
        for ty in FIELD_TYPES {
            let extra = if *ty == "choice" {
                r#","options":[{"value":"m","label":"Mme"}]"#
            } else {
                ""
            };
            let form = format!(
                r#"{{"fields":[{{"trait":"t","label":"L","type":"{ty}","required":true,"placeholder":"p","max_length":40{extra}}}]}}"#
            );
            assert_eq!(errors(&form), vec![], "{ty}");
        }
        let review = r#"{"fields":[{"name":"rating","label":"Note","type":"rating","required":true},{"name":"comment","label":"Avis","type":"textarea"}],"submit_label":"Envoyer","cancel_label":"Plus tard"}"#;
        assert_eq!(errors(review), vec![]);
    }

    #[test]
    fn bad_fields_are_reported_at_their_path() {
        let e = errors(r#"{"fields":[{"trait":"a","label":"L","type":"colour"}]}"#);
        assert_eq!(e, vec![(format!("{P}.fields[0].type"), "invalid")]);
        let e = errors(r#"{"fields":[{"label":"L","type":"text"}]}"#);
        assert_eq!(e, vec![(format!("{P}.fields[0].trait"), "missing")]);
        let e = errors(r#"{"fields":[{"trait":"a","name":"b","label":"L","type":"text"}]}"#);
        assert_eq!(e, vec![(format!("{P}.fields[0].name"), "invalid")]);
        let e = errors(r#"{"fields":[{"trait":"a","label":"L","type":"choice"}]}"#);
        assert_eq!(e, vec![(format!("{P}.fields[0].options"), "missing")]);
        let e = errors(
            r#"{"fields":[{"trait":"a","label":"L","type":"choice","options":[{"value":1,"label":"x"}]}]}"#,
        );
        assert_eq!(
            e,
            vec![(format!("{P}.fields[0].options[0].value"), "wrong_type")]
        );
        let e = errors(r#"{"fields":[{"trait":"a","label":"L","type":"text","options":[]}]}"#);
        assert_eq!(e, vec![(format!("{P}.fields[0].options"), "invalid")]);
        let e = errors(r#"{"fields":[{"trait":"a","label":"L","type":"text","max_length":0}]}"#);
        assert_eq!(e, vec![(format!("{P}.fields[0].max_length"), "invalid")]);
        let e = errors(r#"{"fields":[{"trait":"a","label":"","type":"text"}]}"#);
        assert_eq!(e, vec![(format!("{P}.fields[0].label"), "invalid")]);
        let e = errors(r#"{"fields":[{"trait":"a","type":"text"}]}"#);
        assert_eq!(e, vec![(format!("{P}.fields[0].label"), "missing")]);
        let e = errors(r#"{"fields":[{"trait":"a.b","label":"L","type":"text"}]}"#);
        assert_eq!(e, vec![(format!("{P}.fields[0].trait"), "invalid")]);
        let e = errors(
            r#"{"fields":[{"trait":"a","label":"L","type":"text"},{"trait":"a","label":"M","type":"email"}]}"#,
        );
        assert_eq!(e, vec![(format!("{P}.fields[1]"), "duplicate")]);
        assert_eq!(errors(r#"{}"#), vec![(format!("{P}.fields"), "missing")]);
        assert_eq!(
            errors(r#"{"fields":[]}"#),
            vec![(format!("{P}.fields"), "invalid")]
        );
    }

    #[test]
    fn a_review_form_stays_and_a_profiling_form_goes_when_all_is_known() {
        let ctx = Value::from_pairs([("traits", Value::from_pairs([("email", "a@b.c".into())]))]);
        let mut review = serde_json::from_str::<Value>(
            r#"{"fields":[{"name":"rating","label":"N","type":"rating"}]}"#,
        )
        .expect("json");
        assert!(prune(&mut review, &ctx));
        let mut mixed = serde_json::from_str::<Value>(
            r#"{"fields":[{"trait":"email","label":"E","type":"email"},{"name":"optin","label":"O","type":"checkbox"}]}"#,
        )
        .expect("json");
        assert!(!prune(&mut mixed, &ctx));
    }

    #[test]
    fn messages_are_strings_under_known_keys() {
        assert_eq!(
            errors(
                r#"{"fields":[{"trait":"a","label":"L","type":"text"}],"messages":{"required":"Obligatoire","email":"Adresse invalide"}}"#
            ),
            vec![]
        );
        assert_eq!(
            errors(
                r#"{"fields":[{"trait":"a","label":"L","type":"text"}],"messages":{"requried":"x","email":3}}"#
            ),
            vec![
                (format!("{P}.messages.requried"), "unknown_field"),
                (format!("{P}.messages.email"), "wrong_type"),
            ]
        );
    }

    #[test]
    fn a_content_whose_form_has_nothing_left_asks_nothing() {
        let ctx = Value::from_pairs([("traits", Value::from_pairs([("email", "a@b.c".into())]))]);
        let content = |fields: &str| {
            serde_json::from_str::<Value>(&format!(
                r#"{{"title":"T","form":{{"fields":{fields}}}}}"#
            ))
            .expect("json")
        };
        let known = content(
            r#"[{"trait":"email","label":"E","type":"email"},{"name":"optin","label":"O","type":"checkbox"}]"#,
        );
        assert!(asks_nothing(&known, &ctx));
        let more = content(
            r#"[{"trait":"email","label":"E","type":"email"},{"trait":"city","label":"C","type":"text"}]"#,
        );
        assert!(!asks_nothing(&more, &ctx));
        let review = content(r#"[{"name":"rating","label":"N","type":"rating"}]"#);
        assert!(!asks_nothing(&review, &ctx));
        assert!(!asks_nothing(
            &Value::from_pairs([("title", "no form".into())]),
            &ctx
        ));
        let localised = serde_json::from_str::<Value>(
            r#"{"fr":{"form":{"fields":[{"trait":"email","label":"E","type":"email"}]}},"default":{"title":"T"}}"#,
        )
        .expect("json");
        let mut fr = ctx.clone();
        fr.insert("device", Value::from_pairs([("language", "fr-FR".into())]));
        assert!(
            asks_nothing(&localised, &fr),
            "the visitor's block is the one judged"
        );
        assert!(
            !asks_nothing(&localised, &ctx),
            "the default block has no form"
        );
    }

    #[test]
    fn the_order_id_of_the_triggering_event_is_attached() {
        let ctx = Value::from_pairs([(
            "event",
            Value::from_pairs([(
                "properties",
                Value::from_pairs([("order_id", "A-17".into())]),
            )]),
        )]);
        let mut form = Value::object();
        attach_event(&mut form, &ctx);
        assert_eq!(form.get("order_id").and_then(Value::as_str), Some("A-17"));
        let mut none = Value::object();
        attach_event(&mut none, &Value::object());
        assert!(none.get("order_id").is_none());
    }
}

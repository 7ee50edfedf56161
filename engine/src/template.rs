//! Text-only content templates: `{{ path | default: "..." }}`.
//!
//! Paths read the evaluation context (`traits.first_name`, `computed.top_category`)
//! and the campaign's offer (`offer.code`). The output is always plain text:
//! the renderer sets `textContent`, so nothing here is HTML. A missing value
//! (absent, `null`, `false`, `""`, as Liquid's `default`) gives the default, or
//! an empty string. An unclosed `{{` stays as text.
//!
//! ```
//! use parcours_engine::template::render;
//! use parcours_engine::Value;
//! let ctx = Value::from_pairs([("traits", Value::from_pairs([("first_name", "Ana".into())]))]);
//! let offer = Value::from_pairs([("code", "RETOUR10".into())]);
//! assert_eq!(render("Hi {{ traits.first_name }}, use {{offer.code}}", &ctx, &offer), "Hi Ana, use RETOUR10");
//! assert_eq!(render("Hi {{ traits.nick | default: \"you\" }}", &ctx, &offer), "Hi you");
//! ```

use crate::decode::{index_path, Obj};
use crate::error::{RuleError, RuleErrorKind};
use crate::value::{Map, Value};

/// Renders one template string.
pub fn render(template: &str, ctx: &Value, offer: &Value) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find("{{") {
        let Some(close) = rest[open + 2..].find("}}") else {
            break;
        };
        out.push_str(&rest[..open]);
        out.push_str(&expression(&rest[open + 2..open + 2 + close], ctx, offer));
        rest = &rest[open + 2 + close + 2..];
    }
    out.push_str(rest);
    out
}

/// One `path | default: "..."` expression.
fn expression(expr: &str, ctx: &Value, offer: &Value) -> String {
    let (path, filter) = match expr.find('|') {
        Some(i) => (expr[..i].trim(), Some(expr[i + 1..].trim())),
        None => (expr.trim(), None),
    };
    let value = match path.strip_prefix("offer.") {
        Some(rest) => offer.get_dotted(rest),
        None if path == "offer" => offer,
        None if path.is_empty() => &Value::Null,
        None => ctx.get_dotted(path),
    };
    if let Some(text) = text_of(value) {
        return text;
    }
    filter.and_then(default_of).unwrap_or_default()
}

/// The text of a value, `None` when Liquid's `default` would apply.
fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(_) | Value::Bool(true) => Some(v.to_js_string()),
        Value::Array(a) if !a.is_empty() => Some(v.to_js_string()),
        _ => None,
    }
}

/// The argument of `default: "..."` (or `'...'`, or a bare word).
fn default_of(filter: &str) -> Option<String> {
    let arg = filter
        .strip_prefix("default")?
        .trim_start()
        .strip_prefix(':')?
        .trim();
    let mut chars = arg.chars();
    match chars.next() {
        Some(q @ ('"' | '\'')) => {
            let body = &arg[1..];
            let mut out = String::new();
            let mut esc = false;
            for c in body.chars() {
                match (esc, c) {
                    (true, c) => {
                        out.push(c);
                        esc = false;
                    }
                    (false, '\\') => esc = true,
                    (false, c) if c == q => return Some(out),
                    (false, c) => out.push(c),
                }
            }
            Some(out)
        }
        _ => Some(arg.to_owned()),
    }
}

/// A URL the renderer may use: `http(s)`, `mailto`, or relative. `None` otherwise
/// (`javascript:`, `data:` …), in which case the URL is dropped.
pub fn safe_url(url: &str) -> Option<String> {
    // Browsers strip leading controls/spaces and ignore tabs and newlines anywhere.
    let cleaned: String = url
        .trim_start_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    let end = cleaned.find(['/', '?', '#']).unwrap_or(cleaned.len());
    match cleaned[..end].find(':') {
        None => Some(cleaned),
        Some(i) => {
            let scheme = cleaned[..i].to_ascii_lowercase();
            matches!(scheme.as_str(), "http" | "https" | "mailto").then_some(cleaned)
        }
    }
}

/// Renders every string of a variant's content; URLs (`url` keys) that are
/// not http(s), relative or mailto are dropped; a `form` loses the fields
/// whose trait the profile already has, and disappears when none remain.
pub fn render_content(content: &Value, ctx: &Value, offer: &Value) -> Value {
    let mut out = walk(content, ctx, offer);
    if let Some(m) = out.as_object_mut() {
        if let Some(form) = m.get_mut("form") {
            if !prune_form(form, ctx) {
                m.remove("form");
            }
        }
    }
    out
}

fn walk(v: &Value, ctx: &Value, offer: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(render(s, ctx, offer)),
        Value::Array(a) => Value::Array(a.iter().map(|x| walk(x, ctx, offer)).collect()),
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, x) in m {
                let x = walk(x, ctx, offer);
                if k == "url" {
                    match x.as_str().and_then(safe_url) {
                        Some(u) => out.insert(k.clone(), Value::String(u)),
                        None => continue,
                    };
                } else {
                    out.insert(k.clone(), x);
                }
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
}

/// Drops fields whose trait is known; `false` when no field remains.
fn prune_form(form: &mut Value, ctx: &Value) -> bool {
    let Some(fields) = form.as_object_mut().and_then(|m| m.get_mut("fields")) else {
        return false;
    };
    let Value::Array(list) = fields else {
        return false;
    };
    list.retain(|f| {
        let t = f.get("trait").and_then(Value::as_str).unwrap_or("");
        let known = ctx.get("traits").and_then(|tr| tr.get(t));
        !t.is_empty() && known.is_none_or(|v| v.is_null() || v.as_str() == Some(""))
    });
    !list.is_empty()
}

/// Field types a form may ask for.
pub const FORM_TYPES: &[&str] = &["text", "email", "tel", "number", "date", "checkbox"];

/// Checks a content object's `form` (the rest of the content is free-form).
pub fn validate_content(content: &Value, path: &str, errs: &mut Vec<RuleError>) {
    let Some(form_v) = content.get("form").filter(|f| !f.is_null()) else {
        return;
    };
    let Some(form) = Obj::new(form_v, crate::decode::key_path(path, "form"), errs) else {
        return;
    };
    form.deny_unknown(&["fields", "submit_label"], errs);
    form.opt_str("submit_label", errs);
    let Some(fields) = form.opt_array("fields", errs) else {
        errs.push(RuleError::new(
            form.at("fields"),
            RuleErrorKind::Missing,
            "`fields` is required",
        ));
        return;
    };
    for (i, f) in fields.iter().enumerate() {
        let Some(fo) = Obj::new(f, index_path(&form.at("fields"), i), errs) else {
            continue;
        };
        fo.deny_unknown(&["trait", "label", "type", "required", "placeholder"], errs);
        if let Some(t) = fo.str("trait", errs) {
            if t.is_empty() || t.contains('.') {
                errs.push(RuleError::new(
                    fo.at("trait"),
                    RuleErrorKind::Invalid,
                    "a trait name must be non-empty and contain no `.`",
                ));
            }
        }
        fo.opt_str("label", errs);
        fo.opt_str("placeholder", errs);
        fo.opt_bool("required", errs);
        if let Some(ty) = fo.opt_str("type", errs) {
            if !FORM_TYPES.contains(&ty) {
                errs.push(RuleError::new(
                    fo.at("type"),
                    RuleErrorKind::Invalid,
                    crate::msg!(
                        "unknown field type `{ty}` (expected one of: {})",
                        FORM_TYPES.join(", ")
                    ),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Value {
        Value::from_pairs([
            (
                "traits",
                Value::from_pairs([("first_name", "Ana".into()), ("email", "a@b.c".into())]),
            ),
            ("visit", Value::from_pairs([("count", 3.0.into())])),
        ])
    }

    #[test]
    fn missing_path_without_default_renders_empty() {
        assert_eq!(render("[{{ traits.nope }}]", &ctx(), &Value::Null), "[]");
    }

    #[test]
    fn numbers_render_as_javascript_prints_them() {
        assert_eq!(
            render("visit {{visit.count}}", &ctx(), &Value::Null),
            "visit 3"
        );
    }

    #[test]
    fn unclosed_braces_stay_as_text() {
        assert_eq!(
            render("a {{ traits.first_name", &ctx(), &Value::Null),
            "a {{ traits.first_name"
        );
        assert_eq!(render("{{a}} {{ b", &ctx(), &Value::Null), " {{ b");
    }

    #[test]
    fn html_stays_text() {
        let c = Value::from_pairs([("traits", Value::from_pairs([("n", "<b>x</b>".into())]))]);
        assert_eq!(render("{{traits.n}}", &c, &Value::Null), "<b>x</b>");
    }

    #[test]
    fn default_accepts_single_quotes_and_escapes() {
        assert_eq!(
            render("{{ x | default: 'a \\' b' }}", &ctx(), &Value::Null),
            "a ' b"
        );
    }

    #[test]
    fn dangerous_urls_are_dropped() {
        assert_eq!(safe_url("javascript:alert(1)"), None);
        assert_eq!(safe_url(" java\tscript:alert(1)"), None);
        assert_eq!(safe_url("data:text/html,x"), None);
        assert_eq!(safe_url("HTTPS://x.y/z").as_deref(), Some("HTTPS://x.y/z"));
        assert_eq!(safe_url("/promo?a=b:c").as_deref(), Some("/promo?a=b:c"));
        assert_eq!(safe_url("mailto:a@b.c").as_deref(), Some("mailto:a@b.c"));
        let content = Value::from_pairs([(
            "cta",
            Value::from_pairs([("url", "javascript:x".into()), ("label", "Go".into())]),
        )]);
        let out = render_content(&content, &ctx(), &Value::Null);
        assert!(out.get_dotted("cta.url").is_null());
        assert_eq!(out.get_dotted("cta.label").as_str(), Some("Go"));
    }

    #[test]
    fn form_never_asks_for_a_known_trait() {
        let field = |t: &str| Value::from_pairs([("trait", t.into()), ("label", "L".into())]);
        let content = Value::from_pairs([(
            "form",
            Value::from_pairs([(
                "fields",
                Value::Array(vec![field("email"), field("birthday")]),
            )]),
        )]);
        let out = render_content(&content, &ctx(), &Value::Null);
        let fields = out
            .get_dotted("form.fields")
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(fields.len(), 1);
        assert_eq!(
            fields[0].get("trait").and_then(Value::as_str),
            Some("birthday")
        );
        let only_known = Value::from_pairs([(
            "form",
            Value::from_pairs([("fields", Value::Array(vec![field("email")]))]),
        )]);
        assert!(render_content(&only_known, &ctx(), &Value::Null)
            .get("form")
            .is_none());
    }
}

//! Text-only content templates: `{{ path | default: "..." }}`, with the
//! locale filters `| number`, `| currency: "EUR"` and `| date` (formatted by
//! the host's [`Format`] hook: `Intl` in the browser).
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

use crate::error::RuleError;
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

/// One `path | filter | ...` expression. Filters: `number`, `currency: "EUR"`,
/// `date` (formatted by the [`Format`] hook for the visitor's locale) and
/// `default: "..."` (which ends the chain).
fn expression(expr: &str, ctx: &Value, offer: &Value) -> String {
    let (path, mut filters) = match expr.find('|') {
        Some(i) => (expr[..i].trim(), expr[i + 1..].trim()),
        None => (expr.trim(), ""),
    };
    let value = match path.strip_prefix("offer.") {
        Some(rest) => offer.get_dotted(rest),
        None if path == "offer" => offer,
        None if path.is_empty() => &Value::Null,
        None => ctx.get_dotted(path),
    };
    let mut text = text_of(value);
    let locale = ctx
        .get_dotted("device.language")
        .as_str()
        .unwrap_or_default();
    while !filters.is_empty() {
        if filters.starts_with("default") {
            return text.or_else(|| default_of(filters)).unwrap_or_default();
        }
        let (filter, rest) = match filters.find('|') {
            Some(i) => (filters[..i].trim(), filters[i + 1..].trim()),
            None => (filters, ""),
        };
        filters = rest;
        if text.is_some() {
            text = apply_filter(filter, value, locale).or(text);
        }
    }
    text.unwrap_or_default()
}

/// `number`, `currency: CODE` or `date` on `v`; `None` (the value's own
/// text stays) for another filter or a value it cannot format.
fn apply_filter(filter: &str, v: &Value, locale: &str) -> Option<String> {
    let number = || {
        match v {
            Value::Number(n) => Some(*n),
            Value::String(s) => crate::number::parse(s.trim()),
            _ => None,
        }
        .filter(|n| n.is_finite())
    };
    if filter == "number" {
        let n = number()?;
        return Some(with_format(|f| f.number(n, locale)));
    }
    if filter == "date" {
        let ms = match v {
            Value::Number(n) => Some(*n),
            Value::String(s) => crate::time::parse_iso8601(s),
            _ => None,
        }?;
        let date_only = v.as_str().is_some_and(|s| s.trim().len() == 10);
        return Some(with_format(|f| f.date(ms, date_only, locale)));
    }
    let code = filter.strip_prefix("currency")?.trim_start();
    let code = code.strip_prefix(':').map_or("", str::trim);
    let code = code.trim_matches(|c| c == '"' || c == '\'');
    let code = if code.is_empty() { "EUR" } else { code };
    let n = number()?;
    Some(with_format(|f| f.currency(n, code, locale)))
}

/// Formats numbers, amounts and dates for a locale (BCP 47). The engine
/// stays pure: the browser SDK installs one built on `Intl`; without one
/// ([`Plain`]) numbers print as JavaScript prints them and dates as ISO.
pub trait Format {
    /// `1234.5` → `1 234,5` (fr).
    fn number(&self, n: f64, locale: &str) -> String;
    /// `12.5`, `EUR` → `12,50 €` (fr).
    fn currency(&self, n: f64, code: &str, locale: &str) -> String;
    /// Epoch ms → a date (`date_only`: the value was a calendar date,
    /// to format in UTC so the day does not shift).
    fn date(&self, ms: f64, date_only: bool, locale: &str) -> String;
}

/// The formatter used when the host installs none.
pub struct Plain;

impl Format for Plain {
    fn number(&self, n: f64, _: &str) -> String {
        crate::value::number_to_string(n)
    }
    fn currency(&self, n: f64, code: &str, _: &str) -> String {
        let mut s = crate::value::number_to_string(n);
        s.push(' ');
        s.push_str(code);
        s
    }
    fn date(&self, ms: f64, _: bool, _: &str) -> String {
        crate::time::format_date(ms, 0)
    }
}

std::thread_local! {
    static FORMAT: std::cell::RefCell<Option<Box<dyn Format>>> = const { std::cell::RefCell::new(None) };
}

/// Installs the formatter templates use (on this thread); `None` restores [`Plain`].
pub fn set_format(f: Option<Box<dyn Format>>) {
    FORMAT.with(|cell| *cell.borrow_mut() = f);
}

fn with_format(run: impl FnOnce(&dyn Format) -> String) -> String {
    FORMAT.with(|cell| match cell.try_borrow() {
        Ok(f) => run(f.as_deref().unwrap_or(&Plain)),
        Err(_) => run(&Plain),
    })
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
/// whose trait the profile already has, and disappears when nothing is
/// left to ask ([`crate::form::prune`]); it gets the triggering event's
/// `order_id`. Content keyed by locale ([`crate::locale`]) is first narrowed
/// to the visitor's block, whose key becomes the content's `lang`.
pub fn render_content(content: &Value, ctx: &Value, offer: &Value) -> Value {
    let language = ctx
        .get_dotted("device.language")
        .as_str()
        .unwrap_or_default();
    let (lang, block) = match crate::locale::pick(content, language) {
        Some((tag, block)) => (Some(tag), block),
        None => (None, content),
    };
    let mut out = walk(block, ctx, offer);
    if let Some(m) = out.as_object_mut() {
        if let Some(form) = m.get_mut("form") {
            if crate::form::prune(form, ctx) {
                crate::form::attach_event(form, ctx);
            } else {
                m.remove("form");
            }
        }
        if let Some(tag) = lang.filter(|t| *t != crate::locale::DEFAULT) {
            m.insert("lang".into(), tag.into());
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

/// Checks a content object (the rest of the content is free-form): its
/// `form`, and each block of content keyed by locale.
pub fn validate_content(content: &Value, path: &str, errs: &mut Vec<RuleError>) {
    if crate::locale::is_localised(content) {
        if let Some(m) = content.as_object() {
            for (tag, block) in m {
                validate_block(block, &crate::decode::key_path(path, tag), errs);
            }
        }
        return;
    }
    validate_block(content, path, errs);
}

fn validate_block(content: &Value, path: &str, errs: &mut Vec<RuleError>) {
    if let Some(form) = content.get("form").filter(|f| !f.is_null()) {
        crate::form::validate(form, &crate::form::path_in(path), errs);
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

    struct Fake;
    impl Format for Fake {
        fn number(&self, n: f64, locale: &str) -> String {
            let mut s = String::from(locale);
            s.push(':');
            s.push_str(&crate::value::number_to_string(n));
            s
        }
        fn currency(&self, n: f64, code: &str, locale: &str) -> String {
            let mut s = self.number(n, locale);
            s.push(' ');
            s.push_str(code);
            s
        }
        fn date(&self, ms: f64, date_only: bool, locale: &str) -> String {
            let mut s = self.number(ms, locale);
            s.push_str(if date_only { " day" } else { " time" });
            s
        }
    }

    fn fr_ctx() -> Value {
        Value::from_pairs([
            ("device", Value::from_pairs([("language", "fr-FR".into())])),
            (
                "event",
                Value::from_pairs([(
                    "properties",
                    Value::from_pairs([
                        ("revenue", 1234.5.into()),
                        ("day", "1970-01-02".into()),
                        ("order_id", "A-1".into()),
                    ]),
                )]),
            ),
        ])
    }

    #[test]
    fn locale_filters_go_through_the_installed_formatter() {
        set_format(Some(Box::new(Fake)));
        let c = fr_ctx();
        let r = |t: &str| render(t, &c, &Value::Null);
        assert_eq!(r("{{ event.properties.revenue | number }}"), "fr-FR:1234.5");
        assert_eq!(
            r("{{ event.properties.revenue | currency: \"EUR\" }}"),
            "fr-FR:1234.5 EUR"
        );
        assert_eq!(
            r("{{ event.properties.revenue | currency: 'usd' }}"),
            "fr-FR:1234.5 usd"
        );
        assert_eq!(r("{{ event.properties.day | date }}"), "fr-FR:86400000 day");
        assert_eq!(
            r("{{ event.properties.nope | number | default: \"-\" }}"),
            "-"
        );
        assert_eq!(r("{{ event.properties.order_id | number }}"), "A-1");
        set_format(None);
        assert_eq!(
            r("{{ event.properties.revenue | currency: \"EUR\" }}"),
            "1234.5 EUR"
        );
        assert_eq!(r("{{ event.properties.day | date }}"), "1970-01-02");
    }

    #[test]
    fn localised_content_renders_the_visitor_block_and_says_its_lang() {
        let block = |t: &str| Value::from_pairs([("title", t.into())]);
        let content = Value::from_pairs([
            ("fr", block("Bonjour {{ event.properties.order_id }}")),
            ("ar", block("marhaban")),
            ("default", block("Hello")),
        ]);
        let out = render_content(&content, &fr_ctx(), &Value::Null);
        assert_eq!(
            out.get("title").and_then(Value::as_str),
            Some("Bonjour A-1")
        );
        assert_eq!(out.get("lang").and_then(Value::as_str), Some("fr"));
        let de = Value::from_pairs([("device", Value::from_pairs([("language", "de".into())]))]);
        let out = render_content(&content, &de, &Value::Null);
        assert_eq!(out.get("title").and_then(Value::as_str), Some("Hello"));
        assert!(out.get("lang").is_none());
    }

    #[test]
    fn each_localised_block_is_validated_at_its_path() {
        let bad_form = Value::from_pairs([(
            "form",
            Value::from_pairs([("fields", Value::Array(vec![Value::object()]))]),
        )]);
        let content = Value::from_pairs([("fr-CA", bad_form), ("default", Value::object())]);
        let mut errs = Vec::new();
        validate_content(&content, "c", &mut errs);
        assert!(!errs.is_empty());
        assert!(
            errs.iter()
                .all(|e| e.path.starts_with("c[\"fr-CA\"].form.fields[0]")),
            "{errs:?}"
        );
    }
}

//! Localised content: a variant's `content` may be an object keyed by
//! locale (`{"fr": {...}, "fr-CA": {...}, "en": {...}, "default": {...}}`).
//! The visitor's language (`device.language`, BCP 47) picks the block: the
//! exact tag, else the same language (`fr-CA` → `fr`, then any `fr-*`),
//! else `default`, else the first locale in key order.
//!
//! ```
//! use parcours_engine::locale::pick;
//! use parcours_engine::Value;
//! let c = Value::from_pairs([
//!     ("fr", Value::from_pairs([("title", "Bonjour".into())])),
//!     ("default", Value::from_pairs([("title", "Hello".into())])),
//! ]);
//! assert_eq!(pick(&c, "fr-CA").map(|(tag, _)| tag), Some("fr"));
//! assert_eq!(pick(&c, "de-DE").map(|(tag, _)| tag), Some("default"));
//! ```

use crate::value::Value;

/// The key of the fallback block.
pub const DEFAULT: &str = "default";

/// Whether `tag` is a locale key: `default`, or a two-letter language with
/// optional subtags (`fr`, `fr-CA`, `zh-Hant-TW`). Three-letter keys are
/// not locales (so `cta` stays a content key).
pub fn is_locale_key(tag: &str) -> bool {
    if tag == DEFAULT {
        return true;
    }
    let mut parts = tag.split(['-', '_']);
    let lang = parts.next().unwrap_or_default();
    lang.len() == 2
        && lang.bytes().all(|b| b.is_ascii_alphabetic())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// Whether `content` is keyed by locale: a non-empty object whose every key
/// is a locale key and every value an object.
pub fn is_localised(content: &Value) -> bool {
    match content {
        Value::Object(m) => {
            !m.is_empty()
                && m.iter()
                    .all(|(k, v)| is_locale_key(k) && matches!(v, Value::Object(_)))
        }
        _ => false,
    }
}

/// The primary language subtag, lower case (`fr` for `fr-CA`).
pub fn language_of(tag: &str) -> &str {
    tag.split(['-', '_']).next().unwrap_or_default()
}

/// The block of localised `content` for `language`, with its key; `None`
/// when `content` is not localised.
pub fn pick<'a>(content: &'a Value, language: &str) -> Option<(&'a str, &'a Value)> {
    if !is_localised(content) {
        return None;
    }
    let m = content.as_object()?;
    let same = |a: &str, b: &str| {
        a.replace('_', "-")
            .eq_ignore_ascii_case(&b.replace('_', "-"))
    };
    let lang = language_of(language);
    let found = m
        .iter()
        .find(|(k, _)| same(k, language))
        .or_else(|| m.iter().find(|(k, _)| !lang.is_empty() && same(k, lang)))
        .or_else(|| {
            m.iter().find(|(k, _)| {
                *k != DEFAULT && !lang.is_empty() && language_of(k).eq_ignore_ascii_case(lang)
            })
        })
        .or_else(|| m.iter().find(|(k, _)| *k == DEFAULT))
        .or_else(|| m.iter().next());
    found.map(|(k, v)| (k.as_str(), v))
}

/// Whether `tag`'s language is written right to left (Arabic, Hebrew,
/// Persian, Urdu and a few others).
pub fn is_rtl(tag: &str) -> bool {
    let lang = language_of(tag);
    [
        "ar", "he", "iw", "fa", "ur", "ps", "sd", "ug", "yi", "dv", "ckb",
    ]
    .iter()
    .any(|l| l.eq_ignore_ascii_case(lang))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(title: &str) -> Value {
        Value::from_pairs([("title", title.into())])
    }

    fn content() -> Value {
        Value::from_pairs([
            ("fr", block("fr")),
            ("fr-CA", block("fr-CA")),
            ("en", block("en")),
            ("default", block("default")),
        ])
    }

    fn tag(language: &str) -> Option<&'static str> {
        let c = Box::leak(Box::new(content()));
        pick(c, language).map(|(k, _)| k)
    }

    #[test]
    fn the_exact_tag_then_the_language_then_default() {
        assert_eq!(tag("fr-CA"), Some("fr-CA"));
        assert_eq!(tag("fr-ca"), Some("fr-CA"));
        assert_eq!(tag("fr-FR"), Some("fr"));
        assert_eq!(tag("fr"), Some("fr"));
        assert_eq!(tag("en-GB"), Some("en"));
        assert_eq!(tag("de-DE"), Some("default"));
        assert_eq!(tag(""), Some("default"));
    }

    #[test]
    fn a_region_only_block_serves_its_language_and_the_first_is_the_last_resort() {
        let c = Value::from_pairs([("pt-BR", block("br")), ("es", block("es"))]);
        assert_eq!(pick(&c, "pt-PT").map(|(k, _)| k), Some("pt-BR"));
        assert_eq!(pick(&c, "ja").map(|(k, _)| k), Some("es"));
    }

    #[test]
    fn plain_content_is_not_localised() {
        let plain = Value::from_pairs([("title", "x".into())]);
        assert!(!is_localised(&plain));
        let cta_only = Value::from_pairs([("cta", block("go"))]);
        assert!(!is_localised(&cta_only));
        assert!(pick(&plain, "fr").is_none());
        assert!(is_localised(&content()));
    }

    #[test]
    fn right_to_left_languages() {
        assert!(is_rtl("ar"));
        assert!(is_rtl("he-IL"));
        assert!(is_rtl("fa"));
        assert!(is_rtl("ur-PK"));
        assert!(!is_rtl("fr-CA"));
        assert!(!is_rtl("default"));
    }
}

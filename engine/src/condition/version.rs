//! GrowthBook's `paddedVersionString`, for `$veq $vne $vgt $vgte $vlt $vlte`.
//!
//! Both sides become a padded string and are compared as plain strings:
//! drop one leading `v` and any `+build`, split on every `.` and `-`, add a
//! `~` segment when there are exactly three, left-pad all-digit segments with
//! spaces to width 5, and join with `-`. The attribute side is produced as a
//! character stream, so comparing never allocates for string attributes.

use std::cmp::Ordering;
use std::iter;

use super::compare::{cmp_js_chars, with_js_string};
use crate::value::Value;

/// The version text a value stands for: numbers as JS prints them, any other
/// non-string (and `""`) as `"0"`.
fn with_version_text<R>(v: &Value, f: impl FnOnce(&str) -> R) -> R {
    match v {
        Value::String(s) if !s.is_empty() => f(s),
        Value::Number(_) => with_js_string(v, |s| f(if s.is_empty() { "0" } else { s })),
        _ => f("0"),
    }
}

/// `s.replace(/(^v|\+.*$)/g, "")`. In JS `.` stops at line terminators, so
/// the build suffix is cut at the first `+` after the last line terminator.
fn strip_prefix_and_build(s: &str) -> &str {
    let body = s.strip_prefix('v').unwrap_or(s);
    let offset = s.len() - body.len();
    let last_break = s
        .rmatch_indices(['\n', '\r', '\u{2028}', '\u{2029}'])
        .next()
        .map_or(0, |(i, m)| i + m.len());
    match s[last_break.max(offset)..].find('+') {
        Some(i) => &s[offset..last_break.max(offset) + i],
        None => body,
    }
}

/// The characters of the padded version string of `s`.
fn padded_chars(s: &str) -> impl Iterator<Item = char> + '_ {
    let core = strip_prefix_and_build(s);
    let is_sep = |c: char| c == '.' || c == '-';
    let tilde = (core.split(is_sep).count() == 3).then_some("~");
    core.split(is_sep)
        .chain(tilde)
        .enumerate()
        .flat_map(|(i, seg)| {
            let numeric = !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit());
            let pad = if numeric {
                5usize.saturating_sub(seg.len())
            } else {
                0
            };
            let sep = (i > 0).then_some('-');
            sep.into_iter()
                .chain(iter::repeat_n(' ', pad))
                .chain(seg.chars())
        })
}

/// GrowthBook's `paddedVersionString(v)`.
///
/// ```
/// use parcours_engine::condition::padded_version_string;
/// use parcours_engine::value::Value;
/// assert_eq!(padded_version_string(&"v1.2.3+build".into()), "    1-    2-    3-~");
/// assert_eq!(padded_version_string(&Value::Null), "    0");
/// ```
pub fn padded_version_string(v: &Value) -> String {
    with_version_text(v, |s| padded_chars(s).collect())
}

/// Compares the padded version of `actual` with an already padded literal.
pub(crate) fn cmp_version(actual: &Value, padded_literal: &str) -> Ordering {
    with_version_text(actual, |s| {
        cmp_js_chars(padded_chars(s), padded_literal.chars())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn padded(s: &str) -> String {
        padded_version_string(&Value::from(s))
    }

    #[test]
    fn releases_get_a_tilde_and_padded_numbers() {
        assert_eq!(padded("1.2.3"), "    1-    2-    3-~");
        assert_eq!(padded("1.0.0-beta.11"), "    1-    0-    0-beta-   11");
        assert_eq!(padded("123456.0"), "123456-    0");
    }

    #[test]
    fn build_metadata_and_leading_v_are_dropped() {
        assert_eq!(padded("v1-2-3+x.y"), padded("1.2.3"));
        assert_eq!(padded("V1.2.3"), "V1-    2-    3-~");
        assert_eq!(padded("1.2+a\nb+c"), padded("1.2+a\nb"));
    }

    #[test]
    fn numbers_and_missing_values_have_a_version_text() {
        assert_eq!(padded_version_string(&Value::Number(2.5)), padded("2.5"));
        assert_eq!(padded_version_string(&Value::from("")), padded("0"));
        assert_eq!(padded_version_string(&Value::Bool(true)), padded("0"));
    }

    #[test]
    fn streamed_comparison_agrees_with_the_padded_strings() {
        let lit = padded("1.0.0-beta");
        assert_eq!(cmp_version(&"1.0.0-alpha".into(), &lit), Ordering::Less);
        assert_eq!(cmp_version(&"v1.0.0-beta".into(), &lit), Ordering::Equal);
        assert_eq!(cmp_version(&"1.0.0".into(), &lit), Ordering::Greater);
    }
}

//! Regexes come from the host, like the clock.
//!
//! GrowthBook's `$regex` is an ECMAScript `RegExp` search. In the browser the
//! page already has an exact ECMAScript engine (`js_sys::RegExp`, ~2 KB);
//! natively (server, tests) the `regress` crate gives the same semantics.
//! Both implement [`RegexCompiler`] and pass the same conformance vectors.

/// A compiled pattern.
pub trait Regex {
    /// Whether the pattern matches anywhere in `text` (a search, not anchored).
    fn is_match(&self, text: &str) -> bool;
}

/// Compiles ECMAScript patterns.
pub trait RegexCompiler {
    /// Compiles `pattern` (no `/…/` delimiters), with the `i` flag when
    /// `ignore_case`. `None` when the pattern is invalid: such a condition
    /// never matches, as in GrowthBook.
    fn compile(&self, pattern: &str, ignore_case: bool) -> Option<Box<dyn Regex>>;
}

/// ECMAScript regexes through the `regress` crate (native builds).
#[cfg(feature = "regress")]
#[derive(Debug, Default, Clone, Copy)]
pub struct EcmaRegex;

#[cfg(feature = "regress")]
impl Regex for regress::Regex {
    fn is_match(&self, text: &str) -> bool {
        self.find(text).is_some()
    }
}

#[cfg(feature = "regress")]
impl RegexCompiler for EcmaRegex {
    /// Like the browser's `new RegExp(pattern)` / `new RegExp(pattern, "i")`:
    /// no `u` flag, so the Annex B syntax (`\d{`, `]`, `\c`, octal escapes…)
    /// is accepted exactly where the page would accept it.
    ///
    /// One known difference: text is matched as Unicode scalar values, so `.`
    /// matches a whole character outside the Basic Multilingual Plane where
    /// a non-`u` JS regex sees two UTF-16 code units.
    fn compile(&self, pattern: &str, ignore_case: bool) -> Option<Box<dyn Regex>> {
        let flags = if ignore_case { "i" } else { "" };
        regress::Regex::with_flags(pattern, flags)
            .ok()
            .map(|r| Box::new(r) as Box<dyn Regex>)
    }
}

#[cfg(all(test, feature = "regress"))]
mod tests {
    use super::*;

    fn matches(pattern: &str, ignore_case: bool, text: &str) -> Option<bool> {
        EcmaRegex
            .compile(pattern, ignore_case)
            .map(|r| r.is_match(text))
    }

    #[test]
    fn patterns_search_without_anchoring() {
        assert_eq!(matches("-12-25$", false, "1980-12-25"), Some(true));
        assert_eq!(matches("^ping", false, "a ping"), Some(false));
        assert_eq!(
            matches("(mobile|tablet)", true, "Android Mobile"),
            Some(true)
        );
    }

    #[test]
    fn annex_b_syntax_is_accepted_as_in_a_browser_without_the_u_flag() {
        // All of these are SyntaxErrors only with the `u` flag.
        assert_eq!(matches("a{", false, "a{"), Some(true));
        assert_eq!(matches("]", false, "x]"), Some(true));
        assert_eq!(matches("\\-", false, "\\-"), Some(true));
        assert_eq!(matches("\\q", false, "q"), Some(true));
    }

    #[test]
    fn invalid_patterns_do_not_compile() {
        assert!(EcmaRegex.compile("/???***[)", false).is_none());
        assert!(EcmaRegex.compile("(", true).is_none());
    }
}

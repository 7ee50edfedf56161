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
    fn compile(&self, pattern: &str, ignore_case: bool) -> Option<Box<dyn Regex>> {
        let flags = if ignore_case { "iu" } else { "u" };
        // Without the `u` flag JS is laxer; try the strict form first, then the plain one.
        regress::Regex::with_flags(pattern, flags)
            .or_else(|_| regress::Regex::with_flags(pattern, if ignore_case { "i" } else { "" }))
            .ok()
            .map(|r| Box::new(r) as Box<dyn Regex>)
    }
}

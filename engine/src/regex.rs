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

/// A pattern that is only literal text, perhaps anchored (`^/products`,
/// `promo`, `^/$`, `^FR` with `i`): matched here as a string test, with no
/// regex engine and, in the browser, no crossing into the page's `RegExp`.
/// Marketers' patterns are mostly these.
///
/// `None` for anything else, which the host compiles. The text may hold no
/// character that means something in a pattern (`\ ^ $ . | ? * + ( ) [ ]
/// { }`, and `^`/`$` only at its ends), and must be ASCII when `ignore_case`
/// (then JavaScript folds case exactly as ASCII does: no non-ASCII character
/// folds to an ASCII one without the `u` flag). `$` is the end of the text,
/// as without the `m` flag.
///
/// ```
/// use parcours_engine::regex::literal;
/// assert!(literal("^/products", false).unwrap().is_match("/products/tee"));
/// assert!(literal("^fr", true).unwrap().is_match("FR-ca"));
/// assert!(literal("^/(cart|checkout)", false).is_none());
/// ```
pub fn literal(pattern: &str, ignore_case: bool) -> Option<Box<dyn Regex>> {
    let (start, rest) = match pattern.strip_prefix('^') {
        Some(r) => (true, r),
        None => (false, pattern),
    };
    let (end, text) = match rest.strip_suffix('$') {
        Some(t) => (true, t),
        None => (false, rest),
    };
    let special = |c: char| "\\^$.|?*+()[]{}".contains(c);
    if text.chars().any(special) || (ignore_case && !text.is_ascii()) {
        return None;
    }
    Some(Box::new(Literal {
        text: text.to_owned(),
        start,
        end,
        ignore_case,
    }))
}

struct Literal {
    text: String,
    start: bool,
    end: bool,
    ignore_case: bool,
}

impl Regex for Literal {
    fn is_match(&self, hay: &str) -> bool {
        let (h, t) = (hay.as_bytes(), self.text.as_bytes());
        let eq = |a: &[u8]| {
            if self.ignore_case {
                a.eq_ignore_ascii_case(t)
            } else {
                a == t
            }
        };
        match (self.start, self.end) {
            (true, true) => eq(h),
            (true, false) => h.len() >= t.len() && eq(&h[..t.len()]),
            (false, true) => h.len() >= t.len() && eq(&h[h.len() - t.len()..]),
            (false, false) => t.is_empty() || h.windows(t.len()).any(eq),
        }
    }
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
    fn literal_patterns_match_exactly_as_the_regex_engine_does() {
        let patterns = [
            "",
            "^",
            "$",
            "^$",
            "promo",
            "^/products",
            "^/$",
            "tee$",
            "^FR",
            "^fr-ca$",
            "ref=3",
            "é",
            "^é",
            "x\u{1F600}",
            "a-b_c",
            "/",
            "s",
            "k",
        ];
        let texts = [
            "",
            "/",
            "/products",
            "/products/tee",
            "/promo-spring",
            "PROMO",
            "FR",
            "fr-CA",
            "Fr",
            "a/?ref=3",
            "é",
            "É",
            "xé",
            "x\u{1F600}y",
            "tee",
            "a tee",
            "line\n",
            "a-b_c",
        ];
        for p in patterns {
            for ci in [false, true] {
                let Some(fast) = literal(p, ci) else {
                    assert!(ci && !p.is_ascii(), "{p:?} should be a literal");
                    continue;
                };
                let slow = EcmaRegex.compile(p, ci).expect("valid");
                for t in texts {
                    assert_eq!(fast.is_match(t), slow.is_match(t), "{p:?} i={ci} on {t:?}");
                }
            }
        }
        // Without the `u` flag no non-ASCII character folds to an ASCII one:
        // V8 answers `/s/i.test("ſ") === false`, `/k/i.test("\u212A") === false`
        // (`regress` says true to the first: the page is the reference).
        assert!(!literal("s", true).unwrap().is_match("ſ"));
        assert!(!literal("k", true).unwrap().is_match("\u{212A}"));
        for p in [
            "^/(cart|checkout)",
            "a.b",
            "a+",
            "\\d",
            "[ab]",
            "a{2}",
            "a^b",
            "a$b",
            "a|b",
        ] {
            assert!(literal(p, false).is_none(), "{p:?} is not a literal");
        }
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

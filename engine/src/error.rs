//! Errors in rules documents, each located by its JSON path.
//!
//! Validation never stops at the first problem: every decoder pushes a
//! [`RuleError`] and goes on, so a marketer sees all of them at once.

use std::fmt;

/// What is wrong at a path.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RuleErrorKind {
    /// A required field is absent.
    Missing,
    /// The field has the wrong JSON type; `expected` names the right one.
    WrongType {
        /// e.g. `"string"`, `"array"`.
        expected: &'static str,
    },
    /// The value has the right type but is not allowed (bad date, negative cap…).
    Invalid,
    /// An id is used twice.
    Duplicate,
    /// A reference to a segment, trait or campaign that does not exist.
    UnknownReference,
    /// A condition operator GrowthBook does not know (it never matches).
    UnknownOperator,
    /// A regex that does not compile (it never matches).
    InvalidRegex,
    /// A field the format does not define (probably a typo).
    UnknownField,
}

impl RuleErrorKind {
    /// A short stable name: `missing`, `wrong_type`, `invalid`, `duplicate`,
    /// `unknown_reference`, `unknown_operator`, `invalid_regex`, `unknown_field`.
    pub fn name(&self) -> &'static str {
        match self {
            RuleErrorKind::Missing => "missing",
            RuleErrorKind::WrongType { .. } => "wrong_type",
            RuleErrorKind::Invalid => "invalid",
            RuleErrorKind::Duplicate => "duplicate",
            RuleErrorKind::UnknownReference => "unknown_reference",
            RuleErrorKind::UnknownOperator => "unknown_operator",
            RuleErrorKind::InvalidRegex => "invalid_regex",
            RuleErrorKind::UnknownField => "unknown_field",
        }
    }
}

/// A validation message: `format!` with the `messages` feature, else an
/// empty string (the arguments are not formatted, so no `core::fmt`).
#[cfg(feature = "messages")]
#[macro_export]
#[doc(hidden)]
macro_rules! msg {
    ($($t:tt)*) => {
        format!($($t)*)
    };
}

/// A validation message: `format!` with the `messages` feature, else an
/// empty string (the arguments are not formatted, so no `core::fmt`).
#[cfg(not(feature = "messages"))]
#[macro_export]
#[doc(hidden)]
macro_rules! msg {
    ($($t:tt)*) => {{
        let _ = || {
            let _ = format_args!($($t)*);
        };
        ::std::string::String::new()
    }};
}

/// One problem in a rules document.
///
/// ```
/// use parcours_engine::error::{RuleError, RuleErrorKind};
/// let e = RuleError::new("$.campaigns[0].variants", RuleErrorKind::Invalid, "weights sum to 90, not 100");
/// assert_eq!(e.to_string(), "$.campaigns[0].variants: weights sum to 90, not 100");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    /// JSON path of the offending value, `$`-rooted (`$.segments[2].condition`).
    pub path: String,
    /// The kind of problem.
    pub kind: RuleErrorKind,
    /// What is wrong and, where useful, what to do; empty without the
    /// `messages` feature (then [`kind`](Self::kind) and the path say it).
    pub message: String,
}

impl RuleError {
    /// A new error at `path`.
    #[inline]
    pub fn new(path: impl Into<String>, kind: RuleErrorKind, message: impl Into<String>) -> Self {
        #[cfg(not(feature = "messages"))]
        let message = {
            let _ = message;
            ""
        };
        RuleError {
            path: path.into(),
            kind,
            message: message.into(),
        }
    }
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.is_empty() {
            write!(f, "{}: {}", self.path, self.kind.name())
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for RuleError {}

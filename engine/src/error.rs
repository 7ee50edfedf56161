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
    /// What is wrong and, where useful, what to do.
    pub message: String,
}

impl RuleError {
    /// A new error at `path`.
    pub fn new(path: impl Into<String>, kind: RuleErrorKind, message: impl Into<String>) -> Self {
        RuleError {
            path: path.into(),
            kind,
            message: message.into(),
        }
    }
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl std::error::Error for RuleError {}

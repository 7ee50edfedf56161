//! # Parcours decision engine
//!
//! Pure Rust, no web dependency: the browser SDK, the reference server and
//! the native tests all use this crate. Time, randomness and regexes come
//! from the host, so every rule is testable deterministically.
//!
//! - [`value`]: JSON values with JavaScript semantics.
//! - [`condition`]: GrowthBook targeting conditions, compiled once.
//! - [`profile`], [`context`]: the visitor's profile and the evaluation context.
//! - [`rules`]: the rules document, validated with JSON paths.
//! - [`decide`], [`explain`]: what to show, and why.
#![warn(missing_docs)]

pub mod condition;
pub mod context;
pub mod decide;
pub mod decode;
pub mod error;
pub mod explain;
pub mod frequency;
pub mod hash;
pub mod profile;
pub mod regex;
pub mod rules;
pub mod time;
pub mod value;

pub use context::{Device, Env, Page};
pub use decide::{Decision, Trigger};
pub use error::{RuleError, RuleErrorKind};
pub use explain::Explanation;
pub use frequency::Exposures;
pub use profile::{Event, EventKind, Profile};
pub use rules::Rules;
pub use value::{Map, Value};

/// Everything stored about one visitor: profile and exposure state.
#[derive(Debug, Clone)]
pub struct Visitor {
    /// Identity, traits, history, sessions, computed traits.
    pub profile: Profile,
    /// Campaign impressions, clicks, dismissals, conversions; pressure log.
    pub exposures: Exposures,
}

impl Visitor {
    /// A new anonymous visitor.
    pub fn new(anonymous_id: String, now_ms: f64) -> Visitor {
        Visitor {
            profile: Profile::new(anonymous_id, now_ms),
            exposures: Exposures::default(),
        }
    }

    /// As a plain value, for storage.
    pub fn to_value(&self) -> Value {
        todo!()
    }

    /// Reads a stored visitor back; `None` when nothing usable is there.
    pub fn from_value(v: &Value, now_ms: f64) -> Option<Visitor> {
        let _ = (v, now_ms);
        todo!()
    }
}

/// The engine on one rules document.
pub struct Engine {
    rules: Rules,
    warnings: Vec<RuleError>,
}

impl Engine {
    /// Validates and compiles a rules document. `Err` lists every error.
    pub fn from_rules(
        doc: &Value,
        regex: &dyn regex::RegexCompiler,
    ) -> Result<Engine, Vec<RuleError>> {
        let (rules, warnings) = Rules::from_value(doc, regex)?;
        Ok(Engine { rules, warnings })
    }

    /// Problems that did not stop the load (unknown operators, invalid regexes).
    pub fn warnings(&self) -> &[RuleError] {
        &self.warnings
    }

    /// The rules document's version.
    pub fn version(&self) -> &str {
        &self.rules.version
    }

    /// Records an event into the visitor: profile, computed traits, and
    /// campaign state (`Promotion Viewed/Clicked/Dismissed`, `Experiment
    /// Viewed`, goal events).
    pub fn record(&self, visitor: &mut Visitor, event: &Event, env: &Env) {
        let _ = (visitor, event, env);
        todo!()
    }

    /// The full evaluation context for `visitor` now.
    pub fn context(&self, visitor: &Visitor, env: &Env, event: Option<&Event>) -> Value {
        let _ = (visitor, env, event);
        todo!()
    }

    /// Ids of the segments a context is in.
    pub fn segments(&self, ctx: &Value) -> Vec<String> {
        let _ = ctx;
        todo!()
    }

    /// What to show now for `trigger`, at most what the pressure cap allows.
    pub fn decide(&self, visitor: &Visitor, env: &Env, trigger: &Trigger) -> Vec<Decision> {
        let _ = (visitor, env, trigger);
        todo!()
    }

    /// For every campaign, whether it would show and the first reason not.
    pub fn explain(&self, visitor: &Visitor, env: &Env, trigger: &Trigger) -> Vec<Explanation> {
        let _ = (visitor, env, trigger);
        todo!()
    }
}

//! # Parcours decision engine
//!
//! Pure Rust, no web dependency: the browser SDK, the reference server and
//! the native tests all use this crate. Time, randomness and regexes come
//! from the host, so every rule is testable deterministically.
//!
//! - [`value`]: JSON values with JavaScript semantics; [`json`], [`number`]: JSON
//!   text and decimals to values; [`host`]: what the script tag's wasm takes
//!   from the page instead (feature `small`).
//! - [`condition`]: GrowthBook targeting conditions, compiled once.
//! - [`profile`], [`context`]: the visitor's profile and the evaluation context.
//! - [`rules`]: the rules document, validated with JSON paths
//!   ([`segment`], [`campaign`], [`trigger`], [`pressure`], [`frequency`]).
//! - [`decide`], [`explain`]: what to show, and why ([`assign`] for holdouts
//!   and variants, [`template`] for content); [`flag`]: one campaign as a
//!   feature flag, outside any moment.
//! - [`interstitial`]: pop-ins as banners where they would be intrusive interstitials.
//! - [`preview`]: one campaign shown for a preview link, whatever the rules say.
//! - [`record`]: how events change exposure state.
//! - `words` (feature `messages`): explanations as sentences.
//!
//! ```no_run
//! # use parcours_engine::{Engine, Env, Trigger, Visitor, Value};
//! # fn demo(doc: &Value, env: &Env) -> Result<(), Vec<parcours_engine::RuleError>> {
//! let engine = Engine::from_rules(doc, &parcours_engine::regex::EcmaRegex)?;
//! let mut visitor = Visitor::new("anon-1".into(), env.now_ms);
//! for d in engine.decide(&visitor, env, &Trigger::PageView) {
//!     // render d.content, then record `Promotion Viewed` {promotion_id, creative}
//!     let _ = d.to_value();
//! }
//! # let _ = &mut visitor; Ok(()) }
//! ```
#![warn(missing_docs)]

pub mod assign;
pub mod campaign;
pub mod computed;
pub mod condition;
pub mod context;
pub mod decide;
pub mod decode;
pub mod env;
pub mod error;
pub mod evaluation;
pub mod event;
pub mod explain;
pub mod exposure;
pub mod flag;
pub mod form;
pub mod frequency;
pub mod hash;
pub mod history;
pub mod host;
pub mod interstitial;
pub mod json;
pub mod lifecycle;
pub mod locale;
pub mod map;
pub mod number;
pub mod order;
pub mod packed;
pub mod pressure;
pub mod preview;
pub mod profile;
pub mod record;
pub mod regex;
pub mod rules;
pub mod segment;
pub mod session;
pub mod template;
pub mod time;
pub mod trigger;
pub mod value;
#[cfg(feature = "messages")]
pub mod words;

pub use decide::Decision;
pub use env::{Device, Env, Page};
pub use error::{RuleError, RuleErrorKind};
pub use event::{Event, EventKind};
pub use explain::{Explanation, Reason};
pub use exposure::Exposures;
pub use flag::Flag;
pub use profile::{Profile, ProfileRules, RemoteEvent};
pub use rules::Rules;
pub use trigger::Trigger;
pub use value::{Map, Value};

use decide::{Input, Verdict};
use time::Now;

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

    /// As a plain value, for storage: `{profile, exposures}`.
    pub fn to_value(&self) -> Value {
        Value::from_pairs([
            ("profile", self.profile.to_value()),
            ("exposures", self.exposures.to_value()),
        ])
    }

    /// Reads a stored visitor back; `None` when no usable profile is there.
    /// Unreadable exposures fall back to none (never an error).
    pub fn from_value(v: &Value, now_ms: f64) -> Option<Visitor> {
        let profile = Profile::from_value(v.get("profile")?, now_ms)?;
        let exposures = v
            .get("exposures")
            .map(Exposures::from_value)
            .unwrap_or_default();
        Some(Visitor { profile, exposures })
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

    /// The compiled rules.
    pub fn rules(&self) -> &Rules {
        &self.rules
    }

    /// The profile settings of the rules (for `Profile::record` and friends).
    pub fn profile_rules(&self) -> &ProfileRules {
        &self.rules.profile
    }

    /// Records an event into the visitor: profile, computed traits, and
    /// campaign state (`Promotion Viewed/Clicked/Dismissed`, `Experiment
    /// Viewed`, goal events). Returns the events derived (`Session Started`
    /// …, `Promotion Converted` when a goal is reached), which the host
    /// sends on the wire too.
    pub fn record(&self, visitor: &mut Visitor, event: &Event, env: &Env) -> Vec<Event> {
        let mut derived = visitor.profile.record(event, env, &self.rules.profile);
        let session = visitor.profile.current_session_id().to_owned();
        derived.extend(record::apply(
            &self.rules,
            &mut visitor.exposures,
            event,
            &session,
            env.tz_offset_min,
        ));
        derived
    }

    /// The full evaluation context for `visitor` now: the profile's context
    /// plus `segments` and `campaigns.<id>.*`.
    pub fn context(&self, visitor: &Visitor, env: &Env, event: Option<&Event>) -> Value {
        let mut ctx = context::build(&visitor.profile, env, &self.rules.profile, event);
        evaluation::enrich(&self.rules, &mut ctx, &visitor.exposures, None, true);
        ctx
    }

    /// Ids of the segments a context is in, in document order. Segment
    /// conditions see `segments` as the earlier segments that matched.
    pub fn segments(&self, ctx: &Value) -> Vec<String> {
        let mut ctx = ctx.clone();
        if !matches!(ctx, Value::Object(_)) {
            ctx = Value::object();
        }
        let member =
            segment::evaluate_into(&self.rules.segments, &mut ctx, &self.rules.saved_groups);
        segment::ids(&self.rules.segments, &member)
    }

    /// What to show now for `trigger`: at most one pop-in, at most what the
    /// pressure cap allows, plus holdout decisions to record as exposures.
    pub fn decide(&self, visitor: &Visitor, env: &Env, trigger: &Trigger) -> Vec<Decision> {
        self.decide_rendering(visitor, env, trigger, &|_| true)
    }

    /// [`decide`](Self::decide), the content rendered only for the
    /// campaigns `render` names (the others' is `null`): a host that shows
    /// only slots here, and pop-ins after deciding again under a lock,
    /// skips rendering what nobody reads (200 contents per tracked event
    /// with 200 campaigns).
    pub fn decide_rendering(
        &self,
        visitor: &Visitor,
        env: &Env,
        trigger: &Trigger,
        render: &dyn Fn(&campaign::Campaign) -> bool,
    ) -> Vec<Decision> {
        let ctx = self.base_context(visitor, env, trigger);
        let session = visitor.profile.current_session_id();
        let (full, verdicts, delayed) = self.run(
            ctx,
            &visitor.exposures,
            Some(visitor.profile.history()),
            session,
            Now::new(env.now_ms, env.tz_offset_min),
            trigger,
            false,
        );
        decide::decisions(&self.rules, &verdicts, &full, &delayed, render)
    }

    /// For every campaign (document order), whether it would show and the
    /// first reason not.
    pub fn explain(&self, visitor: &Visitor, env: &Env, trigger: &Trigger) -> Vec<Explanation> {
        let ctx = self.base_context(visitor, env, trigger);
        let session = visitor.profile.current_session_id();
        let now = Now::new(env.now_ms, env.tz_offset_min);
        let (full, verdicts, _) = self.run(
            ctx,
            &visitor.exposures,
            Some(visitor.profile.history()),
            session,
            now,
            trigger,
            true,
        );
        self.explanations(&full, verdicts)
    }

    /// [`decide`](Self::decide) on a raw context (as `context::build` makes it,
    /// or written by a preview tool): `segments` and `campaigns.<id>.*` are
    /// added here; new assignments hash the context's `anonymous_id`.
    pub fn decide_context(
        &self,
        ctx: &Value,
        exposures: &Exposures,
        session_id: &str,
        now_ms: f64,
        tz_offset_min: i32,
        trigger: &Trigger,
    ) -> Vec<Decision> {
        let now = Now::new(now_ms, tz_offset_min);
        let (full, verdicts, delayed) = self.run(
            ctx.clone(),
            exposures,
            None,
            session_id,
            now,
            trigger,
            false,
        );
        decide::decisions(&self.rules, &verdicts, &full, &delayed, &|_| true)
    }

    /// [`explain`](Self::explain) on a raw context, like [`decide_context`](Self::decide_context).
    pub fn explain_context(
        &self,
        ctx: &Value,
        exposures: &Exposures,
        session_id: &str,
        now_ms: f64,
        tz_offset_min: i32,
        trigger: &Trigger,
    ) -> Vec<Explanation> {
        let now = Now::new(now_ms, tz_offset_min);
        let (full, verdicts, _) =
            self.run(ctx.clone(), exposures, None, session_id, now, trigger, true);
        self.explanations(&full, verdicts)
    }

    /// One campaign as a feature flag for `visitor` now ([`flag`]: its
    /// trigger counts as met, no priority step); `None` when the rules have
    /// no campaign `campaign_id`. Records nothing.
    pub fn flag(&self, visitor: &Visitor, env: &Env, campaign_id: &str) -> Option<Flag> {
        let ctx = context::build(&visitor.profile, env, &self.rules.profile, None);
        self.flag_context(
            &ctx,
            &visitor.exposures,
            visitor.profile.current_session_id(),
            env.now_ms,
            env.tz_offset_min,
            campaign_id,
        )
    }

    /// [`flag`](Self::flag) on a raw context, like [`decide_context`](Self::decide_context).
    pub fn flag_context(
        &self,
        ctx: &Value,
        exposures: &Exposures,
        session_id: &str,
        now_ms: f64,
        tz_offset_min: i32,
        campaign_id: &str,
    ) -> Option<Flag> {
        let i = self
            .rules
            .campaigns
            .iter()
            .position(|c| c.id == campaign_id)?;
        let (full, member, visitor_id) = self.enriched(ctx.clone(), exposures, None);
        let input = Input {
            ctx: &full,
            member: &member,
            exposures,
            now: Now::new(now_ms, tz_offset_min),
            session_id,
            trigger: None,
            visitor_id: &visitor_id,
            global_holdout: self.global_holdout(exposures, &visitor_id) == Some(true),
            delayed: &[],
        };
        let verdict = decide::one(&self.rules, i, &input)?;
        Some(Flag::from_verdict(self.rules.campaigns.get(i)?, verdict))
    }

    /// The visitor's arm of the site-wide control group ([`assign::global_holdout`]):
    /// `Some(true)` held out of every campaign, `Some(false)` treatment,
    /// `None` without one. The host sends `Experiment Viewed` `{experiment_id:
    /// "global", variation_id: "holdout" | "treatment"}` once per visitor.
    pub fn global_arm(&self, visitor: &Visitor) -> Option<bool> {
        self.global_holdout(&visitor.exposures, &visitor.profile.anonymous_id)
    }

    /// `ctx` with `segments` and `campaigns.<id>.*` added, the segment
    /// membership, and the id new assignments hash (its `anonymous_id`).
    fn enriched(
        &self,
        mut full: Value,
        exposures: &Exposures,
        trigger: Option<&Trigger>,
    ) -> (Value, Vec<bool>, String) {
        let member = evaluation::enrich(&self.rules, &mut full, exposures, trigger, false);
        let visitor_id = full
            .get("anonymous_id")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        (full, member, visitor_id)
    }

    fn global_holdout(&self, exposures: &Exposures, visitor_id: &str) -> Option<bool> {
        assign::global_holdout(
            self.rules.global_holdout_percent,
            exposures.campaign(assign::GLOBAL),
            visitor_id,
        )
    }

    fn explanations(&self, ctx: &Value, verdicts: Vec<Verdict>) -> Vec<Explanation> {
        let avoid = interstitial::applies(ctx);
        self.rules
            .campaigns
            .iter()
            .zip(verdicts)
            .map(|(c, v)| {
                let (shown, holdout, variant_id, reason) = match v {
                    Verdict::Show(i) => {
                        (true, false, c.variants.get(i).map(|v| v.id.clone()), None)
                    }
                    Verdict::Holdout => (false, true, Some(assign::HOLDOUT.to_owned()), None),
                    Verdict::Blocked(r) => (false, false, None, Some(r)),
                };
                Explanation {
                    campaign_id: c.id.clone(),
                    shown,
                    holdout,
                    variant_id,
                    reason,
                    placement: shown.then(|| c.placement_here(avoid).name()),
                    interstitial_avoided: shown && c.is_interstitial_avoided(avoid),
                }
            })
            .collect()
    }

    fn base_context(&self, visitor: &Visitor, env: &Env, trigger: &Trigger) -> Value {
        let event = match trigger {
            Trigger::Event { name, properties } => Some(Event {
                kind: EventKind::Track,
                name: name.clone(),
                properties: properties.clone(),
                at_ms: env.now_ms,
            }),
            _ => None,
        };
        context::build(&visitor.profile, env, &self.rules.profile, event.as_ref())
    }

    #[allow(clippy::too_many_arguments)]
    fn run(
        &self,
        ctx: Value,
        exposures: &Exposures,
        history: Option<&history::History>,
        session_id: &str,
        now: Now,
        trigger: &Trigger,
        explain: bool,
    ) -> (Value, Vec<Verdict>, Vec<Option<Value>>) {
        let (full, member, visitor_id) = self.enriched(ctx, exposures, Some(trigger));
        let delayed = decide::delayed(&self.rules, &full, history, exposures, now.ms, trigger);
        let input = Input {
            ctx: &full,
            member: &member,
            exposures,
            now,
            session_id,
            trigger: Some(trigger),
            visitor_id: &visitor_id,
            global_holdout: self.global_holdout(exposures, &visitor_id) == Some(true),
            delayed: &delayed,
        };
        let verdicts = decide::run(&self.rules, &input, explain);
        (full, verdicts, delayed)
    }
}

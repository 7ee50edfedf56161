//! Why each campaign would or would not show: the verdict and the first
//! reason that failed, in the order status → schedule → trigger → audience
//! segments → audience condition → frequency → pressure → priority → holdout.

use crate::condition::ClauseFailure;
use crate::frequency::CapHit;
use crate::trigger::TriggerMiss;
use crate::value::{Map, Value};

/// The first reason a campaign is not shown.
#[derive(Debug, Clone, PartialEq)]
pub enum Reason {
    /// Not `active`: the status.
    Status(&'static str),
    /// `schedule.start` is in the future.
    NotStarted(String),
    /// `schedule.end` has passed.
    Ended(String),
    /// The trigger did not match.
    Trigger(TriggerMiss),
    /// A segment clause failed: `any` (none of these), `all` (missing these),
    /// `none` (in these).
    Segments {
        /// `any`, `all` or `none`.
        clause: &'static str,
        /// The segment ids that made it fail.
        segments: Vec<String>,
    },
    /// The audience condition failed on this clause.
    Condition(ClauseFailure),
    /// A frequency cap of the campaign was reached.
    Frequency(CapHit),
    /// `frequency.stop_after`: the visitor already `clicked`, `dismissed` or `converted`.
    Stopped(&'static str),
    /// The global pressure cap was reached by messages already shown.
    Pressure(CapHit),
    /// Every variant is a form and the visitor already gave all it asks.
    Answered,
    /// The visitor is in the site-wide control group (`global_holdout_percent`).
    GlobalHoldout,
    /// A higher-priority campaign took the place (pop-in, banner position or
    /// the last pressure slot) in this decision.
    Priority {
        /// Its id.
        lost_to: String,
    },
}

impl Reason {
    /// The step that failed: `status`, `global_holdout`, `schedule`,
    /// `trigger`, `segments`, `condition`, `form`, `frequency`, `pressure` or
    /// `priority`.
    pub fn step(&self) -> &'static str {
        match self {
            Reason::Status(_) => "status",
            Reason::NotStarted(_) | Reason::Ended(_) => "schedule",
            Reason::Trigger(_) => "trigger",
            Reason::Segments { .. } => "segments",
            Reason::Condition(_) => "condition",
            Reason::Frequency(_) | Reason::Stopped(_) => "frequency",
            Reason::Pressure(_) => "pressure",
            Reason::Priority { .. } => "priority",
            Reason::Answered => "form",
            Reason::GlobalHoldout => "global_holdout",
        }
    }

    /// As a plain value: `{step, …details}`.
    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        m.insert("step".into(), self.step().into());
        let mut put = |k: &str, v: Value| {
            m.insert(k.into(), v);
        };
        match self {
            Reason::Status(s) => put("status", (*s).into()),
            Reason::NotStarted(s) => put("starts", s.as_str().into()),
            Reason::Ended(s) => put("ended", s.as_str().into()),
            Reason::Trigger(TriggerMiss::Kind { expected, actual }) => {
                put("expected", expected.as_str().into());
                put("actual", actual.as_str().into());
            }
            Reason::Trigger(TriggerMiss::Threshold { expected, actual }) => {
                put("expected", (*expected).into());
                put("actual", (*actual).into());
            }
            Reason::Trigger(TriggerMiss::Properties(f)) | Reason::Condition(f) => {
                put("path", f.path.as_str().into());
                put("operator", f.operator.as_str().into());
                put("expected", f.expected.clone());
                put("actual", f.actual.clone());
            }
            Reason::Segments { clause, segments } => {
                put("clause", (*clause).into());
                put(
                    "segments",
                    Value::Array(segments.iter().map(|s| s.as_str().into()).collect()),
                );
            }
            Reason::Frequency(hit) | Reason::Pressure(hit) => {
                put("cap", hit.cap.into());
                put("count", hit.count.into());
                put("limit", hit.limit.into());
            }
            Reason::Stopped(after) => {
                put("cap", "stop_after".into());
                put("after", (*after).into());
            }
            Reason::Priority { lost_to } => put("lost_to", lost_to.as_str().into()),
            Reason::Answered => put("answered", true.into()),
            Reason::GlobalHoldout => put("experiment_id", crate::assign::GLOBAL.into()),
        }
        Value::Object(m)
    }
}

/// The verdict for one campaign and the first reason it failed.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    /// Campaign id.
    pub campaign_id: String,
    /// Whether it would show (a held-out visitor sees nothing: `false`).
    pub shown: bool,
    /// Held out: it would show, but the visitor is in the holdout.
    pub holdout: bool,
    /// The variant it would show.
    pub variant_id: Option<String>,
    /// Why not, when not shown and not held out.
    pub reason: Option<Reason>,
    /// Where it would show (`popin`, `banner`, `slot`, `none`), when shown.
    pub placement: Option<&'static str>,
    /// Its pop-in shows as a bottom banner here: a phone, the first page of
    /// a visit from a search engine ([`crate::interstitial`]).
    pub interstitial_avoided: bool,
}

impl Explanation {
    /// The verdict word: `shown`, `holdout` or `blocked`.
    pub fn verdict(&self) -> &'static str {
        if self.shown {
            "shown"
        } else if self.holdout {
            "holdout"
        } else {
            "blocked"
        }
    }

    /// As a plain value for hosts: `{campaign_id, verdict, shown, holdout,
    /// variant_id?, reason?, placement?, interstitial?}` (`interstitial:
    /// "avoided"` when a pop-in shows as a banner for the interstitial rule).
    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        m.insert("campaign_id".into(), self.campaign_id.as_str().into());
        m.insert("verdict".into(), self.verdict().into());
        m.insert("shown".into(), self.shown.into());
        m.insert("holdout".into(), self.holdout.into());
        if let Some(v) = &self.variant_id {
            m.insert("variant_id".into(), v.as_str().into());
        }
        if let Some(r) = &self.reason {
            m.insert("reason".into(), r.to_value());
        }
        if let Some(p) = self.placement {
            m.insert("placement".into(), p.into());
        }
        if self.interstitial_avoided {
            m.insert("interstitial".into(), "avoided".into());
        }
        Value::Object(m)
    }
}

//! Triggers: the moment the host reports ([`Trigger`]: a page view, an
//! event, a scroll …) and what a campaign waits for (`trigger` in the rules
//! document, [`TriggerSpec`]), matched against each other.

use crate::condition::{compile_condition, ClauseFailure, Condition, SavedGroups};
use crate::decode::Obj;
use crate::error::{RuleError, RuleErrorKind};
use crate::event::Event;
use crate::history::History;
use crate::regex::RegexCompiler;
use crate::value::Value;

/// Default `percent` of a `scroll` trigger.
pub const DEFAULT_SCROLL_PERCENT: f64 = 50.0;
/// Default `seconds` of `time_on_page` and `inactivity` triggers.
pub const DEFAULT_SECONDS: f64 = 30.0;

/// What just happened that may show a campaign.
#[derive(Debug, Clone, PartialEq)]
pub enum Trigger {
    /// A page view (initial or SPA route change).
    PageView,
    /// A tracked event.
    Event {
        /// Event name.
        name: String,
        /// Its properties.
        properties: Value,
    },
    /// The pointer left the window towards the browser chrome.
    ExitIntent,
    /// The visitor scrolled this far down the page (0–100).
    Scroll {
        /// Percent scrolled.
        percent: f64,
    },
    /// Seconds spent on the page.
    TimeOnPage {
        /// Seconds.
        seconds: f64,
    },
    /// Seconds without interaction.
    Inactivity {
        /// Seconds.
        seconds: f64,
    },
}

/// What kind of moment a campaign waits for, with its threshold.
#[derive(Debug, Clone, PartialEq)]
pub enum TriggerKind {
    /// `page_view`.
    PageView,
    /// `event`: a tracked event with this name.
    Event(String),
    /// `exit_intent`.
    ExitIntent,
    /// `scroll`: at least this percent.
    Scroll(f64),
    /// `time_on_page`: at least these seconds.
    TimeOnPage(f64),
    /// `inactivity`: at least these seconds.
    Inactivity(f64),
    /// `flag`: no moment of the page; the campaign is only asked as a
    /// feature flag ([`crate::flag`]), so its first exposure is the first
    /// flag evaluation that assigns the visitor.
    Flag,
}

/// A decoded `trigger` section.
pub struct TriggerSpec {
    /// The kind and threshold.
    pub kind: TriggerKind,
    /// `where`: a condition on the event's properties (`event` triggers only).
    pub filter: Option<Condition>,
    /// `delay_minutes` of an `event` trigger, in ms: the campaign then waits
    /// for the first page view at least this long after the event.
    pub delay_ms: Option<f64>,
}

/// Why a trigger did not match.
#[derive(Debug, Clone, PartialEq)]
pub enum TriggerMiss {
    /// Another kind of moment (`expected`, `actual` are kinds like `scroll`),
    /// or another event name (`event:Order Completed`).
    Kind {
        /// What the campaign waits for.
        expected: String,
        /// What happened.
        actual: String,
    },
    /// Not far enough: scroll percent or seconds below the threshold.
    Threshold {
        /// The campaign's threshold.
        expected: f64,
        /// The host's figure.
        actual: f64,
    },
    /// The event's properties failed the `where` condition.
    Properties(ClauseFailure),
}

impl Trigger {
    /// The kind's name in the rules document (`page_view`, `scroll`, …).
    pub fn kind_name(&self) -> &'static str {
        match self {
            Trigger::PageView => "page_view",
            Trigger::Event { .. } => "event",
            Trigger::ExitIntent => "exit_intent",
            Trigger::Scroll { .. } => "scroll",
            Trigger::TimeOnPage { .. } => "time_on_page",
            Trigger::Inactivity { .. } => "inactivity",
        }
    }
}

impl TriggerKind {
    fn name(&self) -> &'static str {
        match self {
            TriggerKind::PageView => "page_view",
            TriggerKind::Event(_) => "event",
            TriggerKind::ExitIntent => "exit_intent",
            TriggerKind::Scroll(_) => "scroll",
            TriggerKind::TimeOnPage(_) => "time_on_page",
            TriggerKind::Inactivity(_) => "inactivity",
            TriggerKind::Flag => "flag",
        }
    }
}

impl TriggerSpec {
    /// Decodes a `trigger` object.
    pub fn decode(
        o: &Obj<'_>,
        regex: &dyn RegexCompiler,
        errs: &mut Vec<RuleError>,
        warnings: &mut Vec<RuleError>,
    ) -> Option<TriggerSpec> {
        const KEYS: [&str; 5] = ["event", "where", "percent", "seconds", "delay_minutes"];
        o.deny_unknown(
            &[
                "on",
                "event",
                "where",
                "percent",
                "seconds",
                "delay_minutes",
            ],
            errs,
        );
        let on = o.str("on", errs)?;
        let allowed: &[&str] = match on {
            "event" => &["event", "where", "delay_minutes"],
            "scroll" => &["percent"],
            "time_on_page" | "inactivity" => &["seconds"],
            _ => &[],
        };
        for k in KEYS {
            if o.get(k).is_some() && !allowed.contains(&k) {
                errs.push(RuleError::new(
                    o.at(k),
                    RuleErrorKind::Invalid,
                    crate::msg!("`{k}` does not apply to `on: {on}`"),
                ));
            }
        }
        let kind = match on {
            "page_view" => TriggerKind::PageView,
            "exit_intent" => TriggerKind::ExitIntent,
            "flag" => TriggerKind::Flag,
            "event" => TriggerKind::Event(o.str("event", errs)?.to_owned()),
            "scroll" => {
                let p = o
                    .opt_non_negative("percent", errs)
                    .unwrap_or(DEFAULT_SCROLL_PERCENT);
                if p > 100.0 {
                    errs.push(RuleError::new(
                        o.at("percent"),
                        RuleErrorKind::Invalid,
                        "`percent` must be between 0 and 100",
                    ));
                }
                TriggerKind::Scroll(p)
            }
            "time_on_page" => TriggerKind::TimeOnPage(
                o.opt_non_negative("seconds", errs)
                    .unwrap_or(DEFAULT_SECONDS),
            ),
            "inactivity" => TriggerKind::Inactivity(
                o.opt_non_negative("seconds", errs)
                    .unwrap_or(DEFAULT_SECONDS),
            ),
            _ => {
                errs.push(RuleError::new(
                    o.at("on"),
                    RuleErrorKind::Invalid,
                    crate::msg!(
                        "unknown trigger `{on}` (expected one of: page_view, event, exit_intent, scroll, time_on_page, inactivity, flag)"
                    ),
                ));
                return None;
            }
        };
        let filter = o
            .get("where")
            .map(|c| compile_condition(c, &o.at("where"), regex, errs, warnings));
        let delay_ms = o
            .opt_non_negative("delay_minutes", errs)
            .map(|m| m * 60_000.0);
        Some(TriggerSpec {
            kind,
            filter,
            delay_ms,
        })
    }

    /// For a delayed `event` trigger on a page view: the latest event of
    /// `history` it waits for that is due (at least the delay before
    /// `now_ms`) and came after the campaign's last exposure `exposed_ms`.
    pub fn due(
        &self,
        history: &History,
        now_ms: f64,
        exposed_ms: Option<f64>,
        groups: &SavedGroups,
    ) -> Option<Event> {
        let (TriggerKind::Event(want), Some(delay)) = (&self.kind, self.delay_ms) else {
            return None;
        };
        history
            .iter()
            .rev()
            .filter(|e| e.at_ms() + delay <= now_ms)
            .take_while(|e| exposed_ms.is_none_or(|x| e.at_ms() > x))
            .filter(|e| e.name() == want)
            .map(crate::history::Entry::event)
            .find(|e| {
                self.filter
                    .as_ref()
                    .is_none_or(|f| f.eval(&e.properties, groups))
            })
    }

    /// `Ok` when `t` is the moment this campaign waits for.
    pub fn matches(
        &self,
        t: &Trigger,
        groups: &SavedGroups,
        explain: bool,
    ) -> Result<(), TriggerMiss> {
        let kind_miss = || TriggerMiss::Kind {
            expected: self.kind.name().to_owned(),
            actual: t.kind_name().to_owned(),
        };
        if let (TriggerKind::Event(want), Some(_)) = (&self.kind, self.delay_ms) {
            // Delayed: only a page view with a due event (see `due`) matches.
            return Err(TriggerMiss::Kind {
                expected: ["event:", want].concat(),
                actual: t.kind_name().to_owned(),
            });
        }
        let at_least = |expected: f64, actual: f64| {
            if actual >= expected {
                Ok(())
            } else {
                Err(TriggerMiss::Threshold { expected, actual })
            }
        };
        match (&self.kind, t) {
            (TriggerKind::PageView, Trigger::PageView)
            | (TriggerKind::ExitIntent, Trigger::ExitIntent) => Ok(()),
            (TriggerKind::Scroll(p), Trigger::Scroll { percent }) => at_least(*p, *percent),
            (TriggerKind::TimeOnPage(s), Trigger::TimeOnPage { seconds })
            | (TriggerKind::Inactivity(s), Trigger::Inactivity { seconds }) => {
                at_least(*s, *seconds)
            }
            (TriggerKind::Event(want), Trigger::Event { name, properties }) => {
                if want != name {
                    return Err(TriggerMiss::Kind {
                        expected: format!("event:{want}"),
                        actual: format!("event:{name}"),
                    });
                }
                let Some(filter) = &self.filter else {
                    return Ok(());
                };
                if explain {
                    filter
                        .explain(properties, groups)
                        .map_or(Ok(()), |f| Err(TriggerMiss::Properties(f)))
                } else if filter.eval(properties, groups) {
                    Ok(())
                } else {
                    Err(TriggerMiss::Properties(ClauseFailure {
                        path: String::new(),
                        operator: String::new(),
                        expected: Value::Null,
                        actual: Value::Null,
                    }))
                }
            }
            _ => Err(kind_miss()),
        }
    }
}

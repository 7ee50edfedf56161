//! Explanations in words, for people reading a debug log or a preview tool:
//! one English sentence per campaign's verdict (`explain()`'s `why`, the
//! `?parcours_debug=1` console log).
//!
//! Behind the `messages` feature, like the validation messages: the
//! browser's script tag carries none of this text; the tools module, loaded
//! on demand, does.

use crate::condition::ClauseFailure;
use crate::explain::{Explanation, Reason};
use crate::frequency::CapHit;
use crate::trigger::TriggerMiss;
use crate::value::{number_to_string, Value};

impl Explanation {
    /// The verdict in words: where it shows, or why not.
    ///
    /// ```
    /// use parcours_engine::{Explanation, Reason};
    /// let x = Explanation {
    ///     campaign_id: "welcome".into(),
    ///     shown: false,
    ///     holdout: false,
    ///     variant_id: None,
    ///     reason: Some(Reason::Priority { lost_to: "sale".into() }),
    ///     placement: None,
    ///     interstitial_avoided: false,
    /// };
    /// assert_eq!(x.words(), "not shown: `sale` has a higher priority and took its place");
    /// ```
    pub fn words(&self) -> String {
        if self.holdout {
            return "held out: the visitor sees nothing, the exposure is recorded (holdout_percent)"
                .into();
        }
        if let Some(r) = &self.reason {
            return format!("not shown: {}", r.words());
        }
        let variant = self.variant_id.as_deref().unwrap_or("?");
        let placement = self.placement.unwrap_or("?");
        let mut s = format!("shown as a {placement}, variant `{variant}`");
        if self.interstitial_avoided {
            s.push_str(
                " (a bottom banner instead of its pop-in: on a phone, the first page of a visit \
                 from a search engine, a pop-in is an intrusive interstitial; \
                 \"interstitial\": \"allow\" keeps the pop-in)",
            );
        }
        s
    }
}

impl Reason {
    /// The first failing step in words.
    pub fn words(&self) -> String {
        match self {
            Reason::Status(s) => format!("its status is `{s}`, not `active`"),
            Reason::NotStarted(t) => format!("its schedule starts at {t}"),
            Reason::Ended(t) => format!("its schedule ended at {t}"),
            Reason::Trigger(TriggerMiss::Kind { expected, actual }) => {
                format!("it waits for {expected}, and this was {actual}")
            }
            Reason::Trigger(TriggerMiss::Threshold { expected, actual }) => format!(
                "its trigger needs {}, and this was {}",
                number_to_string(*expected),
                number_to_string(*actual)
            ),
            Reason::Trigger(TriggerMiss::Properties(f)) => {
                format!(
                    "the event's properties fail the trigger's `where`: {}",
                    clause(f)
                )
            }
            Reason::Segments { clause, segments } => {
                let list = segments
                    .iter()
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                match *clause {
                    "any" => format!("the visitor is in none of the segments {list}"),
                    "all" => format!("the visitor is not in the segments {list}"),
                    _ => format!("the visitor is in the excluded segments {list}"),
                }
            }
            Reason::Condition(f) => format!("the audience condition fails: {}", clause(f)),
            Reason::Frequency(hit) => format!("its frequency cap {}", cap(hit)),
            Reason::Stopped(after) => {
                format!("the visitor already {after} (frequency.stop_after)")
            }
            Reason::Pressure(hit) => format!("the pressure cap {}", cap(hit)),
            Reason::Priority { lost_to } => {
                format!("`{lost_to}` has a higher priority and took its place")
            }
            Reason::Answered => "the visitor already gave everything its form asks".to_owned(),
            Reason::GlobalHoldout => {
                "the visitor is in the site-wide control group (global_holdout_percent)".to_owned()
            }
        }
    }
}

fn cap(hit: &CapHit) -> String {
    let (count, limit) = (number_to_string(hit.count), number_to_string(hit.limit));
    if hit.cap.starts_with("min_") {
        format!("`{}` is not over: {count} of {limit}", hit.cap)
    } else {
        format!("`{}` is reached: {count} of {limit}", hit.cap)
    }
}

fn clause(f: &ClauseFailure) -> String {
    if f.path.is_empty() {
        return format!("{} {}", f.operator, show(&f.expected));
    }
    format!(
        "`{}` {} {}, but it is {}",
        f.path,
        f.operator,
        show(&f.expected),
        show(&f.actual)
    )
}

/// A value as JSON-like text (strings quoted).
fn show(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => number_to_string(*n),
        Value::String(s) => format!("{s:?}"),
        Value::Array(a) => format!("[{}]", a.iter().map(show).collect::<Vec<_>>().join(", ")),
        Value::Object(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, x)| format!("{k:?}: {}", show(x)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocked(reason: Reason) -> String {
        Explanation {
            campaign_id: "c".into(),
            shown: false,
            holdout: false,
            variant_id: None,
            reason: Some(reason),
            placement: None,
            interstitial_avoided: false,
        }
        .words()
    }

    #[test]
    fn each_step_reads_as_a_sentence() {
        assert_eq!(
            blocked(Reason::Status("paused")),
            "not shown: its status is `paused`, not `active`"
        );
        assert_eq!(
            blocked(Reason::Segments {
                clause: "any",
                segments: vec!["vip".into(), "lapsed".into()]
            }),
            "not shown: the visitor is in none of the segments `vip`, `lapsed`"
        );
        assert_eq!(
            blocked(Reason::Condition(ClauseFailure {
                path: "page.path".into(),
                operator: "$regex".into(),
                expected: "^/cart".into(),
                actual: "/".into(),
            })),
            "not shown: the audience condition fails: `page.path` $regex \"^/cart\", but it is \"/\""
        );
        assert_eq!(
            blocked(Reason::Frequency(CapHit {
                cap: "max_impressions",
                count: 3.0,
                limit: 3.0
            })),
            "not shown: its frequency cap `max_impressions` is reached: 3 of 3"
        );
        assert_eq!(
            blocked(Reason::Trigger(TriggerMiss::Kind {
                expected: "exit_intent".into(),
                actual: "page_view".into()
            })),
            "not shown: it waits for exit_intent, and this was page_view"
        );
    }

    #[test]
    fn a_shown_popin_turned_banner_says_why() {
        let mut x = Explanation {
            campaign_id: "welcome".into(),
            shown: true,
            holdout: false,
            variant_id: Some("a".into()),
            reason: None,
            placement: Some("popin"),
            interstitial_avoided: false,
        };
        assert_eq!(x.words(), "shown as a popin, variant `a`");
        x.placement = Some("banner");
        x.interstitial_avoided = true;
        assert!(x
            .words()
            .starts_with("shown as a banner, variant `a` (a bottom banner instead of its pop-in"));
        assert!(x.words().contains("\"interstitial\": \"allow\""));
    }

    #[test]
    fn values_print_as_json_like_text() {
        let v = Value::from_pairs([("a", Value::Array(vec![1.0.into(), "x".into(), Value::Null]))]);
        assert_eq!(show(&v), "{\"a\": [1, \"x\", null]}");
    }
}

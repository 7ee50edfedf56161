//! The global pressure cap: how many pop-ins and banners a visitor may see,
//! across every campaign (`slot` and `none` placements are exempt).

use crate::decode::Obj;
use crate::error::RuleError;
use crate::exposure::Exposure;
use crate::frequency::{check_counts, CapHit};
use crate::time::Now;

/// The document's `pressure` section. Every cap is optional (absent: no cap).
/// Whatever the caps, one decision never holds more than one pop-in.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Pressure {
    /// Pop-ins and banners per session.
    pub max_per_session: Option<f64>,
    /// Pop-ins and banners per local calendar day.
    pub max_per_day: Option<f64>,
    /// Minimum minutes since the last pop-in or banner.
    pub min_gap_minutes: Option<f64>,
}

impl Pressure {
    /// Decodes a `pressure` object.
    pub fn decode(o: &Obj<'_>, errs: &mut Vec<RuleError>) -> Pressure {
        o.deny_unknown(&["max_per_session", "max_per_day", "min_gap_minutes"], errs);
        Pressure {
            max_per_session: o.opt_non_negative("max_per_session", errs),
            max_per_day: o.opt_non_negative("max_per_day", errs),
            min_gap_minutes: o.opt_non_negative("min_gap_minutes", errs),
        }
    }

    /// `Ok` when one more pop-in or banner may show now, given the log of
    /// those shown and `extra` more already chosen in this decision, in
    /// session `session_id`.
    pub fn check(
        &self,
        shown: &[Exposure],
        now: &Now,
        session_id: &str,
        extra: u32,
    ) -> Result<(), CapHit> {
        check_counts(
            shown,
            now,
            session_id,
            extra,
            [
                ("max_per_session", self.max_per_session),
                ("max_per_day", self.max_per_day),
            ],
            self.min_gap_minutes
                .map(|m| ("min_gap_minutes", m, 60_000.0)),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(ms: f64, s: &str, day: i64) -> Exposure {
        Exposure {
            at_ms: ms,
            session_id: s.into(),
            day,
        }
    }

    fn now(ms: f64, day: i64) -> Now {
        Now {
            ms,
            tz_offset_min: 0,
            day,
        }
    }

    #[test]
    fn pressure_counts_messages_already_chosen_in_this_decision() {
        let p = Pressure {
            max_per_session: Some(2.0),
            ..Default::default()
        };
        let log = [shown(0.0, "s", 0)];
        assert!(p.check(&log, &now(0.0, 0), "s", 0).is_ok());
        let hit = p.check(&log, &now(0.0, 0), "s", 1).unwrap_err();
        assert_eq!(
            (hit.cap, hit.count, hit.limit),
            ("max_per_session", 2.0, 2.0)
        );
    }

    #[test]
    fn min_gap_is_measured_from_the_last_message() {
        let p = Pressure {
            min_gap_minutes: Some(10.0),
            ..Default::default()
        };
        let log = [shown(0.0, "s", 0), shown(60_000.0, "s", 0)];
        let early = now(120_000.0, 0);
        assert_eq!(p.check(&log, &early, "s", 0).unwrap_err().count, 1.0);
        assert!(p.check(&log, &now(660_000.0, 0), "s", 0).is_ok());
    }

    #[test]
    fn per_day_cap_resets_on_the_next_local_day() {
        let p = Pressure {
            max_per_day: Some(1.0),
            ..Default::default()
        };
        let log = [shown(0.0, "s1", 7)];
        assert!(p.check(&log, &now(1.0, 7), "s2", 0).is_err());
        assert!(p.check(&log, &now(1.0, 8), "s2", 0).is_ok());
    }
}

//! Frequency caps: how often one campaign may be shown to one visitor
//! (`frequency` in the rules document), checked against its
//! [`CampaignState`]. The global [`pressure`](crate::pressure) cap counts
//! the same way, over every pop-in and banner.

use crate::decode::Obj;
use crate::error::{RuleError, RuleErrorKind};
use crate::exposure::{CampaignState, Exposure};
use crate::time::Now;

/// A cap that was reached: its name, the current count and the limit.
#[derive(Debug, Clone, PartialEq)]
pub struct CapHit {
    /// `max_impressions`, `max_per_session`, `max_per_day`,
    /// `min_interval_hours` (pressure: `min_gap_minutes`).
    pub cap: &'static str,
    /// The count so far (for an interval: the time elapsed, in the cap's unit).
    pub count: f64,
    /// The configured limit.
    pub limit: f64,
}

/// Why a campaign's own frequency forbids it.
#[derive(Debug, Clone, PartialEq)]
pub enum FrequencyBlock {
    /// A numeric cap was reached.
    Cap(CapHit),
    /// `stop_after` matched: `clicked`, `dismissed` or `converted`.
    Stopped(&'static str),
}

/// A campaign's `frequency` section. Every cap is optional (absent: no cap).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FrequencyCaps {
    /// Lifetime impressions (holdout exposures included).
    pub max_impressions: Option<f64>,
    /// Per session.
    pub max_per_session: Option<f64>,
    /// Per local calendar day.
    pub max_per_day: Option<f64>,
    /// Minimum hours between two exposures.
    pub min_interval_hours: Option<f64>,
    /// Stop for good once clicked.
    pub stop_after_clicked: bool,
    /// Stop for good once dismissed.
    pub stop_after_dismissed: bool,
    /// Stop for good once converted.
    pub stop_after_converted: bool,
}

/// Checks count-per-session, count-per-day and a minimum gap over `recent`,
/// in session `session_id`, with `extra` exposures assumed to happen now.
pub(crate) fn check_counts(
    recent: &[Exposure],
    now: &Now,
    session_id: &str,
    extra: u32,
    caps: [(&'static str, Option<f64>); 2],
    gap: Option<(&'static str, f64, f64)>,
) -> Result<(), CapHit> {
    let extra_f = f64::from(extra);
    let [(s_name, per_session), (d_name, per_day)] = caps;
    if let Some(limit) = per_session {
        let n = recent.iter().filter(|e| e.session_id == session_id).count() as f64 + extra_f;
        if n >= limit {
            return Err(CapHit {
                cap: s_name,
                count: n,
                limit,
            });
        }
    }
    if let Some(limit) = per_day {
        let n = recent.iter().filter(|e| e.day == now.day).count() as f64 + extra_f;
        if n >= limit {
            return Err(CapHit {
                cap: d_name,
                count: n,
                limit,
            });
        }
    }
    if let Some((name, limit, unit_ms)) = gap {
        let last = if extra > 0 {
            Some(now.ms)
        } else {
            recent
                .iter()
                .map(|e| e.at_ms)
                .fold(None, |m: Option<f64>, t| Some(m.map_or(t, |m| m.max(t))))
        };
        if let Some(last) = last {
            let elapsed = (now.ms - last) / unit_ms;
            if elapsed < limit {
                return Err(CapHit {
                    cap: name,
                    count: elapsed.max(0.0),
                    limit,
                });
            }
        }
    }
    Ok(())
}

impl FrequencyCaps {
    /// Decodes a `frequency` object.
    pub fn decode(o: &Obj<'_>, errs: &mut Vec<RuleError>) -> FrequencyCaps {
        o.deny_unknown(
            &[
                "max_impressions",
                "max_per_session",
                "max_per_day",
                "min_interval_hours",
                "stop_after",
            ],
            errs,
        );
        let mut f = FrequencyCaps {
            max_impressions: o.opt_non_negative("max_impressions", errs),
            max_per_session: o.opt_non_negative("max_per_session", errs),
            max_per_day: o.opt_non_negative("max_per_day", errs),
            min_interval_hours: o.opt_non_negative("min_interval_hours", errs),
            ..FrequencyCaps::default()
        };
        for (i, v) in o
            .opt_array("stop_after", errs)
            .into_iter()
            .flatten()
            .enumerate()
        {
            match v.as_str() {
                Some("clicked") => f.stop_after_clicked = true,
                Some("dismissed") => f.stop_after_dismissed = true,
                Some("converted") => f.stop_after_converted = true,
                _ => errs.push(RuleError::new(
                    crate::decode::index_path(&o.at("stop_after"), i),
                    RuleErrorKind::Invalid,
                    "expected one of: clicked, dismissed, converted",
                )),
            }
        }
        f
    }

    /// `Ok` when the caps allow one more exposure now, in session `session_id`.
    pub fn check(
        &self,
        st: Option<&CampaignState>,
        now: &Now,
        session_id: &str,
    ) -> Result<(), FrequencyBlock> {
        let empty = CampaignState::default();
        let st = st.unwrap_or(&empty);
        for (on, flag, name) in [
            (self.stop_after_clicked, st.clicked, "clicked"),
            (self.stop_after_dismissed, st.dismissed, "dismissed"),
            (self.stop_after_converted, st.converted, "converted"),
        ] {
            if on && flag {
                return Err(FrequencyBlock::Stopped(name));
            }
        }
        if let Some(limit) = self.max_impressions {
            let n = f64::from(st.exposures);
            if n >= limit {
                return Err(FrequencyBlock::Cap(CapHit {
                    cap: "max_impressions",
                    count: n,
                    limit,
                }));
            }
        }
        check_counts(
            &st.recent,
            now,
            session_id,
            0,
            [
                ("max_per_session", self.max_per_session),
                ("max_per_day", self.max_per_day),
            ],
            self.min_interval_hours
                .map(|h| ("min_interval_hours", h, 3_600_000.0)),
        )
        .map_err(FrequencyBlock::Cap)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exposure::tests::at;
    use crate::exposure::Exposures;

    fn now(ms: f64, day: i64) -> Now {
        Now {
            ms,
            tz_offset_min: 0,
            day,
        }
    }

    #[test]
    fn per_session_cap_counts_only_the_current_session() {
        let caps = FrequencyCaps {
            max_per_session: Some(1.0),
            ..Default::default()
        };
        let mut ex = Exposures::default();
        ex.impression("c", "a", at(0.0, "s1", 0), true);
        assert!(caps.check(ex.campaign("c"), &now(10.0, 0), "s1").is_err());
        assert!(caps.check(ex.campaign("c"), &now(10.0, 0), "s2").is_ok());
    }

    #[test]
    fn min_interval_blocks_until_enough_hours_passed() {
        let caps = FrequencyCaps {
            min_interval_hours: Some(24.0),
            ..Default::default()
        };
        let mut ex = Exposures::default();
        ex.impression("c", "a", at(0.0, "s1", 0), true);
        let hit = caps.check(ex.campaign("c"), &now(3_600_000.0, 0), "s2");
        assert_eq!(
            hit,
            Err(FrequencyBlock::Cap(CapHit {
                cap: "min_interval_hours",
                count: 1.0,
                limit: 24.0
            }))
        );
        assert!(caps
            .check(ex.campaign("c"), &now(86_400_000.0, 1), "s2")
            .is_ok());
    }

    #[test]
    fn stop_after_click_stops_for_good() {
        let caps = FrequencyCaps {
            stop_after_clicked: true,
            ..Default::default()
        };
        let mut ex = Exposures::default();
        ex.click("c");
        assert_eq!(
            caps.check(ex.campaign("c"), &now(0.0, 0), "s"),
            Err(FrequencyBlock::Stopped("clicked"))
        );
    }
}

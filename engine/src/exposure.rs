//! The exposure store: per campaign, what one visitor was shown, clicked,
//! dismissed and converted on, plus the log of pop-ins and banners the
//! global pressure cap counts.
//!
//! Exposures change only through [`Engine::record`](crate::Engine::record)
//! (`Promotion Viewed`, `Experiment Viewed`, clicks, dismissals, goals);
//! deciding reads them and never writes. Each campaign keeps its totals and
//! its last [`MAX_RECENT`] exposures (enough for per-session and per-day
//! caps); the pressure log keeps the last [`MAX_RECENT`] pop-ins and banners.

use crate::map::StrMap;
use crate::value::{Map, Value};

/// How many recent exposures are kept per campaign and in the pressure log.
/// Caps above this per session or per day cannot be enforced exactly.
pub const MAX_RECENT: usize = 64;

/// One impression or holdout exposure: when, in which session, on which local day.
#[derive(Debug, Clone, PartialEq)]
pub struct Exposure {
    /// Epoch ms.
    pub at_ms: f64,
    /// The session it happened in ([`Profile::current_session_id`](crate::Profile::current_session_id)).
    pub session_id: String,
    /// Local days since 1970-01-01 ([`time::local_day`](crate::time::local_day)).
    pub day: i64,
}

/// What one visitor has seen of one campaign.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CampaignState {
    /// The sticky assignment: a variant id, or `"holdout"`.
    pub variant: Option<String>,
    /// Times shown (`Promotion Viewed`).
    pub impressions: u32,
    /// Impressions plus holdout exposures: what the frequency caps count.
    pub exposures: u32,
    /// The last [`MAX_RECENT`] impressions and holdout exposures, oldest first.
    pub recent: Vec<Exposure>,
    /// Clicked at least once.
    pub clicked: bool,
    /// Dismissed at least once.
    pub dismissed: bool,
    /// Reached its goal after an exposure.
    pub converted: bool,
    /// Last impression (not counting holdout exposures), epoch ms.
    pub last_shown_ms: Option<f64>,
    /// The first exposure (`Experiment Viewed`, impression or holdout
    /// exposure), epoch ms: goal windows count from it.
    pub first_exposed_ms: Option<f64>,
    /// `Experiment Viewed` was sent (once per visitor per campaign).
    pub viewed: bool,
}

impl CampaignState {
    /// The last impression or holdout exposure, epoch ms.
    pub fn last_exposed_ms(&self) -> Option<f64> {
        self.recent.last().map(|e| e.at_ms)
    }

    /// The first exposure, epoch ms (for state stored before it was kept:
    /// the oldest recent exposure).
    pub fn first_ms(&self) -> Option<f64> {
        self.first_exposed_ms
            .or_else(|| self.recent.first().map(|e| e.at_ms))
    }

    fn exposed_at(&mut self, at_ms: f64) {
        if self.first_exposed_ms.is_none() {
            self.first_exposed_ms = Some(at_ms);
        }
    }
}

/// What the visitor has been shown, clicked, dismissed and converted on,
/// plus the log of pop-ins and banners the global pressure cap counts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Exposures {
    campaigns: StrMap<CampaignState>,
    shown: Vec<Exposure>,
}

fn push_bounded(list: &mut Vec<Exposure>, e: Exposure) {
    list.push(e);
    if list.len() > MAX_RECENT {
        let extra = list.len() - MAX_RECENT;
        list.drain(..extra);
    }
}

impl Exposures {
    /// The state of one campaign, if the visitor was ever exposed to it.
    pub fn campaign(&self, id: &str) -> Option<&CampaignState> {
        self.campaigns.get(id)
    }

    /// Every campaign with state, by id.
    pub fn campaigns(&self) -> impl Iterator<Item = (&str, &CampaignState)> {
        self.campaigns.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// The pop-ins and banners shown recently, oldest first (the pressure log).
    pub fn shown(&self) -> &[Exposure] {
        &self.shown
    }

    fn entry(&mut self, id: &str) -> &mut CampaignState {
        self.campaigns
            .get_or_insert_with(id, CampaignState::default)
    }

    /// Records the assignment unless one is already recorded (sticky).
    pub fn assign(&mut self, campaign: &str, variant: &str) {
        let st = self.entry(campaign);
        if st.variant.is_none() && !variant.is_empty() {
            st.variant = Some(variant.to_owned());
        }
    }

    /// Records that `campaign` was shown; `pressure` when it counts for the
    /// global pressure cap (pop-ins and banners).
    pub fn impression(&mut self, campaign: &str, variant: &str, at: Exposure, pressure: bool) {
        self.assign(campaign, variant);
        let st = self.entry(campaign);
        st.impressions = st.impressions.saturating_add(1);
        st.exposures = st.exposures.saturating_add(1);
        st.last_shown_ms = Some(at.at_ms);
        st.exposed_at(at.at_ms);
        if pressure {
            push_bounded(&mut self.shown, at.clone());
        }
        push_bounded(&mut self.entry(campaign).recent, at);
    }

    /// Records a holdout exposure: counts for the campaign's own frequency,
    /// not for the global pressure.
    pub fn holdout_exposure(&mut self, campaign: &str, at: Exposure) {
        self.assign(campaign, "holdout");
        let st = self.entry(campaign);
        st.exposures = st.exposures.saturating_add(1);
        st.exposed_at(at.at_ms);
        push_bounded(&mut st.recent, at);
    }

    /// Records `Experiment Viewed`: the assignment, the first exposure, and
    /// that it was sent (so it is sent once per visitor).
    pub fn viewed(&mut self, campaign: &str, variant: &str, at_ms: f64) {
        self.assign(campaign, variant);
        let st = self.entry(campaign);
        st.viewed = true;
        st.exposed_at(at_ms);
    }

    /// Marks a click.
    pub fn click(&mut self, campaign: &str) {
        self.entry(campaign).clicked = true;
    }

    /// Marks a dismissal.
    pub fn dismiss(&mut self, campaign: &str) {
        self.entry(campaign).dismissed = true;
    }

    /// Marks a conversion.
    pub fn convert(&mut self, campaign: &str) {
        self.entry(campaign).converted = true;
    }

    /// As a plain value for storage.
    pub fn to_value(&self) -> Value {
        let mut campaigns = Map::new();
        for (id, st) in &self.campaigns {
            let mut m = Map::new();
            if let Some(v) = &st.variant {
                m.insert("variant".into(), v.as_str().into());
            }
            m.insert("impressions".into(), st.impressions.into());
            m.insert("exposures".into(), st.exposures.into());
            m.insert("recent".into(), list_to_value(&st.recent));
            for (k, b) in [
                ("clicked", st.clicked),
                ("dismissed", st.dismissed),
                ("converted", st.converted),
                ("viewed", st.viewed),
            ] {
                if b {
                    m.insert(k.into(), true.into());
                }
            }
            if let Some(t) = st.last_shown_ms {
                m.insert("last_shown_ms".into(), t.into());
            }
            if let Some(t) = st.first_exposed_ms {
                m.insert("first_exposed_ms".into(), t.into());
            }
            campaigns.insert(id.clone(), m.into());
        }
        Value::from_pairs([
            ("campaigns", campaigns.into()),
            ("shown", list_to_value(&self.shown)),
        ])
    }

    /// Reads stored state back, leniently: anything unreadable is skipped.
    pub fn from_value(v: &Value) -> Exposures {
        let mut out = Exposures::default();
        if let Some(m) = v.get("campaigns").and_then(Value::as_object) {
            for (id, c) in m {
                if c.as_object().is_none() {
                    continue;
                }
                let count = |k: &str| {
                    let n = c.get(k).and_then(Value::as_f64).unwrap_or(0.0);
                    if n.is_finite() && n > 0.0 {
                        n.min(f64::from(u32::MAX)) as u32
                    } else {
                        0
                    }
                };
                let flag = |k: &str| c.get(k).and_then(Value::as_bool).unwrap_or(false);
                let st = CampaignState {
                    variant: c.get("variant").and_then(Value::as_str).map(str::to_owned),
                    impressions: count("impressions"),
                    exposures: count("exposures"),
                    recent: list_from_value(c.get("recent")),
                    clicked: flag("clicked"),
                    dismissed: flag("dismissed"),
                    converted: flag("converted"),
                    last_shown_ms: time_at(c, "last_shown_ms"),
                    first_exposed_ms: time_at(c, "first_exposed_ms"),
                    viewed: flag("viewed"),
                };
                out.campaigns.insert(id.clone(), st);
            }
        }
        out.shown = list_from_value(v.get("shown"));
        out
    }
}

fn time_at(c: &Value, key: &str) -> Option<f64> {
    c.get(key).and_then(Value::as_f64).filter(|t| t.is_finite())
}

fn list_to_value(list: &[Exposure]) -> Value {
    Value::Array(
        list.iter()
            .map(|e| {
                Value::Array(vec![
                    e.at_ms.into(),
                    e.session_id.as_str().into(),
                    (e.day as f64).into(),
                ])
            })
            .collect(),
    )
}

fn list_from_value(v: Option<&Value>) -> Vec<Exposure> {
    let Some(items) = v.and_then(Value::as_array) else {
        return Vec::new();
    };
    let mut out: Vec<Exposure> = items
        .iter()
        .filter_map(|e| {
            let at_ms = e.get("0")?.as_f64().filter(|t| t.is_finite())?;
            let session_id = e.get("1")?.as_str()?.to_owned();
            let day = e.get("2")?.as_f64().filter(|d| d.is_finite())? as i64;
            Some(Exposure {
                at_ms,
                session_id,
                day,
            })
        })
        .collect();
    if out.len() > MAX_RECENT {
        out.drain(..out.len() - MAX_RECENT);
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// An exposure at `ms` in session `s` on local day `day` (also used by `frequency`'s tests).
    pub(crate) fn at(ms: f64, s: &str, day: i64) -> Exposure {
        Exposure {
            at_ms: ms,
            session_id: s.into(),
            day,
        }
    }

    #[test]
    fn holdout_exposures_count_for_frequency_but_not_pressure() {
        let mut ex = Exposures::default();
        ex.holdout_exposure("c", at(0.0, "s", 0));
        assert_eq!(ex.campaign("c").map(|c| c.exposures), Some(1));
        assert_eq!(ex.campaign("c").map(|c| c.impressions), Some(0));
        assert!(ex.shown().is_empty());
        assert_eq!(
            ex.campaign("c").and_then(|c| c.variant.as_deref()),
            Some("holdout")
        );
    }

    #[test]
    fn assignment_is_sticky() {
        let mut ex = Exposures::default();
        ex.assign("c", "a");
        ex.impression("c", "b", at(0.0, "s", 0), false);
        assert_eq!(
            ex.campaign("c").and_then(|c| c.variant.as_deref()),
            Some("a")
        );
    }

    #[test]
    fn exposures_round_trip_through_values_and_survive_garbage() {
        let mut ex = Exposures::default();
        ex.impression("c", "a", at(5.0, "s", 3), true);
        ex.click("c");
        ex.viewed("c", "a", 4.0);
        assert_eq!(Exposures::from_value(&ex.to_value()), ex);
        let junk = Value::from_pairs([("campaigns", Value::from("x")), ("shown", 3.0.into())]);
        assert_eq!(Exposures::from_value(&junk), Exposures::default());
    }

    #[test]
    fn the_first_exposure_is_kept() {
        let mut ex = Exposures::default();
        ex.viewed("c", "a", 1.0);
        ex.impression("c", "a", at(5.0, "s", 0), false);
        let st = ex.campaign("c").cloned().unwrap_or_default();
        assert_eq!((st.first_ms(), st.viewed), (Some(1.0), true));
    }

    #[test]
    fn recent_exposures_are_bounded() {
        let mut ex = Exposures::default();
        for i in 0..(MAX_RECENT + 10) {
            ex.impression("c", "a", at(i as f64, "s", 0), true);
        }
        assert_eq!(ex.shown().len(), MAX_RECENT);
        assert_eq!(ex.campaign("c").map(|c| c.recent.len()), Some(MAX_RECENT));
        assert_eq!(
            ex.campaign("c").map(|c| c.impressions),
            Some(MAX_RECENT as u32 + 10)
        );
    }
}

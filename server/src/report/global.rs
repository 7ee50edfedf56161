//! The site-wide control group (`global_holdout_percent`): the visitors the
//! engine keeps out of every campaign (arm `holdout`) against everyone else
//! (arm `treatment`), each recorded by its `Experiment Viewed`
//! `{experiment_id: "global", variation_id}`.
//!
//! `global` is no campaign of the rules (the validator reserves the id) and
//! the rules format has no goal for it, so its goal is built in: an
//! [`GOAL_EVENT`] (its `revenue` as the revenue) within [`WINDOW_DAYS`]
//! after the person's first global exposure, through every id of the person
//! like a campaign's goal. It applies whatever `global_holdout_percent` is
//! now, so turning the control group off keeps the numbers it gathered.
//! The report shows it apart from the campaigns ([`GlobalReport`]).

use serde::Serialize;

use super::goals::{CampaignInfo, Goal, Goals};
use super::{campaign, ArmReport, DailyCell, DayReport, ExposureCell, GoalReport};

/// The experiment id of the site-wide control group.
pub const GLOBAL: &str = parcours_engine::assign::GLOBAL;
/// The arm of the visitors who may see campaigns.
pub const TREATMENT: &str = parcours_engine::assign::TREATMENT;
/// The purchase event, as the e-commerce campaigns' goals name it.
pub const GOAL_EVENT: &str = "Order Completed";
/// The conversion window after the first global exposure, days: long
/// enough for the campaigns a visitor meets over several visits to weigh
/// on a purchase, short enough to be read within a month.
pub const WINDOW_DAYS: i64 = 30;

/// The site-wide control group as the goal machinery sees it: a campaign
/// `global` with arms `holdout` and `treatment` and the built-in goal.
pub fn info(holdout_percent: f64) -> CampaignInfo {
    CampaignInfo {
        id: GLOBAL.to_owned(),
        name: GLOBAL.to_owned(),
        holdout_percent,
        variants: vec![TREATMENT.to_owned()],
        goal: Some(Goal {
            event: GOAL_EVENT.to_owned(),
            within_ms: WINDOW_DAYS * 86_400_000,
            has_where: false,
        }),
    }
}

/// The `global` section of the report: every campaign together against
/// the visitors who saw none.
#[derive(Debug, Clone, Serialize)]
pub struct GlobalReport {
    /// The current `global_holdout_percent`.
    pub holdout_percent: f64,
    /// The built-in goal.
    pub goal: GoalReport,
    /// `holdout` (the control), then `treatment` with its uplift. Their
    /// impressions, clicks and dismissals are 0: those are the campaigns'.
    pub arms: Vec<ArmReport>,
    /// With `interval=day`: each day and arm with data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub daily: Option<Vec<DayReport>>,
}

/// The section, when the rules have a control group or the period has
/// global exposures (`None` otherwise).
pub fn report(
    daily: bool,
    goals: &Goals,
    exposures: &[ExposureCell],
    counts: &[DailyCell],
) -> Option<GlobalReport> {
    let seen = exposures.iter().any(|c| c.campaign_id == GLOBAL);
    if goals.global.holdout_percent <= 0.0 && !seen {
        return None;
    }
    let c = campaign(GLOBAL, daily, goals, exposures, counts);
    Some(GlobalReport {
        holdout_percent: goals.global.holdout_percent,
        goal: c.goal?,
        arms: c.arms,
        daily: c.daily,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::graph::{exposures_of, EventRow};

    fn track(id: i64, event: &str, props: &str, at: &str) -> EventRow {
        EventRow {
            id,
            kind: "track".into(),
            event: Some(event.into()),
            user_id: None,
            timestamp: at.into(),
            payload: format!(r#"{{"properties":{props}}}"#),
        }
    }

    #[test]
    fn an_order_within_thirty_days_converts_the_control_group() {
        let goals = Goals::parse("e1", r#"{"global_holdout_percent": 5, "campaigns": []}"#);
        assert_eq!(goals.global.holdout_percent, 5.0);
        assert!(goals.campaigns.is_empty());
        assert!(goals.is_goal_event(GOAL_EVENT));
        let events = [
            track(
                1,
                "Experiment Viewed",
                r#"{"experiment_id":"global","variation_id":"treatment"}"#,
                "2026-11-01T10:00:00.000Z",
            ),
            track(
                2,
                GOAL_EVENT,
                r#"{"revenue":12}"#,
                "2026-11-20T10:00:00.000Z",
            ),
            track(
                3,
                GOAL_EVENT,
                r#"{"revenue":"3"}"#,
                "2026-12-01T10:00:00.000Z",
            ),
            track(
                4,
                GOAL_EVENT,
                r#"{"revenue":100}"#,
                "2026-12-01T10:00:00.001Z",
            ),
        ];
        let rows = exposures_of(&goals, &events);
        assert_eq!(rows.len(), 1);
        assert_eq!(
            (rows[0].campaign_id.as_str(), rows[0].variant_id.as_str()),
            (GLOBAL, TREATMENT)
        );
        assert_eq!(
            rows[0].converted_ms,
            crate::report::facts::epoch_ms("2026-11-20T10:00:00.000Z")
        );
        // The last order is a millisecond past the 30 days.
        assert_eq!(rows[0].revenue, 15.0);
        // Without rules the control group still has its goal.
        assert!(Goals::default().is_goal_event(GOAL_EVENT));
    }
}

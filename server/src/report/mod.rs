//! Campaign reports: the identity graph that joins a person's ids
//! ([`graph`]), the aggregates kept as events arrive, and the report of
//! `GET /v1/reports/campaigns` built from them ([`Report`], [`stats`]).
//!
//! A report covers the persons first exposed to a campaign (their first
//! `Experiment Viewed`) on the UTC days `from..=to`, by arm (each variant,
//! and the holdout as control): exposed persons, their conversions (the
//! campaign's goal within its window after that first exposure, through
//! every id of the person) and revenue; and the impressions, clicks and
//! dismissals of those days. Goals are judged with the rules current when
//! each event arrived (or when the person's rows were last rebuilt). The
//! site-wide control group is reported apart ([`global`]).

pub mod facts;
pub mod global;
pub mod goals;
pub mod graph;
pub mod stats;

use serde::Serialize;
use std::collections::BTreeMap;

use global::{GlobalReport, GLOBAL};
use goals::Goals;
use stats::{Arm, Estimate, Uplift};

/// The arm id of the control group.
pub const HOLDOUT: &str = parcours_engine::assign::HOLDOUT;

/// Exposed persons of one campaign arm, first exposed on one day.
#[derive(Debug, Clone, PartialEq)]
pub struct ExposureCell {
    /// Campaign.
    pub campaign_id: String,
    /// Variant or `holdout`.
    pub variant_id: String,
    /// UTC day of the first exposure.
    pub day: String,
    /// Their numbers.
    pub arm: Arm,
}

/// Impressions, clicks and dismissals of one campaign variant on one day.
#[derive(Debug, Clone, PartialEq)]
pub struct DailyCell {
    /// Campaign.
    pub campaign_id: String,
    /// Variant (the events' `creative`).
    pub variant_id: String,
    /// UTC day.
    pub day: String,
    /// `[impressions, clicks, dismissals]`.
    pub counts: [i64; 3],
}

/// The period a report covers.
#[derive(Debug, Clone, Serialize)]
pub struct Period {
    /// First UTC day asked for.
    pub from: String,
    /// Last UTC day asked for (inclusive).
    pub to: String,
    /// The first day data can exist for: events older than the retention
    /// are deleted (`None`: kept forever).
    pub retained_from: Option<String>,
    /// The retention, days (`None`: kept forever).
    pub retention_days: Option<u32>,
}

/// One arm of a campaign.
#[derive(Debug, Clone, Serialize)]
pub struct ArmReport {
    /// Variant id or `holdout`.
    pub variant_id: String,
    /// The holdout, the control group.
    pub control: bool,
    /// Persons first exposed in the period.
    pub exposed: u64,
    /// `Promotion Viewed` in the period.
    pub impressions: i64,
    /// `Promotion Clicked` in the period.
    pub clicks: i64,
    /// `Promotion Dismissed` in the period.
    pub dismissals: i64,
    /// Exposed persons who reached the goal in the window.
    pub conversions: u64,
    /// `conversions / exposed`, with its intervals.
    pub conversion_rate: Estimate,
    /// Revenue of the goal events in the windows.
    pub revenue: f64,
    /// `revenue / exposed`, with its intervals.
    pub revenue_per_exposed: Estimate,
    /// Against the holdout (`None` for the holdout, or with an empty arm).
    pub uplift: Option<Uplift>,
}

/// A campaign's goal as the report applied it.
#[derive(Debug, Clone, Serialize)]
pub struct GoalReport {
    /// Goal event.
    pub event: String,
    /// Window after the first exposure, hours.
    pub within_hours: f64,
    /// Whether a `where` condition filters it.
    #[serde(rename = "where")]
    pub has_where: bool,
}

/// One day of a campaign arm (`interval=day`).
#[derive(Debug, Clone, Serialize)]
pub struct DayReport {
    /// UTC day.
    pub day: String,
    /// Variant id or `holdout`.
    pub variant_id: String,
    /// Persons first exposed that day.
    pub exposed: u64,
    /// Of those, converted.
    pub conversions: u64,
    /// Their revenue.
    pub revenue: f64,
    /// Impressions that day.
    pub impressions: i64,
    /// Clicks that day.
    pub clicks: i64,
    /// Dismissals that day.
    pub dismissals: i64,
}

/// One campaign of the report.
#[derive(Debug, Clone, Serialize)]
pub struct CampaignReport {
    /// Id.
    pub campaign_id: String,
    /// Name from the current rules (the id when no longer in them).
    pub name: String,
    /// In the current rules.
    pub in_rules: bool,
    /// Current holdout share, percent.
    pub holdout_percent: Option<f64>,
    /// Current goal.
    pub goal: Option<GoalReport>,
    /// Holdout first, then the variants.
    pub arms: Vec<ArmReport>,
    /// With `interval=day`: each day and arm with data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub daily: Option<Vec<DayReport>>,
}

/// `GET /v1/reports/campaigns`.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The site.
    #[serde(rename = "writeKey")]
    pub write_key: String,
    /// What it covers.
    pub period: Period,
    /// `day` when a daily series is included.
    pub interval: Option<&'static str>,
    /// How the numbers are computed (see docs/reports.md).
    pub method: Method,
    /// Every campaign with data in the period or in the rules.
    pub campaigns: Vec<CampaignReport>,
    /// The site-wide control group: every campaign together against the
    /// visitors who saw none (`None` when the rules have none and the
    /// period no global exposure).
    pub global: Option<GlobalReport>,
}

/// The method, stated in the report itself.
#[derive(Debug, Clone, Serialize)]
pub struct Method {
    /// `0.95`.
    pub confidence: f64,
    /// The fixed-horizon interval.
    pub fixed: &'static str,
    /// The always-valid interval.
    pub sequential: &'static str,
    /// Its tuning `N*`.
    pub sequential_tuning_n: f64,
    /// What is never counted.
    pub excluded: &'static str,
}

impl Method {
    fn new() -> Method {
        Method {
            confidence: 1.0 - stats::ALPHA,
            fixed: "normal approximation: estimate ± 1.96·SE",
            sequential: "asymptotic confidence sequence (Waudby-Smith, Howard et al. 2021; GrowthBook's sequential testing): estimate ± m(n)·SE",
            sequential_tuning_n: stats::TUNING_N,
            excluded: "preview events (context.preview), known bots and crawlers (context.userAgent), forgotten persons",
        }
    }
}

/// Builds the report from the stored cells and the current rules.
pub fn build(
    write_key: &str,
    period: Period,
    daily: bool,
    goals: &Goals,
    exposures: &[ExposureCell],
    counts: &[DailyCell],
) -> Report {
    let mut ids: Vec<String> = goals.campaigns.iter().map(|c| c.id.clone()).collect();
    let mut extra: Vec<String> = exposures
        .iter()
        .map(|c| c.campaign_id.clone())
        .chain(counts.iter().map(|c| c.campaign_id.clone()))
        .filter(|c| c != GLOBAL && !ids.contains(c))
        .collect();
    extra.sort();
    extra.dedup();
    ids.extend(extra);
    let campaigns = ids
        .into_iter()
        .map(|id| campaign(&id, daily, goals, exposures, counts))
        .collect();
    Report {
        write_key: write_key.to_owned(),
        period,
        interval: daily.then_some("day"),
        method: Method::new(),
        campaigns,
        global: global::report(daily, goals, exposures, counts),
    }
}

/// One campaign's numbers (also the control group's, as `global`).
fn campaign(
    id: &str,
    daily: bool,
    goals: &Goals,
    exposures: &[ExposureCell],
    counts: &[DailyCell],
) -> CampaignReport {
    let info = goals.campaign(id);
    let exposures: Vec<&ExposureCell> = exposures.iter().filter(|c| c.campaign_id == id).collect();
    let counts: Vec<&DailyCell> = counts.iter().filter(|c| c.campaign_id == id).collect();
    // Arms: holdout, the rules' variants, then any other seen.
    let mut arms: Vec<String> = vec![HOLDOUT.to_owned()];
    if let Some(info) = info {
        arms.extend(info.variants.iter().cloned());
    }
    let mut seen: Vec<String> = exposures
        .iter()
        .map(|c| c.variant_id.clone())
        .chain(counts.iter().map(|c| c.variant_id.clone()))
        .filter(|v| !arms.contains(v))
        .collect();
    seen.sort();
    seen.dedup();
    arms.extend(seen);
    let totals: Vec<(String, Arm, [i64; 3])> = arms
        .iter()
        .map(|v| {
            let mut arm = Arm::default();
            for c in exposures.iter().filter(|c| &c.variant_id == v) {
                arm.add(&c.arm);
            }
            let mut n = [0i64; 3];
            for c in counts.iter().filter(|c| &c.variant_id == v) {
                for (total, add) in n.iter_mut().zip(c.counts) {
                    *total += add;
                }
            }
            (v.clone(), arm, n)
        })
        .collect();
    let control = totals[0].1;
    let holdout_percent = info.map(|c| c.holdout_percent);
    let arms = totals
        .iter()
        .filter(|(v, arm, n)| {
            // The holdout is listed when the campaign has one or it saw anyone.
            v != HOLDOUT || holdout_percent.unwrap_or(0.0) > 0.0 || arm.n > 0 || n != &[0; 3]
        })
        .map(|(v, arm, n)| {
            let is_control = v == HOLDOUT;
            let nn = arm.n as f64;
            ArmReport {
                variant_id: v.clone(),
                control: is_control,
                exposed: arm.n,
                impressions: n[0],
                clicks: n[1],
                dismissals: n[2],
                conversions: arm.conversions,
                conversion_rate: estimate(arm.rate(), arm.rate_se(), nn),
                revenue: arm.revenue,
                revenue_per_exposed: estimate(arm.mean_revenue(), arm.revenue_se(), nn),
                uplift: if is_control {
                    None
                } else {
                    stats::uplift(arm, &control)
                },
            }
        })
        .collect();
    let daily = daily.then(|| days(&exposures, &counts));
    CampaignReport {
        campaign_id: id.to_owned(),
        name: info.map_or_else(|| id.to_owned(), |c| c.name.clone()),
        in_rules: info.is_some(),
        holdout_percent,
        goal: info.and_then(|c| c.goal.as_ref()).map(|g| GoalReport {
            event: g.event.clone(),
            within_hours: g.within_ms as f64 / 3_600_000.0,
            has_where: g.has_where,
        }),
        arms,
        daily,
    }
}

fn estimate(value: f64, se: f64, n: f64) -> Estimate {
    Estimate {
        estimate: value,
        ci: stats::fixed(value, se),
        ci_sequential: stats::sequential(value, se, n),
    }
}

fn days(exposures: &[&ExposureCell], counts: &[&DailyCell]) -> Vec<DayReport> {
    let mut by: BTreeMap<(String, String), DayReport> = BTreeMap::new();
    for c in exposures {
        let d = by
            .entry((c.day.clone(), c.variant_id.clone()))
            .or_insert_with(|| empty_day(&c.day, &c.variant_id));
        d.exposed += c.arm.n;
        d.conversions += c.arm.conversions;
        d.revenue += c.arm.revenue;
    }
    for c in counts {
        let d = by
            .entry((c.day.clone(), c.variant_id.clone()))
            .or_insert_with(|| empty_day(&c.day, &c.variant_id));
        d.impressions += c.counts[0];
        d.clicks += c.counts[1];
        d.dismissals += c.counts[2];
    }
    by.into_values().collect()
}

fn empty_day(day: &str, variant: &str) -> DayReport {
    DayReport {
        day: day.to_owned(),
        variant_id: variant.to_owned(),
        exposed: 0,
        conversions: 0,
        revenue: 0.0,
        impressions: 0,
        clicks: 0,
        dismissals: 0,
    }
}

/// The CSV header of [`to_csv`].
pub const CSV_HEADER: &str = "campaign_id,variant_id,day,control,exposed,impressions,clicks,dismissals,conversions,conversion_rate,revenue,revenue_per_exposed,uplift_abs,uplift_abs_lo,uplift_abs_hi,uplift_abs_seq_lo,uplift_abs_seq_hi,uplift_rel,uplift_rel_lo,uplift_rel_hi,uplift_rel_seq_lo,uplift_rel_seq_hi,revenue_diff,revenue_diff_lo,revenue_diff_hi,revenue_diff_seq_lo,revenue_diff_seq_hi";

/// The report as CSV: one row per campaign and arm over the period (`day`
/// empty), then with `interval=day` one row per day and arm (counts only);
/// the site-wide control group last, likewise, as campaign `global` (an id
/// the rules reserve, so no campaign's rows can be taken for its).
pub fn to_csv(r: &Report) -> String {
    let mut out = String::from(CSV_HEADER);
    out.push_str("\r\n");
    for c in &r.campaigns {
        csv_rows(&mut out, &c.campaign_id, &c.arms, c.daily.as_deref());
    }
    if let Some(g) = &r.global {
        csv_rows(&mut out, GLOBAL, &g.arms, g.daily.as_deref());
    }
    out
}

/// The rows of one campaign (or of `global`).
fn csv_rows(out: &mut String, id: &str, arms: &[ArmReport], daily: Option<&[DayReport]>) {
    for a in arms {
        let mut row: Vec<String> = vec![
            csv_field(id),
            csv_field(&a.variant_id),
            String::new(),
            a.control.to_string(),
            a.exposed.to_string(),
            a.impressions.to_string(),
            a.clicks.to_string(),
            a.dismissals.to_string(),
            a.conversions.to_string(),
            num(a.conversion_rate.estimate),
            num(a.revenue),
            num(a.revenue_per_exposed.estimate),
        ];
        let est = |e: Option<&Estimate>| -> Vec<String> {
            match e {
                Some(e) => vec![
                    num(e.estimate),
                    num(e.ci[0]),
                    num(e.ci[1]),
                    num(e.ci_sequential[0]),
                    num(e.ci_sequential[1]),
                ],
                None => vec![String::new(); 5],
            }
        };
        let u = a.uplift.as_ref();
        row.extend(est(u.map(|u| &u.absolute)));
        row.extend(est(u.and_then(|u| u.relative.as_ref())));
        row.extend(est(u.map(|u| &u.revenue_per_exposed)));
        out.push_str(&row.join(","));
        out.push_str("\r\n");
    }
    for d in daily.into_iter().flatten() {
        let mut row = vec![
            csv_field(id),
            csv_field(&d.variant_id),
            d.day.clone(),
            (d.variant_id == HOLDOUT).to_string(),
            d.exposed.to_string(),
            d.impressions.to_string(),
            d.clicks.to_string(),
            d.dismissals.to_string(),
            d.conversions.to_string(),
            String::new(),
            num(d.revenue),
        ];
        row.extend(std::iter::repeat_n(String::new(), 16));
        out.push_str(&row.join(","));
        out.push_str("\r\n");
    }
}

fn num(v: f64) -> String {
    if v.is_finite() {
        let s = format!("{v:.6}");
        let s = s.trim_end_matches('0').trim_end_matches('.');
        if s == "-0" {
            "0".into()
        } else {
            s.into()
        }
    } else {
        String::new()
    }
}

/// A CSV field, quoted when it holds a comma, quote or line break (RFC 4180).
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\r', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

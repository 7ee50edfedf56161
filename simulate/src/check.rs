//! The report against the known answer: every count equal to what was
//! sent, and every uplift interval against the true uplift.

use serde_json::Value;
use std::fmt::Write as _;

use crate::scenario::Truth;
use crate::traffic::{ArmTally, Tally};
use parcours_engine::assign::{GLOBAL, HOLDOUT};

/// What a check is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A count (exposed, conversions, revenue, impressions…) equals the traffic's.
    Count,
    /// The fixed-horizon 95 % interval holds the true uplift (fails 1 time in 20 by design).
    CoversFixed,
    /// The always-valid 95 % interval holds the true uplift.
    CoversSequential,
    /// A campaign with no true effect is not significant (its always-valid
    /// interval holds 0).
    NotSignificant,
    /// A campaign with a true effect is detected (its always-valid interval
    /// excludes 0): power, not correctness.
    Detected,
}

/// One comparison.
#[derive(Debug, Clone)]
pub struct Check {
    /// `campaign/variant: what`.
    pub what: String,
    /// Its kind.
    pub kind: Kind,
    /// Whether it held.
    pub ok: bool,
    /// The numbers compared.
    pub detail: String,
}

/// Every check of `report` against the traffic sent and the true effects.
pub fn report(report: &Value, truths: &[Truth], tally: &Tally) -> Vec<Check> {
    let mut out = Vec::new();
    for t in truths {
        let section = if t.campaign == GLOBAL {
            report.get("global")
        } else {
            report["campaigns"]
                .as_array()
                .and_then(|cs| cs.iter().find(|c| c["campaign_id"] == t.campaign.as_str()))
        };
        let name = format!("{}/{}", t.campaign, t.variant);
        let Some(section) = section else {
            out.push(missing(&name, "the report has no such campaign"));
            continue;
        };
        for arm_id in [HOLDOUT, t.variant.as_str()] {
            let Some(arm) = find_arm(section, arm_id) else {
                out.push(missing(&format!("{}/{arm_id}", t.campaign), "no such arm"));
                continue;
            };
            let want = tally
                .arms
                .get(&(t.campaign.clone(), arm_id.to_owned()))
                .copied()
                .unwrap_or_default();
            counts(&mut out, &format!("{}/{arm_id}", t.campaign), arm, &want);
        }
        let Some(arm) = find_arm(section, &t.variant) else {
            continue;
        };
        uplifts(&mut out, &name, &arm["uplift"], t);
    }
    out
}

fn find_arm<'a>(section: &'a Value, id: &str) -> Option<&'a Value> {
    section["arms"]
        .as_array()?
        .iter()
        .find(|a| a["variant_id"] == id)
}

fn missing(what: &str, why: &str) -> Check {
    Check {
        what: what.to_owned(),
        kind: Kind::Count,
        ok: false,
        detail: why.to_owned(),
    }
}

fn counts(out: &mut Vec<Check>, name: &str, arm: &Value, want: &ArmTally) {
    let ints = [
        ("exposed", want.exposed as i64),
        ("conversions", want.conversions as i64),
        ("impressions", want.impressions),
        ("clicks", want.clicks),
        ("dismissals", want.dismissals),
    ];
    for (field, want) in ints {
        let got = arm[field].as_i64().unwrap_or(-1);
        out.push(Check {
            what: format!("{name}: {field}"),
            kind: Kind::Count,
            ok: got == want,
            detail: format!("report {got}, sent {want}"),
        });
    }
    let got = arm["revenue"].as_f64().unwrap_or(f64::NAN);
    out.push(Check {
        what: format!("{name}: revenue"),
        kind: Kind::Count,
        ok: (got - want.revenue).abs() < 0.005 + 1e-9 * want.revenue,
        detail: format!("report {got:.2}, sent {:.2}", want.revenue),
    });
}

fn uplifts(out: &mut Vec<Check>, name: &str, uplift: &Value, t: &Truth) {
    for (field, truth) in [
        ("absolute", t.absolute),
        ("revenue_per_exposed", t.revenue_per_exposed),
    ] {
        let e = &uplift[field];
        let (Some(fixed), Some(seq)) = (interval(&e["ci"]), interval(&e["ci_sequential"])) else {
            out.push(missing(&format!("{name}: {field} uplift"), "no interval"));
            continue;
        };
        let estimate = e["estimate"].as_f64().unwrap_or(f64::NAN);
        let detail = |iv: [f64; 2]| {
            format!(
                "true {truth:+.4}, estimate {estimate:+.4}, [{:+.4}, {:+.4}]",
                iv[0], iv[1]
            )
        };
        let holds = |iv: [f64; 2], x: f64| iv[0] <= x && x <= iv[1];
        out.push(Check {
            what: format!("{name}: {field} uplift, fixed-horizon interval"),
            kind: Kind::CoversFixed,
            ok: holds(fixed, truth),
            detail: detail(fixed),
        });
        out.push(Check {
            what: format!("{name}: {field} uplift, always-valid interval"),
            kind: Kind::CoversSequential,
            ok: holds(seq, truth),
            detail: detail(seq),
        });
        if field != "absolute" {
            continue;
        }
        out.push(if truth == 0.0 {
            Check {
                what: format!("{name}: no effect, not significant"),
                kind: Kind::NotSignificant,
                ok: holds(seq, 0.0),
                detail: detail(seq),
            }
        } else {
            Check {
                what: format!("{name}: effect detected"),
                kind: Kind::Detected,
                ok: !holds(seq, 0.0),
                detail: detail(seq),
            }
        });
    }
}

fn interval(v: &Value) -> Option<[f64; 2]> {
    Some([v.get(0)?.as_f64()?, v.get(1)?.as_f64()?])
}

/// The checks as text: one line each, then a summary per kind.
pub fn render(checks: &[Check]) -> String {
    let mut s = String::new();
    for c in checks {
        let mark = if c.ok { "ok  " } else { "MISS" };
        let _ = writeln!(s, "{mark} {:<62} {}", c.what, c.detail);
    }
    s.push_str(&summary(checks));
    s
}

/// How many checks of each kind held.
pub fn summary(checks: &[Check]) -> String {
    let mut s = String::new();
    for (kind, label) in [
        (Kind::Count, "counts equal to the traffic sent"),
        (
            Kind::CoversSequential,
            "always-valid intervals holding the truth",
        ),
        (
            Kind::CoversFixed,
            "fixed-horizon intervals holding the truth (95 % expected)",
        ),
        (Kind::NotSignificant, "no-effect campaigns not significant"),
        (Kind::Detected, "true effects detected (power)"),
    ] {
        let all: Vec<_> = checks.iter().filter(|c| c.kind == kind).collect();
        let ok = all.iter().filter(|c| c.ok).count();
        let _ = writeln!(s, "{label}: {ok}/{}", all.len());
    }
    s
}

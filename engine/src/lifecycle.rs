//! The lifecycle stage: `new`, `engaged`, `customer`, `loyal`, `at_risk`,
//! `lapsed` — a pure function of the profile and now, with thresholds from
//! the rules' `lifecycle` object (defaults in `docs/context.md`).
//!
//! Purchases are counted by three internal computed traits (see
//! [`internal_traits`]), so they stay incremental like every other trait.

use crate::computed::{Aggregate, TraitDef};
use crate::decode::Obj;
use crate::error::RuleError;
use crate::history::whole;

/// The `lifecycle` section of the rules document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LifecycleRules {
    /// The purchase event (default `Order Completed`).
    pub purchase_event: String,
    /// Sessions that make a non-buyer `engaged` (default 3).
    pub engaged_sessions: u32,
    /// Page views that make a non-buyer `engaged` (default 10).
    pub engaged_pageviews: u32,
    /// Purchases within `loyal_window_days` that make a customer `loyal` (default 3).
    pub loyal_purchases: u32,
    /// The loyalty window in days (default 365).
    pub loyal_window_days: u32,
    /// Days without a purchase after which a customer is `at_risk` (default 60).
    pub at_risk_days: u32,
    /// Days since the previous visit after which anyone is `lapsed` (default 120).
    pub lapsed_days: u32,
}

impl Default for LifecycleRules {
    fn default() -> Self {
        LifecycleRules {
            purchase_event: "Order Completed".into(),
            engaged_sessions: 3,
            engaged_pageviews: 10,
            loyal_purchases: 3,
            loyal_window_days: 365,
            at_risk_days: 60,
            lapsed_days: 120,
        }
    }
}

impl LifecycleRules {
    /// Decodes the `lifecycle` object; absent fields keep their defaults.
    pub fn decode(obj: &Obj, errors: &mut Vec<RuleError>) -> LifecycleRules {
        let mut r = LifecycleRules::default();
        obj.deny_unknown(
            &[
                "purchase_event",
                "engaged_sessions",
                "engaged_pageviews",
                "loyal_purchases",
                "loyal_window_days",
                "at_risk_days",
                "lapsed_days",
            ],
            errors,
        );
        if let Some(e) = obj.opt_str("purchase_event", errors) {
            r.purchase_event = e.into();
        }
        let mut num = |key: &str, lo: f64, field: &mut u32| {
            if let Some(n) = whole(obj, key, lo, 3650.0, errors) {
                *field = n as u32;
            }
        };
        num("engaged_sessions", 1.0, &mut r.engaged_sessions);
        num("engaged_pageviews", 1.0, &mut r.engaged_pageviews);
        num("loyal_purchases", 1.0, &mut r.loyal_purchases);
        num("loyal_window_days", 1.0, &mut r.loyal_window_days);
        num("at_risk_days", 1.0, &mut r.at_risk_days);
        num("lapsed_days", 1.0, &mut r.lapsed_days);
        r
    }
}

/// Ids of the internal traits (never shown under `computed.*`).
pub const PURCHASES: &str = "$purchases";
/// Purchases within the loyalty window.
pub const PURCHASES_WINDOW: &str = "$purchases_window";
/// Days since the last purchase.
pub const DAYS_SINCE_PURCHASE: &str = "$days_since_purchase";

/// The internal computed traits the lifecycle reads, in this order:
/// all purchases, purchases in the loyalty window, days since the last one.
pub fn internal_traits(rules: &LifecycleRules) -> [TraitDef; 3] {
    let def = |id: &str, agg: Aggregate, window: Option<u32>| TraitDef {
        event: Some(rules.purchase_event.clone()),
        window_days: window,
        ..TraitDef::new(id, agg)
    };
    [
        def(PURCHASES, Aggregate::Count, None),
        def(
            PURCHASES_WINDOW,
            Aggregate::Count,
            Some(rules.loyal_window_days),
        ),
        def(DAYS_SINCE_PURCHASE, Aggregate::DaysSince, None),
    ]
}

/// A lifecycle stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Few visits, no purchase.
    New,
    /// Several sessions or page views, no purchase.
    Engaged,
    /// At least one purchase.
    Customer,
    /// Enough purchases in the loyalty window.
    Loyal,
    /// A customer without a purchase for `at_risk_days`.
    AtRisk,
    /// No visit for `lapsed_days`.
    Lapsed,
}

impl Stage {
    /// The name conditions compare against (`"at_risk"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::New => "new",
            Stage::Engaged => "engaged",
            Stage::Customer => "customer",
            Stage::Loyal => "loyal",
            Stage::AtRisk => "at_risk",
            Stage::Lapsed => "lapsed",
        }
    }
}

/// What the stage is decided on.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Facts {
    /// Sessions so far.
    pub sessions: f64,
    /// Page views so far.
    pub pageviews: f64,
    /// Purchases so far.
    pub purchases: f64,
    /// Purchases within the loyalty window.
    pub purchases_in_window: f64,
    /// Days since the last purchase, if any.
    pub days_since_purchase: Option<f64>,
    /// Days since the previous visit started, if any (`visit.days_since_previous`).
    pub days_since_previous: Option<f64>,
}

/// The stage, first match wins: `lapsed`, then for buyers `at_risk`, `loyal`,
/// `customer`, then `engaged`, else `new`.
pub fn stage(f: &Facts, r: &LifecycleRules) -> Stage {
    if f.days_since_previous
        .is_some_and(|d| d >= f64::from(r.lapsed_days))
    {
        Stage::Lapsed
    } else if f.purchases >= 1.0 {
        if f.days_since_purchase
            .is_some_and(|d| d >= f64::from(r.at_risk_days))
        {
            Stage::AtRisk
        } else if f.purchases_in_window >= f64::from(r.loyal_purchases) {
            Stage::Loyal
        } else {
            Stage::Customer
        }
    } else if f.sessions >= f64::from(r.engaged_sessions)
        || f.pageviews >= f64::from(r.engaged_pageviews)
    {
        Stage::Engaged
    } else {
        Stage::New
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> Facts {
        Facts {
            sessions: 1.0,
            pageviews: 1.0,
            ..Facts::default()
        }
    }

    #[test]
    fn first_visit_is_new_and_browsing_makes_engaged() {
        let r = LifecycleRules::default();
        assert_eq!(stage(&facts(), &r), Stage::New);
        assert_eq!(
            stage(
                &Facts {
                    sessions: 3.0,
                    ..facts()
                },
                &r
            ),
            Stage::Engaged
        );
        assert_eq!(
            stage(
                &Facts {
                    pageviews: 10.0,
                    ..facts()
                },
                &r
            ),
            Stage::Engaged
        );
    }

    #[test]
    fn buyers_are_customers_then_loyal_then_at_risk() {
        let r = LifecycleRules::default();
        let buyer = Facts {
            purchases: 1.0,
            purchases_in_window: 1.0,
            days_since_purchase: Some(2.0),
            ..facts()
        };
        assert_eq!(stage(&buyer, &r), Stage::Customer);
        let loyal = Facts {
            purchases: 3.0,
            purchases_in_window: 3.0,
            ..buyer
        };
        assert_eq!(stage(&loyal, &r), Stage::Loyal);
        let quiet = Facts {
            days_since_purchase: Some(60.0),
            ..loyal
        };
        assert_eq!(stage(&quiet, &r), Stage::AtRisk);
    }

    #[test]
    fn no_visit_for_lapsed_days_beats_everything() {
        let r = LifecycleRules {
            lapsed_days: 30,
            ..LifecycleRules::default()
        };
        let f = Facts {
            purchases: 5.0,
            purchases_in_window: 5.0,
            days_since_previous: Some(30.0),
            ..facts()
        };
        assert_eq!(stage(&f, &r), Stage::Lapsed);
    }
}

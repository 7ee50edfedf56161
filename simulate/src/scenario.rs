//! The journeys a simulation plays and their true effects: what each
//! visitor does with and without the campaign, so the answer the reports
//! must find is known in advance ([`Scenario::truth`]).
//!
//! Each visitor follows one journey, the one campaign it may meet. Its arm
//! is the SDK's: the site-wide control group and the campaign's holdout and
//! variant by the engine's own hashes of its anonymous id. Then one draw
//! `u` in [0, 1) decides its outcome:
//! - `u < base + uplift(arm)`: the campaign's goal, inside its window;
//! - then, with probability `noise`: an order the campaign's goal must not
//!   count (after the window, or below the goal's `where` threshold);
//! - otherwise nothing.

use parcours_engine::assign::{self, Assignment};
use parcours_engine::campaign::Campaign;

/// What the campaign's goal event is, and so what converting means.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum GoalKind {
    /// `Order Completed` (revenue `[low, high)`, uniform).
    Order {
        /// Lowest revenue.
        low: f64,
        /// Highest revenue (exclusive).
        high: f64,
    },
    /// `Checkout Started`, followed by an order with this probability.
    Checkout {
        /// Share of checkouts that end in an order.
        then_order: f64,
    },
}

/// What the noise order is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Noise {
    /// An order after the goal's window (inside the global group's 30 days).
    Late,
    /// An order inside the window, below the goal's `where` revenue.
    Small {
        /// Its revenue is uniform in `[low, high)`.
        low: f64,
        /// Exclusive upper bound (the goal's threshold).
        high: f64,
    },
}

/// One journey: who follows it, and the campaign's true effect on them.
#[derive(Debug, Clone)]
pub struct Journey {
    /// The campaign of the rules this journey meets.
    pub campaign: &'static str,
    /// Share of visitors on this journey (the shares sum to 1).
    pub share: f64,
    /// Conversion probability without the campaign (the holdout's).
    pub base: f64,
    /// True absolute uplift per variant, in the rules' order.
    pub uplift: Vec<f64>,
    /// The goal.
    pub goal: GoalKind,
    /// Probability of the noise order (for a visitor who did not convert).
    pub noise: f64,
    /// What the noise order is.
    pub noise_kind: Noise,
    /// Share of converting visitors who buy in the store (posted by the
    /// point of sale with their user id); they log in on the web first.
    pub in_store: f64,
    /// Share of the other visitors who log in (`identify`).
    pub identified: f64,
}

/// The revenue range of an order outside a goal (late, or after a checkout).
pub const PLAIN_ORDER: (f64, f64) = (30.0, 150.0);

impl Journey {
    /// Conversion probability in an arm (`None`: the holdout).
    pub fn p(&self, variant: Option<usize>) -> f64 {
        self.base + variant.map_or(0.0, |i| self.uplift[i])
    }

    /// Mean revenue of one goal event (0 for a checkout).
    pub fn goal_revenue(&self) -> f64 {
        match self.goal {
            GoalKind::Order { low, high } => (low + high) / 2.0,
            GoalKind::Checkout { .. } => 0.0,
        }
    }

    /// Mean revenue of the order that follows a conversion (0 if none).
    pub fn order_revenue_after_goal(&self) -> f64 {
        match self.goal {
            GoalKind::Order { .. } => self.goal_revenue(),
            GoalKind::Checkout { then_order } => then_order * (PLAIN_ORDER.0 + PLAIN_ORDER.1) / 2.0,
        }
    }

    /// Probability that a converting visitor orders (the global group's goal).
    pub fn order_after_goal(&self) -> f64 {
        match self.goal {
            GoalKind::Order { .. } => 1.0,
            GoalKind::Checkout { then_order } => then_order,
        }
    }

    /// The noise order's revenue range.
    pub fn noise_range(&self) -> (f64, f64) {
        match self.noise_kind {
            Noise::Late => PLAIN_ORDER,
            Noise::Small { low, high } => (low, high),
        }
    }

    /// `(P(order within 30 days), E[order revenue])` in an arm.
    fn orders(&self, variant: Option<usize>) -> (f64, f64) {
        let p = self.p(variant);
        let q = (1.0 - p) * self.noise;
        let (lo, hi) = self.noise_range();
        (
            p * self.order_after_goal() + q,
            p * self.order_revenue_after_goal() + q * (lo + hi) / 2.0,
        )
    }
}

/// The journeys of a simulation, on the campaigns of `simulate/rules.json`.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Every journey.
    pub journeys: Vec<Journey>,
    /// Share of visitors sent with a known bot's user agent (never counted).
    pub bots: f64,
    /// Share of visitors browsing from a preview link (never counted).
    pub previews: f64,
    /// `P(Promotion Clicked)` after an impression.
    pub click: f64,
    /// `P(Promotion Dismissed)` after an impression not clicked.
    pub dismiss: f64,
}

impl Scenario {
    /// The demo shop's journeys with chosen effects; `winback` has none.
    pub fn shop() -> Scenario {
        let order = GoalKind::Order {
            low: 30.0,
            high: 150.0,
        };
        Scenario {
            journeys: vec![
                Journey {
                    campaign: "welcome",
                    share: 0.30,
                    base: 0.04,
                    uplift: vec![0.03],
                    goal: order,
                    noise: 0.03,
                    noise_kind: Noise::Late,
                    in_store: 0.0,
                    identified: 0.1,
                },
                Journey {
                    campaign: "cart-reminder",
                    share: 0.25,
                    base: 0.20,
                    uplift: vec![0.12],
                    goal: GoalKind::Checkout { then_order: 0.6 },
                    noise: 0.05,
                    noise_kind: Noise::Late,
                    in_store: 0.0,
                    identified: 0.3,
                },
                Journey {
                    campaign: "winback",
                    share: 0.15,
                    base: 0.06,
                    uplift: vec![0.0],
                    goal: order,
                    noise: 0.02,
                    noise_kind: Noise::Late,
                    in_store: 0.2,
                    identified: 0.8,
                },
                Journey {
                    campaign: "vip",
                    share: 0.15,
                    base: 0.10,
                    uplift: vec![0.08, 0.02],
                    goal: GoalKind::Order {
                        low: 80.0,
                        high: 250.0,
                    },
                    noise: 0.08,
                    noise_kind: Noise::Small {
                        low: 15.0,
                        high: 80.0,
                    },
                    in_store: 0.3,
                    identified: 1.0,
                },
                Journey {
                    campaign: "qr-store",
                    share: 0.15,
                    base: 0.08,
                    uplift: vec![0.10],
                    goal: order,
                    noise: 0.02,
                    noise_kind: Noise::Late,
                    in_store: 0.8,
                    identified: 0.2,
                },
            ],
            bots: 0.02,
            previews: 0.01,
            click: 0.12,
            dismiss: 0.35,
        }
    }

    /// The true effects, for the campaigns as the rules define them
    /// (holdout share, variant weights) and the site-wide control group.
    pub fn truth(&self, campaigns: &[Campaign]) -> Vec<Truth> {
        let mut out = Vec::new();
        let mut global = [(0.0, 0.0); 2];
        for j in &self.journeys {
            let c = campaigns
                .iter()
                .find(|c| c.id == j.campaign)
                .unwrap_or_else(|| panic!("campaign {} is not in the rules", j.campaign));
            for (i, v) in c.variants.iter().enumerate() {
                out.push(Truth {
                    campaign: j.campaign.to_owned(),
                    variant: v.id.clone(),
                    absolute: j.uplift[i],
                    revenue_per_exposed: j.uplift[i] * j.goal_revenue(),
                });
            }
            // The global treatment meets the campaign's own arms in their shares.
            let h = c.holdout_percent / 100.0;
            let total: f64 = c.variants.iter().map(|v| v.weight).sum();
            let mut treated = j.orders(None);
            treated.0 *= h;
            treated.1 *= h;
            for (i, v) in c.variants.iter().enumerate() {
                let w = (1.0 - h) * v.weight / total;
                let (p, r) = j.orders(Some(i));
                treated.0 += w * p;
                treated.1 += w * r;
            }
            let held = j.orders(None);
            global[0].0 += j.share * held.0;
            global[0].1 += j.share * held.1;
            global[1].0 += j.share * treated.0;
            global[1].1 += j.share * treated.1;
        }
        out.push(Truth {
            campaign: assign::GLOBAL.to_owned(),
            variant: assign::TREATMENT.to_owned(),
            absolute: global[1].0 - global[0].0,
            revenue_per_exposed: global[1].1 - global[0].1,
        });
        out
    }
}

/// The true effect of one arm against its control.
#[derive(Debug, Clone, PartialEq)]
pub struct Truth {
    /// Campaign id (`global`: the site-wide control group).
    pub campaign: String,
    /// Variant id (`treatment` for the control group).
    pub variant: String,
    /// True absolute uplift of the conversion rate.
    pub absolute: f64,
    /// True difference of revenue per exposed person.
    pub revenue_per_exposed: f64,
}

/// A visitor's arm, as the SDK assigns it: `None` when the site-wide
/// control group holds it out of every campaign; else the campaign's
/// assignment.
pub fn arm(global_percent: f64, c: &Campaign, visitor_id: &str) -> Option<Assignment> {
    match assign::global_holdout(global_percent, None, visitor_id) {
        Some(true) => None,
        _ => Some(assign::assign(c, None, visitor_id)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_truth_of_each_arm_by_hand() {
        let (campaigns, _) = crate::campaigns();
        let t = Scenario::shop().truth(&campaigns);
        let get = |c: &str, v: &str| {
            t.iter()
                .find(|t| t.campaign == c && t.variant == v)
                .unwrap()
        };
        assert_eq!(get("welcome", "a").absolute, 0.03);
        // +3 points of orders averaging €90.
        assert!((get("welcome", "a").revenue_per_exposed - 2.7).abs() < 1e-12);
        // A checkout has no revenue; the VIP goal orders average €165.
        assert_eq!(get("cart-reminder", "a").revenue_per_exposed, 0.0);
        assert!((get("vip", "b").revenue_per_exposed - 0.02 * 165.0).abs() < 1e-12);
        assert_eq!(get("winback", "a").absolute, 0.0);
        // The control group: Σ share · P(order in 30 days), held out 0.11302
        // (welcome 0.0688, cart 0.16, winback 0.0788, vip 0.172, qr 0.0984).
        let j = &Scenario::shop().journeys;
        let held: f64 = j.iter().map(|j| j.share * j.orders(None).0).sum();
        assert!((held - 0.11302).abs() < 1e-9, "{held}");
        let g = get("global", "treatment");
        assert!(g.absolute > 0.0 && g.absolute < 0.1, "{g:?}");
    }
}

//! The report's statistics: per-arm rates and means with 95 % intervals,
//! and each variant against the holdout, with a fixed-horizon interval
//! (valid when looked at once, at a sample size chosen in advance) and an
//! always-valid one (valid however often it is looked at).
//!
//! - Fixed horizon: normal approximation, `estimate ± 1.959964 · SE`.
//! - Always valid: the asymptotic confidence sequence of Waudby-Smith,
//!   Howard et al. ("Time-uniform central limit theory", 2021), as
//!   GrowthBook's sequential testing uses it: `estimate ± m(n) · SE`, with
//!   `n` the exposed persons of both arms and
//!   `m(n) = sqrt( 2(nρ² + 1) / (nρ²) · ln( sqrt(nρ² + 1) / α ) )`,
//!   `ρ² = (−2 ln α + ln(−2 ln α + 1)) / N*`, α = 0.05 and the tuning
//!   `N*` = [`TUNING_N`] (the interval is narrowest around that size).
//!
//! Conversion rates: `p = x / n`, `SE = sqrt(p(1 − p) / n)`. Absolute uplift
//! `p_t − p_c`, `SE = sqrt(SE_t² + SE_c²)`. Relative uplift `p_t / p_c − 1`,
//! by the delta method `SE = sqrt(SE_t² / p_c² + p_t² SE_c² / p_c⁴)`.
//! Revenue per exposed person: mean `m = S / n`, sample variance
//! `s² = (Q − S² / n) / (n − 1)` (S the sum, Q the sum of squares per
//! person), `SE = sqrt(s² / n)`; the difference as for rates.

use serde::Serialize;

/// The two-sided 95 % normal quantile.
pub const Z95: f64 = 1.959_963_984_540_054;
/// α of every interval.
pub const ALPHA: f64 = 0.05;
/// `N*`, the sequential interval's tuning: the total sample size around
/// which it is tightest (GrowthBook's default).
pub const TUNING_N: f64 = 5000.0;

/// What one arm saw: persons, conversions, revenue sum and sum of squares
/// (per person).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Arm {
    /// Persons exposed.
    pub n: u64,
    /// Persons converted.
    pub conversions: u64,
    /// Revenue of their goal events.
    pub revenue: f64,
    /// Sum over persons of their revenue squared.
    pub revenue_sq: f64,
}

impl Arm {
    /// Adds another cohort's numbers.
    pub fn add(&mut self, o: &Arm) {
        self.n += o.n;
        self.conversions += o.conversions;
        self.revenue += o.revenue;
        self.revenue_sq += o.revenue_sq;
    }

    /// `x / n` (0 with nobody).
    pub fn rate(&self) -> f64 {
        if self.n == 0 {
            0.0
        } else {
            self.conversions as f64 / self.n as f64
        }
    }

    /// Standard error of the rate.
    pub fn rate_se(&self) -> f64 {
        if self.n == 0 {
            return 0.0;
        }
        let p = self.rate();
        (p * (1.0 - p) / self.n as f64).sqrt()
    }

    /// Revenue per exposed person.
    pub fn mean_revenue(&self) -> f64 {
        if self.n == 0 {
            0.0
        } else {
            self.revenue / self.n as f64
        }
    }

    /// Standard error of the revenue per person (0 below two persons).
    pub fn revenue_se(&self) -> f64 {
        if self.n < 2 {
            return 0.0;
        }
        let n = self.n as f64;
        let var = ((self.revenue_sq - self.revenue * self.revenue / n) / (n - 1.0)).max(0.0);
        (var / n).sqrt()
    }
}

/// `[low, high]`.
pub type Interval = [f64; 2];

/// `estimate ± Z95 · se`.
pub fn fixed(estimate: f64, se: f64) -> Interval {
    [estimate - Z95 * se, estimate + Z95 * se]
}

/// The always-valid multiplier `m(n)` (see the module docs).
pub fn sequential_multiplier(n: f64) -> f64 {
    let l = -2.0 * ALPHA.ln();
    let rho2 = (l + (l + 1.0).ln()) / TUNING_N;
    let nr = n * rho2;
    (2.0 * (nr + 1.0) / nr * ((nr + 1.0).sqrt() / ALPHA).ln()).sqrt()
}

/// `estimate ± m(n) · se`.
pub fn sequential(estimate: f64, se: f64, n: f64) -> Interval {
    let m = sequential_multiplier(n.max(1.0));
    [estimate - m * se, estimate + m * se]
}

/// An estimate with its fixed-horizon and always-valid intervals.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    /// The point estimate.
    pub estimate: f64,
    /// 95 % fixed-horizon interval.
    pub ci: Interval,
    /// 95 % always-valid (sequential) interval.
    pub ci_sequential: Interval,
}

impl Estimate {
    fn new(estimate: f64, se: f64, n: f64) -> Estimate {
        Estimate {
            estimate,
            ci: fixed(estimate, se),
            ci_sequential: sequential(estimate, se, n),
        }
    }
}

/// A variant against the holdout.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Uplift {
    /// `p_t − p_c`.
    pub absolute: Estimate,
    /// `p_t / p_c − 1`; `None` when the holdout converted nobody.
    pub relative: Option<Estimate>,
    /// Difference of revenue per exposed person.
    pub revenue_per_exposed: Estimate,
}

/// `treatment` against `control`; `None` when either arm is empty.
pub fn uplift(treatment: &Arm, control: &Arm) -> Option<Uplift> {
    if treatment.n == 0 || control.n == 0 {
        return None;
    }
    let n = (treatment.n + control.n) as f64;
    let (pt, pc) = (treatment.rate(), control.rate());
    let (st, sc) = (treatment.rate_se(), control.rate_se());
    let absolute = Estimate::new(pt - pc, st.hypot(sc), n);
    let relative = (pc > 0.0).then(|| {
        let se = (st * st / (pc * pc) + pt * pt * sc * sc / pc.powi(4)).sqrt();
        Estimate::new(pt / pc - 1.0, se, n)
    });
    let revenue = Estimate::new(
        treatment.mean_revenue() - control.mean_revenue(),
        treatment.revenue_se().hypot(control.revenue_se()),
        n,
    );
    Some(Uplift {
        absolute,
        relative,
        revenue_per_exposed: revenue,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sequential_interval_is_wider_and_tightens_with_n() {
        let m = sequential_multiplier(TUNING_N);
        // At n = N*: sqrt(2 · (c+1)/c · ln(sqrt(c+1)/α)), c = 7.9360 → 3.0351.
        assert!((m - 3.0351).abs() < 1e-3, "{m}");
        assert!(sequential_multiplier(100.0) > m);
        assert!(sequential_multiplier(1e6) > Z95);
    }

    #[test]
    fn rates_and_uplift_by_hand() {
        let t = Arm {
            n: 100,
            conversions: 20,
            revenue: 1000.0,
            revenue_sq: 60_000.0,
        };
        let c = Arm {
            n: 100,
            conversions: 10,
            revenue: 500.0,
            revenue_sq: 30_000.0,
        };
        let u = uplift(&t, &c).unwrap();
        // 0.2 − 0.1 ± 1.96 · sqrt(0.0016 + 0.0009) = 0.1 ± 0.098
        assert!((u.absolute.estimate - 0.1).abs() < 1e-12);
        assert!((u.absolute.ci[0] - (0.1 - Z95 * 0.05)).abs() < 1e-12);
        let rel = u.relative.unwrap();
        assert!((rel.estimate - 1.0).abs() < 1e-12);
        // sqrt(0.0016/0.01 + 0.04·0.0009/0.0001) = sqrt(0.16 + 0.36)
        assert!((rel.ci[1] - (1.0 + Z95 * 0.52f64.sqrt())).abs() < 1e-12);
        assert!(uplift(&t, &Arm::default()).is_none());
    }
}

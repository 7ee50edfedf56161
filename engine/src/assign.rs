//! Holdout and variant assignment: deterministic from (campaign id, visitor
//! id) with GrowthBook's FNV-1a hash version 2, and sticky once recorded.
//!
//! Another system reproduces the split with any GrowthBook `hash`:
//! - held out when `hash(campaign_id + "/holdout", visitor_id, 2) < holdout_percent / 100`;
//! - otherwise the variant whose cumulative weight range (in percent / 100,
//!   in document order) contains `hash(campaign_id, visitor_id, 2)`.
//!
//! The visitor id is the anonymous id at first assignment; the assignment is
//! then stored in [`Exposures`](crate::Exposures) and reused (across sessions
//! and `identify`) as long as it still exists in the rules.

use crate::campaign::Campaign;
use crate::exposure::CampaignState;
use crate::hash::hash;

/// The variant id recorded for held-out visitors.
pub const HOLDOUT: &str = "holdout";

/// The experiment id of the site-wide control group (`global_holdout_percent`):
/// reserved, no campaign may use it.
pub const GLOBAL: &str = "global";

/// The variation id of a visitor outside the site-wide control group.
pub const TREATMENT: &str = "treatment";

/// The hash seed of the site-wide control group.
pub const GLOBAL_SEED: &str = "parcours-global";

/// The visitor's arm of the site-wide control group: `Some(true)` when held
/// out of every campaign, `Some(false)` when in the treatment, `None` when
/// the rules have no control group (`global_holdout_percent` 0). Sticky: an
/// arm once recorded (by `Experiment Viewed` `global`) is kept while the
/// group exists; else held out when `hash("parcours-global", visitor_id, 2)
/// < global_holdout_percent / 100`.
pub fn global_holdout(
    percent: f64,
    state: Option<&CampaignState>,
    visitor_id: &str,
) -> Option<bool> {
    if percent <= 0.0 {
        return None;
    }
    match state.and_then(|s| s.variant.as_deref()) {
        Some(HOLDOUT) => Some(true),
        Some(TREATMENT) => Some(false),
        _ => Some(hash(GLOBAL_SEED, visitor_id, 2).unwrap_or(0.0) < percent / 100.0),
    }
}

/// What a visitor gets for one campaign.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Assignment {
    /// Held out: sees nothing, exposure recorded.
    Holdout,
    /// The variant at this index.
    Variant(usize),
}

/// The holdout bucket in [0, 1) of a visitor for a campaign.
pub fn holdout_bucket(campaign_id: &str, visitor_id: &str) -> f64 {
    let mut seed = String::with_capacity(campaign_id.len() + 8);
    seed.push_str(campaign_id);
    seed.push_str("/holdout");
    hash(&seed, visitor_id, 2).unwrap_or(0.0)
}

/// The variant bucket in [0, 1) of a visitor for a campaign.
pub fn variant_bucket(campaign_id: &str, visitor_id: &str) -> f64 {
    hash(campaign_id, visitor_id, 2).unwrap_or(0.0)
}

/// The assignment: the stored one when still valid, else a fresh one for `visitor_id`.
pub fn assign(c: &Campaign, state: Option<&CampaignState>, visitor_id: &str) -> Assignment {
    let stored = state.and_then(|s| s.variant.as_deref());
    if stored == Some(HOLDOUT) && c.holdout_percent > 0.0 {
        return Assignment::Holdout;
    }
    if let Some(i) = stored_variant(c, stored) {
        return Assignment::Variant(i);
    }
    if c.holdout_percent > 0.0 && holdout_bucket(&c.id, visitor_id) < c.holdout_percent / 100.0 {
        return Assignment::Holdout;
    }
    Assignment::Variant(bucketed_variant(c, visitor_id))
}

/// The variant the visitor sees when not held out: the stored one when it
/// still exists, else the one their bucket falls in (what a preview shows,
/// since a preview never shows the holdout).
pub fn variant_ignoring_holdout(
    c: &Campaign,
    state: Option<&CampaignState>,
    visitor_id: &str,
) -> usize {
    let stored = state.and_then(|s| s.variant.as_deref());
    stored_variant(c, stored).unwrap_or_else(|| bucketed_variant(c, visitor_id))
}

fn stored_variant(c: &Campaign, stored: Option<&str>) -> Option<usize> {
    let stored = stored?;
    c.variants.iter().position(|v| v.id == stored)
}

/// The variant whose cumulative weight range holds the visitor's bucket.
fn bucketed_variant(c: &Campaign, visitor_id: &str) -> usize {
    let n = variant_bucket(&c.id, visitor_id);
    let mut cumulative = 0.0;
    for (i, v) in c.variants.iter().enumerate() {
        cumulative += v.weight / 100.0;
        if n < cumulative {
            return i;
        }
    }
    // Rounding left `n` past the last boundary: the last variant with a share.
    let last = c.variants.iter().rposition(|v| v.weight > 0.0);
    last.unwrap_or(c.variants.len().saturating_sub(1))
}

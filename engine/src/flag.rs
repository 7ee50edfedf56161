//! A campaign as a feature flag: one campaign's verdict for the visitor
//! now, asked by the site's code (`parcours.flag(id)`, the OpenFeature
//! provider) rather than by a moment of the page.
//!
//! A flag is evaluated whenever the site renders, not on a page view, a
//! scroll or an event. So:
//! - the campaign's **trigger counts as met**, whatever it waits for (the
//!   flag answers "which variant would this visitor get when it fires");
//! - **no priority step**: priority arbitrates the one pop-in and banner
//!   position among the campaigns of one moment, and a flag is no moment,
//!   so nothing competes with it;
//! - the rest is [`decide`](crate::decide)'s: status, schedule, audience
//!   segments and condition, the campaign's frequency caps and `stop_after`,
//!   the global pressure of what was shown before (pop-ins and banners
//!   only), then holdout and the sticky variant.
//!
//! Evaluating records nothing. The host records the first evaluation that
//! assigns the visitor (variant or holdout) as `Experiment Viewed` with
//! `flag: true`, which counts as the campaign's first exposure but not as an
//! impression or holdout exposure: nothing rendered, so the caps (which
//! count what rendered) are not used up by asking.

use crate::assign::HOLDOUT;
use crate::campaign::Campaign;
use crate::decide::Verdict;
use crate::explain::Reason;

/// One campaign's answer as a flag.
#[derive(Debug, Clone, PartialEq)]
pub enum Flag {
    /// The visitor is assigned this variant.
    Variant {
        /// The variant id.
        id: String,
        /// Whether the campaign splits its visitors at random (more than
        /// one variant with a share, or a holdout), so the variant came from
        /// the split; else it came from targeting alone.
        split: bool,
    },
    /// The visitor is held out (the variant id is `"holdout"`).
    Holdout,
    /// Not eligible: the first step that failed.
    Blocked(Reason),
}

impl Flag {
    /// The flag from a campaign's verdict.
    pub fn from_verdict(c: &Campaign, v: Verdict) -> Flag {
        match v {
            Verdict::Show(i) => Flag::Variant {
                id: c.variants.get(i).map(|v| v.id.clone()).unwrap_or_default(),
                split: is_split(c),
            },
            Verdict::Holdout => Flag::Holdout,
            Verdict::Blocked(r) => Flag::Blocked(r),
        }
    }

    /// The assigned variant id (`"holdout"` for a held-out visitor); `None`
    /// when not eligible.
    pub fn variant_id(&self) -> Option<&str> {
        match self {
            Flag::Variant { id, .. } => Some(id),
            Flag::Holdout => Some(HOLDOUT),
            Flag::Blocked(_) => None,
        }
    }

    /// The step that failed ([`Reason::step`]); `None` when assigned.
    pub fn step(&self) -> Option<&'static str> {
        match self {
            Flag::Blocked(r) => Some(r.step()),
            _ => None,
        }
    }
}

/// Whether visitors of `c` are split at random: a holdout, or more than one
/// variant with a share.
pub fn is_split(c: &Campaign) -> bool {
    c.holdout_percent > 0.0 || c.variants.iter().filter(|v| v.weight > 0.0).count() > 1
}

//! Preview links: `?parcours_preview=<campaign id>[:<variant id>]` shows one
//! campaign at once, whatever the rules would decide, so a marketer can see
//! it on the real site before (or while) it runs.
//!
//! [`Engine::preview`] decides that one campaign for the visitor now,
//! ignoring its status, schedule, trigger, audience, frequency caps, the
//! pressure cap and the holdout: a preview always shows the content. What
//! it keeps is what the campaign *looks like* here: its variant's content
//! rendered from the visitor's context, and its placement, including the
//! mobile interstitial rule ([`crate::interstitial`]): a pop-in previewed
//! on a phone's first page from a search engine shows as the banner a
//! visitor would get there.
//!
//! The variant: the one asked for; without one (or with an unknown one,
//! which comes back as [`Preview::unknown_variant`] for the host to warn
//! about), the one this visitor is assigned, never the holdout.
//!
//! Deciding a preview records nothing; the host must also keep the
//! preview's own impressions out of the visitor's exposures (see the SDK).

use crate::assign::variant_ignoring_holdout;
use crate::campaign::Campaign;
use crate::decide::{decision, Decision, Verdict};
use crate::env::Env;
use crate::{interstitial, Engine, Visitor};

/// The value of `parcours_preview` that ends a preview.
pub const OFF: &str = "off";

/// What a preview link decided.
#[derive(Debug, Clone, PartialEq)]
pub struct Preview {
    /// The campaign as it shows now (never a holdout).
    pub decision: Decision,
    /// The variant id the link asked for when the campaign has no such
    /// variant (the assigned one is shown instead).
    pub unknown_variant: Option<String>,
}

/// Why a preview link shows nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PreviewError {
    /// No campaign has this id (the link's campaign part).
    UnknownCampaign(String),
}

impl Engine {
    /// The campaign `link` (`<campaign id>` or `<campaign id>:<variant id>`)
    /// names, decided for `visitor` now as a preview (see the module docs).
    /// A campaign whose own id contains `:` is found by its whole id first.
    pub fn preview(
        &self,
        visitor: &Visitor,
        env: &Env,
        link: &str,
    ) -> Result<Preview, PreviewError> {
        let (c, asked) = match self.rules().campaign(link) {
            Some(c) => (c, None),
            None => {
                let (id, variant) = link.split_once(':').unwrap_or((link, ""));
                let c = self
                    .rules()
                    .campaign(id)
                    .ok_or_else(|| PreviewError::UnknownCampaign(id.to_owned()))?;
                (c, Some(variant).filter(|v| !v.is_empty()))
            }
        };
        let ctx = self.context(visitor, env, None);
        let index = |id: &str| c.variants.iter().position(|v| v.id == id);
        let (i, unknown_variant) = match asked.map(|v| (index(v), v)) {
            Some((Some(i), _)) => (i, None),
            Some((None, v)) => (assigned(c, visitor), Some(v.to_owned())),
            None => (assigned(c, visitor), None),
        };
        let decision = decision(
            c,
            &Verdict::Show(i),
            &ctx,
            interstitial::applies(&ctx),
            true,
        )
        .ok_or_else(|| PreviewError::UnknownCampaign(c.id.clone()))?;
        Ok(Preview {
            decision,
            unknown_variant,
        })
    }
}

fn assigned(c: &Campaign, visitor: &Visitor) -> usize {
    let state = visitor.exposures.campaign(&c.id);
    variant_ignoring_holdout(c, state, &visitor.profile.anonymous_id)
}

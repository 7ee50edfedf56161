//! `flag(campaignId)`: one campaign as a feature flag, answered
//! synchronously from the current rules and profile (what OpenFeature's web
//! SDK needs; `pkg/openfeature.js` is the provider on top of it).
//!
//! Outside any moment (see `parcours_engine::flag`): the campaign's trigger
//! counts as met and nothing competes with it for its place. The first
//! answer that assigns the visitor (a variant or the holdout) records
//! `Experiment Viewed` `{experiment_id, variation_id, flag: true}`, once per
//! visitor per campaign; never a `Promotion Viewed`, since nothing renders.
//! Without consent to personalise the answer is the default and nothing is
//! recorded.

use super::{obj, Sdk};
use parcours_engine::value::Value;
use parcours_engine::{EventKind, Flag};
use wasm_bindgen::JsValue;

impl Sdk {
    /// `flag(campaignId)`: `{campaign_id, variant_id, holdout, reason,
    /// step?}`, `reason` one of `split` (assigned by the random split,
    /// holdout included), `targeting_match` (the campaign's only variant,
    /// the audience matched), `default` (not eligible: `step` says which
    /// step failed, `variant_id` is `null`) and `disabled` (the campaign is
    /// not active, `step: "status"`, or no consent to personalise, `step:
    /// "consent"`). `null` without rules or for an unknown campaign.
    pub fn flag(&mut self, campaign_id: &str) -> JsValue {
        let known = self
            .engine
            .as_ref()
            .is_some_and(|e| e.rules().campaign(campaign_id).is_some());
        if !known {
            return JsValue::NULL;
        }
        if !self.consent.personalisation {
            return answer(campaign_id, None, "disabled", Some("consent"));
        }
        self.global_viewed();
        let Some(mut f) = self.flag_now(campaign_id) else {
            return JsValue::NULL;
        };
        if f.variant_id().is_some() && !self.viewed_campaign(campaign_id) {
            // Another tab may have sent it (and assigned the visitor) meanwhile.
            self.catch_up();
            let Some(again) = self.flag_now(campaign_id) else {
                return JsValue::NULL;
            };
            f = again;
            if let (Some(v), false) = (f.variant_id(), self.viewed_campaign(campaign_id)) {
                let props = Value::from_pairs([
                    ("experiment_id", campaign_id.into()),
                    ("variation_id", v.into()),
                    ("flag", true.into()),
                ]);
                self.record(EventKind::Track, "Experiment Viewed", props);
            }
        }
        let (reason, step) = match &f {
            Flag::Variant { split: false, .. } => ("targeting_match", None),
            Flag::Variant { .. } | Flag::Holdout => ("split", None),
            Flag::Blocked(r) if r.step() == "status" => ("disabled", Some("status")),
            Flag::Blocked(r) => ("default", Some(r.step())),
        };
        answer(campaign_id, f.variant_id(), reason, step)
    }

    fn flag_now(&self, campaign_id: &str) -> Option<Flag> {
        self.engine
            .as_ref()?
            .flag(&self.visitor, &self.env(), campaign_id)
    }

    /// Whether `Experiment Viewed` was recorded for `campaign_id` (by a
    /// decision or a flag, in any tab).
    pub(super) fn viewed_campaign(&self, campaign_id: &str) -> bool {
        self.visitor
            .exposures
            .campaign(campaign_id)
            .is_some_and(|c| c.viewed)
    }
}

fn answer(campaign: &str, variant: Option<&str>, reason: &str, step: Option<&str>) -> JsValue {
    let holdout = variant == Some(parcours_engine::assign::HOLDOUT);
    let mut pairs = vec![
        ("campaign_id", campaign.into()),
        (
            "variant_id",
            variant.map_or(JsValue::NULL, JsValue::from_str),
        ),
        ("holdout", holdout.into()),
        ("reason", reason.into()),
    ];
    if let Some(s) = step {
        pairs.push(("step", s.into()));
    }
    obj(&pairs)
}

//! `slot` decisions: content rendered inline into the host page's element
//! matched by the decision's selector. Not modal, several at once, the same
//! `Promotion Viewed` / `Promotion Clicked` events as pop-ins.

use super::{with_sdk_or_defer, Sdk};
use crate::render::{self, Outcome};
use parcours_engine::Decision;
use wasm_bindgen::prelude::*;

impl Sdk {
    /// Shows `d` in the element its selector matches. An invalid selector
    /// is reported (`error`), a selector matching nothing shows and records
    /// nothing, and a campaign already in its slot is not shown twice.
    pub(super) fn show_slot(&mut self, d: &Decision) {
        let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        let selector = d.selector.as_deref().unwrap_or_default();
        let target = match render::slot_target(&doc, selector) {
            Ok(Some(t)) => t,
            Ok(None) => return,
            Err(_) => {
                let detail = JsValue::from_str(selector);
                return self.error("invalid slot selector; nothing shown", detail);
            }
        };
        self.screen.slots.retain(render::Popin::is_connected);
        if self
            .screen
            .slots
            .iter()
            .any(|s| s.campaign_id == d.campaign_id)
        {
            return;
        }
        let (campaign, variant) = (d.campaign_id.clone(), d.variant_id.clone());
        let on_outcome = move |o: Outcome| {
            let (c, v) = (campaign.clone(), variant.clone());
            with_sdk_or_defer(move |s| s.outcome(&c, &v, o));
        };
        match render::show_slot(d, &target, on_outcome) {
            Ok(p) => {
                if self.previewing() {
                    let _ = p.mark_preview();
                }
                self.screen.slots.push(p);
                self.viewed(d);
            }
            Err(e) => self.error("could not render the slot", e.detail()),
        }
    }

    /// How many slot contents are on screen.
    pub fn slots_shown(&self) -> usize {
        self.screen.slots.len()
    }
}

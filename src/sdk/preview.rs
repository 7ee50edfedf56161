//! Showing a preview link's campaign (`?parcours_preview=…`, see
//! [`super::links`]).
//!
//! While a preview is active in the tab:
//! - the campaign shows at once on each page view (once the rules are
//!   loaded), as a pop-in, banner or slot as the campaign says (a pop-in on
//!   a phone's first page from search shows as the banner visitors get
//!   there), and the rules decide nothing else: no other campaign shows,
//!   so the page looks as the campaign will;
//! - `decide()` answers that campaign's decision, and the `decision` event
//!   carries it (headless renderers preview it too);
//! - every message carries `context.preview = true`, and the preview's own
//!   `Promotion Viewed` / `Clicked` / `Dismissed` go on the wire only: they
//!   are not recorded into the visitor, so they burn none of the visitor's
//!   caps, pressure or exposures, and no `Experiment Viewed` is sent (a
//!   preview is no exposure). Consent still applies: nothing shows without
//!   consent to personalise, nothing is sent without consent to analytics.

use super::Sdk;
use crate::render;
use crate::{convert, log};
use parcours_engine::preview::PreviewError;
use parcours_engine::{Decision, Trigger};
use wasm_bindgen::prelude::*;

impl Sdk {
    /// Whether a preview link is active in this tab.
    pub fn previewing(&self) -> bool {
        self.links.preview.is_some()
    }

    /// The preview's decision now; an unknown campaign logs a warning and
    /// emits `error` (`report`), an unknown variant logs a warning.
    pub(super) fn preview_decision(&mut self, report: bool) -> Option<Decision> {
        let link = self.links.preview.as_deref()?;
        let decided = self
            .deciding_engine()?
            .preview(&self.visitor, &self.env(), link);
        match decided {
            Ok(p) => {
                if let (Some(v), true) = (&p.unknown_variant, report) {
                    log::warn_always(
                        "preview: the campaign has no such variant; showing the visitor's",
                        &JsValue::from_str(v),
                    );
                }
                Some(p.decision)
            }
            Err(PreviewError::UnknownCampaign(id)) => {
                if report {
                    let message = "preview: no campaign has this id";
                    log::warn_always(message, &JsValue::from_str(&id));
                    self.error(message, JsValue::from_str(&id));
                }
                None
            }
        }
    }

    /// Shows the preview's campaign on a page view, once per page, when the
    /// rules are settled.
    pub(super) fn show_preview(&mut self, trigger: &Trigger) {
        if *trigger != Trigger::PageView || !self.rules_settled || self.links.shown_on_page {
            return;
        }
        if self.deciding_engine().is_none() {
            if self.engine.is_some() {
                log::notice(
                    "preview: waiting for consent to personalise",
                    &JsValue::NULL,
                );
            }
            return;
        }
        self.page_decided = true;
        self.links.shown_on_page = true;
        let Some(d) = self.preview_decision(true) else {
            return;
        };
        let decided = convert::to_js(&d.to_value());
        log::notice("preview: showing", &decided);
        self.emit("decision", decided);
        match d.placement.as_str() {
            "popin" | "banner" => {
                // Whatever was on screen goes: the preview is what the page shows.
                self.screen.popin = None;
                match render::show(&d, super::show::on_outcome) {
                    Ok(p) => {
                        let _ = p.mark_preview();
                        self.screen.popin = Some(p);
                        self.viewed(&d);
                    }
                    Err(e) => self.error("could not render the pop-in", e.detail()),
                }
            }
            "slot" => self.show_slot(&d),
            _ => {} // `none`: the `decision` event and `decide()` carry it
        }
    }

    /// Reacts to links read from a new page's URL: debug logging on or off,
    /// and a preview that started, changed or ended clears the screen.
    pub(super) fn links_changed(&mut self, changed: super::links::Changed) {
        if changed.debug {
            log::set_debug(self.cfg.debug || self.links.debug);
        }
        if changed.preview || changed.draft {
            self.screen.close_all();
        }
        if changed.draft {
            self.rules_changed_source();
        }
    }
}

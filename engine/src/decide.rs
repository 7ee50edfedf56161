//! Choosing what to show: schedule, trigger, audience, frequency, pressure,
//! priority, holdout and variant.
//!
//! STUB: signatures fixed, bodies to be written.

use crate::value::Value;

/// What just happened that may show a campaign.
#[derive(Debug, Clone, PartialEq)]
pub enum Trigger {
    /// A page view (initial or SPA route change).
    PageView,
    /// A tracked event.
    Event {
        /// Event name.
        name: String,
        /// Its properties.
        properties: Value,
    },
    /// The pointer left the window towards the browser chrome.
    ExitIntent,
    /// The visitor scrolled this far down the page (0–100).
    Scroll {
        /// Percent scrolled.
        percent: f64,
    },
    /// Seconds spent on the page.
    TimeOnPage {
        /// Seconds.
        seconds: f64,
    },
    /// Seconds without interaction.
    Inactivity {
        /// Seconds.
        seconds: f64,
    },
}

/// One campaign to show (or, for a holdout, to record as exposed).
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// Campaign id.
    pub campaign_id: String,
    /// Variant id; `"holdout"` when the visitor is held out.
    pub variant_id: String,
    /// Held out: show nothing, but record the exposure.
    pub holdout: bool,
    /// `popin`, `banner`, `slot` or `none`.
    pub placement: String,
    /// The variant's content with templates rendered (text only).
    pub content: Value,
}

impl Decision {
    /// The decision as a plain value for hosts.
    pub fn to_value(&self) -> Value {
        todo!()
    }
}

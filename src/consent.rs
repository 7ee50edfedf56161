//! Consent: what the visitor allowed. With `data-consent="required"`
//! nothing is stored or sent, and nothing is shown, until `consent(…)`.

use crate::convert;
use wasm_bindgen::JsValue;

/// What the visitor allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Consent {
    /// Store the profile and the outbox, and send events.
    pub analytics: bool,
    /// Decide and show personalised content.
    pub personalisation: bool,
}

impl Consent {
    /// Everything allowed (`data-consent="granted"`).
    pub const GRANTED: Consent = Consent {
        analytics: true,
        personalisation: true,
    };
    /// Nothing allowed yet (`data-consent="required"`).
    pub const NONE: Consent = Consent {
        analytics: false,
        personalisation: false,
    };

    /// Whether anything may be stored locally.
    pub fn may_store(self) -> bool {
        self.analytics || self.personalisation
    }

    /// Reads `true` / `false` / `{ analytics, personalisation }`.
    pub fn from_js(v: &JsValue) -> Option<Consent> {
        if let Some(b) = v.as_bool() {
            return Some(if b { Consent::GRANTED } else { Consent::NONE });
        }
        if !v.is_object() {
            return None;
        }
        let flag = |k: &str| convert::get(v, k).as_bool().unwrap_or(false);
        Some(Consent {
            analytics: flag("analytics"),
            personalisation: flag("personalisation") || flag("personalization"),
        })
    }

    /// Short form for storage: `a`, `p`, `ap` or empty.
    pub fn code(self) -> &'static str {
        match (self.analytics, self.personalisation) {
            (true, true) => "ap",
            (true, false) => "a",
            (false, true) => "p",
            (false, false) => "",
        }
    }

    /// Reads [`code`](Self::code) back.
    pub fn from_code(s: &str) -> Consent {
        Consent {
            analytics: s.contains('a'),
            personalisation: s.contains('p'),
        }
    }
}

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

/// `navigator.globalPrivacyControl === true`: the visitor's browser refuses
/// the sale and sharing of their data. The SDK takes it as a refusal of
/// analytics and personalisation until the site grants consent explicitly
/// (`consent(…)`, or a Consent Mode update with `data-consent="gtag"`);
/// `data-consent="granted"` is the site's default for everyone, not such a grant.
pub fn global_privacy_control() -> bool {
    web_sys::window()
        .map(|w| convert::get(&w.navigator(), "globalPrivacyControl"))
        .and_then(|v| v.as_bool())
        .unwrap_or(false)
}

/// Google Consent Mode v2 (`data-consent="gtag"`): `gtag("consent",
/// "default" | "update", {...})` in the `dataLayer`, where
/// `analytics_storage` is analytics and `ad_personalization` is
/// personalisation (`"granted"` or `"denied"`; a missing key keeps its state).
///
/// A `default` only counts while nothing more explicit is known: once the
/// visitor's choice is stored (an earlier page's update) or an update came,
/// defaults are ignored, so a page's "denied" default never erases a
/// returning visitor who granted. With Global Privacy Control, defaults
/// never count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GtagConsent {
    /// The state it maps to.
    pub state: Consent,
    defaults_count: bool,
}

impl GtagConsent {
    /// Starts from `stored` (the last state, from an earlier page) or nothing allowed.
    pub fn new(stored: Option<Consent>, gpc: bool) -> GtagConsent {
        GtagConsent {
            state: stored.unwrap_or(Consent::NONE),
            defaults_count: stored.is_none() && !gpc,
        }
    }

    /// Applies one consent command; returns the new state.
    pub fn apply(&mut self, update: bool, params: &parcours_engine::value::Map) -> Consent {
        if !update && !self.defaults_count {
            return self.state;
        }
        if update {
            self.defaults_count = false;
        }
        let flag = |k: &str| {
            params
                .get(k)
                .and_then(|v| v.as_str())
                .map(|s| s == "granted")
        };
        if let Some(a) = flag("analytics_storage") {
            self.state.analytics = a;
        }
        if let Some(p) = flag("ad_personalization") {
            self.state.personalisation = p;
        }
        self.state
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parcours_engine::value::{Map, Value};

    fn params(a: &str, p: &str) -> Map {
        let mut m = Map::new();
        m.insert("analytics_storage".into(), Value::from(a));
        m.insert("ad_personalization".into(), Value::from(p));
        m
    }

    #[test]
    fn defaults_then_updates_map_to_consent() {
        let mut g = GtagConsent::new(None, false);
        assert_eq!(g.apply(false, &params("denied", "denied")), Consent::NONE);
        let c = g.apply(true, &params("granted", "denied"));
        assert!(c.analytics && !c.personalisation);
        assert_eq!(
            g.apply(false, &params("denied", "denied")),
            c,
            "a default after an update is ignored"
        );
    }

    #[test]
    fn a_stored_choice_or_gpc_makes_defaults_ignored() {
        let mut g = GtagConsent::new(Some(Consent::GRANTED), false);
        assert_eq!(
            g.apply(false, &params("denied", "denied")),
            Consent::GRANTED
        );
        let mut g = GtagConsent::new(None, true);
        assert_eq!(g.apply(false, &params("granted", "granted")), Consent::NONE);
        assert_eq!(
            g.apply(true, &params("granted", "granted")),
            Consent::GRANTED
        );
    }
}

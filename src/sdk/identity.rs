//! Who the visitor is and what they allow: `identify`, `reset`, `forget`
//! and `consent`.

use super::{keys, Sdk};
use crate::consent::Consent;
use crate::journal::Op;
use crate::{ids, message};
use parcours_engine::value::{Map, Value};
use parcours_engine::{Trigger, Visitor};

impl Sdk {
    /// `identify(userId, traits)`: a different user than before starts a
    /// new anonymous identity.
    pub fn identify(&mut self, user_id: &str, traits: Value) {
        let now = js_sys::Date::now();
        let map = match &traits {
            Value::Object(m) => m.clone(),
            _ => Map::new(),
        };
        if self.visitor.profile.identify(user_id, &map, now) {
            let mut v = Visitor::new(ids::uuid_v4(), now);
            v.profile.identify(user_id, &map, now);
            self.switch_visitor(v);
        } else {
            let op = Op::Identify {
                user_id: user_id.to_owned(),
                traits: map.clone(),
            };
            self.journal(now, op);
        }
        let msg = message::build(
            "identify",
            "",
            &Value::Object(map),
            now,
            &self.msg_context(),
        );
        self.enqueue(msg);
    }

    /// `reset()`: a new anonymous visitor (logout), in every tab.
    pub fn reset(&mut self) {
        self.switch_visitor(Visitor::new(ids::uuid_v4(), js_sys::Date::now()));
    }

    /// `forget()`: erases everything local, and asks the backend to erase
    /// the visitor (retried until acknowledged, offline too). Returns the
    /// promise of whether the backend acknowledged the first attempt.
    pub fn forget(&mut self) -> js_sys::Promise {
        let mut body = Map::new();
        body.insert("writeKey".into(), self.cfg.write_key.as_str().into());
        body.insert(
            "anonymousId".into(),
            self.visitor.profile.anonymous_id.as_str().into(),
        );
        if let Some(u) = &self.visitor.profile.user_id {
            body.insert("userId".into(), u.as_str().into());
        }
        self.delivery.clear();
        self.store.clear_all();
        self.journal.clear();
        if self.cfg.consent_required {
            let _ = self.store.set(keys::CONSENT, self.consent.code());
        }
        self.switch_visitor(Visitor::new(ids::uuid_v4(), js_sys::Date::now()));
        self.delivery
            .erasures
            .add(crate::json::to_string(&Value::Object(body)))
    }

    /// `consent(state)`: opens or closes the storage gate and delivery.
    /// Given: what was recorded meanwhile is stored (snapshot) and sent.
    /// Refused: everything stored is erased.
    pub fn set_consent(&mut self, c: Consent) {
        let before = self.consent;
        self.consent = c;
        self.store.gate().set(c.may_store());
        if !c.may_store() {
            self.store.clear_all();
            self.journal.clear();
        } else {
            if self.cfg.consent_required {
                let _ = self.store.set(keys::CONSENT, c.code());
            }
            if !before.may_store() {
                let _ = self
                    .journal
                    .write_snapshot(&self.visitor, js_sys::Date::now());
            }
        }
        if c.analytics != self.delivery.enabled() {
            self.delivery.set_enabled(c.analytics, &mut self.host);
        }
        self.watch_triggers();
        if !c.personalisation {
            self.screen.close_all();
        } else if !before.personalisation && self.engine.is_some() {
            self.decide_and_show(&Trigger::PageView);
        }
    }
}

//! Who the visitor is and what they allow: `identify`, `reset`, `forget`
//! and `consent`.

use super::{keys, Sdk};
use crate::consent::Consent;
use crate::{convert, ids, message, transport};
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
            self.close_all();
            self.visitor = Visitor::new(ids::uuid_v4(), now);
            self.visitor.profile.identify(user_id, &map, now);
        }
        let msg = message::build(
            "identify",
            "",
            &Value::Object(map),
            now,
            &self.msg_context(),
        );
        self.enqueue(msg);
        self.save_visitor();
    }

    /// `reset()`: a new anonymous visitor (logout).
    pub fn reset(&mut self) {
        self.close_all();
        self.visitor = Visitor::new(ids::uuid_v4(), js_sys::Date::now());
        self.save_visitor();
    }

    /// `forget()`: erases everything local and returns the request body for
    /// the backend's erasure endpoint.
    pub fn forget(&mut self) -> (String, String) {
        let mut body = Map::new();
        body.insert("writeKey".into(), self.cfg.write_key.as_str().into());
        body.insert(
            "anonymousId".into(),
            self.visitor.profile.anonymous_id.as_str().into(),
        );
        if let Some(u) = &self.visitor.profile.user_id {
            body.insert("userId".into(), u.as_str().into());
        }
        self.close_all();
        self.flush_timer = None;
        self.outbox.clear();
        self.store.clear_all();
        self.visitor = Visitor::new(ids::uuid_v4(), js_sys::Date::now());
        if self.consent.may_store() && self.cfg.consent_required {
            let _ = self.store.set(keys::CONSENT, self.consent.code());
        }
        (
            [&self.cfg.endpoint, "/v1/forget"].concat(),
            convert::value_to_json(&Value::Object(body)),
        )
    }

    /// `consent(state)`.
    pub fn set_consent(&mut self, c: Consent) {
        let before = self.consent;
        self.consent = c;
        if !c.may_store() {
            self.store.clear_all();
        } else {
            if self.cfg.consent_required {
                let _ = self.store.set(keys::CONSENT, c.code());
            }
            self.save_visitor();
        }
        if c.analytics {
            if !before.analytics {
                // Keep what was recorded meanwhile, plus anything stored.
                let memory = std::mem::take(&mut self.outbox);
                self.outbox_in_sync = true;
                self.sync_outbox();
                self.outbox.merge(&memory);
                self.save_outbox();
            }
            self.schedule_flush(0);
        } else {
            self.outbox.clear();
            self.store.remove(keys::OUTBOX);
            self.flush_timer = None;
        }
        self.watch_triggers();
        if !c.personalisation {
            self.close_all();
        } else if !before.personalisation && self.engine.is_some() {
            self.decide_and_show(&Trigger::PageView);
        }
    }
}

/// `forget()`'s network half: best-effort `POST {endpoint}/v1/forget`.
pub async fn post_forget(url: String, body: String) -> bool {
    matches!(transport::post_json(&url, &body, true).await, Ok(s) if (200..300).contains(&s))
}

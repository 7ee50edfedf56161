//! Who the visitor is and what they allow: `identify`, `reset`, `forget`
//! and `consent`.

use super::{keys, Sdk};
use crate::consent::Consent;
use crate::journal::Op;
use crate::{ids, message};
use parcours_engine::value::{Map, Value};
use parcours_engine::{Trigger, Visitor};

impl Sdk {
    /// `identify(userId, traits, { token })`: a different user than before
    /// starts a new anonymous identity. The user token (signed by the site's
    /// backend) is kept for `forget()` and fetches the signed profile
    /// ([`super::remote`]).
    pub fn identify(&mut self, user_id: &str, traits: Value, token: Option<String>) {
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
        let joined = token.is_some();
        if let Some(t) = token {
            self.set_user_token(Some((user_id.to_owned(), t)));
        }
        let msg = message::build(
            "identify",
            "",
            &Value::Object(map),
            now,
            &self.msg_context(),
        );
        self.enqueue(msg);
        self.profile_changed("identify");
        if joined {
            self.join_remote_profile();
        }
    }

    /// `reset()`: a new anonymous visitor (logout), in every tab.
    pub fn reset(&mut self) {
        self.switch_visitor(Visitor::new(ids::uuid_v4(), js_sys::Date::now()));
        self.profile_changed("reset");
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
        let mut token = None;
        if let Some(u) = &self.visitor.profile.user_id {
            body.insert("userId".into(), u.as_str().into());
            token = self.user_token().filter(|(id, _)| id == u).map(|(_, t)| t);
        }
        self.delivery.clear();
        self.store.clear_all();
        self.journal.clear();
        if self.cfg.consent_required {
            let _ = self.store.set(keys::CONSENT, self.consent.code());
        }
        self.switch_visitor(Visitor::new(ids::uuid_v4(), js_sys::Date::now()));
        self.profile_changed("forget");
        self.delivery
            .erasures
            .add(crate::json::to_string(&Value::Object(body)), token)
    }

    /// Keeps (or drops) the user token, in memory and in storage (so a later
    /// page's `forget()` has it; another tab's `identify` counts too).
    pub(super) fn set_user_token(&mut self, token: Option<(String, String)>) {
        match &token {
            Some((user, t)) => {
                let mut text = String::new();
                let mut o = crate::json::Obj::open(&mut text);
                o.str("userId", user).str("token", t);
                o.close();
                let _ = self.store.set(keys::USER_TOKEN, &text);
            }
            None => self.store.remove(keys::USER_TOKEN),
        }
        self.user_token = token;
    }

    /// The stored user token (this or another tab's), else the one in memory.
    pub(super) fn user_token(&self) -> Option<(String, String)> {
        let stored = self.store.get_json(keys::USER_TOKEN).and_then(|v| {
            let get = |k: &str| js_sys::Reflect::get(&v, &k.into()).ok()?.as_string();
            Some((get("userId")?, get("token")?))
        });
        stored.or_else(|| self.user_token.clone())
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
            self.links.forget_stored();
        } else {
            if self.cfg.consent_required {
                let _ = self.store.set(keys::CONSENT, c.code());
            }
            if !before.may_store() {
                let _ = self
                    .journal
                    .write_snapshot(&self.visitor, js_sys::Date::now());
                self.links.persist();
                self.cache_rules();
            }
        }
        if c.analytics != self.delivery.enabled() {
            self.delivery.set_enabled(c.analytics, &mut self.host);
        }
        self.cookie_after_consent(before);
        self.watch_triggers();
        if c != before {
            self.profile_changed("consent");
        }
        if !c.personalisation {
            self.screen.close_all();
        } else if !before.personalisation && self.engine.is_some() {
            self.decide_and_show(&Trigger::PageView);
        }
        if c.may_store() && c.personalisation && !(before.may_store() && before.personalisation) {
            self.join_remote_profile();
        }
    }
}

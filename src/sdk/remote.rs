//! The signed profile: what other channels (a store's point of sale, the
//! site's backend, another device) recorded about the known visitor,
//! fetched from the server's `GET /v1/profile` with the user token given
//! to `identify(userId, traits, { token })`, and joined to the local
//! profile so an offer can depend on a purchase made in the store.
//!
//! Fetched on `identify` with a token and when a page starts with one held
//! for the current user, once consent allows storing and personalising.
//! Events are merged into the history once per `messageId` (computed
//! traits and the lifecycle stage count them; sessions stay this
//! browser's); the server's traits fill the keys the local profile lacks
//! (what the visitor just typed here wins). The merge is a journal entry,
//! so every tab and later page has it. A refused token (401: expired,
//! revoked) is dropped.

use super::{with_sdk, Sdk};
use crate::journal::Op;
use crate::transport;
use parcours_engine::time::parse_iso8601;
use parcours_engine::value::{Map, Value};
use parcours_engine::{Event, EventKind, ProfileRules, RemoteEvent, Trigger};
use wasm_bindgen::JsValue;

impl Sdk {
    /// Starts fetching the signed profile, if there is one to fetch.
    pub(super) fn join_remote_profile(&self) {
        if let Some((url, user, token)) = self.profile_request() {
            wasm_bindgen_futures::spawn_local(async move {
                let res = transport::get_authorized(&url, &token).await;
                with_sdk(|s| s.on_profile(&user, res));
            });
        }
    }

    /// `(url, user id, token)` when the visitor is known, a token for them
    /// is held and consent allows it.
    fn profile_request(&self) -> Option<(String, String, String)> {
        if !self.consent.may_store() || !self.consent.personalisation {
            return None;
        }
        if self.cfg.endpoint.is_empty() {
            return None;
        }
        let user = self.visitor.profile.user_id.clone()?;
        let (holder, token) = self.user_token()?;
        if holder != user {
            return None;
        }
        let p = &self.visitor.profile;
        let mut own = p.anonymous_id.clone();
        for a in &p.previous_anonymous_ids {
            own.push(',');
            own.push_str(a);
        }
        let url = [
            &self.cfg.endpoint,
            "/v1/profile?writeKey=",
            &String::from(js_sys::encode_uri_component(&self.cfg.write_key)),
            "&anonymousId=",
            &String::from(js_sys::encode_uri_component(&own)),
        ]
        .concat();
        Some((url, user, token))
    }

    fn on_profile(
        &mut self,
        user: &str,
        res: Result<transport::RulesResponse, transport::TransportError>,
    ) {
        match res {
            // The visitor changed meanwhile (logout, another user): not theirs.
            Ok(_) if self.visitor.profile.user_id.as_deref() != Some(user) => {}
            Ok(r) if r.status == 200 => {
                let v = r.body;
                let events = remote_events(&v);
                let traits = v
                    .get("traits")
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default();
                let tz_offset_min = self.env().tz_offset_min;
                if self.merge_remote(&events, &traits, tz_offset_min) {
                    let op = Op::Remote {
                        events,
                        traits,
                        tz_offset_min,
                    };
                    self.journal(js_sys::Date::now(), op);
                    self.profile_changed("remote");
                    self.decide_again();
                }
            }
            Ok(r) if r.status == 401 => {
                self.set_user_token(None);
                self.error("user token refused; profile not joined", JsValue::from(401));
            }
            Ok(r) => self.error("profile fetch failed with HTTP status", r.status.into()),
            Err(e) => self.error("profile fetch failed", e.detail()),
        }
    }

    /// Merges remote events and the traits the profile lacks; whether
    /// anything changed.
    pub(super) fn merge_remote(
        &mut self,
        events: &[RemoteEvent],
        traits: &Map,
        tz_offset_min: i32,
    ) -> bool {
        let default;
        let rules = match &self.engine {
            Some(engine) => engine.profile_rules(),
            None => {
                default = ProfileRules::default();
                &default
            }
        };
        let merged = self
            .visitor
            .profile
            .merge_remote(events, tz_offset_min, rules);
        let mut changed = merged > 0;
        for (k, v) in traits {
            if !self.visitor.profile.traits.contains_key(k) {
                self.visitor.profile.traits.insert(k.clone(), v.clone());
                changed = true;
            }
        }
        changed
    }

    /// The page was decided before the profile arrived and shows nothing:
    /// decide again on what it brought.
    fn decide_again(&mut self) {
        let s = &self.screen;
        let empty = s.popin.is_none() && s.slots.is_empty() && s.waiting.is_none();
        if self.page_decided && empty && self.engine.is_some() {
            self.decide_and_show(&Trigger::PageView);
        }
    }
}

/// The profile's `events` as the engine takes them; unreadable ones skipped.
fn remote_events(profile: &Value) -> Vec<RemoteEvent> {
    let rows = profile.get("events").and_then(Value::as_array);
    rows.map(Vec::as_slice)
        .unwrap_or(&[])
        .iter()
        .filter_map(|e| {
            let text = |k: &str| e.get(k).and_then(Value::as_str);
            let (kind, name) = match text("type")? {
                "track" => (EventKind::Track, text("event")?),
                "page" | "screen" => (EventKind::Page, text("name").unwrap_or("")),
                _ => return None,
            };
            Some(RemoteEvent {
                message_id: text("messageId")?.to_owned(),
                event: Event {
                    kind,
                    name: name.to_owned(),
                    // Not an object: the engine makes it one.
                    properties: e.get("properties").cloned().unwrap_or(Value::Null),
                    at_ms: parse_iso8601(text("timestamp")?)?,
                },
            })
        })
        .collect()
}

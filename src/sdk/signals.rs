//! What the SDK picks up from the page without code: the GA4 `dataLayer`
//! bridge and Consent Mode ([`crate::datalayer`]), declarative click
//! tracking ([`crate::clicks`]), the anonymous id shared across subdomains
//! ([`crate::storage::cookie`]); and `alias(previousId, userId?)`.

use super::{with_sdk_or_defer, Sdk};
use crate::consent::GtagConsent;
use crate::datalayer::{self, Entry};
use crate::handles::Listener;
use crate::journal::Op;
use crate::message;
use crate::storage::cookie;
use parcours_engine::value::{Map, Value};
use parcours_engine::Visitor;

/// The signals' handles and state.
#[derive(Default)]
pub struct Signals {
    /// Consent Mode state, with `data-consent="gtag"`.
    pub gtag: Option<GtagConsent>,
    pub(super) datalayer: Option<datalayer::Watch>,
    pub(super) _clicks: Option<Listener>,
}

impl Sdk {
    /// Starts the bridge (with `data-datalayer` not `off`, or Consent Mode)
    /// and click tracking; entries already in the `dataLayer` are read now.
    pub(super) fn hook_signals(&mut self) {
        self.signals._clicks = crate::clicks::listen(|name, props| {
            with_sdk_or_defer(move |s| s.track(&name, props));
        });
        if !(self.cfg.datalayer || self.cfg.consent_gtag) {
            return;
        }
        if let Some(hook) = &self.cfg.watch_datalayer {
            self.signals.datalayer = Some(datalayer::Watch::new(hook, |e| {
                with_sdk_or_defer(move |s| s.on_datalayer(e));
            }));
        }
    }

    fn on_datalayer(&mut self, e: Entry) {
        match e {
            Entry::Event(name, props) if self.cfg.datalayer => self.track(name, props),
            Entry::Consent { update, params } => {
                let Some(g) = &mut self.signals.gtag else {
                    return;
                };
                let c = g.apply(update, &params);
                if c != self.consent {
                    self.set_consent(c);
                }
            }
            _ => {}
        }
    }

    /// `alias(previousId, userId?)` (analytics.js `alias`): an `alias`
    /// message linking `previousId` to `userId`, which defaults to the
    /// current user id, else the anonymous id. Locally, an anonymous visitor
    /// aliased to a user id becomes that user, and a user renamed
    /// (`previousId` is the current user id) keeps their profile under the new id.
    pub fn alias(&mut self, previous: &str, user: Option<String>) {
        let now = js_sys::Date::now();
        let profile = &self.visitor.profile;
        let to = user
            .clone()
            .or_else(|| profile.user_id.clone())
            .unwrap_or_else(|| profile.anonymous_id.clone());
        if let Some(u) = user.filter(|u| Some(u) != profile.user_id.as_ref()) {
            match profile.user_id.as_deref() {
                None => {
                    self.visitor.profile.identify(&u, &Map::new(), now);
                    let op = Op::Identify {
                        user_id: u,
                        traits: Map::new(),
                    };
                    self.journal(now, op);
                    self.profile_changed("alias");
                }
                Some(current) if current == previous => {
                    self.visitor.profile.user_id = Some(u);
                    let _ = self.journal.write_snapshot(&self.visitor, now);
                    self.profile_changed("alias");
                }
                Some(_) => {} // two other ids: linked on the server only
            }
        }
        let mut ctx = self.msg_context();
        ctx.user_id = Some(&to);
        let msg = message::build("alias", previous, &Value::object(), now, &ctx);
        self.enqueue(msg);
    }

    /// Writes the visitor's id into the subdomain cookie
    /// (`data-cookie-domain`), or deletes it without consent to store. A
    /// new visitor (`reset()`, `forget()`) replaces the old id there.
    pub(super) fn write_cookie(&self) {
        let domain = &self.cfg.cookie_domain;
        if domain.is_empty() {
            return;
        }
        if self.consent.may_store() {
            cookie::write(&self.visitor.profile.anonymous_id, domain);
        } else {
            cookie::remove(domain);
        }
    }

    /// The id in the subdomain cookie (read only with consent to store).
    pub(super) fn cookie_id(&self) -> Option<String> {
        let readable = !self.cfg.cookie_domain.is_empty() && self.consent.may_store();
        readable.then(cookie::read).flatten()
    }

    /// Makes `shared` (the cookie's id, read by [`cookie_id`](Self::cookie_id))
    /// the visitor's id when it is not already: at start (`at_start`) it is
    /// another subdomain's visitor (or the one after its `reset()`), so this
    /// page switches to it; when consent was just given, this page's events
    /// are kept under it. Then the cookie holds the visitor's id.
    pub(super) fn adopt_cookie(&mut self, at_start: bool, shared: Option<String>) {
        let Some(id) = shared.filter(|id| *id != self.visitor.profile.anonymous_id) else {
            return self.write_cookie();
        };
        let now = js_sys::Date::now();
        if at_start {
            return self.switch_visitor(Visitor::new(id, now));
        }
        self.visitor.profile.adopt_anonymous_id(id);
        let _ = self.journal.write_snapshot(&self.visitor, now);
        self.write_cookie();
    }

    /// After `consent(…)`: a grant reads the cookie, anything else rewrites or deletes it.
    pub(super) fn cookie_after_consent(&mut self, before: crate::consent::Consent) {
        if self.consent.may_store() && !before.may_store() {
            self.adopt_cookie(false, self.cookie_id());
        } else {
            self.write_cookie();
        }
    }
}

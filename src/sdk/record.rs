//! Recording touchpoints: events into the profile and the outbox, `track`,
//! `page` and SPA route changes.

use super::Sdk;
use crate::journal::Op;
use crate::outbox::Msg;
use crate::{message, page};
use parcours_engine::env::Env;
use parcours_engine::profile::ProfileRules;
use parcours_engine::record::PROMOTION_CONVERTED;
use parcours_engine::value::Value;
use parcours_engine::{Event, EventKind, Trigger};

/// Lets the engine's `record` return either nothing or the derived events.
pub trait IntoDerived {
    /// The derived events.
    fn into_derived(self) -> Vec<Event>;
}
impl IntoDerived for () {
    fn into_derived(self) -> Vec<Event> {
        Vec::new()
    }
}
impl IntoDerived for Vec<Event> {
    fn into_derived(self) -> Vec<Event> {
        self
    }
}

impl Sdk {
    /// The environment now.
    pub fn env(&self) -> Env {
        page::env(&self.page)
    }

    pub(super) fn msg_context(&self) -> message::MsgContext<'_> {
        message::MsgContext {
            anonymous_id: &self.visitor.profile.anonymous_id,
            user_id: self.visitor.profile.user_id.as_deref(),
            page: &self.page,
            utm: &self.utm,
            // The engine's session classifier: the session's channel, else the landing page's.
            channel: self
                .visitor
                .profile
                .session()
                .map_or(self.channel, |s| &s.channel),
            user_agent: &self.user_agent,
            locale: &self.locale,
            // A draft's traffic is a marketer's, like a preview's: never counted.
            preview: self.links.preview.is_some() || self.links.draft.is_some(),
        }
    }

    /// Records an event into the profile (and the engine's campaign state),
    /// appends it to the journal, and queues it and the events it derived.
    pub fn record(&mut self, kind: EventKind, name: &str, properties: Value) -> Event {
        self.record_as(kind, name, properties, true)
    }

    /// [`record`](Self::record), and the event itself on the wire only when
    /// `send` (a holdout's repeat exposure counts for its caps, but
    /// `Experiment Viewed` goes out once per visitor).
    pub(super) fn record_as(
        &mut self,
        kind: EventKind,
        name: &str,
        properties: Value,
        send: bool,
    ) -> Event {
        self.report_failed_writes();
        let env = self.env();
        let event = Event {
            kind,
            name: name.to_owned(),
            properties,
            at_ms: env.now_ms,
        };
        let derived = match &self.engine {
            Some(engine) => engine
                .record(&mut self.visitor, &event, &env)
                .into_derived(),
            None => self
                .visitor
                .profile
                .record(&event, &env, &ProfileRules::default()),
        };
        self.journal(
            event.at_ms,
            Op::Event {
                event: event.clone(),
                page: self.page.clone(),
                tz_offset_min: env.tz_offset_min,
            },
        );
        for d in &derived {
            self.enqueue_event(d);
            if d.name == PROMOTION_CONVERTED {
                self.emit("converted", crate::convert::to_js(&d.properties));
            }
        }
        if send {
            self.enqueue_event(&event);
        }
        event
    }

    /// Sends an event without recording it into the visitor: what a
    /// preview shows, clicks or dismisses must not count for the visitor's
    /// caps, pressure or exposures (it still goes on the wire, flagged
    /// `context.preview`).
    pub(super) fn send_only(&mut self, name: &str, properties: Value) {
        let event = Event {
            kind: EventKind::Track,
            name: name.to_owned(),
            properties,
            at_ms: js_sys::Date::now(),
        };
        self.enqueue_event(&event);
    }

    fn enqueue_event(&mut self, e: &Event) {
        let kind = if e.kind == EventKind::Page {
            "page"
        } else {
            "track"
        };
        let msg = message::build(kind, &e.name, &e.properties, e.at_ms, &self.msg_context());
        self.enqueue(msg);
    }

    /// Puts a message in the outbox (stored before any send).
    pub fn enqueue(&mut self, msg: Msg) {
        self.delivery.enqueue(msg, &mut self.host);
    }

    /// `track(event, properties)`.
    pub fn track(&mut self, name: &str, properties: Value) {
        let event = self.record(EventKind::Track, name, properties);
        self.decide_and_show(&Trigger::Event {
            name: event.name,
            properties: event.properties,
        });
    }

    /// `page(name?, properties?)`: a page view, then a decision on it.
    pub fn track_page(&mut self, name: &str, properties: Value) {
        let previous = std::mem::take(&mut self.page.url);
        let mut page = page::current_page();
        if !previous.is_empty() && page::url_key(&previous) != page::url_key(&page.url) {
            // An SPA navigation: the referrer is the previous route.
            page.referrer = previous;
        }
        self.page = page;
        let changed = self.links.read(&self.page.query);
        self.links_changed(changed);
        self.links.shown_on_page = false;
        self.record(EventKind::Page, name, properties);
        self.page_decided = false;
        if let Some(w) = &self.triggers {
            w.new_page();
        }
        if self.engine.is_some() {
            self.decide_and_show(&Trigger::PageView);
        }
    }

    /// A navigation that is a page view ([`page::RouteWatch`] decided).
    /// On [`page::Navigation::Restored`] too: the `pageshow` hook
    /// (registered before the route watch) has read the visitor back already.
    pub(super) fn on_route_change(&mut self) {
        self.track_page("", Value::object());
    }
}

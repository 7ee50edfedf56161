//! Which browser moments (`exit_intent`, `scroll`, `time_on_page`,
//! `inactivity`) are watched: only those the current rules use, and only
//! while personalisation is allowed. Each moment reached goes through the
//! same decide-and-show path as page views.

use super::{with_sdk_or_defer, Sdk};
use crate::triggers::{Needs, Watch};
use parcours_engine::Trigger;

impl Sdk {
    /// Installs, keeps or removes the trigger listeners and timers for the
    /// current rules and consent. Unchanged needs keep the running watch
    /// (and its scroll depth, time on page and fired exit intent).
    pub(super) fn watch_triggers(&mut self) {
        let needs = self
            .deciding_engine()
            .map_or_else(Needs::default, |e| Needs::of(e.rules()));
        if self.triggers.as_ref().map(Watch::needs) == Some(&needs) {
            return;
        }
        self.triggers = None;
        self.triggers = Watch::new(needs, on_trigger);
    }

    /// What the trigger watch listens for now (empty when nothing is watched).
    pub fn watched(&self) -> Needs {
        self.triggers
            .as_ref()
            .map_or_else(Needs::default, |w| w.needs().clone())
    }
}

fn on_trigger(t: Trigger) {
    with_sdk_or_defer(move |s| s.decide_and_show(&t));
}

//! Deciding and showing: `decide()`, `explain()`, the decision on a
//! trigger, the pop-in or banner on screen and its outcome.

use super::screen::HOST_DIALOG_POLL_MS;
use super::{obj, with_sdk, with_sdk_or_defer, Sdk};
use crate::handles::Timeout;
use crate::render::{self, Outcome};
use crate::{convert, locks, log};
use js_sys::{Array, Promise};
use parcours_engine::assign::{GLOBAL, HOLDOUT, TREATMENT};
use parcours_engine::campaign::{Campaign, Placement};
use parcours_engine::value::Value;
use parcours_engine::{Decision, EventKind, Trigger};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

impl Sdk {
    /// The engine, when there are rules and personalisation is allowed:
    /// the one place consent to personalise is checked before deciding.
    pub(super) fn deciding_engine(&self) -> Option<&parcours_engine::Engine> {
        self.engine
            .as_ref()
            .filter(|_| self.consent.personalisation)
    }

    /// `decide(placement?)`: the decisions now, nothing recorded or shown.
    /// While previewing, the preview's decision only.
    pub fn decisions(&mut self, placement: Option<&str>) -> Vec<Decision> {
        if self.previewing() {
            let mut ds: Vec<Decision> = self.preview_decision(false).into_iter().collect();
            ds.retain(|d| placement.is_none_or(|p| d.placement == p));
            return ds;
        }
        let Some(engine) = self.deciding_engine() else {
            return Vec::new();
        };
        let mut ds = engine.decide(&self.visitor, &self.env(), &Trigger::PageView);
        if let Some(p) = placement {
            ds.retain(|d| d.placement == p);
        }
        ds
    }

    /// `explain()`: a Promise of why each campaign would or would not show
    /// on this page. The answer comes from the tools module (loaded on
    /// demand, so the site build carries no explanation code): it gets the
    /// current rules document, the visitor and the page. `[]` without rules
    /// or when the tools module cannot load (that emits an `error`).
    pub fn explain(&self) -> Promise {
        let (Some(_), Some(tools)) = (&self.engine, self.cfg.tools.clone()) else {
            return Promise::resolve(&JsValue::from(Array::new()));
        };
        let input = self.tools_input(&Trigger::PageView);
        let answer = super::debug::call_tools(tools, "explain", input);
        future_to_promise(async move {
            Ok(answer.await.unwrap_or_else(|e| {
                with_sdk(|s| s.error("explain: the tools module failed", e));
                Array::new().into()
            }))
        })
    }

    /// `profile()`: the visitor as a plain object ([`parcours_engine::Visitor::to_value`]),
    /// its history converted one row at a time. Not through the snapshot's
    /// JSON text: that text, growing in wasm memory, took the benchmark's
    /// peak from 3.5 to 7.6 MiB at 5,000 events.
    pub fn profile(&self) -> JsValue {
        let v = &self.visitor;
        let profile = convert::to_js(&v.profile.to_value_except_history());
        let rows: Array = v
            .profile
            .history()
            .iter()
            .map(|e| convert::to_js(&e.to_row()))
            .collect();
        let _ = js_sys::Reflect::set(&profile, &"history".into(), &rows);
        obj(&[
            ("profile", profile),
            ("exposures", convert::to_js(&v.exposures.to_value())),
        ])
    }

    /// Decides on `trigger`, shows what the decision says, records exposures.
    /// While previewing, the preview's campaign only ([`Sdk::show_preview`]).
    /// With debug logging on, each decision is logged with its explanation.
    pub fn decide_and_show(&mut self, trigger: &Trigger) {
        if self.previewing() {
            return self.show_preview(trigger);
        }
        if *trigger == Trigger::PageView {
            self.page_decided = true;
        }
        if self.deciding_engine().is_none() {
            return;
        }
        self.global_viewed();
        let Some(engine) = self.deciding_engine() else {
            return;
        };
        // Before anything is recorded: the explanation of this decision.
        let explain_input = log::debug().then(|| self.tools_input(trigger));
        // Content is read here by `decision` listeners, the debug log and
        // slots; pop-ins and banners are decided again under the show lock.
        let every = explain_input.is_some() || self.host.listens("decision");
        let render = |c: &Campaign| every || matches!(c.placement, Placement::Slot { .. });
        let decisions = engine.decide_rendering(&self.visitor, &self.env(), trigger, &render);
        if let Some(input) = explain_input {
            self.log_decision(input, trigger, &decisions);
        }
        let mut overlay = false;
        for d in decisions {
            self.host
                .emit_with("decision", || convert::to_js(&d.to_value()));
            self.experiment_viewed(&d);
            if d.holdout {
                continue;
            }
            if is_overlay(&d) {
                overlay = true;
            } else if d.placement == "slot" {
                self.show_slot(&d);
            }
        }
        if !overlay || self.screen.popin.is_some() {
            return;
        }
        if locks::available() {
            wasm_bindgen_futures::spawn_local(show_locked(trigger.clone()));
        } else {
            self.show_overlays(trigger);
        }
    }

    /// Records `Experiment Viewed` for a campaign that won: sent once per
    /// visitor per campaign (after catching up with other tabs), before
    /// anything renders. A holdout's later exposures are recorded (its caps
    /// count them) but not sent again.
    pub(super) fn experiment_viewed(&mut self, d: &Decision) {
        let send = self.first_exposure(&d.campaign_id);
        if !send && !d.holdout {
            return;
        }
        let props = Value::from_pairs([
            ("experiment_id", d.campaign_id.as_str().into()),
            ("variation_id", d.variant_id.as_str().into()),
        ]);
        self.record_as(EventKind::Track, "Experiment Viewed", props, send);
    }

    /// Records `Experiment Viewed` `{experiment_id: "global", variation_id:
    /// "holdout" | "treatment"}` once per visitor when the rules have a
    /// site-wide control group (`global_holdout_percent`), at the first
    /// decision: the arm every report of the whole site compares.
    pub(super) fn global_viewed(&mut self) {
        let grouped = self
            .engine
            .as_ref()
            .is_some_and(|e| e.rules().global_holdout_percent > 0.0);
        if !grouped || !self.first_exposure(GLOBAL) {
            return;
        }
        let Some(held) = self
            .engine
            .as_ref()
            .and_then(|e| e.global_arm(&self.visitor))
        else {
            return;
        };
        let props = Value::from_pairs([
            ("experiment_id", GLOBAL.into()),
            (
                "variation_id",
                if held { HOLDOUT } else { TREATMENT }.into(),
            ),
        ]);
        self.record(EventKind::Track, "Experiment Viewed", props);
    }

    /// Whether `Experiment Viewed` for `id` is still to be sent: recorded
    /// neither here nor (after catching up with them) by another tab.
    fn first_exposure(&mut self, id: &str) -> bool {
        if self.viewed_campaign(id) {
            return false;
        }
        self.catch_up();
        !self.viewed_campaign(id)
    }

    /// Decides again (after catching up with other tabs) and shows the
    /// pop-ins and banners the decision allows now.
    fn show_overlays(&mut self, trigger: &Trigger) {
        self.catch_up();
        let Some(engine) = self.deciding_engine() else {
            return;
        };
        let overlay = |c: &Campaign| c.placement.is_overlay();
        let decisions = engine.decide_rendering(&self.visitor, &self.env(), trigger, &overlay);
        for d in decisions.iter().filter(|d| !d.holdout && is_overlay(d)) {
            self.show(d, trigger);
        }
    }

    fn show(&mut self, d: &Decision, trigger: &Trigger) {
        if self.screen.popin.is_some() {
            return;
        }
        let host_busy = web_sys::window()
            .and_then(|w| w.document())
            .is_none_or(|doc| render::host_modal_open(&doc));
        if host_busy {
            return self.wait_for_host_dialog(trigger);
        }
        match render::show(d, on_outcome) {
            Ok(p) => {
                self.screen.popin = Some(p);
                self.viewed(d);
            }
            Err(e) => self.error("could not render the pop-in", e.detail()),
        }
    }

    /// A host dialog is open: look again until it closes, then decide again
    /// on `trigger` (the pop-in shows if it is still eligible).
    fn wait_for_host_dialog(&mut self, trigger: &Trigger) {
        if self.screen.waiting.is_some() {
            return;
        }
        let t = trigger.clone();
        let timer = Timeout::new(HOST_DIALOG_POLL_MS, move || {
            with_sdk_or_defer(move |s| {
                s.screen.waiting = None;
                s.show_overlays(&t);
            });
        });
        if let Some(timer) = timer {
            self.screen.waiting = Some((trigger.clone(), timer));
        }
    }

    /// Records `Promotion Viewed` and emits `shown` for what `d` put on screen.
    pub(super) fn viewed(&mut self, d: &Decision) {
        let props = Value::from_pairs([
            ("promotion_id", d.campaign_id.as_str().into()),
            ("creative", d.variant_id.as_str().into()),
            ("name", d.content.get_dotted("title").clone()),
            ("placement", d.placement.as_str().into()),
        ]);
        self.record_unless_preview("Promotion Viewed", props);
        self.emit("shown", outcome_data(&d.campaign_id, &d.variant_id));
    }

    fn popin_outcome(&mut self, outcome: Outcome) {
        let Some(p) = self.screen.popin.take() else {
            return;
        };
        self.outcome(&p.campaign_id, &p.variant_id, outcome);
        drop(p);
    }

    /// Records `Promotion Clicked` / `Dismissed` and emits `clicked` / `dismissed`.
    pub(super) fn outcome(&mut self, campaign: &str, variant: &str, outcome: Outcome) {
        let (event, emitted) = match outcome {
            Outcome::Clicked => ("Promotion Clicked", "clicked"),
            Outcome::Dismissed => ("Promotion Dismissed", "dismissed"),
        };
        let props = Value::from_pairs([
            ("promotion_id", campaign.into()),
            ("creative", variant.into()),
        ]);
        self.record_unless_preview(event, props);
        self.emit(emitted, outcome_data(campaign, variant));
    }

    /// Records a campaign event, or while previewing only sends it (see
    /// [`Sdk::send_only`]: a preview burns none of the visitor's caps).
    fn record_unless_preview(&mut self, name: &str, props: Value) {
        if self.previewing() {
            self.send_only(name, props);
        } else {
            self.record(EventKind::Track, name, props);
        }
    }

    /// Whether a pop-in is on screen.
    pub fn popin_open(&self) -> bool {
        self.screen.popin_open()
    }
}

fn is_overlay(d: &Decision) -> bool {
    d.placement == "popin" || d.placement == "banner"
}

/// How long the tab that showed a pop-in keeps the show lock, so that the
/// impression it stored reaches every tab before another one decides.
const SHOW_HOLD_MS: i32 = 150;

/// Shows the overlays `trigger` decides under the `parcours:show` lock: two
/// tabs never decide on the pressure budget at the same time, and each
/// decides after catching up with what the others stored.
async fn show_locked(trigger: Trigger) {
    let guard = locks::acquire("parcours:show", false).await;
    let shown = with_sdk(|s| {
        s.show_overlays(&trigger);
        s.screen.popin.is_some()
    })
    .unwrap_or(false);
    if shown && guard.is_ok() {
        sleep(SHOW_HOLD_MS).await;
    }
    drop(guard);
}

async fn sleep(ms: i32) {
    let p = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = wasm_bindgen_futures::JsFuture::from(p).await;
}

fn outcome_data(campaign: &str, variant: &str) -> JsValue {
    obj(&[
        ("campaign_id", campaign.into()),
        ("variant_id", variant.into()),
    ])
}

/// Where a pop-in's or banner's outcome goes.
pub(super) fn on_outcome(o: Outcome) {
    with_sdk_or_defer(move |s| s.popin_outcome(o));
}

/// Used by `Api::decide`: decisions as plain objects.
pub fn decisions_js(ds: &[Decision]) -> JsValue {
    ds.iter()
        .map(|d| convert::to_js(&d.to_value()))
        .collect::<Array>()
        .into()
}

//! The moments besides page views and tracked events that may show a
//! campaign: `exit_intent`, `scroll`, `time_on_page` and `inactivity`.
//!
//! [`Needs::of`] reads which of them the current rules use (and at which
//! thresholds); [`Watch`] installs only the listeners and timers those need,
//! all RAII handles, so dropping the watch leaves nothing on the host page.
//! Listeners are passive and do a few arithmetic operations at most; the
//! scroll depth is measured at most every [`SCROLL_THROTTLE_MS`].
//!
//! The bookkeeping ([`Thresholds`], [`PageClock`], [`scroll_percent`]) is
//! pure and takes the clock as an argument, so it is tested without timers.

use crate::handles::{Listener, Timeout};
use parcours_engine::campaign::Status;
use parcours_engine::trigger::TriggerKind;
use parcours_engine::{Rules, Trigger};
use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};
use wasm_bindgen::JsCast;

/// The scroll depth is measured at most this often while scrolling.
pub const SCROLL_THROTTLE_MS: i32 = 100;

/// Which moments the rules wait for, each with its thresholds (sorted,
/// without duplicates).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Needs {
    /// Some campaign waits for `exit_intent`.
    pub exit_intent: bool,
    /// `scroll` percents.
    pub scroll: Vec<f64>,
    /// `time_on_page` seconds.
    pub time_on_page: Vec<f64>,
    /// `inactivity` seconds.
    pub inactivity: Vec<f64>,
}

impl Needs {
    /// The moments the active campaigns of `rules` wait for.
    pub fn of(rules: &Rules) -> Needs {
        let mut n = Needs::default();
        let active = rules
            .campaigns
            .iter()
            .filter(|c| c.status == Status::Active);
        for c in active {
            match c.trigger.kind {
                TriggerKind::ExitIntent => n.exit_intent = true,
                TriggerKind::Scroll(p) => n.scroll.push(p),
                TriggerKind::TimeOnPage(s) => n.time_on_page.push(s),
                TriggerKind::Inactivity(s) => n.inactivity.push(s),
                TriggerKind::PageView | TriggerKind::Event(_) | TriggerKind::Flag => {}
            }
        }
        for list in [&mut n.scroll, &mut n.time_on_page, &mut n.inactivity] {
            crate::ids::sort_by_number(list, |x| *x);
            list.dedup();
        }
        n
    }

    /// Nothing to watch.
    pub fn is_empty(&self) -> bool {
        !self.exit_intent
            && self.scroll.is_empty()
            && self.time_on_page.is_empty()
            && self.inactivity.is_empty()
    }
}

/// Sorted thresholds and how many of them were already crossed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Thresholds {
    list: Vec<f64>,
    crossed: usize,
}

impl Thresholds {
    /// Thresholds, sorted ascending.
    pub fn new(list: Vec<f64>) -> Thresholds {
        Thresholds { list, crossed: 0 }
    }

    /// Whether `value` crosses at least one threshold not crossed before
    /// (then they all count as crossed up to `value`).
    pub fn cross(&mut self, value: f64) -> bool {
        let before = self.crossed;
        while self.list.get(self.crossed).is_some_and(|t| *t <= value) {
            self.crossed += 1;
        }
        self.crossed > before
    }

    /// The lowest threshold not crossed yet.
    pub fn next(&self) -> Option<f64> {
        self.list.get(self.crossed).copied()
    }

    /// The lowest threshold.
    pub fn first(&self) -> Option<f64> {
        self.list.first().copied()
    }

    /// Forgets what was crossed (a new page, or activity again).
    pub fn reset(&mut self) {
        self.crossed = 0;
    }
}

/// How far down the document the visitor has seen, 0–100: the bottom of the
/// viewport over the document's height (a page shorter than the viewport is
/// seen whole).
pub fn scroll_percent(scroll_top: f64, viewport_height: f64, document_height: f64) -> f64 {
    if document_height <= 0.0 || viewport_height >= document_height {
        return 100.0;
    }
    ((scroll_top + viewport_height) / document_height * 100.0).clamp(0.0, 100.0)
}

/// Time on the page, counted only while the page is visible.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PageClock {
    counted_ms: f64,
    visible_since: Option<f64>,
}

impl PageClock {
    /// A clock starting at `now_ms`, running when `visible`.
    pub fn new(now_ms: f64, visible: bool) -> PageClock {
        PageClock {
            counted_ms: 0.0,
            visible_since: visible.then_some(now_ms),
        }
    }

    /// Visible milliseconds on the page at `now_ms`.
    pub fn elapsed_ms(&self, now_ms: f64) -> f64 {
        self.counted_ms + self.visible_since.map_or(0.0, |s| (now_ms - s).max(0.0))
    }

    /// Whether the clock runs.
    pub fn running(&self) -> bool {
        self.visible_since.is_some()
    }

    /// The page was hidden at `now_ms`.
    pub fn pause(&mut self, now_ms: f64) {
        self.counted_ms = self.elapsed_ms(now_ms);
        self.visible_since = None;
    }

    /// The page is visible again at `now_ms`.
    pub fn resume(&mut self, now_ms: f64) {
        if self.visible_since.is_none() {
            self.visible_since = Some(now_ms);
        }
    }
}

/// Milliseconds from `elapsed_ms` until `seconds`, as a timer delay.
fn delay_until(seconds: f64, elapsed_ms: f64) -> i32 {
    (seconds * 1000.0 - elapsed_ms)
        .clamp(0.0, i32::MAX as f64)
        .ceil() as i32
}

fn now() -> f64 {
    js_sys::Date::now()
}

fn page_visible() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_none_or(|d| d.visibility_state() == web_sys::VisibilityState::Visible)
}

/// The scroll depth of the window's document now.
pub fn current_scroll_percent() -> f64 {
    let Some(w) = web_sys::window() else {
        return 0.0;
    };
    let top = w.scroll_y().unwrap_or(0.0);
    let viewport = w
        .inner_height()
        .ok()
        .and_then(|v| v.as_f64())
        .unwrap_or(0.0);
    let height = w
        .document()
        .and_then(|d| d.document_element())
        .map_or(0.0, |e| f64::from(e.scroll_height()));
    scroll_percent(top, viewport, height)
}

/// Upward scroll speed (px per ms) that counts as heading for the address bar.
pub const TOUCH_EXIT_SPEED: f64 = 1.5;
/// Time on the page before hiding the tab counts as exit intent (ms).
pub const TOUCH_EXIT_MIN_MS: f64 = 5000.0;

/// Touch exit intent: a scroll from `prev_y` to `y` (px from the top) in
/// `dt_ms` that goes up faster than [`TOUCH_EXIT_SPEED`] and ends within the
/// first viewport (`viewport` px) of the page.
///
/// ```
/// use parcours::triggers::fast_scroll_up;
/// assert!(fast_scroll_up(2000.0, 100.0, 200.0, 800.0));
/// assert!(!fast_scroll_up(2000.0, 1500.0, 100.0, 800.0)); // not near the top
/// assert!(!fast_scroll_up(900.0, 100.0, 2000.0, 800.0)); // slow
/// assert!(!fast_scroll_up(100.0, 900.0, 10.0, 800.0)); // down
/// ```
pub fn fast_scroll_up(prev_y: f64, y: f64, dt_ms: f64, viewport: f64) -> bool {
    let up = prev_y - y;
    up > 0.0 && y <= viewport && up / dt_ms.max(1.0) > TOUCH_EXIT_SPEED
}

fn scroll_y() -> f64 {
    web_sys::window()
        .and_then(|w| w.scroll_y().ok())
        .unwrap_or(0.0)
}

fn viewport_height() -> f64 {
    web_sys::window()
        .and_then(|w| w.inner_height().ok())
        .and_then(|v| v.as_f64())
        .unwrap_or(0.0)
}

struct State {
    fire: fn(Trigger),
    exit_fired: bool,
    scroll: Thresholds,
    max_scroll: f64,
    scroll_timer: Option<Timeout>,
    time: Thresholds,
    clock: PageClock,
    time_timer: Option<Timeout>,
    idle: Thresholds,
    /// When the visitor was last active (shared with the activity listeners).
    last_activity: Rc<Cell<f64>>,
    /// The `last_activity` the crossed `idle` thresholds belong to.
    idle_since: f64,
    idle_timer: Option<Timeout>,
}

type Shared = Rc<RefCell<State>>;

/// The listeners and timers the current rules need. Dropping it removes
/// them all.
#[must_use = "dropping the watch removes its listeners and timers"]
pub struct Watch {
    needs: Needs,
    state: Shared,
    _listeners: Vec<Listener>,
}

impl Watch {
    /// Watches what `needs` lists, calling `fire` with each moment reached;
    /// `None` when there is nothing to watch (or no window).
    pub fn new(needs: Needs, fire: fn(Trigger)) -> Option<Watch> {
        if needs.is_empty() {
            return None;
        }
        let w = web_sys::window()?;
        let doc = w.document()?;
        let t = now();
        let state = Rc::new(RefCell::new(State {
            fire,
            exit_fired: false,
            scroll: Thresholds::new(needs.scroll.clone()),
            max_scroll: 0.0,
            scroll_timer: None,
            time: Thresholds::new(needs.time_on_page.clone()),
            clock: PageClock::new(t, page_visible()),
            time_timer: None,
            idle: Thresholds::new(needs.inactivity.clone()),
            last_activity: Rc::new(Cell::new(t)),
            idle_since: t,
            idle_timer: None,
        }));
        let mut listeners = Vec::new();
        let weak = Rc::downgrade(&state);

        // Exit intent on touch screens: a fast scroll back up near the
        // top (towards the address bar), or the tab hidden after a while.
        if needs.exit_intent && crate::page::device().kind != "desktop" {
            let (wk, last) = (weak.clone(), Cell::new((scroll_y(), t)));
            listeners.push(Listener::passive(&w, "scroll", false, move |_| {
                let (y, at) = (scroll_y(), now());
                let (prev_y, prev_at) = last.replace((y, at));
                if fast_scroll_up(prev_y, y, at - prev_at, viewport_height()) {
                    on_exit_intent(&wk);
                }
            }));
            let (wk, since) = (weak.clone(), t);
            listeners.push(Listener::passive(
                &doc,
                "visibilitychange",
                false,
                move |_| {
                    if !page_visible() && now() - since >= TOUCH_EXIT_MIN_MS {
                        on_exit_intent(&wk);
                    }
                },
            ));
        }
        // Exit intent: desktop pointers leaving through the top of the viewport.
        if needs.exit_intent && crate::page::device().kind == "desktop" {
            let wk = weak.clone();
            listeners.push(Listener::passive(&doc, "mouseout", false, move |e| {
                let Some(m) = e.dyn_ref::<web_sys::MouseEvent>() else {
                    return;
                };
                if m.related_target().is_none() && m.client_y() <= 0 {
                    on_exit_intent(&wk);
                }
            }));
        }
        if !needs.scroll.is_empty() {
            let wk = weak.clone();
            listeners.push(Listener::passive(&w, "scroll", false, move |_| {
                on_scroll(&wk);
            }));
        }
        if !needs.time_on_page.is_empty() {
            let wk = weak.clone();
            listeners.push(Listener::passive(
                &doc,
                "visibilitychange",
                false,
                move |_| {
                    on_visibility(&wk);
                },
            ));
            schedule_time(&state);
        }
        if !needs.inactivity.is_empty() {
            let last = state.borrow().last_activity.clone();
            for kind in [
                "pointermove",
                "pointerdown",
                "keydown",
                "scroll",
                "touchstart",
            ] {
                let last = last.clone();
                listeners.push(Listener::passive(&w, kind, true, move |_| last.set(now())));
            }
            schedule_idle(&state);
        }
        Some(Watch {
            needs,
            state,
            _listeners: listeners,
        })
    }

    /// What this watch was made for.
    pub fn needs(&self) -> &Needs {
        &self.needs
    }

    /// A new page view (SPA route change): exit intent may fire again, the
    /// scroll depth and the time on the page start over.
    pub fn new_page(&self) {
        {
            let Ok(mut s) = self.state.try_borrow_mut() else {
                return;
            };
            s.exit_fired = false;
            s.scroll.reset();
            s.max_scroll = 0.0;
            s.scroll_timer = None;
            s.time.reset();
            s.clock = PageClock::new(now(), page_visible());
            s.time_timer = None;
        }
        if !self.needs.time_on_page.is_empty() {
            schedule_time(&self.state);
        }
    }
}

/// Runs `f` on the state, then fires the trigger it returned with the state
/// released (firing may show a pop-in, or even drop the watch).
fn step(weak: &Weak<RefCell<State>>, f: impl FnOnce(&Shared, &mut State) -> Option<Trigger>) {
    let Some(rc) = weak.upgrade() else { return };
    let fired = {
        let Ok(mut s) = rc.try_borrow_mut() else {
            return;
        };
        f(&rc, &mut s).map(|t| (s.fire, t))
    };
    if let Some((fire, t)) = fired {
        fire(t);
    }
}

fn on_exit_intent(weak: &Weak<RefCell<State>>) {
    step(weak, |_, s| {
        if s.exit_fired {
            return None;
        }
        s.exit_fired = true;
        Some(Trigger::ExitIntent)
    });
}

fn on_scroll(weak: &Weak<RefCell<State>>) {
    step(weak, |_, s| {
        if s.scroll_timer.is_none() && s.scroll.next().is_some() {
            let wk = weak.clone();
            s.scroll_timer = Timeout::new(SCROLL_THROTTLE_MS, move || measure_scroll(&wk));
        }
        None
    });
}

fn measure_scroll(weak: &Weak<RefCell<State>>) {
    step(weak, |_, s| {
        s.scroll_timer = None;
        let percent = current_scroll_percent();
        if percent <= s.max_scroll {
            return None;
        }
        s.max_scroll = percent;
        s.scroll
            .cross(percent)
            .then_some(Trigger::Scroll { percent })
    });
}

fn on_visibility(weak: &Weak<RefCell<State>>) {
    step(weak, |rc, s| {
        if page_visible() {
            s.clock.resume(now());
            s.time_timer = time_timer(rc, s);
        } else {
            s.clock.pause(now());
            s.time_timer = None;
        }
        None
    });
}

fn time_timer(rc: &Shared, s: &State) -> Option<Timeout> {
    let next = s.time.next()?;
    if !s.clock.running() {
        return None;
    }
    let wk = Rc::downgrade(rc);
    let delay = delay_until(next, s.clock.elapsed_ms(now()));
    Timeout::new(delay, move || on_time(&wk))
}

fn schedule_time(rc: &Shared) {
    if let Ok(mut s) = rc.try_borrow_mut() {
        s.time_timer = time_timer(rc, &s);
    }
}

fn on_time(weak: &Weak<RefCell<State>>) {
    step(weak, |rc, s| {
        let seconds = s.clock.elapsed_ms(now()) / 1000.0;
        let crossed = s.time.cross(seconds);
        s.time_timer = time_timer(rc, s);
        crossed.then_some(Trigger::TimeOnPage { seconds })
    });
}

fn idle_timer(rc: &Shared, s: &State) -> Option<Timeout> {
    let last = s.last_activity.get();
    // Once every threshold of this idle period is crossed, look again after
    // the shortest one: by then new activity may have started another.
    let delay = match s.idle.next() {
        Some(next) => delay_until(next, now() - last),
        None => delay_until(s.idle.first()?, 0.0),
    };
    let wk = Rc::downgrade(rc);
    Timeout::new(delay, move || on_idle(&wk))
}

fn schedule_idle(rc: &Shared) {
    if let Ok(mut s) = rc.try_borrow_mut() {
        s.idle_timer = idle_timer(rc, &s);
    }
}

fn on_idle(weak: &Weak<RefCell<State>>) {
    step(weak, |rc, s| {
        let last = s.last_activity.get();
        if last != s.idle_since {
            s.idle_since = last;
            s.idle.reset();
        }
        let seconds = (now() - last).max(0.0) / 1000.0;
        let crossed = s.idle.cross(seconds);
        s.idle_timer = idle_timer(rc, s);
        crossed.then_some(Trigger::Inactivity { seconds })
    });
}

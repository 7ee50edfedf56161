//! Choosing what to show: schedule, trigger, audience, frequency, then
//! priority under the pressure cap, then holdout and variant. A pop-in is
//! placed as a banner where it would be an intrusive interstitial
//! ([`crate::interstitial`]), and competes for the banner's place there.
//!
//! One code path serves [`Engine::decide`](crate::Engine::decide) and
//! [`Engine::explain`](crate::Engine::explain): [`run`] gives every campaign
//! a [`Verdict`]; deciding keeps the ones shown or held out, explaining
//! reports all of them with the first reason that failed. A feature flag
//! ([`Engine::flag`](crate::Engine::flag)) takes the same steps for one
//! campaign outside any moment ([`one`]).

use std::cmp::Ordering;

use crate::assign::{assign, Assignment, HOLDOUT};
use crate::campaign::{Campaign, Placement, Status};
use crate::condition::SavedGroups;
use crate::explain::Reason;
use crate::exposure::Exposures;
use crate::frequency::FrequencyBlock;
use crate::history::History;
use crate::order::sort_indices;
use crate::rules::Rules;
use crate::template;
use crate::time::Now;
use crate::trigger::Trigger;
use crate::value::{Map, Value};

/// One campaign to show (or, for a holdout, to record as exposed).
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    /// Campaign id.
    pub campaign_id: String,
    /// Variant id; `"holdout"` when the visitor is held out.
    pub variant_id: String,
    /// Held out: show nothing, but record the exposure (`Experiment Viewed`).
    pub holdout: bool,
    /// `popin`, `banner`, `slot` or `none`.
    pub placement: String,
    /// For a `slot`: the CSS selector of the element to fill.
    pub selector: Option<String>,
    /// For a `banner`: `top` or `bottom`.
    pub position: Option<String>,
    /// The variant's content with templates rendered (text only); `null` for a holdout.
    pub content: Value,
}

impl Decision {
    /// The decision as a plain value for hosts:
    /// `{campaign_id, variant_id, holdout, placement, selector?, position?, content}`.
    pub fn to_value(&self) -> Value {
        let mut m = Map::new();
        m.insert("campaign_id".into(), self.campaign_id.as_str().into());
        m.insert("variant_id".into(), self.variant_id.as_str().into());
        m.insert("holdout".into(), self.holdout.into());
        m.insert("placement".into(), self.placement.as_str().into());
        if let Some(s) = &self.selector {
            m.insert("selector".into(), s.as_str().into());
        }
        if let Some(p) = &self.position {
            m.insert("position".into(), p.as_str().into());
        }
        m.insert("content".into(), self.content.clone());
        Value::Object(m)
    }
}

/// The outcome for one campaign.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Shown, with the variant at this index.
    Show(usize),
    /// Would show, but the visitor is held out.
    Holdout,
    /// Not shown, and the first reason.
    Blocked(Reason),
}

/// Everything [`run`] reads besides the rules.
pub struct Input<'a> {
    /// The full evaluation context (with `segments` and `campaigns`).
    pub ctx: &'a Value,
    /// Segment membership by index, as `ctx.segments`.
    pub member: &'a [bool],
    /// Exposure state.
    pub exposures: &'a Exposures,
    /// Time and local day.
    pub now: Now,
    /// The current session (per-session caps count in it).
    pub session_id: &'a str,
    /// What happened; `None` outside any moment (a feature flag), where
    /// every campaign's trigger counts as met.
    pub trigger: Option<&'a Trigger>,
    /// The id new assignments hash (the anonymous id).
    pub visitor_id: &'a str,
    /// In the site-wide control group: every campaign is held back.
    pub global_holdout: bool,
    /// Per campaign (document order): for a delayed event trigger with a
    /// due event, the context with that event as `event.*` ([`delayed`]).
    pub delayed: &'a [Option<Value>],
}

/// For each campaign with a delayed `event` trigger, on a page view with a
/// due event in `history`: `ctx` with that event as `event.*`.
pub fn delayed(
    rules: &Rules,
    ctx: &Value,
    history: Option<&History>,
    exposures: &Exposures,
    now_ms: f64,
    trigger: &Trigger,
) -> Vec<Option<Value>> {
    let due = |c: &Campaign| {
        let history = history.filter(|_| *trigger == Trigger::PageView)?;
        let exposed = exposures.campaign(&c.id).and_then(|s| s.last_exposed_ms());
        let e = c
            .trigger
            .due(history, now_ms, exposed, &rules.saved_groups)?;
        let mut ctx = ctx.clone();
        ctx.insert(
            "event",
            Value::from_pairs([
                ("name", e.name.into()),
                ("type", "track".into()),
                ("properties", e.properties),
            ]),
        );
        Some(ctx)
    };
    rules.campaigns.iter().map(due).collect()
}

/// Every campaign's verdict, in document order. With `explain`, audience
/// failures carry the failing clause (slower); without, only the fact.
pub fn run(rules: &Rules, input: &Input<'_>, explain: bool) -> Vec<Verdict> {
    let mut verdicts: Vec<Verdict> = rules
        .campaigns
        .iter()
        .enumerate()
        .map(|(i, c)| match eligible(c, i, rules, input, explain) {
            Ok(()) => Verdict::Show(0),
            Err(r) => Verdict::Blocked(r),
        })
        .collect();
    let mut order: Vec<usize> = (0..verdicts.len())
        .filter(|&i| matches!(verdicts[i], Verdict::Show(_)))
        .collect();
    sort_by_priority(rules, &mut order);

    let mut popin: Option<usize> = None;
    let mut banners: Vec<(String, usize)> = Vec::new();
    let mut counted: Vec<usize> = Vec::new();
    let avoid = crate::interstitial::applies(input.ctx);
    for i in order {
        let c = &rules.campaigns[i];
        let placement = c.placement_here(avoid);
        if placement.counts_for_pressure() {
            if let Err(hit) =
                rules
                    .pressure
                    .check(input.exposures.shown(), &input.now, input.session_id, 0)
            {
                verdicts[i] = Verdict::Blocked(Reason::Pressure(hit));
                continue;
            }
            let slot_taken = match &*placement {
                Placement::Popin => popin,
                Placement::Banner { position } => {
                    banners.iter().find(|(p, _)| p == position).map(|&(_, j)| j)
                }
                _ => None,
            };
            let lost_to = slot_taken.or_else(|| {
                let extra = counted.len() as u32;
                rules
                    .pressure
                    .check(input.exposures.shown(), &input.now, input.session_id, extra)
                    .err()?;
                counted.last().copied()
            });
            if let Some(j) = lost_to {
                verdicts[i] = Verdict::Blocked(Reason::Priority {
                    lost_to: rules.campaigns[j].id.clone(),
                });
                continue;
            }
        }
        let state = input.exposures.campaign(&c.id);
        verdicts[i] = match assign(c, state, input.visitor_id) {
            Assignment::Holdout => Verdict::Holdout,
            Assignment::Variant(v) => {
                match &*placement {
                    Placement::Popin => popin = Some(i),
                    Placement::Banner { position } => banners.push((position.clone(), i)),
                    _ => {}
                }
                if placement.counts_for_pressure() {
                    counted.push(i);
                }
                Verdict::Show(v)
            }
        };
    }
    verdicts
}

/// One campaign (index `i`) outside any moment, for a feature flag: its
/// trigger counts as met (`input.trigger` is `None`) and no other campaign
/// competes for its place, so there is no priority step; the rest is
/// [`run`]'s: status, schedule, audience, frequency, the pressure of what
/// was shown before (pop-ins and banners), then holdout and variant.
/// `None` when there is no campaign `i`.
pub fn one(rules: &Rules, i: usize, input: &Input<'_>) -> Option<Verdict> {
    let c = rules.campaigns.get(i)?;
    if let Err(r) = eligible(c, i, rules, input, false) {
        return Some(Verdict::Blocked(r));
    }
    if c.placement.counts_for_pressure() {
        let shown = input.exposures.shown();
        if let Err(hit) = rules.pressure.check(shown, &input.now, input.session_id, 0) {
            return Some(Verdict::Blocked(Reason::Pressure(hit)));
        }
    }
    Some(
        match assign(c, input.exposures.campaign(&c.id), input.visitor_id) {
            Assignment::Holdout => Verdict::Holdout,
            Assignment::Variant(v) => Verdict::Show(v),
        },
    )
}

/// Higher priority first, then ids ascending.
pub fn by_priority(a: &Campaign, b: &Campaign) -> Ordering {
    b.priority
        .total_cmp(&a.priority)
        .then_with(|| a.id.cmp(&b.id))
}

/// Sorts campaign indices by [`by_priority`].
fn sort_by_priority(rules: &Rules, order: &mut [usize]) {
    let c = &rules.campaigns;
    sort_indices(order, &|a, b| by_priority(&c[a], &c[b]) == Ordering::Less);
}

/// Status, the site-wide control group, schedule, trigger, audience, something left to ask (a form's
/// campaign) and frequency, in that order.
fn eligible(
    c: &Campaign,
    i: usize,
    rules: &Rules,
    input: &Input<'_>,
    explain: bool,
) -> Result<(), Reason> {
    if c.status != Status::Active {
        return Err(Reason::Status(c.status.name()));
    }
    if input.global_holdout {
        return Err(Reason::GlobalHoldout);
    }
    if let Some((text, start)) = &c.start {
        if input.now.ms < *start {
            return Err(Reason::NotStarted(text.clone()));
        }
    }
    if let Some((text, end)) = &c.end {
        if input.now.ms >= *end {
            return Err(Reason::Ended(text.clone()));
        }
    }
    let groups: &SavedGroups = &rules.saved_groups;
    let due = input.delayed.get(i).and_then(Option::as_ref);
    if let (None, Some(t)) = (due, input.trigger) {
        c.trigger
            .matches(t, groups, explain)
            .map_err(Reason::Trigger)?;
    }
    let ctx = due.unwrap_or(input.ctx);
    audience_segments(c, rules, input.member)?;
    if let Some(cond) = &c.audience.condition {
        if explain {
            if let Some(f) = cond.explain(ctx, groups) {
                return Err(Reason::Condition(f));
            }
        } else if !cond.eval(ctx, groups) {
            return Err(Reason::Condition(crate::condition::ClauseFailure {
                path: String::new(),
                operator: String::new(),
                expected: Value::Null,
                actual: Value::Null,
            }));
        }
    }
    if !c.variants.is_empty()
        && c.variants
            .iter()
            .all(|v| crate::form::asks_nothing(&v.content, ctx))
    {
        return Err(Reason::Answered);
    }
    c.frequency
        .check(
            input.exposures.campaign(&c.id),
            &input.now,
            input.session_id,
        )
        .map_err(|b| match b {
            FrequencyBlock::Cap(hit) => Reason::Frequency(hit),
            FrequencyBlock::Stopped(after) => Reason::Stopped(after),
        })
}

/// `any`, `all`, `none` against `ctx.segments`.
fn audience_segments(c: &Campaign, rules: &Rules, member: &[bool]) -> Result<(), Reason> {
    let is_in = |i: &usize| member.get(*i).copied().unwrap_or(false);
    let fail = |clause, list: Vec<&usize>| Reason::Segments {
        clause,
        segments: list
            .into_iter()
            .filter_map(|&i| rules.segments.get(i))
            .map(|s| s.id.clone())
            .collect(),
    };
    let a = &c.audience;
    if !a.any.is_empty() && !a.any.iter().any(is_in) {
        return Err(fail("any", a.any.iter().collect()));
    }
    if !a.all.iter().all(is_in) {
        return Err(fail("all", a.all.iter().filter(|i| !is_in(i)).collect()));
    }
    if a.none.iter().any(is_in) {
        return Err(fail("none", a.none.iter().filter(|i| is_in(i)).collect()));
    }
    Ok(())
}

/// The decisions of a run, in priority order, with content rendered
/// (from the delayed event's context where there is one).
pub fn decisions(
    rules: &Rules,
    verdicts: &[Verdict],
    ctx: &Value,
    delayed: &[Option<Value>],
    render: &dyn Fn(&Campaign) -> bool,
) -> Vec<Decision> {
    let mut picked: Vec<usize> = (0..verdicts.len())
        .filter(|&i| matches!(verdicts[i], Verdict::Show(_) | Verdict::Holdout))
        .collect();
    sort_by_priority(rules, &mut picked);
    let avoid = crate::interstitial::applies(ctx);
    picked
        .into_iter()
        .filter_map(|i| {
            let ctx = delayed.get(i).and_then(Option::as_ref).unwrap_or(ctx);
            let c = &rules.campaigns[i];
            decision(c, &verdicts[i], ctx, avoid, render(c))
        })
        .collect()
}

/// One decision for a campaign shown or held out; `avoid_interstitial`:
/// the page is one where a pop-in would be an intrusive interstitial
/// ([`crate::interstitial::applies`]); its content is rendered only when
/// `render` (`null` otherwise: nobody will read it).
pub fn decision(
    c: &Campaign,
    v: &Verdict,
    ctx: &Value,
    avoid_interstitial: bool,
    render: bool,
) -> Option<Decision> {
    let (variant_id, holdout, content) = match v {
        Verdict::Show(i) => {
            let variant = c.variants.get(*i)?;
            let content = if render {
                template::render_content(&variant.content, ctx, &c.offer)
            } else {
                Value::Null
            };
            (variant.id.clone(), false, content)
        }
        Verdict::Holdout => (HOLDOUT.to_owned(), true, Value::Null),
        Verdict::Blocked(_) => return None,
    };
    let placement = c.placement_here(avoid_interstitial);
    let (selector, position) = match &*placement {
        Placement::Slot { selector } => (Some(selector.clone()), None),
        Placement::Banner { position } => (None, Some(position.clone())),
        _ => (None, None),
    };
    Some(Decision {
        campaign_id: c.id.clone(),
        variant_id,
        holdout,
        placement: placement.name().to_owned(),
        selector,
        position,
        content,
    })
}

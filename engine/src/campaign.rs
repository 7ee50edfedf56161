//! One campaign of the rules document, decoded and compiled: status,
//! schedule, audience, trigger, placement (and its `interstitial` rule),
//! priority, frequency, holdout, variants, offer and goal.

use std::borrow::Cow;

use crate::condition::compile_condition;
use crate::condition::Condition;
use crate::decode::{index_path, Obj};
use crate::error::{RuleError, RuleErrorKind};
use crate::frequency::FrequencyCaps;
use crate::map::StrMap;
use crate::regex::RegexCompiler;
use crate::template;
use crate::time;
use crate::trigger::TriggerSpec;
use crate::value::Value;

/// Default `goal.within_hours`.
pub const DEFAULT_GOAL_HOURS: f64 = 72.0;

/// A campaign's `status`. Only `active` campaigns are ever shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Live.
    Active,
    /// Stopped for now.
    Paused,
    /// Being written.
    Draft,
    /// Finished.
    Archived,
}

impl Status {
    /// Its name in the rules document.
    pub fn name(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Paused => "paused",
            Status::Draft => "draft",
            Status::Archived => "archived",
        }
    }
}

/// Where a campaign shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    /// A modal dialog. Counts for pressure; at most one per decision.
    Popin,
    /// A bar at the `top` or `bottom`. Counts for pressure; one per position per decision.
    Banner {
        /// `top` or `bottom` (default).
        position: String,
    },
    /// Inline into the element matched by `selector`. Exempt from pressure.
    Slot {
        /// A CSS selector.
        selector: String,
    },
    /// Headless: only `decide()` and the `decision` event. Exempt from pressure.
    None,
}

impl Placement {
    /// `popin`, `banner`, `slot` or `none`.
    pub fn name(&self) -> &'static str {
        match self {
            Placement::Popin => "popin",
            Placement::Banner { .. } => "banner",
            Placement::Slot { .. } => "slot",
            Placement::None => "none",
        }
    }

    /// A pop-in or a banner: drawn over the page, one at a time per spot.
    pub fn is_overlay(&self) -> bool {
        matches!(self, Placement::Popin | Placement::Banner { .. })
    }

    /// Whether the global pressure cap counts it: the overlays.
    pub fn counts_for_pressure(&self) -> bool {
        self.is_overlay()
    }
}

/// `interstitial`: what a `popin` becomes where it would be an intrusive
/// interstitial in Google's sense (a phone, the first page of a visit from
/// a search engine; see [`crate::interstitial`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Interstitial {
    /// `"avoid"` (default): shown as a bottom banner there.
    #[default]
    Avoid,
    /// `"allow"`: stays a pop-in (a legal notice, an age check: what Google
    /// itself exempts).
    Allow,
}

/// `audience`: segment clauses and a condition over the context.
#[derive(Default)]
pub struct Audience {
    /// In at least one of these (ignored when empty); indices into the rules' segments.
    pub any: Vec<usize>,
    /// In every one of these (segment indices).
    pub all: Vec<usize>,
    /// In none of these (segment indices).
    pub none: Vec<usize>,
    /// A condition over the evaluation context.
    pub condition: Option<Condition>,
}

/// One variant of a campaign.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    /// Unique within the campaign; never `holdout`.
    pub id: String,
    /// Share of the non-holdout visitors, in percent.
    pub weight: f64,
    /// The content (templates rendered when decided).
    pub content: Value,
}

/// `goal`: the event that counts as a conversion after an exposure.
pub struct Goal {
    /// The event name.
    pub event: String,
    /// A condition on its properties.
    pub filter: Option<Condition>,
    /// How long after the last exposure it still counts, ms.
    pub within_ms: f64,
}

/// A decoded, compiled campaign.
pub struct Campaign {
    /// Unique id (no `.`, so `campaigns.<id>.*` stays addressable).
    pub id: String,
    /// Display name (defaults to the id).
    pub name: String,
    /// Only `active` campaigns show.
    pub status: Status,
    /// `schedule.start` as written and as epoch ms.
    pub start: Option<(String, f64)>,
    /// `schedule.end` (exclusive) as written and as epoch ms.
    pub end: Option<(String, f64)>,
    /// Who may see it.
    pub audience: Audience,
    /// When it is considered.
    pub trigger: TriggerSpec,
    /// Where it shows.
    pub placement: Placement,
    /// Whether a pop-in stays one where it would be an intrusive interstitial.
    pub interstitial: Interstitial,
    /// Higher first; ties broken by id.
    pub priority: f64,
    /// Its own caps.
    pub frequency: FrequencyCaps,
    /// Percent of visitors held out (0–100).
    pub holdout_percent: f64,
    /// At least one; weights sum to 100.
    pub variants: Vec<Variant>,
    /// Free-form object templates read as `offer.*`.
    pub offer: Value,
    /// Conversion tracking.
    pub goal: Option<Goal>,
}

const FIELDS: &[&str] = &[
    "id",
    "name",
    "description",
    "status",
    "schedule",
    "audience",
    "trigger",
    "placement",
    "interstitial",
    "priority",
    "frequency",
    "holdout_percent",
    "variants",
    "offer",
    "goal",
];

/// Decoding helpers shared by a campaign's sections.
pub(crate) struct Ctx<'a> {
    pub regex: &'a dyn RegexCompiler,
    pub errs: &'a mut Vec<RuleError>,
    pub warnings: &'a mut Vec<RuleError>,
    /// Known segment ids and their indices, for audience references.
    pub segments: &'a StrMap<usize>,
}

impl Campaign {
    /// Decodes one campaign object; `None` when it is unusable (errors recorded).
    pub(crate) fn decode(o: &Obj<'_>, cx: &mut Ctx<'_>) -> Option<Campaign> {
        o.deny_unknown(FIELDS, cx.errs);
        let id = o.str("id", cx.errs).map(str::to_owned);
        if let Some(id) = &id {
            if id.is_empty() || id.contains('.') {
                cx.errs.push(RuleError::new(
                    o.at("id"),
                    RuleErrorKind::Invalid,
                    "a campaign id must be non-empty and contain no `.`",
                ));
            }
        }
        let name = o.opt_str("name", cx.errs).map(str::to_owned);
        o.opt_str("description", cx.errs);
        let status = decode_status(o, cx.errs);
        let (start, end) = decode_schedule(o, cx.errs);
        let audience = match o.opt_obj("audience", cx.errs) {
            Some(a) => decode_audience(&a, cx),
            None => Audience::default(),
        };
        let trigger = match o.opt_obj("trigger", cx.errs) {
            Some(t) => TriggerSpec::decode(&t, cx.regex, cx.errs, cx.warnings),
            None => {
                cx.errs.push(RuleError::new(
                    o.at("trigger"),
                    RuleErrorKind::Missing,
                    "`trigger` is required",
                ));
                None
            }
        };
        let placement = decode_placement(o, cx.errs);
        let interstitial = decode_interstitial(o, cx.errs);
        let priority = decode_priority(o, cx.errs);
        let frequency = o
            .opt_obj("frequency", cx.errs)
            .map(|f| FrequencyCaps::decode(&f, cx.errs))
            .unwrap_or_default();
        let holdout_percent = o
            .opt_non_negative("holdout_percent", cx.errs)
            .unwrap_or(0.0);
        if holdout_percent > 100.0 {
            cx.errs.push(RuleError::new(
                o.at("holdout_percent"),
                RuleErrorKind::Invalid,
                "`holdout_percent` must be between 0 and 100",
            ));
        }
        let variants = decode_variants(o, cx.errs);
        let offer = match o.get("offer") {
            None => Value::object(),
            Some(v @ Value::Object(_)) => v.clone(),
            Some(v) => {
                cx.errs
                    .push(crate::decode::wrong_type(&o.at("offer"), "object", v));
                Value::object()
            }
        };
        let goal = o.opt_obj("goal", cx.errs).and_then(|g| decode_goal(&g, cx));
        let id = id?;
        Some(Campaign {
            name: name.unwrap_or_else(|| id.clone()),
            id,
            status: status?,
            start,
            end,
            audience,
            trigger: trigger?,
            placement: placement?,
            interstitial,
            priority,
            frequency,
            holdout_percent,
            variants,
            offer,
            goal,
        })
    }

    /// Where it shows now: its placement, except that a pop-in becomes a
    /// bottom banner where `avoid_interstitial` (the page is one where a
    /// pop-in would be an intrusive interstitial) and the campaign does not
    /// allow it. Allocates only in that case.
    pub fn placement_here(&self, avoid_interstitial: bool) -> Cow<'_, Placement> {
        if self.is_interstitial_avoided(avoid_interstitial) {
            Cow::Owned(Placement::Banner {
                position: "bottom".into(),
            })
        } else {
            Cow::Borrowed(&self.placement)
        }
    }

    /// Whether [`placement_here`](Self::placement_here) turns its pop-in
    /// into a banner on such a page.
    pub fn is_interstitial_avoided(&self, avoid_interstitial: bool) -> bool {
        avoid_interstitial
            && self.placement == Placement::Popin
            && self.interstitial == Interstitial::Avoid
    }

    /// Whether `now_ms` is within `[start, end)`.
    pub fn in_schedule(&self, now_ms: f64) -> bool {
        self.start.as_ref().is_none_or(|(_, s)| now_ms >= *s)
            && self.end.as_ref().is_none_or(|(_, e)| now_ms < *e)
    }
}

fn decode_status(o: &Obj<'_>, errs: &mut Vec<RuleError>) -> Option<Status> {
    match o.opt_str("status", errs) {
        None => Some(Status::Active),
        Some("active") => Some(Status::Active),
        Some("paused") => Some(Status::Paused),
        Some("draft") => Some(Status::Draft),
        Some("archived") => Some(Status::Archived),
        Some(other) => {
            errs.push(RuleError::new(
                o.at("status"),
                RuleErrorKind::Invalid,
                crate::msg!(
                    "unknown status `{other}` (expected one of: active, paused, draft, archived)"
                ),
            ));
            None
        }
    }
}

type Bound = Option<(String, f64)>;

fn decode_schedule(o: &Obj<'_>, errs: &mut Vec<RuleError>) -> (Bound, Bound) {
    let Some(s) = o.opt_obj("schedule", errs) else {
        return (None, None);
    };
    s.deny_unknown(&["start", "end"], errs);
    let mut date = |k: &str| -> Bound {
        let text = s.opt_str(k, errs)?;
        match time::parse_iso8601(text) {
            Some(ms) => Some((text.to_owned(), ms)),
            None => {
                errs.push(RuleError::new(
                    s.at(k),
                    RuleErrorKind::Invalid,
                    crate::msg!(
                        "`{text}` is not an ISO 8601 date (2026-11-24 or 2026-11-24T10:00:00Z)"
                    ),
                ));
                None
            }
        }
    };
    let (start, end) = (date("start"), date("end"));
    if let (Some((_, a)), Some((_, b))) = (&start, &end) {
        if b <= a {
            errs.push(RuleError::new(
                s.at("end"),
                RuleErrorKind::Invalid,
                "`end` must be after `start`",
            ));
        }
    }
    (start, end)
}

fn decode_audience(a: &Obj<'_>, cx: &mut Ctx<'_>) -> Audience {
    a.deny_unknown(&["segments", "condition"], cx.errs);
    let mut out = Audience::default();
    if let Some(s) = a.opt_obj("segments", cx.errs) {
        s.deny_unknown(&["any", "all", "none"], cx.errs);
        for (key, list) in [
            ("any", &mut out.any),
            ("all", &mut out.all),
            ("none", &mut out.none),
        ] {
            for (i, v) in s.opt_array(key, cx.errs).into_iter().flatten().enumerate() {
                let path = index_path(&s.at(key), i);
                match v.as_str() {
                    Some(id) => match cx.segments.get(id) {
                        Some(&i) => list.push(i),
                        None => cx.errs.push(RuleError::new(
                            path,
                            RuleErrorKind::UnknownReference,
                            crate::msg!("unknown segment `{id}`"),
                        )),
                    },
                    None => cx.errs.push(crate::decode::wrong_type(&path, "string", v)),
                }
            }
        }
    }
    out.condition = a
        .get("condition")
        .map(|c| compile_condition(c, &a.at("condition"), cx.regex, cx.errs, cx.warnings));
    out
}

fn decode_placement(o: &Obj<'_>, errs: &mut Vec<RuleError>) -> Option<Placement> {
    let unknown = |path: String, what: &str| {
        RuleError::new(
            path,
            RuleErrorKind::Invalid,
            crate::msg!("unknown placement `{what}` (expected one of: popin, banner, slot, none)"),
        )
    };
    let v = o.get("placement").unwrap_or(&Value::Null);
    match v {
        Value::Null => {
            errs.push(RuleError::new(
                o.at("placement"),
                RuleErrorKind::Missing,
                "`placement` is required",
            ));
            None
        }
        Value::String(s) => match s.as_str() {
            "popin" => Some(Placement::Popin),
            "banner" => Some(Placement::Banner {
                position: "bottom".into(),
            }),
            "none" => Some(Placement::None),
            "slot" => {
                errs.push(RuleError::new(
                    o.at("placement"),
                    RuleErrorKind::Invalid,
                    "a slot needs a selector: {\"type\": \"slot\", \"selector\": \"#hero\"}",
                ));
                None
            }
            other => {
                errs.push(unknown(o.at("placement"), other));
                None
            }
        },
        _ => {
            let p = Obj::new(v, o.at("placement"), errs)?;
            p.deny_unknown(&["type", "selector", "position"], errs);
            let kind = p.str("type", errs)?;
            let mut reject = |k: &str| {
                if p.get(k).is_some() {
                    errs.push(RuleError::new(
                        p.at(k),
                        RuleErrorKind::Invalid,
                        crate::msg!("`{k}` does not apply to a {kind}"),
                    ));
                }
            };
            match kind {
                "popin" | "none" => {
                    reject("selector");
                    reject("position");
                    Some(if kind == "popin" {
                        Placement::Popin
                    } else {
                        Placement::None
                    })
                }
                "banner" => {
                    reject("selector");
                    let position = match p.opt_str("position", errs) {
                        None => "bottom",
                        Some(pos @ ("top" | "bottom")) => pos,
                        Some(_) => {
                            errs.push(RuleError::new(
                                p.at("position"),
                                RuleErrorKind::Invalid,
                                "expected `top` or `bottom`",
                            ));
                            "bottom"
                        }
                    };
                    Some(Placement::Banner {
                        position: position.into(),
                    })
                }
                "slot" => {
                    reject("position");
                    let selector = p.str("selector", errs)?;
                    if selector.trim().is_empty() {
                        errs.push(RuleError::new(
                            p.at("selector"),
                            RuleErrorKind::Invalid,
                            "empty selector",
                        ));
                    }
                    Some(Placement::Slot {
                        selector: selector.into(),
                    })
                }
                other => {
                    errs.push(unknown(p.at("type"), other));
                    None
                }
            }
        }
    }
}

fn decode_interstitial(o: &Obj<'_>, errs: &mut Vec<RuleError>) -> Interstitial {
    match o.opt_str("interstitial", errs) {
        None | Some("avoid") => Interstitial::Avoid,
        Some("allow") => Interstitial::Allow,
        Some(other) => {
            errs.push(RuleError::new(
                o.at("interstitial"),
                RuleErrorKind::Invalid,
                crate::msg!("unknown interstitial rule `{other}` (expected one of: avoid, allow)"),
            ));
            Interstitial::Avoid
        }
    }
}

fn decode_priority(o: &Obj<'_>, errs: &mut Vec<RuleError>) -> f64 {
    match o.get("priority") {
        None => 0.0,
        Some(Value::Number(n)) if n.is_finite() => *n,
        Some(v @ Value::Object(_)) => {
            let Some(p) = Obj::new(v, o.at("priority"), errs) else {
                return 0.0;
            };
            let keys = ["business_value", "customer_interest", "feasibility"];
            p.deny_unknown(&keys, errs);
            let mut product = 1.0;
            for k in keys {
                match p.opt_non_negative(k, errs) {
                    Some(n) => product *= n,
                    None if p.get(k).is_none() => {
                        errs.push(RuleError::new(
                            p.at(k),
                            RuleErrorKind::Missing,
                            crate::msg!("`{k}` is required"),
                        ));
                    }
                    None => {}
                }
            }
            product
        }
        Some(v) => {
            errs.push(crate::decode::wrong_type(
                &o.at("priority"),
                "number or object",
                v,
            ));
            0.0
        }
    }
}

fn decode_variants(o: &Obj<'_>, errs: &mut Vec<RuleError>) -> Vec<Variant> {
    let path = o.at("variants");
    let Some(items) = o.opt_array("variants", errs) else {
        if o.get("variants").is_none() {
            errs.push(RuleError::new(
                path,
                RuleErrorKind::Missing,
                "`variants` is required",
            ));
        }
        return Vec::new();
    };
    if items.is_empty() {
        errs.push(RuleError::new(
            path,
            RuleErrorKind::Invalid,
            "at least one variant is required",
        ));
        return Vec::new();
    }
    let weighted = items
        .iter()
        .filter(|v| v.get("weight").is_some_and(|w| !w.is_null()))
        .count();
    let mut out = Vec::new();
    let mut ids = StrMap::new();
    for (i, v) in items.iter().enumerate() {
        let Some(vo) = Obj::new(v, index_path(&path, i), errs) else {
            continue;
        };
        vo.deny_unknown(&["id", "weight", "content"], errs);
        let Some(id) = vo.str("id", errs) else {
            continue;
        };
        if id == "holdout" || id.is_empty() {
            errs.push(RuleError::new(
                vo.at("id"),
                RuleErrorKind::Invalid,
                "a variant id must be non-empty and not `holdout`",
            ));
        } else if ids.insert(id.to_owned(), ()).is_some() {
            errs.push(RuleError::new(
                vo.at("id"),
                RuleErrorKind::Duplicate,
                crate::msg!("duplicate variant id `{id}`"),
            ));
        }
        let weight = if weighted == 0 {
            100.0 / items.len() as f64
        } else {
            match vo.opt_non_negative("weight", errs) {
                Some(w) => w,
                None => {
                    if vo.get("weight").is_none() {
                        errs.push(RuleError::new(
                            vo.at("weight"),
                            RuleErrorKind::Missing,
                            "`weight` is required when another variant sets one",
                        ));
                    }
                    0.0
                }
            }
        };
        let content = match vo.get("content") {
            None => Value::object(),
            Some(c @ Value::Object(_)) => {
                template::validate_content(c, &vo.at("content"), errs);
                c.clone()
            }
            Some(c) => {
                errs.push(crate::decode::wrong_type(&vo.at("content"), "object", c));
                Value::object()
            }
        };
        out.push(Variant {
            id: id.to_owned(),
            weight,
            content,
        });
    }
    let sum: f64 = out.iter().map(|v| v.weight).sum();
    if out.len() == items.len() && weighted > 0 && (sum - 100.0).abs() > 1e-6 {
        errs.push(RuleError::new(
            path,
            RuleErrorKind::Invalid,
            crate::msg!(
                "variant weights sum to {}, not 100",
                crate::value::number_to_string(sum)
            ),
        ));
    }
    out
}

fn decode_goal(g: &Obj<'_>, cx: &mut Ctx<'_>) -> Option<Goal> {
    g.deny_unknown(&["event", "where", "within_hours"], cx.errs);
    let event = g.str("event", cx.errs);
    let hours = g
        .opt_non_negative("within_hours", cx.errs)
        .unwrap_or(DEFAULT_GOAL_HOURS);
    let filter = g
        .get("where")
        .map(|c| compile_condition(c, &g.at("where"), cx.regex, cx.errs, cx.warnings));
    Some(Goal {
        event: event?.to_owned(),
        filter,
        within_ms: hours * 3_600_000.0,
    })
}

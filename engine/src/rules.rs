//! The rules document: decoded, validated with every error's JSON path, and
//! compiled once (see `docs/rules.md` for the format).
//!
//! Errors (wrong types, unknown fields, bad dates, unknown references,
//! duplicate ids, weights not summing to 100 …) reject the document, all of
//! them reported at once. Warnings (unknown condition operators, invalid
//! regexes) do not: such a clause never matches.

use crate::campaign::{self, Campaign};
use crate::condition::SavedGroups;
use crate::decode::{index_path, Obj};
use crate::error::{RuleError, RuleErrorKind};
use crate::map::StrMap;
use crate::pressure::Pressure;
use crate::profile::ProfileRules;
use crate::regex::RegexCompiler;
use crate::segment::{self, Segment};
use crate::value::{Map, Value};

/// Top-level fields of a rules document.
pub const FIELDS: &[&str] = &[
    "version",
    "saved_groups",
    "traits",
    "lifecycle",
    "history",
    "segments",
    "pressure",
    "global_holdout_percent",
    "campaigns",
];

/// A decoded, compiled rules document.
pub struct Rules {
    /// The document's `version` string (`""` when absent).
    pub version: String,
    /// Saved groups for `$inGroup` / `$notInGroup`.
    pub saved_groups: SavedGroups,
    /// Computed traits, lifecycle thresholds, history bounds.
    pub profile: ProfileRules,
    /// Segments, in document order.
    pub segments: Vec<Segment>,
    /// The global pressure cap.
    pub pressure: Pressure,
    /// Percent of visitors (0–100) kept out of every campaign: the
    /// site-wide control group ([`crate::assign::global_holdout`]).
    pub global_holdout_percent: f64,
    /// Campaigns, in document order.
    pub campaigns: Vec<Campaign>,
    /// The campaigns whose `campaigns.<id>.*` a condition or template may
    /// read (`None`: any): the only ones a decision's context is given
    /// ([`crate::evaluation::read_campaigns`]).
    pub read_campaigns: Option<Vec<bool>>,
}

impl Rules {
    /// Decodes and compiles `doc`. `Err` holds every error; `Ok` carries the
    /// warnings (unknown operators, invalid regexes) that did not stop the load.
    pub fn from_value(
        doc: &Value,
        regex: &dyn RegexCompiler,
    ) -> Result<(Rules, Vec<RuleError>), Vec<RuleError>> {
        let mut errs = Vec::new();
        let mut warnings = Vec::new();
        let Some(root) = Obj::new(doc, "$", &mut errs) else {
            return Err(errs);
        };
        root.deny_unknown(FIELDS, &mut errs);
        let version = root
            .opt_str("version", &mut errs)
            .unwrap_or_default()
            .to_owned();
        let saved_groups = decode_groups(&root, &mut errs);
        let profile = ProfileRules::from_doc(&root, regex, &mut errs, &mut warnings);
        let segments = match root.opt_array("segments", &mut errs) {
            Some(items) => {
                segment::decode_all(items, &root.at("segments"), regex, &mut errs, &mut warnings)
            }
            None => Vec::new(),
        };
        let pressure = root
            .opt_obj("pressure", &mut errs)
            .map(|p| Pressure::decode(&p, &mut errs))
            .unwrap_or_default();
        let global_holdout_percent = root
            .opt_non_negative("global_holdout_percent", &mut errs)
            .unwrap_or(0.0);
        if global_holdout_percent > 100.0 {
            errs.push(RuleError::new(
                root.at("global_holdout_percent"),
                RuleErrorKind::Invalid,
                "`global_holdout_percent` must be between 0 and 100",
            ));
        }
        let known: StrMap<usize> = segments
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id.clone(), i))
            .collect();
        let mut campaigns = Vec::new();
        if let Some(items) = root.opt_array("campaigns", &mut errs) {
            let path = root.at("campaigns");
            let mut ids = StrMap::new();
            let mut cx = campaign::Ctx {
                regex,
                errs: &mut errs,
                warnings: &mut warnings,
                segments: &known,
            };
            for (i, v) in items.iter().enumerate() {
                let Some(o) = Obj::new(v, index_path(&path, i), cx.errs) else {
                    continue;
                };
                if let Some(id) = o.get("id").and_then(Value::as_str) {
                    if id == crate::assign::GLOBAL {
                        cx.errs.push(RuleError::new(
                            o.at("id"),
                            RuleErrorKind::Invalid,
                            "the campaign id `global` is reserved for the site-wide control group",
                        ));
                    }
                    if ids.insert(id.to_owned(), ()).is_some() {
                        cx.errs.push(RuleError::new(
                            o.at("id"),
                            RuleErrorKind::Duplicate,
                            crate::msg!("duplicate campaign id `{id}`"),
                        ));
                    }
                }
                campaigns.extend(Campaign::decode(&o, &mut cx));
            }
        }
        if !errs.is_empty() {
            return Err(errs);
        }
        let ids: Vec<&str> = campaigns.iter().map(|c| c.id.as_str()).collect();
        let read_campaigns = crate::evaluation::read_campaigns(doc, &ids);
        let rules = Rules {
            read_campaigns,
            version,
            saved_groups,
            profile,
            segments,
            pressure,
            global_holdout_percent,
            campaigns,
        };
        Ok((rules, warnings))
    }

    /// The campaign with this id.
    pub fn campaign(&self, id: &str) -> Option<&Campaign> {
        self.campaigns.iter().find(|c| c.id == id)
    }
}

fn decode_groups(root: &Obj<'_>, errs: &mut Vec<RuleError>) -> SavedGroups {
    let Some(g) = root.opt_obj("saved_groups", errs) else {
        return Map::new();
    };
    let mut out = Map::new();
    for (k, v) in g.map {
        if v.as_array().is_some() {
            out.insert(k.clone(), v.clone());
        } else {
            errs.push(crate::decode::wrong_type(&g.at(k), "array", v));
        }
    }
    out
}

//! The campaigns of a site's current rules as the reports need them: ids,
//! names, holdout, goal (event, window, `where` condition); and the
//! site-wide control group with its built-in goal ([`super::global`]).
//!
//! [`Goals`] is plain data (`Send`), cached per site and rules ETag
//! ([`for_rules`]). The engine's compiled rules are not `Send` (compiled
//! regexes), so a goal's `where` condition is evaluated by [`Goals::matches`]
//! against rules compiled once per thread and ETag.

use super::global;
use parcours_engine::regex::EcmaRegex;
use parcours_engine::{Rules, Value};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::{Arc, Mutex, OnceLock};

/// A campaign's goal.
#[derive(Debug, Clone, PartialEq)]
pub struct Goal {
    /// The goal event's name.
    pub event: String,
    /// The conversion window after the first exposure, ms.
    pub within_ms: i64,
    /// Whether a `where` condition filters the goal events.
    pub has_where: bool,
}

/// One campaign of the rules.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignInfo {
    /// `id`.
    pub id: String,
    /// `name` (the id when absent).
    pub name: String,
    /// `holdout_percent`.
    pub holdout_percent: f64,
    /// The variants' ids, in the rules' order.
    pub variants: Vec<String>,
    /// The goal, if any.
    pub goal: Option<Goal>,
}

/// The campaigns of one version of a site's rules.
#[derive(Debug)]
pub struct Goals {
    /// The rules' ETag (empty: no rules).
    pub etag: String,
    document: String,
    /// Every campaign, in the rules' order.
    pub campaigns: Vec<CampaignInfo>,
    /// The site-wide control group, `global` ([`global::info`]).
    pub global: CampaignInfo,
}

impl Default for Goals {
    fn default() -> Goals {
        Goals {
            etag: String::new(),
            document: String::new(),
            campaigns: Vec::new(),
            global: global::info(0.0),
        }
    }
}

impl Goals {
    /// Decodes a stored rules document; a document the engine refuses
    /// gives no campaigns (it was validated when stored).
    pub fn parse(etag: &str, document: &str) -> Goals {
        let (campaigns, percent) = with_rules(etag, document, |rules| {
            let campaigns = rules
                .campaigns
                .iter()
                .map(|c| CampaignInfo {
                    id: c.id.clone(),
                    name: c.name.clone(),
                    holdout_percent: c.holdout_percent,
                    variants: c.variants.iter().map(|v| v.id.clone()).collect(),
                    goal: c.goal.as_ref().map(|g| Goal {
                        event: g.event.clone(),
                        within_ms: g.within_ms as i64,
                        has_where: g.filter.is_some(),
                    }),
                })
                .collect();
            (campaigns, rules.global_holdout_percent)
        })
        .unwrap_or_default();
        Goals {
            etag: etag.to_owned(),
            document: document.to_owned(),
            campaigns,
            global: global::info(percent),
        }
    }

    /// The campaigns, then the site-wide control group: everything a goal
    /// event may convert.
    pub fn with_global(&self) -> impl Iterator<Item = &CampaignInfo> {
        self.campaigns.iter().chain(std::iter::once(&self.global))
    }

    /// Whether any campaign's goal (or the control group's) is this event.
    pub fn is_goal_event(&self, name: &str) -> bool {
        self.with_global()
            .any(|c| c.goal.as_ref().is_some_and(|g| g.event == name))
    }

    /// The goal event names (each once).
    pub fn goal_events(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for g in self.with_global().filter_map(|c| c.goal.as_ref()) {
            if !out.contains(&g.event) {
                out.push(g.event.clone());
            }
        }
        out
    }

    /// The campaign with this id (`global`: the site-wide control group).
    pub fn campaign(&self, id: &str) -> Option<&CampaignInfo> {
        self.with_global().find(|c| c.id == id)
    }

    /// Whether an event with these properties satisfies campaign `id`'s
    /// goal `where` condition (true when it has none), evaluated with the
    /// engine's condition code, as the browser does.
    pub fn matches(&self, id: &str, properties: &Value) -> bool {
        let Some(goal) = self.campaign(id).and_then(|c| c.goal.as_ref()) else {
            return false;
        };
        if !goal.has_where {
            return true;
        }
        with_rules(&self.etag, &self.document, |rules| {
            rules.campaign(id).is_some_and(|c| {
                c.goal.as_ref().is_some_and(|g| {
                    g.filter
                        .as_ref()
                        .is_none_or(|f| f.eval(properties, &rules.saved_groups))
                })
            })
        })
        .unwrap_or(false)
    }
}

thread_local! {
    static COMPILED: RefCell<HashMap<String, Rc<Rules>>> = RefCell::new(HashMap::new());
}

/// Runs `f` on the compiled rules of `(etag, document)`, compiled at most
/// once per thread (a few versions kept).
fn with_rules<T>(etag: &str, document: &str, f: impl FnOnce(&Rules) -> T) -> Option<T> {
    let cached = COMPILED.with(|c| c.borrow().get(etag).cloned());
    let rules = match cached {
        Some(r) => r,
        None => {
            let doc: Value = serde_json::from_str(document).ok()?;
            let (rules, _) = Rules::from_value(&doc, &EcmaRegex).ok()?;
            let rules = Rc::new(rules);
            COMPILED.with(|c| {
                let mut c = c.borrow_mut();
                if c.len() >= 16 {
                    c.clear();
                }
                c.insert(etag.to_owned(), rules.clone());
            });
            rules
        }
    };
    Some(f(&rules))
}

fn cache() -> &'static Mutex<HashMap<String, Arc<Goals>>> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<Goals>>>> = OnceLock::new();
    CACHE.get_or_init(Default::default)
}

/// The cached [`Goals`] of a site if they are of the rules at `etag`.
pub fn cached(write_key: &str, etag: &str) -> Option<Arc<Goals>> {
    cache()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(write_key)
        .filter(|g| g.etag == etag)
        .cloned()
}

/// Decodes and caches a site's rules document (once per process and ETag).
pub fn remember(write_key: &str, etag: &str, document: &str) -> Arc<Goals> {
    let goals = Arc::new(Goals::parse(etag, document));
    cache()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(write_key.to_owned(), goals.clone());
    goals
}

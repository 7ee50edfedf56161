//! Preview, draft and debug links: `?parcours_preview=<campaign id>[:<variant id>]`,
//! `?parcours_draft=<token>` (the studio's unpublished rules, see
//! [`super::rules`]) and `?parcours_debug=1` on any page of the site.
//!
//! Both are read from the URL at start and on every SPA navigation (the link
//! may be followed inside the app), and last for the tab's session: they are
//! remembered in `sessionStorage` (`parcours:preview`, `parcours:draft`,
//! `parcours:debug`), so
//! the next pages of the tab keep them, a new tab does not, and closing the
//! tab ends them. Without consent to store they live in memory only (this
//! page), and are written once consent is given.
//!
//! `?parcours_preview=off` ends the preview, `?parcours_draft=off` the
//! draft, `?parcours_debug=0` (or `off`) the debug logging. An empty value
//! changes nothing.

use crate::storage::{Gate, Store};

/// The query parameter of preview links.
pub const PREVIEW_PARAM: &str = "parcours_preview";
/// The query parameter of draft links.
pub const DRAFT_PARAM: &str = "parcours_draft";
/// The query parameter of debug links.
pub const DEBUG_PARAM: &str = "parcours_debug";

/// Keys in `sessionStorage` (under `parcours:`).
mod keys {
    /// The preview link's value.
    pub const PREVIEW: &str = "preview";
    /// The draft link's token.
    pub const DRAFT: &str = "draft";
    /// `"1"` while debug logging is on for the tab.
    pub const DEBUG: &str = "debug";
}

/// What changed when a URL was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Changed {
    /// The preview started, moved to another campaign, or ended.
    pub preview: bool,
    /// The draft started, changed or ended.
    pub draft: bool,
    /// Debug logging was turned on or off.
    pub debug: bool,
}

/// The tab's preview and debug state.
pub struct Links {
    /// `sessionStorage`, behind the consent gate.
    tab: Store,
    /// The preview link's value (`<campaign id>[:<variant id>]`), while previewing.
    pub preview: Option<String>,
    /// The draft link's token, while the tab runs a studio draft.
    pub draft: Option<String>,
    /// Debug logging asked for by a link, for the tab's session.
    pub debug: bool,
    /// The preview was shown (or reported unknown) on this page.
    pub shown_on_page: bool,
}

impl Links {
    /// The state remembered for this tab, then the link in `query` (the
    /// page's query string, without `?`).
    pub fn new(gate: &Gate, query: &str) -> Links {
        let tab = Store::tab(gate);
        let mut links = Links {
            preview: tab.get(keys::PREVIEW).filter(|p| !p.is_empty()),
            draft: tab.get(keys::DRAFT).filter(|d| !d.is_empty()),
            debug: tab.get(keys::DEBUG).is_some_and(|d| d == "1"),
            tab,
            shown_on_page: false,
        };
        links.read(query);
        links
    }

    /// Reads the links of a page's query string (without `?`) and remembers
    /// what they changed for the tab.
    pub fn read(&mut self, query: &str) -> Changed {
        let mut changed = Changed::default();
        if !query.contains("parcours_") {
            return changed; // the usual page: no parsing
        }
        let Ok(params) = web_sys::UrlSearchParams::new_with_str(query) else {
            return changed;
        };
        changed.preview = read_value(&params, PREVIEW_PARAM, &mut self.preview);
        changed.draft = read_value(&params, DRAFT_PARAM, &mut self.draft);
        match params.get(DEBUG_PARAM).as_deref().map(str::trim) {
            None | Some("") => {}
            Some(v) => {
                let on = !matches!(v, "0" | "off" | "false");
                changed.debug = on != self.debug;
                self.debug = on;
            }
        }
        if changed.preview || changed.draft || changed.debug {
            self.persist();
        }
        changed
    }

    /// Writes the state to `sessionStorage` (nothing without consent to
    /// store; called again when it is given).
    pub fn persist(&self) {
        for (key, value) in [(keys::PREVIEW, &self.preview), (keys::DRAFT, &self.draft)] {
            match value {
                Some(v) => {
                    let _ = self.tab.set(key, v);
                }
                None => self.tab.remove(key),
            }
        }
        if self.debug {
            let _ = self.tab.set(keys::DEBUG, "1");
        } else {
            self.tab.remove(keys::DEBUG);
        }
    }

    /// Consent to store was refused or withdrawn: our `sessionStorage` keys
    /// go (the state stays in memory for this page).
    pub fn forget_stored(&self) {
        self.tab.clear_all();
    }
}

/// Reads a link that holds a value until `off` (preview, draft) into
/// `current`: whether it changed. An absent or empty value changes nothing.
fn read_value(params: &web_sys::UrlSearchParams, name: &str, current: &mut Option<String>) -> bool {
    match params.get(name).as_deref().map(str::trim) {
        None | Some("") => false,
        Some(parcours_engine::preview::OFF) => current.take().is_some(),
        Some(v) => {
            let changed = current.as_deref() != Some(v);
            *current = Some(v.to_owned());
            changed
        }
    }
}

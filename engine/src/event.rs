//! One touchpoint: what `track` and `page` calls record into the profile
//! and what computed traits, the history and campaign goals read.

use crate::value::Value;

/// What kind of call produced an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// `track(name, properties)`.
    Track,
    /// `page(properties)`: a page view.
    Page,
}

/// One touchpoint, as recorded into the profile.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Track or page.
    pub kind: EventKind,
    /// The event name (`"Order Completed"`); for page views, the page name or `""`.
    pub name: String,
    /// The properties object.
    pub properties: Value,
    /// When it happened, epoch ms.
    pub at_ms: f64,
}

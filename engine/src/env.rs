//! What the host tells the engine about now: the time, the time zone, the
//! page and the device.

/// Where and when the visitor is now, supplied by the host.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Env {
    /// Epoch ms.
    pub now_ms: f64,
    /// Minutes east of UTC.
    pub tz_offset_min: i32,
    /// The current page.
    pub page: Page,
    /// The device.
    pub device: Device,
}

/// The current page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Page {
    /// Full URL.
    pub url: String,
    /// Path, e.g. `/products/tshirt-1`.
    pub path: String,
    /// Query string without `?`.
    pub query: String,
    /// Document title.
    pub title: String,
    /// `document.referrer`.
    pub referrer: String,
}

/// The device.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Device {
    /// `mobile`, `tablet` or `desktop`.
    pub kind: String,
    /// BCP 47 language, e.g. `fr-FR`.
    pub language: String,
}

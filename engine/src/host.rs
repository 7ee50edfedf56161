//! What the script tag's wasm (the engine's `small` feature, in a wasm
//! build) takes from the page instead of carrying its own copy: core's
//! float parser past [`crate::number`]'s exact path, and Unicode
//! lower-casing past ASCII. Their tables and slow paths cost ≈ 20 KiB of
//! brotli'd wasm for inputs that are almost always short and ASCII.
//! Everywhere else (native builds, the tools module) core's own serve and
//! [`install`] does nothing.

/// The page's functions, registered once when the wasm is instantiated.
#[derive(Clone, Copy)]
pub struct Host {
    /// `parseFloat`, given text already checked to be a decimal.
    pub parse_f64: fn(&str) -> Option<f64>,
    /// `String.prototype.toLowerCase`, given text that is not all ASCII.
    pub lowercase: fn(&str) -> String,
}

#[cfg(all(feature = "small", target_arch = "wasm32"))]
static HOST: std::sync::OnceLock<Host> = std::sync::OnceLock::new();

/// Registers the page's functions (the first call wins).
pub fn install(host: Host) {
    #[cfg(all(feature = "small", target_arch = "wasm32"))]
    let _ = HOST.set(host);
    #[cfg(not(all(feature = "small", target_arch = "wasm32")))]
    let _ = host;
}

/// The registered functions, if any.
#[cfg(all(feature = "small", target_arch = "wasm32"))]
pub(crate) fn get() -> Option<&'static Host> {
    HOST.get()
}

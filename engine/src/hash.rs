//! GrowthBook's FNV-1a bucketing hash (versions 1 and 2), over UTF-16 code units.
//!
//! STUB: signatures fixed, bodies to be written.

/// GrowthBook's `hash(seed, value, version)`: a number in [0, 1), or `None`
/// for an unknown version.
pub fn hash(seed: &str, value: &str, version: u32) -> Option<f64> {
    let _ = (seed, value, version);
    todo!()
}

//! Per-campaign exposure state and the global pressure log.
//!
//! STUB: signatures fixed, bodies to be written.

use crate::value::Value;

/// What the visitor has been shown, clicked, dismissed and converted on.
#[derive(Debug, Clone, Default)]
pub struct Exposures {
    _private: (),
}

impl Exposures {
    /// As a plain value for storage.
    pub fn to_value(&self) -> Value {
        todo!()
    }

    /// Reads stored state back, leniently.
    pub fn from_value(v: &Value) -> Exposures {
        let _ = v;
        todo!()
    }
}

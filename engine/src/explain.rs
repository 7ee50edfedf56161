//! Why each campaign would or would not show.
//!
//! STUB: signatures fixed, bodies to be written.

use crate::value::Value;

/// The verdict for one campaign and the first reason it failed.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    /// Campaign id.
    pub campaign_id: String,
    /// Whether it would show.
    pub shown: bool,
}

impl Explanation {
    /// As a plain value for hosts.
    pub fn to_value(&self) -> Value {
        todo!()
    }
}

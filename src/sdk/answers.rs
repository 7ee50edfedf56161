//! A form's answers: traits merged through `identify` (the current user id,
//! or anonymous traits), and `Form Submitted` / `Review Submitted`.

use super::{with_sdk_or_defer, Sdk};
use crate::form::Answers;
use parcours_engine::value::Value;
use parcours_engine::EventKind;

/// Records the answers of the form `campaign`/`variant` showed.
pub fn form_answered(campaign: String, variant: String, a: Answers) {
    with_sdk_or_defer(move |s| s.form_answered(&campaign, &variant, a));
}

impl Sdk {
    fn form_answered(&mut self, campaign: &str, variant: &str, a: Answers) {
        if !a.traits.is_empty() {
            let user = self.visitor.profile.user_id.clone().unwrap_or_default();
            self.identify(&user, Value::Object(a.traits), None);
        }
        let mut props = a.props;
        props.insert("campaign_id".into(), campaign.into());
        props.insert("variant_id".into(), variant.into());
        props.insert("creative".into(), variant.into());
        if !a.order_id.is_null() {
            props.insert("order_id".into(), a.order_id);
        }
        let event = if a.review {
            if props.get("comment").is_none() {
                props.insert("comment".into(), Value::Null);
            }
            "Review Submitted"
        } else {
            let fields = a.answered.into_iter().map(Value::String).collect();
            props.insert("fields".into(), Value::Array(fields));
            "Form Submitted"
        };
        self.record(EventKind::Track, event, Value::Object(props));
    }
}

//! The mobile interstitial rule: on a phone, a pop-in on the first page of a
//! visit from a search engine is what Google calls an intrusive interstitial
//! (it covers the content the visitor came from the results to read, and
//! such pages rank lower). There, a campaign's `popin` is shown as a bottom
//! banner instead, unless the campaign says `"interstitial": "allow"`
//! ([`Interstitial`](crate::campaign::Interstitial)).
//!
//! The rule is decided from the evaluation context alone, so deciding and
//! explaining agree and every host gets it:
//! - `device.type` is `mobile` (tablets and desktops keep their pop-ins);
//! - `session.channel` is `organic` (the engine's classifier: a search
//!   engine's referrer, or `utm_medium=organic|seo|search`);
//! - `session.pageviews` is at most 1: the landing page of the session (0
//!   before the host recorded its page view). The next page of the same
//!   visit shows pop-ins again.

use crate::value::Value;

/// Whether a pop-in on this page would be an intrusive interstitial (see the
/// module docs): a phone, the first page of a session from organic search.
pub fn applies(ctx: &Value) -> bool {
    ctx.get_dotted("device.type").as_str() == Some("mobile")
        && ctx.get_dotted("session.channel").as_str() == Some("organic")
        && ctx
            .get_dotted("session.pageviews")
            .as_f64()
            .is_none_or(|n| n <= 1.0)
}

#[cfg(test)]
mod tests {
    use super::applies;
    use crate::value::Value;

    fn ctx(device: &str, channel: &str, pageviews: f64) -> Value {
        Value::from_pairs([
            ("device", Value::from_pairs([("type", device.into())])),
            (
                "session",
                Value::from_pairs([("channel", channel.into()), ("pageviews", pageviews.into())]),
            ),
        ])
    }

    #[test]
    fn a_phone_landing_from_search_is_an_interstitial_page() {
        assert!(applies(&ctx("mobile", "organic", 1.0)));
        assert!(
            applies(&ctx("mobile", "organic", 0.0)),
            "before the page view is recorded"
        );
    }

    #[test]
    fn the_next_page_another_device_or_channel_is_not() {
        assert!(!applies(&ctx("mobile", "organic", 2.0)));
        assert!(!applies(&ctx("tablet", "organic", 1.0)));
        assert!(!applies(&ctx("desktop", "organic", 1.0)));
        for channel in ["paid", "direct", "social", "email", "referral", "store_qr"] {
            assert!(!applies(&ctx("mobile", channel, 1.0)), "{channel}");
        }
        assert!(!applies(&Value::object()), "an empty context");
    }
}

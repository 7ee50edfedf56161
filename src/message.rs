//! Messages on the wire, in the Segment shape (spec §3): `type`,
//! `messageId` (assigned once, here), `anonymousId`, `userId`,
//! `event`/`name`, `properties`/`traits`, `context`, `timestamp`.

use crate::convert;
use crate::ids::uuid_v4;
use crate::outbox::Msg;
use parcours_engine::env::Page;
use parcours_engine::value::{Map, Value};

/// The SDK's name and version in `context.library`.
pub const LIBRARY: &str = "parcours";
/// This crate's version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// What every message of this page shares.
pub struct MsgContext<'a> {
    /// The visitor's anonymous id.
    pub anonymous_id: &'a str,
    /// The known user id.
    pub user_id: Option<&'a str>,
    /// The current page.
    pub page: &'a Page,
    /// `utm_*` parameters of the landing page.
    pub utm: &'a Map,
    /// Acquisition channel.
    pub channel: &'a str,
    /// `navigator.userAgent`.
    pub user_agent: &'a str,
    /// `navigator.language`.
    pub locale: &'a str,
}

/// The page properties Segment puts on page calls.
pub fn page_properties(page: &Page) -> Map {
    let mut m = Map::new();
    m.insert("path".into(), page.path.as_str().into());
    m.insert("url".into(), page.url.as_str().into());
    m.insert("title".into(), page.title.as_str().into());
    m.insert("referrer".into(), page.referrer.as_str().into());
    let search = if page.query.is_empty() {
        String::new()
    } else {
        ["?", &page.query].concat()
    };
    m.insert("search".into(), search.into());
    m
}

fn context(c: &MsgContext) -> Value {
    let mut ctx = Map::new();
    ctx.insert("page".into(), Value::Object(page_properties(c.page)));
    ctx.insert("userAgent".into(), c.user_agent.into());
    ctx.insert("locale".into(), c.locale.into());
    ctx.insert(
        "library".into(),
        Value::from_pairs([("name", LIBRARY.into()), ("version", VERSION.into())]),
    );
    if !c.utm.is_empty() {
        ctx.insert("campaign".into(), Value::Object(c.utm.clone()));
    }
    ctx.insert("channel".into(), c.channel.into());
    Value::Object(ctx)
}

/// Builds one message with a fresh `messageId`.
///
/// `kind` is `track` (then `name` is the event), `page` (`name` is the page
/// name) or `identify` (`payload` are the traits).
pub fn build(kind: &str, name: &str, payload: &Value, at_ms: f64, c: &MsgContext) -> Msg {
    let id = uuid_v4();
    let mut m = Map::new();
    m.insert("type".into(), kind.into());
    m.insert("messageId".into(), id.as_str().into());
    m.insert("anonymousId".into(), c.anonymous_id.into());
    if let Some(u) = c.user_id {
        m.insert("userId".into(), u.into());
    }
    let payload = if payload.as_object().is_some() {
        payload.clone()
    } else {
        Value::object()
    };
    match kind {
        "identify" => {
            m.insert("traits".into(), payload);
        }
        "page" => {
            let mut props = page_properties(c.page);
            if let Value::Object(p) = payload {
                props.extend(p);
            }
            let name = if name.is_empty() {
                c.page.title.as_str()
            } else {
                name
            };
            m.insert("name".into(), name.into());
            m.insert("properties".into(), Value::Object(props));
        }
        _ => {
            m.insert("event".into(), name.into());
            m.insert("properties".into(), payload);
        }
    }
    m.insert("context".into(), context(c));
    let ts: String = js_sys::Date::new(&at_ms.into()).to_iso_string().into();
    m.insert("timestamp".into(), ts.into());
    Msg {
        id,
        json: convert::value_to_json(&Value::Object(m)),
    }
}

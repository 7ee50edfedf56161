//! Messages on the wire, in the Segment shape (spec §3): `type`,
//! `messageId` (assigned once, here), `anonymousId`, `userId`,
//! `event`/`name`, `properties`/`traits`, `context`, `timestamp`.

use crate::ids::uuid_v4;
use crate::json::{write_map, Obj};
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
    /// A preview link is active in this tab: `context.preview = true`, so
    /// that no report counts what a marketer's preview sends.
    pub preview: bool,
}

/// The page properties Segment puts on page calls, then `extra`'s fields over them.
fn write_page(out: &mut String, page: &Page, extra: &Map) {
    let search = if page.query.is_empty() {
        String::new()
    } else {
        ["?", &page.query].concat()
    };
    let mut o = Obj::open(out);
    for (k, v) in [
        ("path", page.path.as_str()),
        ("url", page.url.as_str()),
        ("title", page.title.as_str()),
        ("referrer", page.referrer.as_str()),
        ("search", search.as_str()),
    ] {
        if !extra.contains_key(k) {
            o.str(k, v);
        }
    }
    for (k, v) in extra.iter() {
        o.value(k, v);
    }
    o.close();
}

fn write_context(out: &mut String, c: &MsgContext) {
    let mut ctx = Obj::open(out);
    write_page(ctx.key("page"), c.page, &Map::new());
    ctx.str("userAgent", c.user_agent).str("locale", c.locale);
    let mut lib = Obj::open(ctx.key("library"));
    lib.str("name", LIBRARY).str("version", VERSION);
    lib.close();
    if !c.utm.is_empty() {
        write_map(ctx.key("campaign"), c.utm);
    }
    ctx.str("channel", c.channel);
    if c.preview {
        ctx.key("preview").push_str("true");
    }
    ctx.close();
}

/// Builds one message with a fresh `messageId`.
///
/// `kind` is `track` (then `name` is the event), `page` (`name` is the page
/// name), `identify` (`payload` are the traits) or `alias` (`name` is the
/// `previousId`, `c.user_id` the `userId`).
pub fn build(kind: &str, name: &str, payload: &Value, at_ms: f64, c: &MsgContext) -> Msg {
    let id = uuid_v4();
    let empty = Map::new();
    let props = payload.as_object().unwrap_or(&empty);
    let mut json = String::with_capacity(512);
    let mut m = Obj::open(&mut json);
    m.str("type", kind)
        .str("messageId", &id)
        .str("anonymousId", c.anonymous_id);
    if let Some(u) = c.user_id {
        m.str("userId", u);
    }
    match kind {
        "identify" => {
            write_map(m.key("traits"), props);
        }
        "alias" => {
            m.str("previousId", name);
        }
        "page" => {
            let name = if name.is_empty() {
                c.page.title.as_str()
            } else {
                name
            };
            m.str("name", name);
            write_page(m.key("properties"), c.page, props);
        }
        _ => {
            m.str("event", name);
            write_map(m.key("properties"), props);
        }
    }
    write_context(m.key("context"), c);
    m.str("timestamp", &iso8601(at_ms));
    m.close();
    Msg { id, json }
}

/// `at_ms` as `Date.prototype.toISOString` writes it, written here for
/// the years 1970–9999 (one crossing into the page less per message); the
/// page's `Date` for the rest, and now for a time no `Date` can hold
/// (where `toISOString` throws).
fn iso8601(at_ms: f64) -> String {
    if (0.0..253_402_300_800_000.0).contains(&at_ms) {
        return parcours_engine::time::format_iso8601(at_ms);
    }
    let at = if at_ms.abs() <= 8.64e15 {
        at_ms
    } else {
        js_sys::Date::now()
    };
    js_sys::Date::new(&at.into()).to_iso_string().into()
}

#[cfg(test)]
mod tests {
    #[test]
    fn timestamps_read_as_to_iso_string_writes_them() {
        // Values from `new Date(ms).toISOString()` in Chromium.
        for (ms, iso) in [
            (0.0, "1970-01-01T00:00:00.000Z"),
            (1_764_767_999_999.9, "2025-12-03T13:19:59.999Z"),
            (951_782_400_000.0, "2000-02-29T00:00:00.000Z"),
            (253_402_300_799_999.0, "9999-12-31T23:59:59.999Z"),
        ] {
            assert_eq!(super::iso8601(ms), iso, "{ms}");
        }
    }
}

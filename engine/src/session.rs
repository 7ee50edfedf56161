//! Sessions and acquisition channels.
//!
//! A new session starts on the first event, after 30 minutes without an
//! event, at local midnight, or when a new campaign source arrives: a UTM
//! source/campaign, click id or store/QR code different from the session's,
//! or a new external referrer. A same-site referrer, or none, is never a new
//! source. Each session has one acquisition channel (see [`Source::detect`]),
//! documented in `docs/context.md`.

use crate::env::Page;
use crate::time::local_day;
use crate::value::{Map, Value};

/// Inactivity that ends a session: 30 minutes.
pub const SESSION_IDLE_MS: f64 = 30.0 * 60_000.0;

/// The five UTM parameters of a landing URL.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Utm {
    /// `utm_source`.
    pub source: Option<String>,
    /// `utm_medium`.
    pub medium: Option<String>,
    /// `utm_campaign`.
    pub campaign: Option<String>,
    /// `utm_term`.
    pub term: Option<String>,
    /// `utm_content`.
    pub content: Option<String>,
}

impl Utm {
    const KEYS: [&'static str; 5] = ["source", "medium", "campaign", "term", "content"];

    fn fields(&self) -> [&Option<String>; 5] {
        [
            &self.source,
            &self.medium,
            &self.campaign,
            &self.term,
            &self.content,
        ]
    }

    /// Whether no parameter is set.
    pub fn is_empty(&self) -> bool {
        self.fields().iter().all(|f| f.is_none())
    }

    /// The UTM parameters of a parsed query (`utm_source` → `source` …).
    pub fn from_query(q: &Map) -> Utm {
        let get = |k: &str| {
            q.get(&format!("utm_{k}"))
                .and_then(Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        Utm {
            source: get("source"),
            medium: get("medium"),
            campaign: get("campaign"),
            term: get("term"),
            content: get("content"),
        }
    }

    /// An object of the five keys; `null` for the missing ones when `with_nulls`.
    pub fn to_value(&self, with_nulls: bool) -> Value {
        let mut m = Map::new();
        for (k, f) in Self::KEYS.iter().zip(self.fields()) {
            match f {
                Some(s) => {
                    m.insert((*k).into(), Value::from(s.as_str()));
                }
                None if with_nulls => {
                    m.insert((*k).into(), Value::Null);
                }
                None => {}
            }
        }
        Value::Object(m)
    }

    /// Reads [`Utm::to_value`] back; anything else gives empty fields.
    pub fn from_value(v: &Value) -> Utm {
        let get = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
        Utm {
            source: get("source"),
            medium: get("medium"),
            campaign: get("campaign"),
            term: get("term"),
            content: get("content"),
        }
    }
}

/// Decodes `%XX` escapes and `+` (as a space) of a query component.
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => match (hex(b[i + 1]), hex(b[i + 2])) {
                (Some(h), Some(l)) => {
                    out.push((h * 16 + l) as u8);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Parses a query string (without `?`) into an object of strings; the first
/// occurrence of a repeated key wins.
///
/// ```
/// use parcours_engine::session::parse_query;
/// let q = parse_query("utm_source=news%20letter&x=1&x=2&flag");
/// assert_eq!(q.get("utm_source").and_then(|v| v.as_str()), Some("news letter"));
/// assert_eq!(q.get("x").and_then(|v| v.as_str()), Some("1"));
/// assert_eq!(q.get("flag").and_then(|v| v.as_str()), Some(""));
/// ```
pub fn parse_query(query: &str) -> Map {
    let mut m = Map::new();
    let query = query.strip_prefix('?').unwrap_or(query);
    for part in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        let k = percent_decode(k);
        if !k.is_empty() && !m.contains_key(&k) {
            m.insert(k, Value::from(percent_decode(v)));
        }
    }
    m
}

/// The lower-cased host of an absolute URL (`https://www.Google.fr/x` →
/// `www.google.fr`), without port or credentials; `None` when there is none.
pub fn url_host(url: &str) -> Option<String> {
    let rest = url.trim().split_once("//")?.1;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let host = authority.rsplit('@').next().unwrap_or(authority);
    let host = host.split(':').next().unwrap_or(host).to_ascii_lowercase();
    (!host.is_empty()).then_some(host)
}

/// The query string of a page: `page.query`, or what follows `?` in the URL.
pub fn page_query(page: &Page) -> &str {
    if !page.query.is_empty() {
        return page.query.strip_prefix('?').unwrap_or(&page.query);
    }
    let url = page.url.split('#').next().unwrap_or("");
    url.split_once('?').map_or("", |(_, q)| q)
}

/// Whether two hosts belong to the same site (ignoring `www.` and subdomains
/// of one another).
fn same_site(a: &str, b: &str) -> bool {
    let a = a.strip_prefix("www.").unwrap_or(a);
    let b = b.strip_prefix("www.").unwrap_or(b);
    a == b || a.ends_with(&format!(".{b}")) || b.ends_with(&format!(".{a}"))
}

/// What kind of site a referrer host is.
fn classify_host(host: &str) -> &'static str {
    let labels: Vec<&str> = host.split('.').collect();
    let has = |names: &[&str]| labels.iter().any(|l| names.contains(l));
    let is = |hosts: &[&str]| {
        hosts
            .iter()
            .any(|h| host == *h || host.ends_with(&format!(".{h}")))
    };
    if labels
        .first()
        .is_some_and(|l| *l == "mail" || *l == "webmail")
        || is(&[
            "outlook.live.com",
            "outlook.office.com",
            "outlook.office365.com",
            "mail.yahoo.com",
            "gmx.net",
            "laposte.net",
            "orange.fr",
            "free.fr",
            "proton.me",
            "protonmail.com",
        ])
    {
        "email"
    } else if is(&[
        "t.co",
        "x.com",
        "lnkd.in",
        "fb.com",
        "fb.me",
        "bsky.app",
        "threads.net",
        "youtu.be",
    ]) || has(&[
        "facebook",
        "instagram",
        "twitter",
        "linkedin",
        "pinterest",
        "reddit",
        "tiktok",
        "youtube",
        "snapchat",
        "whatsapp",
        "telegram",
        "tumblr",
        "vk",
        "mastodon",
    ]) {
        "social"
    } else if has(&[
        "google",
        "bing",
        "yahoo",
        "duckduckgo",
        "qwant",
        "ecosia",
        "baidu",
        "yandex",
        "startpage",
        "ask",
        "naver",
        "seznam",
        "lilo",
        "brave",
        "aol",
    ]) {
        "organic"
    } else {
        "referral"
    }
}

/// The channel of a `utm_medium` (lower-cased), `None` when unknown.
fn medium_channel(medium: &str) -> Option<&'static str> {
    let m = medium.to_ascii_lowercase();
    let m = m.as_str();
    Some(match m {
        "cpc" | "ppc" | "cpm" | "cpv" | "cpa" | "cpp" | "paid" | "paidsearch" | "paid_search"
        | "paid-search" | "display" | "banner" | "retargeting" | "remarketing" | "sem" | "ads" => {
            "paid"
        }
        _ if m.starts_with("paid") => "paid",
        "email" | "e-mail" | "e_mail" | "mail" | "newsletter" | "emailing" | "crm" => "email",
        "social" | "social-network" | "social_network" | "social-media" | "social_media" | "sm"
        | "organic_social" | "organic-social" => "social",
        "qr" | "qrcode" | "qr_code" | "qr-code" | "store" | "instore" | "in-store" | "in_store"
        | "print" | "offline" | "pos" => "store_qr",
        "organic" | "seo" | "search" => "organic",
        "referral" | "affiliate" | "partner" => "referral",
        _ => return None,
    })
}

/// Where the current page view came from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Source {
    /// `paid`, `email`, `social`, `store_qr`, `organic`, `referral`,
    /// `direct`, or `internal` (same-site or no new source).
    pub channel: &'static str,
    /// UTM parameters of the page.
    pub utm: Utm,
    /// `document.referrer` when external, else `""`.
    pub referrer: String,
    /// Identity of a campaign source (`utm:…`, `click:…`, `qr:…`, `ref:host`);
    /// `None` for direct and internal traffic, which never start a session.
    pub key: Option<String>,
}

impl Source {
    /// Detects the source of `page`: UTM parameters first, then click ids
    /// (`gclid`, `fbclid`, `msclkid`… → `paid`), store/QR codes (`store`,
    /// `qr` → `store_qr`), then the referrer's class; no referrer is `direct`.
    pub fn detect(page: &Page) -> Source {
        let query = parse_query(page_query(page));
        let utm = Utm::from_query(&query);
        let page_host = url_host(&page.url);
        let ref_host = url_host(&page.referrer);
        let external = match (&ref_host, &page_host) {
            (Some(r), Some(p)) => !same_site(r, p),
            (Some(_), None) => true,
            _ => false,
        };
        let referrer = if external {
            page.referrer.clone()
        } else {
            String::new()
        };
        let q = |k: &str| query.get(k).and_then(Value::as_str);
        if !utm.is_empty() {
            let channel = utm
                .medium
                .as_deref()
                .and_then(medium_channel)
                .or_else(|| (q("store").is_some() || q("qr").is_some()).then_some("store_qr"))
                .or_else(|| {
                    utm.source
                        .as_deref()
                        .map(|s| classify_host(&s.to_ascii_lowercase()))
                })
                .unwrap_or("referral");
            let key = format!(
                "utm:{}|{}",
                utm.source.as_deref().unwrap_or(""),
                utm.campaign.as_deref().unwrap_or("")
            );
            return Source {
                channel,
                utm,
                referrer,
                key: Some(key),
            };
        }
        for click in [
            "gclid",
            "gbraid",
            "wbraid",
            "dclid",
            "msclkid",
            "fbclid",
            "ttclid",
            "li_fat_id",
            "twclid",
        ] {
            if let Some(v) = q(click) {
                let key = Some(format!("click:{click}={v}"));
                return Source {
                    channel: "paid",
                    utm,
                    referrer,
                    key,
                };
            }
        }
        for code in ["store", "qr"] {
            if let Some(v) = q(code) {
                let key = Some(format!("qr:{code}={v}"));
                return Source {
                    channel: "store_qr",
                    utm,
                    referrer,
                    key,
                };
            }
        }
        match ref_host {
            Some(host) if external => Source {
                channel: classify_host(&host),
                utm,
                referrer,
                key: Some(format!(
                    "ref:{}",
                    host.strip_prefix("www.").unwrap_or(&host)
                )),
            },
            Some(_) => Source {
                channel: "internal",
                utm,
                referrer,
                key: None,
            },
            None => Source {
                channel: "direct",
                utm,
                referrer,
                key: None,
            },
        }
    }
}

/// One session of the visitor.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    /// Stable id: `<visit number>-<start ms>`.
    pub id: String,
    /// First event, epoch ms.
    pub start_ms: f64,
    /// Latest event, epoch ms.
    pub last_ms: f64,
    /// Page views in this session.
    pub pageviews: u32,
    /// Acquisition channel (never `internal`).
    pub channel: String,
    /// UTM parameters of the landing page.
    pub utm: Utm,
    /// External referrer of the landing page, or `""`.
    pub referrer: String,
    /// Path of the landing page.
    pub landing_path: String,
    /// The campaign source that started it, if any.
    pub source_key: Option<String>,
}

impl Session {
    /// Starts session number `number` at `at_ms` from `source` on `page`.
    pub fn start(number: u64, at_ms: f64, source: Source, page: &Page) -> Session {
        let channel = if source.channel == "internal" {
            "direct"
        } else {
            source.channel
        };
        Session {
            id: format!("{number}-{}", at_ms.max(0.0) as u64),
            start_ms: at_ms,
            last_ms: at_ms,
            pageviews: 0,
            channel: channel.into(),
            utm: source.utm,
            referrer: source.referrer,
            landing_path: page.path.clone(),
            source_key: source.key,
        }
    }

    /// Whether the session is still running at `now_ms` (not idle for 30
    /// minutes, same local day).
    pub fn is_live(&self, now_ms: f64, tz_offset_min: i32) -> bool {
        now_ms - self.last_ms < SESSION_IDLE_MS
            && local_day(now_ms, tz_offset_min) == local_day(self.last_ms, tz_offset_min)
    }

    /// Whether an event at `at_ms` from `source` must start a new session.
    pub fn ends_before(&self, at_ms: f64, tz_offset_min: i32, source: &Source) -> bool {
        if at_ms < self.last_ms {
            return false; // late or out-of-order event: it belongs here
        }
        !self.is_live(at_ms, tz_offset_min)
            || source
                .key
                .as_ref()
                .is_some_and(|k| Some(k) != self.source_key.as_ref())
    }

    /// The `Session Started` properties: `channel`, `utm`, `referrer`, `landing_path`.
    pub fn started_properties(&self) -> Value {
        Value::from_pairs([
            ("channel", Value::from(self.channel.as_str())),
            ("utm", self.utm.to_value(false)),
            ("referrer", Value::from(self.referrer.as_str())),
            ("landing_path", Value::from(self.landing_path.as_str())),
        ])
    }

    /// As a plain value, for storage.
    pub fn to_value(&self) -> Value {
        let mut v = self.started_properties();
        v.insert("id", self.id.as_str());
        v.insert("start_ms", self.start_ms);
        v.insert("last_ms", self.last_ms);
        v.insert("pageviews", self.pageviews);
        v.insert("source_key", self.source_key.clone());
        v
    }

    /// Reads [`Session::to_value`] back; `None` without a usable id and times.
    pub fn from_value(v: &Value) -> Option<Session> {
        let s = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
        let start_ms = v
            .get("start_ms")
            .and_then(Value::as_f64)
            .filter(|t| t.is_finite())?;
        let last_ms = v
            .get("last_ms")
            .and_then(Value::as_f64)
            .filter(|t| t.is_finite())
            .unwrap_or(start_ms);
        let id = s("id");
        if id.is_empty() {
            return None;
        }
        let pageviews = v.get("pageviews").and_then(Value::as_f64).unwrap_or(0.0);
        Some(Session {
            id,
            start_ms,
            last_ms: last_ms.max(start_ms),
            pageviews: pageviews.clamp(0.0, f64::from(u32::MAX)) as u32,
            channel: Some(s("channel"))
                .filter(|c| !c.is_empty())
                .unwrap_or_else(|| "direct".into()),
            utm: v.get("utm").map(Utm::from_value).unwrap_or_default(),
            referrer: s("referrer"),
            landing_path: s("landing_path"),
            source_key: v
                .get("source_key")
                .and_then(Value::as_str)
                .map(str::to_owned),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(url: &str, referrer: &str) -> Page {
        let path = url
            .split("//")
            .nth(1)
            .and_then(|r| r.find('/').map(|i| &r[i..]))
            .unwrap_or("/");
        Page {
            url: url.into(),
            path: path.split('?').next().unwrap_or("/").into(),
            query: String::new(),
            title: String::new(),
            referrer: referrer.into(),
        }
    }

    fn channel(url: &str, referrer: &str) -> &'static str {
        Source::detect(&page(url, referrer)).channel
    }

    #[test]
    fn utm_medium_decides_the_channel() {
        assert_eq!(
            channel("https://shop.example/?utm_medium=cpc&utm_source=google", ""),
            "paid"
        );
        assert_eq!(
            channel("https://shop.example/?utm_medium=Email", ""),
            "email"
        );
        assert_eq!(
            channel("https://shop.example/?utm_medium=social", ""),
            "social"
        );
        assert_eq!(
            channel(
                "https://shop.example/?utm_medium=qr&utm_source=store_42",
                ""
            ),
            "store_qr"
        );
        assert_eq!(
            channel("https://shop.example/?utm_source=facebook", ""),
            "social"
        );
        assert_eq!(
            channel("https://shop.example/?utm_source=partner_x", ""),
            "referral"
        );
    }

    #[test]
    fn click_ids_and_store_codes_have_their_own_channels() {
        assert_eq!(
            channel(
                "https://shop.example/p?gclid=abc",
                "https://www.google.com/"
            ),
            "paid"
        );
        assert_eq!(channel("https://shop.example/p?msclkid=1", ""), "paid");
        assert_eq!(
            channel("https://shop.example/p?store=paris-3", ""),
            "store_qr"
        );
        assert_eq!(channel("https://shop.example/p?qr=flyer", ""), "store_qr");
    }

    #[test]
    fn referrers_are_classified_by_host() {
        assert_eq!(
            channel("https://shop.example/", "https://www.google.fr/search?q=x"),
            "organic"
        );
        assert_eq!(
            channel("https://shop.example/", "https://duckduckgo.com/"),
            "organic"
        );
        assert_eq!(
            channel("https://shop.example/", "https://l.facebook.com/l.php"),
            "social"
        );
        assert_eq!(
            channel("https://shop.example/", "https://t.co/abc"),
            "social"
        );
        assert_eq!(
            channel("https://shop.example/", "https://mail.google.com/mail/u/0"),
            "email"
        );
        assert_eq!(
            channel("https://shop.example/", "https://blog.other.example/post"),
            "referral"
        );
        assert_eq!(channel("https://shop.example/", ""), "direct");
    }

    #[test]
    fn same_site_referrer_is_internal_and_no_source() {
        let s = Source::detect(&page(
            "https://www.shop.example/cart",
            "https://shop.example/p",
        ));
        assert_eq!((s.channel, s.key), ("internal", None));
        let s = Source::detect(&page(
            "https://shop.example/cart",
            "https://m.shop.example/",
        ));
        assert_eq!(s.channel, "internal");
    }

    #[test]
    fn query_and_hosts_parse_leniently() {
        assert_eq!(
            url_host("https://user:pw@Example.COM:8080/x?y"),
            Some("example.com".into())
        );
        assert_eq!(url_host("not a url"), None);
        assert_eq!(percent_decode("a%2Fb%zz%"), "a/b%zz%");
        assert_eq!(percent_decode("%E2%82%AC+1"), "€ 1");
        assert_eq!(percent_decode("%"), "%");
        assert_eq!(percent_decode("%4"), "%4");
        let mut p = page("https://shop.example/p?a=1#frag", "");
        assert_eq!(page_query(&p), "a=1");
        p.query = "?b=2".into();
        assert_eq!(page_query(&p), "b=2");
    }

    #[test]
    fn a_new_campaign_source_ends_the_session() {
        let p = page("https://shop.example/", "https://www.google.com/");
        let s = Session::start(1, 0.0, Source::detect(&p), &p);
        assert!(!s.ends_before(60_000.0, 0, &Source::detect(&p)));
        let internal = page("https://shop.example/x", "https://shop.example/");
        assert!(!s.ends_before(60_000.0, 0, &Source::detect(&internal)));
        let direct = page("https://shop.example/x", "");
        assert!(!s.ends_before(60_000.0, 0, &Source::detect(&direct)));
        let mail = page("https://shop.example/?utm_source=nl&utm_medium=email", "");
        assert!(s.ends_before(60_000.0, 0, &Source::detect(&mail)));
        assert!(s.ends_before(SESSION_IDLE_MS, 0, &Source::detect(&direct)));
    }
}

//! Who is calling an ingestion endpoint: the write key (HTTP Basic user or
//! password part, else the body's `writeKey`), whether it is a server-side
//! source (the site's source key as the Basic password), and the client's
//! address for the rate limit (`X-Forwarded-For` only from trusted proxies).

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::HeaderMap;
use base64::Engine as _;
use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use crate::sites::{same_secret, Sites};
use crate::AppError;

/// The authenticated caller of an ingestion endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The site.
    pub write_key: String,
    /// Sent the site's source key: may post `userId`-only and `store` messages, not rate limited.
    pub source: bool,
}

/// HTTP Basic credentials: `(user, password)`, either possibly empty.
pub fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );
    let decoded = String::from_utf8(engine.decode(encoded.trim()).ok()?).ok()?;
    let (user, password) = decoded.split_once(':').unwrap_or((&decoded, ""));
    Some((user.to_owned(), password.to_owned()))
}

/// Finds the write key and checks the source key. Segment's clients send
/// the key as the Basic user, some others as the password; a Basic password
/// beside a user is the source key and must be right.
pub fn identify(
    sites: &Sites,
    headers: &HeaderMap,
    body_key: Option<&str>,
) -> Result<Caller, AppError> {
    let (key, password) = match basic_credentials(headers) {
        Some((u, p)) if !u.is_empty() => (u, Some(p).filter(|p| !p.is_empty())),
        Some((_, p)) if !p.is_empty() => (p, None),
        _ => match body_key.filter(|k| !k.is_empty()) {
            Some(k) => (k.to_owned(), None),
            None => {
                return Err(AppError::Unauthorized(
                    "missing writeKey (HTTP Basic user or password, or writeKey in the body)"
                        .into(),
                ))
            }
        },
    };
    let source = match password {
        None => false,
        Some(p) if p == key => false,
        Some(p) => match &sites.get(&key).source_key {
            Some(sk) if same_secret(&p, &sk.0) => true,
            _ => {
                return Err(AppError::Unauthorized(
                    "wrong source key (the HTTP Basic password)".into(),
                ))
            }
        },
    };
    Ok(Caller {
        write_key: key,
        source,
    })
}

/// The peer address of the connection, when served over a socket.
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub Option<IpAddr>);

impl<S: Send + Sync> FromRequestParts<S> for Peer {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Infallible> {
        Ok(Peer(
            parts
                .extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|c| c.0.ip()),
        ))
    }
}

/// The client's address: the peer, or, when the peer is a trusted proxy,
/// the last `X-Forwarded-For` entry that is not a trusted proxy.
pub fn client_ip(peer: Peer, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    let peer = peer.0.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    if !trusted.contains(&peer) {
        return peer;
    }
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|s| s.trim().parse::<IpAddr>().ok())
        .collect::<Vec<_>>();
    forwarded
        .into_iter()
        .rev()
        .find(|ip| !trusted.contains(ip))
        .unwrap_or(peer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with_auth(v: &'static str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(AUTHORIZATION, HeaderValue::from_static(v));
        h
    }

    #[test]
    fn the_key_comes_from_the_basic_user_or_password_or_the_body() {
        let sites = Sites::default();
        // base64("demo:"), base64(":demo"), base64("demo")
        for v in ["Basic ZGVtbzo=", "Basic OmRlbW8=", "basic ZGVtbw"] {
            let c = identify(&sites, &with_auth(v), None).unwrap();
            assert_eq!((c.write_key.as_str(), c.source), ("demo", false), "{v}");
        }
        let c = identify(&sites, &HeaderMap::new(), Some("body")).unwrap();
        assert_eq!(c.write_key, "body");
        assert!(identify(&sites, &HeaderMap::new(), None).is_err());
        assert!(identify(&sites, &with_auth("Basic Og=="), Some("")).is_err());
        // base64("demo:nope"): a password that is not the source key.
        assert!(identify(&sites, &with_auth("Basic ZGVtbzpub3Bl"), None).is_err());
    }

    #[test]
    fn forwarded_for_counts_only_behind_a_trusted_proxy() {
        let proxy: IpAddr = "10.0.0.1".parse().unwrap();
        let mut h = HeaderMap::new();
        h.insert(
            "x-forwarded-for",
            HeaderValue::from_static("1.1.1.1, 2.2.2.2"),
        );
        assert_eq!(client_ip(Peer(Some(proxy)), &h, &[]), proxy);
        assert_eq!(
            client_ip(Peer(Some(proxy)), &h, &[proxy]),
            "2.2.2.2".parse::<IpAddr>().unwrap()
        );
    }
}

//! User tokens: a site's backend vouches that the visitor is `userId`.
//!
//! `v1.<base64url(JSON {"site": writeKey, "sub": userId, "exp": unix seconds})>.<base64url(HMAC-SHA256(site secret, the text before the last dot))>`
//! (base64url without padding), sent as `Authorization: Bearer <token>`.
//! Only the site's backend holds the secret (`user_token_secret` in the
//! `--sites` file), so a token cannot be made in the browser.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// base64url, padding optional (some encoders add it).
const B64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// What a token says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The site's write key.
    pub site: String,
    /// The user id.
    pub sub: String,
    /// Expiry, in Unix seconds.
    pub exp: i64,
}

/// Why a token is refused (each is a 401).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// No `Authorization: Bearer` header.
    #[error("a user token is required (Authorization: Bearer <token>)")]
    Missing,
    /// The site has no `user_token_secret`, so it accepts no token.
    #[error("this site accepts no user token (no user_token_secret configured)")]
    NoSecret,
    /// Not `v1.<payload>.<signature>` with a JSON payload.
    #[error("malformed user token: {0}")]
    Malformed(&'static str),
    /// The signature is not the site secret's.
    #[error("the user token's signature is wrong")]
    BadSignature,
    /// Signed for another site.
    #[error("the user token is for another site")]
    WrongSite,
    /// Signed for another user.
    #[error("the user token is for another userId")]
    WrongUser,
    /// Past its `exp`.
    #[error("the user token expired")]
    Expired,
}

fn mac(secret: &[u8], text: &str) -> Hmac<Sha256> {
    let mut m = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    m.update(text.as_bytes());
    m
}

/// Makes a token (a site backend's job; here for tests and tools).
pub fn sign(secret: &[u8], claims: &Claims) -> String {
    sign_as("v1.", secret, claims)
}

/// Makes a token of this format under another `prefix` (the server's own
/// draft tokens are `d1.`, signed with a key only the server holds).
pub fn sign_as(prefix: &str, secret: &[u8], claims: &Claims) -> String {
    let json = serde_json::to_vec(claims).expect("claims serialise");
    let text = format!("{prefix}{}", URL_SAFE_NO_PAD.encode(json));
    let sig = mac(secret, &text).finalize().into_bytes();
    format!("{text}.{}", URL_SAFE_NO_PAD.encode(sig))
}

/// Checks `token` for `site` and `user_id` at `now` (Unix seconds). The
/// signature is checked first, in constant time, before the payload is read.
pub fn verify(
    secret: &[u8],
    token: &str,
    site: &str,
    user_id: &str,
    now: i64,
) -> Result<Claims, TokenError> {
    let claims = verify_for_site(secret, token, site, now)?;
    if claims.sub != user_id {
        return Err(TokenError::WrongUser);
    }
    Ok(claims)
}

/// Checks `token` for `site` at `now`, whoever it names: the caller learns
/// the user id from the returned claims (`GET /v1/profile`).
pub fn verify_for_site(
    secret: &[u8],
    token: &str,
    site: &str,
    now: i64,
) -> Result<Claims, TokenError> {
    verify_as("v1.", secret, token, site, now)
}

/// [`verify_for_site`] for tokens made by [`sign_as`] with `prefix`.
pub fn verify_as(
    prefix: &str,
    secret: &[u8],
    token: &str,
    site: &str,
    now: i64,
) -> Result<Claims, TokenError> {
    let (text, sig) = token.rsplit_once('.').ok_or(TokenError::Malformed(
        "expected <version>.<payload>.<signature>",
    ))?;
    let payload = text
        .strip_prefix(prefix)
        .ok_or(TokenError::Malformed("unknown version"))?;
    let sig = B64
        .decode(sig)
        .map_err(|_| TokenError::Malformed("the signature is not base64url"))?;
    mac(secret, text)
        .verify_slice(&sig)
        .map_err(|_| TokenError::BadSignature)?;
    let json = B64
        .decode(payload)
        .map_err(|_| TokenError::Malformed("the payload is not base64url"))?;
    let claims: Claims = serde_json::from_slice(&json)
        .map_err(|_| TokenError::Malformed("the payload is not {site, sub, exp}"))?;
    if claims.site != site {
        return Err(TokenError::WrongSite);
    }
    if claims.exp <= now {
        return Err(TokenError::Expired);
    }
    Ok(claims)
}

/// The current Unix time in seconds.
pub fn now_unix() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: i64) -> Claims {
        Claims {
            site: "shop".into(),
            sub: "u-1".into(),
            exp,
        }
    }

    #[test]
    fn a_signed_token_verifies_and_every_flaw_is_named() {
        let t = sign(b"k", &claims(2000));
        assert_eq!(verify(b"k", &t, "shop", "u-1", 1000), Ok(claims(2000)));
        assert_eq!(
            verify(b"k", &t, "shop", "u-1", 2000),
            Err(TokenError::Expired)
        );
        assert_eq!(
            verify(b"k", &t, "other", "u-1", 0),
            Err(TokenError::WrongSite)
        );
        assert_eq!(
            verify(b"k", &t, "shop", "u-2", 0),
            Err(TokenError::WrongUser)
        );
        assert_eq!(
            verify(b"x", &t, "shop", "u-1", 0),
            Err(TokenError::BadSignature)
        );
        assert!(matches!(
            verify(b"k", "garbage", "shop", "u-1", 0),
            Err(TokenError::Malformed(_))
        ));
        let v2 = t.replacen("v1.", "v2.", 1);
        assert!(matches!(
            verify(b"k", &v2, "shop", "u-1", 0),
            Err(TokenError::Malformed(_))
        ));
    }

    #[test]
    fn the_format_is_the_documented_one() {
        // Same bytes as the README's Node and openssl examples.
        let text = format!(
            "v1.{}",
            URL_SAFE_NO_PAD.encode(r#"{"site":"demo","sub":"user-42","exp":1893456000}"#)
        );
        let sig = URL_SAFE_NO_PAD.encode(mac(b"demo-user-secret", &text).finalize().into_bytes());
        let token = format!("{text}.{sig}");
        assert_eq!(token, "v1.eyJzaXRlIjoiZGVtbyIsInN1YiI6InVzZXItNDIiLCJleHAiOjE4OTM0NTYwMDB9.fLsyeTjlY9BOIzJARSOg2KHVHGvrDgD_yEzT-KeRTeA");
        assert_eq!(
            token,
            sign(
                b"demo-user-secret",
                &Claims {
                    site: "demo".into(),
                    sub: "user-42".into(),
                    exp: 1_893_456_000
                }
            )
        );
        assert!(verify(b"demo-user-secret", &token, "demo", "user-42", 0).is_ok());
    }
}

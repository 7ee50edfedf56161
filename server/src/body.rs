//! Request bodies: `Content-Encoding: gzip` and `deflate` are decoded, and
//! the size limit applies to the decoded bytes, so a small zip bomb is a 413.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::header::CONTENT_ENCODING;
use axum::http::{HeaderMap, StatusCode};
use flate2::read::{DeflateDecoder, MultiGzDecoder, ZlibDecoder};
use std::io::Read;

use crate::AppError;

/// The default `--max-body`: Segment's batch limit.
pub const DEFAULT_MAX_BODY: usize = 500 * 1024;

/// The body as sent, decoded, at most `limit` bytes after decoding.
pub fn decode(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    limit: usize,
) -> Result<Bytes, AppError> {
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::PayloadTooLarge { limit }
        } else {
            AppError::BadRequest(e.body_text())
        }
    })?;
    let encoding = headers
        .get(CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("identity")
        .trim()
        .to_ascii_lowercase();
    match encoding.as_str() {
        "" | "identity" => {
            if body.len() > limit {
                return Err(AppError::PayloadTooLarge { limit });
            }
            Ok(body)
        }
        "gzip" | "x-gzip" => read_limited(MultiGzDecoder::new(&body[..]), limit, "gzip"),
        // HTTP's deflate is zlib-wrapped; some clients send raw deflate.
        "deflate" => {
            read_limited(ZlibDecoder::new(&body[..]), limit, "deflate").or_else(|e| match e {
                AppError::PayloadTooLarge { .. } => Err(e),
                _ => read_limited(DeflateDecoder::new(&body[..]), limit, "deflate"),
            })
        }
        other => Err(AppError::UnsupportedEncoding(other.to_owned())),
    }
}

fn read_limited(r: impl Read, limit: usize, name: &str) -> Result<Bytes, AppError> {
    let mut out = Vec::new();
    r.take(limit as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| AppError::BadRequest(format!("the {name} body cannot be decoded: {e}")))?;
    if out.len() > limit {
        return Err(AppError::PayloadTooLarge { limit });
    }
    Ok(out.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;
    use flate2::write::{GzEncoder, ZlibEncoder};
    use flate2::Compression;
    use std::io::Write;

    fn encoded(enc: &'static str, data: &[u8]) -> (HeaderMap, Bytes) {
        let bytes = match enc {
            "gzip" => {
                let mut e = GzEncoder::new(Vec::new(), Compression::fast());
                e.write_all(data).unwrap();
                e.finish().unwrap()
            }
            _ => {
                let mut e = ZlibEncoder::new(Vec::new(), Compression::fast());
                e.write_all(data).unwrap();
                e.finish().unwrap()
            }
        };
        let mut h = HeaderMap::new();
        h.insert(CONTENT_ENCODING, HeaderValue::from_static(enc));
        (h, bytes.into())
    }

    #[test]
    fn gzip_and_deflate_are_decoded_and_the_limit_is_on_the_decoded_size() {
        for enc in ["gzip", "deflate"] {
            let (h, b) = encoded(enc, b"{\"batch\":[]}");
            assert_eq!(&decode(&h, Ok(b), 100).unwrap()[..], b"{\"batch\":[]}");
            let (h, bomb) = encoded(enc, &vec![b' '; 1 << 20]);
            assert!(bomb.len() < 10_000);
            assert!(matches!(
                decode(&h, Ok(bomb), 1000),
                Err(AppError::PayloadTooLarge { limit: 1000 })
            ));
        }
        let mut h = HeaderMap::new();
        h.insert(CONTENT_ENCODING, HeaderValue::from_static("br"));
        assert!(matches!(
            decode(&h, Ok(Bytes::from_static(b"x")), 10),
            Err(AppError::UnsupportedEncoding(_))
        ));
    }
}

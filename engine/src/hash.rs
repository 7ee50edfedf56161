//! GrowthBook's FNV-1a bucketing hash (versions 1 and 2), over UTF-16 code units.
//!
//! The browser SDK hashes with `charCodeAt`, so the input units are UTF-16
//! code units; hashing `str::encode_utf16` gives the same buckets for
//! non-ASCII ids (other SDKs hash UTF-8 bytes or code points and only agree
//! on ASCII). Results are exact `f64`s: `n / 1000` or `n / 10000`.
//!
//! ```
//! use parcours_engine::hash::hash;
//! assert_eq!(hash("", "a", 1), Some(0.22));
//! assert_eq!(hash("seed", "a", 99), None);
//! ```

const FNV_OFFSET_BASIS: u32 = 0x811C_9DC5;
const FNV_PRIME: u32 = 0x0100_0193;

/// 32-bit FNV-1a over a sequence of UTF-16 code units.
fn fnv1a32_units(units: impl Iterator<Item = u16>) -> u32 {
    units.fold(FNV_OFFSET_BASIS, |h, unit| {
        (h ^ u32::from(unit)).wrapping_mul(FNV_PRIME)
    })
}

/// 32-bit FNV-1a of `s`, over its UTF-16 code units (GrowthBook's `hashFnv32a`).
///
/// ```
/// use parcours_engine::hash::fnv1a32;
/// assert_eq!(fnv1a32(""), 0x811C_9DC5);
/// ```
pub fn fnv1a32(s: &str) -> u32 {
    fnv1a32_units(s.encode_utf16())
}

/// FNV-1a of the decimal text of `n` (the inner step of hash version 2),
/// formatted on the stack.
fn fnv1a32_decimal(n: u32) -> u32 {
    let mut digits = [0u8; 10];
    let mut start = digits.len();
    let mut rest = n;
    loop {
        start -= 1;
        // `rest % 10` is below 10, so the cast is lossless.
        digits[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    fnv1a32_units(digits[start..].iter().map(|&b| u16::from(b)))
}

/// GrowthBook's `hash(seed, value, version)`: a number in [0, 1), or `None`
/// for an unknown version.
///
/// - Version 1: FNV-1a of `value + seed`, modulo 1000, divided by 1000.
/// - Version 2: FNV-1a of the decimal text of FNV-1a(`seed + value`),
///   modulo 10000, divided by 10000.
pub fn hash(seed: &str, value: &str, version: u32) -> Option<f64> {
    match version {
        1 => {
            let n = fnv1a32_units(value.encode_utf16().chain(seed.encode_utf16()));
            Some(f64::from(n % 1000) / 1000.0)
        }
        2 => {
            let first = fnv1a32_units(seed.encode_utf16().chain(value.encode_utf16()));
            Some(f64::from(fnv1a32_decimal(first) % 10_000) / 10_000.0)
        }
        _ => None,
    }
}

/// The version-2 bucket of `value` under `seed`, in [0, 1): what variant and
/// holdout assignment use (`hash(seed, value, 2)`).
///
/// ```
/// use parcours_engine::hash::{bucket, hash};
/// assert_eq!(Some(bucket("campaign-1", "anon-42")), hash("campaign-1", "anon-42", 2));
/// ```
pub fn bucket(seed: &str, value: &str) -> f64 {
    let first = fnv1a32_units(seed.encode_utf16().chain(value.encode_utf16()));
    f64::from(fnv1a32_decimal(first) % 10_000) / 10_000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_hash_matches_hashing_the_formatted_number() {
        for n in [0, 7, 10, 4_294_967_295, 123_456_789] {
            assert_eq!(fnv1a32_decimal(n), fnv1a32(&n.to_string()));
        }
    }

    #[test]
    fn non_ascii_ids_hash_utf16_code_units() {
        // "😀" is two UTF-16 units; hashing its UTF-8 bytes would differ.
        let by_units = fnv1a32_units([0xD83D, 0xDE00].into_iter());
        assert_eq!(fnv1a32("😀"), by_units);
    }

    #[test]
    fn unknown_versions_give_none() {
        assert_eq!(hash("a", "b", 0), None);
        assert_eq!(hash("a", "b", 3), None);
    }
}

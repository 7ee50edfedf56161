//! A [`Value`] packed into bytes: how the history keeps each event's
//! properties in memory.
//!
//! A `Value` object costs an allocation per key and per string, and a
//! 16-byte slot per entry: with 5,000 e-commerce events of ten properties,
//! the history took ≈ 5 MiB more wasm memory than packed (the track
//! benchmark before and after, 8.4 → 3.5 MiB). Packed, such an event is
//! one allocation of under 200 bytes (tested below). History
//! events never change once recorded, and are read back only when trait
//! definitions change, a delayed trigger looks for its event, or the
//! profile is written: [`unpack`] then rebuilds the `Value`.
//!
//! Layout: one tag byte, then a payload. Whole numbers in `i32` are a
//! zig-zag varint (`-0` is not), other numbers 8 bytes little-endian;
//! strings, arrays and objects start with their length as a varint.
//!
//! ```
//! use parcours_engine::packed::{pack, unpack};
//! use parcours_engine::Value;
//! let v = Value::from_pairs([("sku", "TSHIRT-1".into()), ("price", 25.0.into())]);
//! let mut bytes = Vec::new();
//! pack(&v, &mut bytes);
//! assert_eq!(unpack(&bytes), Some((v, &[][..])));
//! ```

use crate::value::{Map, Value};

const NULL: u8 = 0;
const FALSE: u8 = 1;
const TRUE: u8 = 2;
const INT: u8 = 3;
const FLOAT: u8 = 4;
const STRING: u8 = 5;
const ARRAY: u8 = 6;
const OBJECT: u8 = 7;

/// Appends `v` packed to `out`.
pub fn pack(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::Null => out.push(NULL),
        Value::Bool(false) => out.push(FALSE),
        Value::Bool(true) => out.push(TRUE),
        Value::Number(n) => {
            let i = *n as i32;
            if f64::from(i) == *n && !(i == 0 && n.is_sign_negative()) {
                out.push(INT);
                varint(((i << 1) ^ (i >> 31)) as u32, out);
            } else {
                out.push(FLOAT);
                out.extend_from_slice(&n.to_le_bytes());
            }
        }
        Value::String(s) => {
            out.push(STRING);
            pack_str(s, out);
        }
        Value::Array(items) => {
            out.push(ARRAY);
            varint(items.len() as u32, out);
            for x in items {
                pack(x, out);
            }
        }
        Value::Object(m) => {
            out.push(OBJECT);
            varint(m.len() as u32, out);
            for (k, x) in m {
                pack_str(k, out);
                pack(x, out);
            }
        }
    }
}

/// Appends a string (length, then UTF-8) with no tag.
pub fn pack_str(s: &str, out: &mut Vec<u8>) {
    varint(s.len() as u32, out);
    out.extend_from_slice(s.as_bytes());
}

/// The value at the start of `bytes` and what follows it; `None` when
/// the bytes are not a packed value.
pub fn unpack(bytes: &[u8]) -> Option<(Value, &[u8])> {
    let (&tag, rest) = bytes.split_first()?;
    Some(match tag {
        NULL => (Value::Null, rest),
        FALSE => (Value::Bool(false), rest),
        TRUE => (Value::Bool(true), rest),
        INT => {
            let (z, rest) = read_varint(rest)?;
            let i = ((z >> 1) as i32) ^ -((z & 1) as i32);
            (Value::Number(f64::from(i)), rest)
        }
        FLOAT => {
            let (n, rest) = rest.split_first_chunk::<8>()?;
            (Value::Number(f64::from_le_bytes(*n)), rest)
        }
        STRING => {
            let (s, rest) = unpack_str(rest)?;
            (Value::String(s.to_owned()), rest)
        }
        ARRAY => {
            let (n, mut rest) = read_varint(rest)?;
            let mut items = Vec::with_capacity((n as usize).min(rest.len()));
            for _ in 0..n {
                let (x, r) = unpack(rest)?;
                items.push(x);
                rest = r;
            }
            (Value::Array(items), rest)
        }
        OBJECT => {
            let (n, mut rest) = read_varint(rest)?;
            let mut m = Map::new();
            for _ in 0..n {
                let (k, r) = unpack_str(rest)?;
                let (x, r) = unpack(r)?;
                m.insert(k.to_owned(), x);
                rest = r;
            }
            (Value::Object(m), rest)
        }
        _ => return None,
    })
}

/// The string [`pack_str`] wrote at the start of `bytes`, borrowed.
pub fn unpack_str(bytes: &[u8]) -> Option<(&str, &[u8])> {
    let (n, rest) = read_varint(bytes)?;
    let (s, rest) = rest.split_at_checked(n as usize)?;
    Some((std::str::from_utf8(s).ok()?, rest))
}

fn varint(mut n: u32, out: &mut Vec<u8>) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn read_varint(bytes: &[u8]) -> Option<(u32, &[u8])> {
    let mut n = 0u32;
    for (i, &b) in bytes.iter().enumerate().take(5) {
        n |= u32::from(b & 0x7f) << (7 * i);
        if b < 0x80 {
            return Some((n, &bytes[i + 1..]));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(v: &Value) -> Value {
        let mut b = Vec::new();
        pack(v, &mut b);
        let (back, rest) = unpack(&b).expect("unpacks");
        assert!(rest.is_empty());
        back
    }

    #[test]
    fn every_kind_of_value_comes_back_the_same() {
        let nested = Value::from_pairs([
            (
                "a",
                Value::Array(vec![Value::Null, true.into(), false.into()]),
            ),
            ("é", "ünï\u{1F600}".into()),
            ("o", Value::from_pairs([("x", Value::object())])),
        ]);
        for n in [
            0.0,
            1.0,
            -1.0,
            25.0,
            19.99,
            1e300,
            -2147483648.0,
            2147483648.0,
            1.7e12,
        ] {
            assert_eq!(round_trip(&Value::Number(n)), Value::Number(n), "{n}");
        }
        let neg_zero = round_trip(&Value::Number(-0.0));
        assert!(neg_zero
            .as_f64()
            .is_some_and(|z| z == 0.0 && z.is_sign_negative()));
        assert_eq!(round_trip(&nested), nested);
    }

    #[test]
    fn a_product_event_packs_into_under_two_hundred_bytes() {
        // What the track benchmark records (the demo shop's product properties).
        let props = Value::from_pairs([
            ("product_id", "TSHIRT-1".into()),
            ("sku", "TSHIRT-1".into()),
            ("name", "Essential tee".into()),
            ("price", 25.0.into()),
            ("category", "tshirts".into()),
            ("currency", "EUR".into()),
            ("list_id", "all".into()),
            ("position", 3.0.into()),
            ("bench_tag", "granted".into()),
            ("bench_seq", 4321.0.into()),
        ]);
        let mut b = Vec::new();
        pack_str("Product Viewed", &mut b);
        pack(&props, &mut b);
        assert!(b.len() < 200, "{} bytes", b.len());
    }

    #[test]
    fn small_whole_numbers_take_one_or_two_bytes() {
        let mut b = Vec::new();
        pack(&Value::Number(25.0), &mut b);
        assert_eq!(b.len(), 2);
    }

    #[test]
    fn truncated_or_unknown_bytes_are_refused_not_misread() {
        let mut b = Vec::new();
        pack(&Value::from_pairs([("sku", "TSHIRT-1".into())]), &mut b);
        for cut in 0..b.len() {
            assert_eq!(unpack(&b[..cut]), None, "cut at {cut}");
        }
        assert_eq!(unpack(&[9]), None);
        assert_eq!(unpack(&[STRING, 2, 0xff, 0xfe]), None);
    }
}

//! Decimal text to `f64`, without core's float parser in the script tag.
//!
//! `str::parse::<f64>` brings ≈ 13 KiB of brotli'd wasm (a 10 KB table of
//! powers of five and a big-number slow path) for numbers that are almost
//! always short: prices, counts, percentages. [`parse`] converts those
//! exactly itself (significant digits below 2^53, a power of ten up to
//! 10^22: one correctly rounded multiplication or division), and hands
//! the rare rest to core's parser, or, with the `small` feature in a wasm
//! build, to the host's (the SDK registers the page's `parseFloat`, see
//! [`crate::host`]), which rounds as correctly.
//!
//! ```
//! use parcours_engine::number::parse;
//! assert_eq!(parse("19.99"), Some(19.99));
//! assert_eq!(parse("-1e3"), Some(-1000.0));
//! assert_eq!(parse(".5"), Some(0.5));
//! assert_eq!(parse("1e"), None);
//! assert_eq!(parse("inf"), None);
//! ```

/// 10^0 ..= 10^22, each exact in an `f64`.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Parses a decimal: an optional sign, digits with an optional `.` (at
/// least one digit on either side), an optional exponent (`e`/`E`, sign,
/// digits). No white space, `inf` or `NaN`. `None` when `s` is not one.
pub fn parse(s: &str) -> Option<f64> {
    let b = s.as_bytes();
    let mut i = 0;
    let neg = sign(b, &mut i);
    // Significant digits (up to 19 kept in `m`), and the power of ten they need.
    let (mut m, mut digits, mut exp, mut seen, mut exact) = (0u64, 0u32, 0i64, false, true);
    let mut point = false;
    while let Some(&c) = b.get(i) {
        match c {
            b'0'..=b'9' => {
                seen = true;
                if m == 0 && c == b'0' {
                    // A leading zero: only the point's position counts.
                } else if digits < 19 {
                    m = m * 10 + u64::from(c - b'0');
                    digits += 1;
                } else {
                    exact &= c == b'0';
                    exp += 1;
                }
                if point {
                    exp -= 1;
                }
            }
            b'.' if !point => point = true,
            _ => break,
        }
        i += 1;
    }
    if !seen {
        return None;
    }
    if let Some(b'e' | b'E') = b.get(i) {
        i += 1;
        let eneg = sign(b, &mut i);
        let start = i;
        let mut e = 0i64;
        while let Some(&c @ b'0'..=b'9') = b.get(i) {
            e = (e * 10 + i64::from(c - b'0')).min(1 << 40);
            i += 1;
        }
        if i == start {
            return None;
        }
        exp += if eneg { -e } else { e };
    }
    if i != b.len() {
        return None;
    }
    let sign = if neg { -1.0 } else { 1.0 };
    if m == 0 {
        return Some(sign * 0.0);
    }
    if exact && m < 1 << 53 && (-22..=22).contains(&exp) {
        let m = m as f64;
        let v = if exp >= 0 {
            m * POW10[exp as usize]
        } else {
            m / POW10[(-exp) as usize]
        };
        return Some(sign * v);
    }
    slow(s, sign, m, exp)
}

/// An optional `-` or `+` at `b[*i]`, stepped over: whether it was `-`.
fn sign(b: &[u8], i: &mut usize) -> bool {
    match b.get(*i) {
        Some(&c @ (b'-' | b'+')) => {
            *i += 1;
            c == b'-'
        }
        _ => false,
    }
}

#[cfg(not(all(feature = "small", target_arch = "wasm32")))]
fn slow(s: &str, _: f64, _: u64, _: i64) -> Option<f64> {
    s.parse().ok()
}

#[cfg(all(feature = "small", target_arch = "wasm32"))]
fn slow(s: &str, sign: f64, m: u64, exp: i64) -> Option<f64> {
    if let Some(host) = crate::host::get() {
        return (host.parse_f64)(s);
    }
    // No host parser: as near as this arithmetic gets (a few units in the
    // last place off; subnormals and beyond 10^308 read as 0 and infinity).
    let (v, e) = (m as f64, exp.clamp(-400, 400) as i32);
    Some(
        sign * if e >= 0 {
            v * 10f64.powi(e)
        } else {
            v / 10f64.powi(-e)
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_decimals_as_core_does() {
        for s in [
            "0",
            "-0",
            "+0",
            "0.0",
            "1",
            "-1",
            "19.99",
            "0.1",
            "0.30000000000000004",
            ".5",
            "5.",
            "1e3",
            "1E-3",
            "1e+22",
            "1e22",
            "1e23",
            "123456789012345",
            "1234567890123456",
            "12345678901234567890123",
            "9007199254740993",
            "0.000001",
            "1e-7",
            "5e-324",
            "1e-400",
            "1e400",
            "1.7976931348623157e308",
            "000123.4500",
            "0.00000000000000000001234",
            "100000000000000000000000",
            "3.14159265358979323846264338327950288",
        ] {
            let expected: f64 = s.parse().unwrap();
            let got = parse(s).unwrap();
            assert_eq!(
                got.to_bits(),
                expected.to_bits(),
                "{s}: {got:e} vs {expected:e}"
            );
        }
    }

    #[test]
    fn refuses_what_is_not_a_decimal() {
        for s in [
            "", "-", "+", ".", "e5", "1e", "1e+", "1.2.3", "1 ", " 1", "inf", "NaN", "0x10",
            "1_000", "--1",
        ] {
            assert_eq!(parse(s), None, "{s:?}");
        }
    }
}

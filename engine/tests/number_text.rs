//! `number::parse` against core's float parser, bit for bit, on generated
//! decimals: its exact path (≤ 15 digits, powers of ten ≤ 22) and the rest.

use parcours_engine::number;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(20_000))]

    #[test]
    fn reads_every_decimal_as_core_does(
        sign in "[-+]?",
        int in "[0-9]{0,20}",
        frac in prop::option::of("[0-9]{0,20}"),
        exp in prop::option::of((prop_oneof![Just("e"), Just("E")], "[-+]?", 0u32..400)),
    ) {
        let mut s = format!("{sign}{int}");
        if let Some(f) = &frac {
            s.push('.');
            s.push_str(f);
        }
        if let Some((e, es, n)) = &exp {
            s.push_str(&format!("{e}{es}{n}"));
        }
        let core = s.parse::<f64>().ok();
        let ours = number::parse(&s);
        prop_assert_eq!(ours.map(f64::to_bits), core.map(f64::to_bits), "{}", s);
    }

    #[test]
    fn prices_and_counts_round_trip(cents in 0u64..10_000_000_000, scale in 0u32..4) {
        let n = cents as f64 / 10f64.powi(scale as i32);
        let text = parcours_engine::value::number_to_string(n);
        prop_assert_eq!(number::parse(&text), Some(n), "{}", text);
    }
}

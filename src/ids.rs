//! Random identifiers: anonymous ids and message ids are UUID v4 from the
//! browser's CSPRNG (`getrandom` → `crypto.getRandomValues`).

/// Random bytes fetched 16 UUIDs at a time: each `crypto.getRandomValues`
/// is a crossing into the page, and every tracked event needs an id.
struct Pool {
    bytes: [u8; 256],
    used: usize,
}

thread_local! {
    static POOL: std::cell::RefCell<Pool> = const {
        std::cell::RefCell::new(Pool { bytes: [0; 256], used: 256 })
    };
}

fn random16() -> [u8; 16] {
    POOL.with_borrow_mut(|p| {
        if p.used == p.bytes.len() {
            if getrandom::fill(&mut p.bytes).is_err() {
                // No crypto (very old or locked-down browser): Math.random still gives unique enough ids.
                for x in p.bytes.iter_mut() {
                    *x = (js_sys::Math::random() * 256.0) as u8;
                }
            }
            p.used = 0;
        }
        let mut b = [0u8; 16];
        b.copy_from_slice(&p.bytes[p.used..p.used + 16]);
        // Handed out once: nothing of it stays to be read again.
        p.bytes[p.used..p.used + 16].fill(0);
        p.used += 16;
        b
    })
}

/// A new random UUID v4, lowercase, e.g. `1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b`.
pub fn uuid_v4() -> String {
    let mut b = random16();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(36);
    for (i, x) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        s.push(HEX[usize::from(x >> 4)] as char);
        s.push(HEX[usize::from(x & 15)] as char);
    }
    s
}

/// A short random id (12 hex digits) naming this tab in storage keys.
pub fn short_id() -> String {
    uuid_v4().replace('-', "")[..12].to_owned()
}

/// `<prefix><writer>:<seq>`: the storage key of a tab's numbered item
/// (written without `core::fmt`, which would weigh on the wasm).
pub fn seq_key(prefix: &str, writer: &str, seq: u64) -> String {
    let n = parcours_engine::value::number_to_string(seq as f64);
    [prefix, writer, ":", &n].concat()
}

/// Reads a decimal sequence number back; `None` unless all ASCII digits.
pub fn parse_seq(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 15 {
        return None;
    }
    s.bytes().try_fold(0u64, |n, b| {
        b.is_ascii_digit().then(|| n * 10 + u64::from(b - b'0'))
    })
}

/// Sorts a short list by a number (stable insertion sort: the lists sorted
/// here hold at most a few hundred items, and one small generic routine
/// costs the wasm far less than the standard library's sorts).
pub fn sort_by_number<T>(v: &mut [T], key: impl Fn(&T) -> f64) {
    for i in 1..v.len() {
        let mut j = i;
        while j > 0 && key(&v[j - 1]) > key(&v[j]) {
            v.swap(j - 1, j);
            j -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn ids_from_the_pool_are_v4_and_never_repeat_across_refills() {
        let ids: Vec<String> = (0..100).map(|_| super::uuid_v4()).collect();
        for id in &ids {
            assert_eq!(id.len(), 36);
            assert_eq!(&id[14..15], "4", "{id}");
            assert!(matches!(&id[19..20], "8" | "9" | "a" | "b"), "{id}");
        }
        let mut unique = ids.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), ids.len());
    }
}

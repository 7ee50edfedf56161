//! Random identifiers: anonymous ids and message ids are UUID v4 from the
//! browser's CSPRNG (`getrandom` → `crypto.getRandomValues`).

/// A new random UUID v4, lowercase, e.g. `1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b`.
pub fn uuid_v4() -> String {
    let mut b = [0u8; 16];
    if getrandom::fill(&mut b).is_err() {
        // No crypto (very old or locked-down browser): Math.random still gives unique enough ids.
        for x in b.iter_mut() {
            *x = (js_sys::Math::random() * 256.0) as u8;
        }
    }
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

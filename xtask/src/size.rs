//! `cargo xtask size`: what the script tag loads, raw and brotli (quality 11).

use crate::util::{output, root, which, Result};
use std::process::Command;

/// Prints each `.js`/`.wasm` file of `pkg/` and the total; returns the brotli total in bytes.
pub fn run() -> Result<u64> {
    let pkg = root().join("pkg");
    if !pkg.join("parcours.js").exists() {
        return Err("pkg/ is not built: run `cargo xtask build` first".into());
    }
    which("node").ok_or("node is needed to measure brotli sizes")?;
    // Node's zlib has brotli: no compressor to install.
    let script = r#"
const fs = require("fs"), z = require("zlib"), dir = process.argv[1];
let raw = 0, br = 0;
for (const f of fs.readdirSync(dir).filter((f) => /\.(js|wasm)$/.test(f)).sort()) {
  const b = fs.readFileSync(dir + "/" + f);
  const c = z.brotliCompressSync(b, { params: { [z.constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  raw += b.length; br += c;
  console.log(`${f.padEnd(22)} ${(b.length / 1024).toFixed(1).padStart(8)} KB raw ${(c / 1024).toFixed(1).padStart(7)} KB brotli`);
}
console.log(`${"total".padEnd(22)} ${(raw / 1024).toFixed(1).padStart(8)} KB raw ${(br / 1024).toFixed(1).padStart(7)} KB brotli (budget 40 KB)`);
console.log(`BROTLI_TOTAL=${br}`);
"#;
    let out =
        output(Command::new("node").args(["-e", script]).arg(&pkg)).ok_or("size report failed")?;
    let mut total = 0;
    for line in out.lines() {
        match line.strip_prefix("BROTLI_TOTAL=") {
            Some(n) => total = n.parse().unwrap_or(0),
            None => println!("{line}"),
        }
    }
    Ok(total)
}

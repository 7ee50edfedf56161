//! `cargo xtask size`: every file of both builds, raw and brotli (quality 11):
//! the site build (what the script tag loads) totalled apart from the tools module.

use crate::util::{output, root, which, Result};
use std::process::Command;

/// Prints each `.js`/`.wasm` file of `pkg/` by build; returns the site build's brotli total in bytes.
pub fn run() -> Result<u64> {
    let pkg = root().join("pkg");
    if !pkg.join("parcours.js").exists() {
        return Err("pkg/ is not built: run `cargo xtask build` first".into());
    }
    which("node").ok_or("node is needed to measure brotli sizes")?;
    // Node's zlib has brotli: no compressor to install.
    let script = r#"
const fs = require("fs"), z = require("zlib"), dir = process.argv[1];
const kb = (n) => (n / 1024).toFixed(1).padStart(8);
const size = (f) => {
  const b = fs.readFileSync(dir + "/" + f);
  return [b.length, z.brotliCompressSync(b, { params: { [z.constants.BROTLI_PARAM_QUALITY]: 11 } }).length];
};
const group = (title, files, note) => {
  let raw = 0, br = 0;
  console.log(title);
  for (const f of files) {
    const [r, c] = size(f);
    raw += r; br += c;
    console.log(`  ${f.padEnd(30)} ${kb(r)} KiB raw ${kb(c)} KiB brotli`);
  }
  console.log(`  ${"total".padEnd(30)} ${kb(raw)} KiB raw ${kb(br)} KiB brotli${note}`);
  return br;
};
const ls = (sub) => fs.existsSync(dir + "/" + sub) ? fs.readdirSync(dir + "/" + sub).filter((f) => /\.(js|wasm)$/.test(f)).sort().map((f) => (sub ? sub + "/" : "") + f) : [];
const site = group("site build (what the script tag loads)", ["parcours.js", "parcours_bg.wasm"], " (budget 40 KB)");
group("tools build (loaded on demand by tools() / explain())", ls("tools").filter((f) => !f.endsWith("index.js")), "");
group("npm wrappers (index.js: load(); tools/index.js: init(); openfeature.js: the OpenFeature provider)", ["index.js", "tools/index.js", "openfeature.js"].filter((f) => fs.existsSync(dir + "/" + f)), "");
console.log(`BROTLI_TOTAL=${site}`);
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

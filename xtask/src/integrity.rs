//! SRI hashes (`sha384-…`, for `integrity` attributes) of the built files,
//! written to `pkg/integrity.json` for sites that pin the script.
//! Node's `crypto` computes them (Node is already needed for the build).

use crate::util::{output, Result};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// The `.js` and `.wasm` files of `pkg/` (and `pkg/tools/`) whose hashes are written.
pub const FILES: [&str; 7] = [
    "parcours.js",
    "parcours_bg.wasm",
    "index.js",
    "openfeature.js",
    "tools/index.js",
    "tools/parcours_tools.js",
    "tools/parcours_tools_bg.wasm",
];

/// The SRI value of `bytes`.
pub fn sri(bytes: &[u8]) -> Result<String> {
    let mut child = Command::new("node")
        .args([
            "-e",
            "let c=[];process.stdin.on('data',d=>c.push(d)).on('end',()=>process.stdout.write('sha384-'+require('crypto').createHash('sha384').update(Buffer.concat(c)).digest('base64')))",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start node: {e}"))?;
    child
        .stdin
        .take()
        .ok_or("no stdin")?
        .write_all(bytes)
        .map_err(|e| format!("cannot hash: {e}"))?;
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
        .ok_or_else(|| "hashing failed".into())
}

/// Writes `pkg/integrity.json`: `{ "<file>": "sha384-…" }`.
pub fn write(pkg: &Path) -> Result {
    let script = r#"
const fs = require("fs"), c = require("crypto"), dir = process.argv[1], out = {};
for (const f of process.argv.slice(2))
  out[f] = "sha384-" + c.createHash("sha384").update(fs.readFileSync(dir + "/" + f)).digest("base64");
fs.writeFileSync(dir + "/integrity.json", JSON.stringify(out, null, 2) + "\n");
"#;
    output(
        Command::new("node")
            .args(["-e", script])
            .arg(pkg)
            .args(FILES),
    )
    .map(|_| ())
    .ok_or_else(|| "writing pkg/integrity.json failed".into())
}

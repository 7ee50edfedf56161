//! The marketer's studio (`studio/`) into `<target dir>/studio/`, which the
//! server serves at `/studio/` with `--studio-dir`.
//!
//! `studio/src/main.js` and the CodeMirror packages it imports (root
//! `package-lock.json`) are bundled by esbuild into one minified ES module,
//! `studio.js`, next to `index.html` and `studio.css`. The page loads the
//! wasm engine from the SDK build the server serves at `/pkg/tools/` (the
//! import is left to the browser), so the studio needs no copy of it.

use crate::build::target_dir;
use crate::install;
use crate::util::{exec, root, Result};
use std::path::PathBuf;
use std::process::Command;

/// Where the built studio goes.
pub fn out_dir() -> PathBuf {
    target_dir().join("studio")
}

/// Bundles and copies the studio into [`out_dir`].
pub fn build() -> Result {
    install::node_modules()?;
    let src = root().join("studio");
    let out = out_dir();
    std::fs::create_dir_all(&out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    exec(
        Command::new(root().join("node_modules/esbuild/bin/esbuild"))
            .arg(src.join("src/main.js"))
            .args([
                "--bundle",
                "--format=esm",
                "--minify",
                "--target=es2022",
                "--log-level=warning",
                "--external:/pkg/*",
            ])
            .arg(format!("--outfile={}", out.join("studio.js").display())),
    )?;
    for file in ["index.html", "studio.css"] {
        std::fs::copy(src.join(file), out.join(file))
            .map_err(|e| format!("cannot copy studio/{file}: {e}"))?;
    }
    Ok(())
}

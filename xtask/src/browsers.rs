//! The delivery suite over W3C WebDriver (`tests/webdriver/`): the same
//! scenarios in Chromium, Firefox ESR and WebKitGTK. Chromium and
//! chromedriver come from [`install::chromium`]; this installs the other two
//! browsers and their drivers, only when missing, and runs the suite.

use crate::install::apt;
use crate::util::{cargo, exec, root, which, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The geckodriver release installed from crates.io (it builds with `--locked`).
const GECKODRIVER: &str = "0.37.1";

/// Debian's Firefox ESR.
pub fn firefox() -> Result {
    apt(&[("firefox-esr", "firefox-esr")])
}

/// WebKitGTK's WebDriver (it drives the MiniBrowser of libwebkit2gtk, which
/// has no headless mode) and Xvfb for it to draw on.
pub fn webkit() -> Result {
    apt(&[("WebKitWebDriver", "webkit2gtk-driver"), ("Xvfb", "xvfb")])?;
    minibrowser().map(|_| ())
}

/// Mozilla's geckodriver, built from crates.io.
pub fn geckodriver() -> Result {
    if which("geckodriver").is_some() {
        return Ok(());
    }
    exec(cargo().args([
        "install",
        "geckodriver",
        "--version",
        GECKODRIVER,
        "--locked",
    ]))
}

/// The browser WebKitWebDriver starts: MiniBrowser, shipped in libwebkit2gtk's
/// private folder (`/usr/lib/<triplet>/webkit2gtk-4.1/` on Debian).
fn minibrowser() -> Result<PathBuf> {
    let mut dirs = vec![PathBuf::from("/usr/libexec/webkit2gtk-4.1")];
    for base in ["/usr/lib", "/usr/lib64"] {
        if let Ok(entries) = std::fs::read_dir(base) {
            dirs.extend(entries.flatten().map(|e| e.path().join("webkit2gtk-4.1")));
        }
        dirs.push(Path::new(base).join("webkit2gtk-4.1"));
    }
    dirs.into_iter()
        .map(|d| d.join("MiniBrowser"))
        .find(|p| p.is_file())
        .ok_or_else(|| "MiniBrowser (libwebkit2gtk-4.1) is not installed".into())
}

/// Runs the suite in all three browsers against `server_bin`, telling the
/// harness where every browser and driver is (`PARCOURS_BROWSERS`, which
/// narrows the browsers for local work, is not passed on).
pub fn run_suite(server_bin: &Path) -> Result {
    let find = |cmd: &str| which(cmd).ok_or_else(|| format!("{cmd} is not installed"));
    exec(
        Command::new("node")
            .args(["--test", "--test-concurrency=1", "tests/webdriver/"])
            .current_dir(root())
            .env_remove("PARCOURS_BROWSERS")
            .env("PARCOURS_SERVER_BIN", server_bin)
            .env("CHROMIUM_BIN", find("chromium")?)
            .env("CHROMEDRIVER", find("chromedriver")?)
            .env("FIREFOX_BIN", find("firefox-esr")?)
            .env("GECKODRIVER", find("geckodriver")?)
            .env("WEBKIT_WEBDRIVER", find("WebKitWebDriver")?)
            .env("WEBKIT_BROWSER", minibrowser()?)
            .env("XVFB_BIN", find("Xvfb")?),
    )
}

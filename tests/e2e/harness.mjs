// Shared set-up for the end-to-end tests: the real server binary on a free
// loopback port with a fresh SQLite folder, and Debian's headless Chromium.
import { spawn, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const SERVER_BIN = process.env.PARCOURS_SERVER_BIN ?? join(ROOT, "target/debug/parcours-server");
const CHROMIUM_BIN = process.env.CHROMIUM_BIN ?? "/usr/bin/chromium";
/** The SDK build the server serves under /pkg (another one for side-by-side benchmarks). */
export const PKG_DIR = process.env.PARCOURS_PKG_DIR ?? join(ROOT, "pkg");
/** The studio as `cargo xtask build` writes it (served at /studio/ when it was built). */
export const STUDIO_DIR = process.env.PARCOURS_STUDIO_DIR
  ?? join(process.env.CARGO_TARGET_DIR ?? join(ROOT, "target"), "studio");

/**
 * `demo/rules.json` as the tests seed it: by default with every holdout and
 * the site-wide control group at 0, so a visitor a test plays is never held
 * out at random and the pop-in it waits for always shows (tests of holdouts
 * bring their own rules); `{ holdouts: true }` keeps the document as it is.
 */
export function demoRules({ holdouts = false } = {}) {
  const rules = JSON.parse(readFileSync(join(ROOT, "demo/rules.json"), "utf8"));
  if (!holdouts) {
    rules.global_holdout_percent = 0;
    for (const c of rules.campaigns) if (c.holdout_percent) c.holdout_percent = 0;
  }
  return rules;
}

/**
 * Starts the server with the demo shop and rules ({@link demoRules}, holdouts
 * off unless `holdouts`); resolves to { url, dataDir, stop }.
 * The demo site allows the server's own origin; pages on other origins need
 * `origins` (written to a `--sites` file with `userTokenSecret`,
 * `adminToken`, for `PUT /v1/rules`, and `sourceKey`, for server-side
 * sources, if given). `demoBackend` serves the shop's `POST /demo/login`
 * (it needs `userTokenSecret`). `rules` seeds another document than the demo's.
 */
export async function startServer({ origins, userTokenSecret, adminToken, sourceKey, holdouts, demoBackend, rules } = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), "parcours-e2e-"));
  const seed = join(dataDir, "rules.json");
  writeFileSync(seed, JSON.stringify(rules ?? demoRules({ holdouts }), null, 2));
  const sites = [];
  if (origins || userTokenSecret || adminToken || sourceKey) {
    const file = join(dataDir, "sites.toml");
    writeFileSync(file, [
      "[sites.demo]",
      origins ? `origins = ${JSON.stringify(origins)}` : "",
      userTokenSecret ? `user_token_secret = ${JSON.stringify(userTokenSecret)}` : "",
      adminToken ? `admin_token = ${JSON.stringify(adminToken)}` : "",
      sourceKey ? `source_key = ${JSON.stringify(sourceKey)}` : "",
    ].join("\n") + "\n");
    sites.push("--sites", file);
  }
  if (existsSync(join(STUDIO_DIR, "index.html"))) sites.push("--studio-dir", STUDIO_DIR);
  const child = spawn(
    SERVER_BIN,
    ["serve", "--host", "127.0.0.1", "--port", "0", "--data-dir", dataDir,
     "--static-dir", join(ROOT, "demo"), "--pkg-dir", PKG_DIR,
     "--seed-rules", seed, "--seed-write-key", "demo", ...sites, ...(demoBackend ? ["--demo-backend"] : [])],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const url = await new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 20000);
    child.on("exit", (code) => reject(new Error(`server exited with ${code}: ${out}`)));
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
  });
  const stop = async () => {
    child.kill("SIGTERM");
    await new Promise((r) => (child.exitCode !== null ? r() : child.once("exit", r)));
    rmSync(dataDir, { recursive: true, force: true });
  };
  return { url, dataDir, stop };
}

/** Every event the server stored, read from its SQLite database by the server's own CLI. */
export function storedEvents(dataDir) {
  const out = execFileSync(SERVER_BIN, ["events", "--data-dir", dataDir], { encoding: "utf8" });
  return out.split("\n").filter(Boolean).map((l) => JSON.parse(l));
}

/**
 * Headless Chromium as this machine allows it (root, closed network).
 * `{ bfcache: true }` keeps the back-forward cache, which Playwright turns off by default.
 *
 * The demo shop asks for consent (`data-consent="required"` on its script
 * tag, its cookie banner remembering the answer as `shop:consent`). Every
 * context of this browser plays a visitor who accepted it on an earlier
 * visit (`shop:consent` = `granted` whenever it is unset, so the shop grants
 * Parcours consent on each page), unless opened with
 * `browser.newContext({ shopConsent: false })`: tests of consent itself.
 */
export async function launchBrowser({ bfcache = false } = {}) {
  const browser = await chromium.launch({
    executablePath: CHROMIUM_BIN,
    ignoreDefaultArgs: bfcache ? ["--disable-back-forward-cache"] : [],
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
           "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async ({ shopConsent = true, ...options } = {}) => {
    const context = await newContext(options);
    if (shopConsent) {
      await context.addInitScript(() => {
        try { if (localStorage.getItem("shop:consent") === null) localStorage.setItem("shop:consent", "granted"); } catch { /* no storage here */ }
      });
    }
    return context;
  };
  return browser;
}

/** Collects the messages the page sends to /v1/batch (fetch and sendBeacon alike). */
export function recordBatches(page) {
  const sent = [];
  page.on("request", (req) => {
    if (req.url().includes("/v1/batch") && req.method() === "POST") {
      try { sent.push(...JSON.parse(req.postData() ?? "{}").batch); } catch { /* counted by the test */ }
    }
  });
  return sent;
}

/** Polls `fn` until it returns a truthy value or `ms` pass. */
export async function eventually(fn, ms = 10000, step = 100) {
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    last = await fn();
    if (last) return last;
    await new Promise((r) => setTimeout(r, step));
  }
  return last;
}

const FIXTURES = join(ROOT, "tests/e2e/fixtures");

/**
 * Serves `tests/e2e/fixtures/<name>.html` at `/fixtures/<name>.html` on the
 * server's origin in `context`, with `headers` (e.g. a CSP) added.
 */
export async function serveFixtures(context, headers = {}) {
  await context.route("**/fixtures/*.html", (route) => {
    const name = new URL(route.request().url()).pathname.split("/").pop();
    route.fulfill({ path: join(FIXTURES, name), headers: { "content-type": "text/html; charset=utf-8", ...headers } });
  });
}

/** Answers the SDK's rules fetch in `context` with `rules` (a document, or its JSON text). */
export async function serveRules(context, rules) {
  const body = typeof rules === "string" ? rules : JSON.stringify(rules);
  await context.route("**/v1/rules?*", (route) => route.fulfill({ body, contentType: "application/json" }));
}

/** Answers the SDK's rules fetch with `tests/e2e/fixtures/rules.json` in `context`. */
export async function serveFixtureRules(context) {
  await serveRules(context, readFileSync(join(FIXTURES, "rules.json"), "utf8"));
}

/**
 * Collects what would reach the host page as an error: uncaught exceptions
 * and unhandled promise rejections. Call before the page loads.
 */
export async function watchErrors(page) {
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.exposeFunction("__reportRejection", (r) => errors.push(`unhandled rejection: ${r}`));
  await page.addInitScript(() =>
    window.addEventListener("unhandledrejection", (e) => window.__reportRejection(String(e.reason))));
  return errors;
}

/** The server and a browser for one test file (`before`); `options` go to {@link launchBrowser}. */
export async function openServerAndBrowser(options) {
  const server = await startServer();
  const browser = await launchBrowser(options);
  return { server, browser };
}

/** Closes what {@link openServerAndBrowser} opened (`after`); either may be missing. */
export async function closeServerAndBrowser(server, browser) {
  await browser?.close();
  await server?.stop();
}

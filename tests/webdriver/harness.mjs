// Set-up for the delivery suite over W3C WebDriver: the real server (from
// ../e2e/harness.mjs), a fixture origin serving test pages, a collector proxy
// the tests can cut, slow down or make fail, and the three browsers
// (Chromium, Firefox ESR, WebKitGTK), each through its own WebDriver.
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, realpathSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { constants } from "node:os";
import { join } from "node:path";
import zlib from "node:zlib";
import { Builder } from "selenium-webdriver";
import { ROOT, eventually, startServer, storedEvents } from "../e2e/harness.mjs";

export { eventually, startServer, storedEvents };

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Rejects with `what` when `promise` has not settled within `ms`. */
export function within(ms, what, promise) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function listen(server) {
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  return `http://127.0.0.1:${server.address().port}`;
}

async function close(server) {
  server.closeAllConnections?.();
  await new Promise((r) => server.close(() => r()));
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

/** Sends `req` (with `body`) to `target` and relays the answer to `res`, if it is still there. */
function forward(target, req, body, res) {
  const url = new URL(req.url, target);
  const headers = { ...req.headers, host: url.host };
  const up = http.request(url, { method: req.method, headers }, (answer) => {
    if (res.destroyed) return answer.resume();
    res.writeHead(answer.statusCode, answer.headers);
    answer.pipe(res);
  });
  up.on("error", (e) => {
    if (!res.headersSent && !res.destroyed) {
      res.writeHead(502, { "access-control-allow-origin": "*", "content-type": "text/plain" });
      res.end(`proxy: ${e.message}`);
    } else res.destroy();
  });
  up.end(body);
}

// ---------------------------------------------------------------------------
// The collector proxy.

/**
 * An HTTP server in front of the real server's `/v1/*`, which a test controls:
 * `down()` destroys every connection at once (the collector is unreachable;
 * WebDriver has no offline switch) until `up()`; `status(code, { retryAfter })`
 * answers every `/v1/batch` itself with that status; `hold(ms)` keeps each
 * `/v1/batch` for `ms` before forwarding it (or until `release()`): it is
 * forwarded even when the page has gone meanwhile, as a collector that
 * received a request processes it. Every `/v1/batch` body received is
 * recorded (`batches`, `messages()`), beacons (`text/plain`) included.
 */
export async function startCollector(target) {
  let down = false;
  let answer = null;
  let holdMs = 0;
  const held = new Set();
  const sockets = new Set();
  const batches = [];
  const requests = [];
  const waiters = new Set();

  const server = http.createServer(async (req, res) => {
    if (down) return req.socket.destroy();
    const path = new URL(req.url, "http://x").pathname;
    requests.push({ at: Date.now(), method: req.method, path });
    let body;
    try {
      body = await readBody(req);
    } catch {
      return;
    }
    if (down) return req.socket.destroy();
    if (req.method !== "POST" || path !== "/v1/batch") return forward(target, req, body, res);

    const record = { at: Date.now(), contentType: req.headers["content-type"] ?? "", size: body.length };
    try {
      const enc = req.headers["content-encoding"];
      const text = (enc === "gzip" ? zlib.gunzipSync(body) : enc === "deflate" ? zlib.inflateSync(body) : body).toString("utf8");
      record.json = JSON.parse(text);
    } catch (e) {
      record.error = String(e);
    }
    batches.push(record);
    for (const w of waiters) w();

    if (answer) {
      const headers = {
        "access-control-allow-origin": "*",
        "access-control-expose-headers": "Retry-After",
        "content-type": "application/json",
      };
      if (answer.retryAfter != null) headers["retry-after"] = String(answer.retryAfter);
      record.status = answer.code;
      res.writeHead(answer.code, headers);
      return res.end(JSON.stringify({ error: `proxy answers ${answer.code}` }));
    }
    const send = () => {
      held.delete(entry);
      clearTimeout(entry.timer);
      forward(target, req, body, res);
    };
    const entry = { send, timer: null };
    if (holdMs > 0) {
      record.held = true;
      entry.timer = setTimeout(send, holdMs);
      held.add(entry);
    } else send();
  });
  server.on("connection", (s) => {
    if (down) return s.destroy();
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  const url = await listen(server);

  const messages = () =>
    batches.flatMap((b) => (Array.isArray(b.json?.batch) ? b.json.batch.map((m) => ({ ...m, $batch: b })) : []));

  return {
    url,
    batches,
    /** Every request seen (method, path), `/v1/rules` included. */
    requests,
    /** Every message of every `/v1/batch` received, each with its `$batch` record. */
    messages,
    down() {
      down = true;
      for (const s of sockets) s.destroy();
    },
    up() {
      down = false;
    },
    /** Answers every `/v1/batch` with `code` (`null` forwards again). */
    status(code, { retryAfter } = {}) {
      answer = code == null ? null : { code, retryAfter };
    },
    hold(ms) {
      holdMs = ms;
    },
    /** Forwards every held batch now and stops holding. */
    release() {
      holdMs = 0;
      for (const h of [...held]) h.send();
    },
    /** Resolves to the first batch record matching `pred`, or null after `ms`. */
    async waitForBatch(pred, ms = 10000) {
      const found = () => batches.find(pred);
      if (found()) return found();
      let wake;
      const w = () => wake?.();
      waiters.add(w);
      try {
        const end = Date.now() + ms;
        while (Date.now() < end) {
          await new Promise((r) => {
            wake = r;
            setTimeout(r, Math.min(250, end - Date.now()));
          });
          if (found()) return found();
        }
        return null;
      } finally {
        waiters.delete(w);
      }
    },
    async stop() {
      this.release();
      await close(server);
    },
  };
}

// ---------------------------------------------------------------------------
// The fixture origin.

// Runs before the SDK: records page errors, and removes APIs when the page's
// query asks (`nolocks`, `nobc`, `nocss`) so the fallbacks are exercised.
const PRELUDE = `
window.__errors = [];
window.__sdkErrors = [];
addEventListener("error", function (e) {
  __errors.push("error: " + ((e.error && e.error.stack) || e.message));
});
addEventListener("unhandledrejection", function (e) {
  var r = e.reason;
  __errors.push("unhandledrejection: " + ((r && (r.stack || r.message)) || String(r)));
});
(function () {
  var q = new URLSearchParams(location.search);
  if (q.has("nolocks")) {
    Object.defineProperty(Navigator.prototype, "locks", { get: function () { return undefined; }, configurable: true });
    try { Object.defineProperty(navigator, "locks", { value: undefined, configurable: true }); } catch (e) {}
  }
  if (q.has("nobc")) {
    delete window.BroadcastChannel;
    if ("BroadcastChannel" in window) window.BroadcastChannel = undefined;
  }
  if (q.has("nocss")) {
    // As in browsers without constructable stylesheets (Safari < 16.4).
    var Sheet = window.CSSStyleSheet;
    delete Sheet.prototype.replaceSync;
    delete Sheet.prototype.replace;
    delete Document.prototype.adoptedStyleSheets;
    delete ShadowRoot.prototype.adoptedStyleSheets;
    var NoSheet = function CSSStyleSheet() { throw new TypeError("Illegal constructor"); };
    NoSheet.prototype = Sheet.prototype;
    window.CSSStyleSheet = NoSheet;
  }
})();
`;

// PARCOURS_PKG_DIR serves another build of the SDK (say, last commit's) instead of the server's pkg/.
const PKG_DIR = process.env.PARCOURS_PKG_DIR;
const TYPES = { js: "text/javascript", wasm: "application/wasm", json: "application/json" };

function servePkg(name, res) {
  let body;
  try {
    if (!/^[\w.-]+$/.test(name)) throw new Error("bad name");
    body = readFileSync(join(PKG_DIR, name));
  } catch {
    res.writeHead(404);
    return res.end();
  }
  res.writeHead(200, { "content-type": TYPES[name.split(".").pop()] ?? "application/octet-stream", "cache-control": "no-cache" });
  res.end(body);
}

const escape = (s) => String(s).replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * A second origin serving the test pages: any path is the fixture page (use
 * `/products/...` to match the demo's welcome pop-in). The page loads the SDK
 * from `/pkg/`, relayed from the real server — same origin as the page,
 * because the server's `/pkg/` sends no CORS headers and the wasm is
 * fetched in CORS mode (or from PARCOURS_PKG_DIR when set) — and sends its
 * events to `collector`, another origin.
 * Query: `consent=required`, `nolocks`, `nobc`, `nocss`.
 */
export async function startFixture({ server, collector }) {
  const http_ = http.createServer(async (req, res) => {
    const url = new URL(req.url, "http://x");
    if (url.pathname.startsWith("/pkg/")) {
      if (PKG_DIR) return servePkg(url.pathname.slice(5), res);
      const body = await readBody(req).catch(() => Buffer.alloc(0));
      return forward(server, req, body, res);
    }
    if (url.pathname === "/favicon.ico") {
      res.writeHead(204);
      return res.end();
    }
    const consent = url.searchParams.get("consent") === "required" ? "required" : "granted";
    res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
    res.end(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Parcours delivery fixture</title>
<script>${PRELUDE}</script>
<script async src="/pkg/parcours.js" data-write-key="demo" data-endpoint="${escape(collector)}" data-consent="${consent}"></script>
</head><body><h1>Delivery fixture</h1><p>${escape(url.pathname + url.search)}</p></body></html>
`);
  });
  const url = await listen(http_);
  return {
    url,
    /** The fixture page's address: `page({ path, consent, flags })`. */
    page({ path = "/fixture.html", consent, flags = [] } = {}) {
      const q = new URLSearchParams();
      if (consent) q.set("consent", consent);
      for (const f of flags) q.append(f, "");
      const qs = q.toString().replace(/=(&|$)/g, "$1");
      return `${url}${path}${qs ? `?${qs}` : ""}`;
    },
    stop: () => close(http_),
  };
}

// ---------------------------------------------------------------------------
// Browsers and their WebDriver servers.

export const ALL_BROWSERS = ["chromium", "firefox", "webkit"];

/** The browsers to run: `PARCOURS_BROWSERS=chromium,firefox` for local work, else all three. */
export function browserNames() {
  const list = (process.env.PARCOURS_BROWSERS ?? ALL_BROWSERS.join(","))
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = list.filter((b) => !ALL_BROWSERS.includes(b));
  if (unknown.length) throw new Error(`PARCOURS_BROWSERS: unknown ${unknown.join(", ")} (known: ${ALL_BROWSERS})`);
  return list;
}

function onPath(cmd) {
  const dirs = (process.env.PATH ?? "").split(":").concat(join(process.env.HOME ?? "/root", ".cargo/bin"));
  return dirs.map((d) => join(d, cmd)).find((p) => existsSync(p));
}

function minibrowser() {
  const found = [];
  for (const base of ["/usr/lib", "/usr/libexec", "/usr/lib64"]) {
    let entries = [];
    try {
      entries = readdirSync(base);
    } catch {
      continue;
    }
    for (const e of entries) {
      for (const p of [join(base, e, "webkit2gtk-4.1/MiniBrowser"), join(base, e, "MiniBrowser")]) {
        if (existsSync(p)) found.push(p);
      }
    }
  }
  return found[0];
}

/** Where each program is: the environment (set by `cargo xtask`), else the usual place. */
function program(env, fallback) {
  const p = process.env[env] || fallback();
  return p && existsSync(p) ? realpathSync(p) : null;
}

const BROWSERS = {
  chromium: {
    needs: {
      CHROMIUM_BIN: () => onPath("chromium") ?? "/usr/bin/chromium",
      CHROMEDRIVER: () => onPath("chromedriver"),
    },
    driver: (p, port) => [p.CHROMEDRIVER, [`--port=${port}`]],
    capabilities: (p) => ({
      browserName: "chrome",
      "goog:chromeOptions": {
        binary: p.CHROMIUM_BIN,
        args: [
          "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
          "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
        ],
      },
    }),
  },
  firefox: {
    needs: {
      FIREFOX_BIN: () => onPath("firefox-esr") ?? onPath("firefox"),
      GECKODRIVER: () => onPath("geckodriver"),
    },
    driver: (p, port) => [p.GECKODRIVER, ["--host=127.0.0.1", `--port=${port}`]],
    capabilities: (p) => ({
      browserName: "firefox",
      "moz:firefoxOptions": {
        binary: p.FIREFOX_BIN,
        args: ["-headless"],
        // No calls home on a closed network (geckodriver sets most of the rest).
        prefs: {
          "app.normandy.enabled": false,
          "messaging-system.rsexperimentloader.enabled": false,
          "browser.safebrowsing.update.enabled": false,
          "network.captive-portal-service.enabled": false,
          "network.connectivity-service.enabled": false,
          "services.settings.server": "http://127.0.0.1:9/",
        },
      },
    }),
  },
  webkit: {
    needs: {
      WEBKIT_WEBDRIVER: () => onPath("WebKitWebDriver"),
      WEBKIT_BROWSER: minibrowser,
      XVFB_BIN: () => onPath("Xvfb"),
    },
    driver: (p, port) => [p.WEBKIT_WEBDRIVER, [`--port=${port}`]],
    // MiniBrowser has no headless mode: it runs under Xvfb (see `display()`).
    capabilities: (p) => ({
      browserName: "MiniBrowser",
      "webkitgtk:browserOptions": { binary: p.WEBKIT_BROWSER, args: ["--automation"] },
    }),
    display: true,
  },
};

const LOG_DIR = join(ROOT, "target", "webdriver-logs");
const children = new Set();
function killAll() {
  for (const c of children) {
    try {
      process.kill(-c.pid, "SIGKILL");
    } catch { /* gone */ }
  }
}
process.on("exit", killAll);
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.once(signal, () => {
    killAll();
    process.exit(128 + constants.signals[signal]);
  });
}

let logCount = 0;
/** Starts `cmd` in a process group of its own (so it can be ended with its browser), output to a log. */
function start(name, cmd, args, extraEnv = {}, stdio3 = false) {
  mkdirSync(LOG_DIR, { recursive: true });
  const log = join(LOG_DIR, `${name}-${++logCount}.log`);
  const fd = openSync(log, "w");
  const child = spawn(cmd, args, {
    detached: true,
    stdio: ["ignore", fd, fd, ...(stdio3 ? ["pipe"] : [])],
    env: { ...process.env, ...extraEnv },
  });
  closeSync(fd);
  children.add(child);
  child.on("exit", () => children.delete(child));
  child.log = log;
  return child;
}

async function end(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  try {
    process.kill(-child.pid, "SIGTERM");
  } catch { return; }
  await within(3000, "SIGTERM", exited).catch(() => {
    try { process.kill(-child.pid, "SIGKILL"); } catch { /* gone */ }
  });
}

function tail(file, lines = 15) {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}

let xvfb;
/** One Xvfb for the whole run (WebKitGTK needs a display); it picks its own free display number. */
async function display(bin) {
  if (!xvfb) {
    xvfb = (async () => {
      const child = start("xvfb", bin, ["-displayfd", "3", "-screen", "0", "1280x1024x24", "-nolisten", "tcp"], {}, true);
      let out = "";
      const n = await within(15000, "Xvfb", new Promise((resolve, reject) => {
        child.stdio[3].on("data", (d) => {
          out += d;
          if (out.includes("\n")) resolve(out.trim());
        });
        child.on("exit", (code) => reject(new Error(`Xvfb exited with ${code}: ${tail(child.log)}`)));
      }));
      // It lives as long as the run: do not let it keep Node alive (the exit handler ends it).
      child.stdio[3].destroy();
      child.unref();
      return `:${n}`;
    })();
  }
  return xvfb;
}

async function freePort() {
  const s = net.createServer();
  await new Promise((r) => s.listen(0, "127.0.0.1", r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

/**
 * Opens `name` ("chromium" | "firefox" | "webkit") through its own WebDriver
 * server; resolves to { name, driver, stop }. Fails (never skips) when the
 * browser or its driver is not installed.
 */
export async function openBrowser(name) {
  const spec = BROWSERS[name];
  if (!spec) throw new Error(`unknown browser ${name}`);
  const paths = {};
  const missing = [];
  for (const [env, fallback] of Object.entries(spec.needs)) {
    paths[env] = program(env, fallback);
    if (!paths[env]) missing.push(env);
  }
  if (missing.length) {
    throw new Error(`${name}: not installed (${missing.join(", ")} not found); \`cargo xtask test\` installs it`);
  }
  const env = spec.display ? { DISPLAY: await display(paths.XVFB_BIN) } : {};
  const port = await freePort();
  const [cmd, args] = spec.driver(paths, port);
  const child = start(name, cmd, args, env);
  const server = `http://127.0.0.1:${port}`;
  const stop = async (driver) => {
    if (driver) await within(20000, `${name}: quit`, driver.quit()).catch(() => {});
    await end(child);
  };
  try {
    const ready = await eventually(async () => {
      if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}`);
      try {
        const r = await fetch(`${server}/status`, { signal: AbortSignal.timeout(2000) });
        return r.ok && (await r.json()).value?.ready !== false;
      } catch {
        return false;
      }
    }, 20000, 100);
    if (!ready) throw new Error("the WebDriver server did not answer /status");
    const driver = await within(
      90000,
      `${name}: new session`,
      new Builder().disableEnvironmentOverrides().usingServer(server).withCapabilities(spec.capabilities(paths)).build(),
    );
    await driver.manage().setTimeouts({ script: 30000, pageLoad: 30000, implicit: 0 });
    const version = (await driver.getCapabilities()).get("browserVersion");
    return { name, version, driver, log: child.log, stop: () => stop(driver) };
  } catch (e) {
    await stop(null);
    throw new Error(`${name}: cannot start a session (${e.message}); driver log ${child.log}:\n${tail(child.log)}`);
  }
}

// ---------------------------------------------------------------------------
// Pages.

/**
 * Loads `url` in the current tab and waits until `parcours.ready()`
 * resolves; SDK `error` events are collected in `window.__sdkErrors`.
 */
export async function load(driver, url) {
  await driver.get(url);
  await whenReady(driver);
}

/** Waits for the SDK of the current tab: its loader, then `ready()`. */
export async function whenReady(driver, ms = 20000) {
  const r = await driver.executeAsyncScript(
    `const done = arguments[arguments.length - 1], end = Date.now() + arguments[0];
    (function wait() {
      const p = window.parcours;
      if (p && typeof p.ready === "function") {
        p.on("error", function (e) {
          let s; try { s = JSON.stringify(e); } catch (_) { s = String(e); }
          window.__sdkErrors.push(s);
        });
        Promise.race([p.ready(), new Promise((_, no) => setTimeout(() => no("ready() did not resolve"), end - Date.now()))])
          .then(() => done({ ok: true }), (e) => done({ error: String(e) }));
      } else if (Date.now() > end) done({ error: "the SDK did not load (no window.parcours)" });
      else setTimeout(wait, 20);
    })();`,
    ms,
  );
  if (r?.error) throw new Error(`${await driver.getCurrentUrl()}: ${r.error}`);
}

/** Page errors and SDK error events of the current tab. */
export function errorsOf(driver) {
  return driver.executeScript("return { page: window.__errors || ['no fixture prelude'], sdk: window.__sdkErrors || [] }");
}

/** `localStorage` keys starting with `parcours:`, and cookies starting with `parcours`. */
export function storedKeys(driver) {
  return driver.executeScript(
    `return Object.keys(localStorage).filter((k) => k.startsWith("parcours:"))
      .concat(document.cookie.split(";").map((c) => c.trim().split("=")[0]).filter((k) => k.startsWith("parcours")));`,
  );
}

/**
 * Schedules `n` calls of `track("Load Test", { run, tab, i })` in the current
 * tab, all in one task at wall-clock time `at` (the last stretch is a busy
 * wait, so throttled timers do not spread the tabs apart more than needed).
 */
export function scheduleBurst(driver, { run, tab, n, at }) {
  return driver.executeScript(
    `const [run, tab, n, at] = arguments;
    window.__burst = null;
    setTimeout(function () {
      while (Date.now() < at) {}
      const start = Date.now();
      for (let i = 0; i < n; i++) window.parcours.track("Load Test", { run, tab, i });
      window.__burst = { start, end: Date.now() };
    }, Math.max(0, at - Date.now() - 300));`,
    run, tab, n, at,
  );
}

/** Tracks `n` events now in the current tab (`{ run, tab, i }` from `from`). */
export function track(driver, { run, tab = 0, n, from = 0 }) {
  return driver.executeScript(
    `const [run, tab, n, from] = arguments;
    for (let i = from; i < from + n; i++) window.parcours.track("Load Test", { run, tab, i });`,
    run, tab, n, from,
  );
}

// ---------------------------------------------------------------------------
// What arrived.

const keyOf = (props) => `${props?.tab}:${props?.i}`;

/** The stored `Load Test` events of `run`. */
export function storedRun(dataDir, run) {
  return storedEvents(dataDir).filter((e) => e.event === "Load Test" && e.payload?.properties?.run === run);
}

/** The `Load Test` messages of `run` that reached the collector (every copy). */
export function wireRun(collector, run) {
  return collector.messages().filter((m) => m.event === "Load Test" && m.properties?.run === run);
}

/**
 * Waits (at most `ms`) until `expected` events of `run` are stored, then
 * `settle` ms more for late copies; resolves to the stored events.
 */
export async function awaitRun(dataDir, run, expected, { ms = 30000, settle = 1500 } = {}) {
  const got = await eventually(() => storedRun(dataDir, run).length >= expected, ms, 250);
  if (got) await sleep(settle);
  return storedRun(dataDir, run);
}

/**
 * Compares what was stored (and what reached the collector) with the
 * expected `tab:i` keys; resolves to a list of problems (empty when right).
 */
export function deliveryProblems({ stored, wire, keys }) {
  const problems = [];
  const count = new Map(keys.map((k) => [k, 0]));
  for (const e of stored) {
    const k = keyOf(e.payload.properties);
    count.set(k, (count.get(k) ?? 0) + 1);
  }
  const missing = [...count].filter(([, c]) => c === 0).map(([k]) => k);
  const twice = [...count].filter(([, c]) => c > 1).map(([k, c]) => `${k}×${c}`);
  const unexpected = [...count.keys()].filter((k) => !keys.includes(k));
  const ids = stored.map((e) => e.message_id);
  const dupIds = ids.filter((id, i) => ids.indexOf(id) !== i);
  const onWire = new Set(wire.map((m) => keyOf(m.properties)));
  const neverSent = keys.filter((k) => !onWire.has(k));
  const unique = keys.length - missing.length;
  if (missing.length) problems.push(`${unique}/${keys.length} stored; missing ${short(missing)}`);
  if (twice.length) problems.push(`stored more than once (different messageIds): ${short(twice)}`);
  if (unexpected.length) problems.push(`unexpected events: ${short(unexpected)}`);
  if (dupIds.length) problems.push(`messageIds stored twice: ${short(dupIds)}`);
  if (neverSent.length) problems.push(`never reached the collector: ${short(neverSent)}`);
  return problems;
}

function short(list, n = 12) {
  return list.length > n ? `${list.slice(0, n).join(", ")} … (${list.length})` : list.join(", ");
}

/** Copies on the wire per event: `{ copies, batches, beacons }` for a report line. */
export function wireSummary(wire) {
  const batches = new Set(wire.map((m) => m.$batch));
  const beacons = [...batches].filter((b) => b.contentType.startsWith("text/plain")).length;
  return `${wire.length} copies of ${new Set(wire.map((m) => keyOf(m.properties))).size} events in ${batches.size} batches (${beacons} text/plain)`;
}

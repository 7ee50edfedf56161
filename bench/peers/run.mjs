// Parcours next to its peers: what each script tag loads, and its cold start.
//
//   node bench/peers/run.mjs        (or `cargo xtask bench`, which runs it after the others)
//
// Installs the pinned peers of bench/peers/package.json with `npm ci` when
// they are missing, bundles Braze with esbuild (its npm package ships no
// browser bundle), then, in headless Chromium (as tests/e2e/harness.mjs
// launches it):
//
//   size        raw, gzip (level 9) and brotli (quality 11) of every .js/.wasm
//               file the page fetched in the warm-up round's first visit;
//               Parcours also as `cargo xtask size` counts pkg/.
//   503         every library from one loopback static server (bench/peers/serve.mjs)
//               whose rules, features and collector endpoints answer 503;
//               a fresh browser context per visit.
//   rules       Parcours against the real server (demo rules, write key demo,
//               started by the e2e harness) and GrowthBook with a features
//               JSON served locally: a first visit in a fresh context, then a
//               returning visitor (a new page in the same context: script in
//               the HTTP cache, revalidated; rules in localStorage).
//
// Each visit: an `async` script tag; marks from navigation start (see
// libraries.mjs): script loaded, ready, first decision; long tasks from
// PerformanceObserver({type: "longtask", buffered: true}) until SETTLE ms
// after ready; total blocking time = sum of (duration - 50 ms) over them.
// One warm-up round (not counted), then BENCH_ROUNDS rounds (default 9),
// round-robin: each round visits every library once, in an order rotated by
// one each round. Reported: median and min–max.
//
// Environment: PARCOURS_SERVER_BIN, CHROMIUM_BIN, PARCOURS_PKG_DIR (as the e2e
// tests), BENCH_ROUNDS (9), BENCH_SETTLE_MS (300), BENCH_OUT
// (target/bench/peers.json). Exits non-zero when a library fails to load or
// to reach ready, or when its page throws.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, writeFileSync, existsSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join, basename } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync, brotliCompressSync, constants as Z } from "node:zlib";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, "..", "..");
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const SETTLE = Number(process.env.BENCH_SETTLE_MS ?? 300);
const READY_TIMEOUT = 10000;
const OUT = process.env.BENCH_OUT ?? join(ROOT, "target/bench/peers.json");
const BUILD = join(dirname(OUT), "peers");
const T0 = Date.now();
const LOAD_START = loadavg();
const progress = (what) => console.error(`[${((Date.now() - T0) / 1000).toFixed(1)} s] ${what}`);

// ----- the peers, installed as pinned -----

const { installPeers, PINNED: pinned } = await import("./install.mjs");
installPeers(progress);

// Imported only now: the harness needs the root node_modules, the peers theirs.
const { startServer, launchBrowser, PKG_DIR } = await import("../../tests/e2e/harness.mjs");
const { libraries, page, GROWTHBOOK_FEATURES, segmentSettings } = await import("./libraries.mjs");
const { serve } = await import("./serve.mjs");
const esbuild = await import("esbuild");

if (!existsSync(join(PKG_DIR, "parcours.js"))) throw new Error(`${PKG_DIR} is not built: run \`cargo xtask build\``);

mkdirSync(BUILD, { recursive: true });
writeFileSync(join(BUILD, "empty.js"), "");
await esbuild.build({
  entryPoints: [join(HERE, "entries/braze.js")],
  outfile: join(BUILD, "braze.js"),
  bundle: true, minify: true, format: "iife", platform: "browser", target: "es2020",
  logLevel: "warning",
});

const git = (args) => { try { return execFileSync("git", args, { cwd: ROOT, encoding: "utf8" }).trim(); } catch { return null; } };
const versions = { ...pinned, parcours: `${git(["rev-parse", "--short", "HEAD"])}${git(["status", "--porcelain", "--", "src", "engine"]) ? "+dirty" : ""}` };
const LIBS = libraries({ peers: HERE, pkgDir: PKG_DIR, buildDir: BUILD, versions });
const byId = Object.fromEntries(LIBS.map((l) => [l.id, l]));

// ----- servers and browser -----

const routes = new Map();
const statics = await serve({ routes, mounts: LIBS.flatMap((l) => l.mounts) });
// The pages come from the static server's origin: the Parcours server must
// allow it, or it refuses the rules (403) and the "rules" scenario runs none.
const parcoursServer = await startServer({ origins: [statics.origin] });
routes.set("/v1/projects/bench/settings", { type: "application/json", body: JSON.stringify(segmentSettings(statics.host)) });
routes.set("/api/features/sdk-bench", { type: "application/json", body: JSON.stringify(GROWTHBOOK_FEATURES) });
const pagePath = (lib, scenario) => `/products/${lib}-${scenario}.html`;
for (const l of LIBS) {
  routes.set(pagePath(l.id, "503"), { type: "text/html; charset=utf-8", body: page(l.name, l.head({ origin: statics.origin, scenario: "503" })) });
}
for (const id of ["parcours", "growthbook"]) {
  const endpoint = id === "parcours" ? parcoursServer.url : null;
  routes.set(pagePath(id, "rules"), { type: "text/html; charset=utf-8", body: page(byId[id].name, byId[id].head({ origin: statics.origin, scenario: "rules", endpoint })) });
}
const browser = await launchBrowser();
const chromium = browser.version();
progress(`static server ${statics.origin}, Parcours server ${parcoursServer.url}, Chromium ${browser.version()}`);

// ----- one visit -----

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Loads `path` in a new page of `context`; returns what the page measured. */
async function visit(context, path, script) {
  const p = await context.newPage();
  const pageErrors = [], outside = [];
  p.on("pageerror", (e) => pageErrors.push(String(e)));
  p.on("request", (r) => {
    const u = r.url();
    if (!u.startsWith(statics.origin) && !u.startsWith(parcoursServer.url) && !u.startsWith("data:")) outside.push(u);
  });
  const from = statics.log.length, t0 = Date.now();
  let data;
  try {
    await p.goto(statics.origin + path, { waitUntil: "load", timeout: READY_TIMEOUT });
    const ok = await p.evaluate((ms) => Promise.race([window.__b.done.then(() => true), new Promise((r) => setTimeout(() => r(false), ms))]), READY_TIMEOUT);
    await sleep(SETTLE);
    data = await p.evaluate((src) => {
      const B = window.__b;
      // The script tag's own file, from Resource Timing.
      const r = performance.getEntriesByName(new URL(src, location.href).href)[0];
      const fetch = r ? { start: r.startTime, response_start: r.responseStart, response_end: r.responseEnd, transfer: r.transferSize, status: r.responseStatus } : null;
      return { marks: B.marks, info: B.info, longtasks: B.longtasks, errors: B.errors, failed: B.failed || null, longtaskObserver: B.longtaskObserver, fetch };
    }, script);
    if (!ok && !data.failed) data.failed = `no ready signal within ${READY_TIMEOUT} ms`;
  } catch (e) {
    data = { marks: {}, longtasks: [], errors: [], failed: String(e) };
  }
  await p.close();
  data.wall_ms = Date.now() - t0;
  data.pageErrors = pageErrors;
  data.outside = outside;
  data.served = statics.log.slice(from).map(({ method, path, status, file, bytes }) => ({ method, path, status, file, bytes }));
  return data;
}

/** The figures of one visit (ms from navigation start), or the reason it failed. */
function figures(lib, v, scenario) {
  const m = v.marks;
  const failed = v.failed ?? (m.load == null ? "script did not load" : !v.fetch ? "no resource timing for the script" : m.ready == null ? "no ready signal" : v.pageErrors.length ? `page error: ${v.pageErrors[0]}` : null);
  if (failed) return { failed };
  // The loader resolves ready() even when the wasm cannot load: that is a failure here.
  if (lib === "parcours" && m.started == null) return { failed: "the SDK did not start (wasm not loaded): ready() resolved with nothing loaded" };
  if (lib === "parcours" && scenario === "rules" && !["network", "cached"].includes(v.info?.rules)) return { failed: `rules served but not loaded: ready() resolved with rules "${v.info?.rules}"` };
  const until = m.ready + SETTLE;
  const tasks = v.longtasks.filter(([s]) => s < until);
  let decision = m.decision ?? null;
  // Parcours with cached rules decides the page view inside start(); its
  // `decision` event fires only when a campaign qualifies.
  if (lib === "parcours" && v.info?.rules === "cached" && m.started != null) decision = Math.min(decision ?? Infinity, m.started);
  if (lib === "parcours" && decision == null) decision = m.ready;
  const fetched = v.fetch.response_end;
  return {
    load: fetched,
    init: m.ready - fetched,
    executed: m.load,
    fetch_start: v.fetch.start,
    ready: m.ready,
    decision,
    // Without the longtask observer nothing is measured: null, never 0.
    tbt: v.longtaskObserver ? tasks.reduce((s, [, d]) => s + Math.max(0, d - 50), 0) : null,
    longest: v.longtaskObserver ? tasks.reduce((s, [, d]) => Math.max(s, d), 0) : null,
    long_tasks: v.longtaskObserver ? tasks.length : null,
    ...(lib === "parcours" ? { rules: v.info?.rules ?? null, started: m.started ?? null } : {}),
    ...(lib === "growthbook" ? { source: v.info?.source ?? null } : {}),
  };
}

// ----- the rounds -----

// What one round visits: [scenario, library, visits]; "rules" visits twice in one context.
const PLAN = [
  ...LIBS.map((l) => ["503", l.id, ["first"]]),
  ["rules", "parcours", ["first", "returning"]],
  ["rules", "growthbook", ["first", "returning"]],
];
const samples = {}; // "scenario/lib/visit" → [figures]
const failures = [];
let warmup = {};
let observerMissing = false;
for (let round = 0; round <= ROUNDS; round++) {
  const order = PLAN.map((_, i) => PLAN[(i + round) % PLAN.length]);
  for (const [scenario, lib, kinds] of order) {
    const context = await browser.newContext();
    for (const kind of kinds) {
      const v = await visit(context, pagePath(lib, scenario), byId[lib].script);
      const f = figures(lib, v, scenario);
      if (v.longtaskObserver === false) observerMissing = true;
      const key = `${scenario}/${lib}/${kind}`;
      if (round === 0) warmup[key] = v;
      if (f.failed) failures.push({ round, scenario, library: lib, visit: kind, error: f.failed });
      else if (round > 0) (samples[key] ??= []).push({ ...f, outside_requests: v.outside.length, visit_wall_ms: v.wall_ms });
    }
    await context.close();
  }
  progress(round === 0 ? "warm-up round done (not counted)" : `round ${round}/${ROUNDS}`);
}
await browser.close();
await parcoursServer.stop();
await statics.close();

// ----- sizes -----

function sizeOf(file) {
  const b = readFileSync(file);
  return {
    file: file.startsWith(ROOT) ? file.slice(ROOT.length + 1) : file,
    raw: b.length,
    gzip: gzipSync(b, { level: 9 }).length,
    brotli: brotliCompressSync(b, { params: { [Z.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}
const total = (files) => ({ raw: 0, gzip: 0, brotli: 0, ...files.reduce((t, f) => ({ raw: (t.raw ?? 0) + f.raw, gzip: (t.gzip ?? 0) + f.gzip, brotli: (t.brotli ?? 0) + f.brotli }), {}) });
const sizes = [];
for (const l of LIBS.filter((l) => !l.noSize)) {
  const v = warmup[`503/${l.id}/first`];
  const loaded = [...new Set((v?.served ?? []).filter((r) => r.status === 200 && r.file && /\.(js|wasm)$/.test(r.file)).map((r) => r.file))];
  const files = loaded.sort().map(sizeOf);
  const row = { library: l.name, id: l.id, version: l.version, measured: l.files, files, ...total(files) };
  if (l.id === "parcours") {
    // As `cargo xtask size` counts: every .js/.wasm file of pkg/.
    const pkg = readdirSync(PKG_DIR).filter((f) => /\.(js|wasm)$/.test(f)).sort().map((f) => sizeOf(join(PKG_DIR, f)));
    row.pkg = { files: pkg, ...total(pkg) };
  }
  sizes.push(row);
  for (const x of l.extra ?? []) sizes.push({ library: x.label, id: `${l.id}-extra`, version: l.version, measured: x.note, files: [sizeOf(x.file)], ...total([sizeOf(x.file)]), not_loaded: true });
}

// ----- statistics, results, table -----

function stat(xs) {
  const s = xs.filter((x) => x != null).sort((a, b) => a - b);
  if (!s.length) return null;
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median, min: s[0], max: s[s.length - 1], n: s.length };
}
const METRICS = ["load", "init", "ready", "decision", "tbt", "longest", "executed", "fetch_start"];
const cold = {};
for (const [key, list] of Object.entries(samples)) {
  const [scenario, lib, kind] = key.split("/");
  const entry = { samples: list };
  for (const m of METRICS) entry[m] = stat(list.map((x) => x[m]));
  entry.outside_requests = Math.max(...list.map((x) => x.outside_requests));
  ((cold[scenario] ??= {})[lib] ??= {})[kind] = entry;
}
const results = {
  generated_at: new Date().toISOString(),
  command: "cargo xtask bench (or node bench/peers/run.mjs)",
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model, loadavg_start: LOAD_START, loadavg_end: loadavg(), node: process.version, chromium },
  method: {
    rounds: ROUNDS,
    warmup_rounds: 1,
    interleaving: "round-robin: each round visits every library once, the order rotated by one each round",
    settle_ms: SETTLE,
    times: "ms from navigation start (performance.now()), except init (ready - load)",
    load: "the script tag's file fetched: its responseEnd in Resource Timing (for Parcours parcours.js; the wasm is fetched during init)",
    init: "from then to the library's own ready signal: the script run, its init, what it fetches (ready - load)",
    executed: "the script element's load event (fetched and run; PostHog inits inside its script, so its ready may come first)",
    decision: "first decision: GrowthBook's isOn() after init(); Parcours' `decision` event, or with cached rules the end of start() (the page view decided), else ready()",
    tbt: `total blocking time: sum of (duration - 50 ms) over long tasks starting before ready + ${SETTLE} ms`,
    longest: "the longest such task (0: none over 50 ms)",
    server: "one Node http server on loopback: files uncompressed, Cache-Control: no-cache + ETag (as the Parcours server serves pkg/); every other path (collectors, rules, features) answers 503; Segment's settings are served (it does not start without them)",
    rules_scenario: "Parcours: the real server (demo rules, write key demo) as data-endpoint; GrowthBook: a features JSON from the static server; returning visitor = a new page in the same browser context",
    sizes: "raw, gzip level 9, brotli quality 11 (Node zlib) of every .js/.wasm file the page fetched in the warm-up round's first visit (503 scenario)",
  },
  libraries: Object.fromEntries(LIBS.map((l) => [l.id, { name: l.name, npm: l.npm ?? null, version: l.version, files: l.files, ready: l.ready }])),
  sizes,
  cold_start: cold,
  failures,
  duration_s: (Date.now() - T0) / 1000,
};
mkdirSync(dirname(OUT), { recursive: true });
writeFileSync(OUT, JSON.stringify(results, null, 2) + "\n");

const kb = (n) => (n / 1024).toFixed(1);
const ms = (s) => (s ? `${s.median.toFixed(0)} (${s.min.toFixed(0)}–${s.max.toFixed(0)})` : "–");
const table = (head, rows) => {
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (r) => r.map((c, i) => (i === 0 ? String(c).padEnd(w[i]) : String(c).padStart(w[i]))).join("  ");
  console.log(line(head));
  for (const r of rows) console.log(line(r));
};
console.log(`\nWhat the script tag loads (KB = 1,024 bytes; brotli quality 11, gzip level 9)`);
table(["library", "version", "raw", "gzip", "brotli", "files"], sizes.map((s) => [s.library, s.version, kb(s.raw), kb(s.gzip), kb(s.brotli), s.not_loaded ? `${basename(s.files[0].file)} (not loaded in the cold start)` : s.files.map((f) => basename(f.file)).join(" + ")]));
const pk = sizes.find((s) => s.id === "parcours")?.pkg;
if (pk) console.log(`Parcours pkg/ as \`cargo xtask size\` counts it: ${kb(pk.raw)} KiB raw, ${kb(pk.gzip)} KiB gzip, ${kb(pk.brotli)} KiB brotli (${pk.files.map((f) => basename(f.file)).join(" + ")})`);
const coldRows = (scenario, kinds) => LIBS.flatMap((l) => kinds.filter((k) => cold[scenario]?.[l.id]?.[k]).map((k) => {
  const e = cold[scenario][l.id][k];
  return [kinds.length > 1 ? `${l.name}, ${k}` : l.name, ms(e.load), ms(e.init), ms(e.ready), ms(e.decision), ms(e.tbt), ms(e.longest)];
}));
const HEAD = ["library", "script fetched", "then → ready", "ready", "first decision", "TBT", "longest task"];
console.log(`\nCold start, endpoints answering 503, fresh context each: ms, median (min–max) of ${ROUNDS} interleaved rounds`);
table(HEAD, coldRows("503", ["first"]));
console.log(`\nCold start with rules served: first visit (fresh context) / returning visitor (same context), median (min–max) of ${ROUNDS}`);
table(HEAD, coldRows("rules", ["first", "returning"]));
if (observerMissing) console.log("\nwarning: this Chromium has no longtask observer: TBT and longest task are not measured (shown as –)");
const la = (l) => l.map((x) => x.toFixed(2)).join(" ");
console.log(`\nload average (1, 5, 15 min) at the start ${la(LOAD_START)}, at the end ${la(loadavg())} on ${cpus().length} cores; written to ${OUT}`);
if (failures.length) {
  console.error(`\n${failures.length} visit(s) failed:`);
  for (const f of failures.slice(0, 20)) console.error(`  round ${f.round} ${f.scenario} ${f.library} ${f.visit}: ${f.error}`);
  process.exit(1);
}
progress("done");

// In-browser benchmark: the main-thread cost of one `parcours.track()` call.
//
//   node bench/browser/track.mjs          (or `cargo xtask bench`, which runs it last)
//
// The real server (target/debug/parcours-server) serves the demo shop, pkg/ and
// the demo rules on a loopback port, so batches are flushed and acknowledged
// during the run as on a live site. Debian's headless Chromium opens
// /products.html; the document is fetched through Playwright and served with
// COOP/COEP headers (so `performance.now()` is not coarsened to 100 µs) and
// without `data-debug` (a production tag). Nothing else is changed.
//
// Scenarios, each in a fresh browser context:
//   granted  the visitor's history grows to each size (tracked in batches of
//            GROW_BATCH calls with a yield between batches, not timed), then
//            N `parcours.track("Product Viewed", …)` calls are timed one by one
//            (`performance.now()` around the synchronous call; a timer yield
//            between calls so each call is its own task, as a click would be).
//            The shop's tag has `data-consent="required"`: this visitor accepted
//            the shop's cookie banner, so the shop grants consent on the page.
//   pending  the same tag and no answer to the banner: the same, nothing
//            may be stored or sent.
// Also counted: `localStorage` characters written (Storage.prototype.setItem
// wrapped before the SDK loads) inside each call and between calls (flushes),
// long tasks (PerformanceObserver 'longtask') per phase, the stored footprint,
// the wasm memory after each size (`memory.buffer.byteLength`, MiB, of the
// instances the page made: WebAssembly.instantiate* wrapped before the SDK
// loads), the wasm memory of the page loaded again once ready (a returning
// visitor with that history, granted only), and how many of the
// benchmark's events the server stored.
//
// Environment: PARCOURS_SERVER_BIN, CHROMIUM_BIN (as the e2e tests),
// PARCOURS_PKG_DIR (default pkg/: point it at another build to compare),
// BENCH_N (default 200), BENCH_SIZES (default "100,1000,3000"), BENCH_RULES=heavy
// (issue 13's goal 4 workload: 200 campaigns, 50 computed traits, a 5,000-event history),
// BENCH_OUT (default target/bench/track.json), BENCH_PROFILE=DIR (a CPU
// profile of each timed phase, written to DIR as .cpuprofile with its top
// functions by self time printed; build the wasm with its name section, see
// `cargo xtask build --profiling`, or the wasm frames are unnamed).
// Exits non-zero when pkg/ changed during the run, or when something was
// stored or sent while consent was pending.
import { mkdirSync, writeFileSync, readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
// The server and browser as the end-to-end tests start them, the SDK from PARCOURS_PKG_DIR.
import { startServer, launchBrowser, demoRules, PKG_DIR } from "../../tests/e2e/harness.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const SERVER_BIN = process.env.PARCOURS_SERVER_BIN ?? join(ROOT, "target/debug/parcours-server");
const N = Number(process.env.BENCH_N ?? 200);
const SIZES = (process.env.BENCH_SIZES ?? "100,1000,3000").split(",").map(Number);
const OUT = process.env.BENCH_OUT ?? join(ROOT, "target/bench/track.json");
const GROW_BATCH = 10;
const PAGE = "/products.html";
const T0 = Date.now();
const progress = (what) => console.error(`[${((Date.now() - T0) / 1000).toFixed(1)} s] ${what}`);

// What was measured: the size and a hash of each file the script tag loads.
function fingerprint() {
  const out = {};
  for (const f of ["parcours.js", "parcours_bg.wasm"]) {
    try {
      const b = readFileSync(join(PKG_DIR, f));
      out[f] = { bytes: b.length, sha256: createHash("sha256").update(b).digest("hex").slice(0, 16) };
    } catch { out[f] = null; }
  }
  return out;
}

// Installed before any page script: byte counting and the long-task observer.
function instrument() {
  const B = (window.__bench = { chars: 0, writes: 0, byKey: {}, longtasks: [], phases: [] });
  const setItem = Storage.prototype.setItem;
  Storage.prototype.setItem = function (k, v) {
    const n = String(v).length;
    B.chars += n;
    B.writes += 1;
    // Keys are grouped by family: ids and counters in a key become "*".
    const family = String(k).split(":").map((p) => (/^(\d+|[0-9a-f]{6,}|[0-9a-f-]{20,})$/i.test(p) ? "*" : p)).join(":");
    B.byKey[family] = (B.byKey[family] || 0) + n;
    return setItem.call(this, k, v);
  };
  // The wasm memories instantiated (the SDK's: the tools module is not loaded without debug).
  B.memories = [];
  const keep = (r) => {
    const m = (r?.instance ?? r)?.exports?.memory;
    if (m instanceof WebAssembly.Memory) B.memories.push(m);
    return r;
  };
  for (const k of ["instantiate", "instantiateStreaming"]) {
    const f = WebAssembly[k];
    if (f) WebAssembly[k] = function (...args) { return f.apply(this, args).then(keep); };
  }
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) B.longtasks.push([e.startTime, e.duration]);
    }).observe({ type: "longtask", buffered: true });
    B.longtaskObserver = true;
  } catch {
    B.longtaskObserver = false;
  }
}

// Runs in the page: grows the history by `count` tracked events (not timed).
async function grow({ count, batch, from, tag }) {
  const skus = ["TSHIRT-1", "TSHIRT-2", "TSHIRT-3", "SWEAT-1", "SWEAT-2", "ACC-1", "ACC-2"];
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const seq = from + i;
    parcours.track("Product Viewed",
      SHOP.props(SHOP.product(skus[seq % skus.length]), { list_id: "all", position: seq % 7, bench_tag: tag, bench_seq: seq }));
    if (i % batch === batch - 1) await new Promise((r) => setTimeout(r, 0));
  }
  window.__bench.phases.push({ name: "grow", start: t0, end: performance.now() });
}

// Runs in the page: times `n` calls, one per task.
async function measure({ n, from, tag, name }) {
  const B = window.__bench;
  const skus = ["TSHIRT-1", "TSHIRT-2", "TSHIRT-3", "SWEAT-1", "SWEAT-2", "ACC-1", "ACC-2"];
  const ms = new Array(n), chars = new Array(n), writes = new Array(n);
  const chars0 = B.chars, byKey0 = { ...B.byKey };
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const seq = from + i;
    // The properties are built before the clock starts: only the SDK is timed.
    const props = SHOP.props(SHOP.product(skus[seq % skus.length]), { list_id: "all", position: seq % 7, bench_tag: tag, bench_seq: seq });
    await new Promise((r) => setTimeout(r, 0));
    const c = B.chars, w = B.writes;
    const a = performance.now();
    parcours.track("Product Viewed", props);
    const b = performance.now();
    ms[i] = b - a;
    chars[i] = B.chars - c;
    writes[i] = B.writes - w;
  }
  const t1 = performance.now();
  B.phases.push({ name, start: t0, end: t1 });
  const inCalls = chars.reduce((x, y) => x + y, 0);
  const byKey = {};
  for (const k of Object.keys(B.byKey)) if (B.byKey[k] !== (byKey0[k] || 0)) byKey[k] = B.byKey[k] - (byKey0[k] || 0);
  return { ms, chars, writes, wall_ms: t1 - t0, chars_between_calls: B.chars - chars0 - inCalls, chars_by_key: byKey };
}

// Runs in the page: what is stored and what the profile holds now.
function snapshot() {
  let stored = 0, keys = 0;
  for (let i = 0; i < localStorage.length; i++) {
    const k = localStorage.key(i);
    if (k.startsWith("parcours:")) { stored += k.length + localStorage.getItem(k).length; keys += 1; }
  }
  // The profile's `history` array, wherever the profile's shape puts it.
  const find = (o, depth) => {
    if (!o || typeof o !== "object" || depth > 3) return null;
    if (Array.isArray(o.history)) return o.history.length;
    for (const v of Object.values(o)) { const n = find(v, depth + 1); if (n != null) return n; }
    return null;
  };
  let history = null;
  try { history = find(parcours.profile(), 0); } catch { /* profile unavailable */ }
  return { history, stored_chars: stored, stored_keys: keys };
}

function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))];
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  return { n: s.length, min: s[0], median: q(0.5), p90: q(0.9), p99: q(0.99), max: s[s.length - 1], mean };
}

function longtasksIn(B, phase) {
  const ts = B.longtasks.filter(([start]) => start >= phase.start && start < phase.end);
  return { count: ts.length, total_ms: ts.reduce((a, [, d]) => a + d, 0), max_ms: ts.reduce((a, [, d]) => Math.max(a, d), 0) };
}

async function openShop(browser, base, { consentRequired }) {
  // The shop's tag says data-consent="required": "granted" is a visitor who
  // accepted its cookie banner (the harness's default), "pending" one who did not answer.
  const context = await browser.newContext({ shopConsent: !consentRequired });
  await context.addInitScript(instrument);
  await context.route((url) => url.pathname === PAGE, async (route) => {
    const response = await route.fetch();
    let body = await response.text();
    body = body.replace(/\sdata-debug(?=[\s>])/, "");
    await route.fulfill({
      response,
      body,
      headers: { ...response.headers(), "cross-origin-opener-policy": "same-origin", "cross-origin-embedder-policy": "require-corp" },
    });
  });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  const t0 = Date.now();
  await page.goto(base + PAGE);
  await page.waitForFunction(() => window.parcours && typeof window.parcours.ready === "function");
  const ready = await page.evaluate(async () => {
    const r = await window.parcours.ready();
    window.__bench.phases.push({ name: "load", start: 0, end: performance.now() });
    return { ready: r, live: !Array.isArray(window.parcours), isolated: self.crossOriginIsolated };
  });
  if (!ready.live) throw new Error(`the SDK did not load: ${JSON.stringify(ready.ready)} ${errors.join("; ")}`);
  return { context, page, errors, ready, ready_ms: Date.now() - t0 };
}

async function scenario(browser, base, dataDir, { name, consentRequired, tag }) {
  const { context, page, errors, ready } = await openShop(browser, base, { consentRequired });
  // The smallest step of performance.now() seen: the timer's resolution.
  const resolution = await page.evaluate(() => {
    let best = Infinity;
    for (let i = 0; i < 2000; i++) {
      const a = performance.now();
      let b = performance.now();
      while (b === a) b = performance.now();
      best = Math.min(best, b - a);
    }
    return best;
  });
  const rows = [];
  let tracked = 0; // benchmark events tracked so far (the page's own load events come on top)
  const start = await page.evaluate(snapshot);
  for (const size of SIZES) {
    const toGrow = Math.max(0, size - (start.history ?? 0) - tracked);
    progress(`${name}: growing by ${toGrow} to ${size}`);
    if (toGrow > 0) {
      await page.evaluate(grow, { count: toGrow, batch: GROW_BATCH, from: tracked, tag });
      tracked += toGrow;
      await page.waitForTimeout(300); // let the flush that growth scheduled run before timing
    }
    const before = await page.evaluate(snapshot);
    progress(`${name}: timing ${N} calls at ${size} (history ${before.history}, ${before.stored_keys} keys stored)`);
    const cdp = PROFILE_DIR ? await startProfile(page) : null;
    const r = await page.evaluate(measure, { n: N, from: tracked, tag, name: `measure-${size}` });
    if (cdp) await stopProfile(cdp, `${name}-${size}`);
    tracked += N;
    const after = await page.evaluate(snapshot);
    const lt = await page.evaluate((n) => window.__bench.phases.find((p) => p.name === n), `measure-${size}`);
    const B = await page.evaluate(() => ({ longtasks: window.__bench.longtasks, memory: window.__bench.memories.map((m) => m.buffer.byteLength) }));
    rows.push({
      size,
      tracked_before: tracked - N,
      history_before: before.history,
      history_after: after.history,
      stored_chars_before: before.stored_chars,
      stored_chars_after: after.stored_chars,
      stored_keys_before: before.stored_keys,
      stored_keys_after: after.stored_keys,
      ms: stats(r.ms),
      chars_per_call: stats(r.chars),
      writes_per_call: stats(r.writes),
      chars_between_calls: r.chars_between_calls,
      chars_by_key_during_phase: r.chars_by_key,
      wall_ms: r.wall_ms,
      longtasks: longtasksIn(B, lt),
      wasm_memory_bytes: B.memory,
      samples_ms: r.ms.map((x) => Math.round(x * 1000) / 1000),
    });
  }
  // Give the SDK time to deliver what it queued: until the server holds every
  // benchmark event of this scenario, or its count stops rising for 3 s (15 s at most).
  progress(`${name}: waiting for delivery`);
  let stored = -1, since = Date.now();
  const until = Date.now() + 15000;
  while (Date.now() < until) {
    const n = countStored(dataDir, tag);
    if (n !== stored) { stored = n; since = Date.now(); }
    if (stored >= tracked || (consentRequired && Date.now() - since > 1000) || Date.now() - since > 3000) break;
    await page.waitForTimeout(500);
  }
  const B = await page.evaluate(() => ({ ...window.__bench }));
  // A returning visitor: the page loaded again on the history just grown
  // (granted only: pending stored nothing), its wasm memory once ready.
  let reload = null;
  if (!consentRequired) {
    const t = Date.now();
    await page.reload();
    await page.waitForFunction(() => window.parcours && typeof window.parcours.ready === "function");
    const memory = await page.evaluate(async () => {
      await window.parcours.ready();
      return window.__bench.memories.map((m) => m.buffer.byteLength);
    });
    reload = { memory, ms: Date.now() - t, history: (await page.evaluate(snapshot)).history };
    progress(`${name}: reloaded with a history of ${reload.history}`);
  }
  // Long tasks per phase (the growth batches summed); "other" is everything
  // between phases (first flushes after load, snapshots, delivery).
  const phases = {};
  let inPhases = 0;
  for (const p of B.phases) {
    const lt = longtasksIn(B, p);
    inPhases += lt.count;
    const acc = (phases[p.name] ??= { count: 0, total_ms: 0, max_ms: 0 });
    acc.count += lt.count; acc.total_ms += lt.total_ms; acc.max_ms = Math.max(acc.max_ms, lt.max_ms);
  }
  phases.other = { count: B.longtasks.length - inPhases };
  const end = await page.evaluate(snapshot);
  await context.close();
  return {
    name,
    consent: consentRequired ? "required (not given)" : "granted",
    ready: ready.ready,
    cross_origin_isolated: ready.isolated,
    timer_resolution_ms: resolution,
    longtask_observer: B.longtaskObserver,
    tracked,
    rows,
    reload,
    longtasks_by_phase: phases,
    longtasks_total: { count: B.longtasks.length, max_ms: B.longtasks.reduce((a, [, d]) => Math.max(a, d), 0) },
    chars_written_total: B.chars,
    chars_written_by_key: B.byKey,
    end,
    page_errors: errors,
  };
}

// The server's own CLI, as the e2e tests read it (with room for thousands of events).
function countStored(dataDir, tag) {
  const out = execFileSync(SERVER_BIN, ["events", "--data-dir", dataDir], { encoding: "utf8", maxBuffer: 1 << 30 });
  return out.split("\n").filter((l) => l.includes(`"bench_tag":"${tag}"`)).length;
}

const PROFILE_DIR = process.env.BENCH_PROFILE;

async function startProfile(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Profiler.enable");
  await cdp.send("Profiler.setSamplingInterval", { interval: 50 });
  await cdp.send("Profiler.start");
  return cdp;
}

// Writes the profile and prints, for the samples inside the timed
// `parcours.track()` calls, the top functions by time including what they
// call, then by self time.
async function stopProfile(cdp, label) {
  const { profile } = await cdp.send("Profiler.stop");
  await cdp.detach();
  mkdirSync(PROFILE_DIR, { recursive: true });
  const file = join(PROFILE_DIR, `${label}.cpuprofile`);
  writeFileSync(file, JSON.stringify(profile));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const name = (n) => `${(n.callFrame.functionName || "(anonymous)").replace(/::h[0-9a-f]{16}$/, "")} ${n.callFrame.url.split("/").pop()}`;
  const total = new Map(), self = new Map();
  let inCalls = 0;
  profile.samples.forEach((id, i) => {
    const stack = [];
    for (let x = id; x != null; x = parent.get(x)) stack.push(byId.get(x));
    // Only inside `parcours.track()` called by `measure` (not the properties
    // built there, nor its timer yields).
    const at = stack.findIndex((n) => n.callFrame.functionName === "measure");
    if (at <= 0 || stack[at - 1].callFrame.functionName !== "track") return;
    const dt = profile.timeDeltas[i + 1] ?? 0;
    inCalls += dt;
    const frames = stack.slice(0, at).map(name);
    self.set(frames[0], (self.get(frames[0]) ?? 0) + dt);
    for (const f of new Set(frames)) total.set(f, (total.get(f) ?? 0) + dt);
  });
  const top = (m, n) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n)
    .map(([k, v]) => `  ${(v / 1000).toFixed(2).padStart(8)} ms ${((100 * v) / inCalls).toFixed(1).padStart(5)} %  ${k}`).join("\n");
  console.error(`profile ${label}: ${file}; ${(inCalls / 1000).toFixed(1)} ms inside the timed calls`);
  console.error(`including callees:\n${top(total, 40)}\nself:\n${top(self, 25)}`);
}

const fmt = (x, d = 2) => (x == null ? "–" : x.toFixed(d));
const kb = (c) => (c == null ? "–" : (c / 1024).toFixed(1));

function printTable(result) {
  for (const s of result.scenarios) {
    console.log(`\n${s.name}: consent ${s.consent}; crossOriginIsolated=${s.cross_origin_isolated}, timer step ${fmt(s.timer_resolution_ms, 4)} ms; ` +
      `server stored ${s.stored_by_server}/${s.tracked} benchmark events`);
    console.log("size    history   median ms   p99 ms   max ms   setItem/call KB (median)   between calls KB/call   stored KB (keys)   long tasks (max ms)   wasm memory MB");
    for (const r of s.rows) {
      const hist = `${r.history_before}→${r.history_after}`;
      console.log(
        `${(String(r.size) + " ").padEnd(6)}${hist.padStart(11)}  ${fmt(r.ms.median, 3).padStart(9)}  ${fmt(r.ms.p99, 3).padStart(7)}  ${fmt(r.ms.max, 2).padStart(7)}  ` +
        `${kb(r.chars_per_call.median).padStart(25)}  ${kb(r.chars_between_calls / r.ms.n).padStart(22)}  ${(kb(r.stored_chars_after) + " (" + r.stored_keys_after + ")").padStart(17)}  ` +
        `${String(r.longtasks.count).padStart(6)} (${fmt(r.longtasks.max_ms, 0)})   ` +
        `${(r.wasm_memory_bytes.length ? r.wasm_memory_bytes.map((b) => fmt(b / 2 ** 20, 2)).join(" + ") : "?").padStart(14)}`);
    }
    if (s.reload) {
      console.log(`reloaded (a returning visitor, history ${s.reload.history}): wasm memory ${s.reload.memory.map((b) => fmt(b / 2 ** 20, 2)).join(" + ")} MB once ready`);
    }
    const lt = s.longtasks_by_phase;
    console.log(`long tasks: load ${lt.load?.count ?? "–"} (max ${fmt(lt.load?.max_ms, 0)} ms), ` +
      `growth (batches of ${GROW_BATCH} calls, not a real-life pattern) ${lt.grow?.count ?? 0}, ` +
      `other ${lt.other.count}; total ${s.longtasks_total.count} (longest ${fmt(s.longtasks_total.max_ms, 0)} ms)`);
  }
  console.log(`\n"size" is the history length the run aimed at before timing: the visitor's history is bounded by the rules' history.max_events ` +
    `(demo rules: the default), so the "history" column shows what the profile actually held before→after the ${N} timed calls. ` +
    `KB are thousands of UTF-16 code units handed to localStorage.setItem.`);
}

// Goal 4's workload: the demo rules plus generated campaigns up to 200 and
// computed traits up to 50, every campaign evaluated on each tracked
// "Product Viewed" (headless, so nothing covers the page), a 5,000-event history.
function heavyRules() {
  const rules = demoRules();
  const cats = ["t-shirts", "sweaters", "accessories", "shoes"];
  const aggs = ["count", "sum", "max", "most_frequent", "count_distinct"];
  for (let i = rules.traits.length; i < 50; i++) {
    const agg = aggs[i % aggs.length];
    rules.traits.push({
      id: `gen_${i}`, event: "Product Viewed", aggregate: agg, window_days: 1 + (i * 7) % 90,
      ...(agg === "count" ? {} : { property: agg === "sum" || agg === "max" ? "price" : "category" }),
    });
  }
  for (let i = rules.campaigns.length; i < 200; i++) {
    const conditions = [
      { [`computed.gen_${10 + (i % 40)}`]: { $gte: i % 7 } },
      { "page.path": { $regex: `^/(products|product)` }, "session.pageviews": { $gte: i % 5 } },
      { "event.properties.category": cats[i % cats.length], "visit.count": { $lt: 100 } },
      { $or: [{ "device.type": "mobile" }, { [`computed.gen_${10 + (i % 40)}`]: { $in: cats } }] },
    ];
    rules.campaigns.push({
      id: `gen-${i}`, status: "active", priority: i % 50,
      audience: { condition: conditions[i % conditions.length] },
      trigger: { on: "event", event: "Product Viewed" }, placement: "none",
      frequency: { max_impressions: 1000 },
      variants: [{ id: "a", content: { title: `Offer ${i}` } }],
    });
  }
  rules.history = { max_events: 5000 };
  return rules;
}

async function main() {
  const wall0 = Date.now();
  const heavy = process.env.BENCH_RULES === "heavy";
  const server = await startServer(heavy ? { rules: heavyRules() } : {});
  const browser = await launchBrowser();
  const result = {
    benchmark: "parcours.track() main-thread cost",
    date: new Date().toISOString(),
    commit: (() => { try { return execFileSync("git", ["-C", ROOT, "describe", "--always", "--dirty"], { encoding: "utf8" }).trim(); } catch { return null; } })(),
    browser: `Chromium ${browser.version()}`,
    machine: { cpus: cpus().length, loadavg_start: loadavg().map((x) => Math.round(x * 100) / 100) },
    pkg_dir: PKG_DIR,
    pkg: fingerprint(),
    page: PAGE,
    rules: heavy ? "demo/rules.json + generated: 200 campaigns, 50 computed traits, history.max_events 5000 (BENCH_RULES=heavy)" : "demo/rules.json",
    calls_per_size: N,
    sizes: SIZES,
    grow_batch: GROW_BATCH,
    timing: "performance.now() around the synchronous parcours.track() call, one call per task; properties built outside the timed span",
    scenarios: [],
  };
  try {
    for (const [name, consentRequired] of [["granted", false], ["pending", true]]) {
      const s = await scenario(browser, server.url, server.dataDir, { name, consentRequired, tag: name });
      s.stored_by_server = countStored(server.dataDir, name);
      result.scenarios.push(s);
    }
  } finally {
    await browser.close();
    await server.stop();
  }
  const pkgEnd = fingerprint();
  result.pkg_changed_during_run = JSON.stringify(pkgEnd) !== JSON.stringify(result.pkg);
  result.machine.loadavg_end = loadavg().map((x) => Math.round(x * 100) / 100);
  result.wall_s = (Date.now() - wall0) / 1000;
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, JSON.stringify(result, null, 2) + "\n");
  printTable(result);
  const w = result.pkg["parcours_bg.wasm"];
  console.log(`\n${result.browser}, ${result.machine.cpus} CPUs, pkg wasm ${w ? `${w.bytes} B sha256 ${w.sha256}` : "?"}, load average ${result.machine.loadavg_start[0]} → ${result.machine.loadavg_end[0]}; ` +
    `${result.wall_s.toFixed(0)} s; written to ${OUT}`);
  if (result.pkg_changed_during_run) {
    console.error(`${PKG_DIR} changed during the run (was ${JSON.stringify(result.pkg)}, now ${JSON.stringify(pkgEnd)}): the figures mix two builds; run again`);
    process.exitCode = 1;
  }
  const pending = result.scenarios.find((s) => s.name === "pending");
  if (pending && (pending.stored_by_server > 0 || pending.rows.some((r) => r.chars_per_call.max > 0))) {
    console.error("consent pending, yet something was stored or sent");
    process.exitCode = 1;
  }
}

main().catch((e) => { console.error(e); process.exit(1); });

// In-browser benchmark: segmenting visitors, Parcours against GrowthBook, in one page.
//
//   node bench/browser/segment.mjs        (or `cargo xtask bench`)
//
// The workload is ../shared/bench/gen-workload.mjs, seed 42: 200 conditions and
// 1,000 visitor contexts. Each condition becomes a segment `s<i>` of one rules
// document; Parcours segments a visitor with one `Engine.segments(context)` call,
// GrowthBook with one `evalCondition(context, condition)` per condition
// (@growthbook/growthbook, pinned in bench/peers/package.json and installed
// there by bench/peers/install.mjs, git-ignored), collecting the matching ids on both sides.
// The engine gives a segment's condition the earlier segments' ids as
// `segments`, so the workload's own `segments` attribute is renamed
// `workload_segments` on both sides (in the contexts and in the conditions).
//
// Both run over the same visitors in interleaved rounds (the order alternates),
// after warm-up rounds. Before timing, every visitor's segments are compared:
// the run exits non-zero when the two sides disagree on any of them.
// Reported: ns per condition (round time / (visitors × conditions)), median and
// min–max over rounds, and GrowthBook's median / Parcours' median. Also: the
// cost of taking a context in (an engine with one empty segment) and of
// `JSON.stringify` on the contexts, per visitor.
//
// The page is served cross-origin-isolated (COOP/COEP), so `performance.now()`
// resolves to microseconds.
//
// Environment: CHROMIUM_BIN, PARCOURS_PKG_DIR (default pkg/), BENCH_ROUNDS
// (default 15), BENCH_OUT (default target/bench/segment.json).
import { createServer } from "node:http";
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { launchBrowser, PKG_DIR } from "../../tests/e2e/harness.mjs";
import { installPeers, PEERS_DIR, PINNED } from "../peers/install.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, "..", "..");
const GB_FILE = join(PEERS_DIR, "node_modules/@growthbook/growthbook/dist/bundles/esm.min.js");
const CONDITIONS = 200, VISITORS = 1000, SEED = 42;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const WARMUP = 3;
const OUT = process.env.BENCH_OUT ?? join(ROOT, "target/bench/segment.json");
const RENAMED = "workload_segments";

function workload() {
  const dir = join(process.env.CARGO_TARGET_DIR ?? join(ROOT, "target"), "bench-workload");
  if (!existsSync(join(dir, "conditions.json")) || !existsSync(join(dir, "profiles.json"))) {
    execFileSync("node", [join(ROOT, "../shared/bench/gen-workload.mjs"), dir, String(CONDITIONS), String(VISITORS), String(SEED)],
      { stdio: "inherit" });
  }
  const conditions = JSON.parse(readFileSync(join(dir, "conditions.json"), "utf8"));
  const profiles = JSON.parse(readFileSync(join(dir, "profiles.json"), "utf8"));
  if (conditions.length !== CONDITIONS || profiles.length !== VISITORS) throw new Error(`unexpected workload in ${dir}`);
  return { conditions: conditions.map(rename), profiles: profiles.map(renameAttr) };
}

// The condition with its `segments` attribute renamed, through the logic operators.
function rename(cond) {
  if (Array.isArray(cond)) return cond.map(rename);
  if (!cond || typeof cond !== "object") return cond;
  const out = {};
  for (const [k, v] of Object.entries(cond)) {
    if (k === "segments") out[RENAMED] = v;
    else if (k === "$and" || k === "$or" || k === "$nor" || k === "$not") out[k] = rename(v);
    else out[k] = v;
  }
  return out;
}

function renameAttr(p) {
  const { segments, ...rest } = p;
  return segments === undefined ? rest : { ...rest, [RENAMED]: segments };
}

const TYPES = { ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm", ".json": "application/json", ".html": "text/html" };

// Static files with COOP/COEP, so the page is cross-origin-isolated.
function serve(files) {
  const server = createServer((req, res) => {
    const url = new URL(req.url, "http://x");
    let body = files[url.pathname];
    if (body === undefined && url.pathname.startsWith("/pkg/")) {
      const p = normalize(join(PKG_DIR, url.pathname.slice(5)));
      if (p.startsWith(normalize(PKG_DIR)) && existsSync(p)) body = readFileSync(p);
    }
    const headers = {
      "cross-origin-opener-policy": "same-origin",
      "cross-origin-embedder-policy": "require-corp",
      "cross-origin-resource-policy": "same-origin",
      "cache-control": "no-store",
    };
    if (body === undefined) { res.writeHead(404, headers); res.end(); return; }
    res.writeHead(200, { ...headers, "content-type": TYPES[extname(url.pathname)] ?? "text/html" });
    res.end(body);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

const PAGE = `<!doctype html><meta charset="utf-8"><title>segment bench</title>
<script async src="/pkg/parcours.js" data-write-key="bench" data-consent="required"></script>`;

// Runs in the page: loads both sides and checks that they agree.
async function setup() {
  const gb = await import("/gb.mjs");
  const w = await (await fetch("/workload.json")).json();
  await window.parcours.ready();
  const tools = typeof window.parcours.tools === "function" ? await window.parcours.tools() : window.parcours;
  const { Engine } = tools;
  if (!Engine) throw new Error("no Engine class in the SDK");
  const ids = w.conditions.map((_, i) => `s${i}`);
  const rules = (conditions) => ({ version: "bench", segments: conditions.map((condition, i) => ({ id: ids[i], condition })) });
  const engine = Engine.fromRules(rules(w.conditions));
  const empty = Engine.fromRules({ version: "bench", segments: [{ id: "all", condition: {} }] });
  const { evalCondition } = gb;
  const growthbook = (ctx) => {
    const out = [];
    for (let i = 0; i < w.conditions.length; i++) if (evalCondition(ctx, w.conditions[i])) out.push(ids[i]);
    return out;
  };
  // Agreement, visitor by visitor.
  let parcours = 0, peer = 0, differ = 0;
  const examples = [];
  for (let v = 0; v < w.profiles.length; v++) {
    const a = engine.segments(w.profiles[v]), b = growthbook(w.profiles[v]);
    parcours += a.length; peer += b.length;
    if (a.join() !== b.join()) {
      differ += 1;
      if (examples.length < 5) examples.push({ visitor: v, parcours_only: a.filter((x) => !b.includes(x)), growthbook_only: b.filter((x) => !a.includes(x)) });
    }
  }
  window.__bench = { engine, empty, growthbook, profiles: w.profiles };
  return {
    matches: { parcours, growthbook: peer, visitors_that_differ: differ, examples },
    warnings: engine.warnings.length,
    isolated: self.crossOriginIsolated,
    userAgent: navigator.userAgent,
  };
}

// Runs in the page: one timed round of `side` over every visitor, in ms.
function round(side) {
  const B = window.__bench, ps = B.profiles;
  let n = 0;
  const t0 = performance.now();
  if (side === "parcours") for (let v = 0; v < ps.length; v++) n += B.engine.segments(ps[v]).length;
  else if (side === "growthbook") for (let v = 0; v < ps.length; v++) n += B.growthbook(ps[v]).length;
  else if (side === "intake") for (let v = 0; v < ps.length; v++) n += B.empty.segments(ps[v]).length;
  else if (side === "stringify") for (let v = 0; v < ps.length; v++) n += JSON.stringify(ps[v]).length;
  const t1 = performance.now();
  return { ms: t1 - t0, n };
}

function stats(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median, min: s[0], max: s[s.length - 1], n: s.length };
}

async function main() {
  installPeers();
  const { conditions, profiles } = workload();
  const server = await serve({
    "/": PAGE,
    "/gb.mjs": readFileSync(GB_FILE),
    "/workload.json": JSON.stringify({ conditions, profiles }),
  });
  const base = `http://127.0.0.1:${server.address().port}`;
  const browser = await launchBrowser();
  const result = {
    benchmark: "segmenting: Parcours Engine.segments vs GrowthBook evalCondition, same page",
    date: new Date().toISOString(),
    commit: (() => { try { return execFileSync("git", ["-C", ROOT, "describe", "--always", "--dirty"], { encoding: "utf8" }).trim(); } catch { return null; } })(),
    browser: `Chromium ${browser.version()}`,
    machine: { cpus: cpus().length, loadavg_start: loadavg().map((x) => Math.round(x * 100) / 100) },
    peer: `@growthbook/growthbook@${PINNED["@growthbook/growthbook"]}`,
    workload: { generator: "../shared/bench/gen-workload.mjs", seed: SEED, conditions: CONDITIONS, visitors: VISITORS, renamed: `segments → ${RENAMED}` },
    rounds: ROUNDS,
    warmup_rounds: WARMUP,
  };
  let failed = false;
  try {
    const page = await (await browser.newContext()).newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(base + "/");
    await page.waitForFunction(() => window.parcours && typeof window.parcours.ready === "function");
    const setupResult = await page.evaluate(setup);
    Object.assign(result, setupResult);
    const m = setupResult.matches;
    if (m.parcours !== m.growthbook || m.visitors_that_differ > 0) {
      failed = true;
      console.error(`the two sides disagree: Parcours ${m.parcours} matches, GrowthBook ${m.growthbook}, ` +
        `${m.visitors_that_differ} visitors differ, e.g. ${JSON.stringify(m.examples)}`);
    }
    const sides = ["parcours", "growthbook", "intake", "stringify"];
    const ms = Object.fromEntries(sides.map((s) => [s, []]));
    for (let r = 0; r < WARMUP + ROUNDS; r++) {
      const order = r % 2 ? [...sides].reverse() : sides;
      for (const side of order) {
        const { ms: t } = await page.evaluate(round, side);
        if (r >= WARMUP) ms[side].push(t);
      }
    }
    const evals = CONDITIONS * VISITORS;
    const perCond = (xs) => stats(xs.map((t) => (t * 1e6) / evals));
    const perVisitorUs = (xs) => stats(xs.map((t) => (t * 1e3) / VISITORS));
    result.ns_per_condition = { parcours: perCond(ms.parcours), growthbook: perCond(ms.growthbook) };
    result.ratio_growthbook_over_parcours = result.ns_per_condition.growthbook.median / result.ns_per_condition.parcours.median;
    result.us_per_visitor = {
      parcours: perVisitorUs(ms.parcours),
      growthbook: perVisitorUs(ms.growthbook),
      parcours_intake_one_empty_segment: perVisitorUs(ms.intake),
      json_stringify: perVisitorUs(ms.stringify),
    };
    result.round_ms = ms;
    result.page_errors = errors;
  } finally {
    await browser.close();
    server.close();
  }
  result.machine.loadavg_end = loadavg().map((x) => Math.round(x * 100) / 100);
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, JSON.stringify(result, null, 2) + "\n");
  const f = (s) => `${s.median.toFixed(1)} (${s.min.toFixed(1)}–${s.max.toFixed(1)})`;
  const n = result.ns_per_condition, u = result.us_per_visitor;
  if (n) {
    console.log(`\nsegmenting ${VISITORS} visitors × ${CONDITIONS} conditions (gen-workload seed ${SEED}), ${ROUNDS} interleaved rounds, ${result.browser}, crossOriginIsolated=${result.isolated}`);
    console.log(`  ns per condition, median (min–max): Parcours ${f(n.parcours)}, GrowthBook ${f(n.growthbook)}; GrowthBook / Parcours = ${result.ratio_growthbook_over_parcours.toFixed(2)}×`);
    console.log(`  µs per visitor: Parcours ${f(u.parcours)}, GrowthBook ${f(u.growthbook)}; taking a context in (one empty segment) ${f(u.parcours_intake_one_empty_segment)}, JSON.stringify alone ${f(u.json_stringify)}`);
    console.log(`  matches: Parcours ${result.matches.parcours}, GrowthBook ${result.matches.growthbook}; written to ${OUT}`);
  }
  if (failed) process.exitCode = 1;
}

main().catch((e) => { console.error(e); process.exit(1); });

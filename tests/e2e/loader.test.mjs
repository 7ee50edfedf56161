// The loader (src/loader.js) before, without and around the wasm: calls
// made before it loads, `ready()` on every path, and a script tag inserted
// late by a tag manager.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  openServerAndBrowser, closeServerAndBrowser, storedEvents, recordBatches, eventually,
  serveFixtures, serveFixtureRules, watchErrors,
} from "./harness.mjs";

let server, browser;
before(async () => ({ server, browser } = await openServerAndBrowser()));
after(() => closeServerAndBrowser(server, browser));

const DEMO_VERSION = "2026-12-03T09:00:00Z#2";
const NOT_LOADED = { rules: "none", version: null };

/** Holds the wasm back until the returned function is called. */
async function holdWasm(context) {
  let release;
  const gate = new Promise((r) => (release = r));
  await context.route(/\/pkg\/parcours_bg\.wasm(\?|$)/, async (route) => {
    await gate;
    await route.continue();
  });
  return release;
}

/** `parcours.ready()`, or "timeout" when it has not resolved within `ms`. */
const readyOrTimeout = (page, ms = 8000) =>
  page.evaluate((ms) => Promise.race([
    window.parcours.ready(),
    new Promise((r) => setTimeout(() => r("timeout"), ms)),
  ]), ms);

test("every method can be called before the wasm loads; the answering ones return a Promise of their answer", async () => {
  const context = await browser.newContext();
  await serveFixtureRules(context);
  const release = await holdWasm(context);
  const page = await context.newPage();
  const errors = await watchErrors(page);
  await page.goto(`${server.url}/products.html`);
  // parcours.js ran (its stubs are in place), the wasm is held back.
  await page.waitForFunction(() => Array.isArray(window.parcours) && typeof window.parcours.track === "function");

  const early = await page.evaluate(() => {
    const p = window.parcours;
    const out = { stubs: Object.keys(p).filter((k) => typeof p[k] === "function"), threw: [], returned: {} };
    const call = (m, ...args) => {
      try {
        const r = p[m](...args);
        out.returned[m] = r instanceof Promise ? "Promise" : typeof r;
        return r;
      } catch (e) {
        out.threw.push(`${m}: ${e.message}`);
      }
    };
    call("on", "decision", (d) => (window.__decided = d.campaign_id));
    call("identify", "user-early", { first_name: "Ada" });
    call("track", "Early Event", { n: 1 });
    call("consent", true);
    window.__answers = { decide: call("decide", "none"), explain: call("explain"), profile: call("profile"), ready: call("ready") };
    out.flag = call("flag", "hero");
    call("off", "clicked");
    window.__keptStub = p; // a host that kept the queue object
    return out;
  });
  assert.deepEqual(early.threw, [], "no stub throws");
  for (const m of ["decide", "explain", "profile", "ready"]) assert.equal(early.returned[m], "Promise", `${m}() returns a Promise`);
  assert.equal(early.flag, null, "flag() answers synchronously: null before the SDK loaded");

  release();
  const answers = await page.evaluate(async () => {
    const a = window.__answers;
    return { decide: await a.decide, explain: await a.explain, profile: await a.profile, ready: await a.ready };
  });
  assert.deepEqual(answers.ready, { rules: "network", version: "e2e-fixtures#1" });
  // Answered on the rules, once loaded: the headless campaign is decided.
  assert.deepEqual(answers.decide.map((d) => d.campaign_id), ["hero"]);
  assert.ok(answers.explain.some((x) => JSON.stringify(x).includes("csp-popin")), "explain covers every campaign");
  assert.equal(answers.profile.profile.user_id, "user-early", "the queued identify ran before profile() answered");
  assert.equal(await page.evaluate(() => window.__decided), "hero", "the queued on() listener is live");

  // Every method of the live API had a stub.
  const live = await page.evaluate(() => Object.getOwnPropertyNames(Object.getPrototypeOf(window.parcours))
    .filter((k) => k !== "constructor" && k !== "free" && !k.startsWith("__") && typeof window.parcours[k] === "function"));
  const missing = live.filter((m) => m !== "push" && !early.stubs.includes(m));
  assert.deepEqual(missing, [], "methods without a stub before load");

  // A host that kept the queue object still reaches the live SDK.
  assert.deepEqual(await page.evaluate(() => window.__keptStub.flag("hero")),
    { campaign_id: "hero", variant_id: "a", holdout: false, reason: "targeting_match" }, "the kept flag stub forwards");
  await page.evaluate(() => window.__keptStub.track("Via Kept Stub"));
  const stored = await eventually(() => {
    const events = storedEvents(server.dataDir);
    return events.some((e) => e.event === "Early Event") && events.some((e) => e.event === "Via Kept Stub") && events;
  });
  assert.ok(stored, "the queued and the forwarded calls are stored");
  const early_event = stored.find((e) => e.event === "Early Event");
  assert.equal(early_event.payload.userId, "user-early", "queued calls ran in order");
  assert.deepEqual(errors, []);
  await context.close();
});

test("a forget() queued before load runs in order and its Promise says whether the backend erased", async () => {
  const context = await browser.newContext();
  const release = await holdWasm(context);
  const page = await context.newPage();
  const errors = await watchErrors(page);
  const sent = recordBatches(page);
  await page.goto(`${server.url}/cart.html`);
  await page.waitForFunction(() => Array.isArray(window.parcours) && typeof window.parcours.track === "function");
  const returned = await page.evaluate(() => {
    const p = window.parcours;
    p.track("Before Forget");
    window.__forgot = p.forget();
    p.track("After Forget");
    return window.__forgot instanceof Promise;
  });
  assert.ok(returned, "forget() returns a Promise before load");
  release();
  assert.equal(await page.evaluate(() => window.__forgot), true, "the backend acknowledged");
  await eventually(() => sent.some((m) => m.event === "After Forget"));
  assert.ok(!sent.some((m) => m.event === "Before Forget"), "what was tracked before forget() is never sent");
  const after_ = sent.find((m) => m.event === "After Forget");
  assert.ok(sent.filter((m) => m.type === "page").every((m) => m.anonymousId === after_.anonymousId),
    "the page view comes after forget(), with the new visitor");
  assert.deepEqual(errors, []);
  await context.close();
});

test("ready() resolves once, with { rules, version }: from the network, then from the cache when the network fails", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = await watchErrors(page);
  await page.goto(`${server.url}/cart.html`);
  const [first, second] = await page.evaluate(async () => {
    let calls = 0;
    const a = await window.parcours.ready().then((r) => (calls++, r));
    const b = await window.parcours.ready();
    await new Promise((r) => setTimeout(r, 200));
    return [{ ...a, calls }, b];
  });
  assert.deepEqual(first, { rules: "network", version: DEMO_VERSION, calls: 1 });
  assert.deepEqual(second, { rules: "network", version: DEMO_VERSION });

  await context.route("**/v1/rules?*", (route) => route.abort("internetdisconnected"));
  await page.goto(`${server.url}/index.html`);
  assert.deepEqual(await readyOrTimeout(page), { rules: "cached", version: DEMO_VERSION });
  assert.deepEqual(errors, []);
  await context.close();
});

/** Ways the SDK cannot get going: each leaves the page working and ready() resolved. */
const failures = {
  "the rules fetch fails on a first visit": async (context) => {
    await context.route("**/v1/rules?*", (route) => route.abort("internetdisconnected"));
  },
  "the wasm answers 404": async (context) => {
    await context.route(/\/pkg\/parcours_bg\.wasm(\?|$)/, (route) => route.fulfill({ status: 404, body: "not found" }));
  },
  "the wasm cannot be fetched": async (context) => {
    await context.route(/\/pkg\/parcours_bg\.wasm(\?|$)/, (route) => route.abort("internetdisconnected"));
  },
  "WebAssembly is missing": async (context) => {
    await context.addInitScript(() => { delete window.WebAssembly; });
  },
};

for (const [name, setUp] of Object.entries(failures)) {
  test(`when ${name}, ready() resolves { rules: "none", version: null } and nothing throws`, async () => {
    const context = await browser.newContext();
    await setUp(context);
    const page = await context.newPage();
    const errors = await watchErrors(page);
    await page.goto(`${server.url}/products.html`);
    assert.deepEqual(await readyOrTimeout(page), NOT_LOADED);
    const after_ = await page.evaluate(async () => {
      const p = window.parcours, threw = [];
      const safe = async (m, ...args) => {
        try { return await p[m](...args); } catch (e) { threw.push(`${m}: ${e.message}`); }
      };
      safe("track", "Late Event");
      safe("page");
      safe("identify", "u1");
      safe("on", "shown", () => {});
      const answers = { decide: await safe("decide"), explain: await safe("explain"), ready: await safe("ready") };
      return { threw, answers };
    });
    assert.deepEqual(after_.threw, [], "calls after the failure do not throw");
    assert.deepEqual(after_.answers.decide, []);
    assert.deepEqual(after_.answers.explain, []);
    assert.deepEqual(after_.answers.ready, NOT_LOADED, "ready() keeps its one answer");
    assert.deepEqual(errors, []);
    await context.close();
  });
}

/** What a tag manager's custom HTML tag does, long after the page loaded. */
const injectLikeATagManager = (page, times = 1) => page.evaluate((times) => {
  window.parcours = window.parcours || [];
  window.parcours.push(["track", "Queued By Tag"]);
  for (let i = 0; i < times; i++) {
    const s = document.createElement("script");
    s.src = "/pkg/parcours.js";
    s.async = false;
    s.dataset.writeKey = "demo";
    s.dataset.debug = "";
    document.head.appendChild(s);
  }
}, times);

const lateVariants = {
  "a tag manager inserts the script long after load": async () => {},
  "document.currentScript is unavailable": async (context) => {
    await context.addInitScript(() =>
      Object.defineProperty(Document.prototype, "currentScript", { configurable: true, get: () => null }));
  },
};

for (const [name, setUp] of Object.entries(lateVariants)) {
  test(`when ${name}, the loader still finds its options and its wasm`, async () => {
    const context = await browser.newContext();
    await serveFixtures(context);
    await setUp(context);
    const page = await context.newPage();
    const errors = await watchErrors(page);
    const sent = recordBatches(page);
    await page.goto(`${server.url}/fixtures/blank.html`);
    await page.waitForLoadState("load");
    await page.waitForTimeout(300);
    await injectLikeATagManager(page);
    await page.waitForFunction(() => window.parcours && typeof window.parcours.ready === "function");
    assert.deepEqual(await readyOrTimeout(page), { rules: "network", version: DEMO_VERSION }, "the write key was read");
    await eventually(() => sent.some((m) => m.event === "Queued By Tag") && sent.some((m) => m.type === "page"));
    const pageView = sent.find((m) => m.type === "page");
    assert.equal(pageView.context.page.path, "/fixtures/blank.html");
    assert.deepEqual(errors, []);
    await context.close();
  });
}

test("a tag that fires twice starts one SDK: one page view per navigation", async () => {
  const context = await browser.newContext();
  await serveFixtures(context);
  const page = await context.newPage();
  const errors = await watchErrors(page);
  const sent = recordBatches(page);
  await page.goto(`${server.url}/fixtures/blank.html`);
  await injectLikeATagManager(page, 2);
  await page.waitForFunction(() => window.parcours && !Array.isArray(window.parcours));
  await readyOrTimeout(page);
  await page.evaluate(() => history.pushState({}, "", "/fixtures/blank.html?step=2"));
  await injectLikeATagManager(page, 1); // fired again on the history change
  await page.waitForTimeout(500);
  await page.evaluate(() => window.parcours.track("Flush Now"));
  await eventually(() => sent.some((m) => m.event === "Flush Now"));
  const pages = sent.filter((m) => m.type === "page").map((m) => m.context.page.url.replace(server.url, ""));
  assert.deepEqual(pages, ["/fixtures/blank.html", "/fixtures/blank.html?step=2"]);
  assert.equal(sent.filter((m) => m.event === "Queued By Tag").length, 2, "every queued call is kept");
  assert.deepEqual(errors, []);
  await context.close();
});

test("the wasm is named by its content hash and kept: the next page asks the server for no wasm", async () => {
  const context = await browser.newContext();
  const wasmEntry = (page) => page.evaluate(() => {
    const e = performance.getEntriesByType("resource").find((r) => r.name.includes("parcours_bg.wasm"));
    return e && { url: e.name, transferSize: e.transferSize };
  });
  const first = await context.newPage();
  await first.goto(`${server.url}/products.html`);
  assert.deepEqual(await readyOrTimeout(first), { rules: "network", version: DEMO_VERSION });
  const loaded = await wasmEntry(first);
  assert.match(loaded.url, /\/pkg\/parcours_bg\.wasm\?v=[A-Za-z0-9_-]{16}$/, "the loader names the wasm by its hash");
  assert.ok(loaded.transferSize > 100000, "the first page downloads it");
  const res = await context.request.get(loaded.url);
  assert.equal(res.headers()["cache-control"], "public, max-age=31536000, immutable");
  await first.close();

  const next = await context.newPage();
  await next.goto(`${server.url}/cart.html`);
  assert.deepEqual(await readyOrTimeout(next), { rules: "cached", version: DEMO_VERSION });
  const again = await wasmEntry(next);
  assert.equal(again.url, loaded.url);
  assert.equal(again.transferSize, 0, "from the browser's cache, not revalidated (a 304 would transfer its headers)");
  await context.close();
});

test("the rules are asked for while the wasm loads, once per page, revalidated with the cached ETag", async () => {
  const context = await browser.newContext();
  const rulesRequests = [];
  context.on("request", (r) => {
    if (/\/v1\/rules\?/.test(r.url())) rulesRequests.push({ url: r.url(), etag: r.headers()["if-none-match"] ?? null });
  });
  const release = await holdWasm(context);
  const page = await context.newPage();
  await page.goto(`${server.url}/products.html`);
  await eventually(() => rulesRequests.length === 1);
  assert.equal(await page.evaluate(() => Array.isArray(window.parcours)), true, "sent before the wasm ran");
  release();
  assert.deepEqual(await readyOrTimeout(page), { rules: "network", version: DEMO_VERSION });
  await page.waitForTimeout(300);
  assert.equal(rulesRequests.length, 1, "the SDK took the loader's answer instead of asking again");
  assert.equal(rulesRequests[0].etag, null, "nothing cached on a first visit");
  assert.match(rulesRequests[0].url, /writeKey=demo$/);

  await page.goto(`${server.url}/cart.html`);
  assert.deepEqual(await readyOrTimeout(page), { rules: "cached", version: DEMO_VERSION });
  await page.waitForTimeout(300);
  assert.equal(rulesRequests.length, 2, "one request for the second page too");
  assert.ok(rulesRequests[1].etag, "with the cached rules' ETag: the server answers 304");
  await context.close();
});

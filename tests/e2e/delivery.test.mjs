// Delivery, end to end in Chromium against the real server: many tabs at
// once, every answer a collector can give (faked with page.route where the
// real server would not give it), offline, and the copies a navigation costs.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { openServerAndBrowser, closeServerAndBrowser, storedEvents, eventually, serveFixtures } from "./harness.mjs";

let server, browser;
before(async () => ({ server, browser } = await openServerAndBrowser()));
after(() => closeServerAndBrowser(server, browser));

/** Stored events of one run (properties.run), as "tab/i" keys. */
function storedRun(run) {
  return storedEvents(server.dataDir)
    .filter((e) => e.payload?.properties?.run === run)
    .map((e) => `${e.payload.properties.tab}/${e.payload.properties.i}`);
}

/** Every batch message a context sends (fetch, keepalive and beacons). */
function recordSent(context) {
  const sent = [];
  context.on("request", (req) => {
    if (req.url().includes("/v1/batch") && req.method() === "POST") {
      try { sent.push(...JSON.parse(req.postData() ?? "{}").batch); } catch { /* not JSON */ }
    }
  });
  return sent;
}

async function openTab(context, path = "/cart.html") {
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  await page.goto(`${server.url}${path}`);
  await page.evaluate(() => window.parcours.ready());
  return { page, errors };
}

/** `n` tabs each track `count` events in one task, all at the same instant. */
async function burst(n, count, run) {
  const context = await browser.newContext();
  const tabs = [];
  for (let t = 0; t < n; t++) tabs.push(await openTab(context));
  const at = Date.now() + 500;
  await Promise.all(tabs.map(({ page }, tab) => page.evaluate(({ at, count, run, tab }) =>
    new Promise((done) => setTimeout(() => {
      for (let i = 0; i < count; i++) window.parcours.track("Load Test", { run, tab, i });
      done();
    }, at - Date.now())), { at, count, run, tab })));
  const want = n * count;
  const got = await eventually(() => { const s = storedRun(run); return s.length >= want && s; }, 30000, 250);
  const stored = storedRun(run);
  const ids = storedEvents(server.dataDir).filter((e) => e.payload?.properties?.run === run).map((e) => e.message_id);
  for (const { errors } of tabs) assert.deepEqual(errors, []);
  await context.close();
  return { got, stored, ids, want };
}

for (const tabs of [2, 4]) {
  test(`${tabs} tabs × 50 events at once, three times: every event stored exactly once`, async () => {
    for (let rep = 0; rep < 3; rep++) {
      const run = `tabs${tabs}-${rep}`;
      const { stored, ids, want } = await burst(tabs, 50, run);
      assert.equal(new Set(stored).size, want, `${run}: every (tab, i) stored`);
      assert.equal(stored.length, want, `${run}: none twice`);
      assert.equal(new Set(ids).size, ids.length);
    }
  });
}

test("a reload with a non-empty queue sends it; offline → online delivers it", async () => {
  const context = await browser.newContext();
  const { page } = await openTab(context);
  await context.setOffline(true);
  await page.evaluate(() => { for (let i = 0; i < 10; i++) window.parcours.track("Load Test", { run: "reload", tab: 0, i }); });
  await page.waitForTimeout(1500);
  const queued = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("parcours:o:")).length);
  assert.ok(queued >= 10, `the queue is stored (${queued} keys)`);
  await context.setOffline(false);
  await page.reload();
  const got = await eventually(() => storedRun("reload").length >= 10, 20000, 250);
  assert.ok(got, "the reloaded page sent the previous page's queue");
  assert.equal(storedRun("reload").length, 10);

  await context.setOffline(true);
  await page.evaluate(() => { for (let i = 0; i < 10; i++) window.parcours.track("Load Test", { run: "offline", tab: 0, i }); });
  await page.waitForTimeout(3000);
  await context.setOffline(false);
  assert.ok(await eventually(() => storedRun("offline").length >= 10, 20000, 250), "delivered once back online");
  assert.equal(storedRun("offline").length, 10);
  await context.close();
});

test("a tab closed in the middle of a flush loses nothing", async () => {
  const context = await browser.newContext();
  let held = 0;
  // The collector is slow: the first batches stay in flight while the tab closes.
  await context.route("**/v1/batch", async (route) => {
    held++;
    await new Promise((r) => setTimeout(r, 1500));
    await route.continue().catch(() => {});
  });
  const { page } = await openTab(context);
  await page.evaluate(() => { for (let i = 0; i < 30; i++) window.parcours.track("Load Test", { run: "closed", tab: 0, i }); });
  await eventually(() => held > 0, 5000, 50);
  await page.close({ runBeforeUnload: false });
  await context.unroute("**/v1/batch");
  await openTab(context, "/products.html");
  assert.ok(await eventually(() => storedRun("closed").length >= 30, 20000, 250), `stored ${storedRun("closed").length} of 30`);
  assert.equal(storedRun("closed").length, 30);
  await context.close();
});

test("5xx and 429 are retried with backoff, honouring Retry-After", async () => {
  const context = await browser.newContext();
  const times = [];
  await context.route("**/v1/batch", async (route) => {
    times.push(Date.now());
    if (times.length === 1) return route.fulfill({ status: 503, headers: { "retry-after": "2", "access-control-allow-origin": "*", "access-control-expose-headers": "Retry-After" }, body: "" });
    if (times.length === 2) return route.fulfill({ status: 429, body: "" });
    return route.continue();
  });
  const { page } = await openTab(context);
  await page.evaluate(() => window.parcours.track("Load Test", { run: "retry", tab: 0, i: 0 }));
  assert.ok(await eventually(() => storedRun("retry").length === 1, 20000, 100), "stored after the retries");
  assert.ok(times[1] - times[0] >= 2000, `Retry-After honoured: ${times[1] - times[0]} ms`);
  assert.ok(times[2] - times[1] >= 400, `then backoff: ${times[2] - times[1]} ms`);
  await context.close();
});

test("413 and 400 split the batch; a message refused alone is dropped and reported", async () => {
  const context = await browser.newContext();
  const sizes = [];
  await context.route("**/v1/batch", async (route) => {
    const batch = JSON.parse(route.request().postData() ?? "{}").batch ?? [];
    sizes.push(batch.length);
    if (batch.length > 4) return route.fulfill({ status: 413, body: "" });
    if (batch.some((m) => m.properties?.bad)) return route.fulfill({ status: 400, body: "" });
    return route.continue();
  });
  const { page } = await openTab(context);
  await page.waitForTimeout(1500); // the page view goes first
  const errors = await page.evaluate(() => new Promise((done) => {
    const seen = [];
    window.parcours.on("error", (e) => seen.push(e));
    for (let i = 0; i < 12; i++) window.parcours.track("Load Test", { run: "split", tab: 0, i, bad: i === 5 });
    setTimeout(() => done(seen), 6000);
  }));
  const stored = await eventually(() => { const s = storedRun("split"); return s.length >= 11 && s; }, 15000, 250);
  assert.equal(stored.length, 11, "all but the refused one stored");
  assert.ok(!stored.includes("0/5"));
  assert.ok(errors.some((e) => /refused/.test(e.message) && e.detail?.messageId), JSON.stringify(errors));
  assert.ok(sizes.some((n) => n > 4) && sizes.some((n) => n === 1), `split down to one: ${sizes}`);
  await context.close();
});

test("a 2xx listing rejected messages drops only those and reports them", async () => {
  const context = await browser.newContext();
  let first = true;
  let rejectedId;
  await context.route("**/v1/batch", async (route) => {
    const batch = JSON.parse(route.request().postData() ?? "{}").batch ?? [];
    const target = batch.find((m) => m.properties?.run === "rejected");
    if (first && target) {
      first = false;
      rejectedId = target.messageId;
      // Forward the others, answer that one rejected.
      const others = batch.filter((m) => m !== target);
      await fetch(`${server.url}/v1/batch`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ writeKey: "demo", batch: others }) });
      return route.fulfill({ status: 200, contentType: "application/json", headers: { "access-control-allow-origin": "*" },
        body: JSON.stringify({ accepted: others.length, duplicates: 0, rejected: [{ index: batch.indexOf(target), messageId: target.messageId, field: "properties", error: "test" }] }) });
    }
    return route.continue();
  });
  const { page } = await openTab(context);
  const errors = await page.evaluate(() => new Promise((done) => {
    const seen = [];
    window.parcours.on("error", (e) => seen.push(e));
    window.parcours.track("Load Test", { run: "rejected", tab: 0, i: 0 });
    window.parcours.track("Load Test", { run: "kept", tab: 0, i: 0 });
    setTimeout(() => done(seen), 3000);
  }));
  assert.ok(rejectedId);
  assert.ok(errors.some((e) => /rejected/.test(e.message) && e.detail?.[0]?.messageId === rejectedId), JSON.stringify(errors));
  assert.equal(storedRun("kept").length, 1);
  assert.equal(storedRun("rejected").length, 0, "the rejected one is not resent");
  const left = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("parcours:o:")).length);
  assert.equal(left, 0, "nothing left in the queue");
  await context.close();
});

test("401/403/404 pause sending and keep the queue; the next page load resumes", async () => {
  const context = await browser.newContext();
  let refused = 0;
  await context.route("**/v1/batch", (route) => { refused++; return route.fulfill({ status: 401, body: "" }); });
  // A page granted by default (the shop's pages grant at load, which sends the
  // page view at once, before the listener below is there to see the pause).
  await serveFixtures(context);
  const { page } = await openTab(context, "/fixtures/landing.html");
  const errors = await page.evaluate(() => new Promise((done) => {
    const seen = [];
    window.parcours.on("error", (e) => seen.push(e));
    window.parcours.track("Load Test", { run: "paused", tab: 0, i: 0 });
    setTimeout(() => {
      for (let i = 1; i < 5; i++) window.parcours.track("Load Test", { run: "paused", tab: 0, i });
      setTimeout(() => done(seen), 3000);
    }, 2000);
  }));
  assert.equal(errors.filter((e) => /paused/.test(e.message)).length, 1, JSON.stringify(errors));
  assert.equal(refused, 1, "no further attempt while paused");
  await context.unroute("**/v1/batch");
  await page.reload();
  assert.ok(await eventually(() => storedRun("paused").length >= 5, 15000, 250), "resumed at the next page load");
  assert.equal(storedRun("paused").length, 5);
  await context.close();
});

test("a navigation sends each event at most twice on the wire and stores it once", async () => {
  const context = await browser.newContext();
  const sent = recordSent(context);
  const { page } = await openTab(context, "/products.html");
  await page.evaluate(() => { for (let i = 0; i < 3; i++) window.parcours.track("Load Test", { run: "nav", tab: 0, i }); });
  await page.waitForTimeout(300);
  await page.goto(`${server.url}/cart.html`);
  await page.evaluate(() => window.parcours.ready());
  assert.ok(await eventually(() => storedRun("nav").length >= 3, 15000, 250));
  // Past the new page's first sweep for queues left by closed pages.
  await page.waitForTimeout(6500);
  const copies = {};
  for (const m of sent.filter((m) => m.properties?.run === "nav")) copies[m.messageId] = (copies[m.messageId] ?? 0) + 1;
  const counts = Object.values(copies);
  assert.equal(counts.length, 3);
  assert.ok(counts.every((c) => c >= 1 && c <= 2), `copies per event: ${counts}`);
  assert.equal(storedRun("nav").length, 3);
  console.log(`# copies per event on a navigation 300 ms after tracking: ${counts.join(", ")}`);
  await context.close();
});

// Delivery, end to end over W3C WebDriver, in Chromium, Firefox ESR and
// WebKitGTK: every event tracked reaches the server exactly once, across
// tabs sharing one profile, closed tabs, reloads, outages and consent.
//
// PARCOURS_BROWSERS=chromium,firefox narrows the browsers (default: all three,
// and a browser that is not installed fails); PARCOURS_WD_REPEAT sets how
// many times the tab scenarios run (default 3).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  awaitRun, browserNames, deliveryProblems, errorsOf, eventually, load, openBrowser, scheduleBurst, sleep,
  startCollector, startFixture, startServer, storedKeys, storedRun, track, whenReady, wireRun, wireSummary,
} from "./harness.mjs";

const REPEAT = Number(process.env.PARCOURS_WD_REPEAT ?? 3);
let runs = 0;
const newRun = (what) => `${what}-${process.pid}-${++runs}`;
const keys = (tabs, n, from = 0) =>
  Array.from({ length: tabs }, (_, t) => Array.from({ length: n }, (_, i) => `${t}:${from + i}`)).flat();

/** A fresh server (own data folder), collector proxy and fixture origin for `fn`. */
async function withSetup(fn) {
  // The fixture's origin (another port) is only known once it listens: allow any.
  const server = await startServer({ origins: ["*"] });
  const collector = await startCollector(server.url);
  const fixture = await startFixture({ server: server.url, collector: collector.url });
  try {
    return await fn({ server, collector, fixture });
  } finally {
    await fixture.stop();
    await collector.stop();
    await server.stop();
  }
}

/** A fresh browser (own profile) for `fn`, ended whatever happens. */
async function withBrowser(name, fn) {
  const b = await openBrowser(name);
  try {
    return await fn(b.driver, b);
  } finally {
    await b.stop();
  }
}

/** Asserts that no tab in `tabErrors` saw a page error (uncaught error or rejection). */
function assertNoPageErrors(tabErrors) {
  const page = tabErrors.flatMap((e, t) => e.page.map((x) => `tab ${t}: ${x}`));
  assert.deepEqual(page, [], "no page errors");
}

async function errorsOfTabs(driver, handles) {
  const out = [];
  for (const h of handles) {
    await driver.switchTo().window(h);
    out.push(await errorsOf(driver));
  }
  return out;
}

/**
 * `tabs` tabs of one profile each track `n` events in one task at the same
 * wall-clock instant; resolves to what was stored and sent.
 */
async function tabsAtOnce(name, ctx, { tabs, n = 50, flags = [] }) {
  const run = newRun(`tabs${tabs}`);
  return withBrowser(name, async (driver) => {
    const url = ctx.fixture.page({ flags });
    const handles = [];
    for (let t = 0; t < tabs; t++) {
      if (t > 0) await driver.switchTo().newWindow("tab");
      handles.push(await driver.getWindowHandle());
      await load(driver, url);
    }
    const at = Date.now() + 1000 + 300 * tabs;
    for (let t = 0; t < tabs; t++) {
      await driver.switchTo().window(handles[t]);
      await scheduleBurst(driver, { run, tab: t, n, at });
    }
    await sleep(at - Date.now() + 100);
    const bursts = [];
    for (const h of handles) {
      await driver.switchTo().window(h);
      bursts.push(await eventually(() => driver.executeScript("return window.__burst"), 10000, 50));
    }
    assert.ok(bursts.every(Boolean), `every tab ran its burst: ${JSON.stringify(bursts)}`);
    const stored = await awaitRun(ctx.server.dataDir, run, tabs * n);
    const wire = wireRun(ctx.collector, run);
    return {
      run,
      problems: deliveryProblems({ stored, wire, keys: keys(tabs, n) }),
      errors: await errorsOfTabs(driver, handles),
      skew: Math.max(...bursts.map((b) => b.start)) - Math.min(...bursts.map((b) => b.start)),
      late: Math.max(...bursts.map((b) => b.start - at)),
      wire: wireSummary(wire),
    };
  });
}

/** Runs the tab scenario `times` times, stopping at the first repetition that loses or doubles an event. */
async function tabsScenario(t, name, { tabs, times, flags }) {
  await withSetup(async (ctx) => {
    for (let rep = 1; rep <= times; rep++) {
      const r = await tabsAtOnce(name, ctx, { tabs, flags });
      t.diagnostic(`repetition ${rep}: ${r.problems.join("; ") || "all stored once"}; ${r.wire}; ` +
        `bursts ${r.skew} ms apart, last ${r.late} ms late`);
      assert.deepEqual(r.problems, [], `repetition ${rep} (${r.run})`);
      assertNoPageErrors(r.errors);
    }
  });
}

/** The events of `run` stored exactly once, and only those: one tab, `n` events from 0. */
async function assertStoredOnce(ctx, run, n, opts) {
  const stored = await awaitRun(ctx.server.dataDir, run, n, opts);
  const wire = wireRun(ctx.collector, run);
  assert.deepEqual(deliveryProblems({ stored, wire, keys: keys(1, n) }), [], `${run}: ${wireSummary(wire)}`);
  return { stored, wire };
}

const names = browserNames();
for (const name of names) {
  describe(name, { concurrency: 1 }, () => {
    test(`${name}: opens the fixture page and reports its version`, { timeout: 120000 }, async (t) => {
      await withSetup((ctx) =>
        withBrowser(name, async (driver, b) => {
          t.diagnostic(`${name} ${b.version}`);
          await load(driver, ctx.fixture.page());
          const run = newRun("smoke");
          await track(driver, { run, n: 1 });
          await assertStoredOnce(ctx, run, 1);
          assertNoPageErrors([await errorsOf(driver)]);
        }));
    });

    for (const tabs of [2, 4]) {
      test(`${name}: ${tabs} tabs × 50 events at once, ${REPEAT} times: each stored once`, { timeout: 300000 }, (t) =>
        tabsScenario(t, name, { tabs, times: REPEAT }));
    }

    test(`${name}: a tab closed while its batch is in flight loses nothing`, { timeout: 120000 }, async () => {
      await withSetup((ctx) =>
        withBrowser(name, async (driver) => {
          const url = ctx.fixture.page();
          const run = newRun("closed");
          await load(driver, url);
          const tabA = await driver.getWindowHandle();
          ctx.collector.hold(15000);
          await track(driver, { run, n: 30 });
          const first = await ctx.collector.waitForBatch(
            (b) => b.json?.batch?.some((m) => m.properties?.run === run), 10000);
          assert.ok(first, "tab A sent a batch");
          const errorsA = await errorsOf(driver);
          // A tab to keep the session open once tab A is closed; it becomes tab B.
          await driver.switchTo().newWindow("tab");
          const tabB = await driver.getWindowHandle();
          await driver.switchTo().window(tabA);
          await driver.close();
          await driver.switchTo().window(tabB);
          await load(driver, url);
          ctx.collector.release();
          await assertStoredOnce(ctx, run, 30);
          assertNoPageErrors([errorsA, await errorsOf(driver)]);
        }));
    });

    test(`${name}: a reload with a non-empty queue loses nothing`, { timeout: 120000 }, async () => {
      await withSetup((ctx) =>
        withBrowser(name, async (driver) => {
          await load(driver, ctx.fixture.page());
          const run = newRun("reload");
          ctx.collector.down();
          await track(driver, { run, n: 20 });
          await sleep(1500);
          const before = await errorsOf(driver);
          ctx.collector.up();
          await driver.navigate().refresh();
          await whenReady(driver);
          await assertStoredOnce(ctx, run, 20);
          assertNoPageErrors([before, await errorsOf(driver)]);
        }));
    });

    test(`${name}: a reload while the collector is unreachable keeps the queue for the next page`, { timeout: 120000 }, async () => {
      await withSetup((ctx) =>
        withBrowser(name, async (driver) => {
          await load(driver, ctx.fixture.page());
          const run = newRun("reload-down");
          ctx.collector.down();
          await track(driver, { run, n: 20 });
          await sleep(1500);
          const before = await errorsOf(driver);
          await driver.navigate().refresh();
          await whenReady(driver);
          assert.equal(storedRun(ctx.server.dataDir, run).length, 0, "nothing could be delivered yet");
          ctx.collector.up();
          await assertStoredOnce(ctx, run, 20, { ms: 40000 });
          assertNoPageErrors([before, await errorsOf(driver)]);
        }));
    });

    test(`${name}: offline, then online: the queue is delivered once`, { timeout: 120000 }, async () => {
      await withSetup((ctx) =>
        withBrowser(name, async (driver) => {
          await load(driver, ctx.fixture.page());
          const run = newRun("offline");
          ctx.collector.down();
          await track(driver, { run, n: 20 });
          await sleep(3000);
          ctx.collector.up();
          await assertStoredOnce(ctx, run, 20, { ms: 40000 });
          assertNoPageErrors([await errorsOf(driver)]);
        }));
    });

    test(`${name}: the collector answers 429 (Retry-After: 2), then recovers: delivered once`, { timeout: 120000 }, async (t) => {
      await withSetup((ctx) =>
        withBrowser(name, async (driver) => {
          await load(driver, ctx.fixture.page());
          const run = newRun("429");
          ctx.collector.status(429, { retryAfter: 2 });
          await track(driver, { run, n: 10 });
          const mine = (b) => b.json?.batch?.some((m) => m.properties?.run === run);
          assert.ok(await ctx.collector.waitForBatch(mine, 10000), "a batch was refused");
          await sleep(2500);
          const refused = ctx.collector.batches.filter((b) => mine(b) && b.status === 429);
          ctx.collector.status(null);
          const { wire } = await assertStoredOnce(ctx, run, 10, { ms: 40000 });
          const times = [...new Set(wire.map((m) => m.$batch.at))].sort((a, b) => a - b);
          t.diagnostic(`refused ${refused.length} batches; attempts ${times.map((x) => x - times[0]).join(", ")} ms after the first`);
          assertNoPageErrors([await errorsOf(driver)]);
        }));
    });

    test(`${name}: with consent required nothing is stored or sent until consent, and nothing after its withdrawal`, { timeout: 120000 }, async () => {
      await withSetup((ctx) =>
        withBrowser(name, async (driver) => {
          await load(driver, ctx.fixture.page({ consent: "required" }));
          const run = newRun("consent");
          await track(driver, { run, n: 5 });
          await sleep(2500);
          assert.deepEqual(ctx.collector.batches.length, 0, "no batch before consent");
          assert.deepEqual(await storedKeys(driver), [], "nothing stored before consent");

          await driver.executeScript("window.parcours.consent(true)");
          await assertStoredOnce(ctx, run, 5);

          await driver.executeScript("window.parcours.consent(false)");
          const sentBefore = ctx.collector.batches.length;
          await track(driver, { run, n: 5, from: 5 });
          await sleep(2500);
          const after = wireRun(ctx.collector, run).filter((m) => m.properties.i >= 5);
          assert.deepEqual(after, [], "nothing sent after consent is withdrawn");
          assert.equal(ctx.collector.batches.length, sentBefore, "no batch after consent is withdrawn");
          assert.equal(storedRun(ctx.server.dataDir, run).length, 5);
          assert.deepEqual(await storedKeys(driver), [], "nothing left in storage after consent is withdrawn");
          assertNoPageErrors([await errorsOf(driver)]);
        }));
    });

    for (const flags of [["nolocks"], ["nolocks", "nobc"]]) {
      test(`${name}: 2 tabs × 50 events at once without ${flags.map((f) => f.slice(2)).join(" and ")}: each stored once`, { timeout: 180000 }, (t) =>
        tabsScenario(t, name, { tabs: 2, times: 1, flags }));
    }

    test(`${name}: without constructable stylesheets the page works and the pop-in is styled`, { timeout: 120000 }, async () => {
      await withSetup((ctx) =>
        withBrowser(name, async (driver) => {
          // /products… matches the demo's welcome pop-in.
          await load(driver, ctx.fixture.page({ path: "/products/nocss.html", flags: ["nocss"] }));
          const run = newRun("nocss");
          await track(driver, { run, n: 1 });
          // Styled however the SDK falls back (CSSOM declarations, a <style>): the host
          // is a fixed overlay and the dialog has a background.
          const popin = await eventually(() => driver.executeScript(
            `const host = document.querySelector("[data-parcours-campaign]");
            const dialog = host && host.shadowRoot && host.shadowRoot.querySelector("[role=dialog]");
            return host && { dialog: !!dialog, host: getComputedStyle(host).position,
              background: dialog ? getComputedStyle(dialog).backgroundColor : null };`), 10000);
          assert.ok(popin, "the pop-in is shown");
          assert.ok(popin.dialog, "the pop-in has a dialog (in an open shadow root)");
          assert.equal(popin.host, "fixed", "the pop-in's host is styled");
          assert.notEqual(popin.background, "rgba(0, 0, 0, 0)", "the dialog is styled");
          await assertStoredOnce(ctx, run, 1);
          const errors = await errorsOf(driver);
          assertNoPageErrors([errors]);
          assert.deepEqual(errors.sdk, [], "no SDK error events");
        }));
    });
  });
}

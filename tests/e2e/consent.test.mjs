// Consent and erasure in Chromium against the real server: nothing stored
// or sent before consent, everything after, nothing again once refused;
// forget() erases locally and on the server, offline too.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { openServerAndBrowser, closeServerAndBrowser, storedEvents, eventually } from "./harness.mjs";

let server, browser;
before(async () => ({ server, browser } = await openServerAndBrowser()));
after(() => closeServerAndBrowser(server, browser));

const ourKeys = (page) => page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("parcours:")));
const storedRun = (run) => storedEvents(server.dataDir).filter((e) => e.payload?.properties?.run === run);

/**
 * The demo cart page (its tag says `data-consent="required"`) for a visitor
 * who has not answered the shop's cookie banner: nothing granted yet.
 */
async function consentRequiredPage(context) {
  const page = await context.newPage();
  await page.goto(`${server.url}/cart.html`);
  assert.equal(await page.locator("script[data-write-key]").getAttribute("data-consent"), "required");
  await page.evaluate(() => window.parcours.ready());
  return page;
}

test("consent required → granted → refused: stored and sent only while granted", async () => {
  const context = await browser.newContext({ shopConsent: false });
  let batches = 0;
  context.on("request", (r) => { if (r.url().includes("/v1/batch")) batches++; });
  const page = await consentRequiredPage(context);
  await page.evaluate(() => { for (let i = 0; i < 5; i++) window.parcours.track("Consent Test", { run: "before", i }); });
  await page.waitForTimeout(2000);
  assert.equal(batches, 0, "nothing sent before consent");
  assert.deepEqual(await ourKeys(page), [], "nothing stored before consent");

  await page.evaluate(() => window.parcours.consent(true));
  assert.ok(await eventually(() => storedRun("before").length === 5, 10000, 200), "what was recorded meanwhile is sent");
  assert.ok((await ourKeys(page)).includes("parcours:visitor"), "the visitor is stored once granted");

  await page.evaluate(() => window.parcours.consent(false));
  assert.deepEqual(await ourKeys(page), [], "refusing erases what was stored");
  const sentBefore = batches;
  await page.evaluate(() => { for (let i = 0; i < 3; i++) window.parcours.track("Consent Test", { run: "after", i }); });
  await page.waitForTimeout(2500);
  assert.equal(batches, sentBefore, "nothing sent once refused");
  assert.deepEqual(await ourKeys(page), []);
  await page.reload();
  await page.evaluate(() => window.parcours.ready());
  await page.evaluate(() => window.parcours.track("Consent Test", { run: "after", i: 9 }));
  await page.waitForTimeout(1500);
  assert.deepEqual(await ourKeys(page), [], "still refused after a reload");
  assert.equal(storedRun("after").length, 0);
  await context.close();
});

test("forget() erases the visitor locally and on the server", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${server.url}/cart.html`);
  await page.evaluate(() => window.parcours.ready());
  const anon = await page.evaluate(() => window.parcours.profile().profile.anonymous_id);
  await page.evaluate(() => window.parcours.track("Forget Test", { run: "forget" }));
  assert.ok(await eventually(() => storedRun("forget").length === 1, 10000, 200));
  assert.equal(await page.evaluate(() => window.parcours.forget()), true, "the server acknowledged");
  assert.equal(storedEvents(server.dataDir).filter((e) => e.anonymous_id === anon).length, 0, "server side erased");
  const after = await page.evaluate(() => window.parcours.profile().profile.anonymous_id);
  assert.notEqual(after, anon, "a new anonymous visitor");
  const keys = await ourKeys(page);
  assert.ok(!keys.some((k) => k.startsWith("parcours:o:") || k.startsWith("parcours:j:")), `nothing of the old visitor: ${keys}`);
  await context.close();
});

test("forget() offline erases locally at once and on the server once back online", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${server.url}/cart.html`);
  await page.evaluate(() => window.parcours.ready());
  const anon = await page.evaluate(() => window.parcours.profile().profile.anonymous_id);
  await page.evaluate(() => window.parcours.track("Forget Test", { run: "forget-offline" }));
  assert.ok(await eventually(() => storedRun("forget-offline").length === 1, 10000, 200));
  await context.setOffline(true);
  assert.equal(await page.evaluate(() => window.parcours.forget()), false, "not acknowledged offline");
  assert.ok((await ourKeys(page)).includes("parcours:forget"), "the erasure request is kept");
  assert.equal(storedRun("forget-offline").length, 1, "still on the server while offline");
  await context.setOffline(false);
  assert.ok(await eventually(() => storedEvents(server.dataDir).every((e) => e.anonymous_id !== anon), 15000, 250),
    "erased on the server once back online");
  assert.ok(await eventually(async () => !(await ourKeys(page)).includes("parcours:forget"), 5000, 200), "the request is done");
  await context.close();
});

test("the host page clearing localStorage loses nothing of ours", async () => {
  const context = await browser.newContext();
  await context.setOffline(false);
  const page = await context.newPage();
  await page.goto(`${server.url}/cart.html`);
  await page.evaluate(() => window.parcours.ready());
  const other = await context.newPage();
  await other.goto(`${server.url}/cart.html`);
  await other.evaluate(() => window.parcours.ready());
  // The first tab queues while offline; the other tab's page clears the storage.
  await context.setOffline(true);
  await page.evaluate(() => { for (let i = 0; i < 5; i++) window.parcours.track("Clear Test", { run: "cleared", i }); });
  await other.evaluate(() => localStorage.clear());
  await page.waitForTimeout(500);
  const keys = await ourKeys(page);
  assert.ok(keys.includes("parcours:visitor") && keys.filter((k) => k.startsWith("parcours:o:")).length >= 5, `written again: ${keys}`);
  await context.setOffline(false);
  await page.close();
  assert.ok(await eventually(() => storedRun("cleared").length === 5, 15000, 250), "delivered after all");
  await context.close();
});

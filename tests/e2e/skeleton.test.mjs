// The walking skeleton, end to end: script tag → wasm → rules → pop-in →
// events in SQLite, exactly once each.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  openServerAndBrowser, closeServerAndBrowser, storedEvents, recordBatches, eventually,
} from "./harness.mjs";

let server, browser;
before(async () => ({ server, browser } = await openServerAndBrowser()));
after(() => closeServerAndBrowser(server, browser));

const popin = (page) => page.locator("[data-parcours-campaign]");

/** Waits until the server holds every message the page sent, then returns both. */
async function settle(page, sent, minSent) {
  await eventually(() => sent.length >= minSent);
  return eventually(() => {
    const stored = storedEvents(server.dataDir);
    const sentIds = new Set(sent.map((m) => m.messageId));
    return sentIds.size >= minSent && [...sentIds].every((id) => stored.some((e) => e.message_id === id)) && stored;
  });
}

test("a matching visitor sees the pop-in, and the server stores each event once", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  const sent = recordBatches(page);

  await page.goto(`${server.url}/products.html`);
  await page.evaluate(() => window.parcours.ready());

  // The pop-in: a real dialog in a shadow root, with a close button.
  const host = popin(page);
  await host.waitFor({ state: "attached", timeout: 10000 });
  const dialog = page.locator("[data-parcours-campaign] >> [role=dialog]");
  await dialog.waitFor({ state: "visible" });
  assert.equal(await dialog.getAttribute("aria-modal"), "true");
  assert.ok((await dialog.innerText()).trim().length > 0, "the dialog has content");
  const campaign = await host.getAttribute("data-parcours-campaign");

  // page, the queued track, and Promotion Viewed reach SQLite exactly once each.
  const stored = await settle(page, sent, 3);
  assert.ok(stored, "the server stored what the page sent");
  const names = stored.map((e) => e.event ?? e.type);
  assert.ok(stored.some((e) => e.type === "page"), `a page view is stored: ${names}`);
  assert.ok(stored.some((e) => e.event === "Product Viewed"), `the queued track is stored: ${names}`);
  const viewed = stored.filter((e) => e.event === "Promotion Viewed");
  assert.equal(viewed.length, 1, `one Promotion Viewed: ${names}`);
  assert.equal(viewed[0].payload.properties.promotion_id, campaign);

  const sentIds = new Set(sent.map((m) => m.messageId));
  const storedIds = stored.map((e) => e.message_id);
  assert.equal(new Set(storedIds).size, storedIds.length, "no message is stored twice");
  assert.deepEqual(new Set(storedIds), sentIds, "the database holds exactly the events sent");
  for (const m of sent) {
    assert.equal(m.anonymousId, sent[0].anonymousId, "one anonymous id for the visitor");
    assert.match(m.messageId, /^[0-9a-f-]{36}$/);
  }

  // Sending the same batch again changes nothing.
  const sentBefore = sent.length;
  const replay = await page.evaluate(async (batch) => {
    const r = await fetch("/v1/batch", { method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ writeKey: "demo", sentAt: new Date().toISOString(), batch }) });
    return r.json();
  }, sent.slice(0, sentBefore));
  assert.equal(replay.accepted, 0);
  assert.equal(replay.duplicates, sentBefore);
  assert.equal(storedEvents(server.dataDir).length, stored.length);

  // Closing records Promotion Dismissed.
  await page.locator("[data-parcours-campaign] >> button[aria-label]").first().click();
  await host.waitFor({ state: "detached" });
  const afterClose = await eventually(() => storedEvents(server.dataDir).find((e) => e.event === "Promotion Dismissed"));
  assert.ok(afterClose, "Promotion Dismissed is stored");

  assert.deepEqual(errors, [], "the SDK throws nothing into the page");
  await context.close();
});

test("a visitor who does not match sees no pop-in, and is still tracked", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const sent = recordBatches(page);
  const before = storedEvents(server.dataDir).length;

  await page.goto(`${server.url}/cart.html`);
  await page.evaluate(() => window.parcours.ready());
  const decisions = await page.evaluate(() => window.parcours.decide());
  assert.equal(decisions.filter((d) => d.placement === "popin").length, 0, JSON.stringify(decisions));
  await page.waitForTimeout(500);
  assert.equal(await popin(page).count(), 0, "no pop-in on the cart page");

  const stored = await settle(page, sent, 1);
  assert.ok(stored.length > before, "the page view is stored");
  assert.ok(!stored.slice(before).some((e) => e.event === "Promotion Viewed"), "no Promotion Viewed for this visitor");
  await context.close();
});

test("a returning visitor's first decision uses the cached rules at once, before the revalidation answers", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${server.url}/cart.html`);
  await page.evaluate(() => window.parcours.ready());
  // Second page: the rules endpoint answers only after 5 s.
  let answered = false;
  await context.route("**/v1/rules**", async (route) => {
    await new Promise((r) => setTimeout(r, 5000));
    answered = true;
    await route.continue().catch(() => {});
  });
  const started = Date.now();
  await page.goto(`${server.url}/products.html`);
  await popin(page).locator("[role=dialog]").waitFor({ state: "visible", timeout: 4000 });
  assert.equal(answered, false, `shown after ${Date.now() - started} ms, from the cached rules`);
  const ready = await page.evaluate(() => window.parcours.ready());
  assert.equal(ready.rules, "cached", "revalidated (304) after the pop-in was shown");
  await context.close();
});

test("the stored visitor's numbers read back exactly, however long (the site wasm reads them with the page's parseFloat past its own exact path)", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${server.url}/products.html`);
  await page.evaluate(() => window.parcours.ready());
  // The stored visitor as the next page reads it: its snapshot's JSON text.
  const traits = '{"short":19.99,"digits":0.12345678901234568,"tiny":5e-324,"big":1.7976931348623157e+308,"count":123456789012345680000}';
  const written = await page.evaluate((traits) => {
    const text = localStorage.getItem("parcours:visitor");
    if (!text || !text.includes('"traits":{}')) return text;
    localStorage.setItem("parcours:visitor", text.replace('"traits":{}', `"traits":${traits}`));
    for (const k of Object.keys(localStorage)) if (k.startsWith("parcours:j:")) localStorage.removeItem(k);
    return "ok";
  }, traits);
  assert.equal(written, "ok", "a snapshot with no traits yet");
  await page.goto(`${server.url}/cart.html`);
  await page.evaluate(() => window.parcours.ready());
  const back = (await page.evaluate(() => window.parcours.profile())).profile;
  assert.deepEqual(back.traits, JSON.parse(traits));
  await context.close();
});

test("corrupted cached rules are dropped, never thrown: the page fetches them again and caches them whole", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`${server.url}/products.html`);
  await page.evaluate(() => window.parcours.ready());
  await page.evaluate(() => localStorage.setItem("parcours:rules", '{"etag":"\\"x\\"","rules":{"version":'));
  await page.goto(`${server.url}/cart.html`);
  const ready = await page.evaluate(() => window.parcours.ready());
  assert.equal(ready.rules, "network", "not from the broken cache");
  const cached = await eventually(() => page.evaluate(() => {
    const t = localStorage.getItem("parcours:rules");
    try { return t && JSON.parse(t); } catch { return null; }
  }));
  assert.equal(cached.rules.version, ready.version, "the cache holds the document again, as JSON");
  assert.ok(typeof cached.etag === "string" && cached.etag.length > 0);
  assert.deepEqual(errors, []);
  await context.close();
});

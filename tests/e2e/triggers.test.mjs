// Browser moments end to end: a campaign waiting for exit intent shows
// nothing on load and appears only once the pointer leaves through the top.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  openServerAndBrowser, closeServerAndBrowser, storedEvents, eventually,
} from "./harness.mjs";

let server, browser;
before(async () => ({ server, browser } = await openServerAndBrowser()));
after(() => closeServerAndBrowser(server, browser));

const exitPopin = (page) => page.locator('[data-parcours-campaign="exit-newsletter"]');

test("the exit-intent pop-in appears only after the pointer leaves through the top, once", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));

  await page.goto(`${server.url}/product.html?sku=TSHIRT-1`);
  await page.evaluate(() => window.parcours.ready());
  // Moving around, and leaving through a side, is not exit intent. (The
  // events are dispatched as the browser sends them when the pointer leaves
  // the document: headless Chromium sends none for a pointer outside the viewport.)
  await page.mouse.move(400, 300);
  await page.mouse.move(420, 200);
  await page.evaluate(() => document.dispatchEvent(new MouseEvent("mouseout", { clientX: 0, clientY: 300, bubbles: true })));
  await page.waitForTimeout(500);
  assert.equal(await page.locator("[data-parcours-campaign]").count(), 0, "nothing before the gesture");

  // Leaving towards the browser chrome: the pointer crosses the top edge.
  await page.evaluate(() => document.dispatchEvent(new MouseEvent("mouseout", { clientX: 420, clientY: -1, bubbles: true })));
  const dialog = page.locator('[data-parcours-campaign="exit-newsletter"] >> [role=dialog]');
  await dialog.waitFor({ state: "visible", timeout: 10000 });
  assert.match(await dialog.innerText(), /MERCI5/);

  await page.locator('[data-parcours-campaign="exit-newsletter"] >> button[aria-label]').click();
  await exitPopin(page).waitFor({ state: "detached" });
  await page.evaluate(() => document.dispatchEvent(new MouseEvent("mouseout", { clientY: -1, bubbles: true })));
  await page.waitForTimeout(300);
  assert.equal(await exitPopin(page).count(), 0, "exit intent fires once per page");

  const stored = await eventually(() => {
    const events = storedEvents(server.dataDir);
    return events.some((e) => e.event === "Promotion Dismissed") && events;
  });
  assert.ok(stored, "the outcome reaches the server");
  const viewed = stored.filter((e) => e.event === "Promotion Viewed");
  assert.equal(viewed.length, 1, "one Promotion Viewed");
  assert.equal(viewed[0].payload.properties.promotion_id, "exit-newsletter");
  assert.deepEqual(errors, [], "the SDK throws nothing into the page");
  await context.close();
});

test("the cart page shows no exit-intent pop-in", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${server.url}/cart.html`);
  await page.evaluate(() => window.parcours.ready());
  await page.evaluate(() => document.dispatchEvent(new MouseEvent("mouseout", { clientY: -1, bubbles: true })));
  await page.waitForTimeout(500);
  assert.equal(await page.locator("[data-parcours-campaign]").count(), 0, "nothing on the cart page");
  await context.close();
});

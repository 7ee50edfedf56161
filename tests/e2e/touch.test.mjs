// Exit intent on touch screens (touch emulation in Chromium): a fast scroll
// back up towards the address bar, or the tab hidden after some time on the
// page, shows the exit-intent pop-in; scrolling down or slowly does not.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { openServerAndBrowser, closeServerAndBrowser } from "./harness.mjs";

let server, browser;
before(async () => ({ server, browser } = await openServerAndBrowser()));
after(() => closeServerAndBrowser(server, browser));

const PHONE = {
  viewport: { width: 390, height: 800 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2,
  userAgent: "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0 Mobile Safari/537.36",
};
const exitPopin = (page) => page.locator('[data-parcours-campaign="exit-newsletter"] >> [role=dialog]');

async function productPage() {
  const context = await browser.newContext(PHONE);
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e));
  await page.goto(`${server.url}/product.html?sku=TSHIRT-1`);
  await page.evaluate(() => window.parcours.ready());
  await page.evaluate(() => {
    const tall = document.createElement("div");
    tall.style.height = "6000px";
    document.body.appendChild(tall);
  });
  return { context, page, errors };
}

test("touch: a fast scroll back up near the top is exit intent; scrolling down or slowly up is not", async () => {
  const { context, page, errors } = await productPage();
  assert.ok(await page.evaluate(() => navigator.maxTouchPoints > 0), "a touch screen");
  // Down the page, then slowly up a little, far from the top.
  for (const y of [1000, 2000, 3000, 2900, 2800]) {
    await page.evaluate((y) => window.scrollTo(0, y), y);
    await page.waitForTimeout(300);
  }
  assert.equal(await page.locator("[data-parcours-campaign]").count(), 0, "nothing while reading");
  // A flick back to the top, as a visitor heading for the address bar does.
  await page.evaluate(() => window.scrollTo(0, 0));
  await exitPopin(page).waitFor({ state: "visible", timeout: 10000 });
  assert.deepEqual(errors, []);
  await context.close();
});

test("touch: the tab hidden after some time on the page is exit intent", async () => {
  const { context, page, errors } = await productPage();
  await page.waitForTimeout(5500); // past the minimum time on the page (5 s)
  await page.evaluate(() => {
    Object.defineProperty(document, "visibilityState", { configurable: true, get: () => "hidden" });
    Object.defineProperty(document, "hidden", { configurable: true, get: () => true });
    document.dispatchEvent(new Event("visibilitychange"));
    delete document.visibilityState;
    delete document.hidden;
    document.dispatchEvent(new Event("visibilitychange"));
  });
  await exitPopin(page).waitFor({ state: "visible", timeout: 10000 });
  assert.deepEqual(errors, []);
  await context.close();
});

// Page views a visitor makes without a page load: SPA history changes, hash
// routes, and a page restored from the back-forward cache.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  openServerAndBrowser, closeServerAndBrowser, storedEvents, recordBatches, eventually, watchErrors,
} from "./harness.mjs";

let server, browser;
// Playwright turns the back-forward cache off by default; these tests need it.
before(async () => ({ server, browser } = await openServerAndBrowser({ bfcache: true })));
after(() => closeServerAndBrowser(server, browser));

/** The page views sent so far, as URLs relative to the server. */
const pageViews = (sent) => sent.filter((m) => m.type === "page").map((m) => m.context.page.url.replace(server.url, ""));

test("SPA navigations: pushState, popstate and hash routes are page views; same-URL replaceState and anchors are not", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = await watchErrors(page);
  const sent = recordBatches(page);
  await page.goto(`${server.url}/cart.html`);
  await page.evaluate(() => window.parcours.ready());

  await page.evaluate(async () => {
    const tick = () => new Promise((r) => setTimeout(r, 50));
    const back = () => new Promise((r) => { addEventListener("popstate", () => r(), { once: true }); history.back(); }).then(tick);
    history.replaceState({ scroll: 120 }, "");                  // state only
    history.replaceState({ scroll: 240 }, "", location.href);   // the same URL
    history.pushState({}, "", "/cart.html?step=shipping");      // page view
    location.hash = "reviews"; await tick();                    // an anchor
    location.hash = "/summary"; await tick();                   // a hash route: page view
    location.hash = "!/summary"; await tick();                  // the same route
    await back();                                               // #/summary: the same route
    await back();                                               // #reviews: back to the page itself, page view
    await back();                                               // no fragment: the same page
    await back();                                               // /cart.html: page view
    window.parcours.track("Navigation Done");
  });
  await eventually(() => sent.some((m) => m.event === "Navigation Done"));
  assert.deepEqual(pageViews(sent), [
    "/cart.html",
    "/cart.html?step=shipping",
    "/cart.html?step=shipping#/summary",
    "/cart.html?step=shipping#reviews",
    "/cart.html",
  ]);
  assert.deepEqual(errors, []);
  await context.close();
});

test("a page restored from the back-forward cache is a page view, with its listeners alive and the visitor up to date", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.addInitScript(() =>
    addEventListener("pageshow", (e) => { if (e.persisted) window.__restored = (window.__restored || 0) + 1; }));
  const sent = recordBatches(page);

  // Whether a page is kept is the browser's call (Chromium reports some
  // evictions only as "masked"): up to three tries, each reason kept.
  let restored, userId;
  const reasons = [];
  for (let attempt = 0; attempt < 3 && restored !== 1; attempt++) {
    await page.goto(`${server.url}/product.html?sku=TSHIRT-1`);
    await page.evaluate(() => window.parcours.ready());
    await page.goto(`${server.url}/cart.html`);
    await page.evaluate(() => window.parcours.ready());
    // The cart page changes the visitor while the product page is frozen.
    userId = `user-on-cart-${attempt}`;
    await page.evaluate((id) => window.parcours.identify(id), userId);
    // A restored page fires no `load`: wait for the commit, then for `pageshow`.
    await page.goBack({ waitUntil: "commit" });
    restored = await page.waitForFunction(() => window.__restored, null, { timeout: 5000 })
      .then((h) => h.jsonValue(), async () => page.evaluate(() =>
        JSON.stringify(performance.getEntriesByType("navigation")[0]?.notRestoredReasons ?? "no reasons")));
    if (restored !== 1) reasons.push(restored);
  }
  assert.equal(restored, 1, `the product page came back from the back-forward cache (${reasons.join("; ")})`);
  // The product page was loaded before the cart page's identify: only the
  // restored page, reading the visitor back, sends a page view with its id.
  const restoredView = await eventually(() => sent.find((m) => m.type === "page"
    && m.context.page.path === "/product.html" && m.userId === userId));
  assert.ok(restoredView, `a product page view with the new visitor is sent on restore: ${JSON.stringify(pageViews(sent))}`);

  // The exit-intent trigger still listens.
  await page.evaluate(() => document.dispatchEvent(new MouseEvent("mouseout", { clientX: 400, clientY: -1, bubbles: true })));
  await page.locator('[data-parcours-campaign="exit-newsletter"] >> [role=dialog]').waitFor({ state: "visible", timeout: 10000 });

  // And a track() after the restore is delivered.
  await page.evaluate(() => window.parcours.track("After Restore"));
  const stored = await eventually(() => storedEvents(server.dataDir).find((e) => e.event === "After Restore"));
  assert.ok(stored, "the event tracked after the restore reaches the server");
  assert.deepEqual(errors, []);
  await context.close();
});

// Two tabs of one visitor share one profile: what one tab shows counts
// against the caps and the pressure budget of the other.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, launchBrowser, eventually } from "./harness.mjs";

let server, browser;
before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

test("a pop-in shown in one tab counts against its cap in another open tab", async () => {
  const context = await browser.newContext();
  const errors = [];
  const tabA = await context.newPage();
  tabA.on("pageerror", (e) => errors.push(e));
  await tabA.goto(`${server.url}/cart.html`);
  await tabA.evaluate(() => window.parcours.ready());

  // Tab B shows the welcome pop-in (at most once per session).
  const tabB = await context.newPage();
  await tabB.goto(`${server.url}/products.html`);
  await tabB.locator('[data-parcours-campaign="welcome"] >> [role=dialog]').waitFor({ state: "visible" });

  // Tab A, still open, routes to the catalogue in the SPA way: same audience,
  // but the session cap was used by tab B.
  await tabA.evaluate(() => history.pushState({}, "", "/products.html"));
  const welcome = await eventually(async () => {
    const explained = await tabA.evaluate(() => window.parcours.explain());
    const w = explained.find((e) => e.campaign_id === "welcome");
    return w?.reason?.step === "frequency" && w;
  }, 5000);
  assert.ok(welcome, "tab A sees tab B's impression");
  assert.equal(welcome.reason.cap, "max_per_session");
  assert.equal(await tabA.locator("[data-parcours-campaign]").count(), 0, "no second pop-in in tab A");

  const [a, b] = await Promise.all([tabA, tabB].map((t) => t.evaluate(() => window.parcours.profile().profile.anonymous_id)));
  assert.ok(a && a === b, "one visitor across tabs");
  assert.deepEqual(errors, []);
  await context.close();
});

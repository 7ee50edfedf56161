// Two tabs of one visitor share one profile: what one tab shows counts
// against the caps and the pressure budget of the other.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { openServerAndBrowser, closeServerAndBrowser, eventually } from "./harness.mjs";

let server, browser;
before(async () => ({ server, browser } = await openServerAndBrowser()));
after(() => closeServerAndBrowser(server, browser));

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

test("two tabs deciding at the same instant never both show a pop-in capped once per session", async () => {
  for (let rep = 0; rep < 3; rep++) {
    const context = await browser.newContext();
    // One visitor first (so both tabs share its session), then two tabs at once.
    const first = await context.newPage();
    await first.goto(`${server.url}/cart.html`);
    await first.evaluate(() => window.parcours.ready());
    const [a, b] = await Promise.all([context.newPage(), context.newPage()]);
    await Promise.all([a, b].map((t) => t.goto(`${server.url}/products.html`)));
    await Promise.all([a, b].map((t) => t.evaluate(() => window.parcours.ready())));
    await a.waitForTimeout(1500);
    const shown = await Promise.all([a, b].map((t) => t.locator('[data-parcours-campaign="welcome"]').count()));
    assert.equal(shown[0] + shown[1], 1, `run ${rep}: shown in ${shown}`);
    await context.close();
  }
});

test("a pop-in decided while a host dialog is open shows once the dialog closes", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.addInitScript(() => {
    document.addEventListener("DOMContentLoaded", () => {
      const d = document.createElement("dialog");
      d.id = "host-dialog";
      d.textContent = "Cookie settings";
      document.body.append(d);
      d.showModal();
    });
  });
  await page.goto(`${server.url}/products.html`);
  await page.evaluate(() => window.parcours.ready());
  await page.waitForTimeout(1000);
  const welcome = page.locator('[data-parcours-campaign="welcome"]');
  assert.equal(await welcome.count(), 0, "waits while the host dialog is open");
  await page.evaluate(() => document.getElementById("host-dialog").close());
  await welcome.locator("[role=dialog]").waitFor({ state: "visible", timeout: 3000 });
  await context.close();
});

// Draft links in Chromium, against the real server: the studio saves an
// unpublished rules document (`PUT /v1/rules/draft`, admin token) and opens
// the shop with `?parcours_draft=<token>`; that tab, and only that tab,
// runs the draft (the next pages too, flagged as preview traffic), the
// published rules stay what everyone else gets, and an unknown or expired
// token falls back to them with a warning.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  startServer, launchBrowser, storedEvents, eventually, watchErrors, ROOT,
} from "./harness.mjs";

const TOKEN = "e2e-admin-token";
let server, browser;
before(async () => {
  server = await startServer({ adminToken: TOKEN });
  browser = await launchBrowser();
  await call("PUT", "/v1/rules?writeKey=demo", PUBLISHED);
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const campaign = (id, title) => ({
  id, trigger: { on: "page_view" }, placement: "popin",
  variants: [{ id: "a", content: { title } }],
});
const PUBLISHED = {
  version: "e2e-published#1",
  pressure: { max_per_session: 10, max_per_day: 10, min_gap_minutes: 0 },
  campaigns: [campaign("live", "Published offer")],
};
const DRAFT = {
  version: "e2e-draft#1",
  pressure: { max_per_session: 10, max_per_day: 10, min_gap_minutes: 0 },
  campaigns: [campaign("unpublished", "Draft offer")],
};

async function call(method, path, body) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  return JSON.parse(text);
}

async function newContext() {
  const context = await browser.newContext();
  await context.route(/\/fixtures\/landing\.html(\?.*)?$/, (route) => route.fulfill({
    path: join(ROOT, "tests/e2e/fixtures/landing.html"),
    headers: { "content-type": "text/html; charset=utf-8" },
  }));
  return context;
}

const landing = (query = "") => `${server.url}/fixtures/landing.html${query}`;
const popin = (page, id) => page.locator(`[data-parcours-campaign="${id}"] [role=dialog]`);

test("a draft link runs the unpublished rules in that tab only, flagged, and the published rules stay", async () => {
  const { token } = await call("PUT", "/v1/rules/draft?writeKey=demo", DRAFT);
  const context = await newContext();
  const page = await context.newPage();
  const errors = await watchErrors(page);
  const warnings = [];
  page.on("console", (m) => m.type() === "warning" && warnings.push(m.text()));
  await page.goto(landing(`?parcours_draft=${encodeURIComponent(token)}`));
  await popin(page, "unpublished").waitFor({ timeout: 10000 });
  assert.match(await popin(page, "unpublished").innerText(), /Draft offer/);
  assert.equal(await page.locator('[data-parcours-campaign="live"]').count(), 0, "the published campaign is not run");
  assert.deepEqual(await page.evaluate(() => window.parcours.ready()), { rules: "draft", version: "e2e-draft#1" });
  assert.ok(warnings.some((w) => w.includes("unpublished rules")), warnings.join("\n"));
  const anon = await page.evaluate(() => window.parcours.profile().profile.anonymous_id);

  // The next page of the tab keeps the draft.
  await page.goto(landing("?page=2"));
  await popin(page, "unpublished").waitFor({ timeout: 10000 });

  // Another tab of the same browser gets the published rules, and its cache holds them.
  const tab = await context.newPage();
  await tab.goto(landing("?tab=2"));
  await popin(tab, "live").waitFor({ timeout: 10000 });
  assert.equal(await tab.locator('[data-parcours-campaign="unpublished"]').count(), 0);
  const cached = await tab.evaluate(() => JSON.parse(localStorage.getItem("parcours:rules") ?? "null")?.rules?.version);
  assert.equal(cached, "e2e-published#1", "the draft never reaches the shared rules cache");

  // The draft tab's traffic is flagged as preview traffic; the other tab's is not.
  const stored = await eventually(() => {
    const mine = storedEvents(server.dataDir).filter((e) => e.anonymous_id === anon);
    return mine.some((e) => e.payload.context.page.url.endsWith("?tab=2"))
      && mine.filter((e) => e.event === "Promotion Viewed").length >= 3 && mine;
  });
  assert.ok(stored, "both tabs' events reach the server");
  for (const e of stored) {
    const draftTab = !e.payload.context.page.url.endsWith("?tab=2");
    assert.equal(e.preview, draftTab, `${e.type} ${e.event ?? ""} on ${e.payload.context.page.url}`);
  }

  // `?parcours_draft=off` ends it: the published rules come back in that tab.
  await page.goto(landing("?parcours_draft=off"));
  await popin(page, "live").waitFor({ timeout: 10000 });
  assert.equal((await page.evaluate(() => window.parcours.ready())).rules !== "draft", true);
  assert.deepEqual(errors, []);
  await context.close();
});

test("an unknown or expired draft token falls back to the published rules with a warning", async () => {
  const context = await newContext();
  const page = await context.newPage();
  const errors = await watchErrors(page);
  const warnings = [];
  page.on("console", (m) => m.type() === "warning" && warnings.push(m.text()));
  await page.goto(landing("?parcours_draft=d1.not-a-real-token"));
  await popin(page, "live").waitFor({ timeout: 10000 });
  assert.ok(warnings.some((w) => w.includes("unknown or expired")), warnings.join("\n"));
  assert.equal(await page.evaluate(() => sessionStorage.getItem("parcours:draft")), null, "the dead token is forgotten");
  assert.deepEqual(errors, []);
  await context.close();
});

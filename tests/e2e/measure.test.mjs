// What measurement needs from the browser, end to end against the real
// server: `Experiment Viewed` once per visitor per campaign (treatment and
// holdout alike, across reloads), goals reached → `converted` and
// `Promotion Converted`, preview links, debug logs, the delayed event trigger.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  openServerAndBrowser, closeServerAndBrowser, recordBatches, eventually, watchErrors,
} from "./harness.mjs";

let server, browser;
before(async () => ({ server, browser } = await openServerAndBrowser()));
after(() => closeServerAndBrowser(server, browser));

const RULES = {
  version: "measure#1",
  pressure: { max_per_session: 10, max_per_day: 10, min_gap_minutes: 0 },
  campaigns: [
    {
      id: "treat",
      audience: { condition: { "page.path": "/cart.html" } },
      trigger: { on: "page_view" },
      placement: "popin",
      frequency: { stop_after: ["converted"] },
      variants: [{ id: "a", content: { title: "Treated", body: "Hello", cta: { label: "Go", url: "/" } } }],
      goal: { event: "Order Completed", within_hours: 72 },
    },
    {
      id: "held",
      audience: { condition: { "page.path": "/cart.html" } },
      trigger: { on: "page_view" },
      placement: "none",
      holdout_percent: 100,
      variants: [{ id: "a", content: { title: "Never seen" } }],
    },
    {
      id: "later",
      status: "paused",
      trigger: { on: "page_view" },
      placement: "popin",
      variants: [{ id: "p", content: { title: "Previewed {{ traits.plan | default: \"x\" }}", body: "Preview", cta: { label: "Go", url: "/" } } }],
    },
    {
      id: "review",
      audience: { condition: { "page.path": "/products.html" } },
      trigger: { on: "event", event: "Order Completed", delay_minutes: 0 },
      placement: "popin",
      frequency: { max_impressions: 1 },
      variants: [{ id: "r", content: { title: "Review order {{ event.properties.order_id }}", body: "How was it?", cta: { label: "Rate", url: "/" } } }],
    },
  ],
};

async function newPage() {
  const context = await browser.newContext();
  await context.route("**/v1/rules?*", (route) =>
    route.fulfill({ body: JSON.stringify(RULES), contentType: "application/json" }));
  const page = await context.newPage();
  const errors = await watchErrors(page);
  const sent = recordBatches(page);
  return { context, page, errors, sent };
}

const named = (sent, event) => sent.filter((m) => m.event === event);
const popin = (page, id) => page.locator(`[data-parcours-campaign="${id}"] >> [role=dialog]`);

test("Experiment Viewed goes out once per visitor per campaign, for treatment and holdout, before the pop-in renders", async () => {
  const { context, page, errors, sent } = await newPage();
  await page.goto(`${server.url}/cart.html`);
  await popin(page, "treat").waitFor({ state: "visible", timeout: 10000 });
  await eventually(() => named(sent, "Promotion Viewed").length === 1 && named(sent, "Experiment Viewed").length === 2);
  const viewed = named(sent, "Experiment Viewed").map((m) => m.properties);
  assert.deepEqual(
    viewed.map((p) => [p.experiment_id, p.variation_id]).sort(),
    [["held", "holdout"], ["treat", "a"]],
  );
  const firstViewed = sent.findIndex((m) => m.event === "Experiment Viewed" && m.properties.experiment_id === "treat");
  const impression = sent.findIndex((m) => m.event === "Promotion Viewed");
  assert.ok(firstViewed < impression, "Experiment Viewed before the impression");

  for (let i = 0; i < 2; i++) {
    await page.reload();
    await popin(page, "treat").waitFor({ state: "visible", timeout: 10000 });
  }
  await eventually(() => named(sent, "Promotion Viewed").length === 3);
  assert.equal(named(sent, "Experiment Viewed").length, 2, "not again after reloads");

  const second = await context.newPage();
  const sent2 = recordBatches(second);
  await second.goto(`${server.url}/cart.html`);
  await popin(second, "treat").waitFor({ state: "visible", timeout: 10000 });
  await eventually(() => named(sent2, "Promotion Viewed").length === 1);
  assert.equal(named(sent2, "Experiment Viewed").length, 0, "nor in another tab");
  assert.deepEqual(errors, []);
  await context.close();
});

test("a goal reached emits converted and sends Promotion Converted; stop_after converted then holds", async () => {
  const { context, page, errors, sent } = await newPage();
  await page.goto(`${server.url}/cart.html`);
  await popin(page, "treat").waitFor({ state: "visible", timeout: 10000 });
  const converted = await page.evaluate(() => new Promise((resolve) => {
    window.parcours.on("converted", (d) => resolve(d));
    window.parcours.track("Order Completed", { order_id: "o-42", revenue: 30 });
  }));
  assert.deepEqual(converted, {
    promotion_id: "treat", creative: "a", goal_event: "Order Completed", order_id: "o-42", revenue: 30,
  });
  const wire = await eventually(() => named(sent, "Promotion Converted")[0]);
  assert.deepEqual(wire?.properties, converted);
  assert.equal(named(sent, "Promotion Converted").length, 1, "the holdout-only campaign has no goal");

  await page.reload();
  await page.evaluate(() => window.parcours.ready());
  const decided = await page.evaluate(() => window.parcours.decide());
  assert.ok(!decided.some((d) => d.campaign_id === "treat"), "stop_after converted");
  assert.equal(await page.locator('[data-parcours-campaign="treat"]').count(), 0);
  assert.deepEqual(errors, []);
  await context.close();
});

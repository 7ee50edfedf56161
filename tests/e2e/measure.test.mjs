// What measurement needs from the browser, end to end: `Experiment Viewed`
// once per visitor per campaign (treatment and holdout alike, before
// anything renders), and a goal reached after the first exposure sending
// `Promotion Converted` and emitting `converted`.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  openServerAndBrowser, closeServerAndBrowser, storedEvents, eventually, serveFixtures, serveRules, watchErrors,
} from "./harness.mjs";

let server, browser;
before(async () => ({ server, browser } = await openServerAndBrowser()));
after(() => closeServerAndBrowser(server, browser));

const campaign = (id, extra = {}) => ({
  id, status: "active", trigger: { on: "page_view" }, placement: "popin",
  frequency: { max_per_session: 5, stop_after: ["converted"] },
  goal: { event: "Order Completed", within_hours: 72 },
  variants: [{ id: "a", weight: 100, content: { title: `Offer ${id}`, cta: { label: "Shop", url: "/" } } }],
  ...extra,
});

/** A context whose SDK gets `campaigns` as its rules. */
async function contextWith(campaigns) {
  const context = await browser.newContext();
  await serveFixtures(context);
  await serveRules(context, { version: "measure#1", pressure: { max_per_session: 10, max_per_day: 10, min_gap_minutes: 0 }, campaigns });
  return context;
}

const dialog = (page, id) => page.locator(`[data-parcours-campaign="${id}"] >> [role=dialog]`);

/** The stored events of `anonymousId` named `name`. */
const stored = (anonymousId, name) =>
  storedEvents(server.dataDir).filter((e) => e.payload.anonymousId === anonymousId && e.event === name);

async function anonymousId(page) {
  await page.evaluate(() => window.parcours.ready());
  return page.evaluate(() => window.parcours.profile().profile.anonymous_id);
}

test("a treatment visitor: one Experiment Viewed, then the goal sends Promotion Converted and emits converted", async () => {
  const context = await contextWith([campaign("welcome")]);
  const page = await context.newPage();
  const errors = await watchErrors(page);
  await page.goto(`${server.url}/fixtures/forms.html`);
  await dialog(page, "welcome").waitFor({ state: "visible", timeout: 10000 });
  const anon = await anonymousId(page);
  await page.keyboard.press("Escape");
  // A second page view: the pop-in shows again (caps allow it), the exposure is not sent again.
  await page.goto(`${server.url}/fixtures/forms.html`);
  await dialog(page, "welcome").waitFor({ state: "visible", timeout: 10000 });
  await page.keyboard.press("Escape");
  await page.evaluate(() => {
    window.__converted = [];
    window.parcours.on("converted", (d) => window.__converted.push(d));
    window.parcours.track("Order Completed", { order_id: "o-1", revenue: 42, currency: "EUR" });
  });
  const converted = await eventually(() => page.evaluate(() => window.__converted.length && window.__converted));
  assert.ok(converted, "converted is emitted");
  assert.equal(converted.length, 1);
  assert.equal(converted[0].promotion_id, "welcome");
  assert.equal(converted[0].goal_event, "Order Completed");

  const conversions = await eventually(() => { const c = stored(anon, "Promotion Converted"); return c.length && c; });
  assert.ok(conversions, "Promotion Converted reaches the server");
  assert.equal(conversions.length, 1, "converted once");
  const p = conversions[0].payload.properties;
  assert.deepEqual(
    { promotion_id: p.promotion_id, creative: p.creative, goal_event: p.goal_event, order_id: p.order_id, revenue: p.revenue },
    { promotion_id: "welcome", creative: "a", goal_event: "Order Completed", order_id: "o-1", revenue: 42 });

  const viewed = stored(anon, "Experiment Viewed");
  assert.equal(viewed.length, 1, "Experiment Viewed once per visitor per campaign");
  assert.deepEqual(viewed[0].payload.properties, { experiment_id: "welcome", variation_id: "a" });
  assert.equal(stored(anon, "Promotion Viewed").length, 2, "two impressions");
  const first = (name) => Math.min(...stored(anon, name).map((e) => Date.parse(e.payload.timestamp)));
  assert.ok(first("Experiment Viewed") <= first("Promotion Viewed"), "the exposure comes before the impression");

  // stop_after converted: the campaign is done for this visitor.
  await page.goto(`${server.url}/fixtures/forms.html`);
  await page.evaluate(() => window.parcours.ready());
  await page.waitForTimeout(500);
  assert.equal(await dialog(page, "welcome").count(), 0, "not shown after conversion");
  assert.deepEqual(errors, []);
  await context.close();
});

test("a holdout visitor sees nothing, is exposed once, and their goal still counts", async () => {
  const context = await contextWith([campaign("held", { holdout_percent: 100 })]);
  const page = await context.newPage();
  await page.goto(`${server.url}/fixtures/forms.html`);
  const anon = await anonymousId(page);
  await page.goto(`${server.url}/fixtures/forms.html`);
  await page.evaluate(() => window.parcours.ready());
  const decided = await page.evaluate(() => window.parcours.decide());
  assert.deepEqual(decided.map((d) => [d.campaign_id, d.variant_id, d.holdout]), [["held", "holdout", true]]);
  await page.evaluate(() => window.parcours.track("Order Completed", { order_id: "o-2", revenue: 10 }));
  const conversions = await eventually(() => { const c = stored(anon, "Promotion Converted"); return c.length && c; });
  assert.ok(conversions, "a holdout conversion reaches the server (the uplift's baseline)");
  assert.equal(conversions[0].payload.properties.creative, "holdout");
  const viewed = stored(anon, "Experiment Viewed");
  assert.equal(viewed.length, 1, "one exposure over two pages");
  assert.deepEqual(viewed[0].payload.properties, { experiment_id: "held", variation_id: "holdout" });
  assert.equal(await dialog(page, "held").count(), 0, "nothing on screen");
  assert.equal(stored(anon, "Promotion Viewed").length, 0, "no impression");
  await context.close();
});

test("the site-wide control group: held out of every campaign, one global Experiment Viewed per visitor", async () => {
  const arms = [];
  for (const [percent, arm] of [[100, "holdout"], [0.001, "treatment"]]) {
    const context = await browser.newContext();
    await serveFixtures(context);
    await serveRules(context, { version: "global#1", global_holdout_percent: percent, campaigns: [campaign("welcome")] });
    const page = await context.newPage();
    await page.goto(`${server.url}/fixtures/forms.html`);
    const anon = await anonymousId(page);
    await page.goto(`${server.url}/fixtures/forms.html`);
    await page.evaluate(() => window.parcours.ready());
    if (arm === "holdout") {
      await page.waitForTimeout(500);
      assert.equal(await dialog(page, "welcome").count(), 0, "nothing shows in the control group");
      assert.deepEqual(await page.evaluate(() => window.parcours.decide()), []);
      assert.equal((await page.evaluate(() => window.parcours.flag("welcome"))).step, "global_holdout");
    } else {
      await dialog(page, "welcome").waitFor({ state: "visible", timeout: 10000 });
    }
    const viewed = await eventually(() => {
      const v = stored(anon, "Experiment Viewed").filter((e) => e.payload.properties.experiment_id === "global");
      return v.length && v;
    });
    assert.ok(viewed, `the ${arm} arm reaches the server`);
    await page.waitForTimeout(300);
    const again = stored(anon, "Experiment Viewed").filter((e) => e.payload.properties.experiment_id === "global");
    assert.equal(again.length, 1, "once per visitor over two pages");
    arms.push(again[0].payload.properties.variation_id);
    await context.close();
  }
  assert.deepEqual(arms, ["holdout", "treatment"]);
});

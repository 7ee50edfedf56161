// The OpenFeature web provider (pkg/openfeature.js) with the real
// @openfeature/web-sdk from npm, bundled by esbuild into the page's module
// next to the script tag, in Chromium against the real server: each campaign
// is a string flag (variant id, "holdout", or the default with the failing
// step), an unknown one is FLAG_NOT_FOUND, evaluating records one
// `Experiment Viewed` per visitor per campaign and never an impression, and
// a profile or rules change reaches the page as PROVIDER_CONFIGURATION_CHANGED.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { startServer, launchBrowser, storedEvents, eventually, serveFixtures, watchErrors, PKG_DIR, ROOT } from "./harness.mjs";

const TOKEN = "openfeature-e2e-admin-token";
const RULES = JSON.parse(readFileSync(join(ROOT, "tests/e2e/fixtures/openfeature-rules.json"), "utf8"));
/** The flags the page asks for: [type, key, default]. */
const ASKS = [
  ["String", "hero-test", "off"],
  ["String", "all-held", "off"],
  ["String", "pro-offer", "standard"],
  ["String", "summer", "off"],
  ["String", "paused-test", "off"],
  ["String", "exit-offer", "off"],
  ["String", "page-decided", "off"],
  ["String", "no-such-campaign", "fallback"],
  ["Boolean", "hero-test", false],
  ["Boolean", "all-held", true],
  ["Number", "hero-test", 7],
];

let server, browser, app;
before(async () => {
  server = await startServer({ adminToken: TOKEN });
  browser = await launchBrowser();
  await putRules(RULES);
  // What a site's bundler makes of its own code: the web SDK from node_modules and the provider from pkg/.
  const entry = `
    import { OpenFeature, ProviderEvents } from "@openfeature/web-sdk";
    import { ParcoursProvider } from ${JSON.stringify(join(PKG_DIR, "openfeature.js"))};
    const changes = [];
    OpenFeature.addHandler(ProviderEvents.ConfigurationChanged, (d) => changes.push({ message: d.message, metadata: d.metadata, providerName: d.providerName }));
    const client = OpenFeature.getClient();
    window.__of = { changes, client, ready: OpenFeature.setProviderAndWait(new ParcoursProvider()).then(() => client.providerStatus) };`;
  const out = await build({ stdin: { contents: entry, resolveDir: ROOT, loader: "js" }, bundle: true, format: "esm", write: false, logLevel: "warning" });
  app = out.outputFiles[0].text;
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

async function putRules(doc) {
  const res = await fetch(`${server.url}/v1/rules?writeKey=demo`, {
    method: "PUT",
    headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify(doc),
  });
  assert.equal(res.status, 200, await res.text());
}

async function newContext() {
  const context = await browser.newContext();
  await serveFixtures(context);
  await context.route("**/fixtures/openfeature-app.js", (route) => route.fulfill({ body: app, contentType: "text/javascript" }));
  return context;
}

/** Opens the fixture; resolves once the provider is ready, with the visitor's anonymous id. */
async function open(context) {
  const page = await context.newPage();
  const errors = await watchErrors(page);
  await page.goto(`${server.url}/fixtures/openfeature.html`);
  await page.waitForFunction(() => window.__of);
  assert.equal(await page.evaluate(() => window.__of.ready), "READY");
  const anon = await page.evaluate(() => window.parcours.profile().profile.anonymous_id);
  return { page, errors, anon };
}

/** Evaluates `asks` through the OpenFeature client, as plain details. */
function evaluate(page, asks = ASKS) {
  return page.evaluate((asks) => asks.map(([type, key, def]) => {
    const d = window.__of.client[`get${type}Details`](key, def);
    return { key, value: d.value, variant: d.variant, reason: d.reason, errorCode: d.errorCode, flagMetadata: { ...d.flagMetadata } };
  }), asks);
}

const events = (anon, name) => storedEvents(server.dataDir)
  .filter((e) => e.anonymous_id === anon && e.payload?.type === "track" && e.payload.event === name);

/** Tracks a marker and waits until the server stored it: everything the page queued before is stored too. */
async function settle(page, anon, n) {
  await page.evaluate((n) => window.parcours.track("Marker", { n }), n);
  assert.ok(await eventually(() => events(anon, "Marker").some((e) => e.payload.properties.n === n), 15000, 200), `marker ${n} stored`);
}

test("each campaign is a flag: its variant, the holdout, or the default with the failing step; unknown is FLAG_NOT_FOUND", async () => {
  const context = await newContext();
  const { page, errors, anon } = await open(context);
  const [hero, held, pro, summer, paused, exit, decided, unknown, heroOn, heldOn, number] = await evaluate(page);

  assert.ok(["control", "bold"].includes(hero.value), `a variant of the split: ${hero.value}`);
  assert.equal(hero.variant, hero.value);
  assert.equal(hero.reason, "SPLIT");
  assert.deepEqual(hero.flagMetadata, { campaign: "hero-test", holdout: false });

  assert.equal(held.value, "holdout");
  assert.equal(held.reason, "SPLIT", "held out by the split");
  assert.deepEqual(held.flagMetadata, { campaign: "all-held", holdout: true });

  assert.deepEqual([pro.value, pro.variant, pro.reason, pro.errorCode], ["standard", undefined, "DEFAULT", undefined]);
  assert.deepEqual(pro.flagMetadata, { campaign: "pro-offer", holdout: false, step: "segments" });
  assert.deepEqual([summer.value, summer.reason, summer.flagMetadata.step], ["off", "DEFAULT", "schedule"]);
  assert.deepEqual([paused.value, paused.reason, paused.flagMetadata.step], ["off", "DISABLED", "status"]);

  assert.deepEqual([exit.value, exit.reason], ["only", "TARGETING_MATCH"], "an exit-intent pop-in's trigger counts as met for a flag");
  assert.deepEqual([decided.value, decided.reason], ["seen", "TARGETING_MATCH"]);

  assert.deepEqual([unknown.value, unknown.reason, unknown.errorCode], ["fallback", "ERROR", "FLAG_NOT_FOUND"]);
  assert.equal(heroOn.value, true, "a boolean ask: true for a variant");
  assert.equal(heldOn.value, false, "false for the holdout");
  assert.deepEqual([number.value, number.reason, number.errorCode], [7, "ERROR", "TYPE_MISMATCH"]);

  // Asked again and again: the same answers, and still one exposure each.
  for (let i = 0; i < 3; i++) {
    const again = await evaluate(page);
    assert.deepEqual(again.map((d) => d.value), [hero, held, pro, summer, paused, exit, decided, unknown, heroOn, heldOn, number].map((d) => d.value));
  }
  await settle(page, anon, 1);
  const viewed = () => events(anon, "Experiment Viewed").map((e) => e.payload.properties);
  const byCampaign = (list) => Object.fromEntries(list.map((p) => [p.experiment_id, list.filter((q) => q.experiment_id === p.experiment_id).length]));
  assert.deepEqual(byCampaign(viewed()), { "hero-test": 1, "all-held": 1, "exit-offer": 1, "page-decided": 1 },
    "one Experiment Viewed per assigned campaign; none for the default, disabled or unknown ones");
  const of = (id) => viewed().find((p) => p.experiment_id === id);
  assert.deepEqual(of("hero-test"), { experiment_id: "hero-test", variation_id: hero.value, flag: true });
  assert.deepEqual(of("all-held"), { experiment_id: "all-held", variation_id: "holdout", flag: true });
  assert.deepEqual(of("exit-offer"), { experiment_id: "exit-offer", variation_id: "only", flag: true });
  assert.equal(of("page-decided").flag, undefined, "decided on the page view (before any flag): the flag records nothing more");
  assert.equal(events(anon, "Promotion Viewed").length, 0, "nothing rendered: no impression");
  assert.equal(await page.locator("[data-parcours-campaign]").count(), 0, "no pop-in on the page");

  // The next page of the same visitor: the same answers, no second exposure.
  await page.reload();
  await page.waitForFunction(() => window.__of);
  assert.equal(await page.evaluate(() => window.__of.ready), "READY");
  const next = await evaluate(page);
  assert.equal(next[0].value, hero.value, "the assignment is sticky");
  await settle(page, anon, 2);
  assert.deepEqual(byCampaign(viewed()), { "hero-test": 1, "all-held": 1, "exit-offer": 1, "page-decided": 1 });
  assert.equal(events(anon, "Promotion Viewed").length, 0);
  assert.deepEqual(errors, []);
  await context.close();
});

test("identify and new rules (stored by another tab) reach the page as PROVIDER_CONFIGURATION_CHANGED", async () => {
  const context = await newContext();
  const { page, errors } = await open(context);
  assert.deepEqual(await page.evaluate(() => window.__of.changes), [], "loading the rules at start is the initialisation, not a change");
  const pro = () => evaluate(page, [["String", "pro-offer", "standard"]]).then(([d]) => d);
  assert.equal((await pro()).value, "standard");

  await page.evaluate(() => window.parcours.identify("user-42", { plan: "pro" }));
  const changes = () => page.evaluate(() => window.__of.changes);
  assert.ok(await eventually(async () => (await changes()).length === 1, 5000, 50));
  assert.deepEqual((await changes())[0], { message: "Parcours profile changed", metadata: { source: "profile", change: "identify" }, providerName: "parcours" });
  assert.deepEqual([(await pro()).value, (await pro()).reason], ["pro-price", "TARGETING_MATCH"], "re-evaluated on the new profile");

  // A marketer pauses the hero test; another tab of the site fetches the new rules and stores them.
  await putRules({ ...RULES, version: "openfeature#2", campaigns: RULES.campaigns.map((c) => (c.id === "hero-test" ? { ...c, status: "paused" } : c)) });
  try {
    const other = await context.newPage();
    await other.goto(`${server.url}/fixtures/openfeature.html`);
    assert.equal((await other.evaluate(() => window.parcours.ready())).rules, "network");
    assert.ok(await eventually(async () => (await changes()).length === 2, 5000, 50), "the first tab hears of the new rules");
    assert.deepEqual((await changes())[1].metadata, { source: "rules", version: "openfeature#2" });
    const [hero] = await evaluate(page, [["String", "hero-test", "off"]]);
    assert.deepEqual([hero.value, hero.reason, hero.flagMetadata.step], ["off", "DISABLED", "status"], "the first tab runs the new rules");
  } finally {
    await putRules(RULES);
  }
  assert.deepEqual(errors, []);
  await context.close();
});

test("without consent to personalise a flag is DISABLED and records nothing; granting assigns", async () => {
  const context = await newContext();
  const { page, errors, anon } = await open(context);
  await page.evaluate(() => window.parcours.consent({ analytics: true, personalisation: false }));
  assert.ok(await eventually(() => page.evaluate(() => window.__of.changes.some((c) => c.metadata.change === "consent")), 5000, 50));
  const [hero, held] = await evaluate(page, [["String", "hero-test", "off"], ["String", "all-held", "off"]]);
  assert.deepEqual([hero.value, hero.reason, hero.flagMetadata.step], ["off", "DISABLED", "consent"]);
  assert.deepEqual([held.value, held.reason], ["off", "DISABLED"]);
  await settle(page, anon, 1);
  const flagged = () => events(anon, "Experiment Viewed").filter((e) => e.payload.properties.flag);
  assert.equal(flagged().length, 0, "nothing recorded without consent to personalise");

  await page.evaluate(() => window.parcours.consent(true));
  const [granted] = await evaluate(page, [["String", "hero-test", "off"]]);
  assert.ok(["control", "bold"].includes(granted.value));
  await settle(page, anon, 2);
  assert.deepEqual(flagged().map((e) => e.payload.properties.experiment_id), ["hero-test"]);
  assert.deepEqual(errors, []);
  await context.close();
});

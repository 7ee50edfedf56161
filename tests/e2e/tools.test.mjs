// The tools module (pkg/tools/, loaded on demand): the site wasm exports no
// preview tools; `await parcours.tools()` and `await parcours.explain()`
// fetch the tools module next to the script and answer; invalid rules are
// reported with each error's path and kind while the last good rules stay.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { openServerAndBrowser, closeServerAndBrowser, serveFixtureRules, watchErrors, PKG_DIR, ROOT } from "./harness.mjs";

let server, browser;
before(async () => ({ server, browser } = await openServerAndBrowser()));
after(() => closeServerAndBrowser(server, browser));

const CASES = JSON.parse(readFileSync(join(ROOT, "../shared/conformance/growthbook-cases.json"), "utf8"));

test("the site wasm exports no Engine, evalCondition or explain; the tools wasm does", async () => {
  const exportsOf = async (file) => WebAssembly.Module.exports(await WebAssembly.compile(readFileSync(join(PKG_DIR, file)))).map((e) => e.name);
  const site = await exportsOf("parcours_bg.wasm");
  assert.ok(site.includes("start"), "the site wasm has start");
  for (const name of site) assert.doesNotMatch(name, /^(engine_|evalCondition|explain)/i, `site export ${name}`);
  const tools = await exportsOf("tools/parcours_tools_bg.wasm");
  for (const name of ["evalCondition", "explain", "engine_fromRules"]) assert.ok(tools.includes(name), `tools export ${name}`);
  assert.ok(!tools.includes("start"), "the tools wasm carries no SDK");
});

test("tools() loads the tools module on demand; explain() is answered by it", async () => {
  const context = await browser.newContext();
  await serveFixtureRules(context);
  // A production tag: the demo's `data-debug` would log each decision with
  // its explanation, which loads the tools module on purpose.
  await context.route("**/products.html", async (route) => {
    const res = await route.fetch();
    route.fulfill({ response: res, body: (await res.text()).replace(/\sdata-debug(?=[\s>])/, "") });
  });
  const page = await context.newPage();
  const errors = await watchErrors(page);
  const requested = [];
  page.on("request", (r) => requested.push(new URL(r.url()).pathname));
  await page.goto(`${server.url}/products.html`);
  assert.deepEqual(await page.evaluate(() => window.parcours.ready()), { rules: "network", version: "e2e-fixtures#1" });
  assert.ok(!requested.some((p) => p.includes("/tools/")), "nothing of the tools module loads with the page");
  assert.equal(await page.evaluate(() => typeof window.parcours.Engine), "undefined");

  const [c0, c1] = CASES.evalCondition.slice(0, 2);
  const got = await page.evaluate(async ([c0, c1]) => {
    const { Engine, evalCondition } = await window.parcours.tools();
    const eng = Engine.fromRules(await (await fetch("/v1/rules?writeKey=demo")).json());
    let invalid;
    try { Engine.fromRules({ version: 1 }); } catch (e) { invalid = e.errors; }
    return {
      conditions: [c0, c1].map(([, cond, attrs, , groups]) => evalCondition(cond, attrs, groups ?? {})),
      version: eng.version,
      explained: await window.parcours.explain(),
      invalid,
    };
  }, [c0, c1]);
  assert.deepEqual(got.conditions, [c0[3], c1[3]], "evalCondition on conformance vectors");
  assert.equal(got.version, "e2e-fixtures#1");
  assert.ok(got.invalid.length > 0 && got.invalid.every((e) => e.path.startsWith("$") && typeof e.kind === "string"));
  assert.ok(got.invalid.every((e) => typeof e.message === "string" && e.message.length > 0), "the tools module says each error in words");
  assert.ok(got.explained.some((x) => x.campaign_id === "csp-popin"), "explain covers every campaign");
  assert.ok(got.explained.every((x) => ["shown", "holdout", "blocked"].includes(x.verdict)));
  assert.ok(requested.includes("/pkg/tools/parcours_tools_bg.wasm"), "the tools wasm came from next to the script");
  assert.deepEqual(errors, []);
  await context.close();
});

test("invalid rules: the site keeps the last good rules and reports each error's path and kind", async () => {
  const context = await browser.newContext();
  const good = readFileSync(join(ROOT, "tests/e2e/fixtures/rules.json"), "utf8");
  let body = good;
  await context.route("**/v1/rules?*", (route) => route.fulfill({ body, contentType: "application/json" }));
  const page = await context.newPage();
  const errors = await watchErrors(page);
  await page.goto(`${server.url}/products.html`);
  await page.evaluate(() => window.parcours.ready());
  body = JSON.stringify({ version: "bad#2", campaigns: [{ id: 7 }], segments: "no" });
  // A second page load revalidates, gets the bad document and must keep the cached good one.
  const page2 = await context.newPage();
  await page2.addInitScript(() => {
    window.__errors = [];
    window.parcours = [["on", "error", (e) => window.__errors.push(JSON.parse(JSON.stringify(e)))]];
  });
  await page2.goto(`${server.url}/products.html`);
  const state = await page2.evaluate(() => window.parcours.ready());
  assert.deepEqual(state, { rules: "cached", version: "e2e-fixtures#1" }, "the last good rules are kept");
  const reported = await page2.evaluate(() => window.__errors);
  const rejected = reported.find((e) => JSON.stringify(e).includes("invalid rules"));
  assert.ok(rejected, `an error event for the invalid rules: ${JSON.stringify(reported)}`);
  const list = JSON.stringify(rejected);
  assert.match(list, /"path":"\$\.campaigns\[0\]/);
  assert.match(list, /"kind":"(wrong_type|missing)"/);

  // A body that is not JSON at all: the same, with where the text broke off.
  body = '{"version": "cut#3", "campaigns": [';
  const page3 = await context.newPage();
  await page3.addInitScript(() => {
    window.__errors = [];
    window.parcours = [["on", "error", (e) => window.__errors.push(JSON.parse(JSON.stringify(e)))]];
  });
  await page3.goto(`${server.url}/products.html`);
  assert.deepEqual(await page3.evaluate(() => window.parcours.ready()), { rules: "cached", version: "e2e-fixtures#1" });
  const cut = (await page3.evaluate(() => window.__errors)).find((e) => JSON.stringify(e).includes("invalid JSON"));
  assert.ok(cut, "an error event for the text that is not JSON");
  assert.deepEqual(cut.detail, { error: "invalid JSON", kind: "unexpected_end", at: body.length });
  assert.deepEqual(errors, []);
  await context.close();
});

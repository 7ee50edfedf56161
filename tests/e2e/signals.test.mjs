// Signals a site already has, in Chromium against the real server: Global
// Privacy Control and Google Consent Mode v2 (data-consent="gtag"),
// declarative click tracking, alias(), the engine's channel on the wire, and
// one anonymous id across subdomains (data-cookie-domain).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, launchBrowser, storedEvents, eventually, recordBatches } from "./harness.mjs";
import { chromium } from "playwright-core";

let server, browser;
before(async () => {
  // Pages on www.shop.test and checkout.shop.test (mapped to 127.0.0.1, see the cookie test)
  // run on the server's port, known only once it listens: the site allows any origin.
  server = await startServer({ origins: ["*"] });
  browser = await launchBrowser();
});
after(async () => { await browser?.close(); await server?.stop(); });

/** A page at `url` (path /signals.html) with the SDK tag carrying `attrs`, after `head` (a script). */
async function sdkPage(context, { attrs = "", head = "", body = "", url } = {}) {
  await context.route("**/signals.html*", (route) => route.fulfill({
    contentType: "text/html",
    body: `<!doctype html><html><head><meta charset="utf-8"><title>signals</title><link rel="icon" href="data:,">
<script>${head}</script>
<script async src="/pkg/parcours.js" data-write-key="demo" ${attrs}></script></head><body>${body}</body></html>`,
  }));
  const page = await context.newPage();
  await page.goto(url ?? `${server.url}/signals.html`);
  await page.evaluate(() => window.parcours.ready());
  return page;
}
const anonOf = (page) => page.evaluate(() => window.parcours.profile().profile.anonymous_id);
const ofAnon = (anon) => storedEvents(server.dataDir).filter((e) => e.anonymous_id === anon);
const ourKeys = (page) => page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("parcours:")));

test("Global Privacy Control refuses until the site's consent() grants", async () => {
  const context = await browser.newContext();
  await context.addInitScript(() => Object.defineProperty(Navigator.prototype, "globalPrivacyControl", { get: () => true }));
  let batches = 0;
  context.on("request", (r) => { if (r.url().includes("/v1/batch")) batches++; });
  const page = await sdkPage(context);
  await page.evaluate(() => window.parcours.track("GPC Test", { run: "gpc-before" }));
  await page.waitForTimeout(1500);
  assert.equal(batches, 0, "nothing sent with GPC");
  assert.deepEqual(await ourKeys(page), [], "nothing stored with GPC");
  await page.evaluate(() => window.parcours.consent(true));
  const anon = await anonOf(page);
  assert.ok(await eventually(() => ofAnon(anon).some((e) => e.payload?.properties?.run === "gpc-before"), 10000, 200),
    "an explicit consent() grants");
  await page.reload();
  await page.evaluate(() => window.parcours.ready());
  assert.equal(await anonOf(page), anon, "the grant is remembered on the next page");
  await context.close();
});

test('data-consent="gtag" follows Consent Mode v2 defaults and updates, live', async () => {
  const context = await browser.newContext();
  let batches = 0;
  context.on("request", (r) => { if (r.url().includes("/v1/batch")) batches++; });
  const head = `window.dataLayer = window.dataLayer || []; function gtag(){dataLayer.push(arguments);}
gtag("consent", "default", { analytics_storage: "denied", ad_storage: "denied", ad_user_data: "denied", ad_personalization: "denied" });`;
  const page = await sdkPage(context, { attrs: 'data-consent="gtag"', head });
  await page.evaluate(() => window.parcours.track("Gtag Test", { run: "gtag-denied" }));
  await page.waitForTimeout(1500);
  assert.equal(batches, 0, "denied by default: nothing sent");
  assert.deepEqual(await ourKeys(page), []);
  await page.evaluate(() => window.gtag("consent", "update", { analytics_storage: "granted", ad_personalization: "denied" }));
  const anon = await anonOf(page);
  assert.ok(await eventually(() => ofAnon(anon).some((e) => e.payload?.properties?.run === "gtag-denied"), 10000, 200),
    "analytics_storage granted → analytics");
  // The default "denied" of the next page does not undo the visitor's grant.
  await page.reload();
  await page.evaluate(() => window.parcours.ready());
  assert.equal(await anonOf(page), anon);
  assert.ok((await ourKeys(page)).includes("parcours:visitor"));
  await page.evaluate(() => window.gtag("consent", "update", { analytics_storage: "denied" }));
  assert.ok(await eventually(async () => (await ourKeys(page)).length === 0, 5000, 100), "an update to denied erases");
  await context.close();
});

test("data-parcours-track sends the event with data-parcours-prop-* properties", async () => {
  const context = await browser.newContext();
  const body = `<a href="#" id="cta" data-parcours-track="CTA Clicked" data-parcours-prop-product-id="SKU-1"
 data-parcours-prop-price="9.99" data-parcours-prop-zip="007" data-other="secret"><span id="inner">Buy</span></a>`;
  const page = await sdkPage(context, { body });
  await page.click("#inner");
  const anon = await anonOf(page);
  const clicked = await eventually(() => ofAnon(anon).find((e) => e.payload?.event === "CTA Clicked"), 10000, 200);
  assert.ok(clicked, "a click inside the marked element");
  assert.deepEqual(clicked.payload.properties, { product_id: "SKU-1", price: 9.99, zip: "007" });
  await context.close();
});

test("alias(previousId) links an old id to the current visitor; alias(previous, userId) identifies", async () => {
  const context = await browser.newContext();
  const page = await sdkPage(context);
  const sent = recordBatches(page);
  const anon = await anonOf(page);
  await page.evaluate(() => window.parcours.alias("crm-42"));
  await page.evaluate(() => window.parcours.alias("crm-43", "user-7"));
  await page.evaluate(() => window.parcours.alias(42));
  const aliases = await eventually(() => { const a = sent.filter((m) => m.type === "alias"); return a.length === 2 && a; }, 10000, 100);
  assert.ok(aliases, "two alias messages (the bad call sends nothing)");
  assert.equal(aliases[0].previousId, "crm-42");
  assert.equal(aliases[0].userId, anon, "userId defaults to the anonymous id");
  assert.equal(aliases[1].previousId, "crm-43");
  assert.equal(aliases[1].userId, "user-7");
  assert.equal(await page.evaluate(() => window.parcours.profile().profile.user_id), "user-7", "the visitor is now user-7");
  assert.ok(await eventually(() => ofAnon(anon).filter((e) => e.payload?.type === "alias").length === 2, 10000, 200),
    "the server accepted and stored both");
  await context.close();
});

test("context.channel is the engine's: store_qr for a store QR landing, organic for Google", async () => {
  const context = await browser.newContext();
  let page = await sdkPage(context, { url: `${server.url}/signals.html?utm_medium=qr&utm_source=store` });
  let sent = recordBatches(page);
  await page.evaluate(() => window.parcours.track("Channel Test", {}));
  assert.ok(await eventually(() => sent.find((m) => m.event === "Channel Test"), 10000, 100));
  assert.equal(sent.find((m) => m.event === "Channel Test").context.channel, "store_qr");
  await context.close();

  const c2 = await browser.newContext();
  await c2.route("**/signals.html*", (route) => route.continue());
  page = await c2.newPage();
  await c2.route("**/signals.html*", (route) => route.fulfill({
    contentType: "text/html",
    body: `<!doctype html><html><head><link rel="icon" href="data:,"><script async src="/pkg/parcours.js" data-write-key="demo"></script></head><body></body></html>`,
  }));
  sent = recordBatches(page);
  await page.goto(`${server.url}/signals.html`, { referer: "https://www.google.com/" });
  await page.evaluate(() => window.parcours.ready());
  await page.evaluate(() => window.parcours.track("Channel Test", {}));
  assert.ok(await eventually(() => sent.find((m) => m.event === "Channel Test"), 10000, 100));
  assert.equal(sent.find((m) => m.event === "Channel Test").context.channel, "organic");
  await c2.close();
});

test("data-cookie-domain: www. and checkout. share one anonymous id; nothing written before consent; reset() replaces it", async () => {
  const port = new URL(server.url).port;
  const subBrowser = await chromium.launch({
    executablePath: process.env.CHROMIUM_BIN ?? "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
           "--host-resolver-rules=MAP *.shop.test 127.0.0.1",
           // The test's pages are fulfilled by Playwright (no address) and load the SDK from loopback.
           "--disable-features=BlockInsecurePrivateNetworkRequests,PrivateNetworkAccessSendPreflights,LocalNetworkAccessChecks"],
  });
  try {
    const context = await subBrowser.newContext();
    const attrs = 'data-cookie-domain=".shop.test"';
    const www = await sdkPage(context, { attrs, url: `http://www.shop.test:${port}/signals.html` });
    const anon = await anonOf(www);
    const cookie = await www.evaluate(() => document.cookie);
    assert.match(cookie, new RegExp(`parcours_aid=${anon}`));
    const [c] = (await context.cookies()).filter((k) => k.name === "parcours_aid");
    assert.equal(c.domain, ".shop.test");
    assert.equal(c.sameSite, "Lax");
    assert.ok(c.expires * 1000 - Date.now() > 390 * 86400e3, "about 13 months");

    const checkout = await sdkPage(context, { attrs, url: `http://checkout.shop.test:${port}/signals.html` });
    assert.equal(await anonOf(checkout), anon, "the other subdomain has the same visitor");
    await checkout.evaluate(() => window.parcours.track("Checkout Step", { run: "cookie" }));
    assert.ok(await eventually(() => ofAnon(anon).some((e) => e.payload?.event === "Checkout Step"), 10000, 200));

    await checkout.evaluate(() => window.parcours.reset());
    const next = await anonOf(checkout);
    assert.notEqual(next, anon);
    await www.reload();
    await www.evaluate(() => window.parcours.ready());
    assert.equal(await anonOf(www), next, "after reset() on one subdomain, the other follows");
    await www.evaluate(() => window.parcours.forget());
    assert.doesNotMatch(await www.evaluate(() => document.cookie), new RegExp(next), "forget() removes the old id");
    await context.close();

    const fresh = await subBrowser.newContext();
    const page = await sdkPage(fresh, { attrs: attrs + ' data-consent="required"', url: `http://www.shop.test:${port}/signals.html` });
    assert.equal((await fresh.cookies()).length, 0, "nothing written before consent");
    await page.evaluate(() => window.parcours.consent(true));
    // The page sets document.cookie at once; the browser's store, which
    // Playwright reads, follows a moment later.
    const id = await anonOf(page);
    assert.ok(await eventually(async () => (await fresh.cookies()).some((k) => k.name === "parcours_aid" && k.value === id), 5000, 50));
    await page.evaluate(() => window.parcours.consent(false));
    assert.doesNotMatch(await page.evaluate(() => document.cookie), /parcours_aid/, "a refusal deletes it");
    assert.ok(await eventually(async () => (await fresh.cookies()).length === 0, 5000, 50), "and the browser forgets it");
    await fresh.close();
  } finally {
    await subBrowser.close();
  }
});

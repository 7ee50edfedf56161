// The demo shop, end to end in Chromium against the real server: its cookie
// banner holds Parcours until "Accept"; a cart left in one visit brings the
// cart reminder on the next; signing in goes through the shop's own backend
// route (/demo/login) to identify() with a token the server accepts; the
// GA4 purchase on the confirmation page reaches the server as one Order
// Completed. With PARCOURS_SCREENSHOTS=1 it also refreshes
// docs/screenshots/shop-*.png.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { startServer, launchBrowser, storedEvents, eventually, watchErrors, ROOT } from "./harness.mjs";

let server, browser;
before(async () => {
  server = await startServer({ userTokenSecret: "shop-test-secret", demoBackend: true });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const SCREENSHOTS = process.env.PARCOURS_SCREENSHOTS === "1" ? join(ROOT, "docs/screenshots") : null;
const campaign = (page, id) => page.locator(`[data-parcours-campaign="${id}"]`);
const ourKeys = (page) => page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith("parcours:")));
const ofVisitor = (anon) => storedEvents(server.dataDir).filter((e) => e.anonymous_id === anon);
const anonymousId = (page) => page.evaluate(async () => (await window.parcours.profile()).profile.anonymous_id);

async function addToCart(page, sku) {
  await page.goto(`${server.url}/product.html?sku=${sku}`);
  await page.locator("#add-to-cart").click();
  await page.locator("#added-note").filter({ hasText: "added to your cart" }).waitFor();
}

test("the cookie banner holds Parcours until Accept; the answer is remembered and can be changed", async () => {
  const context = await browser.newContext({ shopConsent: false });
  let batches = 0;
  context.on("request", (r) => { if (r.url().includes("/v1/batch")) batches++; });
  const page = await context.newPage();
  const errors = await watchErrors(page);
  await page.goto(`${server.url}/`);
  const banner = page.locator("#consent-banner");
  await banner.waitFor({ state: "visible" });
  await page.evaluate(() => window.parcours.ready());
  await page.waitForTimeout(1500);
  assert.equal(batches, 0, "nothing sent before Accept");
  assert.deepEqual(await ourKeys(page), [], "nothing of Parcours stored before Accept");
  assert.equal(await page.locator("[data-parcours-campaign]").count(), 0, "nothing shown before Accept");

  await page.locator("#consent-accept").click();
  await banner.waitFor({ state: "hidden" });
  const anon = await anonymousId(page);
  const sent = await eventually(() => {
    const events = ofVisitor(anon);
    return events.some((e) => e.type === "page") && events.some((e) => e.event === "Product List Viewed");
  });
  assert.ok(sent, "the page view and the dataLayer's view_item_list, recorded meanwhile, are sent once accepted");
  assert.ok((await ourKeys(page)).includes("parcours:visitor"), "the visitor is stored once accepted");
  await campaign(page, "welcome").locator("[role=dialog]").waitFor({ state: "visible", timeout: 10000 });
  await campaign(page, "welcome").locator("button[aria-label]").first().click();

  // The footer's "Cookie settings" opens the banner again; refusing erases Parcours's storage.
  await page.locator("#consent-settings").click();
  await banner.waitFor({ state: "visible" });
  await page.locator("#consent-refuse").click();
  assert.deepEqual(await ourKeys(page), [], "refusing erases what Parcours stored");
  await page.reload();
  await page.evaluate(() => window.parcours.ready());
  const before = batches;
  await page.waitForTimeout(1500);
  assert.equal(batches, before, "nothing sent after refusing");
  assert.deepEqual(await ourKeys(page), []);
  assert.equal(await banner.isVisible(), false, "the refusal is remembered: no banner on the next page");

  // Accepting again is remembered too: the next page grants Parcours before it loads.
  await page.locator("#consent-settings").click();
  await page.locator("#consent-accept").click();
  await page.reload();
  await page.evaluate(() => window.parcours.ready());
  assert.equal(await banner.isVisible(), false, "no banner once accepted");
  assert.ok(await eventually(async () => (await ourKeys(page)).includes("parcours:visitor")), "stored again");
  assert.deepEqual(errors, []);
  await context.close();
});

// The rules fetched before consent are stored once it is given: the next
// page replays this page's journal (the dismissal) with them.
test("a preview link follows the visitor's consent: the banner first, the previewed campaign once accepted", async () => {
  const context = await browser.newContext({ shopConsent: false });
  const page = await context.newPage();
  const errors = await watchErrors(page);
  await page.goto(`${server.url}/products.html?parcours_preview=vip`);
  await page.locator("#consent-banner").waitFor({ state: "visible" });
  await page.evaluate(() => window.parcours.ready());
  await page.waitForTimeout(500);
  assert.equal(await page.locator("[data-parcours-campaign]").count(), 0, "nothing shown before Accept, even previewed");
  await page.locator("#consent-accept").click();
  await campaign(page, "vip").waitFor({ state: "visible", timeout: 10000 });
  assert.equal(await page.locator("[data-parcours-campaign]").count(), 1, "only the previewed campaign");
  assert.deepEqual(errors, []);
  await context.close();
});

test("a pop-in dismissed on the page where consent was given stays dismissed on the next page", async () => {
  const context = await browser.newContext({ shopConsent: false });
  const page = await context.newPage();
  await page.goto(`${server.url}/`);
  await page.evaluate(() => window.parcours.ready());
  await page.locator("#consent-accept").click();
  await campaign(page, "welcome").locator("[role=dialog]").waitFor({ state: "visible", timeout: 10000 });
  await campaign(page, "welcome").locator("button[aria-label]").first().click();
  await page.waitForTimeout(500);
  await page.reload();
  await page.evaluate(() => window.parcours.ready());
  await page.waitForTimeout(1000);
  assert.equal(await campaign(page, "welcome").count(), 0, "dismissed: welcome stops after a dismissal");
  await context.close();
});

test("rules that arrive after the stored visitor was read still see its dismissal (no cached rules on the next page)", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = await watchErrors(page);
  await page.goto(`${server.url}/`);
  await campaign(page, "welcome").locator("[role=dialog]").waitFor({ state: "visible", timeout: 10000 });
  await campaign(page, "welcome").locator("button[aria-label]").first().click();
  await page.waitForTimeout(500);
  // The rules cache is gone (evicted, or never written): the next page reads
  // the visitor before any rules, then the fetched rules arrive.
  await page.evaluate(() => localStorage.removeItem("parcours:rules"));
  await page.reload();
  assert.equal((await page.evaluate(() => window.parcours.ready())).rules, "network");
  await page.waitForTimeout(1000);
  assert.equal(await campaign(page, "welcome").count(), 0, "dismissed: the replay with the rules kept it");
  const p = await page.evaluate(async () => (await window.parcours.profile()));
  assert.equal(p.exposures.campaigns.welcome?.dismissed, true, "the campaign's state is in the visitor");
  assert.deepEqual(errors, []);
  await context.close();
});

test("a cart left in one visit brings the cart reminder when the visitor returns in a new session", async () => {
  const context = await browser.newContext();
  await context.clock.install();
  const page = await context.newPage();
  const errors = await watchErrors(page);
  await addToCart(page, "SWEAT-1");
  const anon = await anonymousId(page);
  assert.ok(await eventually(() => ofVisitor(anon).some((e) => e.event === "Product Added" && e.payload.properties.sku === "SWEAT-1")),
    "the dataLayer's add_to_cart reached the server as Product Added");
  await page.goto(`${server.url}/products.html`);
  await page.evaluate(() => window.parcours.ready());
  await page.waitForTimeout(500);
  assert.equal(await campaign(page, "cart-reminder").count(), 0, "not in the visit that filled the cart");
  assert.equal(await page.locator("#cart-count").textContent(), "1");

  // Two hours later (a session ends after 30 idle minutes), the visitor comes back.
  const later = await page.evaluate(() => Date.now() + 2 * 3600 * 1000);
  await context.clock.setSystemTime(later);
  await page.goto(`${server.url}/`);
  const reminder = campaign(page, "cart-reminder");
  await reminder.waitFor({ state: "attached", timeout: 10000 });
  await reminder.getByText("Your cart is waiting for you.").waitFor();
  assert.equal(await reminder.getAttribute("data-parcours-placement"), "banner");
  assert.deepEqual(errors, []);
  await context.close();
});

test("signing in: the shop's backend signs a token, identify() uses it, the server accepts it; signing out resets", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = await watchErrors(page);
  await page.goto(`${server.url}/account.html`);
  await page.evaluate(() => window.parcours.ready());
  const anon = await anonymousId(page);
  await page.locator("#login-email").fill("Lea.Martin@example.fr");
  await page.locator("#login-first-name").fill("Léa");
  const [login, profile] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith("/demo/login")),
    page.waitForResponse((r) => r.url().includes("/v1/profile")),
    page.locator("#login").click(),
  ]);
  assert.equal(login.status(), 200);
  const { userId, token } = await login.json();
  assert.match(userId, /^u-[0-9a-f]{12}$/);
  assert.equal(profile.status(), 200, "the server accepts the token the shop's backend signed");
  assert.equal(profile.request().headers().authorization, `Bearer ${token}`);
  await page.locator("#signed-in").waitFor({ state: "visible" });
  assert.equal(await page.locator("#account-id").textContent(), userId);
  const who = await page.evaluate(async () => (await window.parcours.profile()).profile);
  assert.equal(who.user_id, userId);
  assert.equal(who.traits.first_name, "Léa");
  assert.ok(await eventually(() => ofVisitor(anon).some((e) => e.event === "Signed In")), "the dataLayer's login is tracked");
  assert.ok(!JSON.stringify(storedEvents(server.dataDir)).toLowerCase().includes("example.fr"), "no e-mail address reaches Parcours");

  await page.locator("#logout").click();
  await page.locator("#signed-out").waitFor({ state: "visible" });
  const after_ = await page.evaluate(async () => (await window.parcours.profile()).profile);
  assert.equal(after_.user_id ?? null, null, "reset() forgets the user");
  assert.notEqual(after_.anonymous_id, anon, "and starts a new anonymous visitor");
  assert.deepEqual(errors, []);
  await context.close();
});

test("checkout: the dataLayer's begin_checkout and purchase reach the server once each, not again on a reload", async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = await watchErrors(page);
  await addToCart(page, "TSHIRT-3");
  await addToCart(page, "ACC-2");
  const anon = await anonymousId(page);
  await page.goto(`${server.url}/cart.html`);
  await page.locator("#checkout").click();
  await page.waitForURL("**/checkout.html");
  await page.locator("#co-name").fill("Léa Martin");
  await page.locator("#co-email").fill("lea@example.fr");
  await page.locator("#co-address").fill("3 place Bellecour");
  await page.locator("#co-postcode").fill("69002");
  await page.locator("#co-city").fill("Lyon");
  await page.locator("#co-card").fill("4242 4242 4242 4242");
  await page.locator("#place-order").click();
  await page.waitForURL("**/order.html?order=*");
  const orderId = await page.locator("#order-id").textContent();
  assert.match(orderId, /^MP-/);
  const orders = () => ofVisitor(anon).filter((e) => e.event === "Order Completed");
  assert.ok(await eventually(() => orders().length === 1), "the purchase is stored");
  const props = orders()[0].payload.properties;
  assert.equal(props.order_id, orderId);
  assert.equal(props.revenue, 39 + 22, "free shipping from €50");
  assert.deepEqual(props.products.map((p) => p.product_id), ["TSHIRT-3", "ACC-2"]);
  assert.equal(ofVisitor(anon).filter((e) => e.event === "Checkout Started").length, 1);
  assert.equal(await page.locator("#cart-count").textContent(), "0", "the cart is empty after the order");

  await page.reload();
  await page.evaluate(() => window.parcours.ready());
  await eventually(() => ofVisitor(anon).filter((e) => e.type === "page").length >= 6);
  await page.waitForTimeout(1000);
  assert.equal(orders().length, 1, "a reload of the confirmation page reports no second purchase");
  assert.deepEqual(errors, []);
  await context.close();
});

test("a first visit sees the welcome pop-in on the home page; the product page draws its details", async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const errors = await watchErrors(page);
  await page.goto(`${server.url}/`);
  const dialog = campaign(page, "welcome").locator("[role=dialog]");
  await dialog.waitFor({ state: "visible", timeout: 10000 });
  assert.match(await dialog.innerText(), /BIENVENUE10/);
  if (SCREENSHOTS) {
    mkdirSync(SCREENSHOTS, { recursive: true });
    await page.waitForTimeout(600); // the pop-in's entrance animation
    await page.screenshot({ path: join(SCREENSHOTS, "shop-popin.png") });
  }
  await campaign(page, "welcome").locator("button[aria-label]").first().click();
  await page.goto(`${server.url}/product.html?sku=TSHIRT-3`);
  assert.equal(await page.locator("#product-name").textContent(), "Breton stripe tee");
  assert.equal(await page.locator("#product-price").textContent(), "€39.00");
  assert.equal(await page.locator("input[name=size]").count(), 5);
  if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, "shop-product.png") });
  assert.deepEqual(errors, []);
  await context.close();
});

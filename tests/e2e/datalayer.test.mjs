// The GA4 dataLayer bridge in Chromium against the real server, with the
// e-commerce examples of GA4's developer documentation
// (developers.google.com/analytics/devguides/collection/ga4/ecommerce?client_type=gtm):
// entries there at start and later pushes, both `dataLayer.push({ event,
// ecommerce })` and `gtag("event", …)`, become Segment e-commerce events,
// each read once; push keeps working; Parcours pushes nothing; off turns it off.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { openServerAndBrowser, closeServerAndBrowser, storedEvents, eventually, serveFixtures, watchErrors } from "./harness.mjs";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "./harness.mjs";

let server, browser;
before(async () => ({ server, browser } = await openServerAndBrowser()));
after(() => closeServerAndBrowser(server, browser));

const item = (id, name, price, quantity, variant) => ({
  item_id: id, item_name: name, affiliation: "Google Merchandise Store", coupon: "SUMMER_FUN",
  discount: 2.22, index: 0, item_brand: "Google", item_category: "Apparel", item_category2: "Adult",
  item_category3: "Shirts", item_category4: "Crew", item_category5: "Short sleeve",
  item_list_id: "related_products", item_list_name: "Related Products", item_variant: variant,
  location_id: "ChIJIQBpAG2ahYAR_6128GcTUEo", price, quantity,
});
// GA4's purchase example.
const PURCHASE = {
  transaction_id: "T_12345", value: 72.05, tax: 3.60, shipping: 5.99, currency: "USD", coupon: "SUMMER_SALE",
  items: [item("SKU_12345", "Stan and Friends Tee", 10.01, 3, "green"), item("SKU_12346", "Google Grey Women's Tee", 21.01, 2, "gray")],
};
// GA4's add_to_cart example (gtag shape).
const ADD_TO_CART = { currency: "USD", value: 7.77, items: [item("SKU_12345", "Stan and Friends Tee", 9.99, 1, "green")] };

async function open(path, { datalayerOff = false } = {}) {
  const context = await browser.newContext();
  await serveFixtures(context);
  if (datalayerOff) {
    await context.route("**/fixtures/datalayer.html", (route) => route.fulfill({
      contentType: "text/html",
      body: readFileSync(join(ROOT, "tests/e2e/fixtures/datalayer.html"), "utf8")
        .replace('data-write-key="demo"', 'data-write-key="demo" data-datalayer="off"'),
    }));
  }
  const page = await context.newPage();
  const errors = await watchErrors(page);
  await page.goto(`${server.url}/fixtures/${path}`);
  await page.evaluate(() => window.parcours.ready());
  const anon = await page.evaluate(() => window.parcours.profile().profile.anonymous_id);
  return { context, page, errors, anon };
}

const eventsOf = (anon) => storedEvents(server.dataDir).filter((e) => e.anonymous_id === anon && e.payload?.type === "track");
const named = (anon, name) => eventsOf(anon).filter((e) => e.payload.event === name);

test("entries at start and later pushes (object and gtag shapes) become Segment events, each once", async () => {
  const { context, page, errors, anon } = await open("datalayer.html");
  const answer = await page.evaluate(({ purchase, add }) => {
    const r = window.dataLayer.push({ ecommerce: null }, { event: "purchase", ecommerce: purchase });
    window.gtag("event", "add_to_cart", add);
    window.gtag("event", "login", { method: "Google" });
    return { r, length: window.dataLayer.length };
  }, { purchase: PURCHASE, add: ADD_TO_CART });
  assert.equal(answer.r, 5, "push answers the array's new length, as Array.prototype.push does");
  assert.equal(answer.length, 7, "every pushed entry is in the dataLayer, and nothing of Parcours");
  await page.evaluate(() => window.parcours.track("Own Event", { run: "own" }));
  assert.ok(await eventually(() => named(anon, "Signed In").length === 1 && named(anon, "Own Event").length === 1, 15000, 200));

  const [viewed] = named(anon, "Product Viewed");
  assert.ok(viewed, "the entry there at start");
  const v = viewed.payload.properties;
  assert.equal(v.product_id, "SKU_12345");
  assert.equal(v.sku, "SKU_12345");
  assert.equal(v.name, "Stan and Friends Tee");
  assert.equal(v.category, "Apparel");
  assert.equal(v.price, 9.99);
  assert.equal(v.currency, "USD");
  assert.equal(v.value, 7.77);

  const [order] = named(anon, "Order Completed");
  const o = order.payload.properties;
  assert.equal(o.order_id, "T_12345");
  assert.equal(o.revenue, 72.05);
  assert.equal(o.value, 72.05);
  assert.equal(o.currency, "USD");
  assert.equal(o.tax, 3.6);
  assert.equal(o.shipping, 5.99);
  assert.deepEqual(o.products.map((p) => [p.product_id, p.sku, p.name, p.category, p.price, p.quantity]), [
    ["SKU_12345", "SKU_12345", "Stan and Friends Tee", "Apparel", 10.01, 3],
    ["SKU_12346", "SKU_12346", "Google Grey Women's Tee", "Apparel", 21.01, 2],
  ]);
  assert.equal(o.product_id, undefined, "an order has no top-level product");

  const [added] = named(anon, "Product Added");
  assert.equal(added.payload.properties.product_id, "SKU_12345", "gtag shape, single item at top level");
  assert.equal(added.payload.properties.quantity, 1);
  assert.equal(named(anon, "Signed In")[0].payload.properties.method, "Google");

  for (const name of ["Product Viewed", "Order Completed", "Product Added", "Signed In"]) {
    assert.equal(named(anon, name).length, 1, `${name} read once`);
  }
  assert.equal(await page.evaluate(() => window.dataLayer.filter((e) => e && e.event === "Own Event").length), 0,
    "Parcours' own events are not pushed into the dataLayer");
  assert.deepEqual(errors, []);
  await context.close();
});

test("a dataLayer created (or replaced) after Parcours is bridged too", async () => {
  const { context, page, errors, anon } = await open("datalayer-late.html");
  await page.evaluate(() => {
    window.dataLayer = window.dataLayer || [];
    window.dataLayer.push({ event: "view_cart", ecommerce: { currency: "USD", value: 7.77, items: [{ item_id: "SKU_1", price: "7.77", quantity: "1" }] } });
    // A page that assigns a new array (some tag managers do) with entries in it.
    window.dataLayer = [{ event: "begin_checkout", ecommerce: { currency: "USD", value: 7.77, items: [] } }];
    window.dataLayer.push({ event: "sign_up", method: "email" });
  });
  assert.ok(await eventually(() => named(anon, "Signed Up").length === 1, 15000, 200));
  const [cart] = named(anon, "Cart Viewed");
  assert.deepEqual(cart.payload.properties.products, [{ product_id: "SKU_1", sku: "SKU_1", price: 7.77, quantity: 1 }],
    "numeric strings are read as numbers");
  assert.equal(named(anon, "Checkout Started").length, 1);
  assert.equal(named(anon, "Signed Up")[0].payload.properties.method, "email", "parameters at top level");
  assert.deepEqual(errors, []);
  await context.close();
});

test('data-datalayer="off" bridges nothing, and the page\'s push still works', async () => {
  const { context, page, anon } = await open("datalayer.html", { datalayerOff: true });
  const r = await page.evaluate((purchase) => window.dataLayer.push({ event: "purchase", ecommerce: purchase }), PURCHASE);
  assert.equal(r, 4);
  await page.evaluate(() => window.parcours.track("Marker", {}));
  assert.ok(await eventually(() => named(anon, "Marker").length === 1, 15000, 200));
  assert.deepEqual(eventsOf(anon).map((e) => e.payload.event).filter((n) => n !== "Session Started"), ["Marker"]);
  await context.close();
});

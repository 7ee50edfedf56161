// The signed profile in Chromium against the real server: a visitor who
// logged in on the web (identify with the user token the site's backend
// signed) buys in the store; the point of sale posts that Order Completed
// for their user id with the source key; on the next page the SDK fetches
// GET /v1/profile with the token, joins the purchase to the local profile
// (once, whatever the reloads), and the decision changes: the visitor is a
// customer now.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { startServer, launchBrowser, storedEvents, eventually, serveRules, watchErrors } from "./harness.mjs";

const SECRET = "e2e-user-secret";
const SOURCE_KEY = "e2e-pos-key";
let server, browser;
before(async () => {
  server = await startServer({ userTokenSecret: SECRET, sourceKey: SOURCE_KEY });
  browser = await launchBrowser();
});
after(async () => { await browser?.close(); await server?.stop(); });

function userToken(sub, exp = Math.floor(Date.now() / 1000) + 600) {
  const text = "v1." + Buffer.from(JSON.stringify({ site: "demo", sub, exp })).toString("base64url");
  return text + "." + createHmac("sha256", SECRET).update(text).digest("base64url");
}

const RULES = {
  version: "e2e-profile#1",
  pressure: { max_per_session: 10, max_per_day: 10, min_gap_minutes: 0 },
  campaigns: [
    {
      id: "store-thanks",
      name: "Thanks for your visit to the store",
      audience: { condition: { lifecycle: "customer" } },
      trigger: { on: "page_view" },
      placement: "popin",
      variants: [{ id: "a", content: { title: "Merci pour votre achat en boutique", body: "-10 % sur votre prochaine commande." } }],
    },
  ],
};

async function pointOfSale(userId, messageId) {
  const res = await fetch(`${server.url}/v1/batch`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      authorization: "Basic " + Buffer.from(`demo:${SOURCE_KEY}`).toString("base64"),
    },
    body: JSON.stringify({ batch: [{
      type: "track", messageId, userId, event: "Order Completed",
      properties: { order_id: messageId, revenue: 80, currency: "EUR" },
      context: { channel: "store" }, timestamp: new Date().toISOString(),
    }] }),
  });
  assert.equal(res.status, 200, await res.text());
}

/** A fresh visitor on the cart page, the SDK ready, with RULES. */
async function openCart() {
  const context = await browser.newContext();
  await serveRules(context, RULES);
  const page = await context.newPage();
  const errors = await watchErrors(page);
  await page.goto(`${server.url}/cart.html`);
  await page.evaluate(() => window.parcours.ready());
  return { context, page, errors };
}

const storeOrders = (profile) =>
  profile.profile.history.filter((row) => row[1] === "Order Completed").length;

test("a store purchase posted for a user id changes that user's next decision on the web", async () => {
  const { context, page, errors } = await openCart();
  const token = userToken("user-7");
  const firstFetch = page.waitForResponse((r) => r.url().includes("/v1/profile"));
  await page.evaluate((t) => window.parcours.identify("user-7", { first_name: "Léa" }, { token: t }), token);
  const res = await firstFetch;
  assert.equal(res.status(), 200);
  assert.equal(res.request().headers().authorization, `Bearer ${token}`);
  assert.deepEqual((await res.json()).events, [], "nothing from other channels yet");
  assert.ok(await eventually(() => storedEvents(server.dataDir).some((e) => e.user_id === "user-7"), 10000, 200));
  const before = await page.evaluate(() => window.parcours.decide());
  assert.equal(before.some((d) => d.campaign_id === "store-thanks"), false, JSON.stringify(before));

  await pointOfSale("user-7", "pos-order-1");

  // The next page: the profile arrives after the page was decided, and the
  // pop-in shows on what it brought.
  const joined = page.waitForResponse((r) => r.url().includes("/v1/profile"));
  await page.reload();
  const body = await (await joined).json();
  assert.deepEqual(body.events.map((e) => [e.messageId, e.channel]), [["pos-order-1", "store"]]);
  await page.locator("text=Merci pour votre achat en boutique").waitFor({ timeout: 10000 });
  const after = await page.evaluate(() => window.parcours.decide());
  assert.ok(after.some((d) => d.campaign_id === "store-thanks"), JSON.stringify(after));
  assert.equal(storeOrders(await page.evaluate(() => window.parcours.profile())), 1);

  // Fetched again on every page: joined once.
  const again = page.waitForResponse((r) => r.url().includes("/v1/profile"));
  await page.reload();
  await again;
  await page.evaluate(() => window.parcours.ready());
  await page.waitForTimeout(300);
  assert.equal(storeOrders(await page.evaluate(() => window.parcours.profile())), 1);
  assert.deepEqual(errors, []);
  await context.close();
});

test("an expired token is refused by the server, dropped, and the page goes on", async () => {
  const { context, page, errors } = await openCart();
  const refused = page.waitForResponse((r) => r.url().includes("/v1/profile"));
  const expired = userToken("user-8", Math.floor(Date.now() / 1000) - 5);
  await page.evaluate((t) => window.parcours.identify("user-8", {}, { token: t }), expired);
  assert.equal((await refused).status(), 401);
  // Dropped: the next page asks for no profile.
  let asked = false;
  page.on("request", (r) => { if (r.url().includes("/v1/profile")) asked = true; });
  await page.reload();
  await page.evaluate(() => window.parcours.ready());
  await page.waitForTimeout(500);
  assert.equal(asked, false);
  assert.deepEqual(errors, []);
  await context.close();
});

// User tokens in Chromium against the real server: identify(userId, traits,
// { token }) keeps the token signed by the site's backend, and forget() sends
// it as Authorization: Bearer, so the server erases by userId too.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { startServer, launchBrowser, storedEvents, eventually } from "./harness.mjs";

const SECRET = "e2e-user-secret";
let server, browser;
before(async () => {
  server = await startServer({ userTokenSecret: SECRET });
  browser = await launchBrowser();
});
after(async () => { await browser?.close(); await server?.stop(); });

/** What a site's backend does (the README's example). */
function userToken(site, sub, exp) {
  const text = "v1." + Buffer.from(JSON.stringify({ site, sub, exp })).toString("base64url");
  return text + "." + createHmac("sha256", SECRET).update(text).digest("base64url");
}

async function identifyThenForget(user, options) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${server.url}/cart.html`);
  await page.evaluate(() => window.parcours.ready());
  await page.evaluate(([u, o]) => window.parcours.identify(u, { plan: "vip" }, o), [user, options]);
  assert.ok(await eventually(() => storedEvents(server.dataDir).some((e) => e.user_id === user), 10000, 200));
  const answer = page.waitForResponse((r) => r.url().includes("/v1/forget"));
  assert.equal(await page.evaluate(() => window.parcours.forget()), true);
  const res = await answer;
  const out = { auth: res.request().headers().authorization, body: await res.json() };
  await context.close();
  return out;
}

test("forget() sends the user token of identify() and the server erases by userId", async () => {
  const token = userToken("demo", "user-42", Math.floor(Date.now() / 1000) + 600);
  const { auth, body } = await identifyThenForget("user-42", { token });
  assert.equal(auth, `Bearer ${token}`);
  assert.equal(body.refused, undefined, JSON.stringify(body));
  assert.equal(storedEvents(server.dataDir).filter((e) => e.user_id === "user-42").length, 0);
});

test("without a token forget() erases the anonymous part and the server says userId was refused", async () => {
  const { auth, body } = await identifyThenForget("user-43");
  assert.equal(auth, undefined);
  assert.equal(body.refused?.field, "userId", JSON.stringify(body));
});

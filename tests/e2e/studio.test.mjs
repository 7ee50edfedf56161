// The marketer's studio at /studio/ (built by `cargo xtask build` into
// target/studio/, served with --studio-dir), in headless Chromium against
// the real server: a broken document shows its error at its path and line
// and cannot be published; fixed, the simulated visitor's explanation says
// which campaign shows and why the others do not, down to the clause;
// publishing uses If-Match (a concurrent publish is refused, not
// overwritten) and the shop then runs it; rolling back makes the old
// document current again, and what the newer one added leaves the shop.
// PARCOURS_SCREENSHOTS=1 writes docs/screenshots/studio.png.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { startServer, launchBrowser, eventually, demoRules, STUDIO_DIR, ROOT } from "./harness.mjs";

const TOKEN = "studio-e2e-admin-token";
const RULES = {
  version: "studio-e2e#1",
  traits: [{ id: "spend_365d", event: "Order Completed", aggregate: "sum", property: "revenue", window_days: 365 }],
  segments: [{ id: "vip", name: "VIP", condition: { "computed.spend_365d": { $gte: 500 } } }],
  pressure: { max_per_session: 2 },
  campaigns: [
    {
      id: "welcome", audience: { condition: { "session.is_first": true } },
      trigger: { on: "page_view" }, placement: "popin", priority: 5, frequency: { max_impressions: 1 },
      variants: [{ id: "a", content: { title: "Bienvenue !", body: "-10 % sur votre première commande" } }],
    },
    {
      id: "qr-landing", audience: { condition: { "session.channel": "store_qr" } },
      trigger: { on: "page_view" }, placement: { type: "banner", position: "top" },
      variants: [{ id: "a", content: { title: "Passez nous voir en boutique" } }],
    },
    {
      id: "vip-offer", audience: { segments: { any: ["vip"] } },
      trigger: { on: "page_view" }, placement: "popin", priority: 10,
      variants: [{ id: "a", content: { title: "Merci {{ traits.first_name | default: \"\" }}" } }],
    },
  ],
};
const built = existsSync(join(STUDIO_DIR, "index.html"));
let server, browser;
before(async () => {
  if (!built) return;
  server = await startServer({ adminToken: TOKEN });
  browser = await launchBrowser();
  await putRules(RULES);
});
after(async () => { await browser?.close(); await server?.stop(); });

const api = (path, init = {}) => fetch(`${server.url}${path}`, {
  ...init, headers: { authorization: `Bearer ${TOKEN}`, ...init.headers },
});
async function putRules(doc) {
  const res = await api("/v1/rules?writeKey=demo", { method: "PUT", body: JSON.stringify(doc, null, 2) });
  assert.equal(res.status, 200, await res.clone().text());
  return res.json();
}
const published = async () => (await (await fetch(`${server.url}/v1/rules?writeKey=demo`)).json());

/** The studio on a new page over `rules` (published first): the page, its page errors, the form. */
async function openStudio(rules) {
  await putRules(rules);
  const page = await browser.newPage({ viewport: { width: 1440, height: 1100 } });
  const problems = [];
  page.on("pageerror", (e) => problems.push(String(e)));
  await page.goto(`${server.url}/studio/?writeKey=demo`);
  await page.locator("#validity", { hasText: "valid" }).waitFor();
  return { page, problems, form: page.locator("#campaign-form") };
}

/** A new visitor on the shop's home page: the rules version it runs and the campaign it shows. */
async function shopShows() {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${server.url}/`);
  const { version } = await page.evaluate(() => window.parcours.ready());
  const shown = page.locator("[data-parcours-campaign]").first();
  await shown.locator("[role=dialog]").waitFor({ timeout: 10000 });
  const campaign = await shown.getAttribute("data-parcours-campaign");
  await context.close();
  return { version, campaign };
}

/** What another editor adds: a flash sale that outranks the welcome offer. */
const FLASH = {
  id: "flash", trigger: { on: "page_view" }, placement: "popin", priority: 20,
  variants: [{ id: "a", content: { title: "Flash sale" } }],
};

/** Puts the cursor at `offset` characters before the end of the editor line holding `text`. */
async function cursorIn(page, text, fromEnd) {
  await page.locator(".cm-line", { hasText: text }).first().click();
  await page.keyboard.press("End");
  for (let i = 0; i < fromEnd; i++) await page.keyboard.press("ArrowLeft");
}

test("break, see the error at its path, fix, simulate, preview, publish to the shop, roll back off it", { skip: !built && "the studio is not built (cargo xtask build)" }, async (t) => {
  const page = await browser.newPage({ viewport: { width: 1440, height: 1100 } });
  const problems = [];
  page.on("pageerror", (e) => problems.push(String(e)));
  // Answers the flow expects (404 without version history, the 412) are logged as failed loads.
  page.on("console", (m) => { if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) problems.push(m.text()); });
  const t0 = Date.now();
  await page.goto(`${server.url}/studio/?writeKey=demo`);
  await page.locator("#validity", { hasText: "valid" }).waitFor();
  assert.ok(await page.locator(".cm-line", { hasText: '"studio-e2e#1"' }).count(), "the published rules are in the editor");

  // Break: an unknown placement is an engine error at its JSON path, drawn on its line.
  await cursorIn(page, '"placement": "popin"', 2);
  await page.keyboard.type("x");
  const problem = page.locator("#problems li.error").first();
  await problem.waitFor();
  assert.match(await problem.textContent(), /\$\.campaigns\[0\]\.placement/);
  const line = Number((await problem.locator(".line").textContent()).match(/\d+/)[0]);
  const lineText = await page.locator(".cm-line").nth(line - 1).textContent();
  assert.match(lineText, /"placement": "popinx"/, "the line the problem names holds the bad value");
  await page.locator(".cm-lintRange-error", { hasText: "popinx" }).waitFor({ timeout: 5000 }); // underlined in the editor
  assert.match(await page.locator("#validity").textContent(), /1 error.*cannot publish/);
  assert.equal(await page.locator("#publish").isDisabled(), true, "nothing is published while errors remain");
  await problem.locator("button").click();
  assert.equal(await page.evaluate(() => document.activeElement?.id), "editor", "the problem takes the focus to the editor");

  // Fix it, and make the change to publish: the version label.
  await cursorIn(page, '"placement": "popinx"', 2);
  await page.keyboard.press("Backspace");
  await page.locator("#validity", { hasText: /^valid/ }).waitFor();
  await cursorIn(page, '"version": "studio-e2e#1"', 2);
  await page.keyboard.press("Backspace");
  await page.keyboard.type("2");
  await page.locator("#validity", { hasText: /^valid/ }).waitFor();
  assert.equal(await page.locator("#publish").isDisabled(), false);

  // The simulated new visitor: welcome shows; the others say why not, down to the clause.
  await page.getByRole("button", { name: "New visitor", exact: true }).click();
  const welcome = page.locator('.verdict[data-campaign="welcome"]');
  await eventually(async () => (await welcome.getAttribute("class")).includes("shown"));
  assert.match(await page.locator("#winner").textContent(), /welcome \(popin, variant a\) “Bienvenue !”/);
  const qr = page.locator('.verdict[data-campaign="qr-landing"]');
  assert.match(await qr.textContent(), /blocked: audience condition/);
  assert.match(await qr.locator(".clause").textContent(), /pathsession\.channeloperator\$eqexpected"store_qr"actual"direct"/);
  assert.match(await page.locator('.verdict[data-campaign="vip-offer"]').textContent(), /blocked: audience segments.*clauseany.*segmentsvip/s);
  // The street QR visitor: the channel moves the verdict.
  await page.getByRole("button", { name: "QR code from the street", exact: true }).click();
  await eventually(async () => (await qr.getAttribute("class")).includes("shown"));
  assert.match(await page.locator("#simulator .facts").textContent(), /channel store_qr/);
  // The VIP: computed traits, lifecycle and segments, and priority decides the pop-in.
  await page.getByRole("button", { name: "VIP", exact: true }).click();
  await eventually(async () => (await page.locator("#simulator .facts").textContent()).includes("vip"));
  assert.match(await page.locator("#simulator .facts").textContent(), /Lifecyclecustomer|Lifecycleloyal/);
  assert.match(await page.locator("#winner").textContent(), /vip-offer \(popin, variant a\) “Merci Camille”/);
  // Once seen, the frequency cap holds it back.
  await page.getByRole("button", { name: "New visitor", exact: true }).click();
  await eventually(async () => (await welcome.getAttribute("class")).includes("shown"));
  await welcome.getByRole("button", { name: "Record that the visitor saw welcome" }).click();
  await eventually(async () => (await welcome.getAttribute("class")).includes("blocked"));
  assert.match(await welcome.locator(".clause").textContent(), /capmax_impressionscount1limit1/);
  assert.match(await page.locator("#simulator .facts").textContent(), /Seenwelcome ×1/);
  // The clock: 30 days later the new visitor is a returning one, welcome no longer fits.
  await page.getByRole("button", { name: "New visitor", exact: true }).click();
  await page.getByRole("button", { name: "Move the clock 30 days forward" }).click();
  await eventually(async () => (await welcome.getAttribute("class")).includes("blocked"));
  assert.match(await welcome.locator(".clause").textContent(), /pathsession\.is_first.*actualfalse/);
  await page.getByRole("button", { name: "New visitor", exact: true }).click();

  // The shop previews the editor's unpublished rules in the frame, drawn by the SDK itself.
  await page.getByLabel("Admin token").fill(TOKEN);
  await welcome.getByRole("button", { name: "Preview welcome on the shop" }).click();
  const shop = page.frameLocator(".preview-frame");
  await shop.locator('[data-parcours-campaign="welcome"] [role=dialog]', { hasText: "Bienvenue !" }).waitFor();
  const frame = page.frames().find((f) => f.url().includes("parcours_draft="));
  assert.deepEqual(await frame.evaluate(() => window.parcours.ready()), { rules: "draft", version: "studio-e2e#2" }, "the draft, not the published rules");
  assert.equal((await published()).version, "studio-e2e#1", "previewing publishes nothing");
  // … and in a tab of its own.
  const [tab] = await Promise.all([page.context().waitForEvent("page"), page.getByRole("button", { name: "Open in the shop" }).click()]);
  await tab.locator('[data-parcours-campaign="welcome"] [role=dialog]', { hasText: "Bienvenue !" }).waitFor();
  assert.match(tab.url(), /\/\?parcours_preview=welcome%3Aa&parcours_draft=[\w.-]+$/);
  await tab.close();

  if (process.env.PARCOURS_SCREENSHOTS === "1") {
    await page.evaluate(() => window.scrollTo(0, 0)); // the header and the editor are sticky
    await page.waitForTimeout(800); // the pop-in's entrance animation
    mkdirSync(join(ROOT, "docs/screenshots"), { recursive: true });
    await page.screenshot({ path: join(ROOT, "docs/screenshots/studio.png"), fullPage: true });
  }

  // Publish, with the admin token kept for this tab only.
  await page.locator("#publish").click();
  await page.locator("#notice.ok", { hasText: "Published version" }).waitFor();
  assert.equal((await published()).version, "studio-e2e#2", "GET /v1/rules serves what the studio published");
  assert.match(await page.locator("#rules-state").textContent(), /“studio-e2e#2” · the editor shows it/);
  assert.deepEqual(await shopShows(), { version: "studio-e2e#2", campaign: "welcome" }, "the shop runs what was published");
  assert.equal(await page.evaluate(() => sessionStorage.getItem("parcours-studio:token:demo")), TOKEN);
  assert.ok(await page.evaluate((t) => !Object.values(localStorage).some((v) => v.includes(t)), TOKEN), "the token is not kept beyond the tab");

  // Another editor publishes meanwhile: the studio's next publish is refused (If-Match), not lost.
  await putRules({ ...RULES, version: "someone-else#3", campaigns: [...RULES.campaigns, FLASH] });
  assert.deepEqual(await shopShows(), { version: "someone-else#3", campaign: "flash" });
  await cursorIn(page, '"version": "studio-e2e#2"', 2);
  await page.keyboard.type("b");
  await page.locator("#validity", { hasText: /^valid/ }).waitFor();
  await page.locator("#publish").click();
  const conflict = page.locator("#notice.error", { hasText: "Someone else published" });
  await conflict.waitFor();
  assert.equal((await published()).version, "someone-else#3", "nothing was overwritten");
  await conflict.getByRole("button", { name: "Reload the published rules" }).click();
  await page.locator(".cm-line", { hasText: '"someone-else#3"' }).waitFor();

  // The other editor's change, as the history shows it.
  let list = (await (await api("/v1/rules/versions?writeKey=demo")).json()).versions;
  await page.locator("#versions").getByRole("button", { name: `Changes in v${list[0].version}` }).click();
  await page.locator(".diff .del").first().waitFor();
  assert.deepEqual(await page.locator(".diff .del").allTextContents(), ['  "version": "studio-e2e#2",']);
  const added = await page.locator(".diff .add").allTextContents();
  assert.equal(added[0], '  "version": "someone-else#3",');
  assert.ok(added.some((l) => l.includes('"id": "flash"')), added.join("\n"));

  // The marketer adds a campaign of their own in the form, over the reloaded rules, and publishes it.
  const form = page.locator("#campaign-form");
  await form.getByLabel("Id of the new campaign").fill("autumn");
  await form.getByRole("button", { name: "Add a campaign" }).click();
  await form.getByLabel("Status of autumn").waitFor();
  assert.equal(await form.getByLabel("Status of autumn").inputValue(), "paused", "a new campaign starts paused");
  await form.getByLabel("Status of autumn").selectOption("active");
  await form.getByLabel("Priority of autumn").fill("30");
  await form.getByLabel("Priority of autumn").press("Tab");
  await form.getByLabel("Content title of autumn variant a").fill("Soldes d'automne");
  await form.getByLabel("Content title of autumn variant a").press("Tab");
  await page.locator(".cm-line", { hasText: `"title": "Soldes d'automne"` }).waitFor();
  await cursorIn(page, '"version": "someone-else#3"', 2);
  await page.keyboard.type("-autumn");
  await page.locator("#validity", { hasText: /^valid/ }).waitFor();
  await eventually(async () => (await page.locator("#winner").textContent()).includes("autumn"));
  await page.locator("#publish").click();
  await page.locator("#notice.ok", { hasText: "Published version" }).waitFor();
  assert.deepEqual(await shopShows(), { version: "someone-else#3-autumn", campaign: "autumn" }, "the shop shows the studio's new campaign");

  // Roll back to what the studio published first: its autumn campaign and the flash sale are gone from the shop.
  list = (await (await api("/v1/rules/versions?writeKey=demo")).json()).versions;
  const ours = list.find((v) => !v.current && v.rulesVersion === "studio-e2e#2");
  assert.ok(ours, JSON.stringify(list));
  await page.locator("#versions").getByRole("button", { name: `Changes in v${list[0].version}` }).click();
  await eventually(async () => (await page.locator(".diff .add").allTextContents()).some((l) => l.includes('"id": "autumn"')));
  page.once("dialog", (d) => d.accept());
  await page.locator("#versions").getByRole("button", { name: `Roll back to v${ours.version}` }).click();
  await page.locator("#notice.ok", { hasText: "Rolled back" }).waitFor();
  assert.equal((await published()).version, "studio-e2e#2", "the old document is current again");
  await page.locator(".cm-line", { hasText: '"studio-e2e#2"' }).waitFor();
  assert.ok(await eventually(async () => (await form.getByLabel("Status of autumn").count()) === 0), "the form follows the rollback");
  assert.deepEqual(await shopShows(), { version: "studio-e2e#2", campaign: "welcome" }, "rolled back: autumn and the flash sale are gone");
  t.diagnostic(`the marketer flow took ${Date.now() - t0} ms`);
  assert.deepEqual(problems, [], "no page error, no CSP violation");
  await page.close();
});

test("the editor completes fields and values and documents them on hover, from the schema", { skip: !built && "the studio is not built (cargo xtask build)" }, async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${server.url}/studio/?writeKey=demo`);
  await page.locator("#validity", { hasText: "valid" }).waitFor();
  await page.locator(".cm-line", { hasText: '"id": "welcome"' }).first().click();
  await page.keyboard.press("End");
  await page.keyboard.press("Enter");
  await page.keyboard.type('"hold');
  const list = page.locator(".cm-tooltip-autocomplete");
  await list.waitFor();
  await list.locator('li[aria-selected="true"]', { hasText: '"holdout_percent"' }).waitFor();
  // Picked with the mouse: a key press can land while a busy machine is
  // still re-querying the list for the last letter typed, and make a newline.
  await list.locator("li", { hasText: '"holdout_percent"' }).first().click();
  await page.locator(".cm-line", { hasText: '"holdout_percent": ' }).waitFor();
  await page.keyboard.type("10,");
  await page.locator(".cm-line", { hasText: '"holdout_percent": 10,' }).waitFor();
  await page.locator("#validity", { hasText: /^valid/ }).waitFor({ timeout: 3000 }).catch(async (e) => {
    await page.screenshot({ path: "/tmp/studio-complete.png" });
    throw e;
  });
  // A closed set of values: the trigger kinds.
  await cursorIn(page, '"on": "page_view"', 12);
  await page.keyboard.press("Shift+End");
  await page.keyboard.press("Backspace");
  await page.keyboard.type('"');
  await page.keyboard.press("Control+Space");
  await list.waitFor();
  assert.match(await list.textContent(), /"exit_intent".*"scroll"/s);
  // Hover documentation, from the schema's descriptions.
  const line = page.locator(".cm-line", { hasText: '"placement": "popin"' }).first();
  const indent = (await line.textContent()).match(/^ */)[0].length;
  const charWidth = await page.evaluate(() => {
    const probe = document.querySelector("#editor").shadowRoot.querySelector(".cm-line");
    const r = document.createRange();
    r.selectNodeContents(probe);
    return r.getBoundingClientRect().width / probe.textContent.length;
  });
  await line.hover({ position: { x: (indent + 4) * charWidth, y: 5 } });
  const tip = page.locator(".cm-tooltip-hover .schema-doc");
  await tip.waitFor();
  assert.match(await tip.textContent(), /^Where it shows: "popin", "banner"/);
  await page.close();
});

test("results: each arm's funnel, rate and uplift with intervals, a chart over time, the CSV", { skip: !built && "the studio is not built (cargo xtask build)" }, async () => {
  await putRules({
    version: "studio-e2e-results#1",
    campaigns: [{
      id: "promo", name: "Promo", trigger: { on: "page_view" }, placement: "popin", holdout_percent: 25,
      goal: { event: "Order Completed", within_hours: 72 },
      variants: [{ id: "a", content: { title: "Promo" } }],
    }],
  });
  // 24 visitors exposed over three days, a quarter held out; treatment converts more.
  const batch = [];
  let n = 0;
  const message = (anonymousId, event, properties, at) => ({
    type: "track", anonymousId, event, properties, messageId: `studio-e2e-${n++}`, timestamp: new Date(at).toISOString(),
    context: { userAgent: "Mozilla/5.0 (X11; Linux x86_64) Chrome/120" },
  });
  const start = Date.now() - 2 * 864e5 - 3600e3;
  for (let i = 0; i < 24; i++) {
    const at = start + (i % 3) * 864e5, arm = i % 4 === 0 ? "holdout" : "a", anon = `res-${i}`;
    batch.push(message(anon, "Experiment Viewed", { experiment_id: "promo", variation_id: arm }, at));
    if (arm === "a") batch.push(message(anon, "Promotion Viewed", { promotion_id: "promo", creative: "a" }, at + 1000));
    if (arm === "a" && i % 2 === 1) batch.push(message(anon, "Promotion Clicked", { promotion_id: "promo", creative: "a" }, at + 2000));
    if ((arm === "a" && i % 3 !== 0) || i === 4) batch.push(message(anon, "Order Completed", { order_id: `o-${i}`, revenue: 50 }, at + 600e3));
  }
  const sent = await fetch(`${server.url}/v1/batch`, {
    method: "POST", body: JSON.stringify({ batch }),
    headers: { "content-type": "application/json", authorization: `Basic ${Buffer.from("demo:").toString("base64")}` },
  });
  assert.equal(sent.status, 200, await sent.clone().text());
  const page = await browser.newPage({ viewport: { width: 1440, height: 1100 }, acceptDownloads: true });
  await page.goto(`${server.url}/studio/?writeKey=demo`);
  await page.locator("#validity", { hasText: "valid" }).waitFor();
  await page.getByLabel("Admin token").fill(TOKEN);
  await page.getByRole("button", { name: "Show results" }).click();
  const result = page.locator('.result[data-campaign="promo"]');
  await result.waitFor();
  const rows = await result.locator("tbody tr").allTextContents();
  const arm = (id) => result.locator("tbody tr", { hasText: id }).locator("td");
  assert.deepEqual((await arm("a").allTextContents()).slice(0, 5), ["a", "18", "18", "12", "12"], rows.join(" | "));
  assert.deepEqual((await arm("holdout").allTextContents()).slice(0, 5), ["holdout (control)", "6", "0", "0", "1"]);
  assert.match((await arm("a").allTextContents())[5], /^66\.7 %$/);
  assert.match((await arm("a").allTextContents())[7], /^\+50\.0$/, "uplift in points against the holdout's 16.7 %");
  const chart = result.locator("svg.chart");
  assert.equal(await chart.locator("polyline").count(), 2, "a line per arm");
  assert.equal(await chart.locator("polygon").count(), 2, "an interval band per arm");
  assert.match(await chart.getAttribute("aria-label"), /conversion rate per arm/);
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("button", { name: "Download CSV" }).click()]);
  const csv = await (await import("node:fs/promises")).readFile(await download.path(), "utf8");
  assert.match(csv, /^campaign_id,variant_id,day,/);
  assert.match(csv, /\npromo,a,,/);
  if (process.env.PARCOURS_SCREENSHOTS === "1") await result.screenshot({ path: join(ROOT, "docs/screenshots/studio-results.png") });
  await page.close();
});

test("axe finds no WCAG A/AA violation in the studio, the editor's shadow root included", { skip: !built && "the studio is not built (cargo xtask build)" }, async () => {
  const { readFileSync } = await import("node:fs");
  const { createRequire } = await import("node:module");
  const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
  // axe is injected by the test, which the studio's CSP would refuse.
  const context = await browser.newContext({ bypassCSP: true, viewport: { width: 1440, height: 1100 } });
  const page = await context.newPage();
  await page.goto(`${server.url}/studio/?writeKey=demo`);
  await page.locator("#validity", { hasText: "valid" }).waitFor();
  await page.getByLabel("Admin token").fill(TOKEN);
  await page.getByRole("button", { name: "Lapsed customer", exact: true }).click();
  await page.locator("#versions .versions-list").waitFor();
  // The form's details rows open, so their fields are checked too.
  const closed = page.locator("#campaign-form [data-details] > td > details:not([open]) > summary");
  for (let n = 0; n < 20 && await closed.count(); n++) await closed.first().click();
  await page.locator("#campaign-form .form-details").first().waitFor();
  await page.addScriptTag({ content: AXE });
  const violations = await page.evaluate(async () => {
    const r = await window.axe.run(document, { runOnly: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] });
    return r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  });
  assert.deepEqual(violations, []);
  await context.close();
});

test("the campaign form and the JSON stay in sync, errors on their field", { skip: !built && "the studio is not built (cargo xtask build)" }, async () => {
  await putRules(RULES);
  const page = await browser.newPage({ viewport: { width: 1440, height: 1100 } });
  await page.goto(`${server.url}/studio/?writeKey=demo`);
  await page.locator("#validity", { hasText: "valid" }).waitFor();
  const form = page.locator("#campaign-form");
  await form.getByLabel("Status of welcome").selectOption("paused");
  await page.locator(".cm-line", { hasText: '"status": "paused"' }).waitFor();
  const welcome = page.locator('.verdict[data-campaign="welcome"]');
  await eventually(async () => (await welcome.textContent()).includes("blocked: status"));
  const holdout = form.getByLabel("Holdout percent of qr-landing");
  await holdout.fill("150");
  await holdout.press("Tab");
  await page.locator("#validity", { hasText: "1 error" }).waitFor();
  await eventually(async () => (await holdout.getAttribute("aria-invalid")) === "true");
  assert.match(await form.locator('tr[data-campaign="qr-landing"] .field-error').textContent(), /100/);
  assert.equal(await page.locator("#publish").isDisabled(), true);
  assert.match(await page.locator("#problems").textContent(), /\$\.campaigns\[1\]\.holdout_percent/);
  await holdout.fill("10");
  await holdout.press("Tab");
  await page.locator("#validity", { hasText: /^valid/ }).waitFor();
  await page.locator(".cm-line", { hasText: '"holdout_percent": 10' }).waitFor();
  // And back: an edit in the JSON redraws the form.
  await cursorIn(page, '"priority": 10', 1);
  await page.keyboard.type("0");
  await eventually(async () => (await form.getByLabel("Priority of vip-offer").inputValue()) === "100");
  await page.close();
});

test("a campaign's details in the form: trigger, frequency, variants with a live template preview", { skip: !built && "the studio is not built (cargo xtask build)" }, async () => {
  const { page, problems, form } = await openStudio(RULES);
  const welcome = page.locator('.verdict[data-campaign="welcome"]');
  await form.getByText("Details of welcome").click();
  // Trigger: a scroll depth; the simulated page view no longer fires it.
  await form.getByLabel("Trigger kind of welcome").selectOption("scroll");
  await page.locator(".cm-line", { hasText: '"on": "scroll"' }).waitFor();
  await page.locator(".cm-line", { hasText: '"percent": 50' }).waitFor();
  await page.locator("#validity", { hasText: /^valid/ }).waitFor();
  await eventually(async () => (await welcome.textContent()).includes("blocked: trigger"));
  const pct = form.getByLabel("Trigger scroll percent of welcome");
  await pct.fill("150");
  await pct.press("Tab");
  await page.locator("#validity", { hasText: "1 error" }).waitFor();
  await eventually(async () => (await pct.getAttribute("aria-invalid")) === "true");
  assert.match(await form.locator('[data-details="welcome"] .field-error').textContent(), /100/);
  assert.match(await page.locator("#problems").textContent(), /\$\.campaigns\[0\]\.trigger\.percent/);
  await pct.fill("60");
  await pct.press("Tab");
  await page.locator("#validity", { hasText: /^valid/ }).waitFor();
  await page.locator(".cm-line", { hasText: '"percent": 60' }).waitFor();
  await form.getByLabel("Trigger kind of welcome").selectOption("page_view");
  await page.locator("#validity", { hasText: /^valid/ }).waitFor();
  assert.equal(await page.locator(".cm-line", { hasText: '"percent"' }).count(), 0, "a field that does not apply to the kind goes");
  await eventually(async () => /shown|winner/.test(await welcome.textContent()));
  // Frequency: the cap and stop_after, the rest of the campaign intact.
  await form.getByLabel("Stop welcome after dismissed").check();
  await page.locator(".cm-line", { hasText: '"stop_after": [' }).waitFor();
  await page.locator(".cm-line", { hasText: '"max_impressions": 1' }).waitFor();
  const cap = form.getByLabel("Frequency max per session of welcome");
  await cap.fill("-1");
  await cap.press("Tab");
  await page.locator("#validity", { hasText: "1 error" }).waitFor();
  await eventually(async () => (await cap.getAttribute("aria-invalid")) === "true");
  await cap.fill("");
  await cap.press("Tab");
  await page.locator("#validity", { hasText: /^valid/ }).waitFor();
  // Variants: content with templates, previewed for the simulated visitor by the engine.
  const title = form.getByLabel("Content title of welcome variant a");
  assert.equal(await title.inputValue(), "Bienvenue !");
  await title.fill('Bonjour {{ traits.first_name | default: "à vous" }}, code {{ offer.code | default: "OFFRE" }}');
  await title.press("Tab");
  await page.locator("#validity", { hasText: /^valid/ }).waitFor();
  await eventually(async () => (await form.getByLabel("Preview of welcome variant a").textContent()).includes("Bonjour à vous, code OFFRE"));
  await eventually(async () => (await page.locator("#winner").textContent()).includes("“Bonjour à vous, code OFFRE”"));
  // The preview follows the simulated visitor.
  await page.getByRole("button", { name: "VIP", exact: true }).click();
  await eventually(async () => (await form.getByLabel("Preview of welcome variant a").textContent()).includes("Bonjour Camille, code OFFRE"));
  await page.getByRole("button", { name: "New visitor", exact: true }).click();
  await eventually(async () => (await form.getByLabel("Preview of welcome variant a").textContent()).includes("Bonjour à vous, code OFFRE"));
  await form.getByLabel("CTA label of welcome variant a").fill("J'en profite");
  await form.getByLabel("CTA label of welcome variant a").press("Tab");
  await page.locator(".cm-line", { hasText: `"label": "J'en profite"` }).waitFor();
  const weight = form.getByLabel("Weight of welcome variant a");
  await weight.fill("50");
  await weight.press("Tab");
  await page.locator("#validity", { hasText: "1 error" }).waitFor();
  await eventually(async () => (await weight.getAttribute("aria-invalid")) === "true");
  await weight.fill("");
  await weight.press("Tab");
  await page.locator("#validity", { hasText: /^valid/ }).waitFor();
  const doc = JSON.parse(await page.evaluate(() => document.querySelector("#editor").value));
  assert.deepEqual(doc.campaigns[1], RULES.campaigns[1], "other campaigns are untouched");
  assert.deepEqual(doc.campaigns[0].audience, RULES.campaigns[0].audience);
  assert.deepEqual(doc.campaigns[0].frequency, { max_impressions: 1, stop_after: ["dismissed"] });
  assert.deepEqual(doc.campaigns[0].variants[0].content.cta, { label: "J'en profite" });
  assert.deepEqual(problems, []);
  await page.close();
});

test("the audience builder: segments as checkboxes, simple condition clauses as rows, complex ones as their own JSON", { skip: !built && "the studio is not built (cargo xtask build)" }, async () => {
  await putRules({ ...RULES, campaigns: [...RULES.campaigns, { id: "mixed", audience: { condition: { $or: [{ "visit.count": { $gt: 3 } }, { "session.channel": "email" }] } }, trigger: { on: "page_view" }, placement: "none", variants: [{ id: "a" }] }] });
  const page = await browser.newPage({ viewport: { width: 1440, height: 1100 } });
  const problems = [];
  page.on("pageerror", (e) => problems.push(String(e)));
  await page.goto(`${server.url}/studio/?writeKey=demo`);
  await page.locator("#validity", { hasText: "valid" }).waitFor();
  const form = page.locator("#campaign-form");
  // A condition clause: the new visitor comes direct, so qr-landing shows once its channel is "direct".
  const qr = page.locator('.verdict[data-campaign="qr-landing"]');
  assert.match(await qr.textContent(), /blocked: audience condition/);
  await form.getByText("Details of qr-landing").click();
  assert.equal(await form.getByLabel("Attribute of condition 1 of qr-landing").inputValue(), "session.channel");
  assert.equal(await form.getByLabel("Operator of condition 1 of qr-landing").inputValue(), "$eq");
  const value = form.getByLabel("Value of condition 1 of qr-landing");
  assert.equal(await value.inputValue(), "store_qr");
  await value.fill("direct");
  await value.press("Tab");
  await page.locator(".cm-line", { hasText: '"session.channel": "direct"' }).waitFor();
  await page.locator("#validity", { hasText: /^valid/ }).waitFor();
  await eventually(async () => !(await qr.textContent()).includes("blocked: audience"));
  await form.getByLabel("Operator of condition 1 of qr-landing").selectOption("$in");
  await page.locator(".cm-line", { hasText: '"$in": [' }).waitFor();
  await form.getByLabel("Add a condition to qr-landing").click();
  await page.locator(".cm-line", { hasText: '"$exists": true' }).waitFor();
  const attr = form.getByLabel("Attribute of condition 2 of qr-landing");
  await attr.fill("visit.count");
  await form.getByLabel("Operator of condition 2 of qr-landing").selectOption("$gte");
  const v2 = form.getByLabel("Value of condition 2 of qr-landing");
  await v2.fill("2");
  await v2.press("Tab");
  await page.locator(".cm-line", { hasText: '"$gte": 2' }).waitFor();
  await eventually(async () => /blocked: audience condition/.test(await qr.textContent()));
  await form.getByLabel("Remove condition 2 of qr-landing").click();
  await eventually(async () => (await page.locator(".cm-line", { hasText: '"visit.count"' }).count()) === 0);
  await eventually(async () => !(await qr.textContent()).includes("blocked: audience"));
  // Segments: vip-offer is for VIPs; unticked, the new visitor passes the audience.
  const vip = page.locator('.verdict[data-campaign="vip-offer"]');
  await form.getByText("Details of vip-offer").click();
  const seg = form.getByLabel("Segment vip of vip-offer");
  assert.equal(await seg.isChecked(), true);
  await seg.uncheck();
  await page.locator("#validity", { hasText: /^valid/ }).waitFor();
  await eventually(async () => !(await vip.textContent()).includes("blocked: audience segments"));
  await form.getByLabel("Segment vip of vip-offer").check();
  await page.locator(".cm-line", { hasText: '"any": [' }).waitFor();
  // An unknown segment typed in the JSON shows its error on its checkbox.
  await page.locator(".cm-line", { hasText: /^\s*"vip"\s*$/ }).click();
  await page.keyboard.press("End");
  await page.keyboard.press("ArrowLeft");
  await page.keyboard.type("x");
  await page.locator("#validity", { hasText: "1 error" }).waitFor();
  const bad = form.getByLabel("Segment vipx of vip-offer");
  await eventually(async () => (await bad.getAttribute("aria-invalid")) === "true");
  assert.match(await page.locator("#problems").textContent(), /\$\.campaigns\[2\]\.audience\.segments\.any\[0\]/);
  // A condition the rows cannot hold gets its own JSON box, still in the form.
  await form.getByText("Details of mixed").click();
  await form.locator('[data-details="mixed"] .complex').waitFor();
  assert.equal(await form.getByLabel("Attribute of condition 1 of mixed").count(), 0);
  const box = form.getByLabel("JSON of mixed");
  assert.deepEqual(JSON.parse(await box.inputValue()), { $or: [{ "visit.count": { $gt: 3 } }, { "session.channel": "email" }] });
  await box.fill('{"$or": [{"visit.count": {"$gt": 3}}');
  await box.press("Tab");
  assert.match(await form.getByRole("group", { name: "Audience of mixed" }).getByRole("alert").textContent(), /not JSON/);
  assert.equal(await page.locator(".cm-line", { hasText: '"$gt": 3' }).count(), 1, "the document keeps the condition");
  await box.fill('{"$or": [{"visit.count": {"$gt": 4}}, {"session.channel": "social"}]}');
  await box.press("Tab");
  await page.locator(".cm-line", { hasText: '"$gt": 4' }).waitFor();
  await page.locator(".cm-line", { hasText: '"session.channel": "social"' }).waitFor();
  await page.locator("#validity", { hasText: "1 error" }).waitFor(); // the unknown segment above, still
  assert.deepEqual(problems, []);
  await page.close();
});

test("the rest of a campaign in the form: segments all/none, an event trigger's filter, goal, offer, languages and a form", { skip: !built && "the studio is not built (cargo xtask build)" }, async () => {
  const { page, problems, form } = await openStudio(RULES);
  const editorDoc = async () => JSON.parse(await page.evaluate(() => document.querySelector("#editor").value));
  const commit = async (locator, value) => { await locator.fill(value); await locator.press("Tab"); };
  const welcome = page.locator('.verdict[data-campaign="welcome"]');
  await form.getByText("Details of welcome").click();

  // Segments: none of vip; the VIP preset is then kept out.
  await form.getByLabel("Segment vip (none) of welcome").check();
  await page.locator(".cm-line", { hasText: '"none": [' }).waitFor();
  await page.getByRole("button", { name: "VIP", exact: true }).click();
  await eventually(async () => /blocked: audience/.test(await welcome.textContent()));
  await page.getByRole("button", { name: "New visitor", exact: true }).click();
  await eventually(async () => !/blocked: audience/.test(await welcome.textContent()));

  // An event trigger with a filter on the event's properties.
  await form.getByLabel("Trigger kind of welcome").selectOption("event");
  await commit(form.getByLabel("Trigger event of welcome"), "Product Added");
  await form.getByLabel("Add a condition to the trigger of welcome").click();
  await commit(form.getByLabel("Attribute of condition 1 of the trigger of welcome"), "price");
  await form.getByLabel("Operator of condition 1 of the trigger of welcome").selectOption("$gte");
  await commit(form.getByLabel("Value of condition 1 of the trigger of welcome"), "50");
  await page.locator(".cm-line", { hasText: '"price": {' }).waitFor();
  await page.locator("#validity", { hasText: /^valid/ }).waitFor();

  // The goal: orders from €80 within two days.
  await commit(form.getByLabel("Goal event of welcome"), "Order Completed");
  await commit(form.getByLabel("Goal window hours of welcome"), "-3");
  await page.locator("#validity", { hasText: "1 error" }).waitFor();
  await eventually(async () => (await form.getByLabel("Goal window hours of welcome").getAttribute("aria-invalid")) === "true");
  await commit(form.getByLabel("Goal window hours of welcome"), "48");
  await form.getByLabel("Add a condition to the goal of welcome").click();
  await form.getByLabel("Operator of condition 1 of the goal of welcome").selectOption("$gte");
  await commit(form.getByLabel("Value of condition 1 of the goal of welcome"), "80");
  await page.locator("#validity", { hasText: /^valid/ }).waitFor();

  // The offer, read by the content's template.
  await form.getByLabel("Add an offer value to welcome").click();
  await commit(form.getByLabel("Offer value code of welcome"), "BIENVENUE10");
  await commit(form.getByLabel("Content title of welcome variant a"), "Code {{ offer.code }}");
  await eventually(async () => (await form.getByLabel("Preview of welcome variant a").textContent()).includes("Code BIENVENUE10"));

  // Languages: the text becomes the default, English is added beside it.
  await form.getByLabel("New language of welcome variant a").fill("en");
  await form.getByLabel("Add a language to welcome variant a").click();
  await form.getByLabel("Content title of welcome variant a (en)").waitFor();
  await commit(form.getByLabel("Content title of welcome variant a (en)"), "Welcome! Code {{ offer.code }}");
  await page.locator("#validity", { hasText: /^valid/ }).waitFor();

  // A form asking for the first name and a choice, on the default block.
  await form.getByLabel("Add a form to welcome variant a (default)").click();
  await form.getByLabel("Add a question to welcome variant a (default)").click();
  await form.getByLabel("Type of question 2 of welcome variant a (default)").selectOption("choice");
  await commit(form.getByLabel("Key of question 2 of welcome variant a (default)"), "style");
  await commit(form.getByLabel("Options of question 2 of welcome variant a (default)"), "casual=Décontracté, chic=Chic");
  await form.getByLabel("Required question 2 of welcome variant a (default)").check();
  await page.locator("#validity", { hasText: /^valid/ }).waitFor();

  const doc = await editorDoc();
  const c = doc.campaigns[0];
  assert.deepEqual(c.audience, { condition: { "session.is_first": true }, segments: { none: ["vip"] } });
  assert.deepEqual(c.trigger, { on: "event", event: "Product Added", where: { price: { $gte: 50 } } });
  assert.deepEqual(c.goal, { event: "Order Completed", within_hours: 48, where: { revenue: { $gte: 80 } } });
  assert.deepEqual(c.offer, { code: "BIENVENUE10" });
  assert.deepEqual(Object.keys(c.variants[0].content), ["default", "en"]);
  assert.equal(c.variants[0].content.en.title, "Welcome! Code {{ offer.code }}");
  assert.equal(c.variants[0].content.default.title, "Code {{ offer.code }}");
  assert.deepEqual(c.variants[0].content.default.form.fields, [
    { trait: "first_name", label: "First name", type: "text" },
    { trait: "style", label: "Your answer", type: "choice", options: [{ value: "casual", label: "Décontracté" }, { value: "chic", label: "Chic" }], required: true },
  ]);
  assert.deepEqual(doc.campaigns.slice(1), RULES.campaigns.slice(1), "other campaigns are untouched");
  // What the form wrote, the engine accepts: the studio shows no error.
  assert.match(await page.locator("#validity").textContent(), /^valid/);

  // Duplicate: a paused copy under a new id, right after it; remove takes it out again.
  await form.getByRole("button", { name: "Duplicate welcome" }).click();
  await form.getByLabel("Status of welcome-2").waitFor();
  let after = await editorDoc();
  assert.deepEqual(after.campaigns.map((x) => x.id), ["welcome", "welcome-2", "qr-landing", "vip-offer"]);
  const { status, ...copy } = after.campaigns[1];
  assert.equal(status, "paused");
  assert.deepEqual({ ...copy, id: "welcome" }, c, "the copy is the campaign, paused");
  page.once("dialog", (d) => d.accept());
  await form.getByRole("button", { name: "Remove welcome-2" }).click();
  assert.ok(await eventually(async () => (await form.getByLabel("Status of welcome-2").count()) === 0));
  after = await editorDoc();
  assert.deepEqual(after.campaigns.map((x) => x.id), ["welcome", "qr-landing", "vip-offer"]);
  assert.deepEqual(problems, []);
  await page.close();
});

test("the demo shop's rules in the form: every campaign's details open, nothing rewritten, no error", { skip: !built && "the studio is not built (cargo xtask build)" }, async () => {
  const demo = demoRules({ holdouts: true });
  await putRules(demo);
  const page = await browser.newPage({ viewport: { width: 1440, height: 1100 } });
  const problems = [];
  page.on("pageerror", (e) => problems.push(String(e)));
  await page.goto(`${server.url}/studio/?writeKey=demo`);
  await page.locator("#validity", { hasText: /^valid/ }).waitFor();
  const closed = page.locator("#campaign-form [data-details] > td > details:not([open]) > summary");
  for (let n = 0; n < 30 && await closed.count(); n++) await closed.first().click();
  await eventually(async () => (await page.locator("#campaign-form .form-details").count()) === demo.campaigns.length);
  assert.equal(await page.locator("#campaign-form .form-details").count(), demo.campaigns.length,
    `${problems} / not open: ${await page.locator("#campaign-form [data-details]:not(:has(.form-details))").evaluateAll((xs) => xs.map((x) => x.dataset.details))}`);
  // Forms are drawn as fields, not left to the JSON.
  assert.ok(await page.locator("#campaign-form .form-questions .question").count() > 0, "a form shows its questions");
  const text = await page.evaluate(() => document.querySelector("#editor").value);
  assert.deepEqual(JSON.parse(text), demo, "opening the form rewrites nothing");
  assert.match(await page.locator("#validity").textContent(), /^valid/);
  assert.deepEqual(problems, []);
  await page.close();
  await putRules(RULES);
});

test("the pressure cap in the form: the JSON has it, the simulator obeys it, errors on their field", { skip: !built && "the studio is not built (cargo xtask build)" }, async () => {
  const { page, problems, form } = await openStudio(RULES);
  const welcome = page.locator('.verdict[data-campaign="welcome"]');
  const session = form.getByLabel("Pressure max per session");
  assert.equal(await session.inputValue(), "2");
  await session.fill("0");
  await session.press("Tab");
  await page.locator(".cm-line", { hasText: '"max_per_session": 0' }).waitFor();
  await page.locator("#validity", { hasText: /^valid/ }).waitFor();
  await eventually(async () => (await welcome.textContent()).includes("blocked: pressure"));
  const gap = form.getByLabel("Pressure min gap (minutes)");
  await gap.fill("-5");
  await gap.press("Tab");
  await page.locator("#validity", { hasText: "1 error" }).waitFor();
  await eventually(async () => (await gap.getAttribute("aria-invalid")) === "true");
  assert.match(await page.locator("#problems").textContent(), /\$\.pressure\.min_gap_minutes/);
  await gap.fill("30");
  await gap.press("Tab");
  await page.locator(".cm-line", { hasText: '"min_gap_minutes": 30' }).waitFor();
  await session.fill("");
  await session.press("Tab");
  await page.locator("#validity", { hasText: /^valid/ }).waitFor();
  await eventually(async () => !(await welcome.textContent()).includes("blocked: pressure"));
  const doc = JSON.parse(await page.evaluate(() => document.querySelector("#editor").value));
  assert.deepEqual(doc.pressure, { min_gap_minutes: 30 });
  assert.deepEqual(doc.campaigns, RULES.campaigns, "the campaigns are untouched");
  assert.deepEqual(problems, []);
  await page.close();
});

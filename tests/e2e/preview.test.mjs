// Preview and debug links, and the mobile interstitial rule, in Chromium:
// - `?parcours_preview=<campaign>[:<variant>]` shows a campaign nobody would
//   see, for the tab's session (the next page of the tab too, not a new
//   tab), its events flagged `context.preview` and the visitor's caps untouched;
// - `?parcours_debug=1` logs each decision with its explanation, and only
//   then loads the tools module;
// - on a phone, the first page of a visit from Google shows a pop-in as a
//   bottom banner (inside the safe areas), the next page as a pop-in, and a
//   campaign with `"interstitial": "allow"` stays a pop-in.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  openServerAndBrowser, closeServerAndBrowser, storedEvents, eventually, watchErrors, ROOT,
} from "./harness.mjs";

let server, browser;
before(async () => ({ server, browser } = await openServerAndBrowser()));
after(() => closeServerAndBrowser(server, browser));

const PREVIEW_RULES = {
  version: "e2e-preview#1",
  segments: [{ id: "vip", condition: { "traits.vip": true } }],
  pressure: { max_per_session: 10, max_per_day: 10, min_gap_minutes: 0 },
  campaigns: [
    {
      // Nobody sees it: a draft, its schedule over, for VIPs only, capped, all held out.
      id: "vip-offer",
      status: "draft",
      schedule: { start: "2020-01-01", end: "2020-02-01" },
      audience: { segments: { any: ["vip"] } },
      trigger: { on: "page_view" },
      placement: "popin",
      frequency: { max_impressions: 1 },
      holdout_percent: 100,
      offer: { code: "VIP20" },
      variants: [
        { id: "a", weight: 50, content: { title: "VIP A" } },
        { id: "b", weight: 50, content: { title: "VIP B", body: "Code {{ offer.code }}", cta: { label: "Go", url: "/" } } },
      ],
    },
    {
      id: "welcome",
      trigger: { on: "page_view" },
      placement: "popin",
      frequency: { max_impressions: 1 },
      variants: [{ id: "a", content: { title: "Welcome" } }],
    },
  ],
};

const MOBILE_RULES = {
  version: "e2e-mobile#1",
  pressure: { max_per_session: 10, max_per_day: 10, min_gap_minutes: 0 },
  campaigns: [
    {
      id: "mobile-welcome",
      audience: { condition: { "page.query.legal": { $exists: false } } },
      trigger: { on: "page_view" },
      placement: "popin",
      variants: [{ id: "a", content: { title: "Ten percent off", body: "Your first order", cta: { label: "Shop", url: "/" } } }],
    },
    {
      id: "legal-notice",
      audience: { condition: { "page.query.legal": "1" } },
      interstitial: "allow",
      trigger: { on: "page_view" },
      placement: "popin",
      variants: [{ id: "a", content: { title: "Are you 18?" } }],
    },
  ],
};

const PHONE = {
  viewport: { width: 390, height: 700 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2,
  userAgent: "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/125.0 Mobile Safari/537.36",
};

/** A browser profile (a context) whose rules fetch answers `rules`. */
async function profileWith(rules, options = {}) {
  const context = await browser.newContext(options);
  // The landing fixture, whatever its query string.
  await context.route(/\/fixtures\/landing\.html(\?.*)?$/, (route) => route.fulfill({
    path: join(ROOT, "tests/e2e/fixtures/landing.html"),
    headers: { "content-type": "text/html; charset=utf-8" },
  }));
  await context.route("**/v1/rules?*", (route) =>
    route.fulfill({ body: JSON.stringify(rules), contentType: "application/json" }));
  return context;
}

const landing = (query = "") => `${server.url}/fixtures/landing.html${query}`;
const campaign = (page, id) => page.locator(`[data-parcours-campaign="${id}"]`);
const anonymousId = (page) => page.evaluate(() => window.parcours.profile().profile.anonymous_id);
const exposures = (page) => page.evaluate(() => window.parcours.profile().exposures.campaigns);
const mine = (anon) => storedEvents(server.dataDir).filter((e) => e.anonymous_id === anon);

test("a preview link shows a campaign nobody would see, for the tab's session only, flagged as a preview", async () => {
  const context = await profileWith(PREVIEW_RULES);
  const page = await context.newPage();
  const errors = await watchErrors(page);
  await page.goto(landing("?parcours_preview=vip-offer:b"));
  const popin = campaign(page, "vip-offer");
  await popin.locator("[role=dialog]").waitFor({ timeout: 10000 });
  assert.match(await popin.locator("[role=dialog]").innerText(), /VIP B[\s\S]*Code VIP20/);
  assert.equal(await popin.getAttribute("data-parcours-variant"), "b");
  assert.equal(await popin.getAttribute("data-parcours-preview"), "", "marked as a preview");
  assert.equal(await campaign(page, "welcome").count(), 0, "the rules show nothing else while previewing");
  const decided = await page.evaluate(() => window.parcours.decide());
  assert.deepEqual(decided.map((d) => [d.campaign_id, d.variant_id]), [["vip-offer", "b"]]);
  const anon = await anonymousId(page);
  await popin.locator("button[aria-label]").click();
  await popin.waitFor({ state: "detached" });

  // The next page of the same tab, without the parameter, still previews.
  await page.goto(landing("?page=2"));
  await campaign(page, "vip-offer").locator("[role=dialog]").waitFor({ timeout: 10000 });
  assert.equal(await campaign(page, "welcome").count(), 0);

  const stored = await eventually(() => {
    const events = mine(anon);
    return events.filter((e) => e.event === "Promotion Viewed").length >= 2 && events;
  });
  assert.ok(stored, "both pages' events reach the server");
  for (const e of stored) {
    assert.equal(e.payload.context.preview, true, `${e.type} ${e.event} carries context.preview`);
    assert.equal(e.preview, true, "and is stored as a preview event");
  }
  const viewed = stored.filter((e) => e.event === "Promotion Viewed");
  assert.deepEqual(viewed.map((e) => [e.payload.properties.promotion_id, e.payload.properties.creative]),
    [["vip-offer", "b"], ["vip-offer", "b"]]);
  assert.ok(stored.some((e) => e.event === "Promotion Dismissed"), "the dismissal is sent");
  assert.ok(!stored.some((e) => e.event === "Experiment Viewed"), "a preview is no experiment exposure");
  assert.equal((await exposures(page))["vip-offer"], undefined, "the visitor's exposures are untouched");

  // A new tab of the same browser: same visitor, no preview.
  const tab = await context.newPage();
  await tab.goto(landing("?tab=2"));
  await campaign(tab, "welcome").locator("[role=dialog]").waitFor({ timeout: 10000 });
  assert.equal(await campaign(tab, "vip-offer").count(), 0);
  const real = await eventually(() => mine(anon).filter((e) => e.payload.context.page.url.endsWith("?tab=2")).length >= 2
    && mine(anon).filter((e) => e.payload.context.page.url.endsWith("?tab=2")));
  assert.ok(real.some((e) => e.event === "Promotion Viewed" && e.payload.properties.promotion_id === "welcome"));
  for (const e of real) {
    assert.equal(e.payload.context.preview, undefined, `${e.event ?? e.type}: no preview flag in a new tab`);
    assert.equal(e.preview, false);
  }
  assert.deepEqual(errors, []);
  await context.close();
});

test("a preview burns none of the visitor's caps; ?parcours_preview=off ends it", async () => {
  const context = await profileWith(PREVIEW_RULES);
  const page = await context.newPage();
  // `welcome` may show once to this visitor; previewing it twice leaves that once.
  await page.goto(landing("?parcours_preview=welcome"));
  await campaign(page, "welcome").locator("[role=dialog]").waitFor({ timeout: 10000 });
  await campaign(page, "welcome").locator("button[aria-label]").click();
  await page.goto(landing("?page=2"));
  await campaign(page, "welcome").locator("[role=dialog]").waitFor({ timeout: 10000 });
  assert.equal(await campaign(page, "welcome").getAttribute("data-parcours-preview"), "");
  assert.equal((await exposures(page)).welcome, undefined, "no impression, no dismissal recorded");

  await page.goto(landing("?parcours_preview=off"));
  const real = campaign(page, "welcome");
  await real.locator("[role=dialog]").waitFor({ timeout: 10000 });
  assert.equal(await real.getAttribute("data-parcours-preview"), null, "shown for real: its cap was untouched");
  const welcome = await eventually(async () => (await exposures(page)).welcome);
  assert.equal(welcome.impressions, 1);
  assert.ok(!welcome.dismissed, "the preview's dismissal did not count");
  await page.goto(landing("?page=3"));
  await page.evaluate(() => window.parcours.ready());
  await page.waitForTimeout(300);
  assert.equal(await campaign(page, "welcome").count(), 0, "now the real cap is reached");
  assert.equal(await page.evaluate(() => sessionStorage.getItem("parcours:preview")), null);
  await context.close();
});

test("a preview link followed inside the app starts the preview; an unknown campaign warns and emits error", async () => {
  const context = await profileWith(PREVIEW_RULES);
  const page = await context.newPage();
  const warnings = [];
  page.on("console", (m) => { if (m.type() === "warning") warnings.push(m.text()); });
  await page.addInitScript(() => {
    window.parcours = window.parcours || [];
    window.__errors = [];
    window.parcours.push(["on", "error", (e) => window.__errors.push(e.message + " " + e.detail)]);
  });
  await page.goto(landing());
  await campaign(page, "welcome").locator("[role=dialog]").waitFor({ timeout: 10000 });
  // An SPA route change to a preview link: what was shown goes, the preview shows.
  await page.evaluate(() => history.pushState({}, "", "?parcours_preview=vip-offer:a"));
  await campaign(page, "vip-offer").locator("[role=dialog]").waitFor({ timeout: 10000 });
  assert.equal(await campaign(page, "welcome").count(), 0);
  assert.match(await campaign(page, "vip-offer").locator("[role=dialog]").innerText(), /VIP A/);

  await page.evaluate(() => history.pushState({}, "", "?parcours_preview=nope:b"));
  await eventually(() => page.evaluate(() => window.__errors.length > 0));
  assert.deepEqual(await page.evaluate(() => window.__errors), ["preview: no campaign has this id nope"]);
  assert.ok(warnings.some((w) => w.includes("preview: no campaign has this id")), "a console warning, without data-debug");
  assert.equal(await campaign(page, "vip-offer").count(), 0);

  await page.evaluate(() => history.pushState({}, "", "?parcours_preview=vip-offer:zzz"));
  await campaign(page, "vip-offer").locator("[role=dialog]").waitFor({ timeout: 10000 });
  assert.ok(warnings.some((w) => w.includes("no such variant")), "an unknown variant warns, and shows the visitor's");
  await context.close();
});

test("?parcours_debug=1 logs each decision with its explanation; normal visitors never load the tools module", async () => {
  const context = await profileWith(PREVIEW_RULES);
  const page = await context.newPage();
  const logs = [];
  const toolsRequests = [];
  page.on("console", (m) => logs.push({ type: m.type(), text: m.text() }));
  page.on("request", (r) => { if (r.url().includes("/tools/")) toolsRequests.push(r.url()); });

  await page.goto(landing());
  await campaign(page, "welcome").locator("[role=dialog]").waitFor({ timeout: 10000 });
  await page.waitForTimeout(300);
  assert.deepEqual(toolsRequests, [], "no tools module for a normal visitor");
  assert.ok(!logs.some((l) => l.text.includes("[parcours] decision")), "no decision log without debug");

  await page.goto(landing("?parcours_debug=1"));
  const group = await eventually(() => logs.find((l) => l.type === "startGroupCollapsed"));
  assert.ok(group, "one collapsed console group per decision");
  assert.match(group.text, /^\[parcours\] decision on page_view: nothing to show$/);
  const lines = logs.map((l) => l.text);
  assert.ok(lines.some((t) => t.startsWith("welcome: not shown: its frequency cap `max_impressions` is reached: 1 of 1")), lines.join("\n"));
  assert.ok(lines.some((t) => t.startsWith("vip-offer: not shown: its status is `draft`, not `active`")), lines.join("\n"));
  assert.ok(toolsRequests.some((u) => new URL(u).pathname.endsWith("parcours_tools_bg.wasm")), "the tools module loads for debugging");

  // Every trigger is logged: a tracked event too, and the next page of the tab without the parameter.
  await page.evaluate(() => window.parcours.track("Signed Up"));
  await eventually(() => logs.some((l) => l.type === "startGroupCollapsed" && l.text.includes("decision on event")));
  await page.goto(landing("?page=2"));
  await eventually(() => logs.filter((l) => l.type === "startGroupCollapsed" && l.text.includes("page_view")).length >= 2);
  await context.close();
});

test("phone: the first page of a visit from Google shows the pop-in as a bottom banner, the next page as a pop-in", async () => {
  const context = await profileWith(MOBILE_RULES, PHONE);
  const page = await context.newPage();
  const errors = await watchErrors(page);
  await page.goto(landing(), { referer: "https://www.google.com/" });
  assert.match(await page.evaluate(() => document.referrer), /google/, "the visit comes from Google");
  const banner = campaign(page, "mobile-welcome");
  await banner.locator("[role=region]").waitFor({ timeout: 10000 });
  assert.equal(await banner.getAttribute("data-parcours-placement"), "banner");
  assert.equal(await page.locator("[role=dialog]").count(), 0, "no interstitial");
  const box = await banner.locator("[role=region]").boundingBox();
  assert.ok(box.y + box.height <= 700 + 0.5 && box.y > 350, `at the bottom of the screen: ${JSON.stringify(box)}`);
  assert.ok(box.x >= 0 && box.width <= 390 + 0.5, "within a small screen's width");
  const why = await page.evaluate(() => window.parcours.explain());
  const welcome = why.find((x) => x.campaign_id === "mobile-welcome");
  assert.equal(welcome.placement, "banner");
  assert.equal(welcome.interstitial, "avoided");
  assert.match(welcome.why, /instead of its pop-in/);

  await page.locator("#next").click();
  await page.waitForURL(/page=2/);
  await campaign(page, "mobile-welcome").locator("[role=dialog]").waitFor({ timeout: 10000 });
  assert.equal(await campaign(page, "mobile-welcome").getAttribute("data-parcours-placement"), "popin");
  assert.deepEqual(errors, []);
  await context.close();
});

test("phone: a campaign with \"interstitial\": \"allow\" stays a pop-in on the first page from Google", async () => {
  const context = await profileWith(MOBILE_RULES, PHONE);
  const page = await context.newPage();
  await page.goto(landing("?legal=1"), { referer: "https://www.google.com/" });
  const popin = campaign(page, "legal-notice");
  await popin.locator("[role=dialog]").waitFor({ timeout: 10000 });
  assert.equal(await popin.getAttribute("data-parcours-placement"), "popin");
  await context.close();
});

test("phone: the banner keeps its text and close button out of the safe areas", async () => {
  const context = await profileWith(MOBILE_RULES, { ...PHONE, viewport: { width: 700, height: 390 } });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  // A phone in landscape: the notch on the left, the home indicator at the bottom.
  const insets = { top: 0, left: 47, right: 47, bottom: 21 };
  await cdp.send("Emulation.setSafeAreaInsetsOverride", { insets });
  await page.goto(landing(), { referer: "https://www.google.com/" });
  const region = campaign(page, "mobile-welcome").locator("[role=region]");
  await region.waitFor({ timeout: 10000 });
  const inside = await region.evaluate((el) => {
    const r = (e) => e.getBoundingClientRect();
    const box = r(el);
    const parts = [...el.querySelectorAll("h2, p, a, button")].map((e) => ({ tag: e.tagName, ...r(e).toJSON() }));
    return { box: box.toJSON(), parts };
  });
  assert.ok(inside.box.left <= 0 && inside.box.right >= 700, "the bar spans the whole width");
  for (const p of inside.parts) {
    assert.ok(p.left >= insets.left && p.right <= 700 - insets.right, `${p.tag} clear of the side insets: ${JSON.stringify(p)}`);
    assert.ok(p.bottom <= 390 - insets.bottom, `${p.tag} clear of the bottom inset: ${JSON.stringify(p)}`);
  }
  await context.close();
});

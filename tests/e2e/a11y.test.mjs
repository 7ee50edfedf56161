// Accessibility of every placement and of a form, checked with axe-core
// (WCAG 2.0/2.1/2.2 A and AA rules) inside the open shadow roots, in Chromium.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { openServerAndBrowser, closeServerAndBrowser, serveFixtures, serveRules } from "./harness.mjs";

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

let server, browser;
before(async () => ({ server, browser } = await openServerAndBrowser()));
after(() => closeServerAndBrowser(server, browser));

const offer = { title: "Free shipping this week", body: "On every order, no minimum.", cta: { label: "Shop now", url: "/products.html" } };
const form = {
  title: "Tell us about you",
  form: {
    fields: [
      { trait: "email", label: "Your email", type: "email", required: true, placeholder: "you@example.com" },
      { trait: "birthday", label: "Birthday", type: "date" },
      { trait: "title", label: "Title", type: "choice", options: [{ value: "mme", label: "Madame" }] },
      { name: "rating", label: "Your rating", type: "rating" },
      { name: "comment", label: "A comment", type: "textarea" },
      { name: "consent", label: "I agree to be contacted", type: "checkbox" },
    ],
  },
};

const cases = [
  ["pop-in", "popin", offer],
  ["banner", "banner", offer],
  ["slot", { type: "slot", selector: "#slot" }, offer],
  ["form in a pop-in", "popin", form],
  ["form in a slot", { type: "slot", selector: "#slot" }, form],
  ["right-to-left pop-in", "popin", { ar: { title: "شحن مجاني", body: "على كل طلب", cta: { label: "تسوق", url: "/" } }, default: offer }],
];

for (const [name, placement, content] of cases) {
  test(`axe finds no WCAG A/AA violation in the ${name}`, async () => {
    const context = await browser.newContext({ locale: name.startsWith("right") ? "ar" : "en-US" });
    await serveFixtures(context);
    const rules = { version: "a11y#1", campaigns: [{ id: "c", status: "active", trigger: { on: "page_view" }, placement, variants: [{ id: "a", weight: 100, content }] }] };
    await serveRules(context, rules);
    const page = await context.newPage();
    await page.goto(`${server.url}/fixtures/forms.html`);
    await page.locator('[data-parcours-campaign="c"]').waitFor({ state: "attached", timeout: 10000 });
    if (name.startsWith("right")) {
      assert.equal(await page.locator('[data-parcours-campaign="c"]').getAttribute("dir"), "rtl");
    }
    await page.addScriptTag({ content: AXE });
    const violations = await page.evaluate(async () => {
      const host = document.querySelector('[data-parcours-campaign="c"]');
      // Measure the colours once the entrance animation (opacity) is over.
      await Promise.all(host.shadowRoot.getAnimations().map((a) => a.finished));
      const r = await window.axe.run(host, { runOnly: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] });
      return r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
    });
    assert.deepEqual(violations, []);
    await context.close();
  });
}

test("with prefers-reduced-motion the pop-in does not animate", async () => {
  const context = await browser.newContext({ reducedMotion: "reduce" });
  await serveFixtures(context);
  const rules = { version: "a11y#2", campaigns: [{ id: "c", status: "active", trigger: { on: "page_view" }, placement: "popin", variants: [{ id: "a", weight: 100, content: offer }] }] };
  await serveRules(context, rules);
  const page = await context.newPage();
  await page.goto(`${server.url}/fixtures/forms.html`);
  await page.locator('[data-parcours-campaign="c"]').waitFor({ state: "attached", timeout: 10000 });
  const animations = await page.evaluate(() => document.querySelector('[data-parcours-campaign="c"]').shadowRoot.getAnimations().length);
  assert.equal(animations, 0);
  const outline = await page.evaluate(() => {
    const root = document.querySelector('[data-parcours-campaign="c"]').shadowRoot;
    return getComputedStyle(root.activeElement).outlineStyle;
  });
  assert.equal(outline, "solid", "the focused close button shows a focus outline");
  await context.close();
});

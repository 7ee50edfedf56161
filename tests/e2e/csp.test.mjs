// Under a strict Content-Security-Policy (`style-src 'self'`, no
// 'unsafe-inline'), the pop-in, the banner and the slot are styled and the
// SDK causes no violation: with constructable stylesheets, and without them.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  openServerAndBrowser, closeServerAndBrowser, serveFixtures, serveFixtureRules,
} from "./harness.mjs";

let server, browser;
before(async () => ({ server, browser } = await openServerAndBrowser()));
after(() => closeServerAndBrowser(server, browser));

const CSP = "style-src 'self'";

/** Browsers as they may be; each function runs before the page's scripts. */
const browsers = {
  "with constructable stylesheets": () => {},
  "without constructable stylesheets": () => {
    delete CSSStyleSheet.prototype.replaceSync;
    delete CSSStyleSheet.prototype.replace;
    delete ShadowRoot.prototype.adoptedStyleSheets;
    delete Document.prototype.adoptedStyleSheets;
  },
  "when the CSSStyleSheet constructor throws": () => {
    window.CSSStyleSheet = function CSSStyleSheet() { throw new TypeError("Illegal constructor"); };
  },
};

/** The computed styles that matter, read inside each shadow root. */
const readStyles = () => {
  const root = (id) => document.querySelector(`[data-parcours-campaign="${id}"]`)?.shadowRoot;
  const css = (el, props) => el && Object.fromEntries(props.map((p) => [p, getComputedStyle(el).getPropertyValue(p)]));
  const popin = root("csp-popin"), banner = root("csp-banner"), slot = root("csp-slot");
  return {
    styleElements: [popin, banner, slot].reduce((n, r) => n + (r ? r.querySelectorAll("style").length : 0), 0),
    host: css(popin?.host ?? banner?.host, ["position", "z-index"]),
    backdrop: css(popin?.querySelector(".backdrop"), ["position", "background-color"]),
    box: css(popin?.querySelector(".box"), ["position", "background-color", "border-radius", "max-width"]),
    title: css((popin ?? banner)?.querySelector("h2"), ["font-weight", "margin-top"]),
    cta: css((popin ?? banner)?.querySelector(".cta"), ["background-color", "border-radius"]),
    close: css((popin ?? banner)?.querySelector(".close"), ["position", "cursor"]),
    banner: css(banner?.querySelector(".banner"), ["position", "top", "background-color"]),
    slot: css(slot?.querySelector(".slot"), ["background-color", "border-radius"]),
  };
};

for (const [name, setUp] of Object.entries(browsers)) {
  test(`strict CSP, ${name}: pop-in, banner and slot are styled, with no violation`, async () => {
    const context = await browser.newContext();
    await serveFixtures(context, { "content-security-policy": CSP });
    await serveFixtureRules(context);
    await context.addInitScript(setUp);
    await context.addInitScript(() => {
      window.__violations = [];
      document.addEventListener("securitypolicyviolation",
        (e) => window.__violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample}`), true);
    });
    const page = await context.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));

    await page.goto(`${server.url}/fixtures/csp-popin.html`);
    await page.locator('[data-parcours-campaign="csp-popin"] >> [role=dialog]').waitFor({ state: "visible", timeout: 10000 });
    await page.locator('[data-parcours-campaign="csp-slot"] >> .slot').waitFor({ state: "visible" });
    const popin = await page.evaluate(readStyles);
    assert.equal(popin.styleElements, 0, "no <style> element");
    assert.deepEqual(popin.host, { position: "fixed", "z-index": "2147483000" });
    assert.deepEqual(popin.backdrop, { position: "fixed", "background-color": "rgba(15, 23, 42, 0.5)" });
    assert.deepEqual(popin.box, { position: "relative", "background-color": "rgb(255, 255, 255)", "border-radius": "16px", "max-width": "420px" });
    assert.deepEqual(popin.title, { "font-weight": "700", "margin-top": "0px" });
    assert.deepEqual(popin.cta, { "background-color": "rgb(194, 65, 12)", "border-radius": "999px" });
    assert.deepEqual(popin.close, { position: "absolute", cursor: "pointer" });
    assert.deepEqual(popin.slot, { "background-color": "rgb(255, 247, 237)", "border-radius": "12px" });
    assert.deepEqual(await page.evaluate(() => window.__violations), [], "no CSP violation");

    await page.goto(`${server.url}/fixtures/csp-banner.html`);
    await page.locator('[data-parcours-campaign="csp-banner"] >> [role=region]').waitFor({ state: "visible", timeout: 10000 });
    const banner = await page.evaluate(readStyles);
    assert.equal(banner.styleElements, 0, "no <style> element");
    assert.deepEqual(banner.banner, { position: "fixed", top: "0px", "background-color": "rgb(17, 24, 39)" });
    assert.deepEqual(banner.cta, { "background-color": "rgb(194, 65, 12)", "border-radius": "999px" });
    assert.deepEqual(await page.evaluate(() => window.__violations), [], "no CSP violation");

    // The policy is enforced and a violation would have been seen.
    const seen = await page.evaluate(async () => {
      document.head.append(Object.assign(document.createElement("style"), { textContent: "body{color:red}" }));
      await new Promise((r) => setTimeout(r, 100));
      return window.__violations.length;
    });
    assert.equal(seen, 1, "an inline <style> is reported");
    assert.deepEqual(errors, []);
    await context.close();
  });
}

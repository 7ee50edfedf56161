// Forms end to end: a progressive-profiling form used by keyboard only
// writes its trait and sends Form Submitted; a bad email is refused with an
// announced error; a known trait is never asked; HTML in answers stays
// text; a review request sends Review Submitted with rating and comment.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import {
  openServerAndBrowser, closeServerAndBrowser, storedEvents, eventually, serveFixtures, serveRules, watchErrors,
} from "./harness.mjs";

let server, browser;
before(async () => ({ server, browser } = await openServerAndBrowser()));
after(() => closeServerAndBrowser(server, browser));

const campaign = (id, placement, content, extra = {}) => ({
  id, status: "active", trigger: { on: "page_view" }, placement,
  frequency: { max_per_session: 5 },
  variants: [{ id: "a", weight: 100, content }], ...extra,
});

const profileForm = {
  title: "Tell us about you",
  form: {
    fields: [
      { trait: "email", label: "Your email", type: "email", required: true },
      { trait: "first_name", label: "First name", type: "text", max_length: 20 },
      { trait: "title", label: "Title", type: "choice", options: [{ value: "mme", label: "Madame" }, { value: "m", label: "Monsieur" }] },
      { name: "newsletter", label: "Send me the newsletter", type: "checkbox" },
    ],
    submit_label: "Save",
  },
};

const reviewForm = {
  title: "How was your order?",
  form: {
    fields: [
      { name: "rating", label: "Your rating", type: "rating", required: true },
      { name: "comment", label: "A comment", type: "textarea" },
    ],
    submit_label: "Send my review",
  },
};

/** A context whose SDK gets `campaigns` as its rules. */
async function contextWith(campaigns) {
  const context = await browser.newContext();
  await serveFixtures(context);
  await serveRules(context, { version: "forms#1", pressure: { max_per_session: 5, max_per_day: 10, min_gap_minutes: 0 }, campaigns });
  return context;
}

const dialog = (page, id) => page.locator(`[data-parcours-campaign="${id}"] >> [role=dialog]`);

test("a profiling form used by keyboard only writes its traits and sends Form Submitted", async () => {
  const context = await contextWith([campaign("profile", "popin", profileForm)]);
  const page = await context.newPage();
  const errors = await watchErrors(page);
  await page.goto(`${server.url}/fixtures/forms.html`);
  await dialog(page, "profile").waitFor({ state: "visible", timeout: 10000 });
  const host = page.locator('[data-parcours-campaign="profile"]');
  // Every input has a visible label.
  for (const name of ["Your email", "First name", "Title", "Send me the newsletter"]) {
    assert.ok(await host.getByLabel(name).isVisible(), name);
  }

  // Focus starts on the close button; Tab reaches the email field.
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.querySelector("[data-parcours-campaign]").shadowRoot.activeElement.id), "parcours-f0");
  await page.keyboard.type("not-an-email");
  await page.keyboard.press("Enter");
  const email = host.getByLabel("Your email");
  assert.equal(await email.getAttribute("aria-invalid"), "true", "the bad email is refused");
  const describedBy = await email.getAttribute("aria-describedby");
  assert.match(await host.locator(`#${describedBy}`).innerText(), /valid email/);
  assert.match(await host.locator("[role=status]").first().innerText(), /valid email/, "announced in a live region");
  assert.equal(await page.evaluate(() => (window.parcours.profile().profile.traits ?? {}).email), undefined);

  // Fix it, fill the rest by keyboard: HTML stays text, the name is cut to 20.
  await email.focus();
  await page.keyboard.press("Control+A");
  await page.keyboard.type("ana@shop.example");
  await page.keyboard.press("Tab");
  await page.keyboard.type("<b>Ana</b><img src=x onerror=alert(1)>");
  await page.keyboard.press("Tab");
  await page.keyboard.press("ArrowDown");
  await page.keyboard.press("Tab");
  await page.keyboard.press("Space");
  await page.keyboard.press("Enter");
  await host.waitFor({ state: "detached" });

  const traits = await page.evaluate(() => window.parcours.profile().profile.traits ?? {});
  assert.equal(traits.email, "ana@shop.example");
  assert.equal(traits.first_name, "<b>Ana</b><img src=x", "text, cut to max_length");
  assert.equal(traits.title, "mme");
  assert.equal(traits.newsletter, undefined, "a name field is not a trait");

  const stored = await eventually(() => {
    const events = storedEvents(server.dataDir);
    return events.some((e) => e.event === "Form Submitted") && events;
  });
  assert.ok(stored, "Form Submitted reaches the server");
  const sub = stored.find((e) => e.event === "Form Submitted").payload.properties;
  assert.equal(sub.campaign_id, "profile");
  assert.equal(sub.creative, "a");
  assert.equal(sub.newsletter, true);
  assert.deepEqual(sub.fields, ["email", "first_name", "title", "newsletter"]);
  assert.ok(stored.some((e) => e.type === "identify" && e.payload.traits?.email === "ana@shop.example"), "traits go through identify");

  assert.deepEqual(errors, []);
  await context.close();
});

test("anonymous form traits survive the next page", async () => {
  const context = await contextWith([campaign("profile", "popin", profileForm)]);
  const page = await context.newPage();
  await page.goto(`${server.url}/fixtures/forms.html`);
  await dialog(page, "profile").waitFor({ state: "visible", timeout: 10000 });
  const host = page.locator('[data-parcours-campaign="profile"]');
  await host.getByLabel("Your email").fill("ana@shop.example");
  await host.getByLabel("First name").fill("Ana");
  await host.getByLabel("Title").selectOption("mme");
  await host.getByRole("button", { name: "Save" }).click();
  await host.waitFor({ state: "detached" });
  await page.waitForTimeout(300);
  // A known trait is never asked again: the next page asks nothing.
  await page.goto(`${server.url}/fixtures/forms.html`);
  await page.evaluate(() => window.parcours.ready());
  assert.equal((await page.evaluate(() => window.parcours.profile().profile.traits ?? {})).email, "ana@shop.example", "the trait is kept");
  assert.equal(await page.locator('[data-parcours-campaign="profile"]').count(), 0, "a form with nothing left is not shown");
  await context.close();
});

test("a field whose trait is known is not shown", async () => {
  const context = await contextWith([campaign("profile", "popin", profileForm)]);
  const page = await context.newPage();
  await page.goto(`${server.url}/fixtures/forms.html`);
  await page.evaluate(() => window.parcours.ready());
  await page.evaluate(() => window.parcours.identify("u-1", { email: "known@shop.example" }));
  await page.goto(`${server.url}/fixtures/forms.html`);
  await dialog(page, "profile").waitFor({ state: "visible", timeout: 10000 });
  const host = page.locator('[data-parcours-campaign="profile"]');
  assert.equal(await host.getByLabel("Your email").count(), 0, "the email is known");
  assert.equal(await host.getByLabel("First name").count(), 1);
  await context.close();
});

test("a review request in a slot sends Review Submitted with rating, comment and order id", async () => {
  const review = campaign("review", { type: "slot", selector: "#slot" }, reviewForm, {
    trigger: { on: "event", event: "Order Completed" },
  });
  const context = await contextWith([review]);
  const page = await context.newPage();
  const errors = await watchErrors(page);
  await page.goto(`${server.url}/fixtures/forms.html`);
  await page.evaluate(() => window.parcours.ready());
  await page.evaluate(() => window.parcours.track("Order Completed", { order_id: "A-17", revenue: 40 }));
  const host = page.locator('[data-parcours-campaign="review"]');
  await host.waitFor({ state: "attached", timeout: 10000 });
  const group = host.locator("fieldset");
  assert.match(await group.locator("legend").innerText(), /Your rating/);

  // Keyboard only: an empty rating is refused, arrows move along the stars.
  await host.getByRole("button", { name: "Send my review" }).focus();
  await page.keyboard.press("Enter");
  assert.match(await host.locator("[role=status]").first().innerText(), /rating/);
  await host.getByLabel("1 ★").focus();
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("ArrowRight");
  await page.keyboard.press("ArrowRight");
  assert.equal(await host.getByLabel("4 ★").isChecked(), true, "arrow keys select the rating");
  await page.keyboard.press("Tab");
  await page.keyboard.type("Great <script>x</script>");
  await page.keyboard.press("Tab");
  await page.keyboard.press("Enter");
  await host.locator(".thanks").filter({ hasText: "Thank you" }).waitFor();

  const stored = await eventually(() => {
    const events = storedEvents(server.dataDir);
    return events.find((e) => e.event === "Review Submitted");
  });
  assert.ok(stored, "Review Submitted reaches the server");
  const p = stored.payload.properties;
  assert.equal(p.rating, 4);
  assert.equal(p.comment, "Great <script>x</script>");
  assert.equal(p.order_id, "A-17");
  assert.equal(p.campaign_id, "review");
  assert.deepEqual(errors, []);
  await context.close();
});

test("a form words its errors in the visitor's language with its own messages", async () => {
  const fr = {
    title: "Parlez-nous de vous",
    form: {
      fields: [{ trait: "email", label: "Votre e-mail", type: "email", required: true }],
      submit_label: "Enregistrer",
      messages: { required: "Ce champ est obligatoire.", email: "Saisissez une adresse e-mail valide." },
    },
  };
  const content = { fr, default: profileForm };
  const context = await browser.newContext({ locale: "fr-FR" });
  await serveFixtures(context);
  await serveRules(context, { version: "forms#fr", campaigns: [campaign("profile", "popin", content)] });
  const page = await context.newPage();
  await page.goto(`${server.url}/fixtures/forms.html`);
  await dialog(page, "profile").waitFor({ state: "visible", timeout: 10000 });
  const host = page.locator('[data-parcours-campaign="profile"]');
  await host.getByRole("button", { name: "Enregistrer" }).click();
  assert.equal(await host.locator("[role=status]").first().innerText(), "Ce champ est obligatoire.");
  await host.getByLabel("Votre e-mail").fill("pas-un-email");
  await host.getByRole("button", { name: "Enregistrer" }).click();
  assert.equal(await host.locator("[role=status]").first().innerText(), "Saisissez une adresse e-mail valide.");
  await context.close();
});

// The visitor simulator and "who sees what, and why": presets, attributes,
// events and a clock; the engine in the page (tools wasm) computes the
// context (traits, lifecycle, segments) and explains every campaign.
import { PRESETS, HOUR, DAY, contextInput, recordExposure } from "./visitor.js";
import { renderVerdicts } from "./verdicts.js";
import { el } from "./util.js";

const $ = (id) => document.getElementById(id);
const COMMON_EVENTS = ["Product Viewed", "Product Added", "Checkout Started", "Order Completed", "Form Submitted", "Signed Up"];
const TRIGGERS = [
  ["page_view", "a page view"], ["exit_intent", "exit intent"], ["scroll", "scroll to 100 %"],
  ["time_on_page", "60 s on the page"], ["inactivity", "60 s without interaction"],
];

export function mount(studio) {
  const root = $("simulator");
  let preset = "new";
  let sim = PRESETS[preset].make(Date.now());
  let trigger = "page_view";
  let lastGood = null;

  const presets = el("div", "presets");
  presets.setAttribute("role", "group");
  presets.setAttribute("aria-label", "Visitor presets");
  for (const [key, p] of Object.entries(PRESETS)) {
    const b = el("button", "", p.label);
    b.type = "button";
    b.dataset.preset = key;
    b.addEventListener("click", () => { preset = key; sim = p.make(Date.now()); fill(); update(); });
    presets.append(b);
  }

  const field = (label, input, id) => {
    const wrap = el("div", "field");
    const l = el("label", "", label);
    input.id = `sim-${id}`;
    l.htmlFor = input.id;
    wrap.append(l, input);
    return wrap;
  };
  const text = (placeholder = "") => { const i = document.createElement("input"); i.type = "text"; i.placeholder = placeholder; i.spellcheck = false; return i; };
  const select = (options) => { const s = document.createElement("select"); for (const [v, t] of options) s.append(new Option(t, v)); return s; };

  const inputs = {
    userId: text("anonymous"),
    traits: text('{"first_name": "Léa"}'),
    path: text("/"),
    query: text("utm_source=nl&utm_medium=email"),
    referrer: text("https://www.google.fr/"),
    device: select([["desktop", "desktop"], ["mobile", "mobile"], ["tablet", "tablet"]]),
    language: text("fr-FR"),
  };
  const grid = el("div", "sim-grid");
  grid.append(
    field("User id", inputs.userId, "user"), field("Traits (JSON)", inputs.traits, "traits"),
    field("Page path", inputs.path, "path"), field("Landing query", inputs.query, "query"),
    field("Referrer", inputs.referrer, "referrer"), field("Device", inputs.device, "device"),
    field("Language", inputs.language, "language"),
  );
  const traitsError = el("p", "muted");
  traitsError.setAttribute("role", "status");

  // The clock.
  const clock = el("div", "row");
  const clockText = el("strong", "clock grow");
  clockText.setAttribute("aria-live", "polite");
  clock.append(el("span", "", "Clock"), clockText);
  for (const [label, ms] of [["+1 hour", HOUR], ["+1 day", DAY], ["+30 days", 30 * DAY]]) {
    const b = el("button", "", label);
    b.type = "button";
    b.setAttribute("aria-label", `Move the clock ${label.slice(1)} forward`);
    // The visit now on screen becomes history; the visitor comes back later.
    b.addEventListener("click", () => {
      sim.events.push({ name: "", type: "page", at: sim.now, properties: { path: sim.page.path }, query: sim.page.query, referrer: sim.page.referrer });
      sim.now += ms;
      update();
    });
    clock.append(b);
  }

  // Events.
  const events = el("ul", "events");
  events.setAttribute("aria-label", "The visitor's events");
  const addRow = el("form", "row");
  const evName = text("Event name");
  evName.setAttribute("list", "sim-event-names");
  const names = document.createElement("datalist");
  names.id = "sim-event-names";
  for (const n of COMMON_EVENTS) names.append(new Option(n));
  const evProps = text('{"price": 59, "category": "robes"}');
  evProps.classList.add("grow");
  const addBtn = el("button", "", "Add event now");
  addBtn.type = "submit";
  addRow.append(field("Event", evName, "event-name"), field("Properties (JSON)", evProps, "event-props"), addBtn, names);
  addRow.querySelector("#sim-event-props").parentElement.classList.add("grow");
  addRow.addEventListener("submit", (e) => {
    e.preventDefault();
    const name = evName.value.trim();
    if (!name) { evName.focus(); return; }
    let properties = {};
    try { properties = evProps.value.trim() ? JSON.parse(evProps.value) : {}; } catch { traitsError.textContent = "The event's properties are not JSON."; evProps.focus(); return; }
    sim.events.push({ name, type: "track", at: sim.now, properties });
    trigger = `event:${name}`;
    update();
  });

  // The moment the decision is for.
  const triggerSelect = select([]);
  const triggerRow = el("div", "row");
  triggerRow.append(field("Decide on", triggerSelect, "trigger"));
  triggerSelect.addEventListener("change", () => { trigger = triggerSelect.value; update(); });

  const facts = el("dl", "facts");
  root.append(presets, grid, traitsError, clock, el("h3", "", "Events"), events, addRow, triggerRow, el("h3", "", "What the engine computes"), facts);

  for (const [key, input] of Object.entries(inputs)) {
    input.addEventListener("input", () => {
      if (key === "traits") {
        try { sim.traits = input.value.trim() ? JSON.parse(input.value) : {}; traitsError.textContent = ""; } catch { traitsError.textContent = "Traits are not JSON yet."; return; }
      } else if (key === "userId") sim.userId = input.value.trim();
      else if (key === "path") sim.page.path = input.value || "/";
      else if (key === "query") sim.page.query = input.value.replace(/^\?/, "");
      else if (key === "referrer") sim.page.referrer = input.value.trim();
      else if (key === "device") sim.device.type = input.value;
      else if (key === "language") sim.device.language = input.value.trim() || "fr-FR";
      update();
    });
  }

  function fill() {
    for (const b of presets.children) b.setAttribute("aria-pressed", String(b.dataset.preset === preset));
    inputs.userId.value = sim.userId ?? "";
    inputs.traits.value = Object.keys(sim.traits).length ? JSON.stringify(sim.traits) : "";
    inputs.path.value = sim.page.path;
    inputs.query.value = sim.page.query;
    inputs.referrer.value = sim.page.referrer;
    inputs.device.value = sim.device.type;
    inputs.language.value = sim.device.language;
    trigger = "page_view";
  }

  function renderEvents() {
    events.replaceChildren();
    const list = sim.events.map((e, i) => ({ e, i })).sort((a, b) => a.e.at - b.e.at);
    if (!list.length) events.append(el("li", "muted", "No past events: a first visit."));
    for (const { e, i } of list) {
      const li = document.createElement("li");
      const ago = sim.now - e.at;
      const when = ago < 0 ? "later" : ago < HOUR ? "just now" : ago < DAY ? `${Math.round(ago / HOUR)} h ago` : `${Math.round(ago / DAY)} days ago`;
      const what = e.type === "page" ? `page view ${e.properties.path}${e.query ? `?${e.query}` : ""}` : `${e.name} ${Object.keys(e.properties ?? {}).length ? JSON.stringify(e.properties) : ""}`;
      const rm = el("button", "", "×");
      rm.type = "button";
      rm.setAttribute("aria-label", `Remove ${e.type === "page" ? "page view" : e.name} (${when})`);
      rm.addEventListener("click", () => { sim.events.splice(i, 1); update(); });
      li.append(el("span", "when", when), el("span", "what mono", what), rm);
      events.append(li);
    }
  }

  function renderTriggers() {
    const eventNames = [...new Set(sim.events.filter((e) => e.type !== "page" && e.at > sim.now - HOUR && e.at <= sim.now).map((e) => e.name))];
    const options = [...TRIGGERS, ...eventNames.map((n) => [`event:${n}`, `the event "${n}" just tracked`])];
    if (!options.some(([v]) => v === trigger)) trigger = "page_view";
    triggerSelect.replaceChildren(...options.map(([v, t]) => new Option(t, v, false, v === trigger)));
  }

  function triggerValue() {
    if (trigger === "scroll") return { on: "scroll", percent: 100 };
    if (trigger === "time_on_page" || trigger === "inactivity") return { on: trigger, seconds: 60 };
    if (trigger.startsWith("event:")) {
      const name = trigger.slice(6);
      const e = sim.events.filter((x) => x.name === name && x.at <= sim.now).sort((a, b) => b.at - a.at)[0];
      return { on: "event", name, properties: e?.properties ?? {} };
    }
    return trigger;
  }

  function renderFacts(ctx, segments) {
    facts.replaceChildren();
    const row = (k, ...v) => { facts.append(el("dt", "", k)); const dd = el("dd"); dd.append(...v); facts.append(dd); };
    row("Lifecycle", el("span", "chip stage", ctx.lifecycle));
    row("Segments", ...(segments.length ? segments.map((s) => el("span", "chip", s)) : [el("span", "muted", "none")]));
    const computed = Object.entries(ctx.computed ?? {});
    row("Computed traits", el("span", "mono", computed.length ? computed.map(([k, v]) => `${k} = ${JSON.stringify(v)}`).join(" · ") : "none defined"));
    const seen = Object.entries(sim.exposures?.campaigns ?? {}).map(([id, c]) => `${id} ×${c.impressions}${c.clicked ? ", clicked" : ""}${c.dismissed ? ", dismissed" : ""}`);
    row("Seen", el("span", seen.length ? "" : "muted", seen.length ? seen.join(" · ") : "nothing yet"));
    row("Visit", el("span", "", `visit ${ctx.visit.count}, ${ctx.visit.days_since_previous == null ? "first visit" : `${ctx.visit.days_since_previous} days since the previous one`}; channel ${ctx.session.channel}; ${ctx.session.pageviews} page(s) this session`));
  }

  function update() {
    clockText.textContent = new Date(sim.now).toLocaleString(undefined, { weekday: "short", year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
    renderEvents();
    renderTriggers();
    const r = studio.result;
    const good = r?.engine ? r : lastGood;
    if (r?.engine) lastGood = r;
    if (!good) {
      facts.replaceChildren(el("dd", "muted", "Fix the rules to simulate a visitor."));
      $("verdicts").replaceChildren(el("p", "muted", "Fix the rules to see who sees what."));
      return;
    }
    const input = contextInput({ ...sim, origin: location.origin });
    const ctx = good.engine.contextFor(input);
    const segments = good.engine.segments(ctx);
    renderFacts(ctx, segments);
    const explained = studio.tools.explain({ rules: good.document, trigger: triggerValue(), ...input });
    const decisions = good.engine.decide(ctx, triggerValue());
    renderVerdicts(studio, $("verdicts"), explained, decisions, { stale: good !== r });
    for (const fn of studio.simulated ?? []) fn(sim);
  }

  studio.simulation = () => sim;
  studio.record = (x, what) => { sim = recordExposure(sim, x, what); update(); };
  studio.exposed = (id) => Boolean(sim.exposures?.campaigns[id]?.impressions);
  fill();
  studio.onValidated(() => update());
}

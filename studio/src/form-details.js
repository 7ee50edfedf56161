// A campaign's details in the form: trigger, frequency, and variants with
// their content and a live preview of its templates for the simulated
// visitor. The preview is the engine's own: the campaign alone, shown on a
// page view, decided by the wasm engine, whose decision carries the content
// with its `{{ … }}` templates filled. Each input edits one key of the
// document through `edit`; the engine's errors show on the field they are
// about (`errs(prefix)` takes the path under the campaign).
import { el } from "./util.js";
import { button, fieldset, number, select, text } from "./form-inputs.js";
import { contextInput } from "./visitor.js";
import { audience } from "./form-audience.js";
import { conditionEditor } from "./form-condition.js";
import { contentEditor } from "./form-content.js";

const TRIGGERS = ["page_view", "event", "exit_intent", "scroll", "time_on_page", "inactivity", "flag"];
const STOPS = ["clicked", "dismissed", "converted"];

/**
 * The details of campaign `c` (number `i`, id `id`) in a new element.
 * `field(input, prefix, label)` wraps an input with its label and errors.
 */
export function details({ c, id, doc, studio, field, edit, leftover }) {
  const box = el("div", "form-details");
  box.append(audience({ c, id, doc, field, edit, leftover }));

  // Trigger.
  const t = c.trigger && typeof c.trigger === "object" ? c.trigger : {};
  const trig = fieldset(`Trigger of ${id}`, "Trigger");
  const on = select(TRIGGERS.map((k) => [k, k]), t.on ?? "");
  on.addEventListener("change", () => edit((x) => {
    const old = x.trigger ?? {};
    const next = { on: on.value };
    if (on.value === "event") { next.event = old.event ?? ""; if (old.where) next.where = old.where; if (old.delay_minutes != null) next.delay_minutes = old.delay_minutes; }
    if (on.value === "scroll") next.percent = old.percent ?? 50;
    if (on.value === "time_on_page" || on.value === "inactivity") next.seconds = old.seconds ?? 30;
    x.trigger = next;
  }));
  trig.append(field(on, ["trigger", "on"], `Trigger kind of ${id}`, "fires on"));
  const setTrig = (k, v) => edit((x) => { x.trigger = { ...(x.trigger ?? {}) }; if (v === undefined) delete x.trigger[k]; else x.trigger[k] = v; });
  if (t.on === "event") {
    const name = text(t.event);
    name.addEventListener("change", () => setTrig("event", name.value));
    trig.append(field(name, ["trigger", "event"], `Trigger event of ${id}`, "event name"));
    const delay = number(t.delay_minutes);
    delay.min = "0";
    delay.addEventListener("change", () => setTrig("delay_minutes", delay.value === "" ? undefined : Number(delay.value)));
    trig.append(field(delay, ["trigger", "delay_minutes"], `Trigger delay minutes of ${id}`, "delay (minutes)"));
    trig.append(el("p", "muted", "only when the event's properties match:"));
    trig.append(conditionEditor({
      condition: t.where, prefix: ["trigger", "where"], name: `the trigger of ${id}`, field,
      set: (fn) => edit((x) => {
        x.trigger = { ...(x.trigger ?? {}) };
        const next = fn(x.trigger.where && typeof x.trigger.where === "object" ? x.trigger.where : {});
        if (Object.keys(next).length) x.trigger.where = next; else delete x.trigger.where;
      }),
    }));
  }
  if (t.on === "scroll") {
    const pct = number(t.percent);
    pct.min = "0"; pct.max = "100";
    pct.addEventListener("change", () => setTrig("percent", pct.value === "" ? undefined : Number(pct.value)));
    trig.append(field(pct, ["trigger", "percent"], `Trigger scroll percent of ${id}`, "scroll %"));
  }
  if (t.on === "time_on_page" || t.on === "inactivity") {
    const s = number(t.seconds);
    s.min = "0";
    s.addEventListener("change", () => setTrig("seconds", s.value === "" ? undefined : Number(s.value)));
    trig.append(field(s, ["trigger", "seconds"], `Trigger seconds of ${id}`, "seconds"));
  }
  leftover(trig, ["trigger"]);
  box.append(trig);

  // Frequency.
  const f = c.frequency && typeof c.frequency === "object" ? c.frequency : {};
  const freq = fieldset(`Frequency of ${id}`, "Frequency (empty = no cap)");
  const setFreq = (k, v) => edit((x) => {
    x.frequency = { ...(x.frequency ?? {}) };
    if (v === undefined) delete x.frequency[k]; else x.frequency[k] = v;
    if (!Object.keys(x.frequency).length) delete x.frequency;
  });
  for (const [k, label] of [["max_impressions", "max impressions"], ["max_per_session", "max per session"], ["max_per_day", "max per day"], ["min_interval_hours", "min interval (hours)"]]) {
    const n = number(f[k]);
    n.min = "0";
    n.addEventListener("change", () => setFreq(k, n.value === "" ? undefined : Number(n.value)));
    freq.append(field(n, ["frequency", k], `Frequency ${label} of ${id}`, label));
  }
  const stops = Array.isArray(f.stop_after) ? f.stop_after : [];
  const stopBox = el("span", "checks");
  stopBox.append(el("span", "muted", "stop after: "));
  for (const s of STOPS) {
    const cb = document.createElement("input");
    cb.type = "checkbox";
    cb.checked = stops.includes(s);
    cb.addEventListener("change", () => edit((x) => {
      const cur = Array.isArray(x.frequency?.stop_after) ? x.frequency.stop_after : [];
      const next = STOPS.filter((v) => (v === s ? cb.checked : cur.includes(v)));
      x.frequency = { ...(x.frequency ?? {}) };
      if (next.length) x.frequency.stop_after = next; else delete x.frequency.stop_after;
      if (!Object.keys(x.frequency).length) delete x.frequency;
    }));
    stopBox.append(field(cb, ["frequency", "stop_after"], `Stop ${id} after ${s}`, s, true));
  }
  freq.append(stopBox);
  leftover(freq, ["frequency"]);
  box.append(freq);

  // Variants.
  const variants = Array.isArray(c.variants) ? c.variants : [];
  const vars = fieldset(`Variants of ${id}`, "Variants");
  variants.forEach((v, k) => {
    if (!v || typeof v !== "object") return;
    const vid = typeof v.id === "string" ? v.id : `#${k + 1}`;
    const name = `${id} variant ${vid}`;
    const row = el("div", "variant");
    row.dataset.variant = vid;
    const setVar = (fn) => edit((x) => { if (x.variants?.[k] && typeof x.variants[k] === "object") fn(x.variants[k]); });
    const idInput = text(v.id);
    idInput.size = 8;
    idInput.addEventListener("change", () => setVar((y) => { y.id = idInput.value.trim(); }));
    row.append(field(idInput, ["variants", k, "id"], `Id of ${name}`, "id"));
    const w = number(v.weight);
    w.min = "0"; w.max = "100";
    w.addEventListener("change", () => setVar((y) => { if (w.value === "") delete y.weight; else y.weight = Number(w.value); }));
    row.append(field(w, ["variants", k, "weight"], `Weight of ${name}`, "weight %"));
    const content = v.content && typeof v.content === "object" ? v.content : {};
    const setContent = (fn) => setVar((y) => { y.content = y.content && typeof y.content === "object" ? y.content : {}; fn(y.content); });
    row.append(contentEditor({ content, prefix: ["variants", k, "content"], name, field, set: setContent }));
    row.append(previewOf({ doc, c, v, name, studio }));
    leftover(row, ["variants", k]);
    vars.append(row);
  });
  leftover(vars, ["variants"]);
  box.append(vars);
  box.append(goalEditor({ c, id, field, edit, leftover }), offerEditor({ c, id, field, edit, leftover }));
  return box;
}

/** The conversion goal: its event, the window after the first exposure, and a filter on the event. */
function goalEditor({ c, id, field, edit, leftover }) {
  const g = c.goal && typeof c.goal === "object" ? c.goal : null;
  const box = fieldset(`Goal of ${id}`, "Goal: what counts as a conversion (reports measure it against the holdout)");
  const setGoal = (fn) => edit((x) => {
    x.goal = x.goal && typeof x.goal === "object" ? { ...x.goal } : { event: "" };
    fn(x.goal);
    if (!x.goal.event && Object.keys(x.goal).length === 1) delete x.goal;
  });
  const name = text(g?.event);
  name.placeholder = "Order Completed";
  name.addEventListener("change", () => setGoal((y) => { y.event = name.value.trim(); if (!y.event) { delete y.where; delete y.within_hours; } }));
  box.append(field(name, ["goal", "event"], `Goal event of ${id}`, "event (empty = no goal)"));
  if (g) {
    const hours = number(g.within_hours);
    hours.min = "0";
    hours.placeholder = "72";
    hours.addEventListener("change", () => setGoal((y) => { if (hours.value === "") delete y.within_hours; else y.within_hours = Number(hours.value); }));
    box.append(field(hours, ["goal", "within_hours"], `Goal window hours of ${id}`, "within (hours after first exposure)"));
    box.append(el("p", "muted", "only when the event's properties match:"));
    box.append(conditionEditor({
      condition: g.where, prefix: ["goal", "where"], name: `the goal of ${id}`, field, newPath: "revenue",
      set: (fn) => setGoal((y) => {
        const next = fn(y.where && typeof y.where === "object" ? y.where : {});
        if (Object.keys(next).length) y.where = next; else delete y.where;
      }),
    }));
  }
  leftover(box, ["goal"]);
  return box;
}

/** The offer: free-form values the content reads as `{{ offer.<key> }}` (a coupon code…). */
function offerEditor({ c, id, field, edit, leftover }) {
  const o = c.offer && typeof c.offer === "object" && !Array.isArray(c.offer) ? c.offer : {};
  const box = fieldset(`Offer of ${id}`, "Offer: values the content reads as {{ offer.key }}");
  const setOffer = (fn) => edit((x) => {
    x.offer = x.offer && typeof x.offer === "object" && !Array.isArray(x.offer) ? { ...x.offer } : {};
    fn(x.offer);
    if (!Object.keys(x.offer).length) delete x.offer;
  });
  Object.entries(o).forEach(([key, value]) => {
    const row = el("div", "offer-row");
    const k = text(key);
    k.size = 12;
    const nested = value !== null && typeof value === "object";
    const v = text(typeof value === "string" ? value : JSON.stringify(value));
    v.disabled = nested;
    if (nested) v.title = "a nested value: edit it in the JSON";
    const write = () => setOffer((y) => {
      const entries = Object.entries(y).map(([kk, vv]) => (kk === key ? [k.value.trim(), readScalar(v.value, vv)] : [kk, vv]));
      for (const kk of Object.keys(y)) delete y[kk];
      for (const [kk, vv] of entries) if (kk) y[kk] = vv;
    });
    k.addEventListener("change", write);
    v.addEventListener("change", write);
    row.append(field(k, ["offer", key, "-key"], `Offer key ${key} of ${id}`, "key"), field(v, ["offer", key], `Offer value ${key} of ${id}`, "value"));
    const rm = button("Remove", `Remove offer ${key} of ${id}`);
    rm.addEventListener("click", () => setOffer((y) => { delete y[key]; }));
    row.append(rm);
    box.append(row);
  });
  const add = button("Add an offer value", `Add an offer value to ${id}`);
  add.addEventListener("click", () => setOffer((y) => { y[["code", "discount", "ends"].find((x) => !(x in y)) ?? `key_${Object.keys(y).length + 1}`] = ""; }));
  box.append(add);
  leftover(box, ["offer"]);
  return box;
}

/** An offer value as typed: a number or boolean stays one when the old value was, else text. */
function readScalar(raw, old) {
  if (typeof old === "number" && raw.trim() !== "" && Number.isFinite(Number(raw))) return Number(raw);
  if (typeof old === "boolean" && (raw === "true" || raw === "false")) return raw === "true";
  return raw;
}

/**
 * The variant's title and body as the simulated visitor would get them: the
 * engine decides the campaign alone (active, everyone, on a page view, only
 * this variant) and its decision carries the filled templates. When the
 * engine gives nothing (invalid rules, a form with nothing to ask), the raw
 * text is shown with its `{{ … }}` placeholders marked.
 */
export function previewOf({ doc, c, v, name, studio }) {
  const out = el("div", "template-preview");
  out.setAttribute("aria-label", `Preview of ${name}`);
  out.setAttribute("role", "group");
  let rendered = null;
  try {
    const alone = {
      ...c, status: "active", trigger: { on: "page_view" }, placement: "none", holdout_percent: 0, priority: 0,
      variants: [{ ...v, id: typeof v.id === "string" && v.id ? v.id : "v" }],
    };
    for (const k of ["schedule", "audience", "frequency", "goal"]) delete alone[k];
    delete alone.variants[0].weight;
    const rules = { ...doc, campaigns: [alone] };
    delete rules.pressure;
    const engine = studio.tools.Engine.fromRules(rules);
    try {
      const sim = studio.simulation?.();
      const ctx = engine.contextFor(sim ? contextInput({ ...sim, origin: location.origin }) : {});
      rendered = engine.decide(ctx, "page_view").find((d) => d.campaign_id === c.id)?.content ?? null;
    } finally { engine.free?.(); }
  } catch { rendered = null; }
  const content = v.content && typeof v.content === "object" ? v.content : {};
  out.append(el("span", "muted", rendered ? "For the simulated visitor: " : "Not renderable now; placeholders marked: "));
  for (const k of ["title", "body"]) {
    const value = rendered ? rendered[k] : content[k];
    if (typeof value !== "string" || !value) continue;
    const p = el(k === "title" ? "strong" : "span", `preview-${k}`);
    if (rendered) p.textContent = value; else marked(p, value);
    out.append(p, " ");
  }
  return out;
}

/** `text` with its `{{ … }}` placeholders in <mark>. */
function marked(node, text) {
  for (const part of text.split(/(\{\{[^}]*\}\})/)) {
    if (/^\{\{[^}]*\}\}$/.test(part)) node.append(el("mark", "", part)); else if (part) node.append(part);
  }
}

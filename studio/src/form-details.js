// A campaign's details in the form: trigger, frequency, and variants with
// their content and a live preview of its templates for the simulated
// visitor. The preview is the engine's own: the campaign alone, shown on a
// page view, decided by the wasm engine, whose decision carries the content
// with its `{{ … }}` templates filled. Each input edits one key of the
// document through `edit`; the engine's errors show on the field they are
// about (`errs(prefix)` takes the path under the campaign).
import { el } from "./util.js";
import { contextInput } from "./visitor.js";
import { audience } from "./form-audience.js";

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
    if (t.where) trig.append(el("p", "muted", "Its `where` filter is edited in the JSON."));
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
    if (isLocalised(content)) {
      row.append(el("p", "muted", `Localised content (${Object.keys(content).join(", ")}): edited in the JSON.`));
    } else {
      const setContent = (fn) => setVar((y) => { y.content = y.content && typeof y.content === "object" ? y.content : {}; fn(y.content); });
      for (const [k2, label] of [["title", "title"], ["body", "body"]]) {
        const input = k2 === "body" ? document.createElement("textarea") : text(content[k2]);
        if (k2 === "body") { input.rows = 2; input.value = typeof content.body === "string" ? content.body : ""; }
        input.classList.add("wide");
        input.addEventListener("change", () => setContent((ct) => { if (input.value === "") delete ct[k2]; else ct[k2] = input.value; }));
        row.append(field(input, ["variants", k, "content", k2], `Content ${label} of ${name}`, label));
      }
      const cta = content.cta && typeof content.cta === "object" ? content.cta : {};
      for (const [k2, label] of [["label", "CTA label"], ["url", "CTA URL"]]) {
        const input = text(cta[k2]);
        input.addEventListener("change", () => setContent((ct) => {
          ct.cta = ct.cta && typeof ct.cta === "object" ? { ...ct.cta } : {};
          if (input.value === "") delete ct.cta[k2]; else ct.cta[k2] = input.value;
          if (!Object.keys(ct.cta).length) delete ct.cta;
        }));
        row.append(field(input, ["variants", k, "content", "cta", k2], `${label} of ${name}`, label));
      }
      if (content.form) row.append(el("p", "muted", "Its form is edited in the JSON."));
    }
    row.append(previewOf({ doc, c, v, name, studio }));
    leftover(row, ["variants", k]);
    vars.append(row);
  });
  leftover(vars, ["variants"]);
  box.append(vars);
  return box;
}

/** Content keyed by locale rather than a content block. */
function isLocalised(content) {
  const keys = Object.keys(content);
  return keys.length > 0 && keys.every((k) => k === "default" || /^[a-z]{2}(-[A-Za-z0-9]+)*$/.test(k));
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

function fieldset(label, legend) {
  const f = document.createElement("fieldset");
  f.className = "form-group";
  f.setAttribute("aria-label", label);
  f.append(el("legend", "", legend));
  return f;
}

export function select(options, value) {
  const s = document.createElement("select");
  if (!options.some(([v]) => v === value)) s.append(new Option(value === "" ? "(none)" : String(value), value, false, true));
  for (const [v, t] of options) s.append(new Option(t, v, false, v === value));
  return s;
}

export function text(value) {
  const i = document.createElement("input");
  i.type = "text";
  i.value = typeof value === "string" ? value : "";
  return i;
}

export function number(value) {
  const i = document.createElement("input");
  i.type = "number";
  i.step = "any";
  i.value = typeof value === "number" ? String(value) : "";
  i.classList.add("num");
  return i;
}

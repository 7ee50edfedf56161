// The campaign list as a form, in sync with the JSON: the pressure cap, then
// status, schedule, priority, holdout and placement of every campaign, and
// in a row that expands its audience, trigger, frequency and variants with a
// live template preview (form-details.js, form-audience.js). An edit here rewrites
// the document in the editor (two-space JSON, as the editor shows it); an
// edit there redraws the form. The engine's errors are shown on the field
// they are about.
import { el, pretty } from "./util.js";
import { parsePath } from "./locate.js";
import { details } from "./form-details.js";
import { alertLine, button, number, select } from "./form-inputs.js";

const $ = (id) => document.getElementById(id);
const STATUSES = ["active", "paused", "draft", "archived"];
const PLACEMENTS = [["popin", "pop-in"], ["banner", "banner (bottom)"], ["banner-top", "banner (top)"], ["none", "none (headless)"]];

export function mount(studio) {
  const box = $("campaign-form");
  const note = el("p", "muted");
  note.setAttribute("role", "status");
  const table = el("table", "form-table");
  const pressureBox = el("div");
  const adder = el("div", "add-campaign");
  box.append(note, pressureBox, table, adder);
  let pending = false;
  const open = new Set();

  const placementKey = (p) => (typeof p === "string" ? p : p?.type === "banner" && p.position === "top" ? "banner-top" : p?.type ?? "");
  const placementValue = (k, old) => (k === "banner-top" ? { type: "banner", position: "top" } : k === "banner" && typeof old === "object" ? { type: "banner", position: "bottom" } : k);

  /** Applies `fn(campaign)` to campaign `i` of the editor's document. */
  function edit(i, fn) {
    editDoc((doc) => {
      const c = doc.campaigns?.[i];
      if (!c || typeof c !== "object") return false;
      fn(c);
    });
  }

  /** Applies `fn(document)` to the editor's document (`false` to give up). */
  function editDoc(fn) {
    let doc;
    try { doc = JSON.parse(studio.editor.text()); } catch { return; }
    if (!doc || typeof doc !== "object" || fn(doc) === false) return;
    pending = true;
    studio.editor.setText(pretty(JSON.stringify(doc)));
  }

  /** The global pressure cap: pop-ins and banners per session, per day, and the gap between them. */
  function pressure(result) {
    const doc = result.document;
    const p = doc.pressure && typeof doc.pressure === "object" ? doc.pressure : {};
    const f = document.createElement("fieldset");
    f.className = "form-group pressure";
    f.setAttribute("aria-label", "Pressure cap");
    f.append(el("legend", "", "Pressure cap: pop-ins and banners, all campaigns together (empty = no cap)"));
    const errs = (k) => result.errors.filter((e) => { const q = parsePath(e.path); return q[0] === "pressure" && (k === null ? q.length === 1 : q[1] === k); });
    for (const [k, label] of [["max_per_session", "max per session"], ["max_per_day", "max per day"], ["min_gap_minutes", "min gap (minutes)"]]) {
      const n = number(p[k]);
      n.min = "0";
      n.setAttribute("aria-label", `Pressure ${label}`);
      n.addEventListener("change", () => editDoc((d) => {
        d.pressure = d.pressure && typeof d.pressure === "object" ? { ...d.pressure } : {};
        if (n.value === "") delete d.pressure[k]; else d.pressure[k] = Number(n.value);
        if (!Object.keys(d.pressure).length) delete d.pressure;
      }));
      const wrap = el("label", "field");
      wrap.append(el("span", "muted", label), n);
      wrap.append(...invalid(n, errs(k), `form-err-pressure-${k}`));
      f.append(wrap);
    }
    for (const x of errs(null)) f.append(el("span", "field-error", `${x.path}: ${x.message}`));
    return f;
  }

  let rendering = false;
  function render(result) {
    // Replacing a focused input blurs it, and focusout would render again.
    if (rendering) return;
    rendering = true;
    try { draw(result); } finally { rendering = false; }
  }

  function draw(result) {
    const doc = result.document;
    if (!doc) { note.textContent = "Fix the JSON to use the form."; pressureBox.replaceChildren(); table.replaceChildren(); return; }
    pressureBox.replaceChildren(pressure(result));
    const campaigns = Array.isArray(doc.campaigns) ? doc.campaigns : [];
    note.textContent = campaigns.length ? "Edits here rewrite the JSON; errors show on their field." : "No campaign yet: add one below.";
    const head = el("tr");
    for (const h of ["campaign", "status", "start", "end", "priority", "holdout %", "placement", "trigger"]) head.append(el("th", "", h));
    const thead = el("thead");
    thead.append(head);
    const tbody = el("tbody");
    campaigns.forEach((c, i) => {
      if (!c || typeof c !== "object") return;
      const id = typeof c.id === "string" ? c.id : `#${i + 1}`;
      const errs = (field) => result.errors.filter((e) => {
        const p = parsePath(e.path);
        return p[0] === "campaigns" && p[1] === i && (field === null ? p.length <= 2 : p[2] === field);
      });
      const tr = el("tr");
      tr.dataset.campaign = id;
      const cell = (input, field, label) => {
        const td = el("td");
        input.setAttribute("aria-label", `${label} of ${id}`);
        td.append(input, ...invalid(input, errs(field), `form-err-${i}-${field}`));
        tr.append(td);
      };
      const name = el("th", "", id);
      name.scope = "row";
      if (c.name && c.name !== id) name.append(el("span", "muted", ` ${c.name}`));
      for (const p of errs(null)) name.append(el("span", "field-error", p.message));
      tr.append(name);

      const status = select(STATUSES.map((s) => [s, s]), c.status ?? "active");
      status.addEventListener("change", () => edit(i, (x) => { x.status = status.value; }));
      cell(status, "status", "Status");

      for (const [k, label] of [["start", "Start"], ["end", "End"]]) {
        const input = document.createElement("input");
        input.type = "text";
        input.placeholder = k === "start" ? "now" : "open";
        input.value = c.schedule?.[k] ?? "";
        input.size = 11;
        input.addEventListener("change", () => edit(i, (x) => {
          const v = input.value.trim();
          x.schedule = { ...(x.schedule ?? {}), [k]: v || null };
          if (x.schedule.start == null && x.schedule.end == null) delete x.schedule;
        }));
        cell(input, "schedule", label);
      }

      const priority = number(c.priority);
      if (typeof c.priority === "object" && c.priority) {
        priority.value = String((c.priority.business_value ?? 0) * (c.priority.customer_interest ?? 0) * (c.priority.feasibility ?? 0));
        priority.disabled = true;
        priority.title = "business value × customer interest × feasibility: edit it in the JSON";
      }
      priority.addEventListener("change", () => edit(i, (x) => { if (priority.value === "") delete x.priority; else x.priority = Number(priority.value); }));
      cell(priority, "priority", "Priority");

      const holdout = number(c.holdout_percent);
      holdout.min = "0"; holdout.max = "100";
      holdout.addEventListener("change", () => edit(i, (x) => { if (holdout.value === "") delete x.holdout_percent; else x.holdout_percent = Number(holdout.value); }));
      cell(holdout, "holdout_percent", "Holdout percent");

      const key = placementKey(c.placement);
      const options = key === "slot" ? [...PLACEMENTS, ["slot", `slot ${c.placement.selector ?? ""}`]] : PLACEMENTS;
      const placement = select(options, key);
      placement.disabled = key === "slot";
      placement.addEventListener("change", () => edit(i, (x) => { x.placement = placementValue(placement.value, x.placement); }));
      cell(placement, "placement", "Placement");

      const t = c.trigger?.on ?? "?";
      const trigger = el("td", "mono", t === "event" ? `event “${c.trigger.event ?? ""}”` : t);
      for (const p of errs("trigger")) trigger.append(el("span", "field-error", p.message));
      tr.append(trigger);
      tbody.append(tr);

      // The campaign's details, in a row that expands.
      const shown = new Set();
      const under = (prefix) => result.errors.filter((e) => {
        const p = parsePath(e.path);
        return p[0] === "campaigns" && p[1] === i && prefix.every((k, n) => p[2 + n] === k);
      });
      const field = (input, prefix, label, visible, inline) => {
        const wrap = el("label", inline ? "field inline" : "field");
        input.setAttribute("aria-label", label);
        const problems = under(prefix);
        problems.forEach((p) => shown.add(p));
        if (inline) wrap.append(input, ` ${visible}`); else wrap.append(el("span", "muted", visible), input);
        wrap.append(...invalid(input, problems, `form-err-${i}-${prefix.join("-")}`));
        return wrap;
      };
      const leftover = (node, prefix) => {
        for (const p of under(prefix)) if (!shown.has(p)) { shown.add(p); node.append(el("span", "field-error", `${p.path}: ${p.message}`)); }
      };
      const more = el("tr", "details-row");
      more.dataset.details = id;
      const td = el("td");
      td.colSpan = 8;
      const box = document.createElement("details");
      box.open = open.has(id);
      box.addEventListener("toggle", () => { if (box.open) open.add(id); else open.delete(id); });
      box.append(el("summary", "", `Details of ${id}: audience, trigger, frequency, variants, goal, offer`));
      if (box.open) box.append(actions(i, id, campaigns), details({ c, id, doc, studio, field, leftover, edit: (fn) => edit(i, fn) }));
      else box.addEventListener("toggle", () => { if (box.open && latest) render(latest); }, { once: true });
      td.append(box);
      more.append(td);
      tbody.append(more);
    });
    table.replaceChildren(thead, tbody);
    adder.replaceChildren(...addCampaign(campaigns));
  }

  /** A new campaign's id and its button: a paused pop-in on page views, to fill in. */
  function addCampaign(campaigns) {
    const taken = new Set(campaigns.map((c) => c?.id));
    const input = document.createElement("input");
    input.type = "text";
    input.placeholder = "autumn-sale";
    input.setAttribute("aria-label", "Id of the new campaign");
    const add = button("Add a campaign");
    const problem = alertLine();
    add.addEventListener("click", () => {
      const id = input.value.trim();
      const why = !/^[A-Za-z0-9_-]+$/.test(id) ? "an id of letters, digits, - and _" : taken.has(id) ? `${id} is taken` : "";
      problem.say(why);
      if (why) return;
      open.add(id);
      editDoc((doc) => {
        doc.campaigns = Array.isArray(doc.campaigns) ? doc.campaigns : [];
        doc.campaigns.push(newCampaign(id));
      });
    });
    return [input, " ", add, " ", problem.node];
  }


  /** Duplicate (a paused copy under a new id) and remove campaign `i`. */
  function actions(i, id, campaigns) {
    const row = el("div", "campaign-actions");
    const dup = button("Duplicate", `Duplicate ${id}`);
    dup.addEventListener("click", () => {
      const taken = new Set(campaigns.map((c) => c?.id));
      let n = 2;
      while (taken.has(`${id}-${n}`)) n++;
      open.add(`${id}-${n}`);
      editDoc((doc) => {
        const copy = structuredClone(doc.campaigns[i]);
        copy.id = `${id}-${n}`;
        copy.status = "paused";
        doc.campaigns.splice(i + 1, 0, copy);
      });
    });
    const rm = button("Remove", `Remove ${id}`, "danger");
    rm.addEventListener("click", () => {
      if (!confirm(`Remove the campaign ${id} from the document? (Nothing is published until you publish.)`)) return;
      open.delete(id);
      editDoc((doc) => { doc.campaigns.splice(i, 1); });
    });
    row.append(dup, " ", rm);
    return row;
  }

  let latest = null;
  studio.onValidated((r) => {
    latest = r;
    // Never redraw under the marketer's fingers, except after the form's own edit.
    if (box.contains(document.activeElement) && !pending) return;
    const focused = document.activeElement?.getAttribute?.("aria-label");
    render(r);
    if (pending && focused) box.querySelector(`[aria-label="${CSS.escape(focused)}"]`)?.focus();
    pending = false;
  });
  // The template previews follow the simulated visitor (not while typing in the form).
  studio.simulated.push(() => { if (latest && open.size && !box.contains(document.activeElement)) render(latest); });
  box.addEventListener("focusout", (e) => { if (!box.contains(e.relatedTarget) && latest) render(latest); });
}

/** What "Add a campaign" writes: paused until the marketer makes it active. */
export function newCampaign(id) {
  return {
    id,
    status: "paused",
    trigger: { on: "page_view" },
    placement: "popin",
    priority: 1,
    frequency: { max_impressions: 1, stop_after: ["clicked", "dismissed"] },
    variants: [{ id: "a", content: { title: "A new campaign", body: "Its text, with {{ traits.first_name | default: \"templates\" }}." } }],
  };
}

/**
 * Marks `input` invalid with `problems` (the engine's errors about it): the
 * message node to show after it, with id `id`, or nothing when there are none.
 */
function invalid(input, problems, id) {
  if (!problems.length) return [];
  const msg = el("span", "field-error", problems.map((p) => p.message).join("; "));
  msg.id = id;
  input.setAttribute("aria-invalid", "true");
  input.setAttribute("aria-describedby", msg.id);
  return [msg];
}

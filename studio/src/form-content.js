// A variant's content in the form: a content block (title, body, call to
// action, and a form of questions for progressive profiling or reviews),
// or, localised, one block per locale with languages to add and remove.
// Each input edits one key under the content through `set(fn)`, which
// applies `fn` to the variant's content object.
import { el } from "./util.js";
import { alertLine, button, number, select, text } from "./form-inputs.js";

const FIELD_TYPES = ["text", "email", "tel", "number", "date", "checkbox", "choice", "rating", "textarea"];
const MESSAGES = ["required", "email", "tel", "number", "date", "rating", "checkbox"];
const LOCALE = /^(default|[A-Za-z]{2}([-_][A-Za-z0-9]{1,8})*)$/;

/** Content keyed by locale rather than a content block (the engine's reading). */
export function isLocalised(content) {
  const entries = Object.entries(content ?? {});
  return entries.length > 0 && entries.every(([k, v]) => LOCALE.test(k) && v && typeof v === "object" && !Array.isArray(v));
}

/** `"a=A, b=B"` → `[{value: "a", label: "A"}, …]` (a bare value is its own label). */
export function parseOptions(raw) {
  return raw.split(",").map((s) => s.trim()).filter(Boolean).map((s) => {
    const at = s.indexOf("=");
    return at < 0 ? { value: s, label: s } : { value: s.slice(0, at).trim(), label: s.slice(at + 1).trim() };
  });
}

/** The inverse of [`parseOptions`]. */
export function showOptions(options) {
  return (Array.isArray(options) ? options : []).map((o) => (o?.value === o?.label ? `${o?.value ?? ""}` : `${o?.value ?? ""}=${o?.label ?? ""}`)).join(", ");
}

/** The content editor of variant `name`; `prefix` is its path under the campaign. */
export function contentEditor({ content, prefix, name, field, set }) {
  const box = el("div", "content");
  if (!isLocalised(content)) {
    box.append(block({ b: content, prefix, name, field, set }));
    box.append(addLocale({ content, prefix, name, field, set, localised: false }));
    return box;
  }
  for (const locale of Object.keys(content)) {
    const f = document.createElement("fieldset");
    f.className = "locale";
    f.dataset.locale = locale;
    f.append(el("legend", "", locale === "default" ? "default (any other language)" : locale));
    const sub = (fn) => set((ct) => { ct[locale] = ct[locale] && typeof ct[locale] === "object" ? ct[locale] : {}; fn(ct[locale]); });
    f.append(block({ b: content[locale], prefix: [...prefix, locale], name: `${name} (${locale})`, field, set: sub }));
    if (Object.keys(content).length > 1) {
      const rm = button(`Remove ${locale}`, `Remove ${locale} from ${name}`);
      rm.addEventListener("click", () => set((ct) => { delete ct[locale]; }));
      f.append(rm);
    }
    box.append(f);
  }
  box.append(addLocale({ content, prefix, name, field, set, localised: true }));
  return box;
}

/**
 * A language code and its button: adds that locale, copied from `default`
 * (or the first); a single block becomes `default` beside the new one.
 */
function addLocale({ content, prefix, name, field, set, localised }) {
  const code = text("");
  code.size = 6;
  code.placeholder = "fr, fr-CA…";
  const add = button("Add a language", `Add a language to ${name}`);
  const problem = alertLine();
  add.addEventListener("click", () => {
    const k = code.value.trim();
    if (!LOCALE.test(k) || (!localised && k === "default")) return problem.say("a two-letter language with optional subtags (fr, fr-CA)");
    if (localised && k in content) return problem.say(`${k} is already there`);
    set((ct) => {
      if (!localised) {
        const copy = { ...ct };
        for (const key of Object.keys(ct)) delete ct[key];
        ct.default = copy;
      }
      ct[k] = structuredClone(ct.default ?? Object.values(ct)[0] ?? {});
    });
  });
  const row = el("div", "add-locale");
  row.append(field(code, [...prefix, "-new"], `New language of ${name}`, localised ? "language" : "translate into"), add, problem.node);
  return row;
}

/** One content block: title, body, CTA, form. */
function block({ b, prefix, name, field, set }) {
  const box = el("div", "block");
  const c = b && typeof b === "object" ? b : {};
  for (const [k, label] of [["title", "title"], ["body", "body"]]) {
    const input = k === "body" ? document.createElement("textarea") : text(c[k]);
    if (k === "body") { input.rows = 2; input.value = typeof c.body === "string" ? c.body : ""; }
    input.classList.add("wide");
    input.addEventListener("change", () => set((ct) => { if (input.value === "") delete ct[k]; else ct[k] = input.value; }));
    box.append(field(input, [...prefix, k], `Content ${label} of ${name}`, label));
  }
  const cta = c.cta && typeof c.cta === "object" ? c.cta : {};
  for (const [k, label] of [["label", "CTA label"], ["url", "CTA URL"]]) {
    const input = text(cta[k]);
    input.addEventListener("change", () => set((ct) => {
      ct.cta = ct.cta && typeof ct.cta === "object" ? { ...ct.cta } : {};
      if (input.value === "") delete ct.cta[k]; else ct.cta[k] = input.value;
      if (!Object.keys(ct.cta).length) delete ct.cta;
    }));
    box.append(field(input, [...prefix, "cta", k], `${label} of ${name}`, label));
  }
  box.append(formEditor({ form: c.form, prefix: [...prefix, "form"], name, field, set }));
  return box;
}

/** The block's form: its questions, button labels and error words. */
function formEditor({ form, prefix, name, field, set }) {
  const box = document.createElement("fieldset");
  box.className = "form-questions";
  box.setAttribute("aria-label", `Form of ${name}`);
  box.append(el("legend", "", "Form (progressive profiling, reviews)"));
  if (!form || typeof form !== "object") {
    const add = button("Add a form", `Add a form to ${name}`);
    add.addEventListener("click", () => set((ct) => { ct.form = { fields: [{ trait: "first_name", label: "First name", type: "text" }], submit_label: "Send" }; }));
    box.append(add);
    return box;
  }
  const setForm = (fn) => set((ct) => { ct.form = ct.form && typeof ct.form === "object" ? ct.form : { fields: [] }; fn(ct.form); });
  const fields = Array.isArray(form.fields) ? form.fields : [];
  fields.forEach((q, n) => {
    if (!q || typeof q !== "object") return;
    const qName = `question ${n + 1} of ${name}`;
    const row = el("div", "question");
    const setQ = (fn) => setForm((f) => { if (f.fields?.[n] && typeof f.fields[n] === "object") fn(f.fields[n]); });
    const kind = select([["trait", "profile trait"], ["name", "event property"]], "name" in q && !("trait" in q) ? "name" : "trait");
    const key = text(q.trait ?? q.name);
    key.size = 12;
    const writeKey = () => setQ((x) => { delete x.trait; delete x.name; x[kind.value] = key.value.trim(); });
    kind.addEventListener("change", writeKey);
    key.addEventListener("change", writeKey);
    row.append(field(kind, [...prefix, "fields", n, "-kind"], `Answer kind of ${qName}`, "answer goes to"));
    row.append(field(key, [...prefix, "fields", n, "trait" in q ? "trait" : "name"], `Key of ${qName}`, "key"));
    const label = text(q.label);
    label.addEventListener("change", () => setQ((x) => { x.label = label.value; }));
    row.append(field(label, [...prefix, "fields", n, "label"], `Label of ${qName}`, "label"));
    const type = select(FIELD_TYPES.map((t) => [t, t]), q.type ?? "");
    type.addEventListener("change", () => setQ((x) => {
      x.type = type.value;
      if (type.value === "choice") x.options ??= [{ value: "a", label: "A" }]; else delete x.options;
    }));
    row.append(field(type, [...prefix, "fields", n, "type"], `Type of ${qName}`, "type"));
    const req = document.createElement("input");
    req.type = "checkbox";
    req.checked = q.required === true;
    req.addEventListener("change", () => setQ((x) => { if (req.checked) x.required = true; else delete x.required; }));
    row.append(field(req, [...prefix, "fields", n, "required"], `Required ${qName}`, "required", true));
    const ph = text(q.placeholder);
    ph.addEventListener("change", () => setQ((x) => { if (ph.value === "") delete x.placeholder; else x.placeholder = ph.value; }));
    row.append(field(ph, [...prefix, "fields", n, "placeholder"], `Placeholder of ${qName}`, "placeholder"));
    if (q.type === "choice") {
      const opts = text(showOptions(q.options));
      opts.classList.add("wide");
      opts.addEventListener("change", () => setQ((x) => { x.options = parseOptions(opts.value); }));
      row.append(field(opts, [...prefix, "fields", n, "options"], `Options of ${qName}`, "options (value=label, …)"));
    }
    if (["text", "textarea"].includes(q.type)) {
      const max = number(q.max_length);
      max.min = "1"; max.max = "5000";
      max.addEventListener("change", () => setQ((x) => { if (max.value === "") delete x.max_length; else x.max_length = Number(max.value); }));
      row.append(field(max, [...prefix, "fields", n, "max_length"], `Max length of ${qName}`, "max length"));
    }
    const rm = button("Remove", `Remove ${qName}`);
    rm.addEventListener("click", () => setForm((f) => { f.fields.splice(n, 1); }));
    row.append(rm);
    box.append(row);
  });
  const add = button("Add a question", `Add a question to ${name}`);
  add.addEventListener("click", () => setForm((f) => {
    f.fields = Array.isArray(f.fields) ? f.fields : [];
    f.fields.push({ trait: `question_${f.fields.length + 1}`, label: "Your answer", type: "text" });
  }));
  const drop = button("Remove the form", `Remove the form of ${name}`);
  drop.addEventListener("click", () => set((ct) => { delete ct.form; }));
  box.append(add, " ", drop);
  const labels = el("div", "labels");
  for (const [k, label] of [["submit_label", "submit button"], ["cancel_label", "cancel button"]]) {
    const input = text(form[k]);
    input.addEventListener("change", () => setForm((f) => { if (input.value === "") delete f[k]; else f[k] = input.value; }));
    labels.append(field(input, [...prefix, k], `${label} of ${name}`, label));
  }
  box.append(labels);
  const words = document.createElement("details");
  words.append(el("summary", "", "Error words (English by default)"));
  const m = form.messages && typeof form.messages === "object" ? form.messages : {};
  for (const k of MESSAGES) {
    const input = text(m[k]);
    input.addEventListener("change", () => setForm((f) => {
      f.messages = f.messages && typeof f.messages === "object" ? { ...f.messages } : {};
      if (input.value === "") delete f.messages[k]; else f.messages[k] = input.value;
      if (!Object.keys(f.messages).length) delete f.messages;
    }));
    words.append(field(input, [...prefix, "messages", k], `Error word ${k} of ${name}`, k));
  }
  box.append(words);
  return box;
}

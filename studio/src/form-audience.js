// The audience builder of a campaign: `audience.segments.any` as checkboxes
// of the document's segments, and a condition made of simple clauses
// (`{"path": value}` or `{"path": {"$op": value}}`) as rows of attribute,
// operator and value. A condition the rows cannot say without loss (nested
// `$or`/`$and`/`$not`, several operators on one path, `$elemMatch`…) is left
// to the JSON and said so. Each edit changes only the key it is about.
import { el } from "./util.js";
import { CONTEXT_PATHS } from "./schema.js";
import { select, text } from "./form-details.js";

export const OPERATORS = ["$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$exists", "$regex"];

/** The condition's clauses `[{path, op, value, bare}]`, or null when rows cannot show it. */
export function clauses(condition) {
  if (condition == null) return [];
  if (typeof condition !== "object" || Array.isArray(condition)) return null;
  const out = [];
  for (const [path, v] of Object.entries(condition)) {
    if (path.startsWith("$")) return null;
    if (v === null || typeof v !== "object") { out.push({ path, op: "$eq", value: v, bare: true }); continue; }
    if (Array.isArray(v)) return null;
    const keys = Object.keys(v);
    if (keys.length !== 1 || !OPERATORS.includes(keys[0])) return null;
    const value = v[keys[0]];
    if (value !== null && typeof value === "object" && !(keys[0] === "$in" && Array.isArray(value) && value.every((x) => x === null || typeof x !== "object"))) return null;
    out.push({ path, op: keys[0], value, bare: false });
  }
  return out;
}

/** What a row's value input holds, read for `op`. */
export function parseValue(op, raw) {
  const s = raw.trim();
  if (op === "$regex") return raw;
  if (op === "$exists") return s !== "false";
  let v;
  try { v = JSON.parse(s); } catch { v = raw; }
  if (op === "$in" && !Array.isArray(v)) v = s === "" ? [] : s.split(",").map((x) => { const t = x.trim(); try { return JSON.parse(t); } catch { return t; } });
  return v;
}

/** A value as a row shows it: strings bare, the rest as JSON. */
export function showValue(v) {
  if (typeof v === "string") return v;
  if (Array.isArray(v)) return v.map((x) => (typeof x === "string" && !/[,"]/.test(x) ? x : JSON.stringify(x))).join(", ");
  return v === undefined ? "" : JSON.stringify(v);
}

/** `condition` with clause `n` replaced by `clause` (or removed when null), key order kept. */
export function withClause(condition, n, clause) {
  const out = {};
  Object.entries(condition ?? {}).forEach(([k, v], i) => {
    if (i !== n) { if (!(clause && k === clause.path)) out[k] = v; return; }
    if (clause) out[clause.path] = clause.op === "$eq" && clause.bare ? clause.value : { [clause.op]: clause.value };
  });
  if (clause && n >= Object.keys(condition ?? {}).length) out[clause.path] = clause.op === "$eq" && clause.bare ? clause.value : { [clause.op]: clause.value };
  return out;
}

export function audience({ c, id, doc, field, edit, leftover }) {
  const box = document.createElement("fieldset");
  box.className = "form-group";
  box.setAttribute("aria-label", `Audience of ${id}`);
  box.append(el("legend", "", "Audience"));
  const a = c.audience && typeof c.audience === "object" ? c.audience : {};
  const setAudience = (fn) => edit((x) => {
    x.audience = x.audience && typeof x.audience === "object" ? x.audience : {};
    fn(x.audience);
    if (x.audience.segments && !Object.keys(x.audience.segments).length) delete x.audience.segments;
    if (!Object.keys(x.audience).length) delete x.audience;
  });

  // Segments: in at least one of `any`.
  const defined = (Array.isArray(doc.segments) ? doc.segments : []).map((s) => s?.id).filter((s) => typeof s === "string");
  const any = Array.isArray(a.segments?.any) ? a.segments.any : [];
  const segs = el("div", "checks");
  segs.append(el("span", "muted", "in any of the segments: "));
  const ids = [...defined, ...any.filter((s) => typeof s === "string" && !defined.includes(s))];
  if (!ids.length) segs.append(el("span", "muted", "(the document has no segment)"));
  for (const s of ids) {
    const cb = document.createElement("input");
    cb.type = "checkbox";
    cb.checked = any.includes(s);
    cb.addEventListener("change", () => setAudience((au) => {
      const cur = Array.isArray(au.segments?.any) ? au.segments.any : [];
      const next = cb.checked ? [...cur.filter((x) => x !== s), s] : cur.filter((x) => x !== s);
      au.segments = { ...(au.segments ?? {}) };
      if (next.length) au.segments.any = next; else delete au.segments.any;
    }));
    const at = any.indexOf(s);
    segs.append(field(cb, at >= 0 ? ["audience", "segments", "any", at] : ["audience", "segments", "any", "-"], `Segment ${s} of ${id}`, s, true));
  }
  for (const k of ["all", "none"]) if (Array.isArray(a.segments?.[k]) && a.segments[k].length) segs.append(el("span", "muted", ` and ${k}: ${a.segments[k].join(", ")} (edited in the JSON)`));
  box.append(segs);
  leftover(box, ["audience", "segments"]);

  // Condition: simple clauses as rows.
  const list = clauses(a.condition);
  if (list === null) {
    box.append(el("p", "muted complex", "Its condition is too complex for rows (nested or combined operators): edited in the JSON."));
  } else {
    const dl = document.createElement("datalist");
    dl.id = `attrs-${id}`;
    for (const p of CONTEXT_PATHS) dl.append(new Option(p.description, p.path));
    box.append(dl);
    const setCond = (fn) => setAudience((au) => {
      const next = fn(au.condition && typeof au.condition === "object" ? au.condition : {});
      if (Object.keys(next).length) au.condition = next; else delete au.condition;
    });
    list.forEach((cl, n) => {
      const row = el("div", "clause-row");
      const name = `condition ${n + 1} of ${id}`;
      const attr = text(cl.path);
      attr.setAttribute("list", dl.id);
      attr.size = 22;
      const op = select(OPERATORS.map((o) => [o, o]), cl.op);
      const val = text(showValue(cl.value));
      val.size = 14;
      const write = () => setCond((cond) => withClause(cond, n, { path: attr.value.trim(), op: op.value, value: parseValue(op.value, val.value), bare: cl.bare }));
      for (const i of [attr, op, val]) i.addEventListener("change", write);
      row.append(field(attr, ["audience", "condition", cl.path], `Attribute of ${name}`, "attribute"));
      row.append(field(op, ["audience", "condition", cl.path, "-op"], `Operator of ${name}`, "operator"));
      row.append(field(val, ["audience", "condition", cl.path, cl.op], `Value of ${name}`, "value"));
      const rm = el("button", "", "Remove");
      rm.type = "button";
      rm.setAttribute("aria-label", `Remove ${name}`);
      rm.addEventListener("click", () => setCond((cond) => withClause(cond, n, null)));
      row.append(rm);
      box.append(row);
    });
    const add = el("button", "", "Add a condition");
    add.type = "button";
    add.setAttribute("aria-label", `Add a condition to ${id}`);
    add.addEventListener("click", () => setCond((cond) => {
      const path = CONTEXT_PATHS.map((p) => p.path).find((p) => !p.endsWith(".") && !(p in cond)) ?? "traits.attribute";
      return withClause(cond, Object.keys(cond).length, { path, op: "$exists", value: true, bare: false });
    }));
    box.append(add);
  }
  leftover(box, ["audience"]);
  return box;
}

// A condition in the form: simple clauses (`{"path": value}` or
// `{"path": {"$op": value}}`) as rows of attribute, operator and value, and
// anything rows cannot say without loss (`$or`/`$and`/`$not`, several
// operators on one path, `$elemMatch`…) as its own small JSON box, so it is
// still edited here. Audiences, event triggers' `where` and goals' `where`
// all use it; each edit changes only the condition it is about.
import { el } from "./util.js";
import { alertLine, button, select, text } from "./form-inputs.js";

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

/** The JSON box's text read back: `{value}` (undefined when empty) or `{error}`. */
export function readConditionText(raw) {
  if (!raw.trim()) return { value: undefined };
  try {
    const value = JSON.parse(raw);
    if (!value || typeof value !== "object" || Array.isArray(value)) return { error: "a condition is a JSON object" };
    return { value };
  } catch (e) { return { error: `not JSON: ${e.message}` }; }
}

/**
 * The editor of `condition` at `prefix` (the path under the campaign) in a
 * new element. `set(fn)` writes `fn(old condition object)` back (an empty
 * result removes it); `paths` feed the attribute input's suggestions
 * (`[{path, description}]`); `name` names the inputs for assistive tech.
 */
export function conditionEditor({ condition, prefix, name, field, set, paths = [], newPath = "property" }) {
  const box = el("div", "condition");
  const list = clauses(condition);
  if (list === null) {
    box.append(el("p", "muted complex", "Too complex for rows (combined or nested operators): its JSON, edited here."));
    box.append(jsonBox({ condition, prefix, name, field, set }));
    return box;
  }
  let listId = "";
  if (paths.length) {
    const dl = document.createElement("datalist");
    dl.id = listId = `attrs-${name.replace(/[^A-Za-z0-9_-]/g, "-")}`;
    for (const p of paths) dl.append(new Option(p.description, p.path));
    box.append(dl);
  }
  list.forEach((cl, n) => {
    const row = el("div", "clause-row");
    const rowName = `condition ${n + 1} of ${name}`;
    const attr = text(cl.path);
    if (listId) attr.setAttribute("list", listId);
    attr.size = 22;
    const op = select(OPERATORS.map((o) => [o, o]), cl.op);
    const val = text(showValue(cl.value));
    val.size = 14;
    const write = () => set((cond) => withClause(cond, n, { path: attr.value.trim(), op: op.value, value: parseValue(op.value, val.value), bare: cl.bare }));
    for (const i of [attr, op, val]) i.addEventListener("change", write);
    row.append(field(attr, [...prefix, cl.path], `Attribute of ${rowName}`, "attribute"));
    row.append(field(op, [...prefix, cl.path, "-op"], `Operator of ${rowName}`, "operator"));
    row.append(field(val, [...prefix, cl.path, cl.op], `Value of ${rowName}`, "value"));
    const rm = button("Remove", `Remove ${rowName}`);
    rm.addEventListener("click", () => set((cond) => withClause(cond, n, null)));
    row.append(rm);
    box.append(row);
  });
  const add = button("Add a condition", `Add a condition to ${name}`);
  add.addEventListener("click", () => set((cond) => {
    const path = paths.map((p) => p.path).find((p) => !p.endsWith(".") && !(p in cond)) ?? newPath;
    return withClause(cond, Object.keys(cond).length, { path, op: "$exists", value: true, bare: false });
  }));
  const json = button("Edit as JSON", `Edit as JSON: ${name}`);
  json.title = "For $or, $and, $not, $elemMatch and several operators on one attribute";
  json.addEventListener("click", () => {
    const wrap = jsonBox({ condition: condition ?? {}, prefix, name, field, set });
    json.replaceWith(wrap);
    wrap.querySelector("textarea").focus();
  });
  box.append(add, " ", json);
  return box;
}

/** The condition as a JSON text box; a change that parses is written back. */
function jsonBox({ condition, prefix, name, field, set }) {
  const area = document.createElement("textarea");
  area.className = "wide mono";
  area.value = JSON.stringify(condition, null, 2);
  area.rows = Math.min(12, Math.max(4, area.value.split("\n").length));
  const wrap = field(area, prefix, `JSON of ${name}`, "condition (JSON)");
  const problem = alertLine();
  area.addEventListener("change", () => {
    const r = readConditionText(area.value);
    problem.say(r.error ?? "");
    if (r.error) area.setAttribute("aria-invalid", "true"); else area.removeAttribute("aria-invalid");
    if (!r.error) set(() => r.value ?? {});
  });
  wrap.append(problem.node);
  return wrap;
}

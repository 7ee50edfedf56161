// The audience builder of a campaign: the document's segments, each one
// required in `any`, `all` or `none` of `audience.segments` (checkboxes per
// list), and the condition over the context (form-condition.js). Each edit
// changes only the key it is about.
import { el } from "./util.js";
import { CONTEXT_PATHS } from "./schema.js";
import { conditionEditor } from "./form-condition.js";

const LISTS = [
  ["any", "in any of the segments"],
  ["all", "in all of the segments"],
  ["none", "in none of the segments"],
];

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

  const defined = (Array.isArray(doc.segments) ? doc.segments : []).map((s) => s?.id).filter((s) => typeof s === "string");
  for (const [k, label] of LISTS) {
    const chosen = Array.isArray(a.segments?.[k]) ? a.segments[k] : [];
    const ids = [...defined, ...chosen.filter((s) => typeof s === "string" && !defined.includes(s))];
    const segs = el("div", "checks");
    segs.dataset.segments = k;
    segs.append(el("span", "muted", `${label}: `));
    if (!ids.length) segs.append(el("span", "muted", "(the document has no segment)"));
    for (const s of ids) {
      const cb = document.createElement("input");
      cb.type = "checkbox";
      cb.checked = chosen.includes(s);
      cb.addEventListener("change", () => setAudience((au) => {
        const cur = Array.isArray(au.segments?.[k]) ? au.segments[k] : [];
        const next = cb.checked ? [...cur.filter((x) => x !== s), s] : cur.filter((x) => x !== s);
        au.segments = { ...(au.segments ?? {}) };
        if (next.length) au.segments[k] = next; else delete au.segments[k];
      }));
      const at = chosen.indexOf(s);
      // `any` keeps its first labels ("Segment vip of …"): tests and habits read them.
      const aria = k === "any" ? `Segment ${s} of ${id}` : `Segment ${s} (${k}) of ${id}`;
      segs.append(field(cb, at >= 0 ? ["audience", "segments", k, at] : ["audience", "segments", k, "-"], aria, s, true));
    }
    box.append(segs);
  }
  leftover(box, ["audience", "segments"]);

  box.append(el("p", "muted", "and the condition over the visitor's context:"));
  box.append(conditionEditor({
    condition: a.condition,
    prefix: ["audience", "condition"],
    name: id,
    field,
    paths: CONTEXT_PATHS,
    newPath: "traits.attribute",
    set: (fn) => setAudience((au) => {
      const next = fn(au.condition && typeof au.condition === "object" ? au.condition : {});
      if (Object.keys(next).length) au.condition = next; else delete au.condition;
    }),
  }));
  leftover(box, ["audience"]);
  return box;
}

// Lint from the rules document's JSON Schema (served at /v1/rules/schema),
// beside the engine's own validation: @cfworker/json-schema interprets the
// schema (no code generated at run time, so the studio's CSP holds). Only
// the failing leaves are kept (a failed `properties` or `$ref` only says a
// child failed), one per place, as `{path, kind, message}` with the
// engine's path syntax. The engine stays the judge: what the schema says
// and the engine does not is a warning, never a reason to refuse a publish.
import { Validator } from "@cfworker/json-schema";
import { formatPath } from "./locate.js";

const CONTAINERS = new Set(["properties", "items", "prefixItems", "$ref", "allOf", "anyOf", "oneOf", "if", "then", "else", "dependentSchemas", "additionalProperties", "patternProperties", "not", "contains", "propertyNames", "unevaluatedProperties"]);

/** A validator for `schema`, or null when the schema cannot be read. */
export function schemaValidator(schema) {
  if (!schema || typeof schema !== "object") return null;
  try { return new Validator(schema, "2020-12", false); } catch { return null; }
}

/** `#/campaigns/0/placement` → `$.campaigns[0].placement`. */
export function pointerToPath(pointer) {
  const parts = pointer.replace(/^#\/?/, "").split("/").filter((p, i, all) => p !== "" || all.length > 1 || i > 0)
    .map((p) => decodeURIComponent(p).replace(/~1/g, "/").replace(/~0/g, "~"))
    .map((p) => (/^(0|[1-9]\d*)$/.test(p) ? Number(p) : p));
  return formatPath(parts.filter((p) => p !== ""));
}

/** What the schema refuses in `document`: `[{path, kind: "schema", message}]`, leaves only. */
export function schemaProblems(validator, document) {
  if (!validator) return [];
  let result;
  try { result = validator.validate(document); } catch { return []; }
  if (result.valid) return [];
  const leaves = result.errors.filter((e) => !CONTAINERS.has(e.keyword));
  const seen = new Map();
  for (const e of leaves) {
    const path = pointerToPath(e.instanceLocation);
    const words = e.error.replace(/^Instance /, "").replace(/\.$/, "");
    const message = words === "False boolean schema" ? "not allowed here (an unknown field, or one that does not apply)" : words;
    const key = `${path}\u0000${message}`;
    if (!seen.has(key)) seen.set(key, { path, kind: "schema", message: `schema: ${message}` });
  }
  return [...seen.values()];
}

/** Whether path `a` is `b`, or one holds the other (`$.x` and `$.x.y`). */
function overlaps(a, b) {
  const [p, q] = a.length <= b.length ? [a, b] : [b, a];
  return q === p || q.startsWith(`${p}.`) || q.startsWith(`${p}[`);
}

/** The schema's problems the engine's `problems` do not already name at or around their place. */
export function schemaOnly(schema, problems) {
  return schema.filter((s) => !problems.some((p) => overlaps(p.path, s.path)));
}

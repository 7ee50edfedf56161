// The rules document's JSON Schema (served at /v1/rules/schema) as the
// editor reads it: which subschemas apply at a path, the fields an object
// may have, the values a field may take and its documentation. Only what
// completion and hover need: `$ref` (local), `properties`,
// `additionalProperties`, `items`, and the branches of `allOf`, `anyOf`,
// `oneOf`, `if`/`then`/`else` taken together (a superset, which is what a
// completion list wants). The engine stays the judge of validity.

/** The subschemas at `schema`, `$ref`s followed and branches flattened. */
export function expand(root, schema, seen = new Set()) {
  if (!schema || typeof schema !== "object" || seen.has(schema)) return [];
  seen.add(schema);
  const out = [schema];
  if (typeof schema.$ref === "string" && schema.$ref.startsWith("#/")) {
    const target = schema.$ref.slice(2).split("/").reduce((s, k) => s?.[k.replace(/~1/g, "/").replace(/~0/g, "~")], root);
    out.push(...expand(root, target, seen));
  }
  for (const k of ["allOf", "anyOf", "oneOf"]) for (const s of schema[k] ?? []) out.push(...expand(root, s, seen));
  for (const k of ["then", "else"]) if (schema[k]) out.push(...expand(root, schema[k], seen));
  return out;
}

/** Every subschema that applies at `path` (segments: keys and indices). */
export function schemasAt(root, path) {
  let here = expand(root, root);
  for (const seg of path) {
    const next = [];
    for (const s of here) {
      let child;
      if (typeof seg === "number") child = Array.isArray(s.prefixItems) && s.prefixItems[seg] ? s.prefixItems[seg] : s.items;
      else child = s.properties?.[seg] ?? (typeof s.additionalProperties === "object" ? s.additionalProperties : undefined);
      if (child) next.push(...expand(root, child));
    }
    here = next;
  }
  return here;
}

/** The fields an object at `path` may have: `[{name, description, schemas}]`. */
export function fieldsAt(root, path) {
  const fields = new Map();
  for (const s of schemasAt(root, path)) {
    for (const [name, sub] of Object.entries(s.properties ?? {})) {
      const entry = fields.get(name) ?? { name, description: "", schemas: [] };
      entry.schemas.push(...expand(root, sub));
      entry.description ||= describe(entry.schemas);
      fields.set(name, entry);
    }
  }
  return [...fields.values()];
}

/** The closed set of values at `path` (enums, consts, booleans), each `{value, description}`. */
export function valuesAt(root, path) {
  const out = new Map();
  for (const s of schemasAt(root, path)) {
    for (const v of s.enum ?? []) out.set(JSON.stringify(v), v);
    if ("const" in s && !(s.not)) out.set(JSON.stringify(s.const), s.const);
    if (s.type === "boolean") { out.set("true", true); out.set("false", false); }
  }
  return [...out.values()];
}

/** The first description among `schemas`, with its type, enum and default. */
export function describe(schemas) {
  const text = schemas.find((s) => s.description)?.description ?? "";
  return text;
}

/** Documentation of the value at `path`: `{title, description, type, values, default}` or null. */
export function docAt(root, path) {
  const schemas = schemasAt(root, path);
  if (!schemas.length) return null;
  const types = [...new Set(schemas.flatMap((s) => [].concat(s.type ?? [])))];
  const def = schemas.find((s) => "default" in s);
  return {
    title: schemas.find((s) => s.title)?.title ?? "",
    description: describe(schemas),
    type: types.join(" | "),
    values: valuesAt(root, path),
    default: def ? def.default : undefined,
    condition: isCondition(schemas),
  };
}

/** Whether the object at these schemas is a GrowthBook condition (keys are context paths). */
export function isCondition(schemas) {
  return schemas.some((s) => s.title === "GrowthBook condition");
}

/** The evaluation context's documented attributes (docs/context.md), for condition keys. */
export const CONTEXT_PATHS = [
  ["anonymous_id", "random id created on the first visit"],
  ["user_id", "id given to identify (string or null)"],
  ["traits.first_name", "a trait from identify or a form (any traits.* works)"],
  ["traits.birthday", "a date trait"],
  ["computed.", "a computed trait of the rules' traits section: computed.<id>"],
  ["lifecycle", "new, engaged, customer, loyal, at_risk or lapsed"],
  ["visit.count", "sessions so far, the current one included"],
  ["visit.first_seen", "local date of the first visit, YYYY-MM-DD"],
  ["visit.days_since_first", "local days since the first visit"],
  ["visit.days_since_previous", "local days since the previous session started; null on a first visit"],
  ["session.channel", "direct, organic, paid, email, social, referral or store_qr"],
  ["session.utm.source", "utm_source of the landing page"],
  ["session.utm.medium", "utm_medium of the landing page"],
  ["session.utm.campaign", "utm_campaign of the landing page"],
  ["session.referrer", "external referrer of the landing page"],
  ["session.landing_path", "path of the session's first page"],
  ["session.pageviews", "page views in this session"],
  ["session.duration_s", "whole seconds since the session started"],
  ["session.is_first", "the visitor's first session: the welcome moment"],
  ["page.url", "full URL"],
  ["page.path", "path"],
  ["page.query.", "a query parameter, decoded: page.query.<name>"],
  ["page.title", "document title"],
  ["device.type", "mobile, tablet or desktop"],
  ["device.language", "BCP 47 language"],
  ["now.hour", "local hour"],
  ["now.weekday", "0 = Sunday … 6 = Saturday"],
  ["now.date", "local date YYYY-MM-DD"],
  ["event.name", "the triggering event's name"],
  ["event.properties.", "a property of the triggering event"],
  ["segments", "ids of the segments the visitor is in (use $elemMatch)"],
  ["campaigns.", "campaigns.<id>.impressions, clicked, dismissed, converted, last_shown"],
].map(([path, description]) => ({ path, description }));

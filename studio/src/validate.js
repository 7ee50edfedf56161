// Live validation: the text as JSON, then the rules document by the wasm
// engine itself (`Engine.fromRules`) and by the JSON Schema, every error
// and warning located at its JSON path in the text. The engine decides what
// can be published; what only the schema refuses is a warning.
import { scan, locate } from "./locate.js";
import { schemaProblems, schemaOnly } from "./schema-lint.js";

/**
 * `{document, engine, errors, warnings}`: `engine` only when there are no
 * errors; each problem is `{path, kind, message, from, to, severity}`.
 */
export function validate(text, Engine, schemaValidator = null) {
  let document, tree;
  try {
    document = JSON.parse(text);
  } catch (e) {
    let at = 0;
    try { scan(text); } catch (s) { at = s.offset ?? 0; }
    return {
      document: null, engine: null, warnings: [],
      errors: [{ path: "$", kind: "malformed_json", message: `Not JSON: ${e.message}`, from: at, to: at + 1, severity: "error" }],
    };
  }
  try { tree = scan(text); } catch { tree = undefined; }
  const place = (list, severity) => list.map((p) => ({ ...p, ...locate(text, p.path, tree), severity, message: p.message || p.kind }));
  const schema = schemaProblems(schemaValidator, document);
  let engine;
  try {
    engine = Engine.fromRules(document);
  } catch (e) {
    if (!Array.isArray(e.errors)) throw e;
    return { document, engine: null, errors: place(e.errors, "error"), warnings: place(schemaOnly(schema, e.errors), "warning") };
  }
  const warnings = [...engine.warnings, ...schemaOnly(schema, engine.warnings)];
  return { document, engine, errors: [], warnings: place(warnings, "warning") };
}

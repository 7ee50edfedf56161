// Live validation: the text as JSON, then the rules document by the wasm
// engine itself (`Engine.fromRules`), every error and warning located at
// its JSON path in the text.
import { scan, locate } from "./locate.js";

/**
 * `{document, engine, errors, warnings}`: `engine` only when there are no
 * errors; each problem is `{path, kind, message, from, to, severity}`.
 */
export function validate(text, Engine) {
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
  let engine;
  try {
    engine = Engine.fromRules(document);
  } catch (e) {
    if (!Array.isArray(e.errors)) throw e;
    return { document, engine: null, errors: place(e.errors, "error"), warnings: [] };
  }
  return { document, engine, errors: [], warnings: place(engine.warnings, "warning") };
}

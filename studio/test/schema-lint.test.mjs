// Lint from the JSON Schema beside the engine: leaves only, in the engine's
// path syntax, and shown only where the engine says nothing (as warnings).
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { schemaValidator, schemaProblems, pointerToPath } from "../src/schema-lint.js";
import { validate } from "../src/validate.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const SCHEMA = JSON.parse(readFileSync(join(ROOT, "server/schema/rules.schema.json"), "utf8"));
const read = (p) => JSON.parse(readFileSync(join(ROOT, p), "utf8"));
const TOOLS = join(ROOT, "pkg/tools");
let Engine;
before(async () => {
  if (!existsSync(join(TOOLS, "parcours_tools_bg.wasm"))) return;
  const tools = await import(join(TOOLS, "index.js"));
  await tools.init(readFileSync(join(TOOLS, "parcours_tools_bg.wasm")));
  Engine = tools.Engine;
});

test("JSON pointers become the engine's paths", () => {
  assert.equal(pointerToPath("#"), "$");
  assert.equal(pointerToPath("#/campaigns/0/placement"), "$.campaigns[0].placement");
  assert.equal(pointerToPath("#/campaigns/0/audience/condition/session.channel"), '$.campaigns[0].audience.condition["session.channel"]');
});

test("the demo's rules pass the schema; each broken document is refused at its leaf", () => {
  const v = schemaValidator(SCHEMA);
  assert.deepEqual(schemaProblems(v, read("demo/rules.json")), []);
  assert.deepEqual(schemaProblems(v, read("tests/rules-invalid/campaign-bad-status.json")).map((p) => p.path), ["$.campaigns[0].status"]);
  const unknown = schemaProblems(v, read("tests/rules-invalid/campaign-unknown-field.json"));
  assert.deepEqual(unknown, [{ path: "$.campaigns[0].prority", kind: "schema", message: "schema: not allowed here (an unknown field, or one that does not apply)" }]);
  // The whole corpus: every problem is a leaf with a path and words.
  for (const f of readdirSync(join(ROOT, "tests/rules-invalid")).filter((f) => f.endsWith(".json"))) {
    for (const p of schemaProblems(v, read(`tests/rules-invalid/${f}`))) {
      assert.match(p.path, /^\$/, f);
      assert.ok(p.message.length > "schema: ".length, f);
    }
  }
  assert.equal(schemaValidator(null), null);
  assert.deepEqual(schemaProblems(null, {}), []);
});

test("in the studio's validation the engine decides; what only the schema refuses is a warning", { skip: !existsSync(join(TOOLS, "parcours_tools_bg.wasm")) && "pkg/tools is not built" }, () => {
  const v = schemaValidator(SCHEMA);
  // Both refuse a bad status: the engine's error, once.
  const bad = validate(JSON.stringify(read("tests/rules-invalid/campaign-bad-status.json"), null, 2), Engine, v);
  assert.deepEqual(bad.errors.map((e) => e.path), ["$.campaigns[0].status"]);
  assert.deepEqual(bad.warnings, []);
  // A schema stricter than the engine (no campaign may be paused): a warning at its line, publishing still allowed.
  const strict = structuredClone(SCHEMA);
  strict.$defs.campaign.properties.status = { enum: ["active"] };
  const text = JSON.stringify({ campaigns: [{ id: "c", status: "paused", trigger: { on: "page_view" }, placement: "none", variants: [{ id: "a" }] }] }, null, 2);
  const r = validate(text, Engine, schemaValidator(strict));
  assert.deepEqual(r.errors, []);
  assert.ok(r.engine, "the engine accepts it");
  assert.equal(r.warnings.length, 1);
  assert.equal(r.warnings[0].path, "$.campaigns[0].status");
  assert.equal(text.slice(r.warnings[0].from, r.warnings[0].to), '"paused"');
  r.engine.free?.();
});

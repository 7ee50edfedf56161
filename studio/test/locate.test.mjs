// The JSON path → text position locator the studio draws engine errors with.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parsePath, formatPath, locate, scan, pathAt } from "../src/locate.js";

const TEXT = `{
  "version": "v1",
  "segments": [{ "id": "vip", "condition": { "page.path": { "$regex": "^/" } } }],
  "campaigns": [
    { "id": "a", "trigger": { "on": "page_view" } },
    { "trigger": { "on": "scrol" }, "variants": [{ "id": "x", "weight": 50 }] }
  ]
}`;
const at = (path) => { const r = locate(TEXT, path); return [TEXT.slice(r.from, r.to), r.exact]; };

test("engine paths are read and written back alike", () => {
  for (const p of ["$", "$.campaigns[1].variants[0].weight", '$.segments[0].condition["page.path"]["$regex"]', '$.a["q\\"uote"]']) {
    assert.equal(formatPath(parsePath(p)), p.replace('["$regex"]', ".$regex"));
  }
  assert.deepEqual(parsePath('$.segments[0].condition["page.path"]'), ["segments", 0, "condition", "page.path"]);
  assert.deepEqual(parsePath('$.a["q\\"uote"]'), ["a", 'q"uote']);
});

test("a scalar is located at its value, an object or array at its key", () => {
  assert.deepEqual(at("$.campaigns[1].trigger.on"), ['"scrol"', true]);
  assert.deepEqual(at("$.campaigns[1].variants[0].weight"), ["50", true]);
  assert.deepEqual(at("$.campaigns[1].trigger"), ['"trigger"', true]);
  assert.deepEqual(at('$.segments[0].condition["page.path"]'), ['"page.path"', true]);
  assert.deepEqual(at("$.campaigns[1]"), ["{", true]);
  assert.deepEqual(at("$"), ["{", true]);
});

test("a missing field is located at the deepest value that exists", () => {
  assert.deepEqual(at("$.campaigns[1].id"), ["{", false]);
  assert.deepEqual(at("$.campaigns[0].placement"), ["{", false]);
  assert.deepEqual(at("$.campaigns[0].trigger.event"), ['"trigger"', false]);
  assert.deepEqual(at("$.campaigns[9]"), ['"campaigns"', false]);
  assert.equal(TEXT.split("\n").findIndex((l) => l.includes("scrol")), 5);
  const r = locate(TEXT, "$.campaigns[1].id");
  assert.equal(TEXT.slice(0, r.from).split("\n").length, 6, "on the second campaign's line");
});

test("malformed text locates at the start, and the scanner refuses it", () => {
  assert.deepEqual(locate('{"a": }', "$.a"), { from: 0, to: 0, exact: false });
  assert.throws(() => scan('{"a": 1,}'));
  assert.throws(() => scan("[1] 2"));
});

test("the path at a cursor offset", () => {
  const tree = scan(TEXT);
  assert.deepEqual(pathAt(tree, TEXT.indexOf("scrol")), ["campaigns", 1, "trigger", "on"]);
  assert.deepEqual(pathAt(tree, TEXT.indexOf('"version"') + 2), ["version"]);
});

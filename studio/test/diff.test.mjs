// The version diff: lines added and removed between two pretty-printed documents.
import { test } from "node:test";
import assert from "node:assert/strict";
import { diffLines, foldDiff } from "../src/diff.js";

const pretty = (v) => JSON.stringify(v, null, 2);

test("a changed field is one line removed and one added, the rest unchanged", () => {
  const a = pretty({ version: "1", campaigns: [{ id: "w", priority: 1, status: "active" }] });
  const b = pretty({ version: "1", campaigns: [{ id: "w", priority: 5, status: "active" }] });
  const d = diffLines(a, b);
  assert.deepEqual(d.filter((x) => x.op !== "same"), [
    { op: "del", line: '      "priority": 1,' },
    { op: "add", line: '      "priority": 5,' },
  ]);
  assert.equal(d.filter((x) => x.op !== "add").map((x) => x.line).join("\n"), a);
  assert.equal(d.filter((x) => x.op !== "del").map((x) => x.line).join("\n"), b);
});

test("identical texts have no change; additions and removals at the ends are found", () => {
  assert.ok(diffLines("a\nb", "a\nb").every((x) => x.op === "same"));
  assert.deepEqual(diffLines("a", "a\nb").map((x) => x.op), ["same", "add"]);
  assert.deepEqual(diffLines("x\na", "a").map((x) => x.op), ["del", "same"]);
});

test("long unchanged runs fold to context around each change", () => {
  const a = Array.from({ length: 40 }, (_, i) => `l${i}`).join("\n");
  const b = a.replace("l20", "L20");
  const folded = foldDiff(diffLines(a, b), 2);
  assert.deepEqual(folded.map((x) => x.op), ["gap", "same", "same", "del", "add", "same", "same", "gap"]);
  assert.equal(folded[0].count, 18);
  assert.equal(folded.at(-1).count, 17);
});

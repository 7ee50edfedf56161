import { test } from "node:test";
import assert from "node:assert/strict";
import { clauses, parseValue, showValue, withClause } from "../src/form-condition.js";

test("simple conditions become rows, complex ones are left to the JSON", () => {
  assert.deepEqual(clauses({ "session.is_first": true, "visit.count": { $gte: 2 } }), [
    { path: "session.is_first", op: "$eq", value: true, bare: true },
    { path: "visit.count", op: "$gte", value: 2, bare: false },
  ]);
  assert.deepEqual(clauses(undefined), []);
  assert.deepEqual(clauses({ "session.channel": { $in: ["email", "social"] } })[0].value, ["email", "social"]);
  assert.equal(clauses({ $or: [{ a: 1 }, { b: 2 }] }), null);
  assert.equal(clauses({ "visit.count": { $gte: 2, $lt: 5 } }), null);
  assert.equal(clauses({ segments: { $elemMatch: { $eq: "vip" } } }), null);
  assert.equal(clauses({ "traits.tags": ["a"] }), null);
});

test("a row's value reads for its operator", () => {
  assert.equal(parseValue("$eq", "store_qr"), "store_qr");
  assert.equal(parseValue("$gte", "3"), 3);
  assert.equal(parseValue("$eq", "true"), true);
  assert.deepEqual(parseValue("$in", "email, social, 3"), ["email", "social", 3]);
  assert.equal(parseValue("$exists", "false"), false);
  assert.equal(parseValue("$regex", "^/sale"), "^/sale");
  assert.equal(showValue(["email", "social"]), "email, social");
  assert.equal(showValue(3), "3");
});

test("an edited clause keeps the other keys and their order", () => {
  const cond = { a: 1, b: { $gt: 2 }, c: "x" };
  assert.deepEqual(Object.entries(withClause(cond, 1, { path: "bb", op: "$lt", value: 5 })), [["a", 1], ["bb", { $lt: 5 }], ["c", "x"]]);
  assert.deepEqual(withClause(cond, 0, { path: "a", op: "$eq", value: 2, bare: true }), { a: 2, b: { $gt: 2 }, c: "x" });
  assert.deepEqual(withClause(cond, 2, null), { a: 1, b: { $gt: 2 } });
  assert.deepEqual(withClause(cond, 3, { path: "d", op: "$exists", value: true }), { ...cond, d: { $exists: true } });
});

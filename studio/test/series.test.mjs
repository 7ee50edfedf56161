// The results chart's series: cumulative rates by day with Wilson intervals.
import { test } from "node:test";
import assert from "node:assert/strict";
import { wilson, days, cumulative } from "../src/series.js";

test("Wilson intervals hold the rate, stay in [0, 1] and narrow with more visitors", () => {
  const [lo, hi] = wilson(10, 100);
  assert.ok(lo < 0.1 && 0.1 < hi);
  assert.ok(Math.abs(lo - 0.0552) < 1e-3 && Math.abs(hi - 0.1744) < 1e-3, `${lo} ${hi}`);
  assert.deepEqual(wilson(0, 0), [0, 1]);
  assert.equal(wilson(0, 20)[0], 0);
  const [lo2, hi2] = wilson(100, 1000);
  assert.ok(hi2 - lo2 < hi - lo);
});

test("each arm's totals accumulate day by day from its first exposure", () => {
  assert.deepEqual(days("2026-11-30", "2026-12-02"), ["2026-11-30", "2026-12-01", "2026-12-02"]);
  const daily = [
    { day: "2026-12-01", variant_id: "a", exposed: 4, conversions: 1 },
    { day: "2026-12-02", variant_id: "a", exposed: 6, conversions: 2 },
    { day: "2026-12-02", variant_id: "holdout", exposed: 5, conversions: 0 },
  ];
  const [a, h] = cumulative(daily, "2026-11-30", "2026-12-02");
  assert.equal(a.variant_id, "a");
  assert.deepEqual(a.points.map((p) => [p.day, p.exposed, p.conversions, p.rate]), [["2026-12-01", 4, 1, 0.25], ["2026-12-02", 10, 3, 0.3]]);
  assert.deepEqual(h.points.map((p) => p.day), ["2026-12-02"]);
});

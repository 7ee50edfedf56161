// The results chart's numbers: each arm's cumulative conversion rate by
// day of first exposure, with a 95 % Wilson interval (what the rate could
// be given so few visitors), from the report's `daily` rows.

/** 95 % Wilson score interval of `k` successes in `n` trials: `[lo, hi]`. */
export function wilson(k, n, z = 1.96) {
  if (n <= 0) return [0, 1];
  const p = k / n, z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/** Every day from `from` to `to` (YYYY-MM-DD, UTC), inclusive. */
export function days(from, to) {
  const out = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 864e5) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

/**
 * `[{variant_id, points: [{day, exposed, conversions, rate, ci}]}]`: for each
 * arm, from the first day it has exposures, the totals so far on each day.
 */
export function cumulative(daily, from, to) {
  const arms = [...new Set(daily.map((d) => d.variant_id))];
  return arms.map((variant_id) => {
    let exposed = 0, conversions = 0;
    const points = [];
    for (const day of days(from, to)) {
      for (const d of daily) if (d.variant_id === variant_id && d.day === day) { exposed += d.exposed; conversions += d.conversions; }
      if (exposed > 0) points.push({ day, exposed, conversions, rate: conversions / exposed, ci: wilson(conversions, exposed) });
    }
    return { variant_id, points };
  });
}

// An SVG line chart of each arm's cumulative conversion rate over time,
// its 95 % interval as a band; drawn with DOM calls (no inline style, so
// the page's CSP holds) and described for screen readers by a caption.
const NS = "http://www.w3.org/2000/svg";
const COLOURS = ["#3346c9", "#17724a", "#b35c00", "#8a3ab9", "#0b7a8a"];
const HOLDOUT = "#8b93a5";

const svg = (tag, attrs = {}, text) => {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
};

/** The chart for `series` (see series.js `cumulative`) over `dayList`. */
export function rateChart(series, dayList, title) {
  const W = 640, H = 220, L = 46, R = 110, T = 12, B = 28;
  // From the first day with exposures; the y axis in round steps.
  const first = dayList.findIndex((d) => series.some((s) => s.points.some((p) => p.day === d)));
  dayList = dayList.slice(Math.max(0, first));
  const max = Math.max(0.05, ...series.flatMap((s) => s.points.map((p) => p.ci[1])));
  const step = [0.01, 0.02, 0.05, 0.1, 0.2, 0.25].find((st) => max / st <= 5) ?? 0.25;
  const top = Math.min(1, Math.ceil(max / step) * step);
  const x = (day) => L + (dayList.length < 2 ? 0 : (dayList.indexOf(day) / (dayList.length - 1)) * (W - L - R));
  const y = (v) => T + (1 - v / top) * (H - T - B);
  const root = svg("svg", { viewBox: `0 0 ${W} ${H}`, class: "chart", role: "img", "aria-label": title });
  root.append(svg("title", {}, title));
  for (let v = 0; v <= top + 1e-9; v += step) {
    root.append(svg("line", { x1: L, x2: W - R, y1: y(v), y2: y(v), stroke: "#e6e9f0" }));
    root.append(svg("text", { x: L - 6, y: y(v) + 4, "text-anchor": "end", class: "tick" }, `${Math.round(v * 100)} %`));
  }
  root.append(svg("line", { x1: L, x2: W - R, y1: y(0), y2: y(0), class: "axis" }));
  const ticks = dayList.length <= 7 ? dayList : dayList.filter((_, i) => i % Math.ceil(dayList.length / 6) === 0);
  for (const d of ticks) root.append(svg("text", { x: x(d), y: H - 8, "text-anchor": "middle", class: "tick" }, d.slice(5)));
  series.forEach((s, i) => {
    const colour = s.variant_id === "holdout" ? HOLDOUT : COLOURS[i % COLOURS.length];
    const pts = s.points;
    if (!pts.length) return;
    const band = [...pts.map((p) => `${x(p.day)},${y(p.ci[1])}`), ...pts.slice().reverse().map((p) => `${x(p.day)},${y(p.ci[0])}`)];
    root.append(svg("polygon", { points: band.join(" "), fill: colour, "fill-opacity": 0.14, stroke: "none" }));
    root.append(svg("polyline", { points: pts.map((p) => `${x(p.day)},${y(p.rate)}`).join(" "), fill: "none", stroke: colour, "stroke-width": 2, "stroke-dasharray": s.variant_id === "holdout" ? "5 4" : "none" }));
    for (const p of pts) {
      const dot = svg("circle", { cx: x(p.day), cy: y(p.rate), r: 3, fill: colour });
      dot.append(svg("title", {}, `${s.variant_id}, ${p.day}: ${(p.rate * 100).toFixed(1)} % of ${p.exposed} (95 % ${(p.ci[0] * 100).toFixed(1)}–${(p.ci[1] * 100).toFixed(1)} %)`));
      root.append(dot);
    }
    const last = pts.at(-1);
    root.append(svg("text", { x: W - R + 8, y: y(last.rate) + 4, fill: colour, "font-weight": 600 }, `${s.variant_id} ${(last.rate * 100).toFixed(1)} %`));
  });
  return root;
}

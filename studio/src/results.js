// Results: for each campaign, the funnel of every arm (exposed →
// impressions → clicks → conversions), its conversion rate with the 95 %
// interval, the uplift against the holdout, a chart of the rates over time
// (GET /v1/reports/campaigns?interval=day) and the CSV.
import { el } from "./util.js";
import { cumulative, days } from "./series.js";
import { rateChart } from "./chart.js";

const $ = (id) => document.getElementById(id);
const pct = (v) => (v == null || Number.isNaN(v) ? "–" : `${(v * 100).toFixed(1)} %`);
const pp = (v) => `${v >= 0 ? "+" : ""}${(v * 100).toFixed(1)}`;
const ci = (c) => (c ? `[${(c[0] * 100).toFixed(1)}, ${(c[1] * 100).toFixed(1)}]` : "");

export function mount(studio) {
  const box = $("results");
  const today = new Date().toISOString().slice(0, 10);
  const monthAgo = new Date(Date.now() - 29 * 864e5).toISOString().slice(0, 10);
  const form = el("form", "row");
  const input = (label, id, value) => {
    const wrap = el("div", "field");
    const l = el("label", "", label);
    const i = document.createElement("input");
    i.type = "date"; i.id = id; i.value = value; l.htmlFor = id;
    wrap.append(l, i);
    return { wrap, i };
  };
  const from = input("From (UTC day)", "results-from", monthAgo);
  const to = input("To", "results-to", today);
  const load = el("button", "primary", "Show results");
  load.type = "submit";
  const csv = el("button", "", "Download CSV");
  csv.type = "button";
  form.append(from.wrap, to.wrap, load, csv);
  const out = el("div");
  out.setAttribute("aria-live", "polite");
  box.append(form, out);

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (!$("admin-token").value.trim()) { out.replaceChildren(el("p", "muted", "Enter the admin token to read the results.")); $("admin-token").focus(); return; }
    out.replaceChildren(el("p", "muted", "Loading…"));
    try {
      render(out, await studio.server.report(from.i.value, to.i.value, "day"));
    } catch (err) {
      out.replaceChildren(el("p", "muted", `Cannot read the report: ${err.message}`));
    }
  });
  // A link cannot carry the admin token: fetch the CSV, then hand it over as a file.
  csv.addEventListener("click", async () => {
    try {
      const res = await studio.server.reportCsv(from.i.value, to.i.value);
      const url = URL.createObjectURL(new Blob([res], { type: "text/csv" }));
      const a = document.createElement("a");
      a.href = url;
      a.download = `parcours-${studio.writeKey}-${from.i.value}-${to.i.value}.csv`;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    } catch (err) {
      out.replaceChildren(el("p", "muted", `Cannot download the CSV: ${err.message}`));
    }
  });
}

function render(out, report) {
  out.replaceChildren();
  const list = report.campaigns.filter((c) => c.arms.some((a) => a.exposed > 0));
  if (!list.length) { out.append(el("p", "muted", "No visitor was exposed to a campaign in this period.")); return; }
  const dayList = days(report.period.from, report.period.to);
  for (const c of list) {
    const section = el("section", "result");
    section.dataset.campaign = c.campaign_id;
    section.append(el("h3", "", `${c.name || c.campaign_id}${c.goal ? ` · goal: ${c.goal.event} within ${c.goal.within_hours} h` : " · no goal"}`));
    const table = el("table", "results-table");
    const head = el("tr");
    for (const h of ["arm", "exposed", "impressions", "clicks", "conversions", "conversion rate", "95 % interval", "uplift (points)", "95 % interval", "relative"]) head.append(el("th", "", h));
    const thead = el("thead");
    thead.append(head);
    const tbody = el("tbody");
    for (const a of c.arms) {
      const tr = el("tr");
      const u = a.uplift;
      for (const v of [a.control ? `${a.variant_id} (control)` : a.variant_id, a.exposed, a.impressions, a.clicks, a.conversions,
        pct(a.conversion_rate?.estimate), ci(a.conversion_rate?.ci), u ? pp(u.absolute.estimate) : "", u ? ci(u.absolute.ci) : "", u?.relative ? pct(u.relative.estimate) : ""]) {
        tr.append(el("td", "", String(v)));
      }
      tbody.append(tr);
    }
    table.append(thead, tbody);
    section.append(table);
    if (c.daily?.length) {
      section.append(rateChart(cumulative(c.daily, report.period.from, report.period.to), dayList, `${c.campaign_id}: conversion rate per arm by day of first exposure, cumulative, with 95 % intervals`));
    }
    out.append(section);
  }
}

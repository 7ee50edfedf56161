// "Who sees what, and why": the winner of the decision (after priority and
// pressure, with its variant or holdout) and every campaign's verdict with
// the step that stopped it, down to the failing clause.
import { el, renderInlineCode } from "./util.js";

const STEP_WORDS = {
  status: "status", global_holdout: "site-wide control group", schedule: "schedule", trigger: "trigger",
  segments: "audience segments", condition: "audience condition", form: "form already answered",
  frequency: "frequency cap", pressure: "pressure cap", priority: "priority",
};

/** Renders `explained` (tools `explain()`) and `decisions` into `box`. */
export function renderVerdicts(studio, box, explained, decisions, { stale }) {
  box.replaceChildren();
  if (stale) box.append(el("p", "muted", "The rules have errors: showing the last valid rules."));
  const shown = explained.filter((x) => x.shown);
  const held = explained.filter((x) => x.holdout);
  const winner = el("div", shown.length ? "winner" : "winner none");
  winner.id = "winner";
  if (shown.length) {
    const parts = shown.map((x) => {
      const d = decisions.find((d) => d.campaign_id === x.campaign_id);
      const title = d?.content?.title ? ` “${d.content.title}”` : "";
      return `${x.campaign_id} (${x.placement}${x.interstitial === "avoided" ? ", a banner instead of a pop-in here" : ""}, variant ${x.variant_id})${title}`;
    });
    winner.append(el("strong", "", "Shows: "), parts.join("; "));
  } else {
    winner.append(el("strong", "", "Nothing shows"), " to this visitor at this moment.");
  }
  if (held.length) winner.append(el("div", "muted", `Held out (sees nothing, counted as control): ${held.map((x) => x.campaign_id).join(", ")}`));
  box.append(winner);

  const list = el("ul", "verdicts");
  list.setAttribute("aria-label", "Every campaign's verdict");
  for (const x of explained) {
    const li = el("li", `verdict ${x.verdict}`);
    li.dataset.campaign = x.campaign_id;
    const head = el("header");
    head.append(el("strong", "", x.campaign_id), el("span", "tag", x.verdict === "shown" ? `shown · ${x.variant_id}` : x.verdict === "holdout" ? "holdout" : `blocked: ${STEP_WORDS[x.reason?.step] ?? x.reason?.step ?? "?"}`));
    const actions = el("span", "actions");
    const act = (label, aria, fn) => { const b = el("button", "", label); b.type = "button"; b.setAttribute("aria-label", aria); b.addEventListener("click", fn); actions.append(b); };
    if (studio.record && x.shown) act("Seen", `Record that the visitor saw ${x.campaign_id}`, () => studio.record(x, "seen"));
    if (studio.record && studio.exposed?.(x.campaign_id)) {
      act("Clicked", `Record that the visitor clicked ${x.campaign_id}`, () => studio.record(x, "clicked"));
      act("Dismissed", `Record that the visitor dismissed ${x.campaign_id}`, () => studio.record(x, "dismissed"));
    }
    if (studio.preview) {
      const b = el("button", "", "Preview");
      b.type = "button";
      b.setAttribute("aria-label", `Preview ${x.campaign_id} on the shop`);
      b.addEventListener("click", () => studio.preview(x.campaign_id, x.shown ? x.variant_id : undefined));
      actions.append(b);
    }
    head.append(actions);
    const why = el("p", "why");
    renderInlineCode(why, x.why ?? "");
    li.append(head, why);
    const r = x.reason;
    if (r && (r.step === "condition" || (r.step === "trigger" && r.path !== undefined))) {
      li.append(clause([["path", r.path], ["operator", r.operator], ["expected", JSON.stringify(r.expected)], ["actual", JSON.stringify(r.actual) ?? "missing"]]));
    } else if (r?.step === "segments") {
      li.append(clause([["clause", r.clause], ["segments", r.segments.join(", ")]]));
    } else if (r?.step === "frequency" || r?.step === "pressure") {
      li.append(clause(r.cap === "stop_after" ? [["cap", "stop_after"], ["after", r.after]] : [["cap", r.cap], ["count", String(r.count)], ["limit", String(r.limit)]]));
    } else if (r?.step === "trigger") {
      li.append(clause([["expected", JSON.stringify(r.expected)], ["actual", JSON.stringify(r.actual)]]));
    } else if (r?.step === "priority") {
      li.append(clause([["lost to", r.lost_to]]));
    }
    list.append(li);
  }
  if (!explained.length) list.append(el("li", "muted", "The rules have no campaign."));
  box.append(list);
}

function clause(rows) {
  const dl = el("dl", "clause");
  for (const [k, v] of rows) dl.append(el("dt", "", k), el("dd", "", v ?? ""));
  return dl;
}

// Publishing with the admin token and `If-Match` (two editors never
// overwrite each other: a 412 says so and offers to reload), the version
// history with what changed, and rollback.
import { notice } from "./notice.js";
import { diffLines, foldDiff } from "./diff.js";
import { pretty, showPublished } from "./util.js";

const $ = (id) => document.getElementById(id);

export function mount(studio) {
  const button = $("publish");
  studio.onValidated((r) => { button.disabled = r.errors.length > 0; });
  $("publish-form").addEventListener("submit", (e) => { e.preventDefault(); publish(studio); });
  const versions = $("versions");
  versions.addEventListener("click", (e) => {
    const b = e.target.closest("button[data-action]");
    if (b) versionAction(studio, b.dataset.action, Number(b.dataset.version));
  });
  studio.refreshVersions = () => loadVersions(studio);
  loadVersions(studio);
}

/** Whether an admin token is there; else says so and focuses its field. */
function needToken(studio) {
  if ($("admin-token").value.trim()) return false;
  notice("Enter the site's admin token (it is kept for this tab only) to publish, see versions or save a draft.");
  $("admin-token").focus();
  return true;
}

async function publish(studio) {
  if (studio.result?.errors.length) return;
  if (needToken(studio)) return;
  const text = studio.editor.text();
  try {
    const r = await studio.server.publish(text, studio.etag);
    studio.etag = r.etag;
    studio.published = text;
    showPublished(studio);
    const warn = r.warnings?.length ? ` with ${r.warnings.length} warning(s)` : "";
    notice(`Published version ${r.version} (${r.rulesVersion || "no version label"})${warn}. Visitors get it on their next page.`, { kind: "ok" });
    loadVersions(studio);
  } catch (e) {
    failed(studio, e, "publish");
  }
}

/** Says why a publish or rollback failed and what to do. */
function failed(studio, e, what) {
  if (e.status === 412) {
    notice(`Someone else published since you loaded these rules (now ${e.body?.etag ?? "changed"}): nothing was overwritten, your ${what} was refused. Reload their rules to start from them (your edits here are lost), or copy your edits first.`, {
      kind: "error",
      actions: [["Reload the published rules", () => reload(studio)]],
    });
  } else if (e.status === 401 || e.status === 403) {
    notice(`The server refused the admin token (${e.message}). Check the token of site "${studio.writeKey}".`, { kind: "error" });
    $("admin-token").focus();
  } else if (e.status === 422) {
    const list = (e.body?.errors ?? []).map((x) => `${x.path}: ${x.message}`).join("; ");
    notice(`The server refused the document: ${list}`, { kind: "error" });
  } else {
    notice(`Could not ${what}: ${e.message}`, { kind: "error" });
  }
}

/** Replaces the editor's text with the published rules. */
export async function reload(studio) {
  const r = await studio.server.rules();
  studio.etag = r.etag;
  studio.published = r.text;
  studio.editor.setText(pretty(r.text));
  showPublished(studio);
  notice(`Reloaded the published rules (${r.etag}).`, { kind: "ok" });
  loadVersions(studio);
}

async function loadVersions(studio) {
  const box = $("versions");
  if (!$("admin-token").value.trim()) {
    box.replaceChildren(para("Enter the admin token to see the version history."));
    $("admin-token").addEventListener("change", () => loadVersions(studio), { once: true });
    return;
  }
  let list;
  try {
    list = (await studio.server.versions()).versions ?? [];
  } catch (e) {
    box.replaceChildren(para(e.status === 404
      ? "This server keeps no version history (GET /v1/rules/versions is missing)."
      : `Cannot read the versions: ${e.message}`));
    return;
  }
  studio.versions = list;
  const ul = document.createElement("ul");
  ul.className = "versions-list";
  list.forEach((v, i) => {
    const li = document.createElement("li");
    if (v.current) li.className = "current";
    const n = span("n", `v${v.version}`);
    const when = span("when", `${new Date(v.updated_at).toLocaleString()} · ${v.rulesVersion || "no label"}${v.current ? " · current" : ""}`);
    li.append(n, when);
    if (i + 1 < list.length) li.append(button(`Changes in v${v.version}`, "diff", v.version, `Show what changed from v${list[i + 1].version} to v${v.version}`));
    if (!v.current) li.append(button(`Roll back to v${v.version}`, "rollback", v.version, `Publish v${v.version}'s rules again as a new version`));
    ul.append(li);
  });
  const diff = document.createElement("div");
  diff.id = "diff";
  box.replaceChildren(ul, diff);
}

async function versionAction(studio, action, version) {
  if (needToken(studio)) return;
  if (action === "diff") {
    const list = studio.versions ?? [];
    const i = list.findIndex((v) => v.version === version);
    const before = list[i + 1];
    try {
      const [a, b] = await Promise.all([studio.server.version(before.version), studio.server.version(version)]);
      showDiff(pretty(a), pretty(b), `v${before.version} → v${version}`);
    } catch (e) {
      notice(`Cannot read the versions: ${e.message}`, { kind: "error" });
    }
  } else if (action === "rollback") {
    const edited = pretty(studio.published) !== studio.editor.text();
    if (edited && !confirm(`Roll back to v${version}? Your unpublished edits in the editor will be replaced.`)) return;
    try {
      const r = await studio.server.rollback(version, studio.etag);
      await reload(studio);
      notice(`Rolled back: v${version}'s rules are published again as version ${r.version}.`, { kind: "ok" });
    } catch (e) {
      failed(studio, e, "rollback");
    }
  }
}

function showDiff(a, b, title) {
  const box = $("diff");
  const h = document.createElement("h3");
  h.textContent = `What changed, ${title}`;
  const pre = document.createElement("div");
  pre.className = "diff";
  pre.setAttribute("role", "region");
  pre.setAttribute("aria-label", `Changes ${title}`);
  pre.tabIndex = 0;
  const lines = foldDiff(diffLines(a, b));
  if (lines.every((l) => l.op === "same" || l.op === "gap")) pre.append(span("gap", "No change."));
  for (const l of lines) {
    const d = document.createElement("div");
    d.className = l.op;
    d.textContent = l.op === "gap" ? `… ${l.count} unchanged line${l.count > 1 ? "s" : ""}` : l.line;
    pre.append(d);
  }
  box.replaceChildren(h, pre);
}

const para = (t) => { const p = document.createElement("p"); p.className = "muted"; p.textContent = t; return p; };
const span = (c, t) => { const s = document.createElement("span"); s.className = c; s.textContent = t; return s; };
function button(label, action, version, title) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  b.title = title;
  b.dataset.action = action;
  b.dataset.version = version;
  return b;
}

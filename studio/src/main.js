// The studio's entry point: reads the site from the URL (`?writeKey=`,
// `demo` by default), loads its rules, the schema and the wasm engine, and
// wires the panels: editor and problems, publish, the simulated visitor and
// its verdicts, the shop preview, versions and results.
import { api } from "./api.js";
import { createEditor } from "./editor.js";
import { validate } from "./validate.js";
import { schemaValidator } from "./schema-lint.js";
import { notice } from "./notice.js";
import { pretty, showPublished } from "./util.js";
import * as simulator from "./simulator.js";
import * as publish from "./publish.js";
import * as preview from "./preview.js";
import * as results from "./results.js";
import * as form from "./form.js";

const params = new URLSearchParams(location.search);
const writeKey = params.get("writeKey") || "demo";
const TOKEN_KEY = `parcours-studio:token:${writeKey}`;
const $ = (id) => document.getElementById(id);

const tokenInput = $("admin-token");
tokenInput.value = sessionStorage.getItem(TOKEN_KEY) ?? "";
tokenInput.addEventListener("input", () => sessionStorage.setItem(TOKEN_KEY, tokenInput.value.trim()));
const server = api(writeKey, () => tokenInput.value.trim());

/** What every panel reads: the editor's current validation and the published ETag. */
const studio = {
  writeKey, server, tools: null, schema: null, editor: null,
  etag: null, published: "", result: null, listeners: [],
  /** Run after each change of the simulated visitor (the form's template previews). */
  simulated: [],
  /** Runs `fn(result)` after each validation. */
  onValidated(fn) { this.listeners.push(fn); if (this.result) fn(this.result); },
};

$("site-key").textContent = writeKey;

async function start() {
  const [tools, rules, schema] = await Promise.all([
    import("/pkg/tools/parcours_tools.js").then(async (m) => { await m.default(); return m; }),
    server.rules(),
    server.schema().catch(() => null),
  ]);
  studio.tools = tools;
  studio.schema = schema;
  studio.schemaValidator = schemaValidator(schema);
  studio.etag = rules.etag;
  studio.published = rules.text;
  const text = pretty(rules.text);
  let timer;
  studio.editor = createEditor($("editor"), {
    text,
    getSchema: () => studio.schema,
    onChange: () => { clearTimeout(timer); timer = setTimeout(revalidate, 150); },
  });
  // Leaving with unpublished edits asks first.
  addEventListener("beforeunload", (e) => { if (pretty(studio.published) !== studio.editor.text()) e.preventDefault(); });
  showPublished(studio);
  for (const panel of [publish, preview, simulator, results, form]) {
    try { panel.mount(studio); } catch (e) { console.error(e); notice(`A panel failed to start: ${e.message}`, { kind: "error" }); }
  }
  revalidate();
}

function revalidate() {
  const text = studio.editor.text();
  const result = validate(text, studio.tools.Engine, studio.schemaValidator);
  studio.result = result;
  showPublished(studio);
  const problems = [...result.errors, ...result.warnings];
  studio.editor.showProblems(problems.map((p) => ({ from: p.from, to: p.to, severity: p.severity, message: `${p.path}: ${p.message}` })));
  const badge = $("validity");
  badge.className = `badge ${result.errors.length ? "bad" : "ok"}`;
  badge.textContent = result.errors.length
    ? `${result.errors.length} error${result.errors.length > 1 ? "s" : ""}: cannot publish`
    : `valid${result.warnings.length ? `, ${result.warnings.length} warning${result.warnings.length > 1 ? "s" : ""}` : ""}`;
  renderProblems(problems);
  for (const fn of studio.listeners) fn(result);
}

function renderProblems(problems) {
  const list = $("problems");
  list.replaceChildren();
  if (!problems.length) {
    const li = document.createElement("li");
    li.className = "none";
    li.textContent = "No problems: the engine and the JSON Schema accept this document.";
    list.append(li);
    return;
  }
  for (const p of problems) {
    const li = document.createElement("li");
    li.className = p.severity;
    const b = document.createElement("button");
    b.type = "button";
    const path = document.createElement("code");
    path.className = "path";
    path.textContent = p.path;
    const line = document.createElement("span");
    line.className = "line";
    line.textContent = `line ${studio.editor.lineOf(p.from)}`;
    b.append(path, `${p.severity === "warning" ? "warning: " : ""}${p.message}`, line);
    b.addEventListener("click", () => studio.editor.reveal(p.from, p.to));
    li.append(b);
    list.append(li);
  }
}

start().catch((e) => notice(`The studio could not start: ${e.message}`, { kind: "error" }));

// pkg/ as an npm package: `npm pack`, installed from the tarball into a
// scratch project (no registry), `parcours/tools` imported in Node, and
// `load()` from "parcours" bundled by esbuild into a page that reaches `ready`.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, readFileSync, cpSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, extname } from "node:path";
import { build } from "esbuild";
import { openServerAndBrowser, closeServerAndBrowser, watchErrors, PKG_DIR, ROOT } from "./harness.mjs";

let server, browser, dir;
before(async () => {
  ({ server, browser } = await openServerAndBrowser());
  dir = mkdtempSync(join(tmpdir(), "parcours-npm-"));
  const tarball = execFileSync("npm", ["pack", PKG_DIR, "--pack-destination", dir, "--silent"], { encoding: "utf8" }).trim().split("\n").pop();
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "scratch", private: true, type: "module" }));
  execFileSync("npm", ["install", "--offline", "--no-audit", "--no-fund", "--silent", join(dir, tarball)], { cwd: dir, stdio: "inherit" });
});
after(async () => {
  await closeServerAndBrowser(server, browser);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("in Node: init(wasmBytes), evalCondition on the conformance vectors, Engine on a rules document", () => {
  const script = `
    import { readFileSync } from "node:fs";
    import { fileURLToPath } from "node:url";
    import { init, Engine, evalCondition } from "parcours/tools";
    await init(readFileSync(fileURLToPath(import.meta.resolve("parcours/tools/parcours_tools_bg.wasm"))));
    const cases = JSON.parse(readFileSync(process.argv[2], "utf8")).evalCondition;
    const failed = cases.filter(([, c, a, want, g]) => evalCondition(c, a, g ?? {}) !== want).map((c) => c[0]);
    const eng = Engine.fromRules(JSON.parse(readFileSync(process.argv[3], "utf8")));
    const ctx = eng.contextFor({ page: { path: "/products.html" }, now: Date.UTC(2026, 11, 1) });
    console.log(JSON.stringify({ cases: cases.length, failed, version: eng.version, segments: eng.segments(ctx), decided: eng.decide(ctx, "page_view").length }));`;
  writeFileSync(join(dir, "node.mjs"), script);
  const cases = join(ROOT, "../shared/conformance/growthbook-cases.json");
  const rules = join(ROOT, "tests/e2e/fixtures/rules.json");
  const out = JSON.parse(execFileSync("node", ["node.mjs", cases, rules], { cwd: dir, encoding: "utf8" }));
  assert.equal(out.cases, 248);
  assert.deepEqual(out.failed, []);
  assert.equal(out.version, "e2e-fixtures#1");
  assert.ok(Array.isArray(out.segments));
});

test("bundled by esbuild: load() inserts the pinned script and resolves to the live API in Chromium", async () => {
  const dist = join(dir, "dist");
  writeFileSync(join(dir, "app.js"), `
    import { load, INTEGRITY } from "parcours";
    load({ writeKey: "demo", datalayer: "off" }).then(async (p) => {
      window.__result = { ready: await p.ready(), live: !Array.isArray(window.parcours), same: p === window.parcours,
        datalayerOff: document.querySelector('script[src$="parcours.js"]').dataset.datalayer === "off"
          && Object.getOwnPropertyDescriptor(window, "dataLayer") === undefined,
        integrity: document.querySelector('script[src$="parcours.js"]').integrity === INTEGRITY };
    }, (e) => (window.__result = { error: String(e) }));`);
  await build({ entryPoints: [join(dir, "app.js")], bundle: true, format: "esm", outfile: join(dist, "app.js"), absWorkingDir: dir, logLevel: "warning" });
  cpSync(join(dir, "node_modules/parcours"), dist, { recursive: true, filter: (f) => !f.endsWith("package.json") });
  writeFileSync(join(dist, "index.html"), `<!doctype html><title>npm</title><script type="module" src="app.js"></script>`);

  const types = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm" };
  const context = await browser.newContext();
  await context.route("**/npm/**", (route) => {
    const file = join(dist, new URL(route.request().url()).pathname.slice("/npm/".length));
    route.fulfill({ body: readFileSync(file), contentType: types[extname(file)] });
  });
  const page = await context.newPage();
  const errors = await watchErrors(page);
  await page.goto(`${server.url}/npm/index.html`);
  const result = await page.waitForFunction(() => window.__result, null, { timeout: 15000 }).then((h) => h.jsonValue());
  assert.equal(result.error, undefined);
  assert.equal(result.ready.rules, "network");
  assert.ok(result.live && result.same, "resolves to the live window.parcours");
  assert.ok(result.integrity, "the script is pinned by its SRI hash");
  assert.ok(result.datalayerOff, "load({ datalayer: \"off\" }) leaves the dataLayer alone");
  assert.deepEqual(errors, []);
  await context.close();
});

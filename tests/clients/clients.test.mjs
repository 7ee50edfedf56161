// Real clients against the real server: RudderStack's Node SDK (gzip bodies,
// Basic auth with the write key as user) and Segment's, each sending every
// message type. Messages carry an anonymousId: userId-only messages need the
// site's source key, which these clients cannot send as a password.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { Analytics as Segment } from "@segment/analytics-node";

const require = createRequire(import.meta.url);
const Rudder = require("@rudderstack/rudder-sdk-node");
const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const BIN = process.env.PARCOURS_SERVER_BIN ?? join(ROOT, "target/debug/parcours-server");

let server, url, dir;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "parcours-clients-"));
  writeFileSync(join(dir, "sites.toml"), "[sites.rudder]\n[sites.segment]\n");
  server = spawn(BIN, ["serve", "--listen", "127.0.0.1:0", "--database", join(dir, "db.sqlite3"),
    "--sites", join(dir, "sites.toml")], { stdio: ["ignore", "pipe", "inherit"] });
  url = await new Promise((resolve, reject) => {
    let out = "";
    server.on("exit", (code) => reject(new Error(`server exited with ${code}: ${out}`)));
    server.stdout.on("data", (c) => {
      out += c;
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) resolve(m[1]);
    });
  });
});

after(async () => {
  server.kill("SIGTERM");
  await new Promise((r) => (server.exitCode !== null ? r() : server.once("exit", r)));
  rmSync(dir, { recursive: true, force: true });
});

function stored(key) {
  const out = execFileSync(BIN, ["events", "--database", join(dir, "db.sqlite3"), "--write-key", key], { encoding: "utf8" });
  return out.split("\n").filter(Boolean).map((l) => JSON.parse(l));
}

async function eventually(fn, ms = 15000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = fn();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 200));
  }
  return fn();
}

function sendAll(client, anonymousId) {
  client.track({ anonymousId, event: "Product Viewed", properties: { sku: "T1" } });
  client.page({ anonymousId, name: "Home" });
  client.screen({ anonymousId, name: "Cart" });
  client.identify({ anonymousId, userId: "u-1", traits: { plan: "vip" } });
  client.group({ anonymousId, userId: "u-1", groupId: "g-1" });
  client.alias({ anonymousId, userId: "u-1", previousId: "old-id" });
}

const TYPES = ["alias", "group", "identify", "page", "screen", "track"];

test("RudderStack's Node SDK (gzip, Basic user) stores every message type", async () => {
  const client = new Rudder("rudder", { dataPlaneUrl: url, flushAt: 6, flushInterval: 200, retryCount: 0 });
  sendAll(client, "anon-rudder");
  await client.flush();
  const events = await eventually(() => { const e = stored("rudder"); return e.length >= 6 && e; });
  assert.deepEqual(events.map((e) => e.type).sort(), TYPES);
});

test("Segment's Node SDK stores every type; its alias (userId, no anonymousId) needs the source key", async () => {
  const client = new Segment({ writeKey: "segment", host: url, flushAt: 6, maxRetries: 0 });
  sendAll(client, "anon-segment");
  await client.closeAndFlush({ timeout: 10000 });
  const events = await eventually(() => { const e = stored("segment"); return e.length >= 5 && e; }) || stored("segment");
  // Segment's alias() drops the anonymousId: a userId-only message, refused without the source key.
  assert.deepEqual(events.map((e) => e.type).sort(), TYPES.filter((t) => t !== "alias"));
});

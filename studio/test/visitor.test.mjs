// The simulated visitor, read by the real tools wasm under Node: each preset
// gives the engine the visitor it says (stage, session, computed traits).
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, existsSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { PRESETS, buildVisitor, contextInput, channelOf, recordExposure, DAY } from "../src/visitor.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const TOOLS = join(ROOT, "pkg/tools");
const NOW = Date.parse("2026-12-03T10:00:00Z");
const RULES = {
  traits: [
    { id: "spend_365d", event: "Order Completed", aggregate: "sum", property: "revenue", window_days: 365 },
    { id: "products_added_30d", event: "Product Added", aggregate: "count", window_days: 30 },
    { id: "days_to_birthday", aggregate: "days_until_anniversary", trait: "birthday" },
    { id: "preferred_channel", event: "Session Started", aggregate: "most_frequent", property: "channel" },
  ],
  segments: [{ id: "vip", condition: { "computed.spend_365d": { $gte: 500 } } }],
};
let engine;
before(async () => {
  if (!existsSync(join(TOOLS, "parcours_tools_bg.wasm"))) return;
  const tools = await import(join(TOOLS, "index.js"));
  await tools.init(readFileSync(join(TOOLS, "parcours_tools_bg.wasm")));
  engine = tools.Engine.fromRules(RULES);
});
const ctx = (key) => engine.contextFor({ ...contextInput({ ...PRESETS[key].make(NOW), tz: 60 }) });

test("channels as docs/context.md lists them", () => {
  assert.equal(channelOf("utm_source=affiche&utm_medium=qr&store=paris-11", ""), "store_qr");
  assert.equal(channelOf("store=paris-11", ""), "store_qr");
  assert.equal(channelOf("utm_medium=email", ""), "email");
  assert.equal(channelOf("gclid=x", ""), "paid");
  assert.equal(channelOf("", "https://www.google.fr/"), "organic");
  assert.equal(channelOf("", ""), "direct");
});

test("past events are cut into sessions, each with a Session Started, the current page last", () => {
  const sim = PRESETS.cart.make(NOW);
  const v = buildVisitor(sim);
  assert.equal(v.profile.visits, 2);
  assert.equal(v.profile.history.filter((h) => h[1] === "Session Started").length, 2);
  assert.equal(v.profile.session.start_ms, NOW);
  assert.equal(v.profile.previous_session_start_ms, NOW - 26 * 3600e3);
  const later = buildVisitor({ ...sim, events: [...sim.events, { name: "Future", type: "track", at: NOW + DAY, properties: {} }] });
  assert.ok(!later.profile.history.some((h) => h[1] === "Future"), "events after the clock are not there yet");
});

test("the engine reads each preset as the visitor it is meant to be", { skip: !existsSync(join(TOOLS, "parcours_tools_bg.wasm")) && "pkg/tools not built" }, () => {
  const fresh = ctx("new");
  assert.equal(fresh.lifecycle, "new");
  assert.equal(fresh.session.is_first, true);
  assert.equal(fresh.visit.count, 1);
  const lapsed = ctx("lapsed");
  assert.equal(lapsed.lifecycle, "lapsed");
  assert.equal(lapsed.visit.days_since_previous, 150);
  assert.equal(lapsed.session.channel, "email");
  const vip = ctx("vip");
  assert.ok(vip.computed.spend_365d >= 500, JSON.stringify(vip.computed));
  assert.deepEqual(engine.segments(vip), ["vip"]);
  assert.equal(ctx("cart").computed.products_added_30d, 1);
  assert.equal(ctx("birthday").computed.days_to_birthday, 5);
  const qr = ctx("qr");
  assert.equal(qr.session.channel, "store_qr");
  assert.equal(qr.device.type, "mobile");
  assert.equal(qr.computed.preferred_channel, "store_qr");
});

test("a campaign the visitor saw counts for its frequency cap and the pressure cap", { skip: !existsSync(join(TOOLS, "parcours_tools_bg.wasm")) && "pkg/tools not built" }, async () => {
  const tools = await import(join(TOOLS, "index.js"));
  const rules = {
    pressure: { max_per_session: 1 },
    campaigns: [
      { id: "hello", trigger: { on: "page_view" }, placement: "popin", priority: 2, frequency: { max_impressions: 1 }, variants: [{ id: "a" }] },
      { id: "later", trigger: { on: "page_view" }, placement: { type: "banner", position: "top" }, variants: [{ id: "a" }] },
    ],
  };
  const why = (sim) => Object.fromEntries(tools.explain({ rules, ...contextInput(sim) }).map((x) => [x.campaign_id, x]));
  let sim = PRESETS.new.make(NOW);
  const first = why(sim);
  assert.equal(first.hello.verdict, "shown");
  assert.equal(first.later.reason?.lost_to ?? first.later.reason?.step, "hello", "one pressure slot this session: the higher priority takes it");
  sim = recordExposure(sim, first.hello);
  const again = why(sim);
  assert.deepEqual([again.hello.reason.step, again.hello.reason.cap, again.hello.reason.count], ["frequency", "max_impressions", 1]);
  assert.deepEqual([again.later.reason.step, again.later.reason.cap], ["pressure", "max_per_session"]);
  sim = recordExposure(sim, first.hello, "dismissed");
  assert.equal(sim.exposures.campaigns.hello.dismissed, true);
});

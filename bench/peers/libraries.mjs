// The libraries compared, each as a site owner adds it: the files it serves,
// and the page head that loads it with an `async` script tag, inits it as its
// documentation says and marks its own ready signal.
//
// Marks (performance.now(), from navigation start) set by every page:
//   load      the script element's `load` event (fetched and run; PostHog
//             inits inside its script, so its ready comes before this)
//   ready     the library's own ready signal
//   decision  the first decision (Parcours' `decision` event, GrowthBook's
//             `isOn` after `init()`); trackers have none
//   started   Parcours only: the microtask after the live API replaced the
//             queue, i.e. `start()` returned (with cached rules the page view
//             has been decided by then)
import { join } from "node:path";

/** Runs first in every page: the marks, long tasks and errors. */
const INSTRUMENT = `
(function () {
  var B = window.__b = { marks: {}, info: {}, longtasks: [], errors: [], longtaskObserver: true };
  B.mark = function (k) { if (!(k in B.marks)) B.marks[k] = performance.now(); };
  var settle;
  B.done = new Promise(function (r) { settle = r; });
  B.ready = function (info) { B.mark("ready"); if (info) B.info = info; settle(); };
  B.fail = function (why) { B.failed = B.failed || String(why); settle(); };
  window.addEventListener("error", function (e) { B.errors.push(String(e.message || e)); });
  try {
    new PerformanceObserver(function (list) {
      list.getEntries().forEach(function (e) { B.longtasks.push([e.startTime, e.duration]); });
    }).observe({ type: "longtask", buffered: true });
  } catch (e) { B.longtaskObserver = false; }
})();`;

const PRODUCT = `{ sku: "TSHIRT-1", price: 25, category: "tshirts" }`;

/** The page: the instrumentation, then the library's head, then a small catalogue. */
export function page(title, head) {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title}</title><link rel="icon" href="data:,">
<script>${INSTRUMENT}</script>
${head}
</head><body><h1>Products</h1><ul>${["T-shirt", "Sweater", "Cap"].map((p) => `<li>${p}</li>`).join("")}</ul></body></html>`;
}

/**
 * The libraries. `mounts` maps URL prefixes to folders on disk; `head(ctx)`
 * gets `{ origin, scenario, endpoint }` (scenario "503": every endpoint a
 * library calls answers 503; "rules": rules or features are served).
 */
export function libraries({ peers, pkgDir, buildDir, versions }) {
  const nm = (p) => join(peers, "node_modules", p);
  return [
    {
      id: "parcours",
      script: "/pkg/parcours.js",
      name: "Parcours",
      version: versions.parcours,
      files: "pkg/*.js + pkg/*.wasm, as `cargo xtask size` counts (cargo xtask build)",
      mounts: [["/pkg/", pkgDir]],
      ready: "`parcours.ready()` resolved; first decision: its `decision` event, or with cached rules the end of `start()`",
      head: ({ endpoint }) => `<script>
  window.parcours = window.parcours || [];
  (function () {
    // Marks when the live API replaces the queue, once start() has returned.
    var v = window.parcours;
    Object.defineProperty(window, "parcours", { configurable: true, get: function () { return v; }, set: function (x) {
      v = x;
      if (!Array.isArray(x)) queueMicrotask(function () { __b.mark("started"); });
    } });
  })();
  parcours.push(["on", "decision", function () { __b.mark("decision"); }]);
  parcours.push(["track", "Product Viewed", ${PRODUCT}]);
</script>
<script async src="/pkg/parcours.js" data-write-key="demo"${endpoint ? ` data-endpoint="${endpoint}"` : ""}
  onload="__b.mark('load'); parcours.ready().then(function (r) { __b.ready(r); })" onerror="__b.fail('script')"></script>`,
    },
    {
      id: "growthbook",
      script: "/growthbook/index.min.js",
      name: "GrowthBook",
      npm: "@growthbook/growthbook",
      version: versions["@growthbook/growthbook"],
      files: "dist/bundles/index.min.js (the UMD script-tag bundle, global `growthbook`)",
      mounts: [["/growthbook/", nm("@growthbook/growthbook/dist/bundles")]],
      ready: "`init()` resolved, then one `isOn()` (the first decision)",
      head: ({ origin, scenario }) => `<script>
  function __init() {
    var gb = new growthbook.GrowthBook({ apiHost: "${origin}", clientKey: "${scenario === "rules" ? "sdk-bench" : "sdk-503"}",
      attributes: { id: "visitor-1", url: location.href } });
    gb.init({ timeout: 2000 }).then(function (r) {
      var on = gb.isOn("welcome-popin");
      __b.mark("decision");
      __b.ready({ source: r.source, success: r.success, on: on });
    });
  }
</script>
<script async src="/growthbook/index.min.js" onload="__b.mark('load'); __init()" onerror="__b.fail('script')"></script>`,
    },
    {
      id: "segment",
      script: "/analytics-next/bundles/standalone.js",
      name: "Segment",
      npm: "@segment/analytics-next",
      version: versions["@segment/analytics-next"],
      files: "dist/umd/standalone.js (what the CDN snippet loads) + the chunks it fetched; its settings are served (it does not start without them)",
      mounts: [["/analytics-next/bundles/", nm("@segment/analytics-next/dist/umd")]],
      ready: "`analytics.ready` callback",
      head: ({ origin }) => `<script>
  (function () {
    var a = window.analytics = window.analytics || [];
    a.methods = ["track", "identify", "page", "ready", "reset", "group", "alias", "on", "off", "once"];
    a.factory = function (m) { return function () { var args = [].slice.call(arguments); args.unshift(m); a.push(args); return a; }; };
    a.methods.forEach(function (m) { a[m] = a.factory(m); });
    a._writeKey = "bench"; a._cdn = "${origin}"; a.SNIPPET_VERSION = "5.2.0";
    a.ready(function () { __b.ready(); });
    a.page();
    a.track("Product Viewed", ${PRODUCT});
  })();
</script>
<script async src="/analytics-next/bundles/standalone.js" onload="__b.mark('load')" onerror="__b.fail('script')"></script>`,
    },
    {
      id: "snowplow",
      script: "/snowplow/index.umd.min.js",
      name: "Snowplow",
      npm: "@snowplow/browser-tracker",
      version: versions["@snowplow/browser-tracker"],
      files: "dist/index.umd.min.js (UMD bundle, global `snowplowBrowserTracking`)",
      mounts: [["/snowplow/", nm("@snowplow/browser-tracker/dist")]],
      ready: "`newTracker()` returned, then `trackPageView()`",
      head: ({ origin }) => `<script>
  function __init() {
    var sp = snowplowBrowserTracking;
    if (!sp.newTracker("sp", "${origin}", { appId: "bench", eventMethod: "post" })) return __b.fail("newTracker");
    __b.ready();
    sp.trackPageView();
  }
</script>
<script async src="/snowplow/index.umd.min.js" onload="__b.mark('load'); __init()" onerror="__b.fail('script')"></script>`,
    },
    {
      id: "posthog",
      script: "/posthog/static/array.js",
      name: "PostHog",
      npm: "posthog-js",
      version: versions["posthog-js"],
      files: "dist/array.js (what the snippet loads); dist/surveys.js counted separately (loaded on demand when surveys are on)",
      mounts: [["/posthog/static/", nm("posthog-js/dist")]],
      extra: [{ label: "PostHog surveys extension", file: nm("posthog-js/dist/surveys.js"), note: "dist/surveys.js, loaded on demand when a survey is active: not loaded in the cold start" }],
      ready: "`loaded` callback of `posthog.init`, then one `capture()`",
      head: ({ origin }) => `<script>
  // The snippet's queue without its script insertion (the tag below loads array.js).
  (function (e) {
    window.posthog = e; e._i = []; e.__SV = 1; e.people = [];
    "capture identify register reset".split(" ").forEach(function (m) { e[m] = function () { e.push([m].concat([].slice.call(arguments))); }; });
    e._i.push(["phc_bench", { api_host: "${origin}", loaded: function (ph) { __b.ready(); ph.capture("Product Viewed", ${PRODUCT}); } }, undefined]);
  })(window.posthog || []);
</script>
<script async src="/posthog/static/array.js" onload="__b.mark('load')" onerror="__b.fail('script')"></script>`,
    },
    {
      id: "braze",
      script: "/braze/braze.js",
      name: "Braze",
      npm: "@braze/web-sdk",
      version: versions["@braze/web-sdk"],
      files: "no browser bundle in the npm package: bench/peers/entries/braze.js (initialize, automaticallyShowInAppMessages, openSession, logCustomEvent) bundled by esbuild, minified",
      mounts: [["/braze/", buildDir]],
      ready: "`initialize()` + `openSession()` returned",
      head: ({ origin }) => `<script async src="/braze/braze.js" onload="__b.mark('load'); __benchBraze('${origin}', function () { __b.ready(); })" onerror="__b.fail('script')"></script>`,
    },
    {
      // The floor: the same page and tag around an empty file.
      id: "floor",
      script: "/floor/empty.js",
      name: "(empty script)",
      version: "",
      files: "an empty .js file: the page, the tag and this machine's floor",
      mounts: [["/floor/", buildDir]],
      ready: "the script's load event",
      noSize: true,
      head: () => `<script async src="/floor/empty.js" onload="__b.mark('load'); __b.ready()" onerror="__b.fail('script')"></script>`,
    },
  ];
}

/** GrowthBook's features for the "rules served" scenario: one feature like the demo's welcome pop-in. */
export const GROWTHBOOK_FEATURES = {
  status: 200,
  features: {
    "welcome-popin": { defaultValue: false, rules: [{ condition: { url: { $regex: "/products" } }, force: true }] },
  },
  dateUpdated: "2026-01-01T00:00:00.000Z",
};

/** Segment's CDN settings: events go to the bench's own collector (which answers 503). */
export function segmentSettings(host) {
  return {
    integrations: { "Segment.io": { apiKey: "bench", apiHost: `${host}/v1`, protocol: "http" } },
    plan: { track: { __default: { enabled: true } } },
    metrics: { sampleRate: 0 },
  };
}

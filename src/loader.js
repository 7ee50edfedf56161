// Parcours loader: runs inside pkg/parcours.js's function scope, with
// `wasm_bindgen` (the no-modules glue) and `__parcoursScript`
// (`document.currentScript` while this script ran) in scope.
//
// - Options come from our own script element: `document.currentScript`, or,
//   where the page hides it, the last `script[src*="parcours.js"]` (a tag
//   manager inserting the tag late, with `async = false` or not).
// - One loader per page: a second copy of the tag (a tag manager firing it
//   twice) finds `window.parcours` taken and does nothing.
// - Until the wasm runs, every method is a stub: calls are queued in order;
//   `forget()` returns a Promise the SDK settles when it replays the call;
//   `decide`, `explain` and `profile` return a Promise of their answer once
//   `ready()` resolved (queued calls applied, rules loaded); `flag`, which
//   answers synchronously, answers `null` (not ready). Stubs kept by the
//   host keep working after load: they forward to the live API.
// - `tools()` loads the tools module (`tools/parcours_tools.js`, an ES module,
//   and its wasm, next to this script) on first use, before or after the SDK
//   loaded, and resolves to `{ Engine, evalCondition }`; the SDK's
//   `explain()` asks the same module for its answer.
// - `ready()` resolves exactly once with `{ rules, version }`, also when the
//   wasm cannot load (`{ rules: "none", version: null }`). Nothing throws.
// - The rules are asked for at once, while the wasm loads, with the cached
//   rules' ETag (`If-None-Match`); the SDK takes that answer instead of
//   asking itself (src/sdk/rules.rs).
var TAKEN = "__parcoursLoader", NOT_LOADED = { rules: "none", version: null };
// The build's hash of the files below (xtask/src/build.rs): their URLs
// change with their content, so they can be cached without revalidation.
var FILES = "?v=__PARCOURS_FILES_VERSION__";
var q = window.parcours = window.parcours || [];
if (q[TAKEN]) {
  if (window.console && ownOptions().debug != null) console.warn("[parcours] loaded twice; the second copy does nothing");
} else if (Array.isArray(q)) {
  mark(q);
  load(q);
} else {
  // Not our queue: the SDK replaces it (as it always did).
  load(null);
}

function ownScript() {
  if (__parcoursScript) return __parcoursScript;
  var all = document.querySelectorAll('script[src*="parcours.js"]');
  return all[all.length - 1] || null;
}

function ownOptions() {
  var s = ownScript();
  return (s && s.dataset) || {};
}

function mark(o) {
  try { Object.defineProperty(o, TAKEN, { value: true }); } catch (e) { /* frozen by the host: harmless */ }
}

function load(queue) {
  var s = ownScript() || {}, d = s.dataset || {}, dbg = d.debug != null && d.debug !== "false";
  var src = s.src || location.href, pending = [], done, toolsModule;
  var ready = new Promise(function (r) { done = r; });
  // The tools module, imported and initialised once (again after a failure).
  var loadTools = function () {
    return toolsModule || (toolsModule = import(new URL("tools/parcours_tools.js" + FILES, src).href).then(function (m) {
      return m.default({ module_or_path: new URL("tools/parcours_tools_bg.wasm" + FILES, src) }).then(function () { return m; });
    }).catch(function (e) {
      toolsModule = null;
      throw e;
    }));
  };
  var tools = function () {
    return loadTools().then(function (m) { return { Engine: m.Engine, evalCondition: m.evalCondition }; });
  };
  // The live API once the SDK replaced the queue, else null.
  var live = function () {
    var p = window.parcours;
    return p && p !== queue && !Array.isArray(p) ? p : null;
  };
  if (queue) stub(queue);
  var endpoint = (d.endpoint || new URL(src, location.href).origin).replace(/\/+$/, ""), rules = null;

  Promise.resolve().then(function () {
    var loading = wasm_bindgen({ module_or_path: new URL("parcours_bg.wasm" + FILES, src) });
    // Right after the wasm's request, not before it: the wasm is the longer wait.
    if (d.writeKey) rules = askRules(endpoint, d.writeKey);
    return loading;
  }).then(function () {
    wasm_bindgen.start({
      writeKey: d.writeKey || "",
      endpoint: endpoint,
      consent: d.consent === "required" || d.consent === "gtag" ? d.consent : "granted",
      debug: dbg,
      datalayer: d.datalayer || "",
      cookieDomain: d.cookieDomain || "",
      watchDataLayer: watchDataLayer,
      tools: loadTools,
      rules: rules
    });
    var p = live();
    if (!p) throw new Error("the SDK did not start");
    mark(p);
    p.tools = tools;
    done(p.ready());
  }).catch(function (e) {
    if (dbg && window.console) console.error("[parcours] could not load", e);
    done(NOT_LOADED);
    // Queued forget() calls will never be replayed: nothing was erased.
    pending.forEach(function (resolve) { resolve(false); });
  });

  function stub(queue) {
    var slice = [].slice;
    var later = function (m, args) {
      var p = live();
      if (p) return p[m].apply(p, args);
      queue.push([m].concat(slice.call(args)));
    };
    "track page identify alias reset consent on off".split(" ").forEach(function (m) {
      queue[m] = function () { return later(m, arguments); };
    });
    queue.forget = function () {
      var p = live();
      if (p) return p.forget();
      var cmd = ["forget"];
      return new Promise(function (resolve) {
        // api.rs `start` calls a queued command's `resolve` with its answer.
        Object.defineProperty(cmd, "resolve", { value: resolve });
        pending.push(resolve);
        queue.push(cmd);
      });
    };
    // What they answer when the SDK could not load: nothing decided, no profile.
    "decide explain profile".split(" ").forEach(function (m) {
      queue[m] = function () {
        var args = arguments, p = live();
        if (p) return p[m].apply(p, args);
        return ready.then(function () {
          var p = live();
          return p ? p[m].apply(p, args) : m === "profile" ? null : [];
        });
      };
    });
    queue.flag = function () {
      var p = live();
      return p ? p.flag.apply(p, arguments) : null;
    };
    queue.ready = function () { return ready; };
    queue.tools = tools;
  }
}

// `GET /v1/rules` as the SDK sends it (no HTTP cache; `If-None-Match` with
// the ETag at the head of the cached rules, written first by the SDK), or
// null for a draft link (the SDK asks for the draft). `{ url, etag,
// response }`: the SDK takes the response only for the same URL and ETag.
function askRules(endpoint, writeKey) {
  if (/[?&]parcours_draft=/.test(location.search) || typeof fetch !== "function") return null;
  var etag = null, init = { cache: "no-store" };
  try {
    var m = /^\{"etag":("(?:[^"\\]|\\.)*")/.exec(localStorage.getItem("parcours:rules") || "");
    if (m) etag = JSON.parse(m[1]);
  } catch (e) { /* no storage: nothing to revalidate */ }
  if (etag) init.headers = { "if-none-match": etag };
  var url = endpoint + "/v1/rules?writeKey=" + encodeURIComponent(writeKey);
  try {
    var response = fetch(url, init);
    // The SDK reports a failure; unused (the wasm did not load), it is no unhandled rejection.
    response.catch(function () {});
    return { url: url, etag: etag, response: response };
  } catch (e) {
    return null;
  }
}

// The GA4 bridge's hook (src/datalayer.rs): calls `seen(array)` with the
// window's `dataLayer` now, each time the page assigns a new one (an
// accessor on `window`, so a `dataLayer` created after Parcours is seen too),
// and after each `push`, which keeps its arguments and return value. Returns
// the function that stops the reports. Nothing is ever pushed by Parcours.
function watchDataLayer(seen) {
  var on = true, current = window.dataLayer;
  var tell = function (a) {
    if (on) try { seen(a); } catch (e) { /* never into the page */ }
  };
  var adopt = function (a) {
    current = a;
    if (a && typeof a.push === "function" && !a.push.__parcours) {
      var original = a.push;
      var push = function () {
        var r = original.apply(this, arguments);
        tell(a);
        return r;
      };
      push.__parcours = true;
      try { a.push = push; } catch (e) { /* frozen: entries at start only */ }
    }
    tell(a);
  };
  try {
    Object.defineProperty(window, "dataLayer", {
      configurable: true, enumerable: true,
      get: function () { return current; },
      set: adopt
    });
  } catch (e) { /* a page's `var dataLayer`: that array only */ }
  adopt(current);
  return function () { on = false; };
}

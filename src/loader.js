// Parcours loader: runs inside pkg/parcours.js's function scope, with
// `wasm_bindgen` (the no-modules glue) and `__parcoursScript` (the script tag) in scope.
var s = __parcoursScript || {}, d = s.dataset || {}, dbg = d.debug != null && d.debug !== "false";
var src = s.src || location.href, q = window.parcours = window.parcours || [], done;
// Until the wasm is ready, calls on the queue are queued too; ready() waits for the real one.
if (Array.isArray(q)) {
  "track page identify reset consent forget on off".split(" ").forEach(function (m) {
    q[m] = q[m] || function () { q.push([m].concat([].slice.call(arguments))); };
  });
  var ready = new Promise(function (r) { done = r; });
  q.ready = function () { return ready; };
}
wasm_bindgen({ module_or_path: new URL("parcours_bg.wasm", src) }).then(function () {
  wasm_bindgen.start({
    writeKey: d.writeKey || "",
    endpoint: d.endpoint || new URL(src, location.href).origin,
    consent: d.consent === "required" ? "required" : "granted",
    debug: dbg
  });
  var p = window.parcours;
  if (p && !Array.isArray(p)) { p.evalCondition = wasm_bindgen.evalCondition; p.Engine = wasm_bindgen.Engine; }
  if (done) done(p.ready());
}).catch(function (e) {
  if (dbg) console.error("[parcours] could not load", e);
  if (done) done({ rules: "none", loaded: false });
});

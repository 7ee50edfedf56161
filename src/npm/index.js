// `import { load } from "parcours"`: the script tag's SDK for bundled sites.
// `load(options)` inserts the classic async script (`parcours.js`, next to
// this module unless `options.src` says where) with the options as its
// `data-*` attributes, pinned by its SRI hash, and resolves to the live
// `window.parcours` once `ready()` resolved. Browser only.

/** SRI hash of the `parcours.js` built with this module (written by `cargo xtask build`). */
export const INTEGRITY = "__PARCOURS_SRI__";

const DATA = { writeKey: "writeKey", endpoint: "endpoint", consent: "consent", debug: "debug", datalayer: "datalayer", cookieDomain: "cookieDomain" };
let loading = null;

export function load(options = {}) {
  if (loading) return loading;
  const w = window;
  const own = !options.src;
  const src = options.src || new URL("parcours.js", import.meta.url || document.baseURI).href;
  loading = new Promise((resolve, reject) => {
    const q = w.parcours;
    if (q && typeof q.ready === "function") return resolve(q.ready().then(() => w.parcours));
    const s = document.createElement("script");
    s.async = true;
    s.src = src;
    for (const [key, attr] of Object.entries(DATA)) {
      const v = options[key];
      if (v === undefined || v === null || v === false) continue;
      s.dataset[attr] = v === true ? "" : String(v);
    }
    const integrity = options.integrity || (own ? INTEGRITY : "");
    if (integrity) {
      s.integrity = integrity;
      s.crossOrigin = "anonymous";
    }
    s.onload = () => resolve(w.parcours.ready().then(() => w.parcours));
    s.onerror = () => {
      loading = null;
      reject(new Error(`parcours: could not load ${src}`));
    };
    (document.head || document.documentElement).appendChild(s);
  });
  return loading;
}

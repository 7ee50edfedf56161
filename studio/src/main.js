// The studio's entry point: reads the site from the URL, loads its rules and
// the wasm engine, and wires the panels together.
import { api } from "./api.js";

const params = new URLSearchParams(location.search);
const writeKey = params.get("writeKey") || "demo";

document.getElementById("site-key").textContent = writeKey;
const state = document.getElementById("rules-state");
api(writeKey).rules().then(
  (r) => { state.textContent = `published version ${r.etag}`; },
  (e) => { state.textContent = `cannot load the rules: ${e.message}`; },
);

// `import { init, Engine, evalCondition } from "parcours/tools"`: the tools
// module (preview tools, explanations, benchmarks) for bundlers and Node.
// `await init()` fetches `parcours_tools_bg.wasm` next to this file (browser);
// in Node pass its bytes: `await init(readFileSync(wasmPath))`.
import initWasm, { Engine, evalCondition, explain, logDecision } from "./parcours_tools.js";

export { Engine, evalCondition, explain, logDecision };

/** Instantiates the tools wasm from bytes, a `Response`, a URL or (default) the file next to this module. */
export async function init(wasm) {
  await initWasm(wasm === undefined ? undefined : { module_or_path: wasm });
}

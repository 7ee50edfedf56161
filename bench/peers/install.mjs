// The peers pinned in bench/peers/package.json (and its lock file), installed
// with `npm ci` into the git-ignored bench/peers/node_modules when an
// installed version differs from its pin. Shared by every bench that runs a peer.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** bench/peers/: its package.json pins the peers, its node_modules holds them. */
export const PEERS_DIR = dirname(fileURLToPath(import.meta.url));

/** The pinned versions, by package name. */
export const PINNED = JSON.parse(readFileSync(join(PEERS_DIR, "package.json"), "utf8")).devDependencies;

function installedVersion(name) {
  try { return JSON.parse(readFileSync(join(PEERS_DIR, "node_modules", name, "package.json"), "utf8")).version; } catch { return null; }
}

/** Runs `npm ci` in bench/peers unless every pin is installed already. */
export function installPeers(progress = () => {}) {
  if (Object.entries(PINNED).every(([n, v]) => installedVersion(n) === v)) return;
  progress("installing the peers (npm ci in bench/peers)");
  const r = spawnSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: PEERS_DIR, stdio: "inherit" });
  if (r.status !== 0) throw new Error("npm ci in bench/peers failed");
}

// The bench's one static server on loopback: the pages, each library's files
// (uncompressed, `Cache-Control: no-cache` with an ETag, as the Parcours
// server sends its static files, so a returning visitor revalidates with
// 304; a URL with `?v=` in its query, as the Parcours loader names the wasm
// by its content hash, is `immutable` as the Parcours server sends it),
// Segment's settings and GrowthBook's features when served, and 503 for
// everything else: every collector and rules endpoint the libraries call.
import { createServer } from "node:http";
import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { join, normalize } from "node:path";

const TYPES = { js: "text/javascript; charset=utf-8", mjs: "text/javascript; charset=utf-8", wasm: "application/wasm", json: "application/json", html: "text/html; charset=utf-8", css: "text/css" };

/**
 * Starts the server. `routes` maps exact paths to `{ body, type }` (pages,
 * JSON); `mounts` is a list of `[prefix, dir]`. Resolves to
 * `{ origin, host, log, close }`; `log` lists `{ method, path, status, file, bytes }`.
 */
export async function serve({ routes, mounts }) {
  const log = [];
  const cache = new Map(); // file → { body, etag }
  const file = (path) => {
    for (const [prefix, dir] of mounts) {
      if (!path.startsWith(prefix)) continue;
      const rel = normalize(decodeURIComponent(path.slice(prefix.length)));
      if (rel.startsWith("..")) return null;
      const f = join(dir, rel);
      try { if (!statSync(f).isFile()) return null; } catch { return null; }
      if (!cache.has(f)) {
        const body = readFileSync(f);
        cache.set(f, { body, etag: `"${createHash("sha1").update(body).digest("hex").slice(0, 16)}"` });
      }
      return { f, ...cache.get(f) };
    }
    return null;
  };
  const server = createServer((req, res) => {
    const url = new URL(req.url, "http://x"), path = url.pathname;
    const versioned = !!url.searchParams.get("v");
    const entry = { method: req.method, path, status: 503, file: null, bytes: 0 };
    log.push(entry);
    const route = req.method === "GET" && routes.get(path);
    const hit = req.method === "GET" && !route && file(path);
    let body = Buffer.alloc(0), type = "text/plain", etag = null;
    if (route) {
      body = Buffer.from(route.body);
      type = route.type;
      etag = `"${createHash("sha1").update(body).digest("hex").slice(0, 16)}"`;
    } else if (hit) {
      body = hit.body;
      type = TYPES[hit.f.split(".").pop()] ?? "application/octet-stream";
      etag = hit.etag;
      entry.file = hit.f;
    }
    // Drain what was posted (collectors answer after reading the body).
    req.resume();
    req.on("end", () => {
      if (!etag) {
        res.writeHead(503, { "content-type": "text/plain" });
        return res.end("bench: collector unavailable");
      }
      const headers = { "content-type": type, "cache-control": hit && versioned ? "public, max-age=31536000, immutable" : "no-cache", etag };
      if (req.headers["if-none-match"] === etag) {
        entry.status = 304;
        res.writeHead(304, headers);
        return res.end();
      }
      entry.status = 200;
      entry.bytes = body.length;
      res.writeHead(200, { ...headers, "content-length": body.length });
      res.end(body);
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address();
  return {
    origin: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    log,
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(r); }),
  };
}

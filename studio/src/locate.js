// JSON paths and text positions: where `$.campaigns[2].variants[0].id` is in
// the editor's text, so an engine error is drawn at its line.
//
// `parsePath` reads the engine's paths (`.key`, `["quoted key"]`, `[3]`);
// `locate` scans the JSON text itself (no JSON.parse, so every offset is
// exact) and answers the range of the deepest value the path reaches: a
// missing field (`$.campaigns[0].id` on a campaign without an id) is drawn
// on the object that lacks it. Unparseable text locates at its start.

/** `$.a[2]["b.c"]` → `["a", 2, "b.c"]`. */
export function parsePath(path) {
  const out = [];
  let i = path.startsWith("$") ? 1 : 0;
  while (i < path.length) {
    if (path[i] === ".") {
      let j = i + 1;
      while (j < path.length && path[j] !== "." && path[j] !== "[") j++;
      out.push(path.slice(i + 1, j));
      i = j;
    } else if (path[i] === "[" && path[i + 1] === '"') {
      let j = i + 2, key = "";
      while (j < path.length && path[j] !== '"') {
        if (path[j] === "\\") j++;
        key += path[j++];
      }
      out.push(key);
      i = j + 2; // past `"]`
    } else if (path[i] === "[") {
      const j = path.indexOf("]", i);
      out.push(Number(path.slice(i + 1, j < 0 ? undefined : j)));
      i = j < 0 ? path.length : j + 1;
    } else {
      i++;
    }
  }
  return out;
}

/** `["a", 2, "b.c"]` → `$.a[2]["b.c"]`, as the engine writes it. */
export function formatPath(segments) {
  let out = "$";
  for (const s of segments) {
    if (typeof s === "number") out += `[${s}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(s)) out += `.${s}`;
    else out += `["${s.replace(/["\\]/g, (c) => `\\${c}`)}"]`;
  }
  return out;
}

/**
 * The node tree of a JSON text: `{type, from, to, keyFrom?, keyTo?, children?}`,
 * children by key (objects) or index (arrays). Throws on malformed JSON.
 */
export function scan(text) {
  let i = 0;
  const ws = () => { while (i < text.length && " \t\n\r".includes(text[i])) i++; };
  const fail = () => {
    const e = new SyntaxError(`unexpected ${text[i] ?? "end"} at ${i}`);
    e.offset = i;
    throw e;
  };
  const string = () => {
    if (text[i] !== '"') fail();
    const from = i++;
    while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
    if (i >= text.length) fail();
    i++;
    return { from, to: i, value: JSON.parse(text.slice(from, i)) };
  };
  const value = () => {
    ws();
    const from = i;
    if (text[i] === "{") {
      i++;
      const children = new Map();
      ws();
      if (text[i] === "}") { i++; return { type: "object", from, to: i, children }; }
      for (;;) {
        ws();
        const key = string();
        ws();
        if (text[i++] !== ":") { i--; fail(); }
        const child = value();
        child.keyFrom = key.from;
        child.keyTo = key.to;
        children.set(key.value, child);
        ws();
        if (text[i] === ",") { i++; continue; }
        if (text[i] === "}") { i++; return { type: "object", from, to: i, children }; }
        fail();
      }
    }
    if (text[i] === "[") {
      i++;
      const children = [];
      ws();
      if (text[i] === "]") { i++; return { type: "array", from, to: i, children }; }
      for (;;) {
        children.push(value());
        ws();
        if (text[i] === ",") { i++; continue; }
        if (text[i] === "]") { i++; return { type: "array", from, to: i, children }; }
        fail();
      }
    }
    if (text[i] === '"') return { type: "string", ...string() };
    const m = /^(?:true|false|null|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i, i + 400));
    if (!m) fail();
    i += m[0].length;
    return { type: "scalar", from, to: i };
  };
  const root = value();
  ws();
  if (i < text.length) fail();
  return root;
}

/**
 * Where `path` is in `text`: `{from, to, exact}` — a scalar's value; an
 * object's or array's key (its opening bracket at the root or in an
 * array), so a whole campaign is not underlined. `exact` is false when only
 * an ancestor exists: the range is then that ancestor's. `tree` is
 * `scan(text)` when you have it.
 */
export function locate(text, path, tree) {
  let node;
  try { node = tree ?? scan(text); } catch { return { from: 0, to: 0, exact: false }; }
  let exact = true;
  for (const seg of parsePath(path)) {
    const child = node.type === "object" && typeof seg === "string" ? node.children.get(seg)
      : node.type === "array" && typeof seg === "number" ? node.children[seg] : undefined;
    if (!child) { exact = false; break; }
    node = child;
  }
  if (node.type !== "object" && node.type !== "array") return { from: node.from, to: node.to, exact };
  if (node.keyFrom !== undefined) return { from: node.keyFrom, to: node.keyTo, exact };
  return { from: node.from, to: node.from + 1, exact };
}

/**
 * The path of the value at `offset` in `tree` (innermost first match), as
 * segments; for tools that work from a cursor position.
 */
export function pathAt(tree, offset) {
  const out = [];
  let node = tree;
  for (;;) {
    let next;
    if (node.type === "object") {
      for (const [k, c] of node.children) if (c.keyFrom <= offset && offset <= c.to) { next = c; out.push(k); break; }
    } else if (node.type === "array") {
      node.children.forEach((c, i) => { if (!next && c.from <= offset && offset <= c.to) { next = c; out.push(i); } });
    }
    if (!next) return out;
    node = next;
  }
}

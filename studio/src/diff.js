// A line diff of two texts (longest common subsequence), with unchanged
// runs folded to a few lines of context: what changed between two
// versions of the rules, both pretty-printed the same way.

/** `[{op: "same" | "add" | "del", line}]` turning `a` into `b`. */
export function diffLines(a, b) {
  const x = a.split("\n"), y = b.split("\n");
  // Trim the common head and tail: versions differ in a few places.
  let head = 0;
  while (head < x.length && head < y.length && x[head] === y[head]) head++;
  let tail = 0;
  while (tail < x.length - head && tail < y.length - head && x[x.length - 1 - tail] === y[y.length - 1 - tail]) tail++;
  const xs = x.slice(head, x.length - tail), ys = y.slice(head, y.length - tail);
  const n = xs.length, m = ys.length;
  const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) {
    lcs[i][j] = xs[i] === ys[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  }
  const out = x.slice(0, head).map((line) => ({ op: "same", line }));
  let i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && xs[i] === ys[j]) { out.push({ op: "same", line: xs[i] }); i++; j++; }
    else if (i < n && (j === m || lcs[i + 1][j] >= lcs[i][j + 1])) out.push({ op: "del", line: xs[i++] });
    else out.push({ op: "add", line: ys[j++] });
  }
  out.push(...x.slice(x.length - tail).map((line) => ({ op: "same", line })));
  return out;
}

/** The diff with unchanged runs longer than `2 * context` folded into `{op: "gap", count}`. */
export function foldDiff(diff, context = 3) {
  const out = [];
  let run = [];
  const flush = (atEnd) => {
    const keepHead = out.length ? context : 0, keepTail = atEnd ? 0 : context;
    if (run.length > keepHead + keepTail + 1) {
      out.push(...run.slice(0, keepHead), { op: "gap", count: run.length - keepHead - keepTail }, ...run.slice(run.length - keepTail));
    } else out.push(...run);
    run = [];
  };
  for (const d of diff) {
    if (d.op === "same") run.push(d);
    else { flush(false); out.push(d); }
  }
  flush(true);
  return out;
}

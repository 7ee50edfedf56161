// One notice line under the header: what just happened, and what to do.
const el = () => document.getElementById("notice");

/** Shows `text`; `actions` are `[label, fn]` buttons; `kind` is "ok", "error" or "" (a warning). */
export function notice(text, { kind = "", actions = [] } = {}) {
  const n = el();
  n.className = `notice ${kind}`;
  const p = document.createElement("p");
  p.textContent = text;
  n.replaceChildren(p);
  for (const [label, fn] of actions) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    b.addEventListener("click", fn);
    n.append(b);
  }
  const close = document.createElement("button");
  close.type = "button";
  close.textContent = "Close";
  close.setAttribute("aria-label", "Close this notice");
  close.addEventListener("click", clearNotice);
  n.append(close);
  n.hidden = false;
}

export function clearNotice() {
  el().hidden = true;
}

// The inputs the form view builds its fields from.
import { el } from "./util.js";

/** A fieldset named `label` for assistive tech, with a visible `legend`. */
export function fieldset(label, legend) {
  const f = document.createElement("fieldset");
  f.className = "form-group";
  f.setAttribute("aria-label", label);
  f.append(el("legend", "", legend));
  return f;
}

/** A select of `[value, text]` options; an unknown `value` is kept as its first option. */
export function select(options, value) {
  const s = document.createElement("select");
  if (!options.some(([v]) => v === value)) s.append(new Option(value === "" ? "(none)" : String(value), value, false, true));
  for (const [v, t] of options) s.append(new Option(t, v, false, v === value));
  return s;
}

/** A text input holding `value` when it is a string. */
export function text(value) {
  const i = document.createElement("input");
  i.type = "text";
  i.value = typeof value === "string" ? value : "";
  return i;
}

/** A number input holding `value` when it is a number. */
export function number(value) {
  const i = document.createElement("input");
  i.type = "number";
  i.step = "any";
  i.value = typeof value === "number" ? String(value) : "";
  i.classList.add("num");
  return i;
}

/** A `type=button` button showing `text`, named `label` for assistive tech (it must contain `text`). */
export function button(text, label, className = "") {
  const b = el("button", className, text);
  b.type = "button";
  if (label) b.setAttribute("aria-label", label);
  return b;
}

/** An alert line for an input's refusal: `say(text)` shows it, `say("")` clears it. */
export function alertLine() {
  const node = el("span");
  node.setAttribute("role", "alert");
  const say = (text) => { node.textContent = text; node.className = text ? "field-error" : ""; };
  return { node, say };
}

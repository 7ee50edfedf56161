// The rules editor: CodeMirror 6 with JSON, completion and hover from the
// rules' JSON Schema, and diagnostics from the wasm engine (set by the page
// through `showProblems`, as CodeMirror diagnostics).
import { basicSetup } from "codemirror";
import { EditorView } from "@codemirror/view";
import { EditorState } from "@codemirror/state";
import { json } from "@codemirror/lang-json";
import { syntaxTree } from "@codemirror/language";
import { lintGutter, setDiagnostics } from "@codemirror/lint";
import { autocompletion } from "@codemirror/autocomplete";
import { hoverTooltip } from "@codemirror/view";
import { renderInlineCode } from "./util.js";
import { fieldsAt, valuesAt, docAt, schemasAt, isCondition, CONTEXT_PATHS } from "./schema.js";

/** The path (keys and indices) of the innermost Object or Array around `pos`, and that node. */
function containerAt(state, pos) {
  let node = syntaxTree(state).resolveInner(pos, -1);
  while (node && node.name !== "Object" && node.name !== "Array") node = node.parent;
  return node ? { node, path: pathOf(state, node) } : { node: null, path: [] };
}

/** The path of a syntax node, walking up through Properties and Arrays. */
function pathOf(state, node) {
  const path = [];
  for (let n = node; n?.parent; n = n.parent) {
    const p = n.parent;
    if (p.name === "Property" && n.name !== "PropertyName") {
      const key = p.getChild("PropertyName");
      if (key) path.unshift(unquote(state.sliceDoc(key.from, key.to)));
    } else if (p.name === "Array") {
      let i = 0;
      for (let c = p.firstChild; c && c.from < n.from; c = c.nextSibling) if (isValue(c)) i++;
      path.unshift(i);
    }
  }
  return path;
}

const isValue = (n) => ["Object", "Array", "String", "Number", "True", "False", "Null"].includes(n.name);
const unquote = (s) => { try { return JSON.parse(s); } catch { return s.replace(/^"|"$/g, ""); } };

/** Completion of field names, enum values and, in conditions, the context's attributes. */
function schemaCompletion(getSchema) {
  return (ctx) => {
    const schema = getSchema();
    if (!schema) return null;
    const before = ctx.state.sliceDoc(Math.max(0, ctx.pos - 300), ctx.pos);
    const word = /"?[\w$.-]*$/.exec(before)[0];
    const lead = before.slice(0, before.length - word.length).trimEnd();
    const from = ctx.pos - word.length;
    const { path } = containerAt(ctx.state, from);
    const quoted = (s) => JSON.stringify(s);
    // Replaces the typed word and the quote the editor closed after it.
    const insert = (text) => (view, _c, from, to) => {
      const end = view.state.sliceDoc(to, to + 1) === '"' && word.startsWith('"') ? to + 1 : to;
      view.dispatch({ changes: { from, to: end, insert: text }, selection: { anchor: from + text.length }, userEvent: "input.complete" });
    };
    if (/[{,]$/.test(lead) || (ctx.explicit && lead.endsWith("{"))) {
      const schemas = schemasAt(schema, path);
      const options = fieldsAt(schema, path).map((f) => ({
        label: quoted(f.name), type: "property", info: f.description || undefined, apply: insert(`${quoted(f.name)}: `),
      }));
      if (isCondition(schemas)) {
        for (const c of CONTEXT_PATHS) options.push({ label: quoted(c.path), type: "variable", info: c.description, apply: insert(c.path.endsWith(".") ? `"${c.path}` : `${quoted(c.path)}: `) });
      }
      return options.length ? { from, options, validFor: /^"?[\w$.-]*$/ } : null;
    }
    const key = /"((?:[^"\\]|\\.)*)"\s*:$/.exec(lead);
    const inArray = /[[,]$/.test(lead);
    if (!key && !inArray) return null;
    const at = key ? [...path, unquote(`"${key[1]}"`)] : [...path, 0];
    const values = valuesAt(schema, at);
    if (!values.length) return null;
    return { from, options: values.map((v) => ({ label: JSON.stringify(v), type: "enum", apply: insert(JSON.stringify(v)) })), validFor: /^"?[\w$.-]*"?$/ };
  };
}

/** Hover documentation of the field under the pointer. */
function schemaHover(getSchema) {
  return hoverTooltip((view, pos, side) => {
    const schema = getSchema();
    if (!schema) return null;
    let node = syntaxTree(view.state).resolveInner(pos, side);
    if (node.name !== "PropertyName") return null;
    const property = node.parent;
    const value = property?.lastChild;
    const path = value && value.name !== "PropertyName" ? pathOf(view.state, value) : [...pathOf(view.state, property.parent), unquote(view.state.sliceDoc(node.from, node.to))];
    const doc = docAt(schema, path);
    const parentIsCondition = isCondition(schemasAt(schema, path.slice(0, -1)));
    const attr = parentIsCondition && CONTEXT_PATHS.find((c) => path.at(-1) === c.path || (c.path.endsWith(".") && String(path.at(-1)).startsWith(c.path)));
    if (!doc?.description && !attr) return null;
    return {
      pos: node.from, end: node.to, above: true,
      create() {
        const dom = document.createElement("div");
        dom.className = "schema-doc";
        const p = document.createElement("div");
        renderInlineCode(p, doc?.description || `Context attribute: ${attr.description}`);
        dom.append(p);
        const facts = [];
        if (doc?.type) facts.push(doc.type);
        if (doc?.values?.length) facts.push(`one of ${doc.values.map((v) => JSON.stringify(v)).join(", ")}`);
        if (doc && doc.default !== undefined) facts.push(`default ${JSON.stringify(doc.default)}`);
        if (facts.length) {
          const t = document.createElement("span");
          t.className = "type";
          t.textContent = facts.join(" · ");
          dom.append(t);
        }
        return { dom };
      },
    };
  });
}

const mono = 'ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace';
const theme = EditorView.theme({
  "&": { height: "62vh", minHeight: "360px", fontSize: "12.5px", background: "#fff" },
  "&.cm-focused": { outline: "3px solid #7b8cff" },
  ".cm-scroller": { fontFamily: mono },
  ".cm-tooltip": { fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif' },
  ".schema-doc": { maxWidth: "46ch", padding: "6px 8px", fontSize: "13px", lineHeight: "1.4" },
  ".schema-doc code": { background: "#f0f2f7", padding: "0 3px", borderRadius: "3px", fontFamily: mono },
  ".schema-doc .type": { color: "#5b6478", display: "block", marginTop: "4px" },
});

/**
 * Creates the editor in `host` with `text`. `onChange(text)` runs on every
 * edit; `getSchema()` gives the schema once loaded.
 */
export function createEditor(host, { text, onChange, getSchema }) {
  // In a shadow root CodeMirror styles itself with adopted stylesheets, which
  // the page's CSP (style-src 'self', no inline <style>) allows.
  const shadow = host.attachShadow({ mode: "open" });
  const parent = document.createElement("div");
  shadow.append(parent);
  const view = new EditorView({
    parent,
    root: shadow,
    state: EditorState.create({
      doc: text,
      extensions: [
        basicSetup,
        json(),
        theme,
        lintGutter(),
        autocompletion({ override: [schemaCompletion(getSchema)] }),
        schemaHover(getSchema),
        EditorView.contentAttributes.of({ "aria-label": "Rules document (JSON)", tabindex: "0" }),
        EditorView.updateListener.of((u) => { if (u.docChanged) onChange(u.state.doc.toString()); }),
      ],
    }),
  });
  // The document as the host's `value`, as a textarea has it (for tests and tools).
  Object.defineProperty(host, "value", { get: () => view.state.doc.toString(), configurable: true });
  return {
    view,
    text: () => view.state.doc.toString(),
    setText(t) { view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: t } }); },
    /** Shows `problems` (`{from, to, severity, message}`) as diagnostics. */
    showProblems(problems) {
      const len = view.state.doc.length;
      const clamp = (n) => Math.max(0, Math.min(n, len));
      const list = problems.map((p) => ({ ...p, from: clamp(p.from), to: clamp(Math.max(p.to, p.from)) }));
      view.dispatch(setDiagnostics(view.state, list));
    },
    /** Moves the cursor to `pos`, scrolls it into view and focuses the editor. */
    reveal(from, to = from) {
      view.dispatch({ selection: { anchor: from, head: to }, scrollIntoView: true });
      view.focus();
    },
    lineOf: (pos) => view.state.doc.lineAt(Math.min(pos, view.state.doc.length)).number,
  };
}

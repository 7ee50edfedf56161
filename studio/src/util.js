// Small helpers the panels share.

/** A stored document as the editor shows it: two-space indented. */
export function pretty(text) {
  try { return JSON.stringify(JSON.parse(text), null, 2) + "\n"; } catch { return text; }
}

/** The header's line: what is published, and whether the editor holds unpublished edits. */
export function showPublished(studio) {
  let label = "";
  try { label = JSON.parse(studio.published).version ?? ""; } catch { /* not JSON */ }
  const edited = studio.editor && pretty(studio.published) !== studio.editor.text();
  document.getElementById("rules-state").textContent =
    `published: ${label ? `“${label}”` : "(no version label)"} · ${edited ? "unpublished edits in the editor" : "the editor shows it"}`;
}

/** An element with a class and text. */
export function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** Text with `code` spans as <code>, built without innerHTML. */
export function renderInlineCode(el, text) {
  text.split(/(`[^`]*`)/).forEach((part) => {
    if (part.startsWith("`") && part.endsWith("`") && part.length > 1) {
      const c = document.createElement("code");
      c.textContent = part.slice(1, -1);
      el.append(c);
    } else el.append(part);
  });
}

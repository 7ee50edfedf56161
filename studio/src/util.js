// Small helpers the panels share.

/** A stored document as the editor shows it: two-space indented. */
export function pretty(text) {
  try { return JSON.stringify(JSON.parse(text), null, 2) + "\n"; } catch { return text; }
}

/** The header's line about what is published. */
export function showPublished(studio) {
  document.getElementById("rules-state").textContent = `published: ${studio.etag ?? "none"}`;
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

// The shop with the editor's rules, before publishing: the draft is saved on
// the server (PUT /v1/rules/draft) and the shop opened with
// `?parcours_draft=<token>&parcours_preview=<campaign>[:<variant>]`, in a
// new tab or in the frame below, where the SDK's own renderer shows the
// campaign exactly as the site will.
import { notice } from "./notice.js";
import { el } from "./util.js";

const $ = (id) => document.getElementById(id);

export function mount(studio) {
  const box = $("preview");
  const campaign = document.createElement("select");
  campaign.id = "preview-campaign";
  const variant = document.createElement("select");
  variant.id = "preview-variant";
  const label = (text, input) => { const l = el("label", "", text); l.htmlFor = input.id; return l; };
  const show = el("button", "primary", "Show in the frame");
  show.type = "button";
  const open = el("button", "", "Open in the shop");
  open.type = "button";
  open.title = "Saves a draft of the editor's rules and opens the shop with it in a new tab; nobody else sees it";
  const row = el("div", "row");
  row.append(label("Campaign", campaign), campaign, label("Variant", variant), variant, show, open);
  const status = el("p", "muted", "Pick a campaign to see it on the shop.");
  status.setAttribute("role", "status");
  const frame = document.createElement("iframe");
  frame.className = "preview-frame";
  frame.title = "The shop previewing the selected campaign";
  frame.hidden = true;
  box.append(row, status, frame);

  let doc = null;
  studio.onValidated((r) => {
    if (!r.document) return;
    doc = r.document;
    const keep = campaign.value;
    const ids = (doc.campaigns ?? []).map((c) => c.id).filter((id) => typeof id === "string");
    campaign.replaceChildren(...ids.map((id) => new Option(id, id, false, id === keep)));
    fillVariants();
    const blocked = r.errors.length > 0;
    show.disabled = open.disabled = blocked || !ids.length;
  });
  campaign.addEventListener("change", fillVariants);
  function fillVariants() {
    const keep = variant.value;
    const c = (doc?.campaigns ?? []).find((x) => x.id === campaign.value);
    const ids = (c?.variants ?? []).map((v) => v.id).filter((id) => typeof id === "string");
    variant.replaceChildren(new Option("its assigned variant", ""), ...ids.map((id) => new Option(id, id, false, id === keep)));
  }

  /** The shop URL previewing the selection, with a fresh draft of the editor's rules when the token allows. */
  async function url() {
    const target = `${campaign.value}${variant.value ? `:${variant.value}` : ""}`;
    const path = studio.simulation?.().page.path || "/";
    const q = new URLSearchParams({ parcours_preview: target });
    let words = `the published rules (enter the admin token to preview your edits)`;
    if ($("admin-token").value.trim()) {
      const d = await studio.server.draft(studio.editor.text());
      q.set("parcours_draft", d.token);
      words = `a draft of the editor's rules (until ${new Date(d.expires_at).toLocaleTimeString()})`;
    }
    return { href: `${path}?${q}`, words, target };
  }

  async function go(inFrame) {
    try {
      const { href, words, target } = await url();
      if (inFrame) {
        frame.hidden = false;
        frame.src = href;
        status.textContent = `${target} on ${href.split("?")[0]}, with ${words}. If the shop asks for consent, accept it in the frame: a preview follows the visitor's consent, as the site does.`;
      } else {
        window.open(href, "_blank", "noopener");
        status.textContent = `Opened ${target} in a new tab, with ${words}.`;
      }
    } catch (e) {
      notice(`Could not save the draft: ${e.status === 401 || e.status === 403 ? "the admin token was refused" : e.message}`, { kind: "error" });
    }
  }
  show.addEventListener("click", () => go(true));
  open.addEventListener("click", () => go(false));
  studio.preview = (id, v) => {
    campaign.value = id;
    fillVariants();
    variant.value = v && [...variant.options].some((o) => o.value === v) ? v : "";
    go(true);
    frame.scrollIntoView({ block: "nearest" });
  };
}

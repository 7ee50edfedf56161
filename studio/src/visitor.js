// The simulated visitor: a few facts a marketer edits (traits, device, the
// page and where the visit comes from, past events, the clock), turned into
// the stored visitor the engine reads (`parcours.profile()`'s shape,
// engine/src/profile.rs: `{profile: {anonymous_id, traits, visits,
// session, history: [[type, name, properties, at_ms, tz]…], …}, exposures}`).
// Sessions are cut as the SDK cuts them: 30 minutes idle, a new local day,
// or a new campaign source; each starts with a `Session Started` event.

export const HOUR = 3600e3, DAY = 24 * HOUR;
const IDLE = 30 * 60e3;

/** The visit's acquisition channel from its landing query and referrer (docs/context.md, simplified). */
export function channelOf(query, referrer) {
  const q = new URLSearchParams(query);
  const medium = (q.get("utm_medium") ?? "").toLowerCase();
  if ([...q.keys()].some((k) => k.startsWith("utm_"))) {
    if (/^(cpc|ppc|cpm|cpv|cpa|paid.*|display|banner|retargeting|remarketing|sem|ads)$/.test(medium)) return "paid";
    if (/^(e-?mail|mail|newsletter|emailing|crm)$/.test(medium)) return "email";
    if (/^(social|social-media|sm|organic_social)$/.test(medium)) return "social";
    if (/^(qr|qrcode|store|in-store|print|offline|pos)$/.test(medium)) return "store_qr";
    if (/^(organic|seo|search)$/.test(medium)) return "organic";
    if (q.has("store") || q.has("qr")) return "store_qr";
    return "referral";
  }
  if (["gclid", "gbraid", "wbraid", "dclid", "msclkid", "fbclid", "ttclid", "li_fat_id", "twclid"].some((k) => q.has(k))) return "paid";
  if (q.has("store") || q.has("qr")) return "store_qr";
  if (!referrer) return "direct";
  const host = (() => { try { return new URL(referrer).hostname; } catch { return ""; } })();
  if (/(^|\.)(google|bing|duckduckgo|qwant|ecosia|yahoo|baidu|yandex|search\.brave)\./.test(host)) return "organic";
  if (/(^|\.)(facebook|instagram|t\.co|x\.com|twitter|linkedin|pinterest|reddit|tiktok|youtube)\b/.test(host)) return "social";
  if (/^(mail|webmail)\./.test(host) || /outlook|gmx|proton/.test(host)) return "email";
  return "referral";
}

const utmOf = (query) => {
  const q = new URLSearchParams(query), u = {};
  for (const k of ["source", "medium", "campaign", "term", "content"]) if (q.get(`utm_${k}`)) u[k] = q.get(`utm_${k}`);
  return u;
};
const sourceKey = (query) => {
  const q = new URLSearchParams(query);
  const parts = ["utm_source", "utm_campaign", "store", "qr", "gclid", "fbclid"].filter((k) => q.get(k)).map((k) => `${k}=${q.get(k)}`);
  return parts.length ? parts.join("&") : null;
};
const localDay = (ms, tz) => Math.floor((ms + tz * 60e3) / DAY);

/**
 * The visitor the engine reads for simulation `sim` at `sim.now`: its past
 * `events` (`{name, type?: "track" | "page", properties, at, query?, referrer?}`,
 * a page view carrying where its visit came from) and the current page view.
 */
export function buildVisitor(sim) {
  const tz = sim.tz ?? 0;
  const current = { type: "page", name: "", properties: { path: sim.page.path }, at: sim.now, query: sim.page.query, referrer: sim.page.referrer };
  const events = [...sim.events.filter((e) => e.at <= sim.now), current].sort((a, b) => a.at - b.at);
  const history = [];
  const sessions = [];
  let session = null, pageviews = 0;
  for (const e of events) {
    const key = e.type === "page" ? sourceKey(e.query ?? "") : null;
    const ends = !session || e.at - session.last_ms >= IDLE || localDay(e.at, tz) !== localDay(session.last_ms, tz)
      || (key && key !== session.source_key);
    if (ends) {
      const query = e.query ?? "";
      session = {
        id: `${sessions.length + 1}-${Math.round(e.at)}`, start_ms: e.at, last_ms: e.at, pageviews: 0,
        channel: channelOf(query, e.referrer ?? ""), utm: utmOf(query), referrer: e.referrer ?? "",
        landing_path: e.properties?.path ?? "/", source_key: sourceKey(query),
      };
      sessions.push(session);
      const { channel, utm, referrer, landing_path } = session;
      history.push(["t", "Session Started", { channel, utm, referrer, landing_path }, e.at, tz]);
    }
    session.last_ms = Math.max(session.last_ms, e.at);
    if (e.type === "page") { session.pageviews++; pageviews++; }
    history.push([e.type === "page" ? "p" : "t", e.name, e.properties ?? {}, e.at, tz]);
  }
  return {
    profile: {
      v: 1,
      anonymous_id: sim.anonymousId,
      user_id: sim.userId || null,
      traits: sim.traits,
      previous_anonymous_ids: [],
      remote_ids: [],
      first_seen_ms: events[0].at,
      visits: sessions.length,
      pageviews,
      session,
      previous_session_start_ms: sessions.length > 1 ? sessions.at(-2).start_ms : null,
      history,
      computed: {},
    },
    exposures: sim.exposures ?? { campaigns: {}, shown: [] },
  };
}

/**
 * `sim` after the visitor saw (`"seen"`), clicked or dismissed campaign
 * `x` (an explanation: `{campaign_id, variant_id, placement}`) now: its
 * counts, its recent exposures and, for a pop-in or banner, the pressure
 * log, as the SDK records them (engine/src/exposure.rs).
 */
export function recordExposure(sim, x, what = "seen") {
  const tz = sim.tz ?? 0;
  const exposures = structuredClone(sim.exposures ?? { campaigns: {}, shown: [] });
  const c = exposures.campaigns[x.campaign_id] ??= { impressions: 0, exposures: 0, recent: [] };
  if (what === "seen") {
    const at = [sim.now, buildVisitor(sim).profile.session.id, localDay(sim.now, tz)];
    c.variant = x.variant_id;
    c.impressions++;
    c.exposures++;
    c.recent.push(at);
    c.last_shown_ms = sim.now;
    c.first_exposed_ms ??= sim.now;
    c.viewed = true;
    if (x.placement === "popin" || x.placement === "banner") exposures.shown.push(at);
  } else {
    c[what] = true;
  }
  return { ...sim, exposures };
}

/** What `Engine.contextFor` and `explain` take for `sim`. */
export function contextInput(sim) {
  const origin = sim.origin ?? "https://shop.example";
  const query = sim.page.query.replace(/^\?/, "");
  return {
    visitor: buildVisitor(sim),
    now: sim.now,
    tzOffset: sim.tz ?? 0,
    page: { url: `${origin}${sim.page.path}${query ? `?${query}` : ""}`, path: sim.page.path, query, title: "Boutique", referrer: sim.page.referrer },
    device: sim.device,
  };
}

const order = (at, revenue, id, category = "robes") => ({ name: "Order Completed", type: "track", at, properties: { order_id: id, revenue, currency: "EUR", category } });
const view = (at, category, sku, price) => ({ name: "Product Viewed", type: "track", at, properties: { sku, category, price } });
const pageAt = (at, path, query = "", referrer = "") => ({ name: "", type: "page", at, properties: { path }, query, referrer });

/** The presets, each a function of the clock (`now`, epoch ms) to a simulation. */
export const PRESETS = {
  new: {
    label: "New visitor",
    make: (now) => base(now, { page: { path: "/", query: "", referrer: "" } }),
  },
  lapsed: {
    label: "Lapsed customer",
    make: (now) => {
      const t = now - 150 * DAY;
      return base(now, {
        userId: "u-lea", traits: { first_name: "Léa", email: "lea@example.fr" },
        page: { path: "/", query: "utm_source=nl&utm_medium=email&utm_campaign=winback", referrer: "" },
        events: [pageAt(t, "/"), view(t + 60e3, "robes", "ROBE-1", 79), order(t + 5 * 60e3, 79, "o-1001")],
      });
    },
  },
  vip: {
    label: "VIP",
    make: (now) => {
      const events = [];
      [200, 150, 90, 45, 10].forEach((d, i) => {
        const t = now - d * DAY;
        events.push(pageAt(t, "/products.html"), view(t + 30e3, i % 2 ? "chaussures" : "robes", `SKU-${i}`, 160), order(t + 3 * 60e3, 180 + 20 * i, `o-20${i}`, i % 2 ? "chaussures" : "robes"));
      });
      return base(now, { userId: "u-camille", traits: { first_name: "Camille", email: "camille@example.fr" }, page: { path: "/products.html", query: "", referrer: "" }, events });
    },
  },
  cart: {
    label: "Cart abandoner",
    make: (now) => {
      const t = now - 26 * HOUR;
      return base(now, {
        page: { path: "/", query: "", referrer: "" },
        events: [pageAt(t, "/products.html"), view(t + 20e3, "robes", "ROBE-2", 59),
          { name: "Product Added", type: "track", at: t + 60e3, properties: { sku: "ROBE-2", category: "robes", price: 59, quantity: 1 } },
          pageAt(t + 90e3, "/cart.html")],
      });
    },
  },
  birthday: {
    label: "Birthday next week",
    make: (now) => {
      const d = new Date(now + 5 * DAY);
      const birthday = `1990-${String(d.getUTCMonth() + 1).padStart(2, "0")}-${String(d.getUTCDate()).padStart(2, "0")}`;
      return base(now, {
        userId: "u-ines", traits: { first_name: "Inès", birthday },
        page: { path: "/", query: "", referrer: "" },
        events: [pageAt(now - 20 * DAY, "/"), pageAt(now - 8 * DAY, "/products.html")],
      });
    },
  },
  qr: {
    label: "QR code from the street",
    make: (now) => base(now, {
      device: { type: "mobile", language: "fr-FR" },
      page: { path: "/", query: "utm_source=affiche&utm_medium=qr&utm_campaign=boutique-paris&store=paris-11", referrer: "" },
    }),
  },
};

function base(now, over) {
  return {
    anonymousId: "sim-visitor-1",
    userId: "",
    traits: {},
    device: { type: "desktop", language: "fr-FR" },
    events: [],
    now,
    tz: -new Date(now).getTimezoneOffset(),
    ...over,
  };
}

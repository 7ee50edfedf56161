/*! Parcours OpenFeature web provider */
// `import { ParcoursProvider } from "parcours/openfeature"` (or
// `pkg/openfeature.js`): an OpenFeature provider for `@openfeature/web-sdk`
// on top of the script tag's `window.parcours`. It imports nothing: the site
// brings its own copy of the web SDK, and the provider only has to have the
// Provider interface's shape (the SDK never checks a class).
//
// - Each campaign is a string flag (its id is the flag key) whose value is
//   the visitor's variant id, `"holdout"` for a held-out visitor, and the
//   caller's default when the visitor is not eligible. The answer comes
//   synchronously from `parcours.flag(id)`: the current rules and profile,
//   outside any moment (the campaign's trigger counts as met; no priority
//   against other campaigns). Boolean asks answer `true` for a variant and
//   `false` for the holdout (the default when not eligible); number and
//   object asks are a TYPE_MISMATCH error and record nothing.
// - Reasons: SPLIT (assigned by the random split, holdout included),
//   TARGETING_MATCH (the campaign's only variant, its audience matched),
//   DEFAULT (not eligible), DISABLED (the campaign is not active, or no
//   consent to personalise), ERROR with FLAG_NOT_FOUND (no such campaign, or
//   no rules). `flagMetadata`: `campaign`, `holdout` and, when not assigned,
//   `step`, the first step that failed (`status`, `schedule`, `segments`,
//   `condition`, `frequency`, `pressure`, or `consent`).
// - The first evaluation that assigns the visitor records `Experiment
//   Viewed` (once per visitor per campaign, with `flag: true`); nothing
//   renders, so never an impression.
// - `PROVIDER_CONFIGURATION_CHANGED` is emitted when Parcours runs new rules
//   (the `rules` event) or the profile changed (`profile`: identify, alias,
//   reset, forget, consent, or the same in another tab).
// - The evaluation context is not read: the Parcours profile is the truth.
//   With `new ParcoursProvider({ identify: true })`, a context whose
//   `targetingKey` differs from the profile's user id calls
//   `parcours.identify(targetingKey)` (no other context attribute is sent);
//   clearing it does not reset the visitor: call `parcours.reset()` at logout.
// - `track(name, context, details)` (the web SDK's `client.track`) is
//   `parcours.track(name, details)`: campaign goals count it.

const CHANGED = "PROVIDER_CONFIGURATION_CHANGED";

/**
 * The provider's event emitter, as OpenFeature's `ProviderEventEmitter`:
 * the web SDK attaches its handlers with `addHandler` and gets each event's
 * details. A handler that throws (or rejects) is logged, never rethrown.
 */
export class ParcoursEvents {
  constructor() {
    this._handlers = new Map();
    this._logger = null;
  }

  addHandler(eventType, handler) {
    if (typeof handler !== "function") return;
    const list = this._handlers.get(eventType) || [];
    list.push(handler);
    this._handlers.set(eventType, list);
  }

  removeHandler(eventType, handler) {
    const list = this._handlers.get(eventType);
    if (!list) return;
    const i = list.indexOf(handler);
    if (i >= 0) list.splice(i, 1);
  }

  removeAllHandlers(eventType) {
    if (eventType === undefined) this._handlers.clear();
    else this._handlers.delete(eventType);
  }

  getHandlers(eventType) {
    return (this._handlers.get(eventType) || []).slice();
  }

  setLogger(logger) {
    this._logger = logger || null;
    return this;
  }

  emit(eventType, details) {
    for (const handler of this.getHandlers(eventType)) {
      try {
        const r = handler(details || {});
        if (r && typeof r.catch === "function") r.catch((e) => this._failed(e));
      } catch (e) {
        this._failed(e);
      }
    }
  }

  _failed(e) {
    if (this._logger && typeof this._logger.error === "function") this._logger.error("parcours: an event handler failed", e);
  }
}

/** The live `window.parcours` (not the queue before the SDK loaded), or null. */
function live() {
  const p = typeof window === "undefined" ? undefined : window.parcours;
  return p && !Array.isArray(p) && typeof p.flag === "function" ? p : null;
}

/** `window.parcours` once it has `ready()` (the loader defines it, maybe after this module ran). */
function parcoursWithReady(timeoutMs) {
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const look = () => {
      const p = typeof window === "undefined" ? undefined : window.parcours;
      if (p && typeof p.ready === "function") return resolve(p);
      if (Date.now() - start >= timeoutMs) {
        return reject(new Error("parcours: window.parcours did not appear; is the Parcours script tag on the page?"));
      }
      setTimeout(look, 20);
    };
    look();
  });
}

function mismatch(defaultValue, type) {
  return {
    value: defaultValue,
    reason: "ERROR",
    errorCode: "TYPE_MISMATCH",
    errorMessage: `Parcours campaigns are string flags (variant ids) or booleans, not ${type}s`,
  };
}

/** The OpenFeature web provider on `window.parcours`. */
export class ParcoursProvider {
  /**
   * @param {{ identify?: boolean, timeoutMs?: number }} [options]
   *   `identify`: the context's `targetingKey` becomes `parcours.identify(targetingKey)`;
   *   `timeoutMs`: how long `initialize()` waits for the script tag to define
   *   `window.parcours` (default 10 s).
   */
  constructor(options = {}) {
    this.metadata = { name: "parcours" };
    this.runsOn = "client";
    this.events = new ParcoursEvents();
    this._identify = options.identify === true;
    this._timeoutMs = typeof options.timeoutMs === "number" ? options.timeoutMs : 10000;
    this._api = null;
    this._quiet = false;
    this._onRules = (data) => this._changed({ source: "rules", version: data && data.version });
    this._onProfile = (data) => this._changed({ source: "profile", change: data && data.change });
  }

  /** Waits for `parcours.ready()` (rules and profile loaded), then listens for changes. */
  async initialize(context) {
    const queue = await parcoursWithReady(this._timeoutMs);
    await queue.ready();
    const p = live();
    if (!p) throw new Error("parcours: the SDK could not load");
    this._api = p;
    p.on("rules", this._onRules);
    p.on("profile", this._onProfile);
    if (this._identify) this._identifyFrom(context);
  }

  async onClose() {
    const p = this._api;
    if (!p) return;
    p.off("rules", this._onRules);
    p.off("profile", this._onProfile);
    this._api = null;
  }

  onContextChange(oldContext, newContext) {
    if (this._identify) this._identifyFrom(newContext);
  }

  resolveStringEvaluation(flagKey, defaultValue) {
    return this._resolve(flagKey, defaultValue, (f) => f.variant_id);
  }

  resolveBooleanEvaluation(flagKey, defaultValue) {
    return this._resolve(flagKey, defaultValue, (f) => !f.holdout);
  }

  resolveNumberEvaluation(flagKey, defaultValue) {
    return mismatch(defaultValue, "number");
  }

  resolveObjectEvaluation(flagKey, defaultValue) {
    return mismatch(defaultValue, "object");
  }

  track(trackingEventName, context, trackingEventDetails) {
    const p = live();
    if (p) p.track(trackingEventName, Object.assign({}, trackingEventDetails));
  }

  _resolve(flagKey, defaultValue, valueOf) {
    const p = live();
    const f = p ? p.flag(flagKey) : null;
    if (!f) {
      return p
        ? { value: defaultValue, reason: "ERROR", errorCode: "FLAG_NOT_FOUND", errorMessage: `no Parcours campaign "${flagKey}" in the rules` }
        : { value: defaultValue, reason: "ERROR", errorCode: "PROVIDER_NOT_READY", errorMessage: "the Parcours SDK is not loaded" };
    }
    const flagMetadata = { campaign: f.campaign_id, holdout: f.holdout };
    if (f.step) flagMetadata.step = f.step;
    const reason = String(f.reason).toUpperCase();
    if (f.variant_id == null) return { value: defaultValue, reason, flagMetadata };
    return { value: valueOf(f), variant: f.variant_id, reason, flagMetadata };
  }

  _changed(metadata) {
    if (this._quiet) return;
    const clean = {};
    for (const k of Object.keys(metadata)) if (metadata[k] != null) clean[k] = metadata[k];
    this.events.emit(CHANGED, { message: `Parcours ${metadata.source} changed`, metadata: clean });
  }

  _identifyFrom(context) {
    const p = live();
    const key = context && context.targetingKey;
    if (!p || typeof key !== "string" || key === "") return;
    const profile = p.profile();
    if (profile && profile.profile && profile.profile.user_id === key) return;
    // The web SDK re-evaluates after a context change itself: no second event.
    this._quiet = true;
    try {
      p.identify(key);
    } finally {
      this._quiet = false;
    }
  }
}

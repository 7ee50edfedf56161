// Types for `parcours` (the live API, `load`) and the `window.parcours` global.
import type { Engine, evalCondition } from "./tools/index.js";

/** The options of the script tag's `data-*` attributes. */
export interface LoadOptions {
  /** `data-write-key`: the site's write key. */
  writeKey: string;
  /** `data-endpoint`: the backend (default: the script's origin). */
  endpoint?: string;
  /** `data-consent="required"`: nothing stored or sent before `consent()`;
   * `"gtag"`: the same, then Google Consent Mode v2 in the `dataLayer` decides
   * (`analytics_storage` → analytics, `ad_personalization` → personalisation). */
  consent?: "required" | "granted" | "gtag";
  /** `data-datalayer="off"`: no GA4 `dataLayer` bridge. */
  datalayer?: "off";
  /** `data-cookie-domain` (e.g. `".shop.example"`): the anonymous id also lives in a cookie there, shared by subdomains. */
  cookieDomain?: string;
  /** `data-debug`: log calls, decisions and errors. */
  debug?: boolean;
  /** Where `parcours.js` is served (default: next to this module). */
  src?: string;
  /** SRI hash for `src` (default: the built file's, when `src` is not given). */
  integrity?: string;
}

/** What `ready()` reports about the rules. */
export interface ReadyState {
  rules: "none" | "cached" | "network" | "draft";
  version: string | null;
}

/** One decision: what to show where. */
export interface Decision {
  campaign_id: string;
  variant_id?: string;
  placement: string;
  holdout: boolean;
  [key: string]: unknown;
}

/** Why one campaign would or would not show. */
export interface Explanation {
  campaign_id: string;
  verdict: "shown" | "holdout" | "blocked";
  shown: boolean;
  holdout: boolean;
  variant_id?: string;
  reason?: { step: string; [detail: string]: unknown };
  /** Where it would show, when shown: `popin`, `banner`, `slot` or `none`. */
  placement?: string;
  /** `"avoided"`: its pop-in shows as a bottom banner (a phone, the first page of a visit from a search engine). */
  interstitial?: "avoided";
  /** The verdict in words (from the tools module). */
  why?: string;
}

/**
 * One campaign as a feature flag (`flag(campaignId)`), outside any moment:
 * `split` (assigned by the random split, holdout included), `targeting_match`
 * (the only variant, the audience matched), `default` (not eligible: `step`
 * is the first step that failed, `variant_id` is null) or `disabled` (not
 * active, `step: "status"`; no consent to personalise, `step: "consent"`).
 */
export interface FlagAnswer {
  campaign_id: string;
  variant_id: string | null;
  holdout: boolean;
  reason: "split" | "targeting_match" | "default" | "disabled";
  step?: "status" | "schedule" | "segments" | "condition" | "frequency" | "pressure" | "consent";
}

/** A problem in a rules document, located by its JSON path. */
export interface RuleError {
  path: string;
  kind: "missing" | "wrong_type" | "invalid" | "duplicate" | "unknown_reference" | "unknown_operator" | "invalid_regex" | "unknown_field" | "other";
  expected?: string;
  message?: string;
}

export type ConsentState = boolean | { analytics?: boolean; personalisation?: boolean };
/** `rules`: new rules run (`{rules, version}`); `profile`: identity, traits or consent changed (`{change}`). */
export type EventName = "decision" | "shown" | "clicked" | "dismissed" | "converted" | "error" | "rules" | "profile";
export type Properties = Record<string, unknown>;

/** The preview tools, loaded on demand. */
export interface Tools {
  Engine: typeof Engine;
  evalCondition: typeof evalCondition;
}

/** `window.parcours` once loaded (spec §2). */
export interface Parcours {
  track(event: string, properties?: Properties): void;
  page(properties?: Properties): void;
  page(name: string, properties?: Properties): void;
  /** With `token` (a user token signed by the site's backend), also joins what other channels know of the person (`GET /v1/profile`). */
  identify(userId: string, traits?: Properties, options?: { token?: string }): void;
  reset(): void;
  consent(state: ConsentState): void;
  /** The decisions now (a Promise of them before the SDK loaded). */
  decide(placement?: string): Decision[] | Promise<Decision[]>;
  /** Why each campaign would or would not show (computed by the tools module). */
  explain(): Promise<Explanation[]>;
  /** The campaign as a feature flag, synchronously (`null` for an unknown campaign, without rules or before the SDK loaded); the first answer that assigns the visitor records `Experiment Viewed`. */
  flag(campaignId: string): FlagAnswer | null;
  /** The local profile (a Promise of it before the SDK loaded). */
  profile(): Record<string, unknown> | null | Promise<Record<string, unknown> | null>;
  /** `{ Engine, evalCondition }`, loaded on demand. */
  tools(): Promise<Tools>;
  /** Erases the visitor; resolves to whether the backend acknowledged. */
  forget(): Promise<boolean>;
  /** Links `previousId` to `userId` (default: the current user id, else the anonymous id); analytics.js `alias`. */
  alias(previousId: string, userId?: string): void;
  on(name: EventName, fn: (data: any) => void): void;
  off(name: EventName, fn?: (data: any) => void): void;
  ready(): Promise<ReadyState>;
  push(command: [string, ...unknown[]]): unknown;
}

/** `parcours.js` with the options as its `data-*` attributes; resolves to the live API once ready. Browser only. */
export function load(options: LoadOptions): Promise<Parcours>;

/** SRI hash of the `parcours.js` built with this module. */
export const INTEGRITY: string;

declare global {
  interface Window {
    /** The queue before the SDK loaded (`parcours.push([...])`), then the live API. */
    parcours: Parcours | (Array<[string, ...unknown[]]> & Partial<Parcours>);
  }
}

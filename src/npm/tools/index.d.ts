// Types for `parcours/tools`: the rules engine for preview tools, SSR, tests and benchmarks.
import type { Explanation, RuleError, Decision } from "../index.js";

/** Instantiates the wasm: bytes (Node), a `Response`, a URL, or the file next to the module (default). */
export function init(wasm?: BufferSource | WebAssembly.Module | Response | URL | string): Promise<void>;

/** GrowthBook's `evalCondition` (condition, attributes, savedGroups?). Never throws. */
export function evalCondition(condition: unknown, attributes: unknown, savedGroups?: Record<string, unknown[]>): boolean;

/** Why each campaign would or would not show for `{rules, visitor?, now?, tzOffset?, page?, device?, trigger?}` (a page view by default); throws on invalid rules. */
export function explain(input: { rules: unknown; trigger?: Trigger } & ContextInput): Explanation[];

/** Logs one decision with its explanation as a collapsed console group (what `?parcours_debug=1` shows); never throws. */
export function logDecision(input: { rules: unknown; trigger?: Trigger; decisions?: Decision[] } & ContextInput): void;

/** What `Engine.contextFor` takes. */
export interface ContextInput {
  /** What `parcours.profile()` returns (a new visitor when absent). */
  visitor?: unknown;
  page?: { url?: string; path?: string; query?: string; title?: string; referrer?: string };
  now?: number;
  tzOffset?: number;
  device?: { type?: string; language?: string };
}

/** The trigger of a decision: `"page_view"` or `{on, name?, properties?, percent?, seconds?}`. */
export type Trigger = string | { on: string; name?: string; properties?: Record<string, unknown>; percent?: number; seconds?: number };

/** A compiled rules document. */
export class Engine {
  private constructor();
  /** Validates and compiles; throws an `Error` whose `errors: RuleError[]` lists every problem. */
  static fromRules(rules: unknown): Engine;
  readonly version: string;
  readonly warnings: RuleError[];
  segments(context: Record<string, unknown>): string[];
  contextFor(input: ContextInput): Record<string, unknown>;
  decide(context: Record<string, unknown>, trigger?: Trigger): Decision[];
  explain(context: Record<string, unknown>, trigger?: Trigger): Explanation[];
  free(): void;
}

// Types for `parcours/openfeature`: the OpenFeature web provider on `window.parcours`.
// The types come from the site's own `@openfeature/web-sdk` (an optional peer dependency);
// the module itself imports nothing at run time.
import type {
  EvaluationContext,
  JsonValue,
  Logger,
  Provider,
  ProviderEventEmitter,
  ProviderEvents,
  ResolutionDetails,
  TrackingEventDetails,
} from "@openfeature/web-sdk";

/** Options of {@link ParcoursProvider}. */
export interface ParcoursProviderOptions {
  /** The context's `targetingKey` becomes `parcours.identify(targetingKey)` (default: the context is not read). */
  identify?: boolean;
  /** How long `initialize()` waits for the script tag to define `window.parcours`, in ms (default 10000). */
  timeoutMs?: number;
}

/** The provider's event emitter (OpenFeature's `ProviderEventEmitter`). */
export declare class ParcoursEvents implements ProviderEventEmitter<ProviderEvents> {
  emit(eventType: ProviderEvents, context?: Record<string, unknown>): void;
  addHandler(eventType: ProviderEvents, handler: (details?: any) => any): void;
  removeHandler(eventType: ProviderEvents, handler: (details?: any) => any): void;
  removeAllHandlers(eventType?: ProviderEvents): void;
  getHandlers(eventType: ProviderEvents): Array<(details?: any) => any>;
  setLogger(logger: Logger): this;
}

/**
 * Each Parcours campaign as a flag: the value is the visitor's variant id
 * (`"holdout"` for a held-out visitor; the default when not eligible), the
 * reason SPLIT, TARGETING_MATCH, DEFAULT or DISABLED, and `flagMetadata`
 * `{ campaign, holdout, step? }`. Booleans: `true` for a variant, `false`
 * for the holdout. Numbers and objects: TYPE_MISMATCH.
 */
export declare class ParcoursProvider implements Provider {
  constructor(options?: ParcoursProviderOptions);
  readonly metadata: { readonly name: "parcours" };
  readonly runsOn: "client";
  readonly events: ParcoursEvents;
  initialize(context?: EvaluationContext): Promise<void>;
  onClose(): Promise<void>;
  onContextChange(oldContext: EvaluationContext, newContext: EvaluationContext): void;
  resolveStringEvaluation(flagKey: string, defaultValue: string, context?: EvaluationContext, logger?: Logger): ResolutionDetails<string>;
  resolveBooleanEvaluation(flagKey: string, defaultValue: boolean, context?: EvaluationContext, logger?: Logger): ResolutionDetails<boolean>;
  resolveNumberEvaluation(flagKey: string, defaultValue: number, context?: EvaluationContext, logger?: Logger): ResolutionDetails<number>;
  resolveObjectEvaluation<T extends JsonValue>(flagKey: string, defaultValue: T, context?: EvaluationContext, logger?: Logger): ResolutionDetails<T>;
  track(trackingEventName: string, context?: EvaluationContext, trackingEventDetails?: TrackingEventDetails): void;
}

import type { Model } from '../models/model';
import type { RequestTrace } from '../tracing/request-trace';

/** Timestamps (process.hrtime.bigint()) of one answered request, as the inference path saw them. */
export interface RequestTimings {
  readonly started: bigint;
  readonly inputDecoded: bigint;
  /** When the model run that served it started; equals inputDecoded without batching. */
  readonly runStarted: bigint;
  readonly inferred: bigint;
  readonly outputEncoded: bigint;
}

/**
 * What the metrics and tracing plugins learn from the shared inference path: each request's
 * outcome and phase timings, and each model run with the requests it served. Observers only
 * record; they never change a request or its answer. With metrics and tracing off the path has no
 * observer at all.
 */
export interface InferenceObserver {
  requestSucceeded(model: Model, trace: RequestTrace | undefined, timings: RequestTimings): void;
  /** A request that reached the model's path (it was found and READY) and failed there. */
  requestFailed(model: Model, trace: RequestTrace | undefined, started: bigint, failed: bigint, error: unknown): void;
  /** One model run over `rows` rows for the requests in `served` (their traces, where traced). */
  executionFinished(model: Model, served: readonly (RequestTrace | undefined)[], rows: number, started: bigint, ended: bigint, error: unknown): void;
}

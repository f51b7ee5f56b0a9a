/**
 * Dynamic batching of one model's requests: requests that arrive within `maxLatencyMs` of the first
 * one are merged along the batch (first) dimension, run once, and split back row by row.
 * KServe's batcher fields (`maxBatchSize`, `maxLatency` in milliseconds) map one to one.
 */
export interface BatchingOptions {
  /** Most rows in one model run; a batch is dispatched as soon as it holds this many. */
  readonly maxBatchSize: number;
  /** Longest a request waits for others before its batch runs anyway, in milliseconds. */
  readonly maxLatencyMs: number;
  /**
   * Batch sizes worth dispatching early (Triton's `preferred_batch_size`): once the requests that
   * arrived together add up to one of these, that many rows run without waiting for the timer.
   * @default - none: dispatch at maxBatchSize or after maxLatencyMs
   */
  readonly preferredBatchSizes?: readonly number[];
}

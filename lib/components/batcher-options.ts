/**
 * Dynamic batching by kfs-runtime (KServe's `batcher` fields): requests that arrive within
 * `maxLatency` milliseconds are merged along the batch dimension into one model run of at most
 * `maxBatchSize` rows, and each caller gets its own rows back. Works for models whose inputs and
 * outputs have a variable first dimension; the server refuses to load any other model while
 * batching is on, with the reason in its ready endpoint.
 */
export interface BatcherOptions {
  /**
   * Most rows in one model run.
   * @default 32 (KServe's agent default)
   */
  readonly maxBatchSize?: number;

  /**
   * Longest a request waits for others to join its batch, in milliseconds (KServe's unit).
   * @default 5000 (KServe's agent default)
   */
  readonly maxLatency?: number;
}

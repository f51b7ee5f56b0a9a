/** A cumulative count and total duration, as Triton's `StatisticDuration`. */
export interface StatisticDuration {
  count: number;
  /** Total nanoseconds; a double stays exact up to 2^53 ns (104 days of summed time). */
  ns: number;
}

/** Per-batch-size durations, as Triton's `InferBatchStatistics`. */
export interface BatchStatistics {
  readonly batchSize: number;
  readonly computeInput: StatisticDuration;
  readonly computeInfer: StatisticDuration;
  readonly computeOutput: StatisticDuration;
}

/** Timestamps (process.hrtime.bigint()) around the steps of one successful inference. */
export interface InferenceTimings {
  readonly started: bigint;
  readonly inputDecoded: bigint;
  /** When the model run serving the request started (later than inputDecoded when it waited for a batch). */
  readonly runStarted: bigint;
  readonly inferred: bigint;
  readonly outputEncoded: bigint;
}

/**
 * Timestamps around one model run, for its batch size's entry: preparing its inputs (decoding a
 * lone request, or merging a dynamic batch's), the engine run, and delivering its outputs
 * (encoding, or cutting the batch's outputs back into the requests' rows).
 */
export interface RunTimings {
  readonly started: bigint;
  readonly runStarted: bigint;
  readonly inferred: bigint;
  readonly finished: bigint;
}

function duration(): StatisticDuration {
  return { count: 0, ns: 0 };
}

function add(target: StatisticDuration, from: bigint, to: bigint): void {
  target.count++;
  target.ns += Number(to - from);
}

/**
 * Cumulative inference statistics of one loaded model, in the shape of the statistics extension
 * (Triton's `ModelStatistics`): decode is compute_input, the engine run compute_infer, encode
 * compute_output, and the wait for a dynamic batch is the queue. There is no response cache, so
 * the cache durations stay zero.
 */
export class ModelStatistics {
  /** Milliseconds since the epoch of the last inference, 0 if none. */
  lastInference = 0;
  /** Batch items inferred (the first dimension of each request's inputs). */
  inferenceCount = 0;
  /** Model runs; fewer than successful requests when dynamic batching merges them. */
  executionCount = 0;
  readonly success = duration();
  readonly fail = duration();
  readonly queue = duration();
  readonly computeInput = duration();
  readonly computeInfer = duration();
  readonly computeOutput = duration();
  readonly cacheHit = duration();
  readonly cacheMiss = duration();
  readonly #batches = new Map<number, BatchStatistics>();

  /** A request answered; `rows` are its own batch items. */
  recordSuccess(rows: number, timings: InferenceTimings): void {
    this.lastInference = Date.now();
    this.inferenceCount += rows;
    add(this.success, timings.started, timings.outputEncoded);
    add(this.computeInput, timings.started, timings.inputDecoded);
    add(this.queue, timings.inputDecoded, timings.runStarted);
    add(this.computeInfer, timings.runStarted, timings.inferred);
    add(this.computeOutput, timings.inferred, timings.outputEncoded);
  }

  /** One model run, serving one request or a dynamic batch of them (successful or not). */
  recordExecution(): void {
    this.executionCount++;
  }

  /**
   * One successful model run of `batchSize` rows. As Triton's `batch_stats`, each entry counts model
   * runs of its size, not the requests they served: a dynamic batch of 8 single-row requests adds
   * one to the size-8 entry.
   */
  recordBatchRun(batchSize: number, timings: RunTimings): void {
    let batch = this.#batches.get(batchSize);
    if (batch === undefined) {
      batch = { batchSize, computeInput: duration(), computeInfer: duration(), computeOutput: duration() };
      this.#batches.set(batchSize, batch);
    }
    add(batch.computeInput, timings.started, timings.runStarted);
    add(batch.computeInfer, timings.runStarted, timings.inferred);
    add(batch.computeOutput, timings.inferred, timings.finished);
  }

  /** A request that reached the model but failed (bad input, engine error). */
  recordFailure(started: bigint, failed: bigint): void {
    this.lastInference = Date.now();
    add(this.fail, started, failed);
  }

  /** Batch statistics ordered by batch size. */
  batches(): BatchStatistics[] {
    return [...this.#batches.values()].sort((a, b) => a.batchSize - b.batchSize);
  }
}

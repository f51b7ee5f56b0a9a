import type { ModelStatistics, StatisticDuration } from '../models/model-statistics';

/**
 * One model's statistics in the statistics extension's shape (Triton's `ModelStatistics`). Field
 * names are the proto's, so the object is both the REST JSON and the gRPC message.
 */
export function modelStatisticsObject(name: string, version: string | undefined, statistics: ModelStatistics) {
  return {
    name,
    version: version ?? '',
    last_inference: statistics.lastInference,
    inference_count: statistics.inferenceCount,
    execution_count: statistics.executionCount,
    inference_stats: {
      success: copy(statistics.success),
      fail: copy(statistics.fail),
      queue: copy(statistics.queue),
      compute_input: copy(statistics.computeInput),
      compute_infer: copy(statistics.computeInfer),
      compute_output: copy(statistics.computeOutput),
      cache_hit: copy(statistics.cacheHit),
      cache_miss: copy(statistics.cacheMiss),
    },
    response_stats: {},
    batch_stats: statistics.batches().map((batch) => ({
      batch_size: batch.batchSize,
      compute_input: copy(batch.computeInput),
      compute_infer: copy(batch.computeInfer),
      compute_output: copy(batch.computeOutput),
    })),
    memory_usage: [],
  };
}

function copy(duration: StatisticDuration): StatisticDuration {
  return { count: duration.count, ns: duration.ns };
}

/**
 * The names kfs-runtime's `/metrics` serves. The four latency histograms carry KServe's names and
 * its `model_name` label (kserve `python/kserve/kserve/metrics.py`), so KServe dashboards work;
 * the rest are kfs-runtime's own. The construct library's `RuntimeMetric` enum (and its Grafana
 * dashboard) lists the same names: change both together.
 */
export const METRIC = {
  PREPROCESS_SECONDS: 'request_preprocess_seconds',
  PREDICT_SECONDS: 'request_predict_seconds',
  POSTPROCESS_SECONDS: 'request_postprocess_seconds',
  EXPLAIN_SECONDS: 'request_explain_seconds',
  REQUESTS_TOTAL: 'kfs_requests_total',
  QUEUE_SECONDS: 'kfs_queue_seconds',
  COMPUTE_SECONDS: 'kfs_compute_seconds',
  BATCH_SIZE: 'kfs_batch_size',
  MODEL_LOADED: 'kfs_model_loaded',
  MODEL_LOAD_SECONDS: 'kfs_model_load_seconds',
  LOGGER_QUEUE_DEPTH: 'kfs_logger_queue_depth',
  LOGGER_DROPPED_TOTAL: 'kfs_logger_dropped_events_total',
  TRACING_DROPPED_SPANS_TOTAL: 'kfs_tracing_dropped_spans_total',
} as const;

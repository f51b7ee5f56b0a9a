/**
 * The Prometheus metrics kfs-runtime serves on `/metrics` (port 8082, `--metrics-port`), which the
 * Grafana dashboard charts. The four latency histograms carry KServe's names and its `model_name`
 * label (kserve `python/kserve/kserve/metrics.py`), so KServe dashboards work too; the rest are
 * kfs-runtime's own. This enum is the contract between the runtime and the dashboard.
 */
export enum RuntimeMetric {
  /** Histogram (seconds) of model execution per request; label `model_name`. KServe's name. */
  PREDICT_SECONDS = 'request_predict_seconds',
  /** Histogram (seconds) of pre-processing; label `model_name`. KServe's name. */
  PREPROCESS_SECONDS = 'request_preprocess_seconds',
  /** Histogram (seconds) of post-processing; label `model_name`. KServe's name. */
  POSTPROCESS_SECONDS = 'request_postprocess_seconds',
  /** Histogram (seconds) of explanations; label `model_name`. KServe's name. */
  EXPLAIN_SECONDS = 'request_explain_seconds',
  /** Counter of inference requests; labels `model_name` and `outcome` (`success` or `failure`). */
  REQUESTS_TOTAL = 'kfs_requests_total',
  /** Histogram (seconds) a request waited for a batch slot; label `model_name`. */
  QUEUE_SECONDS = 'kfs_queue_seconds',
  /** Histogram (seconds) of one model run; label `model_name`. */
  COMPUTE_SECONDS = 'kfs_compute_seconds',
  /** Histogram of rows per model run (dynamic batching); label `model_name`. */
  BATCH_SIZE = 'kfs_batch_size',
  /** Gauge, 1 when the model is loaded and ready; label `model_name`. */
  MODEL_LOADED = 'kfs_model_loaded',
  /** Histogram (seconds) of model load time; label `model_name`. */
  MODEL_LOAD_SECONDS = 'kfs_model_load_seconds',
  /** Gauge of CloudEvents waiting in the request logger's queue. */
  LOGGER_QUEUE_DEPTH = 'kfs_logger_queue_depth',
  /** Counter of CloudEvents the request logger dropped (sink slow or down); label `reason`: `queue_full`, `send_failed` or `shutdown`. */
  LOGGER_DROPPED_TOTAL = 'kfs_logger_dropped_events_total',
  /** Counter of spans tracing did not export, by `reason`: `queue_full` (collector slow or down), `rejected`, `export_failed`. */
  TRACING_DROPPED_SPANS_TOTAL = 'kfs_tracing_dropped_spans_total',
  /** Counter (seconds) of CPU time (Prometheus client default). */
  PROCESS_CPU_SECONDS = 'process_cpu_seconds_total',
  /** Gauge (bytes) of resident memory (Prometheus client default). */
  PROCESS_RESIDENT_MEMORY = 'process_resident_memory_bytes',
}

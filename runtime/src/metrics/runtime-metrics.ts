import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { type Model, ModelState } from '../models/model';
import type { ModelEntry } from '../models/model-repository';
import type { InferenceObserver, RequestTimings } from '../server/inference-observer';
import type { SpanDropReason } from '../tracing/otlp/otlp-span-exporter';
import type { RequestTrace } from '../tracing/request-trace';
import { METRIC } from './metric-names';
import { type CounterSeries, PreResolvedCounter } from './pre-resolved-counter';
import { type HistogramSeries, PreResolvedHistogram } from './pre-resolved-histogram';

/** Latency buckets from 100 µs (a small model's run) to 10 s (a slow explainer). */
const SECONDS_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];
const LOAD_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

/** A model's series on the inference path, resolved once: observing one is a few additions. */
interface ModelSeries {
  readonly success: CounterSeries;
  readonly failure: CounterSeries;
  readonly preprocess: HistogramSeries;
  readonly queue: HistogramSeries;
  readonly predict: HistogramSeries;
  readonly postprocess: HistogramSeries;
  readonly compute: HistogramSeries;
  readonly batchSize: HistogramSeries;
}

/** Why the request logger dropped an event. */
export type DropReason = 'queue_full' | 'send_failed' | 'shutdown';

const seconds = (from: bigint, to: bigint) => Number(to - from) / 1e9;

/**
 * kfs-runtime's Prometheus metrics, in one registry of their own: per-model request outcomes and
 * phase latencies (from the inference path, as an observer), model runs and batch sizes, model
 * load state and load time (from the repository's state changes), the request logger's queue and
 * drops, and Node's process metrics.
 */
export class RuntimeMetrics implements InferenceObserver {
  readonly registry = new Registry();
  readonly #preprocess: PreResolvedHistogram;
  readonly #predict: PreResolvedHistogram;
  readonly #postprocess: PreResolvedHistogram;
  readonly #explain: Histogram<'model_name'>;
  readonly #requests: PreResolvedCounter;
  readonly #queue: PreResolvedHistogram;
  readonly #compute: PreResolvedHistogram;
  readonly #batchSize: PreResolvedHistogram;
  readonly #loaded: Gauge<'model_name'>;
  readonly #loadSeconds: Histogram<'model_name'>;
  readonly #loggerDropped: Counter<'reason'>;
  readonly #tracingDropped: Counter<'reason'>;
  #loggerDepth: () => number = () => 0;
  /** Each model's labelled series, looked up once per request by name. */
  readonly #series = new Map<string, ModelSeries>();

  constructor() {
    const registers = [this.registry];
    const histogram = (name: string, help: string, buckets: number[]) => new Histogram({ name, help, labelNames: ['model_name'] as const, buckets, registers });
    // The per-request series are pre-resolved (one observe per phase per request); the rest stay
    // prom-client's. Registration order is the page's order.
    const perRequest = (name: string, help: string, buckets: number[]) => new PreResolvedHistogram(name, help, buckets, this.registry);
    this.#preprocess = perRequest(METRIC.PREPROCESS_SECONDS, 'Request decoding (pre-processing) time in seconds.', SECONDS_BUCKETS);
    this.#predict = perRequest(METRIC.PREDICT_SECONDS, 'Model run time a request waited for, in seconds (the batch run when batched).', SECONDS_BUCKETS);
    this.#postprocess = perRequest(METRIC.POSTPROCESS_SECONDS, 'Response encoding (post-processing) time in seconds.', SECONDS_BUCKETS);
    this.#explain = histogram(METRIC.EXPLAIN_SECONDS, 'Explanation time in seconds (v1 :explain relayed to the explainer).', SECONDS_BUCKETS);
    this.#requests = new PreResolvedCounter(METRIC.REQUESTS_TOTAL, 'Inference requests by model and outcome (success or failure).', this.registry);
    this.#queue = perRequest(METRIC.QUEUE_SECONDS, 'Time a request waited for its dynamic batch to start, in seconds.', SECONDS_BUCKETS);
    this.#compute = perRequest(METRIC.COMPUTE_SECONDS, 'Time of one model run, in seconds.', SECONDS_BUCKETS);
    this.#batchSize = perRequest(METRIC.BATCH_SIZE, 'Rows per model run.', BATCH_BUCKETS);
    this.#loaded = new Gauge({ name: METRIC.MODEL_LOADED, help: '1 when the model is loaded and ready, else 0.', labelNames: ['model_name'] as const, registers });
    this.#loadSeconds = histogram(METRIC.MODEL_LOAD_SECONDS, 'Model load time in seconds.', LOAD_BUCKETS);
    const depth = () => this.#loggerDepth();
    new Gauge({
      name: METRIC.LOGGER_QUEUE_DEPTH,
      help: 'CloudEvents waiting in the request logger (queued or being sent).',
      registers,
      collect() {
        this.set(depth());
      },
    });
    this.#loggerDropped = new Counter({ name: METRIC.LOGGER_DROPPED_TOTAL, help: 'CloudEvents the request logger dropped, by reason.', labelNames: ['reason'] as const, registers });
    this.#tracingDropped = new Counter({
      name: METRIC.TRACING_DROPPED_SPANS_TOTAL,
      help: 'Spans tracing did not export, by reason: queue_full (collector slow or down), rejected (collector refused them), export_failed (retries used up).',
      labelNames: ['reason'] as const,
      registers,
    });
    collectDefaultMetrics({ register: this.registry });
  }

  requestSucceeded(model: Model, _trace: RequestTrace | undefined, timings: RequestTimings): void {
    const series = this.#seriesOf(model.name);
    series.success.inc();
    series.preprocess.observe(seconds(timings.started, timings.inputDecoded));
    series.queue.observe(seconds(timings.inputDecoded, timings.runStarted));
    series.predict.observe(seconds(timings.runStarted, timings.inferred));
    series.postprocess.observe(seconds(timings.inferred, timings.outputEncoded));
  }

  requestFailed(model: Model): void {
    this.#seriesOf(model.name).failure.inc();
  }

  executionFinished(model: Model, _served: readonly (RequestTrace | undefined)[], rows: number, started: bigint, ended: bigint, error: unknown): void {
    if (error !== undefined) return;
    const series = this.#seriesOf(model.name);
    series.compute.observe(seconds(started, ended));
    series.batchSize.observe(rows);
  }

  #seriesOf(modelName: string): ModelSeries {
    let series = this.#series.get(modelName);
    if (series === undefined) {
      const labels = { model_name: modelName };
      series = {
        success: this.#requests.series({ ...labels, outcome: 'success' }),
        failure: this.#requests.series({ ...labels, outcome: 'failure' }),
        preprocess: this.#preprocess.series(labels),
        queue: this.#queue.series(labels),
        predict: this.#predict.series(labels),
        postprocess: this.#postprocess.series(labels),
        compute: this.#compute.series(labels),
        batchSize: this.#batchSize.series(labels),
      };
      this.#series.set(modelName, series);
    }
    return series;
  }

  /** A relayed `:explain` call took `durationSeconds`. */
  explained(modelName: string, durationSeconds: number): void {
    this.#explain.observe({ model_name: modelName }, durationSeconds);
  }

  /** Follows the repository: loaded state per model, and load time once a load succeeds. */
  modelStateChanged(entry: ModelEntry): void {
    this.#loaded.set({ model_name: entry.name }, entry.state === ModelState.READY ? 1 : 0);
    if (entry.state === ModelState.READY && entry.loadMs !== undefined) this.#loadSeconds.observe({ model_name: entry.name }, entry.loadMs / 1000);
  }

  /** Where the logger queue gauge reads its depth from. */
  trackLoggerQueue(depth: () => number): void {
    this.#loggerDepth = depth;
  }

  /** Spans tracing did not export. */
  tracingSpansDropped(reason: SpanDropReason, count: number): void {
    this.#tracingDropped.inc({ reason }, count);
  }

  loggerDropped(reason: DropReason, count = 1): void {
    this.#loggerDropped.inc({ reason }, count);
  }

  /** The exposition text and its content type. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}

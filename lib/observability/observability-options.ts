import { EgressHost } from '../networking/egress-host';
import { RuntimeTracingOptions } from './runtime-tracing-options';

/**
 * Prometheus scraping of the model servers' metrics, by the de-facto standard `prometheus.io/scrape`,
 * `prometheus.io/port` and `prometheus.io/path` pod annotations (the port is the runtime's metrics port:
 * 8082 for kfs-runtime, the HTTP port for KServe's Python servers).
 */
export interface PrometheusScrapeOptions {
  /**
   * In mesh mode, let Istio merge the application's metrics with Envoy's (its default): the injector
   * points the annotations at its agent (:15020/stats/prometheus), which works under STRICT mTLS
   * because that port is plaintext. The caveats (Istio's docs): the merged page is plaintext, a metric
   * name the application shares with Envoy breaks the scrape, and only annotation-based Prometheus jobs
   * follow it. With `false` the pods opt out (`prometheus.istio.io/merge-metrics: "false"`), and the
   * library keeps the metrics port PERMISSIVE so a sidecar-less Prometheus can scrape it directly.
   * Ignored without a sidecar.
   * @default true
   */
  readonly mergeWithIstio?: boolean;
}

/** Distributed tracing by the pods' Istio sidecars (an Istio `Telemetry`; mesh mode only). */
export interface TracingOptions {
  /**
   * The tracing provider: the name of an `extensionProviders` entry in Istio's mesh config, e.g.
   * `otel-tracing` (OpenTelemetry) or `zipkin`.
   */
  readonly provider: string;

  /**
   * Percentage of requests sampled when the caller made no sampling decision, 0 to 100.
   * @default 1 (Istio's default)
   */
  readonly samplingPercentage?: number;

  /**
   * The provider's collector, so egress control lets spans out, e.g.
   * `EgressHost.http('otel-collector.observability.svc.cluster.local', 4317)`. Required with `egress`.
   * @default - none
   */
  readonly collector?: EgressHost;
}

/** Access logs of the pods' Istio sidecars (an Istio `Telemetry`; mesh mode only). */
export interface AccessLogOptions {
  /**
   * The access-log provider from Istio's mesh config.
   * @default 'envoy' (Istio's built-in provider, logging to the sidecar's stdout)
   */
  readonly provider?: string;

  /**
   * A CEL expression selecting which requests are logged, e.g. `response.code >= 400`.
   * @default - every request
   */
  readonly filter?: string;
}

/** Metrics, tracing and access logs for an InferenceService. */
export interface ObservabilityOptions {
  /**
   * Prometheus scrape annotations on every component's pods.
   * @default - no scrape annotations (KServe's default: `enable-prometheus-scraping` is off)
   */
  readonly prometheus?: PrometheusScrapeOptions;

  /**
   * Tracing by the Istio sidecars.
   * @default - the mesh's defaults
   */
  readonly tracing?: TracingOptions;

  /**
   * Access logging by the Istio sidecars.
   * @default - the mesh's defaults
   */
  readonly accessLogging?: AccessLogOptions;

  /**
   * OpenTelemetry tracing by kfs-runtime itself (predictors served by `ModelRuntime.KFS_RUNTIME`),
   * in any mesh mode. With `egress`, the endpoint's host is allowed.
   * @default - off: the runtime adds no tracing work to requests
   */
  readonly runtimeTracing?: RuntimeTracingOptions;
}

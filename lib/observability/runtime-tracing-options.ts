/**
 * OpenTelemetry tracing inside kfs-runtime (beside the sidecars' spans of `tracing`): a server span
 * per request continuing the caller's W3C `traceparent` or B3 context, with decode, batch queue,
 * inference and encode spans, exported over OTLP/HTTP.
 *
 * A collector that wants headers (a hosted one's API key) gets them from the predictor's `env`:
 * `OTEL_EXPORTER_OTLP_HEADERS` (or `OTEL_EXPORTER_OTLP_TRACES_HEADERS`) as `name=value` pairs,
 * from a Secret (`EnvValue.fromSecretValue`); a plain value is refused, as for other credentials.
 */
export interface RuntimeTracingOptions {
  /**
   * The OTLP/HTTP endpoint (the collector's port 4318), e.g.
   * `http://otel-collector.observability.svc.cluster.local:4318`.
   */
  readonly otlpEndpoint: string;

  /**
   * Share of requests traced when the caller sent no sampling decision, 0 to 1.
   * @default 1
   */
  readonly sampleRatio?: number;

  /**
   * The spans' `service.name`, which tracing UIs list them under.
   * @default - the predictor's service name, `<InferenceService name>-predictor` (the Knative
   *   Service's name, which Istio's spans of the same request use too)
   */
  readonly serviceName?: string;
}

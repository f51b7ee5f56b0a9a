/**
 * OpenTelemetry tracing inside kfs-runtime (beside the sidecars' spans of `tracing`): a server span
 * per request continuing the caller's W3C `traceparent` or B3 context, with decode, batch queue,
 * inference and encode spans, exported over OTLP/HTTP.
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
}

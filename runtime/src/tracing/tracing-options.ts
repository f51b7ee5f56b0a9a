import type { OtlpCompression } from './otel-environment';

/** Tracing of the inference path, exported over OTLP; off unless an OTLP endpoint is given. */
export interface TracingOptions {
  /**
   * Where spans are exported, OTLP over HTTP with protobuf bodies (the collector's port 4318), e.g.
   * `http://otel-collector.observability:4318`; `/v1/traces` is appended unless the URL has a path.
   */
  readonly otlpEndpoint: string;
  /**
   * Share of requests traced when the caller sent no sampling decision, 0 to 1; a caller's
   * `traceparent` (or B3) decision is always followed.
   * @default 1
   */
  readonly sampleRatio?: number;
  /**
   * The `service.name` of the spans. The CLI takes `--trace-service-name`, else `OTEL_SERVICE_NAME`,
   * else `service.name` in `OTEL_RESOURCE_ATTRIBUTES`, else the Knative Service's name (`K_SERVICE`).
   * @default 'kfs-runtime'
   */
  readonly serviceName?: string;
  /**
   * More attributes of the spans' resource (`deployment.environment.name`, say); the CLI reads them
   * from `OTEL_RESOURCE_ATTRIBUTES`. `service.instance.id` defaults to the host name (the pod's name).
   * @default - none
   */
  readonly resourceAttributes?: Readonly<Record<string, string>>;
  /**
   * HTTP headers sent with every export, e.g. a hosted collector's API key. The CLI reads them
   * from `OTEL_EXPORTER_OTLP_HEADERS` and `OTEL_EXPORTER_OTLP_TRACES_HEADERS`.
   * @default - none
   */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Export bodies gzip-compressed (`Content-Encoding: gzip`) or not. The CLI reads
   * `OTEL_EXPORTER_OTLP_TRACES_COMPRESSION` / `OTEL_EXPORTER_OTLP_COMPRESSION`.
   * @default 'none'
   */
  readonly compression?: OtlpCompression;
  /**
   * How long one export may take before it counts as failed (and is retried). The CLI reads
   * `OTEL_EXPORTER_OTLP_TRACES_TIMEOUT` / `OTEL_EXPORTER_OTLP_TIMEOUT`.
   * @default 10000 (OTLP's default)
   */
  readonly exportTimeoutMs?: number;
}

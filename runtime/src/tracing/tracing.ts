import {
  type Attributes,
  type Context,
  diag,
  DiagLogLevel,
  type HrTime,
  type Link,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type TextMapGetter,
  type Tracer,
} from '@opentelemetry/api';
import { CompositePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { B3Propagator } from '@opentelemetry/propagator-b3';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, ParentBasedSampler, TraceIdRatioBasedSampler, TracerProvider } from '@opentelemetry/sdk-trace';
import type { Model } from '../models/model';
import type { InferenceObserver, RequestTimings } from '../server/inference-observer';
import { RUNTIME_NAME, RUNTIME_VERSION } from '../version';
import type { RequestTrace } from './request-trace';
import { type TracingEvents, TracingDiagnostics } from './tracing-diagnostics';
import type { TracingOptions } from './tracing-options';

/** Reads a propagation header from whatever carries them (HTTP headers, gRPC metadata). */
export type HeaderGetter<Carrier> = TextMapGetter<Carrier>;

/**
 * OpenTelemetry for the inference path: extracts the caller's context (W3C `traceparent` /
 * `tracestate`, and B3 single or multi header, which Istio's default config emits), starts a
 * server span per request, and records the decode, queue (batch wait), inference and encode
 * phases as child spans from the timestamps the inference path already takes. A model run that
 * served a dynamic batch is one `inference` span linked to every request span it served.
 * Exported over OTLP/HTTP (protobuf) in batches, off the request path.
 *
 * Only constructed when tracing is configured: with tracing off there is no hook, no interceptor
 * and no observer, so requests pay nothing for it.
 */
export class InferenceTracing implements InferenceObserver {
  readonly #provider: TracerProvider;
  readonly #tracer: Tracer;
  readonly #propagator = new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new B3Propagator()] });
  /** hrtime → wall clock: one anchor, so span times keep hrtime's resolution. */
  readonly #anchorEpochNs = BigInt(Date.now()) * 1_000_000n;
  readonly #anchorHr = process.hrtime.bigint();

  /**
   * @param events where dropped spans and export failures go (the SDK's diagnostics are process-wide,
   *   so the last tracing constructed in a process receives them).
   */
  constructor(options: TracingOptions, events?: TracingEvents) {
    if (events !== undefined) diag.setLogger(new TracingDiagnostics(events), { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
    this.#provider = new TracerProvider({
      resource: resourceFromAttributes({ 'service.name': options.serviceName ?? RUNTIME_NAME, 'service.version': RUNTIME_VERSION }),
      sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(options.sampleRatio ?? 1) }),
      spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: tracesUrl(options.otlpEndpoint) }), scheduledDelayMillis: 1000 })],
    });
    this.#tracer = this.#provider.getTracer(RUNTIME_NAME, RUNTIME_VERSION);
  }

  /** Starts the server span of a request, as a child of the caller's span when it sent one. */
  startRequest<Carrier>(carrier: Carrier, getter: HeaderGetter<Carrier>, name: string, attributes: Attributes): RequestTrace {
    const parent = this.#propagator.extract(ROOT_CONTEXT, carrier, getter);
    const span = this.#tracer.startSpan(name, { kind: SpanKind.SERVER, attributes }, parent);
    return { span, context: trace.setSpan(parent, span) };
  }

  /** Ends a request span; `error` marks it failed with the message clients got. */
  endRequest(requestTrace: RequestTrace, attributes: Attributes, error?: string): void {
    requestTrace.span.setAttributes(attributes);
    if (error !== undefined) requestTrace.span.setStatus({ code: SpanStatusCode.ERROR, message: error });
    requestTrace.span.end();
  }

  requestSucceeded(model: Model, requestTrace: RequestTrace | undefined, timings: RequestTimings): void {
    if (requestTrace === undefined || !requestTrace.span.isRecording()) return;
    requestTrace.span.setAttribute('kfs.model.name', model.name);
    this.#phase(requestTrace.context, 'decode', timings.started, timings.inputDecoded);
    if (timings.runStarted > timings.inputDecoded) this.#phase(requestTrace.context, 'queue', timings.inputDecoded, timings.runStarted);
    this.#phase(requestTrace.context, 'encode', timings.inferred, timings.outputEncoded);
  }

  requestFailed(model: Model, requestTrace: RequestTrace | undefined, _started: bigint, _failed: bigint, error: unknown): void {
    if (requestTrace === undefined || !requestTrace.span.isRecording()) return;
    requestTrace.span.setAttribute('kfs.model.name', model.name);
    requestTrace.span.recordException(error as Error);
  }

  executionFinished(model: Model, served: readonly (RequestTrace | undefined)[], rows: number, started: bigint, ended: bigint, error: unknown): void {
    const traced = served.filter((requestTrace): requestTrace is RequestTrace => requestTrace !== undefined && requestTrace.span.isRecording());
    if (traced.length === 0) return;
    // A run for one request is its child; a batch run belongs to no single request, so it starts
    // its own trace and links every request span it served (OpenTelemetry's batch pattern).
    const parent = served.length === 1 ? traced[0]!.context : ROOT_CONTEXT;
    const links: Link[] = served.length === 1 ? [] : traced.map((requestTrace) => ({ context: requestTrace.span.spanContext() }));
    const span = this.#tracer.startSpan(
      'inference',
      { startTime: this.#hrTime(started), links, attributes: { 'kfs.model.name': model.name, 'kfs.batch.rows': rows, 'kfs.batch.requests': served.length } },
      parent,
    );
    if (error !== undefined) span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
    span.end(this.#hrTime(ended));
  }

  /** Sends the spans still buffered, then stops exporting (server shutdown). */
  async shutdown(): Promise<void> {
    await this.#provider.shutdown().catch(() => undefined);
  }

  /** Spans still buffered are sent now; a failed export is reported through the events given to the constructor. */
  async flush(): Promise<void> {
    await this.#provider.forceFlush().catch(() => undefined);
  }

  #phase(parent: Context, name: string, from: bigint, to: bigint): void {
    this.#tracer.startSpan(name, { startTime: this.#hrTime(from) }, parent).end(this.#hrTime(to));
  }

  #hrTime(at: bigint): HrTime {
    const epochNs = this.#anchorEpochNs + (at - this.#anchorHr);
    return [Number(epochNs / 1_000_000_000n), Number(epochNs % 1_000_000_000n)];
  }
}

/** The OTLP/HTTP traces URL: the endpoint as given when it has a path, else with `/v1/traces`. */
export function tracesUrl(endpoint: string): string {
  const url = new URL(endpoint);
  return url.pathname === '/' ? new URL('/v1/traces', url).toString() : endpoint;
}

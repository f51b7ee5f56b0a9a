import { hostname } from 'node:os';
import type { Model } from '../models/model';
import type { InferenceObserver, RequestTimings } from '../server/inference-observer';
import { RUNTIME_NAME, RUNTIME_VERSION } from '../version';
import { ExportRequestFrame } from './otlp/otlp-trace-encoding';
import { OtlpSpanExporter, type SpanExportEvents } from './otlp/otlp-span-exporter';
import { RequestTrace } from './request-trace';
import { type AttributeValue, SpanKind, StatusCode } from './span';
import { RandomIds } from './trace-ids';
import { extractPropagation, type HeaderReader } from './trace-propagation';
import { isSampled } from './trace-sampling';
import type { TracingOptions } from './tracing-options';

/**
 * Tracing of the inference path, exported over OTLP: continues the caller's trace (W3C
 * `traceparent` / `tracestate`, or B3 single or multi header, which Istio's Zipkin setup emits),
 * makes a server span per request, and records the decode, queue (batch wait), inference and encode
 * phases as its child spans from the timestamps the inference path already takes. A model run that
 * served a dynamic batch is one `inference` span linked to every request span it served.
 *
 * Spans follow OpenTelemetry's data model and semantic conventions and reach any OpenTelemetry
 * collector, but are made here rather than by the OpenTelemetry SDK: the SDK cost more CPU per
 * request than the request itself (span objects, context objects, and a queue of them that survives
 * into the old generation). Here a span is a few fields until it ends, and protobuf bytes once the
 * exporter encodes it with the run of spans it ended in.
 *
 * Only constructed when tracing is configured: with tracing off there is no hook, no interceptor
 * and no observer, so requests pay nothing for it.
 */
export class InferenceTracing implements InferenceObserver {
  readonly #exporter: OtlpSpanExporter;
  readonly #ids = new RandomIds();
  readonly #sampleRatio: number;
  /** hrtime → wall clock: one anchor, so span times keep hrtime's resolution. */
  readonly #anchorEpochNs = BigInt(Date.now()) * 1_000_000n;
  readonly #anchorHr = process.hrtime.bigint();

  /**
   * @param events where dropped spans and failed exports go.
   */
  constructor(options: TracingOptions, events: SpanExportEvents) {
    this.#sampleRatio = options.sampleRatio ?? 1;
    const frame = new ExportRequestFrame({
      resource: {
        'service.instance.id': hostname(),
        'service.version': RUNTIME_VERSION,
        ...options.resourceAttributes,
        'service.name': options.serviceName ?? RUNTIME_NAME,
      },
      scope: { name: RUNTIME_NAME, version: RUNTIME_VERSION },
    });
    this.#exporter = new OtlpSpanExporter(
      frame,
      {
        url: new URL(tracesUrl(options.otlpEndpoint)),
        ...(options.headers === undefined ? {} : { headers: options.headers }),
        ...(options.compression === undefined ? {} : { compression: options.compression }),
        ...(options.exportTimeoutMs === undefined ? {} : { timeoutMs: options.exportTimeoutMs }),
      },
      events,
    );
  }

  /**
   * Starts the server span of a request, as a child of the caller's span when it sent one; undefined
   * when the request is not sampled (the caller said so, or the sample ratio left it out).
   */
  startRequest(header: HeaderReader, name: string, attributes: Record<string, AttributeValue>): RequestTrace | undefined {
    const { parent, sampled } = extractPropagation(header);
    const traceId = parent?.traceId ?? this.#ids.traceId();
    if (!isSampled(sampled, traceId, this.#sampleRatio)) return undefined;
    return new RequestTrace(traceId, this.#ids.spanId(), parent?.spanId, parent?.traceState, name, process.hrtime.bigint(), attributes);
  }

  /** Ends a request span; `error` marks it failed with the message clients got. */
  endRequest(trace: RequestTrace, attributes: Record<string, AttributeValue>, error?: string): void {
    Object.assign(trace.attributes, attributes);
    this.#exporter.add({
      traceId: trace.traceId,
      spanId: trace.spanId,
      parentSpanId: trace.parentSpanId,
      parentIsRemote: trace.parentSpanId !== undefined,
      traceState: trace.traceState,
      name: trace.name,
      kind: SpanKind.SERVER,
      startNs: this.#epochNs(trace.started),
      endNs: this.#epochNs(process.hrtime.bigint()),
      attributes: trace.attributes,
      events: trace.events,
      status: error === undefined ? undefined : { code: StatusCode.ERROR, message: error },
    });
  }

  requestSucceeded(model: Model, trace: RequestTrace | undefined, timings: RequestTimings): void {
    if (trace === undefined) return;
    trace.attributes['kfs.model.name'] = model.name;
    this.#phase(trace, 'decode', timings.started, timings.inputDecoded);
    if (timings.runStarted > timings.inputDecoded) this.#phase(trace, 'queue', timings.inputDecoded, timings.runStarted);
    this.#phase(trace, 'encode', timings.inferred, timings.outputEncoded);
  }

  /** The error goes on the request span as an `exception` event (OpenTelemetry's exception convention). */
  requestFailed(model: Model, trace: RequestTrace | undefined, _started: bigint, failed: bigint, error: unknown): void {
    if (trace === undefined) return;
    trace.attributes['kfs.model.name'] = model.name;
    const exception = error instanceof Error ? error : new Error(String(error));
    (trace.events ??= []).push({
      name: 'exception',
      timeNs: this.#epochNs(failed),
      attributes: {
        'exception.type': exception.name,
        'exception.message': exception.message,
        ...(exception.stack === undefined ? {} : { 'exception.stacktrace': exception.stack }),
      },
    });
  }

  executionFinished(model: Model, served: readonly (RequestTrace | undefined)[], rows: number, started: bigint, ended: bigint, error: unknown): void {
    const traced = served.filter((trace): trace is RequestTrace => trace !== undefined);
    if (traced.length === 0) return;
    // A run for one request is its child; a batch run belongs to no single request, so it starts
    // its own trace and links every request span it served (OpenTelemetry's batch pattern).
    const own = served.length === 1 ? traced[0] : undefined;
    this.#exporter.add({
      traceId: own?.traceId ?? this.#ids.traceId(),
      spanId: this.#ids.spanId(),
      parentSpanId: own?.spanId,
      links: own === undefined ? traced : undefined,
      parentIsRemote: false,
      traceState: own?.traceState,
      name: 'inference',
      kind: SpanKind.INTERNAL,
      startNs: this.#epochNs(started),
      endNs: this.#epochNs(ended),
      attributes: { 'kfs.model.name': model.name, 'kfs.batch.rows': rows, 'kfs.batch.requests': served.length },
      status: error === undefined ? undefined : { code: StatusCode.ERROR, message: error instanceof Error ? error.message : String(error) },
    });
  }

  /** Sends the spans still queued, then stops exporting (server shutdown). */
  async shutdown(): Promise<void> {
    await this.#exporter.shutdown();
  }

  /** Sends the spans queued so far; failures are reported through the events given to the constructor. */
  async flush(): Promise<void> {
    await this.#exporter.flush();
  }

  #phase(trace: RequestTrace, name: string, from: bigint, to: bigint): void {
    this.#exporter.add({
      traceId: trace.traceId,
      spanId: this.#ids.spanId(),
      parentSpanId: trace.spanId,
      parentIsRemote: false,
      traceState: trace.traceState,
      name,
      kind: SpanKind.INTERNAL,
      startNs: this.#epochNs(from),
      endNs: this.#epochNs(to),
    });
  }

  #epochNs(hrtime: bigint): bigint {
    return this.#anchorEpochNs + (hrtime - this.#anchorHr);
  }
}

/** The OTLP/HTTP traces URL: the endpoint as given when it has a path, else with `/v1/traces`. */
export function tracesUrl(endpoint: string): string {
  const url = new URL(endpoint);
  return url.pathname === '/' ? new URL('/v1/traces', url).toString() : endpoint;
}

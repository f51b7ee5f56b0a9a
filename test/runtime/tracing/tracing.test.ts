import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { RUNTIME_VERSION } from '../../../runtime/src/version';
import { type CliServer, startCliServer } from '../helpers/cli-server';
import { GrpcInferClient } from '../helpers/grpc-client';
import { OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver';

// The server runs as its own process, as in production; the receiver decodes what it exports with
// opentelemetry-proto's own Python bindings. Spans are exported in batches, about once a second.
const TRACING = ['--otlp-endpoint', '', '--disable-metrics', '--drain-seconds', '0'];

const IRIS_BODY = JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: [6.0, 2.9, 4.9, 1.6] }] });
const SERVER = 2;
const INTERNAL = 1;

function ids(): { traceId: string; spanId: string } {
  return { traceId: randomBytes(16).toString('hex'), spanId: randomBytes(8).toString('hex') };
}

function tracingArgs(receiver: OtlpReceiver): string[] {
  return TRACING.map((arg) => (arg === '' ? receiver.endpoint : arg));
}

function infer(server: CliServer, headers: Record<string, string>): Promise<Response> {
  return fetch(`${server.url}/v2/models/iris/infer`, { method: 'POST', body: IRIS_BODY, headers: { 'content-type': 'application/json', ...headers } });
}

function named(spans: ReceivedSpan[], name: string): ReceivedSpan {
  const span = spans.find((candidate) => candidate.name === name);
  if (span === undefined) throw new Error(`no span '${name}' among ${spans.map((s) => s.name).join(', ')}`);
  return span;
}

describe('OpenTelemetry tracing', () => {
  let receiver: OtlpReceiver;
  let server: CliServer;
  beforeAll(async () => {
    receiver = await OtlpReceiver.start();
    server = await startCliServer(['--model', 'iris=models/iris', ...tracingArgs(receiver)]);
  }, 90_000);
  afterAll(async () => {
    await server?.kill();
    await receiver?.stop();
  });

  it("exports a server span under the caller's W3C traceparent, with decode, inference and encode as its children", async () => {
    const { traceId, spanId } = ids();
    const response = await infer(server, { traceparent: `00-${traceId}-${spanId}-01`, tracestate: 'vendor=abc' });
    expect(response.status).toBe(200);
    const spans = await receiver.trace(traceId, 4);

    const request = named(spans, 'POST /v2/models/:model/infer');
    expect(request).toMatchObject({
      parent_span_id: spanId,
      trace_state: 'vendor=abc',
      kind: SERVER,
      status: 0,
      scope: 'kfs-runtime',
      attributes: { 'http.request.method': 'POST', 'http.route': '/v2/models/:model/infer', 'url.path': '/v2/models/iris/infer', 'http.response.status_code': 200, 'kfs.model.name': 'iris' },
      // No K_SERVICE outside Knative: the runtime's own name; the instance is the host (the pod).
      resource: { 'service.name': 'kfs-runtime', 'service.version': RUNTIME_VERSION, 'service.instance.id': hostname() },
      scope_version: RUNTIME_VERSION,
      // Sampled, and its parent is the caller's (remote) span.
      flags: 0x01 | 0x100 | 0x200,
      events: [],
    });
    for (const phase of ['decode', 'inference', 'encode']) {
      // Children of a span in this process carry the caller's tracestate on.
      expect(named(spans, phase)).toMatchObject({ trace_id: traceId, parent_span_id: request.span_id, kind: INTERNAL, flags: 0x01 | 0x100, trace_state: 'vendor=abc' });
    }
    expect(named(spans, 'inference').attributes).toMatchObject({ 'kfs.model.name': 'iris', 'kfs.batch.rows': 1, 'kfs.batch.requests': 1 });
    // Unbatched requests do not wait in a queue.
    expect(spans.map((span) => span.name).sort()).toEqual(['POST /v2/models/:model/infer', 'decode', 'encode', 'inference']);
    // The phases happen inside the request, in order.
    const [decode, inference, encode] = ['decode', 'inference', 'encode'].map((name) => named(spans, name));
    expect(decode!.start_ns).toBeGreaterThanOrEqual(request.start_ns);
    expect(inference!.start_ns).toBeGreaterThanOrEqual(decode!.end_ns);
    expect(encode!.start_ns).toBeGreaterThanOrEqual(inference!.end_ns);
    expect(request.end_ns).toBeGreaterThanOrEqual(encode!.end_ns);
  });

  it("continues a B3 single-header trace (Istio's default propagation)", async () => {
    const { traceId, spanId } = ids();
    expect((await infer(server, { b3: `${traceId}-${spanId}-1` })).status).toBe(200);
    expect(named(await receiver.trace(traceId, 4), 'POST /v2/models/:model/infer').parent_span_id).toBe(spanId);
  });

  it('continues a B3 multi-header trace', async () => {
    const { traceId, spanId } = ids();
    expect((await infer(server, { 'x-b3-traceid': traceId, 'x-b3-spanid': spanId, 'x-b3-sampled': '1' })).status).toBe(200);
    expect(named(await receiver.trace(traceId, 4), 'POST /v2/models/:model/infer').parent_span_id).toBe(spanId);
  });

  it('traces gRPC calls from the traceparent in their metadata', async () => {
    const { traceId, spanId } = ids();
    const grpc = new GrpcInferClient(server.grpcTarget);
    try {
      await grpc.infer({ model_name: 'iris', inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4] }], raw_input_contents: [Buffer.alloc(16)] }, { traceparent: `00-${traceId}-${spanId}-01` });
    } finally {
      grpc.close();
    }
    const spans = await receiver.trace(traceId, 4);
    const call = named(spans, 'inference.GRPCInferenceService/ModelInfer');
    expect(call).toMatchObject({ parent_span_id: spanId, kind: SERVER, attributes: { 'rpc.system': 'grpc', 'rpc.method': 'ModelInfer', 'rpc.grpc.status_code': 0 } });
    expect(named(spans, 'inference').parent_span_id).toBe(call.span_id);
  });

  it("records a refused request's status code, leaving a 4xx span's status unset (OpenTelemetry's HTTP server convention)", async () => {
    const { traceId, spanId } = ids();
    const response = await fetch(`${server.url}/v2/models/iris/infer`, { method: 'POST', body: '{"inputs": 1}', headers: { traceparent: `00-${traceId}-${spanId}-01` } });
    expect(response.status).toBe(400);
    const [request] = await receiver.trace(traceId, 1);
    expect(request).toMatchObject({ name: 'POST /v2/models/:model/infer', parent_span_id: spanId, status: 0, attributes: { 'http.response.status_code': 400 } });
  });

  it('records a failure inside the model path as an exception event on the request span', async () => {
    const { traceId, spanId } = ids();
    // Three values where the model takes four: refused by the model's input check, not by JSON parsing.
    const body = JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 3], data: [1, 2, 3] }] });
    const response = await fetch(`${server.url}/v2/models/iris/infer`, { method: 'POST', body, headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-${spanId}-01` } });
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as { error: string };
    const [request] = await receiver.trace(traceId, 1);
    expect(request!.attributes).toMatchObject({ 'kfs.model.name': 'iris', 'http.response.status_code': 400 });
    expect(request!.events).toEqual([{ name: 'exception', time_ns: expect.any(Number), attributes: expect.objectContaining({ 'exception.message': error, 'exception.type': expect.any(String) }) }]);
    expect(request!.events[0]!.time_ns).toBeGreaterThanOrEqual(request!.start_ns);
    expect(request!.events[0]!.time_ns).toBeLessThanOrEqual(request!.end_ns);
  });

  it("follows the caller's decision: a traceparent that is not sampled exports nothing", async () => {
    const { traceId, spanId } = ids();
    expect((await infer(server, { traceparent: `00-${traceId}-${spanId}-00` })).status).toBe(200);
    const { traceId: marker, spanId: markerSpan } = ids();
    expect((await infer(server, { traceparent: `00-${marker}-${markerSpan}-01` })).status).toBe(200);
    await receiver.trace(marker, 4);
    expect((await receiver.spans()).filter((span) => span.trace_id === traceId)).toEqual([]);
  });

  it('starts a new trace at the sample ratio when the caller sent no decision, and never when the caller said not to', async () => {
    const sampled = await startCliServer(['--model', 'iris=models/iris', ...tracingArgs(receiver), '--trace-sample-ratio', '0']);
    try {
      // Ratio 0 leaves out every request that brings no decision, with or without a B3 parent.
      const { traceId: deferred, spanId: deferredParent } = ids();
      expect((await infer(sampled, { 'x-b3-traceid': deferred, 'x-b3-spanid': deferredParent })).status).toBe(200);
      const { traceId: denied, spanId: deniedParent } = ids();
      expect((await infer(sampled, { b3: `${denied}-${deniedParent}-0` })).status).toBe(200);
      // A caller that sampled is followed whatever the ratio.
      const { traceId: marker, spanId: markerParent } = ids();
      expect((await infer(sampled, { b3: `${marker}-${markerParent}-1` })).status).toBe(200);
      expect(await receiver.trace(marker, 4)).toHaveLength(4);
      const all = await receiver.spans();
      expect(all.filter((span) => span.trace_id === deferred || span.trace_id === denied)).toEqual([]);
    } finally {
      await sampled.kill();
    }
  });

  it('exports as the OpenTelemetry environment says: headers, gzip, and the resource it names', async () => {
    const env = {
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20general, x-tenant=a',
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'Authorization=Bearer%20traces',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=staging,service.instance.id=pod-1',
      OTEL_EXPORTER_OTLP_COMPRESSION: 'gzip',
      // What Knative sets in the pod: the spans are then named after the Knative Service.
      K_SERVICE: 'iris-predictor',
    };
    const withHeaders = await startCliServer(['--model', 'iris=models/iris', ...tracingArgs(receiver)], env);
    try {
      const { traceId, spanId } = ids();
      expect((await infer(withHeaders, { traceparent: `00-${traceId}-${spanId}-01` })).status).toBe(200);
      const [span] = await receiver.trace(traceId, 4);
      expect(span!.resource).toEqual({ 'service.name': 'iris-predictor', 'service.version': RUNTIME_VERSION, 'service.instance.id': 'pod-1', 'deployment.environment.name': 'staging' });
      // The signal-specific variable wins for a name both give.
      // Compressed on request; the receiver (opentelemetry-proto) decoded the gunzipped body above.
      expect(await receiver.exportHeaders()).toContainEqual(
        expect.objectContaining({ authorization: 'Bearer traces', 'x-tenant': 'a', 'content-type': 'application/x-protobuf', 'content-encoding': 'gzip' }),
      );
    } finally {
      await withHeaders.kill();
    }
  });

  it('exports the spans still buffered on SIGTERM before exiting', async () => {
    const stopping = await startCliServer(['--model', 'iris=models/iris', ...tracingArgs(receiver)]);
    try {
      const { traceId, spanId } = ids();
      expect((await infer(stopping, { traceparent: `00-${traceId}-${spanId}-01` })).status).toBe(200);
      stopping.child.kill('SIGTERM');
      expect(await stopping.exit).toEqual({ code: 0, signal: null });
      // Exported by the shutdown, not by a timer: the default export delay (1 s) had not passed.
      expect((await receiver.spans()).filter((span) => span.trace_id === traceId)).toHaveLength(4);
    } finally {
      await stopping.kill();
    }
  }, 60_000);

  it('links the one inference span of a dynamic batch to every request span it served', async () => {
    // Three callers fill a batch of three: maxLatency is long enough that only the size runs it.
    const batched = await startCliServer(['--model', 'iris=models/iris', ...tracingArgs(receiver), '--max-batch-size', '3', '--max-latency-ms', '10000']);
    try {
      const callers = [ids(), ids(), ids()];
      const statuses = await Promise.all(callers.map(({ traceId, spanId }) => infer(batched, { traceparent: `00-${traceId}-${spanId}-01` }).then((r) => r.status)));
      expect(statuses).toEqual([200, 200, 200]);
        const requestSpans: ReceivedSpan[] = [];
      for (const { traceId, spanId } of callers) {
        const spans = await receiver.trace(traceId, 4);
        const request = named(spans, 'POST /v2/models/:model/infer');
        expect(request.parent_span_id).toBe(spanId);
        // Each request waited in the batcher's queue; the run itself is not in its trace.
        expect(spans.map((span) => span.name).sort()).toEqual(['POST /v2/models/:model/infer', 'decode', 'encode', 'queue']);
        expect(named(spans, 'queue').parent_span_id).toBe(request.span_id);
        requestSpans.push(request);
      }
      const batchSpans = (await receiver.spans()).filter(
        (span) => span.name === 'inference' && span.links.some((link) => link.span_id === requestSpans[0]!.span_id),
      );
      expect(batchSpans).toHaveLength(1);
      const [batch] = batchSpans;
      expect(batch!.parent_span_id).toBe('');
      // A root span of ours; its links point at spans of this process.
      expect(batch!.flags).toBe(0x01 | 0x100);
      expect(batch!.links.map((link) => link.flags)).toEqual([0x101, 0x101, 0x101]);
      expect(batch!.attributes).toMatchObject({ 'kfs.batch.rows': 3, 'kfs.batch.requests': 3 });
      expect(batch!.links.map((link) => `${link.trace_id}/${link.span_id}`).sort()).toEqual(requestSpans.map((span) => `${span.trace_id}/${span.span_id}`).sort());
    } finally {
      await batched.kill();
    }
  });
});

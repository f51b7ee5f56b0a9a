/** @jest-environment <rootDir>/test/runtime/helpers/onnx-environment.js */
import type { RunningServer } from '../../../runtime/src';
import { CloudEventsSink, type ReceivedEvent } from '../helpers/cloudevents-sink';
import { GrpcInferClient } from '../helpers/grpc-client';
import { IRIS_DIR } from '../helpers/paths';
import { startTestServer } from '../helpers/test-server';

const IRIS_BODY = JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: [6.0, 2.9, 4.9, 1.6] }] });
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function infer(server: RunningServer, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${server.url}/v2/models/iris/infer`, { method: 'POST', body: IRIS_BODY, headers: { 'content-type': 'application/json', ...headers } });
}

function decoded(event: ReceivedEvent): string {
  return Buffer.from(event.data, 'base64').toString('utf8');
}

describe('CloudEvents request/response logging', () => {
  let sink: CloudEventsSink;
  beforeAll(async () => {
    sink = await CloudEventsSink.start();
  });
  afterAll(async () => {
    await sink.stop();
  });

  async function eventsWithId(id: string, count: number): Promise<ReceivedEvent[]> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const events = (await sink.events()).filter((event) => event.attributes.id === id);
      if (events.length >= count || Date.now() > deadline) return events;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it("posts the request and its response in binary mode with KServe's types and attributes and one ce-id", async () => {
    const server = await startTestServer([{ name: 'iris', uri: IRIS_DIR }], {
      payloadLogging: {
        url: `${sink.base}/ok`,
        mode: 'all',
        metadataHeaders: ['x-user', 'x-absent'],
        inferenceService: 'iris-isvc',
        namespace: 'ml',
        component: 'predictor',
        endpoint: 'default',
        sourceUri: 'iris-isvc-predictor-abc',
        metadataAnnotations: { 'serving.kserve.io/team': 'ml', note: 'naïve' },
      },
    });
    try {
      const response = await infer(server, { 'ce-id': 'req-42', 'x-user': 'alice' });
      expect(response.status).toBe(200);
      const responseBody = await response.text();
      const events = await eventsWithId('req-42', 2);
      const request = events.find((event) => event.attributes.type === 'org.kubeflow.serving.inference.request')!;
      const reply = events.find((event) => event.attributes.type === 'org.kubeflow.serving.inference.response')!;
      const shared = {
        specversion: '1.0',
        id: 'req-42',
        source: 'iris-isvc-predictor-abc',
        inferenceservicename: 'iris-isvc',
        namespace: 'ml',
        component: 'predictor',
        endpoint: 'default',
        metadata: '{"x-user":["alice"]}',
        // KServe's `annotations` extension. What a header cannot carry is percent-encoded, as the
        // CloudEvents HTTP binding says (this sink's SDK hands it over still encoded).
        annotations: '{"serving.kserve.io/team":"ml","note":"na%C3%AFve"}',
      };
      expect(request.attributes).toMatchObject(shared);
      expect(reply.attributes).toMatchObject(shared);
      expect(new Date(request.attributes.time!).getTime()).toBeLessThanOrEqual(new Date(reply.attributes.time!).getTime());
      expect(request.content_type).toBe('application/json');
      expect(decoded(request)).toBe(IRIS_BODY);
      expect(reply.content_type).toBe('application/json; charset=utf-8');
      expect(decoded(reply)).toBe(responseBody);
    } finally {
      await server.close();
    }
  });

  it('logs gRPC ModelInfer and v1 predict too, each request and response under one new UUID', async () => {
    const server = await startTestServer([{ name: 'iris', uri: IRIS_DIR }], { payloadLogging: { url: `${sink.base}/ok` } });
    const grpc = new GrpcInferClient(server.grpcTarget);
    try {
      const earlier = await sink.events();
      const before = new Set(earlier.map((event) => event.attributes.id));
      await grpc.infer({ model_name: 'iris', inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4] }], raw_input_contents: [Buffer.alloc(16)] });
      const v1 = await fetch(`${server.url}/v1/models/iris:predict`, { method: 'POST', body: '{"instances": [[6.0, 2.9, 4.9, 1.6]]}' });
      expect(v1.status).toBe(200);
      const v1Body = await v1.text();
      // Not inference: never logged.
      expect((await fetch(`${server.url}/v2/models/iris`)).status).toBe(200);
      // Earlier tests left two events (request, response) per id: wait on the total count, not the ids.
      const events = (await sink.waitForEvents(earlier.length + 4)).filter((event) => !before.has(event.attributes.id));
      expect(events).toHaveLength(4);
      const ids = [...new Set(events.map((event) => event.attributes.id))];
      expect(ids).toHaveLength(2);
      for (const id of ids) {
        expect(id).toMatch(UUID);
        expect(events.filter((event) => event.attributes.id === id).map((event) => event.attributes.type).sort()).toEqual([
          'org.kubeflow.serving.inference.request',
          'org.kubeflow.serving.inference.response',
        ]);
      }
      const grpcRequest = events.find((event) => event.content_type === 'application/x-protobuf; messageType=inference.ModelInferRequest');
      expect(Buffer.from(grpcRequest!.data, 'base64').includes(Buffer.from('iris'))).toBe(true);
      expect(events.some((event) => event.content_type === 'application/x-protobuf; messageType=inference.ModelInferResponse')).toBe(true);
      expect(events.map(decoded)).toContain(v1Body);
      // No component given: KServe's defaults.
      expect(events[0]!.attributes).toMatchObject({ component: 'predictor', endpoint: '' });
    } finally {
      grpc.close();
      await server.close();
    }
  });

  it('logs every message of a ModelStreamInfer stream, each request paired with its own response, no response for an in-band error', async () => {
    const server = await startTestServer([{ name: 'iris', uri: IRIS_DIR }], { payloadLogging: { url: `${sink.base}/ok` } });
    const grpc = new GrpcInferClient(server.grpcTarget);
    try {
      const good = (id: string) => ({ model_name: 'iris', id, inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4] }], raw_input_contents: [Buffer.from(new Float32Array([6.0, 2.9, 4.9, 1.6]).buffer)] });
      const bad = { model_name: 'iris', id: 'bad', inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 3] }], raw_input_contents: [Buffer.alloc(12)] };
      const responses = await grpc.streamInfer([good('first'), bad, good('third')], { 'ce-id': 'stream-7' });
      expect(responses.map((response) => response.error_message === '')).toEqual([true, false, true]);

      const events = (await eventsWithId('stream-7-1', 2)).concat(await eventsWithId('stream-7-2', 1), await eventsWithId('stream-7-3', 2));
      const summary = events.map((event) => [event.attributes.id, event.attributes.type]).sort();
      expect(summary).toEqual([
        ['stream-7-1', 'org.kubeflow.serving.inference.request'],
        ['stream-7-1', 'org.kubeflow.serving.inference.response'],
        ['stream-7-2', 'org.kubeflow.serving.inference.request'],
        ['stream-7-3', 'org.kubeflow.serving.inference.request'],
        ['stream-7-3', 'org.kubeflow.serving.inference.response'],
      ]);
      // Each response event carries the answer to its own request: the v2 request id comes back in it.
      const reply = (id: string) => events.find((event) => event.attributes.id === id && event.attributes.type.endsWith('.response'))!;
      expect(reply('stream-7-1').content_type).toBe('application/x-protobuf; messageType=inference.ModelStreamInferResponse');
      expect(Buffer.from(reply('stream-7-1').data, 'base64').includes(Buffer.from('first'))).toBe(true);
      expect(Buffer.from(reply('stream-7-3').data, 'base64').includes(Buffer.from('third'))).toBe(true);
      // No response event came for the failed request, even late.
      expect((await sink.events()).filter((event) => event.attributes.id === 'stream-7-2')).toHaveLength(1);
    } finally {
      grpc.close();
      await server.close();
    }
  });

  it('sends only responses in response mode, and no response for a failed request', async () => {
    const server = await startTestServer([{ name: 'iris', uri: IRIS_DIR }], { payloadLogging: { url: `${sink.base}/ok`, mode: 'response' } });
    try {
      expect((await infer(server, { 'ce-id': 'response-only' })).status).toBe(200);
      const bad = await fetch(`${server.url}/v2/models/iris/infer`, { method: 'POST', body: '{}', headers: { 'ce-id': 'failed-request' } });
      expect(bad.status).toBe(400);
      expect((await infer(server, { 'ce-id': 'marker' })).status).toBe(200);
      await eventsWithId('marker', 1);
      expect((await sink.events()).filter((event) => event.attributes.id === 'response-only').map((event) => event.attributes.type)).toEqual([
        'org.kubeflow.serving.inference.response',
      ]);
      expect((await sink.events()).filter((event) => event.attributes.id === 'failed-request')).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('retries a sink that fails once, with backoff, until every event is delivered', async () => {
    const server = await startTestServer([{ name: 'iris', uri: IRIS_DIR }], { payloadLogging: { url: `${sink.base}/flaky`, retryBackoffMs: 20 } });
    try {
      for (let i = 0; i < 3; i++) expect((await infer(server, { 'ce-id': `flaky-${i}` })).status).toBe(200);
      for (let i = 0; i < 3; i++) expect(await eventsWithId(`flaky-${i}`, 2)).toHaveLength(2);
    } finally {
      await server.close();
    }
  });

  it('delivers a burst of events to a real CloudEvents server, many to a connection, each exactly once', async () => {
    const burstSink = await CloudEventsSink.start();
    const server = await startTestServer([{ name: 'iris', uri: IRIS_DIR }], { payloadLogging: { url: `${burstSink.base}/ok` } });
    try {
      const requests = 150;
      const statuses = await Promise.all(Array.from({ length: requests }, (_, i) => infer(server, { 'ce-id': `burst-${i}` }).then((response) => response.status)));
      expect(statuses).toEqual(Array(requests).fill(200));
      const events = await burstSink.waitForEvents(2 * requests);
      const keys = events.map((event) => `${event.attributes.id} ${event.attributes.type}`).sort();
      const expected = Array.from({ length: requests }, (_, i) => [`burst-${i} org.kubeflow.serving.inference.request`, `burst-${i} org.kubeflow.serving.inference.response`]).flat().sort();
      expect(keys).toEqual(expected);
      const stats = await burstSink.stats();
      expect(stats.received).toBe(2 * requests);
      // At most the logger's 16 connections, plus the test's own /events and /stats requests.
      expect(stats.connections).toBeLessThan(40);
    } finally {
      await server.close();
      await burstSink.stop();
    }
  });

  it('answers every request while the sink holds every POST open: serving never waits for the sink', async () => {
    const holdSink = await CloudEventsSink.start();
    const server = await startTestServer([{ name: 'iris', uri: IRIS_DIR }], { payloadLogging: { url: `${holdSink.base}/hold`, connections: 2 } });
    try {
      const statuses = await Promise.all(Array.from({ length: 20 }, () => infer(server).then((response) => response.status)));
      expect(statuses).toEqual(Array(20).fill(200));
      // Every request was answered while the sink had answered none of the logger's POSTs.
      const stats = await holdSink.stats();
      expect(stats.answered).toBe(0);
      expect(stats.received).toBeLessThanOrEqual(2);
      expect(server.payloadLogger!.depth).toBe(40);
      await holdSink.release();
      expect(await holdSink.waitForEvents(40)).toHaveLength(40);
    } finally {
      await holdSink.release();
      await server.close();
      await holdSink.stop();
    }
  });

  it('drops and counts what a down sink cannot take, with a bounded queue', async () => {
    const server = await startTestServer([{ name: 'iris', uri: IRIS_DIR }], {
      metricsPort: 0,
      // One event at a time, each retried after at least a 100 ms backoff, so the queue must overflow.
      payloadLogging: { url: `${sink.base}/down`, queueSize: 4, connections: 1, pipelineDepth: 1, maxAttempts: 2, retryBackoffMs: 200 },
    });
    try {
      const requests = 30;
      let deepest = 0;
      for (let i = 0; i < requests; i++) {
        expect((await infer(server)).status).toBe(200);
        deepest = Math.max(deepest, server.payloadLogger!.depth);
      }
      // The queue's size bounds every event held: waiting, backing off, or being sent.
      expect(deepest).toBeLessThanOrEqual(4);
      const deadline = Date.now() + 20_000;
      while (server.payloadLogger!.depth > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      const page = await (await fetch(`http://127.0.0.1:${server.metricsPort}/metrics`)).text();
      const dropped = (reason: string) => Number(new RegExp(`^kfs_logger_dropped_events_total\\{reason="${reason}"\\} (\\d+)$`, 'm').exec(page)?.[1] ?? 0);
      // Every event is accounted for: none delivered, each dropped once, for one reason or the other.
      expect(dropped('queue_full') + dropped('send_failed')).toBe(2 * requests);
      expect(dropped('queue_full')).toBeGreaterThan(0);
      expect(dropped('send_failed')).toBeGreaterThan(0);
      expect(page).toMatch(/^kfs_logger_queue_depth 0$/m);
    } finally {
      await server.close();
    }
  });
});

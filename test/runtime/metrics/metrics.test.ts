/** @jest-environment <rootDir>/test/runtime/helpers/onnx-environment.js */
import type { RunningServer } from '../../../runtime/src';
import { GrpcInferClient } from '../helpers/grpc-client';
import { IRIS_DIR, MLP_DIR } from '../helpers/paths';
import { runPythonPeer } from '../helpers/python-peer';
import { postJson, request, startTestServer } from '../helpers/test-server';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

interface Scrape {
  content_type: string;
  families: { name: string; type: string; help: string; samples: Sample[] }[];
}

/** The page as prometheus_client's parser reads it (a real Prometheus text-format parser, in Python). */
async function scrape(server: RunningServer): Promise<Scrape> {
  return runPythonPeer<Scrape>('prometheus_scrape.py', [`http://127.0.0.1:${server.metricsPort}/metrics`]);
}

function value(page: Scrape, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const family of page.families) {
    for (const sample of family.samples) {
      if (sample.name === name && Object.entries(labels).every(([key, expected]) => sample.labels[key] === expected)) return sample.value;
    }
  }
  return undefined;
}

const IRIS_ROW = { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: [6.0, 2.9, 4.9, 1.6] }] };

describe('Prometheus metrics', () => {
  let server: RunningServer;
  let grpc: GrpcInferClient;
  beforeAll(async () => {
    server = await startTestServer(
      [
        { name: 'iris', uri: IRIS_DIR },
        { name: 'mlp', uri: MLP_DIR },
      ],
      { metricsPort: 0 },
    );
    grpc = new GrpcInferClient(server.grpcTarget);
  });
  afterAll(async () => {
    grpc.close();
    await server.close();
  });

  it('serves a page a real Prometheus parser reads, with KServe latency histograms and kfs-runtime series', async () => {
    const page = await scrape(server);
    expect(page.content_type).toBe('text/plain; version=0.0.4; charset=utf-8');
    const types = Object.fromEntries(page.families.map((family) => [family.name, family.type]));
    expect(types).toMatchObject({
      request_preprocess_seconds: 'histogram',
      request_predict_seconds: 'histogram',
      request_postprocess_seconds: 'histogram',
      request_explain_seconds: 'histogram',
      // The Python parser names counter families without `_total`.
      kfs_requests: 'counter',
      kfs_queue_seconds: 'histogram',
      kfs_compute_seconds: 'histogram',
      kfs_batch_size: 'histogram',
      kfs_model_loaded: 'gauge',
      kfs_model_load_seconds: 'histogram',
      kfs_logger_queue_depth: 'gauge',
      kfs_logger_dropped_events: 'counter',
      process_cpu_seconds: 'counter',
      process_resident_memory_bytes: 'gauge',
    });
    expect(value(page, 'kfs_model_loaded', { model_name: 'iris' })).toBe(1);
    expect(value(page, 'kfs_model_loaded', { model_name: 'mlp' })).toBe(1);
    expect(value(page, 'kfs_model_load_seconds_count', { model_name: 'iris' })).toBe(1);
    expect(value(page, 'kfs_logger_queue_depth')).toBe(0);
    expect(value(page, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('moves the request counters and histograms by exactly the requests sent, per model and outcome', async () => {
    const before = await scrape(server);
    const rest = 7;
    const viaGrpc = 3;
    const failures = 2;
    for (let i = 0; i < rest; i++) expect((await postJson(server, '/v2/models/iris/infer', IRIS_ROW)).status).toBe(200);
    for (let i = 0; i < viaGrpc; i++) {
      await grpc.infer({ model_name: 'iris', inputs: [{ name: 'input', datatype: 'FP32', shape: [2, 4] }], raw_input_contents: [Buffer.alloc(32)] });
    }
    // Decoded and refused: a failure of the model's path.
    for (let i = 0; i < failures; i++) expect((await postJson(server, '/v2/models/iris/infer', { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 3], data: [1, 2, 3] }] })).status).toBe(400);
    // An unknown model is not a model's failure, and never becomes a label.
    expect((await postJson(server, '/v2/models/nope/infer', IRIS_ROW)).status).toBe(404);
    const after = await scrape(server);

    const delta = (name: string, labels: Record<string, string>) => (value(after, name, labels) ?? 0) - (value(before, name, labels) ?? 0);
    const iris = { model_name: 'iris' };
    expect(delta('kfs_requests_total', { ...iris, outcome: 'success' })).toBe(rest + viaGrpc);
    expect(delta('kfs_requests_total', { ...iris, outcome: 'failure' })).toBe(failures);
    for (const histogram of ['request_preprocess_seconds', 'request_predict_seconds', 'request_postprocess_seconds', 'kfs_queue_seconds']) {
      expect([histogram, delta(`${histogram}_count`, iris)]).toEqual([histogram, rest + viaGrpc]);
    }
    // Unbatched: one model run per request; the gRPC requests had two rows each.
    expect(delta('kfs_compute_seconds_count', iris)).toBe(rest + viaGrpc);
    expect(delta('kfs_batch_size_count', iris)).toBe(rest + viaGrpc);
    expect(delta('kfs_batch_size_sum', iris)).toBe(rest + 2 * viaGrpc);
    expect(delta('kfs_requests_total', { model_name: 'mlp', outcome: 'success' })).toBe(0);
    expect(after.families.flatMap((family) => family.samples).some((sample) => sample.labels.model_name === 'nope')).toBe(false);
  });

  it('shows a model unloaded through the repository API as not loaded', async () => {
    expect((await request(server, 'POST', '/v2/repository/models/mlp/unload')).status).toBe(200);
    expect(value(await scrape(server), 'kfs_model_loaded', { model_name: 'mlp' })).toBe(0);
  });

  it('serves metrics on the metrics port only', async () => {
    expect((await request(server, 'GET', '/metrics')).status).toBe(404);
    const wrongPath = await fetch(`http://127.0.0.1:${server.metricsPort}/stats`);
    expect(wrongPath.status).toBe(404);
    expect(await wrongPath.json()).toEqual({ error: 'no such endpoint: GET /stats; metrics are at GET /metrics' });
  });
});

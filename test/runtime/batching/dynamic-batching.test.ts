/** @jest-environment <rootDir>/test/runtime/helpers/onnx-environment.js */
import type { RunningServer } from '../../../runtime/src';
import { GrpcInferClient, rawFloats, rawInt64s } from '../helpers/grpc-client';
import { FIXED_DIR, IRIS_DIR, LOOKUP_DIR } from '../helpers/paths';
import { postJson, request, startTestServer } from '../helpers/test-server';

/** Eight distinct iris rows: a row that lands with another caller changes the label or probabilities. */
const ROWS = [
  [5.1, 3.5, 1.4, 0.2],
  [7.0, 3.2, 4.7, 1.4],
  [6.3, 3.3, 6.0, 2.5],
  [6.0, 2.9, 4.9, 1.6],
  [4.9, 3.0, 1.4, 0.2],
  [6.4, 3.2, 4.5, 1.5],
  [7.7, 3.8, 6.7, 2.2],
  [5.5, 2.4, 3.8, 1.1],
];

interface V2Output {
  name: string;
  shape: number[];
  data: number[];
}

interface IrisRows {
  labels: number[];
  probabilities: number[][];
}

function v2Request(rows: number[][]) {
  return { inputs: [{ name: 'input', datatype: 'FP32', shape: [rows.length, 4], data: rows.flat() }] };
}

function grpcRequest(rows: number[][]) {
  return {
    model_name: 'iris',
    inputs: [{ name: 'input', datatype: 'FP32', shape: [rows.length, 4] }],
    raw_input_contents: [Buffer.from(new Float32Array(rows.flat()).buffer)],
  };
}

function chunk(values: number[], size: number): number[][] {
  return Array.from({ length: values.length / size }, (_, index) => values.slice(index * size, (index + 1) * size));
}

function fromV2(body: unknown): IrisRows {
  const outputs = (body as { outputs: V2Output[] }).outputs;
  return { labels: outputs.find((o) => o.name === 'label')!.data, probabilities: chunk(outputs.find((o) => o.name === 'probabilities')!.data, 3) };
}

interface Stats {
  execution_count: number;
  inference_count: number;
  inference_stats: { queue: { count: number; ns: number } };
  batch_stats: { batch_size: number; compute_input: { count: number }; compute_infer: { count: number; ns: number }; compute_output: { count: number } }[];
}

/** Model runs recorded under one batch size (Triton counts runs there, not the requests they served). */
function runsOfSize(stats: Stats, batchSize: number): number {
  return stats.batch_stats.find((batch) => batch.batch_size === batchSize)?.compute_infer.count ?? 0;
}

async function statsOf(server: RunningServer, model: string): Promise<Stats> {
  const { body } = await request(server, 'GET', `/v2/models/${model}/stats`);
  return (body as { model_stats: Stats[] }).model_stats[0]!;
}

function expectSameRows(actual: IrisRows, expected: IrisRows): void {
  expect(actual.labels).toEqual(expected.labels);
  expect(actual.probabilities).toHaveLength(expected.probabilities.length);
  actual.probabilities.forEach((row, index) => row.forEach((p, column) => expect(p).toBeCloseTo(expected.probabilities[index]![column]!, 6)));
}

describe('dynamic batching', () => {
  let unbatched: RunningServer;
  beforeAll(async () => {
    unbatched = await startTestServer([{ name: 'iris', uri: IRIS_DIR }]);
  });
  afterAll(async () => {
    await unbatched.close();
  });

  /** What iris answers for these rows without batching: the reference every batched caller must match. */
  async function reference(rows: number[][]): Promise<IrisRows> {
    return fromV2((await postJson(unbatched, '/v2/models/iris/infer', v2Request(rows))).body);
  }

  describe('with maxBatchSize 8', () => {
    let server: RunningServer;
    let grpc: GrpcInferClient;
    beforeAll(async () => {
      // A long maxLatency: a batch that filled up ran because of its size, not the timer.
      server = await startTestServer([{ name: 'iris', uri: IRIS_DIR }], { batching: { maxBatchSize: 8, maxLatencyMs: 10_000 } });
      grpc = new GrpcInferClient(server.grpcTarget);
    });
    afterAll(async () => {
      grpc.close();
      await server.close();
    });

    it('runs REST v2, v1 and gRPC callers in one model run and gives each exactly its rows', async () => {
      const before = await statsOf(server, 'iris');
      const [single, triple, viaGrpc, viaV1] = await Promise.all([
        postJson(server, '/v2/models/iris/infer', v2Request(ROWS.slice(0, 1))),
        postJson(server, '/v2/models/iris/infer', v2Request(ROWS.slice(1, 4))),
        grpc.infer(grpcRequest(ROWS.slice(4, 6))),
        postJson(server, '/v1/models/iris:predict', { instances: ROWS.slice(6, 8) }),
      ]);
      const after = await statsOf(server, 'iris');

      // One model run served all eight rows of the four callers.
      expect(after.execution_count - before.execution_count).toBe(1);
      expect(after.inference_count - before.inference_count).toBe(8);
      expect(after.batch_stats.map((batch) => batch.batch_size)).toContain(8);
      // The size-8 entry gained one run, not one per caller; no single-caller sizes were recorded.
      expect(runsOfSize(after, 8) - runsOfSize(before, 8)).toBe(1);
      const eight = after.batch_stats.find((batch) => batch.batch_size === 8)!;
      expect([eight.compute_input.count, eight.compute_output.count]).toEqual([eight.compute_infer.count, eight.compute_infer.count]);
      for (const size of [1, 2, 3]) expect(runsOfSize(after, size)).toBe(runsOfSize(before, size));

      expect(single.status).toBe(200);
      expectSameRows(fromV2(single.body), await reference(ROWS.slice(0, 1)));
      expect(triple.status).toBe(200);
      expect((triple.body as { outputs: V2Output[] }).outputs.map((o) => o.shape)).toEqual([[3], [3, 3]]);
      expectSameRows(fromV2(triple.body), await reference(ROWS.slice(1, 4)));

      expect(viaGrpc.outputs.map((o) => [o.name, o.shape])).toEqual([['label', ['2']], ['probabilities', ['2', '3']]]);
      expectSameRows(
        { labels: rawInt64s(viaGrpc.raw_output_contents[0]!), probabilities: chunk(rawFloats(viaGrpc.raw_output_contents[1]!), 3) },
        await reference(ROWS.slice(4, 6)),
      );

      expect(viaV1.status).toBe(200);
      const predictions = (viaV1.body as { predictions: { label: number; probabilities: number[] }[] }).predictions;
      expectSameRows(
        { labels: predictions.map((p) => p.label), probabilities: predictions.map((p) => p.probabilities) },
        await reference(ROWS.slice(6, 8)),
      );
    });

    it('runs a request with more rows than maxBatchSize on its own, unsplit', async () => {
      const rows = [...ROWS, ...ROWS.slice(0, 2)];
      const before = await statsOf(server, 'iris');
      const response = await postJson(server, '/v2/models/iris/infer', v2Request(rows));
      const after = await statsOf(server, 'iris');
      expect(response.status).toBe(200);
      expectSameRows(fromV2(response.body), await reference(rows));
      expect(after.execution_count - before.execution_count).toBe(1);
      expect(after.batch_stats.map((batch) => batch.batch_size)).toContain(10);
    });
  });

  it('dispatches a batch that does not fill when maxLatency has passed since its first request', async () => {
    const server = await startTestServer([{ name: 'iris', uri: IRIS_DIR }], { batching: { maxBatchSize: 64, maxLatencyMs: 1000 } });
    try {
      const before = await statsOf(server, 'iris');
      const started = performance.now();
      const responses = await Promise.all(ROWS.slice(0, 3).map((row) => postJson(server, '/v2/models/iris/infer', v2Request([row]))));
      const elapsed = performance.now() - started;
      const after = await statsOf(server, 'iris');

      expect(responses.map((response) => response.status)).toEqual([200, 200, 200]);
      for (const [index, response] of responses.entries()) expectSameRows(fromV2(response.body), await reference([ROWS[index]!]));
      // Three rows never reach 64: the timer ran them, together, after waiting for more.
      expect(after.execution_count - before.execution_count).toBe(1);
      expect(after.batch_stats.map((batch) => batch.batch_size)).toContain(3);
      expect(after.inference_stats.queue.count - before.inference_stats.queue.count).toBe(3);
      expect(elapsed).toBeGreaterThanOrEqual(900);
      // Bounded by the timer, not by a size that never comes (generous: a loaded CI machine).
      expect(elapsed).toBeLessThan(10_000);
    } finally {
      await server.close();
    }
  });

  it('dispatches at a preferred batch size without waiting for the timer', async () => {
    const server = await startTestServer([{ name: 'iris', uri: IRIS_DIR }], {
      batching: { maxBatchSize: 64, maxLatencyMs: 60_000, preferredBatchSizes: [4] },
    });
    try {
      const responses = await Promise.all(ROWS.slice(0, 4).map((row) => postJson(server, '/v2/models/iris/infer', v2Request([row]))));
      expect(responses.map((response) => response.status)).toEqual([200, 200, 200, 200]);
      const stats = await statsOf(server, 'iris');
      expect(stats.batch_stats.map((batch) => batch.batch_size)).toEqual([4]);
    } finally {
      await server.close();
    }
  }, 30_000);

  it('fails only the request that makes the model fail; the others in its batch get their rows', async () => {
    const server = await startTestServer([{ name: 'lookup', uri: LOOKUP_DIR }], { batching: { maxBatchSize: 4, maxLatencyMs: 10_000 } });
    const grpc = new GrpcInferClient(server.grpcTarget);
    const lookup = (indexes: number[]) => ({ inputs: [{ name: 'index', datatype: 'INT64', shape: [indexes.length], data: indexes }] });
    try {
      const [first, poisoned, malformed, viaGrpc, last] = await Promise.all([
        postJson(server, '/v2/models/lookup/infer', lookup([0])),
        postJson(server, '/v2/models/lookup/infer', lookup([9])),
        // Rejected while decoding, before it could join a batch.
        request(server, 'POST', '/v2/models/lookup/infer', '{"inputs": [', { 'content-type': 'application/json' }),
        grpc.infer({ model_name: 'lookup', inputs: [{ name: 'index', datatype: 'INT64', shape: [1] }], raw_input_contents: [Buffer.from(new BigInt64Array([4n]).buffer)] }),
        postJson(server, '/v2/models/lookup/infer', lookup([2])),
      ]);
      expect(first.status).toBe(200);
      expect((first.body as { outputs: V2Output[] }).outputs[0]!.data).toEqual([0.5]);
      expect(last.status).toBe(200);
      expect((last.body as { outputs: V2Output[] }).outputs[0]!.data).toEqual([2.5]);
      expect(rawFloats(viaGrpc.raw_output_contents[0]!)).toEqual([4.5]);
      expect(poisoned.status).toBe(500);
      expect((poisoned.body as { error: string }).error).toMatch(/^onnxruntime failed to run model 'lookup': .*indices element out of data bounds, idx=9/);
      expect(malformed.status).toBe(400);
      // The four shared a run, which failed; then each ran on its own.
      const stats = await statsOf(server, 'lookup');
      expect([stats.execution_count, stats.inference_count]).toEqual([5, 3]);
    } finally {
      grpc.close();
      await server.close();
    }
  });

  it('refuses to load a model whose first dimension is fixed, saying why', async () => {
    const server = await startTestServer([{ name: 'fixed', uri: FIXED_DIR }], { batching: { maxBatchSize: 8, maxLatencyMs: 5 } });
    try {
      const reason =
        "dynamic batching needs a variable first (batch) dimension on every input and output, but input 'x' of model 'fixed' has shape [2,2]; " +
        'export the model with a dynamic batch axis, or serve it without --max-batch-size';
      expect(server.repository.get('fixed')).toMatchObject({ state: 'UNAVAILABLE', reason });
      expect(await request(server, 'GET', '/v2/health/ready')).toMatchObject({
        status: 503,
        body: { error: `server is not ready: models not ready: 'fixed' (UNAVAILABLE)` },
      });
      expect(await request(server, 'GET', '/v2/models/fixed/ready')).toMatchObject({ status: 503, body: { error: `model 'fixed' is not ready (UNAVAILABLE): ${reason}` } });
    } finally {
      await server.close();
    }
    // The same model serves without batching.
    const plain = await startTestServer([{ name: 'fixed', uri: FIXED_DIR }]);
    try {
      expect(plain.repository.get('fixed')?.state).toBe('READY');
    } finally {
      await plain.close();
    }
  });
});

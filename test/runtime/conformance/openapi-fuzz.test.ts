/** @jest-environment <rootDir>/test/runtime/helpers/onnx-environment.js */
import * as path from 'node:path';
import type { RunningServer } from '../../../runtime/src';
import { HALF_DIR, IDENTITY_DIR, IRIS_DIR, MODELS_DIR, REPO_ROOT } from '../helpers/paths';
import { runPythonPeer } from '../helpers/python-peer';
import { postJson, request, startTestServer } from '../helpers/test-server';

interface FuzzReport {
  requests: number;
  statuses: Record<string, number>;
  operations: Record<string, number>;
  failures: Record<string, string[]>;
}

const SPEC = path.join(REPO_ROOT, 'runtime', 'protocol', 'rest_predict_v2.yaml');
const TOTAL_REQUESTS = 5000;
/** Two fuzz processes, one per core: hypothesis' case generation, not the server, is the bottleneck. */
const SHARDS = 2;

/**
 * schemathesis generates requests from the vendored, corrected v2 OpenAPI (positive and negative
 * modes, every operation, the model name narrowed to real models plus an unknown one) against a
 * real kfs-runtime port. No 5xx apart from the protocol's own 503 for a model the fuzzer unloaded,
 * every status and body as documented, and the server still serves afterwards.
 */
describe('schemathesis fuzzing of the v2 REST API', () => {
  let server: RunningServer;
  let reports: FuzzReport[];

  beforeAll(async () => {
    server = await startTestServer(
      [
        { name: 'iris', uri: IRIS_DIR },
        { name: 'identity', uri: IDENTITY_DIR },
        { name: 'half', uri: HALF_DIR },
      ],
      { modelRepository: MODELS_DIR },
    );
    reports = await Promise.all(
      Array.from({ length: SHARDS }, (_, shard) =>
        runPythonPeer<FuzzReport>(
          'fuzz_openapi.py',
          ['--url', server.url, '--spec', SPEC, '--requests', String(Math.ceil(TOTAL_REQUESTS / SHARDS)), '--shard', `${shard}/${SHARDS}`],
          600_000,
        ),
      ),
    );
  }, 600_000);

  afterAll(async () => {
    await server?.close();
  });

  it(`sends at least ${TOTAL_REQUESTS} generated requests across every operation of the spec`, () => {
    const total = reports.reduce((sum, report) => sum + report.requests, 0);
    expect(total).toBeGreaterThanOrEqual(TOTAL_REQUESTS);
    const operations = new Set(reports.flatMap((report) => Object.keys(report.operations)));
    expect(operations.size).toBe(18);
  });

  it('gets no server error and no undocumented status, content type or body', () => {
    expect(reports.map((report) => report.failures)).toEqual(reports.map(() => ({})));
    const statuses = new Set(reports.flatMap((report) => Object.keys(report.statuses)));
    for (const status of statuses) expect(['200', '400', '404', '413', '414', '503']).toContain(status);
  });

  it('still answers health, and serves iris again once reloaded', async () => {
    expect(await request(server, 'GET', '/v2/health/live')).toMatchObject({ status: 200, body: { live: true } });
    expect(await postJson(server, '/v2/repository/models/iris/load', {})).toMatchObject({ status: 200 });
    const infer = await postJson(server, '/v2/models/iris/infer', { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: [5.1, 3.5, 1.4, 0.2] }] });
    expect(infer).toMatchObject({ status: 200, body: { model_name: 'iris', outputs: [{ name: 'label', data: [0] }, { name: 'probabilities' }] } });
    expect(await request(server, 'GET', '/v2/health/ready')).toMatchObject({ status: 200 });
  });
});

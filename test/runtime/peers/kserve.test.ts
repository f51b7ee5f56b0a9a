/** @jest-environment <rootDir>/test/runtime/helpers/onnx-environment.js */
import type { RunningServer } from '../../../runtime/src';
import { HALF_DIR, IRIS_DIR, MODELS_DIR } from '../helpers/paths';
import { type PeerCheck, runPythonPeer } from '../helpers/python-peer';
import { startTestServer } from '../helpers/test-server';

/** KServe's Python SDK clients (REST v2 JSON/binary, gRPC v2, REST v1) against a real kfs-runtime port. */
describe('KServe SDK clients against kfs-runtime', () => {
  let server: RunningServer;
  let checks: Record<string, PeerCheck>;

  beforeAll(async () => {
    server = await startTestServer([
      { name: 'iris', uri: IRIS_DIR },
      { name: 'half', uri: HALF_DIR },
    ]);
    const report = await runPythonPeer<{ checks: Record<string, PeerCheck> }>('kserve_checks.py', [
      '--http',
      server.url,
      '--grpc',
      server.grpcTarget,
      '--models',
      MODELS_DIR,
    ]);
    checks = report.checks;
  }, 180_000);

  afterAll(async () => {
    await server?.close();
  });

  it.each(['rest v2: health', 'grpc v2: health'])('%s: live, ready and iris ready', (name) => {
    expect(checks[name]).toEqual({ ok: true, detail: { server_live: true, server_ready: true, model_ready: true } });
  });

  it.each([
    ['rest v2: infer with JSON data', 'ks-json'],
    ['rest v2: infer with binary data', 'ks-binary'],
    ['grpc v2: infer', 'ks-grpc'],
  ])('%s: outputs equal onnxruntime\'s and the id is echoed', (name, id) => {
    expect(checks[name]).toEqual({ ok: true, detail: { id, model_name: 'iris' } });
  });

  it('rest v2: FP16 goes in and comes back binary, doubled exactly', () => {
    expect(checks['rest v2: FP16 binary in and out']).toEqual({ ok: true, detail: [[1, -2.5, 6.28125]] });
  });

  it('v1: predict with instances returns onnxruntime\'s labels and probabilities per row', () => {
    expect(checks['v1: predict with instances']).toEqual({ ok: true, detail: { labels: [0, 1, 2] } });
    expect(checks['v1: model ready']).toEqual({ ok: true, detail: true });
  });
});

/** @jest-environment <rootDir>/test/runtime/helpers/onnx-environment.js */
import type { RunningServer } from '../../../runtime/src';
import { HALF_DIR, IDENTITY_DIR, IRIS_DIR, MODELS_DIR } from '../helpers/paths';
import { type PeerCheck, runPythonPeer } from '../helpers/python-peer';
import { startTestServer } from '../helpers/test-server';

/**
 * tritonclient (HTTP and gRPC, the real PyPI package) against a real kfs-runtime port; every
 * inference result is compared in the script with Python onnxruntime's output for the same input.
 */
describe('tritonclient against kfs-runtime', () => {
  let server: RunningServer;
  let checks: Record<string, PeerCheck>;

  beforeAll(async () => {
    server = await startTestServer(
      [
        { name: 'iris', uri: IRIS_DIR },
        { name: 'identity', uri: IDENTITY_DIR },
        { name: 'half', uri: HALF_DIR },
      ],
      { modelRepository: MODELS_DIR },
    );
    const report = await runPythonPeer<{ checks: Record<string, PeerCheck> }>('tritonclient_checks.py', [
      '--http',
      server.url.replace('http://', ''),
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

  const SHARED = [
    'health',
    'iris with binary inputs and outputs (the client\'s default)',
    'identity, every datatype incl. BYTES and 64-bit extremes, binary',
    'FP16 in and out',
  ];
  const NAMES = [
    ...['http', 'grpc'].flatMap((transport) => SHARED.map((name) => `${transport}: ${name}`)),
    'http: iris with JSON inputs and JSON outputs',
    'http: gzip and deflate request compression',
  ];

  it.each(NAMES)('%s: equal to onnxruntime', (name) => {
    expect(checks[name]).toMatchObject({ ok: true });
  });

  it.each(['http', 'grpc'])('%s: server metadata names the server and exactly the implemented extensions', (transport) => {
    expect(checks[`${transport}: server metadata`]).toEqual({
      ok: true,
      detail: { name: 'kfs-runtime', version: expect.any(String), extensions: ['binary_tensor_data', 'model_repository', 'model_configuration', 'statistics'] },
    });
  });

  it.each(['http', 'grpc'])('%s: model metadata and config describe iris', (transport) => {
    const metadata = checks[`${transport}: model metadata`];
    expect(metadata?.ok).toBe(true);
    expect(JSON.stringify(metadata?.detail)).toContain('"name":"input","datatype":"FP32"');
    expect(checks[`${transport}: model config`]).toEqual({
      ok: true,
      detail: { max_batch_size: 0, input: [['input', 'TYPE_FP32', [-1, 4]]], output: [['label', 'TYPE_INT64', [-1]], ['probabilities', 'TYPE_FP32', [-1, 3]]] },
    });
  });

  it.each(['http', 'grpc'])('%s: repository index lists the folder, mlp loads, infers like onnxruntime, unloads', (transport) => {
    expect(checks[`${transport}: repository index, load, infer, unload`]).toEqual({
      ok: true,
      detail: { names: ['fixed', 'half', 'identity', 'iris', 'lookup', 'mlp'], mlp_after_unload: { state: 'UNAVAILABLE', reason: 'unloaded' } },
    });
  });

  it.each(['http', 'grpc'])('%s: statistics report one entry for iris with counted successes', (transport) => {
    const detail = checks[`${transport}: statistics`]?.detail as { success_count: number; inference_count: number };
    expect(checks[`${transport}: statistics`]).toMatchObject({ ok: true, detail: { name: 'iris', version: '1', success_ns_positive: true } });
    expect(detail.success_count).toBeGreaterThanOrEqual(1);
    expect(detail.inference_count).toBeGreaterThanOrEqual(4);
  });

  it.each(['http', 'grpc'])('%s: FP16 doubles exactly, overflowing to inf like onnxruntime', (transport) => {
    expect(checks[`${transport}: FP16 in and out`]).toEqual({ ok: true, detail: '[[1.0, -2.5, 6.28125, inf]]' });
  });

  it('http: mixes JSON and binary inputs, and answers each output the way it was asked for', () => {
    expect(checks['http: mixed JSON and binary inputs and outputs']).toEqual({
      ok: true,
      detail: { out_int64: 'binary', out_bytes: 'json', out_fp32: 'json' },
    });
  });

  it('http: BYTES travel as JSON strings, UTF-8 and empty included', () => {
    expect(checks['http: BYTES as JSON strings']).toEqual({ ok: true, detail: ['iris', '', 'grüße ✓'] });
  });

  it('unknown model: 404 over HTTP and NOT_FOUND over gRPC, with Triton\'s message', () => {
    const message = "Request for unknown model: 'no-such-model' is not found";
    expect(checks['http: unknown model is an error with Triton\'s message']).toEqual({ ok: true, detail: { status: '404', message } });
    expect(checks['grpc: unknown model is an error with Triton\'s message']).toEqual({ ok: true, detail: { status: 'StatusCode.NOT_FOUND', message } });
  });
});

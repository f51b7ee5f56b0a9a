/** @jest-environment <rootDir>/test/runtime/helpers/onnx-environment.js */
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { logLines, startCliServer } from '../helpers/cli-server';
import { expectedOutput, loadIrisExpected, PROBABILITY_TOLERANCE } from '../helpers/iris-expected';
import { IRIS_DIR, IRIS_FILE, REPO_ROOT } from '../helpers/paths';
import { postJson, startTestServer } from '../helpers/test-server';
import { OnnxModel } from '../../../runtime/src/models/onnx-model';

/**
 * Whether onnxruntime can create a CUDA session here: it needs the CUDA provider library (not
 * installed with ONNXRUNTIME_NODE_INSTALL=skip) and a GPU. Asked in a child process, once.
 */
function probeCuda(): { available: boolean; reason: string } {
  const script = `require('onnxruntime-node').InferenceSession.create(${JSON.stringify(IRIS_FILE)}, { executionProviders: ['cuda'] })
    .then(() => console.log('available'), (error) => console.log('unavailable: ' + error.message))`;
  const output = execFileSync(process.execPath, ['-e', script], { cwd: path.join(REPO_ROOT, 'runtime'), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  return { available: output === 'available', reason: output };
}

const expected = loadIrisExpected();

function expectIrisAnswer(body: unknown): void {
  const outputs = (body as { outputs: { name: string; data: number[] }[] }).outputs;
  expect(outputs.find((o) => o.name === 'label')!.data).toEqual(expectedOutput(expected, 'label').data);
  const probabilities = outputs.find((o) => o.name === 'probabilities')!.data;
  expectedOutput(expected, 'probabilities').data.forEach((p, i) => expect(Math.abs(probabilities[i]! - p)).toBeLessThan(PROBABILITY_TOLERANCE));
}

describe('--execution-provider', () => {
  it('falls back to the CPU with a log line saying why when CUDA cannot be used, and serves', async () => {
    // No visible GPU makes CUDA unusable on any machine, with or without the CUDA provider library.
    const server = await startCliServer(['--model', 'iris=models/iris', '--execution-provider', 'cuda', '--disable-metrics', '--drain-seconds', '0'], { CUDA_VISIBLE_DEVICES: '' });
    try {
      const fallback = logLines(server.stdout()).find((line) => line.msg.includes('falling back to CPU'));
      expect(fallback).toMatchObject({ level: 40, model: 'iris' });
      expect(fallback!.msg).toMatch(/^model 'iris': CUDA execution provider unavailable \(.+\); falling back to CPU$/);
      const response = await fetch(`${server.url}/v2/models/iris/infer`, { method: 'POST', body: JSON.stringify(expected.request) });
      expect(response.status).toBe(200);
      expectIrisAnswer(await response.json());
    } finally {
      await server.kill();
    }
  }, 90_000);

  it('serves on the CPU provider by default, with no fallback', async () => {
    const server = await startTestServer([{ name: 'iris', uri: IRIS_DIR }], { session: { executionProvider: 'cpu', intraOpThreads: 1, interOpThreads: 1 } });
    try {
      const response = await postJson(server, '/v2/models/iris/infer', expected.request);
      expect(response.status).toBe(200);
      expectIrisAnswer(response.body);
    } finally {
      await server.close();
    }
  });

  const cuda = probeCuda();
  if (!cuda.available) {
    // Printed so a CPU-only run says why the GPU test did not run, rather than passing silently.
    console.log(`CUDA execution provider test skipped: ${cuda.reason}`);
  }
  (cuda.available ? it : it.skip)('serves iris on the CUDA execution provider where a CUDA GPU is present', async () => {
    const fallbacks: string[] = [];
    const model = await OnnxModel.load('iris', IRIS_FILE, '1', { executionProvider: 'cuda' }, (message) => fallbacks.push(message));
    try {
      expect(fallbacks).toEqual([]);
      const input = expected.request.inputs[0]!;
      const [label, probabilities] = await model.infer([{ name: 'input', datatype: 'FP32', shape: input.shape, data: new Float32Array(input.data) }], ['label', 'probabilities']);
      expectIrisAnswer({ outputs: [{ name: 'label', data: Array.from(label!.data as BigInt64Array, Number) }, { name: 'probabilities', data: Array.from(probabilities!.data as Float32Array) }] });
    } finally {
      await model.unload();
    }
  });
});

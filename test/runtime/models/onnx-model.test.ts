/** @jest-environment <rootDir>/test/runtime/helpers/onnx-environment.js */
import { decodeJsonInferRequest } from '../../../runtime/src/codec/json-request';
import { ErrorKind, InferenceServerError } from '../../../runtime/src/errors';
import { loadModel } from '../../../runtime/src/models/load-model';
import type { Model } from '../../../runtime/src/models/model';
import { OnnxModel } from '../../../runtime/src/models/onnx-model';
import { expectedOutput, loadIrisExpected, PROBABILITY_TOLERANCE } from '../helpers/iris-expected';
import { IRIS_DIR, IRIS_FILE, MLP_DIR } from '../helpers/paths';
import { writeTempModel } from '../helpers/test-server';

describe('OnnxModel on the generated models', () => {
  let iris: Model;

  beforeAll(async () => {
    iris = await loadModel('iris', IRIS_DIR);
  });

  afterAll(async () => {
    await iris.unload();
  });

  it('reads the iris signature from onnxruntime, with -1 for the dynamic batch', () => {
    expect(iris).toMatchObject({ name: 'iris', version: '1', platform: 'onnxruntime_onnx', path: IRIS_FILE });
    expect(iris.inputs).toEqual([{ name: 'input', datatype: 'FP32', shape: [-1, 4] }]);
    expect(iris.outputs).toEqual([
      { name: 'label', datatype: 'INT64', shape: [-1] },
      { name: 'probabilities', datatype: 'FP32', shape: [-1, 3] },
    ]);
  });

  it('reads a named symbolic dimension ("batch") as -1 too', async () => {
    const mlp = await loadModel('mlp', MLP_DIR);
    try {
      expect(mlp.inputs).toEqual([{ name: 'input', datatype: 'FP32', shape: [-1, 784] }]);
      expect(mlp.outputs).toEqual([{ name: 'logits', datatype: 'FP32', shape: [-1, 10] }]);
    } finally {
      await mlp.unload();
    }
  });

  it('predicts what Python onnxruntime predicted for the same inputs', async () => {
    const expected = loadIrisExpected();
    const request = decodeJsonInferRequest(expected.request, iris);
    const [label, probabilities] = await iris.infer(request.inputs, ['label', 'probabilities']);
    expect(label?.datatype).toBe('INT64');
    expect(label?.shape).toEqual(expectedOutput(expected, 'label').shape);
    expect(Array.from(label?.data as BigInt64Array, Number)).toEqual(expectedOutput(expected, 'label').data);
    expect(probabilities?.shape).toEqual(expectedOutput(expected, 'probabilities').shape);
    const want = expectedOutput(expected, 'probabilities').data;
    Array.from(probabilities?.data as Float32Array).forEach((value, index) => {
      expect(Math.abs(value - (want[index] ?? NaN))).toBeLessThanOrEqual(PROBABILITY_TOLERANCE);
    });
  });

  it('computes only the requested outputs, in the requested order', async () => {
    const request = decodeJsonInferRequest(loadIrisExpected().request, iris);
    const outputs = await iris.infer(request.inputs, ['probabilities']);
    expect(outputs.map((output) => output.name)).toEqual(['probabilities']);
  });

  it('wraps onnxruntime run failures as INTERNAL errors naming the model', async () => {
    // Bypasses the codec's shape check to reach onnxruntime's own validation.
    const call = iris.infer([{ name: 'input', datatype: 'FP32', shape: [1, 3], data: new Float32Array(3) }], ['label']);
    await expect(call).rejects.toBeInstanceOf(InferenceServerError);
    await expect(call).rejects.toMatchObject({ kind: ErrorKind.INTERNAL });
    await expect(call).rejects.toThrow(/^onnxruntime failed to run model 'iris': Got invalid dimensions for input: input/);
  });

  it('fails to load a file that is not an ONNX model, with onnxruntime\'s reason', async () => {
    const corrupt = await writeTempModel('definitely not protobuf');
    try {
      await expect(OnnxModel.load('broken', corrupt.file, undefined)).rejects.toThrow(/Protobuf parsing failed/);
    } finally {
      await corrupt.cleanup();
    }
  });
});

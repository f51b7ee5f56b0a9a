import type { Datatype, TensorData } from '../../../runtime/src/codec/datatypes';
import { decodeJsonInferRequest } from '../../../runtime/src/codec/json-request';
import type { ModelSignature } from '../../../runtime/src/codec/tensor';
import { ErrorKind, InferenceServerError } from '../../../runtime/src/errors';

const IRIS: ModelSignature = {
  name: 'iris',
  inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 4] }],
  outputs: [
    { name: 'label', datatype: 'INT64', shape: [-1] },
    { name: 'probabilities', datatype: 'FP32', shape: [-1, 3] },
  ],
};

/** Element values of any storage kind, for comparing with plain arrays. */
function valuesOf(data: TensorData | undefined): unknown[] {
  return Array.from((data ?? []) as ArrayLike<unknown>);
}

function singleInputModel(datatype: Datatype, shape: number[] = [-1, -1]): ModelSignature {
  return { name: 'm', inputs: [{ name: 'x', datatype, shape }], outputs: [{ name: 'y', datatype, shape }] };
}

function irisRequest(input: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], data: [1, 2, 3, 4], ...input }], ...extra };
}

/** Asserts the call throws INVALID_ARG with exactly `message`. */
function expectInvalid(call: () => unknown, message: string): void {
  let thrown: unknown;
  try {
    call();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(InferenceServerError);
  expect((thrown as InferenceServerError).kind).toBe(ErrorKind.INVALID_ARG);
  expect((thrown as InferenceServerError).message).toBe(message);
}

describe('decodeJsonInferRequest: data of every datatype', () => {
  const cases: [Datatype, unknown[], ArrayLike<unknown>, string][] = [
    ['BOOL', [true, false], new Uint8Array([1, 0]), 'Uint8Array'],
    ['UINT8', [0, 255], new Uint8Array([0, 255]), 'Uint8Array'],
    ['UINT16', [0, 65535], new Uint16Array([0, 65535]), 'Uint16Array'],
    ['UINT32', [0, 4294967295], new Uint32Array([0, 4294967295]), 'Uint32Array'],
    ['UINT64', [0, 2 ** 53 - 1], new BigUint64Array([0n, 9007199254740991n]), 'BigUint64Array'],
    ['INT8', [-128, 127], new Int8Array([-128, 127]), 'Int8Array'],
    ['INT16', [-32768, 32767], new Int16Array([-32768, 32767]), 'Int16Array'],
    ['INT32', [-2147483648, 2147483647], new Int32Array([-2147483648, 2147483647]), 'Int32Array'],
    ['INT64', [-(2 ** 53 - 1), 2 ** 53 - 1], new BigInt64Array([-9007199254740991n, 9007199254740991n]), 'BigInt64Array'],
    ['FP32', [0.5, -1.25], new Float32Array([0.5, -1.25]), 'Float32Array'],
    ['FP64', [0.1, 1e300], new Float64Array([0.1, 1e300]), 'Float64Array'],
    ['BYTES', ['iris', 'grüße'], ['iris', 'grüße'], 'Array'],
  ];

  it.each(cases)('%s data becomes typed storage with the exact values', (datatype, data, expected, storageType) => {
    const request = decodeJsonInferRequest({ inputs: [{ name: 'x', datatype, shape: [1, 2], data }] }, singleInputModel(datatype));
    const [tensor] = request.inputs;
    expect(tensor?.datatype).toBe(datatype);
    expect(tensor?.shape).toEqual([1, 2]);
    expect(tensor?.data.constructor.name).toBe(storageType);
    expect(valuesOf(tensor?.data)).toEqual(Array.from(expected));
  });

  it.each<[Datatype, unknown, string]>([
    ['UINT8', 256, 'input \'x\': data element 1 (256) is not valid for UINT8: expected an integer in [0, 255]'],
    ['UINT16', -1, 'input \'x\': data element 1 (-1) is not valid for UINT16: expected an integer in [0, 65535]'],
    ['UINT32', 4294967296, 'input \'x\': data element 1 (4294967296) is not valid for UINT32: expected an integer in [0, 4294967295]'],
    ['UINT64', -1, 'input \'x\': data element 1 (-1) is not valid for UINT64: expected an integer in [0, 9007199254740991]'],
    ['INT8', -129, 'input \'x\': data element 1 (-129) is not valid for INT8: expected an integer in [-128, 127]'],
    ['INT16', 32768, 'input \'x\': data element 1 (32768) is not valid for INT16: expected an integer in [-32768, 32767]'],
    ['INT32', 1.5, 'input \'x\': data element 1 (1.5) is not valid for INT32: expected an integer in [-2147483648, 2147483647]'],
    ['INT64', 2 ** 53, 'input \'x\': data element 1 (9007199254740992) is not valid for INT64: expected an integer in [-9007199254740991, 9007199254740991]'],
    ['INT32', '7', 'input \'x\': data element 1 ("7") is not valid for INT32: expected an integer in [-2147483648, 2147483647]'],
    ['BOOL', 1, 'input \'x\': data element 1 (1) is not true or false'],
    ['BYTES', 5, 'input \'x\': data element 1 (5) is not a string'],
    ['FP32', '1.0', 'input \'x\': data element 1 ("1.0") is not a number'],
    ['FP64', null, 'input \'x\': data element 1 (null) is not a number'],
    ['FP32', { value: 1 }, 'input \'x\': data element 1 ({"value":1}) is not a number'],
    // A double that is finite but overflows float32 would silently become Infinity.
    ['FP32', 1e39, 'input \'x\': data element 1 (1e+39) is not a finite FP32 value; NaN and Infinity are not accepted'],
  ])('%s rejects element %p', (datatype, bad, message) => {
    const body = { inputs: [{ name: 'x', datatype, shape: [1, 2], data: [datatype === 'BOOL' ? true : datatype === 'BYTES' ? 'ok' : 0, bad] }] };
    expectInvalid(() => decodeJsonInferRequest(body, singleInputModel(datatype)), message);
  });

  it('rejects Infinity that JSON.parse produced from an out-of-range literal', () => {
    const body: unknown = JSON.parse('{"inputs":[{"name":"x","datatype":"FP64","shape":[1,1],"data":[1e400]}]}');
    expectInvalid(
      () => decodeJsonInferRequest(body, singleInputModel('FP64')),
      "input 'x': data element 0 (Infinity) is not a finite FP64 value; NaN and Infinity are not accepted",
    );
  });

  it.each<Datatype>(['FP16', 'BF16'])('rejects %s data in JSON, as Triton does', (datatype) => {
    expectInvalid(
      () => decodeJsonInferRequest({ inputs: [{ name: 'x', datatype, shape: [1, 1], data: [1] }] }, singleInputModel(datatype)),
      `input 'x' has datatype ${datatype}, which cannot be sent as JSON data; use the binary tensor data extension`,
    );
  });
});

describe('decodeJsonInferRequest: shape and data layout', () => {
  it('reads nested data in row-major order, the same as flat data', () => {
    const nested = decodeJsonInferRequest(irisRequest({ shape: [2, 4], data: [[1, 2, 3, 4], [5, 6, 7, 8]] }), IRIS);
    const flat = decodeJsonInferRequest(irisRequest({ shape: [2, 4], data: [1, 2, 3, 4, 5, 6, 7, 8] }), IRIS);
    expect(valuesOf(nested.inputs[0]?.data)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(nested.inputs[0]?.data).toEqual(flat.inputs[0]?.data);
  });

  it('accepts a scalar shape [] with one element', () => {
    const request = decodeJsonInferRequest({ inputs: [{ name: 'x', datatype: 'INT32', shape: [], data: [7] }] }, singleInputModel('INT32', []));
    expect(request.inputs[0]?.shape).toEqual([]);
    expect(valuesOf(request.inputs[0]?.data)).toEqual([7]);
  });

  it('accepts an empty batch, shape [0, 4] with no data', () => {
    const request = decodeJsonInferRequest(irisRequest({ shape: [0, 4], data: [] }), IRIS);
    expect(request.inputs[0]?.data).toHaveLength(0);
  });

  it('rejects data whose element count does not match the shape', () => {
    expectInvalid(
      () => decodeJsonInferRequest(irisRequest({ shape: [2, 4], data: [1, 2, 3, 4, 5, 6, 7] }), IRIS),
      "input 'input' has shape [2,4] (8 elements) but its 'data' holds 7 elements",
    );
  });

  it('counts elements before allocating, so a huge shape without data is a 400, not an allocation', () => {
    expectInvalid(
      () => decodeJsonInferRequest(irisRequest({ shape: [2 ** 40, 4], data: [1, 2, 3, 4] }), IRIS),
      "input 'input' has shape [1099511627776,4] (4398046511104 elements) but its 'data' holds 4 elements",
    );
  });

  it('rejects data nested deeper than the shape', () => {
    expectInvalid(
      () => decodeJsonInferRequest(irisRequest({ shape: [1, 4], data: [[[1, 2, 3, 4]]] }), IRIS),
      "input 'input' has 'data' nested deeper than its 2-dimensional shape",
    );
  });

  it('rejects a shape that does not fit the model (fixed dimension)', () => {
    expectInvalid(
      () => decodeJsonInferRequest(irisRequest({ shape: [1, 3], data: [1, 2, 3] }), IRIS),
      "unexpected shape for input 'input' for model 'iris'. Expected [-1,4], got [1,3]",
    );
  });

  it('rejects a shape of the wrong rank', () => {
    expectInvalid(
      () => decodeJsonInferRequest(irisRequest({ shape: [4], data: [1, 2, 3, 4] }), IRIS),
      "unexpected shape for input 'input' for model 'iris'. Expected [-1,4], got [4]",
    );
  });

  it.each([[[-1, 4]], [[1.5, 4]], ['[1,4]'], [undefined]])('rejects the malformed shape %p', (shape) => {
    expectInvalid(
      () => decodeJsonInferRequest(irisRequest({ shape }), IRIS),
      `input 'input' has invalid shape ${shape === undefined ? 'missing' : JSON.stringify(shape)}; expected an array of non-negative integers`,
    );
  });

  it('rejects an input without a data array', () => {
    expectInvalid(
      () => decodeJsonInferRequest(irisRequest({ data: undefined }), IRIS),
      "input 'input' needs a 'data' array, got missing",
    );
  });
});

describe('decodeJsonInferRequest: inputs against the model signature', () => {
  it('rejects a datatype other than the model input, with Triton\'s wording', () => {
    expectInvalid(
      () => decodeJsonInferRequest(irisRequest({ datatype: 'FP64' }), IRIS),
      "inference input 'input' data-type is 'FP64', but model 'iris' expects 'FP32'",
    );
  });

  it('rejects an unknown datatype name (datatypes are case-sensitive)', () => {
    expectInvalid(() => decodeJsonInferRequest(irisRequest({ datatype: 'fp32' }), IRIS), 'input \'input\' has unknown datatype "fp32"');
  });

  it('rejects an input the model does not have', () => {
    expectInvalid(
      () => decodeJsonInferRequest(irisRequest({ name: 'features' }), IRIS),
      "unexpected inference input 'features' for model 'iris'",
    );
  });

  it('rejects a request missing a model input', () => {
    expectInvalid(() => decodeJsonInferRequest({ inputs: [] }, IRIS), "missing inference input 'input' for model 'iris'");
  });

  it('rejects the same input twice', () => {
    const input = irisRequest({}).inputs[0];
    expectInvalid(() => decodeJsonInferRequest({ inputs: [input, input] }, IRIS), "input 'input' appears more than once in the request");
  });

  it.each<[string, unknown, string]>([
    ['a body that is not an object', [1, 2], 'inference request must be a JSON object, got [1,2]'],
    ['inputs that are not an array', { inputs: {} }, "request 'inputs' must be an array of input tensors, got {}"],
    ['missing inputs', {}, "request 'inputs' must be an array of input tensors, got missing"],
    ['an input that is not an object', { inputs: [3] }, 'request inputs[0] must be a JSON object, got 3'],
    ['an input without a name', { inputs: [{ datatype: 'FP32' }] }, 'request inputs[0].name must be a string, got missing'],
    ['a non-string id', { id: 42, inputs: [] }, "request 'id' must be a string, got 42"],
  ])('rejects %s', (_case, body, message) => {
    expectInvalid(() => decodeJsonInferRequest(body, IRIS), message);
  });
});

describe('decodeJsonInferRequest: id, parameters and requested outputs', () => {
  it('keeps the request id so the response can echo it', () => {
    expect(decodeJsonInferRequest(irisRequest({}, { id: 'req-7' }), IRIS).id).toBe('req-7');
  });

  it('leaves id undefined when the request has none', () => {
    expect(decodeJsonInferRequest(irisRequest({}), IRIS)).not.toHaveProperty('id');
  });

  it('ignores parameters and unknown top-level keys (Triton sends model_name in the body)', () => {
    const request = decodeJsonInferRequest(irisRequest({ parameters: { a: 1 } }, { parameters: { binary_data_output: false }, model_name: 'iris' }), IRIS);
    expect(request.inputs).toHaveLength(1);
  });

  it('selects every model output, in model order, when outputs is absent or empty', () => {
    expect(decodeJsonInferRequest(irisRequest({}), IRIS).outputNames).toEqual(['label', 'probabilities']);
    expect(decodeJsonInferRequest(irisRequest({}, { outputs: [] }), IRIS).outputNames).toEqual(['label', 'probabilities']);
  });

  it('selects only the requested outputs, in request order', () => {
    const request = decodeJsonInferRequest(irisRequest({}, { outputs: [{ name: 'probabilities' }, { name: 'label', parameters: {} }] }), IRIS);
    expect(request.outputNames).toEqual(['probabilities', 'label']);
  });

  it('rejects an output the model does not produce', () => {
    expectInvalid(
      () => decodeJsonInferRequest(irisRequest({}, { outputs: [{ name: 'scores' }] }), IRIS),
      "unexpected inference output 'scores' for model 'iris'",
    );
  });

  it('rejects the same output requested twice', () => {
    expectInvalid(
      () => decodeJsonInferRequest(irisRequest({}, { outputs: [{ name: 'label' }, { name: 'label' }] }), IRIS),
      "output 'label' is requested more than once",
    );
  });

  it('rejects malformed requested outputs', () => {
    expectInvalid(() => decodeJsonInferRequest(irisRequest({}, { outputs: 'label' }), IRIS), 'request \'outputs\' must be an array of requested outputs, got "label"');
    expectInvalid(() => decodeJsonInferRequest(irisRequest({}, { outputs: ['label'] }), IRIS), 'request outputs[0].name must be a string, got missing');
  });
});

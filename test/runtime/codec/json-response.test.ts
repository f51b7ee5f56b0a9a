import { encodeJsonInferResponse } from '../../../runtime/src/codec/json-response';
import type { Tensor } from '../../../runtime/src/codec/tensor';
import { ErrorKind, InferenceServerError } from '../../../runtime/src/errors';

function encodeOne(output: Tensor): string {
  return encodeJsonInferResponse({ modelName: 'm', outputs: [output] });
}

function dataOf(json: string): unknown {
  return (JSON.parse(json) as { outputs: { data: unknown }[] }).outputs[0]?.data;
}

describe('encodeJsonInferResponse', () => {
  it('writes model_name, model_version, id and outputs with name, datatype, shape and data', () => {
    const json = encodeJsonInferResponse({
      modelName: 'iris',
      modelVersion: '1',
      id: 'req-1',
      outputs: [
        { name: 'label', datatype: 'INT64', shape: [2], data: new BigInt64Array([0n, 2n]) },
        { name: 'probabilities', datatype: 'FP64', shape: [2, 1], data: new Float64Array([0.25, 0.75]) },
      ],
    });
    expect(json).toBe(
      '{"model_name":"iris","model_version":"1","id":"req-1","outputs":[' +
        '{"name":"label","datatype":"INT64","shape":[2],"data":[0,2]},' +
        '{"name":"probabilities","datatype":"FP64","shape":[2,1],"data":[0.25,0.75]}]}',
    );
  });

  it('omits model_version and id when unknown, as the spec asks', () => {
    const json = encodeJsonInferResponse({ modelName: 'm', outputs: [] });
    expect(JSON.parse(json)).toEqual({ model_name: 'm', outputs: [] });
  });

  it('escapes names and ids that need it', () => {
    const json = encodeJsonInferResponse({ modelName: 'm', id: 'a"b\\c', outputs: [{ name: 'y"', datatype: 'INT8', shape: [1], data: new Int8Array([1]) }] });
    expect(JSON.parse(json)).toEqual({ model_name: 'm', id: 'a"b\\c', outputs: [{ name: 'y"', datatype: 'INT8', shape: [1], data: [1] }] });
  });

  it('writes float32 values widened to double, like numpy tolist() and Triton', () => {
    expect(dataOf(encodeOne({ name: 'y', datatype: 'FP32', shape: [2], data: new Float32Array([0.1, -2.5]) }))).toEqual([0.10000000149011612, -2.5]);
  });

  it('writes 64-bit integers with every digit, beyond 2^53 too', () => {
    const json = encodeOne({ name: 'y', datatype: 'INT64', shape: [3], data: new BigInt64Array([-(2n ** 63n), 2n ** 53n + 1n, 5n]) });
    expect(json).toContain('"data":[-9223372036854775808,9007199254740993,5]');
    const unsigned = encodeOne({ name: 'y', datatype: 'UINT64', shape: [1], data: new BigUint64Array([2n ** 64n - 1n]) });
    expect(unsigned).toContain('"data":[18446744073709551615]');
  });

  it.each<[Tensor, unknown]>([
    [{ name: 'y', datatype: 'BOOL', shape: [3], data: new Uint8Array([1, 0, 1]) }, [true, false, true]],
    [{ name: 'y', datatype: 'UINT8', shape: [2], data: new Uint8Array([0, 255]) }, [0, 255]],
    [{ name: 'y', datatype: 'UINT16', shape: [1], data: new Uint16Array([65535]) }, [65535]],
    [{ name: 'y', datatype: 'UINT32', shape: [1], data: new Uint32Array([4294967295]) }, [4294967295]],
    [{ name: 'y', datatype: 'INT8', shape: [1], data: new Int8Array([-128]) }, [-128]],
    [{ name: 'y', datatype: 'INT16', shape: [1], data: new Int16Array([-32768]) }, [-32768]],
    [{ name: 'y', datatype: 'INT32', shape: [1], data: new Int32Array([-2147483648]) }, [-2147483648]],
    [{ name: 'y', datatype: 'FP64', shape: [1], data: new Float64Array([1e-300]) }, [1e-300]],
    [{ name: 'y', datatype: 'BYTES', shape: [2], data: ['grüße', 'line\nbreak "quoted"'] }, ['grüße', 'line\nbreak "quoted"']],
  ])('writes $datatype data as JSON values', (output, expected) => {
    expect(dataOf(encodeOne(output))).toEqual(expected);
  });

  it('writes NaN and Infinity outputs as null so the rest of the response still arrives', () => {
    expect(dataOf(encodeOne({ name: 'y', datatype: 'FP32', shape: [3], data: new Float32Array([NaN, 1, -Infinity]) }))).toEqual([null, 1, null]);
  });

  it.each(['FP16', 'BF16'] as const)('refuses %s outputs, which have no JSON form', (datatype) => {
    const call = () => encodeOne({ name: 'y', datatype, shape: [1], data: new Uint16Array([0x3c00]) });
    expect(call).toThrow(InferenceServerError);
    expect(call).toThrow(`output 'y' has datatype ${datatype}, which cannot be returned as JSON data`);
    try {
      call();
    } catch (error) {
      expect((error as InferenceServerError).kind).toBe(ErrorKind.INVALID_ARG);
    }
  });
});

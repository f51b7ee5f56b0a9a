import { DATATYPES } from '../../../runtime/src/codec/datatypes';
import { readRawTensorData } from '../../../runtime/src/codec/raw-tensor-data';

/** `payload` placed at byte `offset` of a larger buffer, as a binary section behind a JSON header of that length. */
function sectionAt(offset: number, payload: ArrayBufferView): Uint8Array {
  const body = new Uint8Array(offset + payload.byteLength + 5);
  body.set(new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength), offset);
  return body.subarray(offset, offset + payload.byteLength);
}

describe('readRawTensorData: sections at any byte offset', () => {
  it.each([1, 3, 5, 7, 166])('FP32 values behind a %i-byte header are exact and the view is 4-byte aligned', (offset) => {
    const values = new Float32Array([0.5, -1.25, 3.75, 1e-7]);
    const section = sectionAt(offset, values);
    const data = readRawTensorData('x', DATATYPES.FP32, [1, 4], section) as Float32Array;
    expect(data).toBeInstanceOf(Float32Array);
    expect(Array.from(data)).toEqual(Array.from(values));
    expect(data.byteOffset % 4).toBe(0);
  });

  it('INT64 and FP64 sections at an odd offset come back 8-byte aligned with every digit', () => {
    const int64 = readRawTensorData('i', DATATYPES.INT64, [2], sectionAt(3, new BigInt64Array([-9007199254740993n, 2n ** 62n]))) as BigInt64Array;
    expect(Array.from(int64)).toEqual([-9007199254740993n, 2n ** 62n]);
    expect(int64.byteOffset % 8).toBe(0);
    const fp64 = readRawTensorData('f', DATATYPES.FP64, [2], sectionAt(5, new Float64Array([0.1, 1e300]))) as Float64Array;
    expect(Array.from(fp64)).toEqual([0.1, 1e300]);
    expect(fp64.byteOffset % 8).toBe(0);
  });

  it('an unaligned section is copied: later writes to the request body do not reach the tensor', () => {
    const section = sectionAt(1, new Float32Array([1, 2]));
    const data = readRawTensorData('x', DATATYPES.FP32, [2], section) as Float32Array;
    section.fill(0xff);
    expect(Array.from(data)).toEqual([1, 2]);
  });

  it('an aligned section is viewed in place, not copied', () => {
    const section = sectionAt(8, new Float32Array([1, 2]));
    const data = readRawTensorData('x', DATATYPES.FP32, [2], section) as Float32Array;
    expect(data.buffer).toBe(section.buffer);
    expect(data.byteOffset).toBe(section.byteOffset);
  });
});

import { concatRows, sliceRows } from '../../../runtime/src/batching/batch-tensors';
import type { Datatype, TensorData } from '../../../runtime/src/codec/datatypes';
import type { Tensor } from '../../../runtime/src/codec/tensor';

function tensor(datatype: Datatype, shape: number[], data: TensorData): Tensor {
  return { name: 'x', datatype, shape, data };
}

describe('concatRows', () => {
  it.each<[Datatype, TensorData, TensorData, string]>([
    ['BOOL', new Uint8Array([1, 0, 1]), new Uint8Array([0, 1, 1]), 'Uint8Array'],
    ['INT8', new Int8Array([-128, 0, 127]), new Int8Array([1, -1, 2]), 'Int8Array'],
    ['FP16', new Uint16Array([0x3c00, 0, 0xc000]), new Uint16Array([1, 2, 3]), 'Uint16Array'],
    ['INT32', new Int32Array([-2147483648, 5, 7]), new Int32Array([1, 2, 3]), 'Int32Array'],
    ['FP32', new Float32Array([0.5, -1.25, 3]), new Float32Array([1e-7, 2, 4]), 'Float32Array'],
    ['INT64', new BigInt64Array([-(2n ** 63n), 0n, 2n ** 62n]), new BigInt64Array([1n, 2n, 3n]), 'BigInt64Array'],
    ['FP64', new Float64Array([0.1, 1e300, -0]), new Float64Array([1, 2, 3]), 'Float64Array'],
  ])('%s rows come out one after the other with every value, in storage of their own', (datatype, a, b, storage) => {
    const first = tensor(datatype, [1, 3], a);
    const second = tensor(datatype, [1, 3], b);
    const merged = concatRows([first, second, first]);
    expect(merged.shape).toEqual([3, 3]);
    expect(merged.data.constructor.name).toBe(storage);
    expect(Array.from(merged.data as ArrayLike<unknown>)).toEqual([...Array.from(a as ArrayLike<unknown>), ...Array.from(b as ArrayLike<unknown>), ...Array.from(a as ArrayLike<unknown>)]);
    expect((merged.data as Exclude<TensorData, string[]>).buffer).not.toBe((a as Exclude<TensorData, string[]>).buffer);
    const bytesPerElement = (merged.data as Exclude<TensorData, string[]>).BYTES_PER_ELEMENT;
    expect((merged.data as Exclude<TensorData, string[]>).byteOffset % bytesPerElement).toBe(0);
  });

  it('BYTES rows concatenate as strings', () => {
    const merged = concatRows([tensor('BYTES', [1, 1], ['a']), tensor('BYTES', [2, 1], ['b', 'c'])]);
    expect(merged.shape).toEqual([3, 1]);
    expect(merged.data).toEqual(['a', 'b', 'c']);
  });

  it('sliceRows cuts the merged rows back out exactly', () => {
    const merged = concatRows([tensor('FP32', [1, 2], new Float32Array([1, 2])), tensor('FP32', [2, 2], new Float32Array([3, 4, 5, 6]))]);
    const second = sliceRows(merged, 1, 2);
    expect(second.shape).toEqual([2, 2]);
    expect(Array.from(second.data as Float32Array)).toEqual([3, 4, 5, 6]);
  });

  it('sliceRows keeps every axis after the first, for rank 1 and rank 3, and leaves the batch shape alone', () => {
    const labels = tensor('INT64', [3], new BigInt64Array([7n, 8n, 9n]));
    const own = sliceRows(labels, 1, 2);
    expect(own.shape).toEqual([2]);
    expect(Array.from(own.data as BigInt64Array)).toEqual([8n, 9n]);
    const images = tensor('FP32', [3, 2, 2], new Float32Array(12).map((_, index) => index));
    const middle = sliceRows(images, 1, 1);
    expect(middle.shape).toEqual([1, 2, 2]);
    expect(Array.from(middle.data as Float32Array)).toEqual([4, 5, 6, 7]);
    expect(images.shape).toEqual([3, 2, 2]);
    expect(sliceRows(tensor('BYTES', [3, 1], ['a', 'b', 'c']), 2, 1).data).toEqual(['c']);
  });
});

import { DATATYPES, type DatatypeSpec, type TensorData } from '../codec/datatypes';
import { unfilledAlignedBytes, viewBytesAs } from '../codec/raw-tensor-data';
import type { Tensor } from '../codec/tensor';

/**
 * Pure row operations on tensors for the dynamic batcher: concatenate requests' inputs along the
 * first dimension, and cut a model's outputs back into each request's rows.
 */

/** Rows of a tensor: its first dimension. */
export function rowsOf(tensor: Tensor): number {
  return tensor.shape[0] ?? 1;
}

/** One tensor holding `parts` one after the other along the first dimension (same name, datatype and row shape). */
export function concatRows(parts: readonly Tensor[]): Tensor {
  const first = parts[0]!;
  if (parts.length === 1) return first;
  let rows = 0;
  let length = 0;
  for (const part of parts) {
    rows += rowsOf(part);
    length += part.data.length;
  }
  let data: TensorData;
  if (Array.isArray(first.data)) {
    data = ([] as string[]).concat(...parts.map((part) => part.data as string[]));
  } else {
    const merged = unfilledStorage(DATATYPES[first.datatype], length);
    let offset = 0;
    for (const part of parts) {
      (merged as Float32Array).set(part.data as Float32Array, offset);
      offset += part.data.length;
    }
    data = merged;
  }
  return { name: first.name, datatype: first.datatype, shape: [rows, ...first.shape.slice(1)], data };
}

/**
 * Typed storage of `length` elements whose contents are whatever the memory held: concatRows
 * writes every element, and zero-filling a batch first (100 KB for 32 MNIST rows) was wasted work
 * on every model run.
 */
function unfilledStorage(spec: DatatypeSpec, length: number): Exclude<TensorData, string[]> {
  const elementSize = spec.bytesPerElement!;
  return viewBytesAs(spec, unfilledAlignedBytes(length * elementSize, elementSize), length) as Exclude<TensorData, string[]>;
}

/**
 * Rows [start, start + count) of a tensor. Typed arrays are viewed, not copied: each caller's
 * slice of a batch output shares the output's memory, which nothing writes to afterwards.
 */
export function sliceRows(tensor: Tensor, start: number, count: number): Tensor {
  // Called for every request of every batch: one array for the new shape, none for the row length.
  const shape = tensor.shape.slice();
  shape[0] = count;
  let rowLength = 1;
  for (let axis = 1; axis < shape.length; axis++) rowLength *= shape[axis]!;
  const from = start * rowLength;
  const to = from + count * rowLength;
  const data = Array.isArray(tensor.data) ? tensor.data.slice(from, to) : (tensor.data as Float32Array).subarray(from, to);
  return { name: tensor.name, datatype: tensor.datatype, shape, data: data as TensorData };
}

import type { Datatype, TensorData } from './datatypes';

/** A named tensor as it flows between codecs and models: row-major, flat element storage. */
export interface Tensor {
  readonly name: string;
  readonly datatype: Datatype;
  readonly shape: readonly number[];
  readonly data: TensorData;
}

/** One input or output as a model describes it; `-1` marks a dimension of any size. */
export interface TensorMetadata {
  readonly name: string;
  readonly datatype: Datatype;
  readonly shape: readonly number[];
}

/** What the request codecs validate against: a model's name and tensor signature. */
export interface ModelSignature {
  readonly name: string;
  readonly inputs: readonly TensorMetadata[];
  readonly outputs: readonly TensorMetadata[];
}

/** Number of elements a shape holds; 1 for a scalar (`[]`). */
export function elementCount(shape: readonly number[]): number {
  let count = 1;
  for (const dim of shape) count *= dim;
  return count;
}

/** `[2,4]` the way Triton prints shapes in its error messages. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

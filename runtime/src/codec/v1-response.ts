import { DATATYPES } from './datatypes';
import { halfBitsToNumber } from './float16';
import type { Tensor } from './tensor';
import type { V1Format } from './v1-request';

/**
 * Encodes a v1 predict response as JSON text, mirroring the request's form (TF-Serving's rules):
 * - row form: `{"predictions": [...]}`, one entry per row: the output's row for single-output
 *   models, else an object `{output: row}`;
 * - columnar form: `{"outputs": value}`, or `{"outputs": {output: value}}` for several outputs.
 * Written by hand, like the v2 encoder, so 64-bit integers print exactly and NaN becomes null.
 */
export function encodeV1Response(format: V1Format, rows: number | undefined, outputs: readonly Tensor[]): string {
  if (format === 'columnar') {
    if (outputs.length === 1) return `{"outputs":${nested(outputs[0]!, 0, outputs[0]!.shape)}}`;
    return `{"outputs":{${outputs.map((output) => `${JSON.stringify(output.name)}:${nested(output, 0, output.shape)}`).join(',')}}}`;
  }
  const rowCount = rows ?? 1;
  const predictions: string[] = [];
  for (let row = 0; row < rowCount; row++) {
    if (outputs.length === 1) {
      predictions.push(rowText(outputs[0]!, row, rowCount));
    } else {
      predictions.push(`{${outputs.map((output) => `${JSON.stringify(output.name)}:${rowText(output, row, rowCount)}`).join(',')}}`);
    }
  }
  return `{"predictions":[${predictions.join(',')}]}`;
}

/** Row `row` of an output whose first dimension is the row count; the whole output otherwise. */
function rowText(output: Tensor, row: number, rowCount: number): string {
  if (output.shape[0] !== rowCount) return nested(output, 0, output.shape);
  const rowShape = output.shape.slice(1);
  let rowSize = 1;
  for (const dim of rowShape) rowSize *= dim;
  return nested(output, row * rowSize, rowShape);
}

/** The elements from `start` laid out as nested arrays of `shape` (a bare element for `[]`). */
function nested(output: Tensor, start: number, shape: readonly number[]): string {
  if (shape.length === 0) return element(output, start);
  const [dim, ...rest] = shape;
  let stride = 1;
  for (const size of rest) stride *= size;
  const parts: string[] = [];
  for (let index = 0; index < dim!; index++) parts.push(nested(output, start + index * stride, rest));
  return `[${parts.join(',')}]`;
}

function element(output: Tensor, index: number): string {
  const value = (output.data as ArrayLike<unknown>)[index];
  switch (DATATYPES[output.datatype].json) {
    case 'boolean':
      return value === 0 ? 'false' : 'true';
    case 'string':
      return JSON.stringify(value);
    case 'float':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'none': {
      // v1 is JSON only, so half floats are widened to numbers rather than refused.
      const number = halfBitsToNumber(value as number);
      return Number.isFinite(number) ? String(number) : 'null';
    }
    default:
      return String(value);
  }
}

import { invalidArgument } from '../errors';
import type { DatatypeSpec, TensorData } from './datatypes';
import { describeJsonValue } from './json-values';
import { elementCount, formatShape } from './tensor';

/** Stores one JSON element at `index`; returns false when the value is not valid for the datatype. */
type ElementStore = (value: unknown, index: number) => boolean;

/**
 * Converts a JSON `data` array (flat or nested, row-major) into typed element storage.
 *
 * Elements are counted before anything is allocated, so a request cannot make the server allocate
 * for a huge `shape` it does not back with data.
 */
export function readJsonTensorData(
  inputName: string,
  spec: DatatypeSpec,
  shape: readonly number[],
  data: readonly unknown[],
): TensorData {
  // Nesting deeper than the rank has no row-major meaning; the bound also caps recursion depth.
  const maxDepth = Math.max(shape.length, 1);
  const expected = elementCount(shape);
  const actual = countElements(inputName, data, 1, maxDepth);
  if (actual !== expected) {
    throw invalidArgument(
      `input '${inputName}' has shape ${formatShape(shape)} (${expected} elements) but its 'data' holds ${actual} elements`,
    );
  }
  const storage = spec.allocate(expected);
  const store = elementStore(spec, storage);
  let next = 0;
  const fill = (values: readonly unknown[]): void => {
    for (const value of values) {
      if (Array.isArray(value)) {
        fill(value);
      } else if (store(value, next)) {
        next++;
      } else {
        throw invalidElement(inputName, spec, next, value);
      }
    }
  };
  fill(data);
  return storage;
}

function countElements(inputName: string, values: readonly unknown[], depth: number, maxDepth: number): number {
  let count = 0;
  for (const value of values) {
    if (!Array.isArray(value)) {
      count++;
    } else if (depth >= maxDepth) {
      throw invalidArgument(`input '${inputName}' has 'data' nested deeper than its ${maxDepth}-dimensional shape`);
    } else {
      count += countElements(inputName, value, depth + 1, maxDepth);
    }
  }
  return count;
}

function elementStore(spec: DatatypeSpec, storage: TensorData): ElementStore {
  switch (spec.json) {
    case 'float': {
      const floats = storage as Float32Array | Float64Array;
      // Checking the stored value also catches doubles that overflow FP32 to Infinity.
      return (value, index) => {
        if (typeof value !== 'number') return false;
        floats[index] = value;
        return Number.isFinite(floats[index]);
      };
    }
    case 'integer': {
      const integers = storage as Exclude<TensorData, BigInt64Array | BigUint64Array | string[]>;
      return (value, index) => {
        if (!isIntegerInRange(value, spec)) return false;
        integers[index] = value;
        return true;
      };
    }
    case 'bigint': {
      const bigints = storage as BigInt64Array | BigUint64Array;
      return (value, index) => {
        if (!isIntegerInRange(value, spec)) return false;
        bigints[index] = BigInt(value);
        return true;
      };
    }
    case 'boolean': {
      const bytes = storage as Uint8Array;
      return (value, index) => {
        if (typeof value !== 'boolean') return false;
        bytes[index] = value ? 1 : 0;
        return true;
      };
    }
    case 'string': {
      const strings = storage as string[];
      return (value, index) => {
        if (typeof value !== 'string') return false;
        strings[index] = value;
        return true;
      };
    }
    case 'none':
      // Callers reject these datatypes before reading data; reaching here is a programming error.
      throw new Error(`datatype ${spec.datatype} has no JSON form`);
  }
}

function isIntegerInRange(value: unknown, spec: DatatypeSpec): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= spec.min && value <= spec.max;
}

function invalidElement(inputName: string, spec: DatatypeSpec, index: number, value: unknown) {
  const shown = describeJsonValue(value);
  switch (spec.json) {
    case 'float':
      return invalidArgument(
        typeof value === 'number'
          ? `input '${inputName}': data element ${index} (${shown}) is not a finite ${spec.datatype} value; NaN and Infinity are not accepted`
          : `input '${inputName}': data element ${index} (${shown}) is not a number`,
      );
    case 'integer':
    case 'bigint':
      return invalidArgument(
        `input '${inputName}': data element ${index} (${shown}) is not valid for ${spec.datatype}: expected an integer in [${spec.min}, ${spec.max}]`,
      );
    case 'boolean':
      return invalidArgument(`input '${inputName}': data element ${index} (${shown}) is not true or false`);
    default:
      return invalidArgument(`input '${inputName}': data element ${index} (${shown}) is not a string`);
  }
}

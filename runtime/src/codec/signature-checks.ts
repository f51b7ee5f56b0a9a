import { invalidArgument } from '../errors';
import { type Datatype, isDatatype } from './datatypes';
import { formatShape, type ModelSignature, type TensorMetadata } from './tensor';

/**
 * Checks every wire format shares (REST JSON, binary extension, gRPC): an input's name, datatype
 * and shape against the model's signature, and the requested outputs. Messages follow Triton's
 * wording so clients that match on its text keep working.
 */

/**
 * The model's metadata for an input the request names, after checking its datatype and shape.
 *
 * @throws InferenceServerError (INVALID_ARG) naming the input and what is wrong with it.
 */
export function checkInputHeader(model: ModelSignature, name: string, datatype: unknown, shape: unknown): TensorMetadata & { readonly requestShape: number[] } {
  const expected = model.inputs.find((candidate) => candidate.name === name);
  if (expected === undefined) {
    throw invalidArgument(`unexpected inference input '${name}' for model '${model.name}'`);
  }
  if (!isDatatype(datatype)) {
    throw invalidArgument(`input '${name}' has unknown datatype ${describe(datatype)}`);
  }
  if (datatype !== expected.datatype) {
    throw invalidArgument(
      `inference input '${name}' data-type is '${datatype}', but model '${model.name}' expects '${expected.datatype}'`,
    );
  }
  if (!isShape(shape)) {
    throw invalidArgument(
      `input '${name}' has invalid shape ${describe(shape)}; expected an array of non-negative integers`,
    );
  }
  if (!shapeFitsModel(shape, expected)) {
    throw invalidArgument(
      `unexpected shape for input '${name}' for model '${model.name}'. Expected ${formatShape(expected.shape)}, got ${formatShape(shape)}`,
    );
  }
  return { ...expected, datatype: datatype as Datatype, requestShape: shape };
}

function describe(value: unknown): string {
  if (value === undefined) return 'missing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

function isShape(value: unknown): value is number[] {
  return (
    Array.isArray(value) &&
    value.every((dim: unknown) => typeof dim === 'number' && Number.isSafeInteger(dim) && dim >= 0)
  );
}

/**
 * Rank and fixed dimensions must match the model; -1 accepts any size. onnxruntime reports an
 * unknown shape as `[]`, so an empty model shape is left for the runtime to check.
 */
function shapeFitsModel(shape: readonly number[], expected: TensorMetadata): boolean {
  if (expected.shape.length === 0) return true;
  if (shape.length !== expected.shape.length) return false;
  return expected.shape.every((dim, axis) => dim === -1 || dim === shape[axis]);
}

/** @throws InferenceServerError (INVALID_ARG) when an input appears twice. */
export function checkInputNotRepeated(seen: Set<string>, name: string): void {
  if (seen.has(name)) throw invalidArgument(`input '${name}' appears more than once in the request`);
  seen.add(name);
}

/** @throws InferenceServerError (INVALID_ARG) for the first model input the request left out. */
export function checkAllInputsPresent(seen: ReadonlySet<string>, model: ModelSignature): void {
  for (const expected of model.inputs) {
    if (!seen.has(expected.name)) {
      throw invalidArgument(`missing inference input '${expected.name}' for model '${model.name}'`);
    }
  }
}

/** @throws InferenceServerError (INVALID_ARG) for an output the model lacks or one asked for twice. */
export function checkRequestedOutput(model: ModelSignature, name: string, earlier: readonly string[]): void {
  if (!model.outputs.some((candidate) => candidate.name === name)) {
    throw invalidArgument(`unexpected inference output '${name}' for model '${model.name}'`);
  }
  if (earlier.includes(name)) throw invalidArgument(`output '${name}' is requested more than once`);
}

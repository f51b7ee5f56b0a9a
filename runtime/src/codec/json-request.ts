import { invalidArgument } from '../errors';
import { DATATYPES, isDatatype } from './datatypes';
import type { InferRequest } from './inference';
import { readJsonTensorData } from './json-tensor-data';
import { describeJsonValue, isJsonObject } from './json-values';
import { formatShape, type ModelSignature, type Tensor, type TensorMetadata } from './tensor';

/**
 * Decodes a parsed JSON v2 inference request (`$inference_request`) and validates it against the
 * model: every input known, present once, of the model's datatype and shape; requested outputs known.
 * Unknown top-level keys and `parameters` are ignored, as the protocol asks.
 *
 * @throws InferenceServerError (INVALID_ARG) with a message naming the offending field.
 */
export function decodeJsonInferRequest(body: unknown, model: ModelSignature): InferRequest {
  if (!isJsonObject(body)) {
    throw invalidArgument(`inference request must be a JSON object, got ${describeJsonValue(body)}`);
  }
  const id = body.id;
  if (id !== undefined && typeof id !== 'string') {
    throw invalidArgument(`request 'id' must be a string, got ${describeJsonValue(id)}`);
  }
  return {
    ...(id === undefined ? {} : { id }),
    inputs: decodeInputs(body.inputs, model),
    outputNames: decodeRequestedOutputs(body.outputs, model),
  };
}

function decodeInputs(inputs: unknown, model: ModelSignature): Tensor[] {
  if (!Array.isArray(inputs)) {
    throw invalidArgument(`request 'inputs' must be an array of input tensors, got ${describeJsonValue(inputs)}`);
  }
  const tensors: Tensor[] = [];
  const seen = new Set<string>();
  inputs.forEach((input: unknown, position) => {
    const tensor = decodeInput(input, position, model);
    if (seen.has(tensor.name)) {
      throw invalidArgument(`input '${tensor.name}' appears more than once in the request`);
    }
    seen.add(tensor.name);
    tensors.push(tensor);
  });
  for (const expected of model.inputs) {
    if (!seen.has(expected.name)) {
      throw invalidArgument(`missing inference input '${expected.name}' for model '${model.name}'`);
    }
  }
  return tensors;
}

function decodeInput(input: unknown, position: number, model: ModelSignature): Tensor {
  if (!isJsonObject(input)) {
    throw invalidArgument(`request inputs[${position}] must be a JSON object, got ${describeJsonValue(input)}`);
  }
  const { name, datatype, shape, data } = input;
  if (typeof name !== 'string') {
    throw invalidArgument(`request inputs[${position}].name must be a string, got ${describeJsonValue(name)}`);
  }
  const expected = model.inputs.find((candidate) => candidate.name === name);
  if (expected === undefined) {
    throw invalidArgument(`unexpected inference input '${name}' for model '${model.name}'`);
  }
  if (!isDatatype(datatype)) {
    throw invalidArgument(`input '${name}' has unknown datatype ${describeJsonValue(datatype)}`);
  }
  // Wording follows Triton so clients that match on its messages keep working.
  if (datatype !== expected.datatype) {
    throw invalidArgument(
      `inference input '${name}' data-type is '${datatype}', but model '${model.name}' expects '${expected.datatype}'`,
    );
  }
  if (!isShape(shape)) {
    throw invalidArgument(
      `input '${name}' has invalid shape ${describeJsonValue(shape)}; expected an array of non-negative integers`,
    );
  }
  if (!shapeFitsModel(shape, expected)) {
    throw invalidArgument(
      `unexpected shape for input '${name}' for model '${model.name}'. Expected ${formatShape(expected.shape)}, got ${formatShape(shape)}`,
    );
  }
  const spec = DATATYPES[datatype];
  if (spec.json === 'none') {
    throw invalidArgument(`input '${name}' has datatype ${datatype}, which cannot be sent as JSON data`);
  }
  if (!Array.isArray(data)) {
    throw invalidArgument(`input '${name}' needs a 'data' array, got ${describeJsonValue(data)}`);
  }
  return { name, datatype, shape, data: readJsonTensorData(name, spec, shape, data) };
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

function decodeRequestedOutputs(outputs: unknown, model: ModelSignature): string[] {
  // An absent (or empty) list means "all outputs" [spec]; Triton treats an empty list the same way.
  if (outputs === undefined || (Array.isArray(outputs) && outputs.length === 0)) {
    return model.outputs.map((output) => output.name);
  }
  if (!Array.isArray(outputs)) {
    throw invalidArgument(`request 'outputs' must be an array of requested outputs, got ${describeJsonValue(outputs)}`);
  }
  const names: string[] = [];
  outputs.forEach((output: unknown, position) => {
    const name = isJsonObject(output) ? output.name : undefined;
    if (typeof name !== 'string') {
      throw invalidArgument(`request outputs[${position}].name must be a string, got ${describeJsonValue(name)}`);
    }
    if (!model.outputs.some((candidate) => candidate.name === name)) {
      throw invalidArgument(`unexpected inference output '${name}' for model '${model.name}'`);
    }
    if (names.includes(name)) {
      throw invalidArgument(`output '${name}' is requested more than once`);
    }
    names.push(name);
  });
  return names;
}

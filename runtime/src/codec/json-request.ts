import { invalidArgument } from '../errors';
import { DATATYPES } from './datatypes';
import type { InferRequest } from './inference';
import { readJsonTensorData } from './json-tensor-data';
import { describeJsonValue, isJsonObject } from './json-values';
import { readRawTensorData } from './raw-tensor-data';
import { checkAllInputsPresent, checkInputHeader, checkInputNotRepeated, checkRequestedOutput } from './signature-checks';
import type { ModelSignature, Tensor } from './tensor';

const NO_BINARY_OUTPUTS: ReadonlySet<string> = new Set();

/**
 * Decodes a parsed v2 inference request (`$inference_request`) and validates it against the model:
 * every input known, present once, of the model's datatype and shape; requested outputs known.
 *
 * With the binary tensor data extension, `binary` holds the bytes that followed the JSON header:
 * inputs with `parameters.binary_data_size` take their sections from it, in input order, and the
 * sizes must account for every byte. Output `parameters.binary_data` (or the request-level
 * `binary_data_output`, which it overrides) selects outputs to answer in binary.
 *
 * Unknown top-level keys and parameters are ignored, as the protocol asks.
 *
 * @throws InferenceServerError (INVALID_ARG) with a message naming the offending field.
 */
export function decodeJsonInferRequest(body: unknown, model: ModelSignature, binary?: Uint8Array): InferRequest {
  if (!isJsonObject(body)) {
    throw invalidArgument(`inference request must be a JSON object, got ${describeJsonValue(body)}`);
  }
  const id = body.id;
  if (id !== undefined && typeof id !== 'string') {
    throw invalidArgument(`request 'id' must be a string, got ${describeJsonValue(id)}`);
  }
  const parameters = readParameters(body.parameters, 'request');
  const sections = new BinarySections(binary);
  const inputs = decodeInputs(body.inputs, model, sections);
  sections.assertAllConsumed();
  const { outputNames, binaryOutputNames } = decodeRequestedOutputs(body.outputs, model, parameters.binary_data_output);
  checkJsonOutputsHaveJsonForm(model, outputNames, binaryOutputNames);
  return { ...(id === undefined ? {} : { id }), inputs, outputNames, binaryOutputNames };
}

function readParameters(parameters: unknown, owner: string): Record<string, unknown> {
  if (parameters === undefined) return {};
  if (!isJsonObject(parameters)) {
    throw invalidArgument(`${owner} 'parameters' must be a JSON object, got ${describeJsonValue(parameters)}`);
  }
  return parameters;
}

/** The bytes after the JSON header, handed out front to back as inputs claim their sizes. */
class BinarySections {
  #offset = 0;
  constructor(private readonly bytes: Uint8Array | undefined) {}

  take(inputName: string, size: number): Uint8Array {
    const available = (this.bytes?.byteLength ?? 0) - this.#offset;
    if (this.bytes === undefined || size > available) {
      throw invalidArgument(
        `input '${inputName}' declares binary_data_size ${size} but only ${Math.max(available, 0)} bytes of binary data remain in the request body`,
      );
    }
    const section = this.bytes.subarray(this.#offset, this.#offset + size);
    this.#offset += size;
    return section;
  }

  assertAllConsumed(): void {
    const left = (this.bytes?.byteLength ?? 0) - this.#offset;
    if (left > 0) {
      throw invalidArgument(`request body has ${left} bytes of binary data after the last input's binary_data_size`);
    }
  }
}

function decodeInputs(inputs: unknown, model: ModelSignature, sections: BinarySections): Tensor[] {
  if (!Array.isArray(inputs)) {
    throw invalidArgument(`request 'inputs' must be an array of input tensors, got ${describeJsonValue(inputs)}`);
  }
  const tensors: Tensor[] = [];
  const seen = new Set<string>();
  inputs.forEach((input: unknown, position) => {
    const tensor = decodeInput(input, position, model, sections);
    checkInputNotRepeated(seen, tensor.name);
    tensors.push(tensor);
  });
  checkAllInputsPresent(seen, model);
  return tensors;
}

function decodeInput(input: unknown, position: number, model: ModelSignature, sections: BinarySections): Tensor {
  if (!isJsonObject(input)) {
    throw invalidArgument(`request inputs[${position}] must be a JSON object, got ${describeJsonValue(input)}`);
  }
  const { name, data } = input;
  if (typeof name !== 'string') {
    throw invalidArgument(`request inputs[${position}].name must be a string, got ${describeJsonValue(name)}`);
  }
  const { datatype, requestShape: shape } = checkInputHeader(model, name, input.datatype, input.shape);
  const spec = DATATYPES[datatype];
  const binarySize = readParameters(input.parameters, `input '${name}'`).binary_data_size;
  if (binarySize !== undefined) {
    if (typeof binarySize !== 'number' || !Number.isSafeInteger(binarySize) || binarySize < 0) {
      throw invalidArgument(`input '${name}': binary_data_size must be a non-negative integer, got ${describeJsonValue(binarySize)}`);
    }
    if (data !== undefined) {
      throw invalidArgument(`input '${name}' has both 'data' and binary_data_size; send its elements one way`);
    }
    return { name, datatype, shape, data: readRawTensorData(name, spec, shape, sections.take(name, binarySize)) };
  }
  if (spec.json === 'none') {
    throw invalidArgument(
      `input '${name}' has datatype ${datatype}, which cannot be sent as JSON data; use the binary tensor data extension`,
    );
  }
  if (!Array.isArray(data)) {
    throw invalidArgument(`input '${name}' needs a 'data' array, got ${describeJsonValue(data)}`);
  }
  return { name, datatype, shape, data: readJsonTensorData(name, spec, shape, data) };
}

/** Fails before running the model, not after, when a JSON output could not be written (FP16). */
function checkJsonOutputsHaveJsonForm(model: ModelSignature, outputNames: readonly string[], binaryOutputNames: ReadonlySet<string>): void {
  for (const name of outputNames) {
    if (binaryOutputNames.has(name)) continue;
    const datatype = model.outputs.find((output) => output.name === name)?.datatype;
    if (datatype !== undefined && DATATYPES[datatype].json === 'none') {
      throw invalidArgument(
        `output '${name}' has datatype ${datatype}, which cannot be returned as JSON data; request it with parameters.binary_data=true`,
      );
    }
  }
}

function readBinaryFlag(value: unknown, owner: string, parameter: string): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  throw invalidArgument(`${owner}: parameter '${parameter}' must be true or false, got ${describeJsonValue(value)}`);
}

function decodeRequestedOutputs(outputs: unknown, model: ModelSignature, binaryDataOutput: unknown) {
  const allBinary = readBinaryFlag(binaryDataOutput, 'request', 'binary_data_output') ?? false;
  // An absent (or empty) list means "all outputs" [spec]; Triton treats an empty list the same way.
  if (outputs === undefined || (Array.isArray(outputs) && outputs.length === 0)) {
    const outputNames = model.outputs.map((output) => output.name);
    return { outputNames, binaryOutputNames: allBinary ? new Set(outputNames) : NO_BINARY_OUTPUTS };
  }
  if (!Array.isArray(outputs)) {
    throw invalidArgument(`request 'outputs' must be an array of requested outputs, got ${describeJsonValue(outputs)}`);
  }
  const outputNames: string[] = [];
  const binaryOutputNames = new Set<string>();
  outputs.forEach((output: unknown, position) => {
    const name = isJsonObject(output) ? output.name : undefined;
    if (typeof name !== 'string') {
      throw invalidArgument(`request outputs[${position}].name must be a string, got ${describeJsonValue(name)}`);
    }
    checkRequestedOutput(model, name, outputNames);
    const parameters = readParameters((output as Record<string, unknown>).parameters, `output '${name}'`);
    // Triton's precedence: the output's own flag, else the request-level default.
    if (readBinaryFlag(parameters.binary_data, `output '${name}'`, 'binary_data') ?? allBinary) binaryOutputNames.add(name);
    outputNames.push(name);
  });
  return { outputNames, binaryOutputNames };
}

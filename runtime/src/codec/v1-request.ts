import { invalidArgument } from '../errors';
import { DATATYPES } from './datatypes';
import type { InferRequest } from './inference';
import { readJsonTensorData } from './json-tensor-data';
import { describeJsonValue, isJsonObject } from './json-values';
import { checkInputHeader } from './signature-checks';
import type { ModelSignature, Tensor } from './tensor';

/** Which of the two v1 (TF-Serving) request forms a request used; the response mirrors it. */
export type V1Format = 'row' | 'columnar';

/** A decoded v1 `:predict` request. */
export interface V1Request {
  readonly format: V1Format;
  /** Rows in a row-format request (the first dimension of every input). */
  readonly rows?: number;
  readonly infer: InferRequest;
}

const NO_BINARY_OUTPUTS: ReadonlySet<string> = new Set();
/** Matches v2's nesting cap; the recursion below never goes deeper. */
const MAX_DEPTH = 64;

/**
 * Decodes a v1 predict body, as KServe's v1 protocol (TF-Serving's REST API) defines it:
 * - row form `{"instances": [...]}`: one element per row; each is the row's value for a
 *   single-input model, or an object `{input: value}` for several inputs. Rows are stacked into
 *   tensors of shape `[rows, ...rowShape]`.
 * - columnar form `{"inputs": value}` (or `{"inputs": {input: value}}`): whole tensors.
 * Datatypes come from the model's signature (v1 carries none); shapes from the nesting, which must
 * be rectangular.
 *
 * @throws InferenceServerError (INVALID_ARG) naming what does not fit.
 */
export function decodeV1Request(body: unknown, model: ModelSignature): V1Request {
  if (!isJsonObject(body)) throw invalidArgument(`v1 request must be a JSON object, got ${describeJsonValue(body)}`);
  const hasInstances = body.instances !== undefined;
  const hasInputs = body.inputs !== undefined;
  if (hasInstances === hasInputs) {
    throw invalidArgument("v1 request needs exactly one of 'instances' (row format) or 'inputs' (columnar format)");
  }
  const outputNames = model.outputs.map((output) => output.name);
  if (hasInstances) {
    const instances = body.instances;
    if (!Array.isArray(instances) || instances.length === 0) {
      throw invalidArgument(`'instances' must be a non-empty array of rows, got ${describeJsonValue(instances)}`);
    }
    const inputs = model.inputs.map((input) =>
      toTensor(model, input.name, instances.map((instance: unknown, row) => rowValue(model, input.name, instance, row))),
    );
    return { format: 'row', rows: instances.length, infer: { inputs, outputNames, binaryOutputNames: NO_BINARY_OUTPUTS } };
  }
  const inputs = model.inputs.map((input) => toTensor(model, input.name, columnValue(model, input.name, body.inputs)));
  return { format: 'columnar', infer: { inputs, outputNames, binaryOutputNames: NO_BINARY_OUTPUTS } };
}

/** A row's value for one input: the row itself, or its named member for multi-input models. */
function rowValue(model: ModelSignature, inputName: string, instance: unknown, row: number): unknown {
  if (isJsonObject(instance)) {
    if (!(inputName in instance)) throw invalidArgument(`instances[${row}] has no value for input '${inputName}'`);
    return instance[inputName];
  }
  if (model.inputs.length > 1) {
    throw invalidArgument(
      `model '${model.name}' has ${model.inputs.length} inputs, so instances[${row}] must be an object naming them`,
    );
  }
  return instance;
}

function columnValue(model: ModelSignature, inputName: string, inputs: unknown): unknown {
  if (isJsonObject(inputs)) {
    if (!(inputName in inputs)) throw invalidArgument(`'inputs' has no value for input '${inputName}'`);
    return inputs[inputName];
  }
  if (model.inputs.length > 1) {
    throw invalidArgument(`model '${model.name}' has ${model.inputs.length} inputs, so 'inputs' must be an object naming them`);
  }
  return inputs;
}

function toTensor(model: ModelSignature, name: string, value: unknown): Tensor {
  const shape = rectangularShape(name, value);
  const expected = model.inputs.find((input) => input.name === name)!;
  const { datatype } = checkInputHeader(model, name, expected.datatype, shape);
  const spec = DATATYPES[datatype];
  if (spec.json === 'none') {
    throw invalidArgument(`input '${name}' has datatype ${datatype}, which the v1 protocol cannot carry; use v2 with binary data`);
  }
  return { name, datatype, shape, data: readJsonTensorData(name, spec, shape, Array.isArray(value) ? value : [value]) };
}

/** The shape of a nested JSON array, checking every level is rectangular. */
function rectangularShape(name: string, value: unknown): number[] {
  const shape: number[] = [];
  let level: unknown = value;
  while (Array.isArray(level)) {
    if (shape.length >= MAX_DEPTH) throw invalidArgument(`input '${name}' is nested deeper than ${MAX_DEPTH} levels`);
    shape.push(level.length);
    level = level[0];
  }
  checkRectangular(name, value, shape, 0);
  return shape;
}

function checkRectangular(name: string, value: unknown, shape: readonly number[], depth: number): void {
  if (depth === shape.length) {
    if (Array.isArray(value)) throw invalidArgument(`input '${name}' is ragged: nesting differs between elements`);
    return;
  }
  if (!Array.isArray(value) || value.length !== shape[depth]) {
    throw invalidArgument(`input '${name}' is ragged: every array at depth ${depth} must hold ${shape[depth]} elements`);
  }
  for (const element of value) checkRectangular(name, element, shape, depth + 1);
}

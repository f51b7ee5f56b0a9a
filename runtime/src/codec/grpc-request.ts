import { invalidArgument } from '../errors';
import { DATATYPES, type Datatype, type DatatypeSpec, type TensorData } from './datatypes';
import type { InferRequest } from './inference';
import { readRawTensorData } from './raw-tensor-data';
import { checkAllInputsPresent, checkInputHeader, checkInputNotRepeated, checkRequestedOutput } from './signature-checks';
import { elementCount, formatShape, type ModelSignature, type Tensor } from './tensor';

/**
 * `InferTensorContents` as @grpc/proto-loader hands it over (keepCase, longs as strings so 64-bit
 * values stay exact, bytes as Buffers).
 */
export interface GrpcTensorContents {
  readonly bool_contents?: readonly boolean[];
  readonly int_contents?: readonly number[];
  readonly int64_contents?: readonly (string | number)[];
  readonly uint_contents?: readonly number[];
  readonly uint64_contents?: readonly (string | number)[];
  readonly fp32_contents?: readonly number[];
  readonly fp64_contents?: readonly number[];
  readonly bytes_contents?: readonly Uint8Array[];
}

export interface GrpcInferInputTensor {
  readonly name: string;
  readonly datatype: string;
  readonly shape: readonly (string | number)[];
  readonly contents?: GrpcTensorContents | null;
}

/** The fields of `ModelInferRequest` the decoder reads. */
export interface GrpcModelInferRequest {
  readonly model_name: string;
  readonly model_version?: string;
  readonly id?: string;
  readonly inputs?: readonly GrpcInferInputTensor[];
  readonly outputs?: readonly { readonly name: string }[];
  readonly raw_input_contents?: readonly Uint8Array[];
}

const NO_BINARY_OUTPUTS: ReadonlySet<string> = new Set();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes a gRPC `ModelInferRequest` and validates it against the model. Inputs come either all
 * from `raw_input_contents` (one entry per input, in input order: what tritonclient sends) or all
 * from typed `contents`; mixing is refused with the message Triton and KServe use.
 *
 * @throws InferenceServerError (INVALID_ARG) naming the offending input.
 */
export function decodeGrpcInferRequest(message: GrpcModelInferRequest, model: ModelSignature): InferRequest {
  const inputs = message.inputs ?? [];
  const raw = message.raw_input_contents ?? [];
  if (raw.length > 0 && raw.length !== inputs.length) {
    throw invalidArgument(
      `expected ${inputs.length} raw_input_contents entries (one per input) for model '${model.name}', got ${raw.length}`,
    );
  }
  const seen = new Set<string>();
  const tensors = inputs.map((input, position): Tensor => {
    const shape = input.shape.map(Number);
    const { datatype } = checkInputHeader(model, input.name, input.datatype, shape);
    checkInputNotRepeated(seen, input.name);
    const spec = DATATYPES[datatype];
    const contents = input.contents ?? undefined;
    if (raw.length > 0) {
      if (contents !== undefined && hasAnyContents(contents)) {
        throw invalidArgument(
          `contents field must not be specified when using raw_input_contents for '${input.name}' for model '${model.name}'`,
        );
      }
      return { name: input.name, datatype, shape, data: readRawTensorData(input.name, spec, shape, raw[position]!) };
    }
    return { name: input.name, datatype, shape, data: readTypedContents(input.name, spec, shape, contents) };
  });
  checkAllInputsPresent(seen, model);
  const outputNames: string[] = [];
  for (const output of message.outputs ?? []) {
    checkRequestedOutput(model, output.name, outputNames);
    outputNames.push(output.name);
  }
  return {
    ...(message.id ? { id: message.id } : {}),
    inputs: tensors,
    outputNames: outputNames.length > 0 ? outputNames : model.outputs.map((output) => output.name),
    binaryOutputNames: NO_BINARY_OUTPUTS,
  };
}

function hasAnyContents(contents: GrpcTensorContents): boolean {
  return Object.values(contents).some((field) => Array.isArray(field) && field.length > 0);
}

/** The typed field of `InferTensorContents` that carries each datatype (none for half floats). */
const CONTENTS_FIELD: Readonly<Record<Datatype, keyof GrpcTensorContents | undefined>> = {
  BOOL: 'bool_contents',
  UINT8: 'uint_contents',
  UINT16: 'uint_contents',
  UINT32: 'uint_contents',
  UINT64: 'uint64_contents',
  INT8: 'int_contents',
  INT16: 'int_contents',
  INT32: 'int_contents',
  INT64: 'int64_contents',
  FP16: undefined,
  FP32: 'fp32_contents',
  FP64: 'fp64_contents',
  BYTES: 'bytes_contents',
  BF16: undefined,
};

function readTypedContents(name: string, spec: DatatypeSpec, shape: readonly number[], contents: GrpcTensorContents | undefined): TensorData {
  const field = CONTENTS_FIELD[spec.datatype];
  if (field === undefined) {
    throw invalidArgument(`input '${name}' has datatype ${spec.datatype}, which has no typed contents field; send it in raw_input_contents`);
  }
  const values = (contents?.[field] ?? []) as readonly unknown[];
  const count = elementCount(shape);
  if (values.length !== count) {
    throw invalidArgument(
      `input '${name}' has shape ${formatShape(shape)} (${count} elements) but its contents.${field} holds ${values.length} elements`,
    );
  }
  if (spec.datatype === 'BYTES') {
    return (values as readonly Uint8Array[]).map((bytes, index) => {
      try {
        return strictUtf8.decode(bytes);
      } catch {
        throw invalidArgument(`input '${name}': BYTES element ${index} is not valid UTF-8, which onnxruntime string tensors require`);
      }
    });
  }
  const storage = spec.allocate(count) as Exclude<TensorData, string[]>;
  for (let index = 0; index < count; index++) {
    const value = values[index];
    if (spec.json === 'bigint') {
      (storage as BigInt64Array | BigUint64Array)[index] = BigInt(value as string | number);
    } else if (spec.json === 'boolean') {
      (storage as Uint8Array)[index] = value ? 1 : 0;
    } else {
      const number = value as number;
      // Wider proto fields (int32 for INT8, uint32 for UINT8…) must still fit the datatype.
      if (spec.json === 'integer' && (number < spec.min || number > spec.max)) {
        throw invalidArgument(`input '${name}': element ${index} (${number}) is out of range for ${spec.datatype}`);
      }
      (storage as Float32Array)[index] = number;
    }
  }
  return storage;
}

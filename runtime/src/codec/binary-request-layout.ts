import { DATATYPES, type DatatypeSpec } from './datatypes';
import type { InferRequest } from './inference';
import { isJsonObject } from './json-values';
import { readRawTensorData } from './raw-tensor-data';
import type { Tensor } from './tensor';

/** One input of a {@link BinaryRequestLayout}: its validated header and where its bytes are. */
export interface BinaryInputLayout {
  readonly name: string;
  readonly spec: DatatypeSpec;
  readonly shape: readonly number[];
  /** Its binary section's length (`parameters.binary_data_size`). */
  readonly byteLength: number;
}

/**
 * What a binary-extension JSON header says once it has been validated against a model, without
 * the tensor bytes: everything needed to decode another body with the same header but its own
 * binary sections. Shared by every request with that header, so it is frozen throughout.
 */
export interface BinaryRequestLayout {
  readonly id?: string;
  readonly inputs: readonly BinaryInputLayout[];
  /** The binary sections' total length: a body whose binary part differs is not this layout's. */
  readonly binaryLength: number;
  readonly outputNames: readonly string[];
  readonly binaryOutputNames: ReadonlySet<string>;
}

/**
 * The layout of a request that `decodeJsonInferRequest` accepted, or undefined when some input
 * carried JSON `data` (its elements are in the header, so the header is not reusable).
 *
 * @param header the parsed JSON header, as the decoder got it.
 * @param request what the decoder made of it: its inputs are in the header's order.
 */
export function describeBinaryRequest(header: unknown, request: InferRequest): BinaryRequestLayout | undefined {
  const headerInputs = isJsonObject(header) && Array.isArray(header.inputs) ? (header.inputs as unknown[]) : [];
  if (headerInputs.length !== request.inputs.length) return undefined;
  const inputs: BinaryInputLayout[] = [];
  let binaryLength = 0;
  for (let index = 0; index < headerInputs.length; index++) {
    const byteLength = binaryDataSize(headerInputs[index]);
    if (byteLength === undefined) return undefined;
    const tensor = request.inputs[index]!;
    inputs.push(Object.freeze({ name: tensor.name, spec: DATATYPES[tensor.datatype], shape: Object.freeze([...tensor.shape]), byteLength }));
    binaryLength += byteLength;
  }
  return Object.freeze({
    ...(request.id === undefined ? {} : { id: request.id }),
    inputs: Object.freeze(inputs),
    binaryLength,
    outputNames: Object.freeze([...request.outputNames]),
    binaryOutputNames: unchangeableSet(request.binaryOutputNames),
  });
}

/**
 * Decodes a body's binary part with a known layout. The header's checks were made when the layout
 * was described; what depends on the bytes (BOOL values, BYTES framing and UTF-8) is checked here,
 * by the same function and with the same messages as a first decode.
 *
 * @param binary the bytes after the JSON header; their length must be `layout.binaryLength`.
 */
export function decodeWithLayout(layout: BinaryRequestLayout, binary: Uint8Array): InferRequest {
  const inputs: Tensor[] = [];
  let offset = 0;
  for (const input of layout.inputs) {
    const section = binary.subarray(offset, offset + input.byteLength);
    offset += input.byteLength;
    inputs.push({ name: input.name, datatype: input.spec.datatype, shape: input.shape, data: readRawTensorData(input.name, input.spec, input.shape, section) });
  }
  const { outputNames, binaryOutputNames } = layout;
  return { ...(layout.id === undefined ? {} : { id: layout.id }), inputs, outputNames, binaryOutputNames };
}

function binaryDataSize(input: unknown): number | undefined {
  if (!isJsonObject(input) || !isJsonObject(input.parameters)) return undefined;
  const size = input.parameters.binary_data_size;
  return typeof size === 'number' ? size : undefined;
}

/** A copy of `names` whose mutators throw: the layout's set is handed to every request that shares it. */
function unchangeableSet(names: ReadonlySet<string>): ReadonlySet<string> {
  const set = new Set(names);
  const refuse = (): never => {
    throw new TypeError('the output names of a shared request layout cannot change');
  };
  set.add = refuse;
  set.delete = refuse;
  set.clear = refuse;
  return Object.freeze(set);
}

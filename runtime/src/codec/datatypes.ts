import type { Tensor as OrtTensor } from 'onnxruntime-node';

/** Tensor element types of the Open Inference Protocol (v2), spelled as on the wire. */
export type Datatype =
  | 'BOOL'
  | 'UINT8'
  | 'UINT16'
  | 'UINT32'
  | 'UINT64'
  | 'INT8'
  | 'INT16'
  | 'INT32'
  | 'INT64'
  | 'FP16'
  | 'FP32'
  | 'FP64'
  | 'BYTES'
  | 'BF16';

/** Element storage between codecs and models: one typed array per datatype, strings for BYTES. */
export type TensorData =
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Float32Array
  | Float64Array
  | string[];

/**
 * How a datatype's elements appear in JSON `data`:
 * - `float`: any finite number;
 * - `integer`: an integer within [min, max];
 * - `bigint`: 64-bit integers, held in BigInt arrays; JSON can only carry the exactly representable range;
 * - `boolean`: JSON true/false (Triton reads BOOL with AsBool, so 0/1 are rejected too);
 * - `string`: UTF-8 text, one string per element;
 * - `none`: no JSON form (half-precision floats; Triton answers 400 for them in JSON as well).
 */
export type JsonElementKind = 'float' | 'integer' | 'bigint' | 'boolean' | 'string' | 'none';

/** Everything the codecs and the ONNX model need to know about one datatype. */
export interface DatatypeSpec {
  readonly datatype: Datatype;
  /** onnxruntime tensor type; undefined where onnxruntime-node has none. */
  readonly ortType: OrtTensor.Type | undefined;
  /** Size in the raw/binary forms; undefined for BYTES (length-prefixed, variable). */
  readonly bytesPerElement: number | undefined;
  readonly json: JsonElementKind;
  /** Inclusive bounds for `integer` and `bigint` kinds, as JS numbers accepted from JSON. */
  readonly min: number;
  readonly max: number;
  /** Allocates element storage of this datatype. */
  readonly allocate: (length: number) => TensorData;
}

function spec(
  datatype: Datatype,
  ortType: OrtTensor.Type | undefined,
  bytesPerElement: number | undefined,
  json: JsonElementKind,
  allocate: (length: number) => TensorData,
  min = -Infinity,
  max = Infinity,
): DatatypeSpec {
  return { datatype, ortType, bytesPerElement, json, min, max, allocate };
}

/** The single table mapping v2 datatypes to storage, JSON rules and onnxruntime types. */
export const DATATYPES: Readonly<Record<Datatype, DatatypeSpec>> = {
  BOOL: spec('BOOL', 'bool', 1, 'boolean', (n) => new Uint8Array(n)),
  UINT8: spec('UINT8', 'uint8', 1, 'integer', (n) => new Uint8Array(n), 0, 0xff),
  UINT16: spec('UINT16', 'uint16', 2, 'integer', (n) => new Uint16Array(n), 0, 0xffff),
  UINT32: spec('UINT32', 'uint32', 4, 'integer', (n) => new Uint32Array(n), 0, 0xffffffff),
  // JSON.parse turns integers beyond 2^53 into the nearest double, so only the exact range is accepted.
  UINT64: spec('UINT64', 'uint64', 8, 'bigint', (n) => new BigUint64Array(n), 0, Number.MAX_SAFE_INTEGER),
  INT8: spec('INT8', 'int8', 1, 'integer', (n) => new Int8Array(n), -0x80, 0x7f),
  INT16: spec('INT16', 'int16', 2, 'integer', (n) => new Int16Array(n), -0x8000, 0x7fff),
  INT32: spec('INT32', 'int32', 4, 'integer', (n) => new Int32Array(n), -0x80000000, 0x7fffffff),
  INT64: spec(
    'INT64',
    'int64',
    8,
    'bigint',
    (n) => new BigInt64Array(n),
    Number.MIN_SAFE_INTEGER,
    Number.MAX_SAFE_INTEGER,
  ),
  // Half floats travel as their 16-bit patterns; Node has no Float16Array that onnxruntime-node accepts.
  FP16: spec('FP16', 'float16', 2, 'none', (n) => new Uint16Array(n)),
  FP32: spec('FP32', 'float32', 4, 'float', (n) => new Float32Array(n)),
  FP64: spec('FP64', 'float64', 8, 'float', (n) => new Float64Array(n)),
  BYTES: spec('BYTES', 'string', undefined, 'string', (n) => new Array<string>(n).fill('')),
  BF16: spec('BF16', undefined, 2, 'none', (n) => new Uint16Array(n)),
};

/** True when `value` names a v2 datatype (case-sensitive, as the protocol requires). */
export function isDatatype(value: unknown): value is Datatype {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(DATATYPES, value);
}

const DATATYPE_BY_ORT_TYPE: ReadonlyMap<string, Datatype> = new Map(
  Object.values(DATATYPES)
    .filter((entry) => entry.ortType !== undefined)
    .map((entry) => [entry.ortType as string, entry.datatype]),
);

/** The v2 datatype for an onnxruntime tensor type, or undefined when v2 has none (e.g. int4). */
export function datatypeFromOrtType(ortType: string): Datatype | undefined {
  return DATATYPE_BY_ORT_TYPE.get(ortType);
}

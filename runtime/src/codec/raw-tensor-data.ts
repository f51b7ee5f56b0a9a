import { invalidArgument } from '../errors';
import type { DatatypeSpec, TensorData } from './datatypes';
import { elementCount, formatShape } from './tensor';

// The binary tensor extension (HTTP) and gRPC raw contents are little-endian. Typed arrays use the
// host's byte order, so a view over the wire bytes is only correct on little-endian hosts, which
// every platform onnxruntime-node ships for (x64, arm64) is.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads one tensor's elements from its raw bytes: the binary tensor data extension's sections and
 * gRPC `raw_input_contents` share this layout (row-major, little-endian, no padding; BOOL one
 * byte; BYTES as `uint32 LE length | bytes` per element).
 *
 * Fixed-size types come back as a typed-array view of `bytes` when it is suitably aligned, so a
 * large tensor is not copied; otherwise one copy aligns it.
 *
 * @throws InferenceServerError (INVALID_ARG) when the byte count does not match the shape, a BOOL
 * byte is not 0 or 1, or a BYTES element is cut short or is not UTF-8.
 */
export function readRawTensorData(inputName: string, spec: DatatypeSpec, shape: readonly number[], bytes: Uint8Array): TensorData {
  const count = elementCount(shape);
  const elementSize = spec.bytesPerElement;
  if (elementSize === undefined) return readLengthPrefixedStrings(inputName, shape, count, bytes);
  if (count * elementSize !== bytes.byteLength) {
    throw invalidArgument(
      `input '${inputName}' has shape ${formatShape(shape)} (${count} elements of ${spec.datatype}, ${count * elementSize} bytes) but its binary data holds ${bytes.byteLength} bytes`,
    );
  }
  const aligned = bytes.byteOffset % elementSize === 0 ? bytes : copyAligned(bytes, elementSize);
  const data = viewBytesAs(spec, aligned, count);
  if (spec.datatype === 'BOOL') assertBooleanBytes(inputName, data as Uint8Array);
  return data;
}

/** A copy of `bytes` at an offset aligned for `elementSize`. */
function copyAligned(bytes: Uint8Array, elementSize: number): Uint8Array {
  const copy = unfilledAlignedBytes(bytes.byteLength, elementSize);
  copy.set(bytes);
  return copy;
}

/**
 * `byteLength` bytes of unset memory at an offset aligned for `elementSize`, for a caller that
 * writes every byte. Small ones come from Node's shared buffer pool, whose slices start at
 * multiples of 8: a fresh ArrayBuffer (zero-filled, tracked by the GC as external memory) cost
 * about twice as much for a 3 KiB row, which a binary-extension request behind an odd-length JSON
 * header needs on every call. The pool's alignment is Node's implementation, not its promise:
 * checked rather than trusted.
 */
export function unfilledAlignedBytes(byteLength: number, elementSize: number): Uint8Array {
  const pooled = Buffer.allocUnsafe(byteLength);
  return pooled.byteOffset % elementSize === 0 ? pooled : new Uint8Array(byteLength);
}

/** `count` elements of a fixed-size datatype over `bytes`, which must be aligned for it (no copy). */
export function viewBytesAs(spec: DatatypeSpec, bytes: Uint8Array, count: number): TensorData {
  const { buffer, byteOffset } = bytes;
  switch (spec.datatype) {
    case 'BOOL':
    case 'UINT8':
      return new Uint8Array(buffer, byteOffset, count);
    case 'INT8':
      return new Int8Array(buffer, byteOffset, count);
    case 'UINT16':
    case 'FP16':
    case 'BF16':
      return new Uint16Array(buffer, byteOffset, count);
    case 'INT16':
      return new Int16Array(buffer, byteOffset, count);
    case 'UINT32':
      return new Uint32Array(buffer, byteOffset, count);
    case 'INT32':
      return new Int32Array(buffer, byteOffset, count);
    case 'UINT64':
      return new BigUint64Array(buffer, byteOffset, count);
    case 'INT64':
      return new BigInt64Array(buffer, byteOffset, count);
    case 'FP32':
      return new Float32Array(buffer, byteOffset, count);
    case 'FP64':
      return new Float64Array(buffer, byteOffset, count);
    case 'BYTES':
      throw new Error('BYTES has no fixed element size');
  }
}

/** onnxruntime passes bool bytes through unchanged; anything but 0/1 would come back as garbage. */
function assertBooleanBytes(inputName: string, bytes: Uint8Array): void {
  for (let index = 0; index < bytes.length; index++) {
    if (bytes[index]! > 1) {
      throw invalidArgument(`input '${inputName}': BOOL element ${index} is byte ${bytes[index]}; expected 0 or 1`);
    }
  }
}

function readLengthPrefixedStrings(inputName: string, shape: readonly number[], count: number, bytes: Uint8Array): string[] {
  // Every element needs at least its 4-byte length, so an absurd shape fails here before allocating.
  if (count > bytes.byteLength / 4) {
    throw invalidArgument(
      `input '${inputName}' has shape ${formatShape(shape)} (${count} BYTES elements) but its binary data holds ${bytes.byteLength} bytes, too few for ${count} length prefixes`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const strings = new Array<string>(count);
  let offset = 0;
  for (let index = 0; index < count; index++) {
    if (offset + 4 > bytes.byteLength) {
      throw invalidArgument(`input '${inputName}': binary data ends inside the length of BYTES element ${index} of ${count}`);
    }
    const length = view.getUint32(offset, true);
    offset += 4;
    if (length > bytes.byteLength - offset) {
      throw invalidArgument(
        `input '${inputName}': BYTES element ${index} declares ${length} bytes but only ${bytes.byteLength - offset} remain`,
      );
    }
    try {
      strings[index] = strictUtf8.decode(bytes.subarray(offset, offset + length));
    } catch {
      // onnxruntime-node holds string tensors as JS strings; other bytes would not survive the trip.
      throw invalidArgument(`input '${inputName}': BYTES element ${index} is not valid UTF-8, which onnxruntime string tensors require`);
    }
    offset += length;
  }
  if (offset !== bytes.byteLength) {
    throw invalidArgument(
      `input '${inputName}' has shape ${formatShape(shape)} (${count} BYTES elements) but its binary data holds ${bytes.byteLength - offset} bytes more than those elements`,
    );
  }
  return strings;
}

/**
 * A tensor's elements as raw bytes in the same layout. Fixed-size types are returned as a view of
 * the tensor's own memory (no copy); BYTES are framed with their 4-byte lengths.
 */
export function rawTensorBytes(data: TensorData): Buffer {
  if (Array.isArray(data)) return encodeLengthPrefixedStrings(data);
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

function encodeLengthPrefixedStrings(strings: readonly string[]): Buffer {
  let total = 0;
  const encoded = strings.map((text) => {
    const bytes = Buffer.from(text, 'utf8');
    total += 4 + bytes.length;
    return bytes;
  });
  const out = Buffer.allocUnsafe(total);
  let offset = 0;
  for (const bytes of encoded) {
    out.writeUInt32LE(bytes.length, offset);
    bytes.copy(out, offset + 4);
    offset += 4 + bytes.length;
  }
  return out;
}

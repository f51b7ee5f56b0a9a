/** Strings shorter than this (so their length is a one-byte varint) may take the ASCII fast path. */
const SHORT_TEXT = 0x80;

/** A uint64 and its bytes in the machine's order, for fixed64 writes (the wire is little-endian). */
const FIXED64_SCRATCH = new BigUint64Array(1);
const FIXED64_BYTES = new Uint8Array(FIXED64_SCRATCH.buffer);
const BIG_ENDIAN_MACHINE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 0;

/** Protobuf wire types (https://protobuf.dev/programming-guides/encoding/). */
export const enum WireType {
  VARINT = 0,
  FIXED64 = 1,
  LENGTH_DELIMITED = 2,
  FIXED32 = 5,
}

/**
 * Writes protobuf wire format into one growing buffer: just the field kinds OTLP spans use. A
 * nested message is written in place (`beginMessage` / `endMessage`): its length is only known at
 * its end, so one byte is kept for it and the body moved right in the rare case it needs more.
 * That lets a span go straight into its export batch with no intermediate objects or copies.
 */
export class ProtobufWriter {
  #buffer: Buffer;
  #position = 0;

  constructor(initialBytes = 16 * 1024) {
    this.#buffer = Buffer.allocUnsafe(initialBytes);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.#position;
  }

  /** What was written, as a view of the writer's buffer (valid until the next write). */
  bytes(): Buffer {
    return this.#buffer.subarray(0, this.#position);
  }

  tag(field: number, wireType: WireType): void {
    this.varint(field * 8 + wireType);
  }

  /** A non-negative integer up to 2^53 as a varint. */
  varint(value: number): void {
    this.#reserve(10);
    const buffer = this.#buffer;
    let position = this.#position;
    while (value > 0x7f) {
      buffer[position++] = (value % 0x80) | 0x80;
      value = Math.floor(value / 0x80);
    }
    buffer[position++] = value;
    this.#position = position;
  }

  /** An int64 field's value: negative numbers take ten bytes (two's complement), as protobuf says. */
  int64(value: number): void {
    if (value >= 0) {
      this.varint(value);
      return;
    }
    let remaining = BigInt.asUintN(64, BigInt(value));
    this.#reserve(10);
    while (remaining > 0x7fn) {
      this.#buffer[this.#position++] = Number(remaining & 0x7fn) | 0x80;
      remaining >>= 7n;
    }
    this.#buffer[this.#position++] = Number(remaining);
  }

  fixed32(value: number): void {
    this.#reserve(4);
    this.#position = this.#buffer.writeUInt32LE(value, this.#position);
  }

  /** A fixed64 of a non-negative bigint below 2^64 (wraps modulo 2^64 otherwise). */
  fixed64(value: bigint): void {
    this.#reserve(8);
    // Through a typed array: Buffer's writeBigUInt64LE range-checks and splits with BigInt arithmetic.
    FIXED64_SCRATCH[0] = value;
    const buffer = this.#buffer;
    const position = this.#position;
    for (let i = 0; i < 8; i++) buffer[position + i] = FIXED64_BYTES[BIG_ENDIAN_MACHINE ? 7 - i : i]!;
    this.#position = position + 8;
  }

  double(value: number): void {
    this.#reserve(8);
    this.#position = this.#buffer.writeDoubleLE(value, this.#position);
  }

  bool(value: boolean): void {
    this.varint(value ? 1 : 0);
  }

  /** Bytes already in wire format (a field encoded elsewhere), or a bytes field's content. */
  raw(bytes: Uint8Array): void {
    this.#reserve(bytes.length);
    const buffer = this.#buffer;
    const position = this.#position;
    // Trace and span ids (16 and 8 bytes) copy faster in a loop than through set()'s call.
    if (bytes.length <= 16) {
      for (let i = 0; i < bytes.length; i++) buffer[position + i] = bytes[i]!;
    } else {
      buffer.set(bytes, position);
    }
    this.#position = position + bytes.length;
  }

  /** A length-delimited field holding `bytes`. */
  bytesField(field: number, bytes: Uint8Array): void {
    this.tag(field, WireType.LENGTH_DELIMITED);
    this.varint(bytes.length);
    this.raw(bytes);
  }

  /** A length-delimited field holding `text` as UTF-8. */
  stringField(field: number, text: string): void {
    this.tag(field, WireType.LENGTH_DELIMITED);
    if (text.length < SHORT_TEXT && this.#writeShortAscii(text)) return;
    const length = Buffer.byteLength(text, 'utf8');
    this.varint(length);
    this.#reserve(length);
    this.#position += this.#buffer.write(text, this.#position, length, 'utf8');
  }

  /**
   * Writes a short ASCII string's one-byte length and bytes in JavaScript, which beats two calls
   * into C++ (byteLength, write) for the names and keys a span is made of; false, with nothing
   * written, when the text holds anything but ASCII.
   */
  #writeShortAscii(text: string): boolean {
    this.#reserve(text.length + 1);
    const buffer = this.#buffer;
    const start = this.#position;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code >= 0x80) return false;
      buffer[start + 1 + i] = code;
    }
    buffer[start] = text.length;
    this.#position = start + 1 + text.length;
    return true;
  }

  /** Starts an embedded message in `field`; returns where its length goes, for {@link endMessage}. */
  beginMessage(field: number): number {
    this.tag(field, WireType.LENGTH_DELIMITED);
    this.#reserve(1);
    return this.#position++;
  }

  /** Ends the embedded message begun at `lengthAt`, writing its length there. */
  endMessage(lengthAt: number): void {
    const length = this.#position - lengthAt - 1;
    if (length < 0x80) {
      this.#buffer[lengthAt] = length;
      return;
    }
    const lengthBytes = varintSize(length);
    this.#reserve(lengthBytes - 1);
    this.#buffer.copyWithin(lengthAt + lengthBytes, lengthAt + 1, this.#position);
    const end = this.#position + lengthBytes - 1;
    this.#position = lengthAt;
    this.varint(length);
    this.#position = end;
  }

  #reserve(bytes: number): void {
    if (this.#position + bytes <= this.#buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.#buffer.length * 2, this.#position + bytes));
    this.#buffer.copy(grown, 0, 0, this.#position);
    this.#buffer = grown;
  }
}

/** Bytes a varint of `value` takes. */
export function varintSize(value: number): number {
  let size = 1;
  while (value > 0x7f) {
    value = Math.floor(value / 0x80);
    size++;
  }
  return size;
}

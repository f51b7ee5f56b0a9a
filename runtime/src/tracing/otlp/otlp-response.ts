/**
 * What an ExportTraceServiceResponse says about spans the collector did not take: its
 * `partial_success` (field 1) with `rejected_spans` (1) and `error_message` (2). An empty or
 * unreadable body means everything was taken, as OTLP specifies for a 2xx answer.
 */
export function rejectedSpans(body: Buffer): { rejected: number; message: string } {
  try {
    const partial = field(body, 1);
    if (partial === undefined) return { rejected: 0, message: '' };
    const rejected = varintField(partial, 1) ?? 0;
    const message = field(partial, 2)?.toString('utf8') ?? '';
    return { rejected, message };
  } catch {
    return { rejected: 0, message: '' };
  }
}

/** The last length-delimited field `number` of a message, or undefined. */
function field(message: Buffer, number: number): Buffer | undefined {
  let found: Buffer | undefined;
  walk(message, (fieldNumber, wireType, value) => {
    if (fieldNumber === number && wireType === 2) found = value as Buffer;
  });
  return found;
}

function varintField(message: Buffer, number: number): number | undefined {
  let found: number | undefined;
  walk(message, (fieldNumber, wireType, value) => {
    if (fieldNumber === number && wireType === 0) found = value as number;
  });
  return found;
}

/** Calls `visit` for each field of a protobuf message; throws on malformed bytes. */
function walk(message: Buffer, visit: (field: number, wireType: number, value: number | Buffer) => void): void {
  let position = 0;
  const varint = (): number => {
    let value = 0;
    let scale = 1;
    for (;;) {
      if (position >= message.length || scale > 2 ** 63) throw new Error('truncated varint');
      const byte = message[position++]!;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 0x80;
    }
  };
  while (position < message.length) {
    const key = varint();
    const wireType = key % 8;
    const fieldNumber = Math.floor(key / 8);
    if (wireType === 0) {
      visit(fieldNumber, wireType, varint());
    } else if (wireType === 2) {
      const length = varint();
      if (position + length > message.length) throw new Error('truncated field');
      visit(fieldNumber, wireType, message.subarray(position, position + length));
      position += length;
    } else if (wireType === 1 || wireType === 5) {
      position += wireType === 1 ? 8 : 4;
    } else {
      throw new Error(`unsupported wire type ${wireType}`);
    }
  }
  if (position > message.length) throw new Error('truncated field');
}
